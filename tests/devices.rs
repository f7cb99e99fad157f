//! Devices over HTTP: get and list with filters and pagination, the device object, the
//! `locks/*` aliases, updates, unmanaging, and the simulated connectivity controls.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::{assert_error, assert_invalid, has_condition, id_of, is_seam_timestamp, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

const LOCKS: [&str; 5] = [
    "august_front_door",
    "yale_back_door",
    "schlage_garage",
    "lockly_side_door",
    "salto_office",
];
const THERMOSTAT: &str = "ecobee_thermostat";

/// The device ids of a list answer, in order.
fn ids(list: &Value) -> Vec<Uuid> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|d| id_of(d, "device_id"))
        .collect()
}

fn sorted(mut v: Vec<Uuid>) -> Vec<Uuid> {
    v.sort();
    v
}

/// The ids of seeded devices by name.
fn named(app: &TestApp, names: &[&str]) -> Vec<Uuid> {
    names.iter().map(|n| app.device(n)).collect()
}

/// `devices/list` with a filter: the ids listed.
async fn listed(app: &TestApp, filter: Value) -> Vec<Uuid> {
    ids(&app.ok("/devices/list", filter).await["devices"])
}

#[sqlx::test]
async fn get_finds_a_device_by_id_or_by_name(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("yale_back_door");
    let by_id = app.device_json(lock).await;
    assert_eq!(by_id["device_id"], lock.to_string());
    let by_name = app.ok("/devices/get", json!({ "name": "BACK DOOR" })).await;
    assert_eq!(by_name["device"], by_id);
    let by_query = app.get("/devices/get?name=BACK%20DOOR").await;
    assert_eq!(by_query.1["device"], by_id);

    let (s, v) = app
        .post("/devices/get", json!({ "name": "NO SUCH DOOR" }))
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "device_not_found");
    let (s, v) = app.post("/devices/get", json!({})).await;
    assert_invalid(s, &v, "device_id");
}

#[sqlx::test]
async fn a_lock_has_every_field_seam_documents(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let d = app.device_json(app.device("august_front_door")).await;
    assert_eq!(d["workspace_id"], app.workspace_id.to_string());
    assert!(d["connected_account_id"]
        .as_str()
        .is_some_and(|s| s.parse::<Uuid>().is_ok()));
    assert_eq!(d["device_type"], "august_lock");
    assert_eq!(d["display_name"], "FRONT DOOR");
    // Seam types nickname as a non-null string: absent until one is set.
    assert!(!d.as_object().unwrap().contains_key("nickname"));
    assert_eq!(d["space_ids"], json!([]));
    assert_eq!(d["capabilities_supported"], json!(["access_code", "lock"]));
    assert_eq!(
        d["location"],
        json!({ "timezone": "America/Los_Angeles", "location_name": "My House" })
    );
    assert_eq!(d["errors"], json!([]));
    assert_eq!(d["warnings"], json!([]));
    assert!(d["custom_metadata"].is_object());
    assert_eq!(d["is_managed"], true);
    assert!(is_seam_timestamp(&d["created_at"]), "{}", d["created_at"]);
    for flag in [
        "can_program_online_access_codes",
        "can_remotely_lock",
        "can_remotely_unlock",
        "can_simulate_connection",
        "can_simulate_disconnection",
        "can_simulate_removal",
    ] {
        assert_eq!(d[flag], true, "{flag}");
    }

    let p = &d["properties"];
    assert_eq!(p["online"], true);
    assert_eq!(p["locked"], true);
    assert_eq!(p["door_open"], false);
    assert_eq!(p["manufacturer"], "august");
    assert_eq!(p["battery_level"], 1);
    assert_eq!(p["battery"], json!({ "level": 1, "status": "full" }));
    assert!(p["serial_number"].is_string());
    assert_eq!(p["name"], "FRONT DOOR");
    assert_eq!(p["appearance"], json!({ "name": "FRONT DOOR" }));
    assert_eq!(
        p["model"],
        json!({ "display_name": "Lock", "manufacturer_display_name": "August" })
    );
    assert_eq!(p["supported_code_lengths"], json!([4, 5, 6, 7, 8]));
    assert!(p["max_active_codes_supported"]
        .as_i64()
        .is_some_and(|n| n > 0));
    assert_eq!(p["has_native_entry_events"], true);
    assert_eq!(p["code_constraints"], json!([]));
    assert_eq!(p["supports_backup_access_code_pool"], true);
    assert_eq!(p["backup_access_code_pool_enabled"], false);
    let meta = &p["august_metadata"];
    for key in ["lock_id", "lock_name", "house_id", "house_name"] {
        assert!(meta[key].is_string(), "august_metadata.{key}: {meta}");
    }
    assert_eq!(meta["has_keypad"], true);
}

#[sqlx::test]
async fn pool_support_follows_the_brand_and_the_thermostat_holds_no_codes(pool: PgPool) {
    let app = TestApp::start(pool).await;
    for (name, manufacturer, pool_supported) in [
        ("august_front_door", "august", true),
        ("yale_back_door", "yale", true),
        ("schlage_garage", "schlage", true),
        ("lockly_side_door", "lockly", false),
        ("salto_office", "salto", false),
    ] {
        let d = app.device_json(app.device(name)).await;
        let p = &d["properties"];
        assert_eq!(p["manufacturer"], manufacturer, "{name}");
        assert_eq!(
            p["supports_backup_access_code_pool"], pool_supported,
            "{name}"
        );
        assert_eq!(p["backup_access_code_pool_enabled"], false, "{name}");
        assert!(
            d["capabilities_supported"]
                .as_array()
                .unwrap()
                .contains(&json!("access_code")),
            "{name}"
        );
        let lengths = p["supported_code_lengths"].as_array().unwrap();
        assert!(!lengths.is_empty(), "{name}");
    }

    let t = app.device_json(app.device(THERMOSTAT)).await;
    assert!(!t["capabilities_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("access_code")));
    assert!(t["can_program_online_access_codes"] != true);
    assert!(t["properties"]["supported_code_lengths"].is_null());
    assert!(t["properties"]["supports_backup_access_code_pool"] != true);
    assert_eq!(t["properties"]["online"], true);
}

#[sqlx::test]
async fn list_returns_every_device_and_filters_narrow_it(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let all = listed(&app, json!({})).await;
    let mut names: Vec<&str> = LOCKS.to_vec();
    names.push(THERMOSTAT);
    assert_eq!(sorted(all.clone()), sorted(named(&app, &names)));

    let a = app.device("august_front_door");
    let s = app.device("salto_office");
    assert_eq!(
        sorted(listed(&app, json!({ "device_ids": [a, s] })).await),
        sorted(vec![a, s])
    );
    assert_eq!(
        listed(&app, json!({ "device_type": "lockly_lock" })).await,
        vec![app.device("lockly_side_door")]
    );
    assert_eq!(
        sorted(
            listed(
                &app,
                json!({ "device_types": ["yale_lock", "ecobee_thermostat"] })
            )
            .await
        ),
        sorted(named(&app, &["yale_back_door", THERMOSTAT]))
    );
    assert_eq!(
        listed(&app, json!({ "manufacturer": "schlage" })).await,
        vec![app.device("schlage_garage")]
    );
    assert_eq!(
        listed(&app, json!({ "manufacturer": "nobody" })).await,
        Vec::<Uuid>::new()
    );
    // `search` matches the name, case-insensitively.
    assert_eq!(listed(&app, json!({ "search": "front" })).await, vec![a]);
    assert_eq!(
        sorted(listed(&app, json!({ "search": "door" })).await),
        sorted(named(
            &app,
            &["august_front_door", "yale_back_door", "lockly_side_door"]
        ))
    );
    // Filters combine.
    assert_eq!(
        listed(&app, json!({ "search": "door", "manufacturer": "yale" })).await,
        vec![app.device("yale_back_door")]
    );
    assert_eq!(
        listed(
            &app,
            json!({ "device_ids": [a], "device_type": "salto_lock" })
        )
        .await,
        Vec::<Uuid>::new()
    );
    // The same filters through a query string.
    let (status, v) = app
        .get("/devices/list?device_types=yale_lock&device_types=august_lock")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        sorted(ids(&v["devices"])),
        sorted(named(&app, &["august_front_door", "yale_back_door"]))
    );
}

#[sqlx::test]
async fn following_page_cursors_visits_every_device_exactly_once(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let all = listed(&app, json!({})).await;
    let first = app.ok("/devices/list", json!({})).await;
    assert_eq!(first["pagination"]["has_next_page"], false);
    assert!(first["pagination"]["next_page_cursor"].is_null());

    for limit in [1, 2, 4, 6] {
        let mut seen = Vec::new();
        let mut cursor = Value::Null;
        for _ in 0..10 {
            let page = app
                .ok(
                    "/devices/list",
                    json!({ "limit": limit, "page_cursor": cursor }),
                )
                .await;
            let items = ids(&page["devices"]);
            assert!(items.len() <= limit, "limit {limit}: {page}");
            seen.extend(items);
            let pagination = &page["pagination"];
            if pagination["has_next_page"] == false {
                assert!(pagination["next_page_cursor"].is_null());
                assert!(pagination["next_page_url"].is_null());
                break;
            }
            cursor = pagination["next_page_cursor"].clone();
            assert!(cursor.is_string(), "{page}");
        }
        assert_eq!(seen, all, "limit {limit}");
    }
}

/// Follows `next_page_url`s from a first answer, fetching them with the key.
async fn follow_urls(app: &TestApp, first: Value) -> Vec<Uuid> {
    let mut seen = ids(&first["devices"]);
    let mut page = first;
    for _ in 0..10 {
        let Some(url) = page["pagination"]["next_page_url"].as_str() else {
            break;
        };
        let r = app.send(app.client.get(url).bearer_auth(&app.key)).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
        seen.extend(ids(&r.body["devices"]));
        page = r.body;
    }
    seen
}

#[sqlx::test]
async fn next_page_url_fetches_the_next_page_of_a_query_request(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let all = listed(&app, json!({})).await;
    let (status, first) = app.get("/devices/list?limit=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&first["devices"]).len(), 2);
    let url = first["pagination"]["next_page_url"].as_str().unwrap();
    assert!(url.starts_with(&app.base), "{url}");
    assert_eq!(follow_urls(&app, first).await, all);

    let (_, filtered) = app
        .get("/devices/list?limit=1&device_types=august_lock&device_types=salto_lock")
        .await;
    assert_eq!(
        sorted(follow_urls(&app, filtered).await),
        sorted(named(&app, &["august_front_door", "salto_office"]))
    );
}

#[sqlx::test]
async fn next_page_url_keeps_the_filters_and_limit_of_a_json_body(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let first = app
        .ok(
            "/devices/list",
            json!({ "limit": 1, "device_types": ["august_lock", "salto_lock", "yale_lock"] }),
        )
        .await;
    let url = first["pagination"]["next_page_url"].as_str().unwrap();
    let r = app.send(app.client.get(url).bearer_auth(&app.key)).await;
    assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
    assert_eq!(
        ids(&r.body["devices"]),
        vec![app.device("yale_back_door")],
        "the second page of the filtered list, one device long: {url}"
    );
    assert_eq!(
        sorted(follow_urls(&app, first).await),
        sorted(named(
            &app,
            &["august_front_door", "yale_back_door", "salto_office"]
        ))
    );
}

#[sqlx::test]
async fn a_bad_page_cursor_is_invalid_input(pool: PgPool) {
    let app = TestApp::start(pool).await;
    for cursor in [
        json!("not-a-cursor"),
        json!(""),
        json!(12),
        json!("Zm9vOmJhcg"),
    ] {
        let (s, v) = app
            .post("/devices/list", json!({ "page_cursor": cursor }))
            .await;
        assert_invalid(s, &v, "page_cursor");
    }
    let r = app
        .call(Method::GET, "/devices/list?page_cursor=%2F%2F%2F", None)
        .await;
    assert_invalid(r.status, &r.body, "page_cursor");

    // A well-formed cursor at a time no row can have (it used to reach Postgres: 500).
    let ancient = URL_SAFE_NO_PAD.encode(format!("-8000000000000000000:{}", Uuid::nil()));
    let lock = app.device("august_front_door");
    for (path, body) in [
        ("/devices/list", json!({ "page_cursor": ancient })),
        ("/devices/unmanaged/list", json!({ "page_cursor": ancient })),
        (
            "/access_codes/list",
            json!({ "device_id": lock, "page_cursor": ancient }),
        ),
        ("/action_attempts/list", json!({ "page_cursor": ancient })),
    ] {
        let (s, v) = app.post(path, body).await;
        assert_invalid(s, &v, "page_cursor");
    }
}

#[sqlx::test]
async fn locks_routes_answer_under_both_keys_without_the_thermostat(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("schlage_garage");
    let v = app.ok("/locks/get", json!({ "device_id": lock })).await;
    assert_eq!(v["lock"], v["device"]);
    assert_eq!(v["device"], app.device_json(lock).await);

    let v = app.ok("/locks/list", json!({})).await;
    assert_eq!(v["locks"], v["devices"]);
    assert_eq!(sorted(ids(&v["locks"])), sorted(named(&app, &LOCKS)));
}

#[sqlx::test]
async fn update_renames_and_sets_custom_metadata(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    let v = app
        .ok(
            "/devices/update",
            json!({ "device_id": lock, "name": "Guest Entrance" }),
        )
        .await;
    assert_eq!(v["ok"], true);
    let d = app.device_json(lock).await;
    assert_eq!(d["display_name"], "Guest Entrance");
    assert_eq!(d["nickname"], "Guest Entrance");
    assert_eq!(d["properties"]["name"], "Guest Entrance");
    assert_eq!(d["properties"]["appearance"]["name"], "Guest Entrance");
    let by_name = app
        .ok("/devices/get", json!({ "name": "Guest Entrance" }))
        .await;
    assert_eq!(id_of(&by_name["device"], "device_id"), lock);

    let r = app
        .call(
            Method::PATCH,
            "/devices/update",
            Some(json!({ "device_id": lock, "custom_metadata": { "unit": "12B", "floor": 3, "vip": true } })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.device_json(lock).await["custom_metadata"],
        json!({ "unit": "12B", "floor": 3, "vip": true })
    );
    // Other devices are untouched.
    let other = app.device_json(app.device("yale_back_door")).await;
    assert_eq!(other["display_name"], "BACK DOOR");
    assert_eq!(other["custom_metadata"], json!({}));

    let (s, v) = app
        .post("/devices/update", json!({ "device_id": lock, "name": "" }))
        .await;
    assert_invalid(s, &v, "name");
    assert_eq!(
        app.device_json(lock).await["display_name"],
        "Guest Entrance"
    );
}

#[sqlx::test]
async fn an_unmanaged_device_lives_only_under_the_unmanaged_routes(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("schlage_garage");
    app.ok(
        "/devices/update",
        json!({ "device_id": lock, "is_managed": false }),
    )
    .await;

    let (s, v) = app.post("/devices/get", json!({ "device_id": lock })).await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "device_not_found");
    assert!(!listed(&app, json!({})).await.contains(&lock));

    let u = app
        .ok("/devices/unmanaged/get", json!({ "device_id": lock }))
        .await;
    assert_eq!(u["device"]["device_id"], lock.to_string());
    assert_eq!(u["device"]["is_managed"], false);
    let list = app.ok("/devices/unmanaged/list", json!({})).await;
    assert_eq!(ids(&list["devices"]), vec![lock]);

    // Managed-device routes point to the unmanaged ones.
    let (s, v) = app
        .post("/devices/update", json!({ "device_id": lock, "name": "x" }))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("devices/unmanaged/update"),
        "{v}"
    );

    // And the device can be managed again.
    app.ok(
        "/devices/unmanaged/update",
        json!({ "device_id": lock, "is_managed": true }),
    )
    .await;
    assert_eq!(app.device_json(lock).await["is_managed"], true);
    let (s, v) = app
        .post("/devices/unmanaged/get", json!({ "device_id": lock }))
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "device_not_found");
    let list = app.ok("/devices/unmanaged/list", json!({})).await;
    assert_eq!(list["devices"], json!([]));
}

#[sqlx::test]
async fn simulate_disconnect_connect_and_remove(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("yale_back_door");
    let other = app.device("august_front_door");
    let since = app.at(chrono::Duration::zero());

    app.ok("/devices/simulate/disconnect", json!({ "device_id": lock }))
        .await;
    let d = app.device_json(lock).await;
    assert_eq!(d["properties"]["online"], false);
    let errors = d["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["error_code"], "device_disconnected");
    assert_eq!(errors[0]["is_device_error"], true);
    assert!(errors[0]["message"].is_string());
    assert!(is_seam_timestamp(&errors[0]["created_at"]));
    assert_eq!(app.device_json(other).await["properties"]["online"], true);

    app.clock.advance(chrono::Duration::seconds(5));
    app.ok("/devices/simulate/connect", json!({ "device_id": lock }))
        .await;
    let d = app.device_json(lock).await;
    assert_eq!(d["properties"]["online"], true);
    assert_eq!(d["errors"], json!([]));

    app.clock.advance(chrono::Duration::seconds(5));
    app.ok("/devices/simulate/remove", json!({ "device_id": lock }))
        .await;
    let d = app.device_json(lock).await;
    assert_eq!(d["properties"]["online"], false);
    assert!(has_condition(&d["errors"], "error_code", "device_removed"));

    let events = app
        .events(json!({ "since": since, "device_id": lock }))
        .await;
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        vec!["device.disconnected", "device.connected", "device.removed"]
    );
    for e in &events {
        assert_eq!(e["device_id"], lock.to_string());
        assert_eq!(e["workspace_id"], app.workspace_id.to_string());
        assert!(is_seam_timestamp(&e["created_at"]));
        assert!(is_seam_timestamp(&e["occurred_at"]));
    }
    let only = app
        .event_types(json!({ "since": since, "event_types": ["device.connected"] }))
        .await;
    assert_eq!(only, vec!["device.connected"]);
    assert!(app
        .events(json!({ "since": since, "device_id": other }))
        .await
        .is_empty());

    app.ok("/devices/simulate/connect", json!({ "device_id": lock }))
        .await;
    let d = app.device_json(lock).await;
    assert_eq!(d["properties"]["online"], true);
    assert_eq!(d["errors"], json!([]), "connecting clears removal too");
}
