//! Access codes over HTTP: create's validation, the code object, get/list/update/delete,
//! action attempts, and the lifecycle on the lock with its events, driven by a manual clock.

mod common;

use chrono::Duration;
use common::{assert_error, assert_invalid, id_of, is_seam_timestamp, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

/// Whether a code value is all digits with one of the given lengths.
fn is_code_of_length(code: &Value, lengths: &[usize]) -> bool {
    code.as_str()
        .is_some_and(|c| lengths.contains(&c.len()) && c.bytes().all(|b| b.is_ascii_digit()))
}

/// The codes `access_codes/list` answers for a filter, by id.
async fn listed(app: &TestApp, filter: Value) -> Vec<Uuid> {
    let v = app.ok("/access_codes/list", filter).await;
    v["access_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| id_of(c, "access_code_id"))
        .collect()
}

/// `action_attempts/get` of one id.
async fn attempt(app: &TestApp, id: &Value) -> Value {
    app.ok("/action_attempts/get", json!({ "action_attempt_id": id }))
        .await["action_attempt"]
        .clone()
}

/// Asserts `access_codes/create` refuses a body with 400 of the given type.
async fn refused(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let (s, v) = app.post("/access_codes/create", body.clone()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body} -> {v}");
    (s, v)
}

#[sqlx::test]
async fn create_checks_the_time_window(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    let (h1, h2) = (app.at(Duration::hours(1)), app.at(Duration::hours(2)));
    for (body, param) in [
        (json!({ "device_id": lock, "starts_at": h1 }), "ends_at"),
        (json!({ "device_id": lock, "ends_at": h2 }), "starts_at"),
        (
            json!({ "device_id": lock, "starts_at": h2, "ends_at": h1 }),
            "ends_at",
        ),
        (
            json!({ "device_id": lock, "starts_at": h1, "ends_at": h1 }),
            "ends_at",
        ),
        (
            json!({ "device_id": lock, "starts_at": app.at(-Duration::hours(3)), "ends_at": app.at(-Duration::hours(1)) }),
            "ends_at",
        ),
        (
            json!({ "device_id": lock, "starts_at": "tomorrow", "ends_at": h2 }),
            "starts_at",
        ),
    ] {
        let (s, v) = refused(&app, body).await;
        assert_invalid(s, &v, param);
    }
    assert!(listed(&app, json!({ "device_id": lock })).await.is_empty());

    // A window that has already begun but ends in the future is fine.
    let v = app
        .create_code(
            json!({ "device_id": lock, "starts_at": app.at(-Duration::hours(1)), "ends_at": h1 }),
        )
        .await;
    assert_eq!(v["access_code"]["type"], "time_bound");
    assert_eq!(v["access_code"]["status"], "setting");
}

#[sqlx::test]
async fn create_checks_the_code_value(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let august = app.device("august_front_door");
    let lockly = app.device("lockly_side_door");
    let salto = app.device("salto_office");
    for (device, code) in [
        (august, "12a4"),
        (august, "12 34"),
        (august, "-1234"),
        (august, "123"),
        (august, "123456789"),
        (lockly, "1234"),
        (lockly, "12345"),
        (salto, "1234567"),
    ] {
        let (s, v) = refused(&app, json!({ "device_id": device, "code": code })).await;
        assert_invalid(s, &v, "code");
    }
    let (s, v) = refused(&app, json!({ "device_id": august, "code": 1234 })).await;
    assert_invalid(s, &v, "code");

    app.ongoing_code(august, "2468").await;
    let (s, v) = refused(&app, json!({ "device_id": august, "code": "2468" })).await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "duplicate_access_code");
    // The same value is free on another device.
    app.ongoing_code(app.device("yale_back_door"), "2468").await;
    // Leading zeros are part of the code.
    let id = app.ongoing_code(august, "0007").await;
    assert_eq!(app.code(id).await.1["code"], "0007");
    app.ongoing_code(lockly, "123456").await;
}

#[sqlx::test]
async fn create_needs_a_device_that_holds_codes(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let (s, v) = refused(
        &app,
        json!({ "device_id": app.device("ecobee_thermostat") }),
    )
    .await;
    assert_eq!(v["ok"], false, "{s} {v}");
    assert!(v["error"]["message"].is_string());
    assert!(v["access_code"].is_null());

    let (s, v) = app
        .post(
            "/access_codes/create",
            json!({ "device_id": Uuid::new_v4(), "code": "1234" }),
        )
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "device_not_found");

    // An unmanaged device takes no codes either.
    let lock = app.device("schlage_garage");
    app.ok(
        "/devices/update",
        json!({ "device_id": lock, "is_managed": false }),
    )
    .await;
    let (s, v) = app
        .post(
            "/access_codes/create",
            json!({ "device_id": lock, "code": "1234" }),
        )
        .await;
    assert!(s.is_client_error(), "{s} {v}");
    assert_eq!(v["ok"], false);
}

#[sqlx::test]
async fn ongoing_and_time_bound_codes_are_rendered_as_seam_does(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("yale_back_door");
    let ongoing = app
        .create_code(json!({ "device_id": lock, "code": "1357", "name": "Cleaner" }))
        .await;
    let c = &ongoing["access_code"];
    assert_eq!(c["type"], "ongoing");
    assert_eq!(c["status"], "setting");
    assert!(c["starts_at"].is_null() && c["ends_at"].is_null());
    assert_eq!(c["name"], "Cleaner");
    assert_eq!(c["code"], "1357");
    assert_eq!(c["device_id"], lock.to_string());
    assert_eq!(c["workspace_id"], app.workspace_id.to_string());
    assert!(is_seam_timestamp(&c["created_at"]));
    assert_eq!(c["created_at"], app.at(Duration::zero()));
    for key in [
        "access_code_id",
        "common_code_key",
        "pulled_backup_access_code_id",
        "is_backup_access_code_available",
        "is_scheduled_on_device",
        "is_waiting_for_code_assignment",
        "is_external_modification_allowed",
        "is_one_time_use",
        "is_offline_access_code",
    ] {
        assert!(c.as_object().unwrap().contains_key(key), "{key} in {c}");
    }
    for key in ["errors", "warnings", "pending_mutations"] {
        assert!(c[key].is_array(), "{key} is a list: {c}");
    }
    assert_eq!(c["is_managed"], true);
    assert_eq!(c["is_backup"], false);

    // Any RFC 3339 input comes back in UTC with milliseconds.
    let timed = app
        .create_code(json!({
            "device_id": lock,
            "starts_at": "2030-01-02T14:00:00+02:00",
            "ends_at": "2030-01-03T12:00:00.5Z",
        }))
        .await;
    let t = &timed["access_code"];
    assert_eq!(t["type"], "time_bound");
    assert_eq!(t["status"], "unset");
    assert_eq!(t["starts_at"], "2030-01-02T12:00:00.000Z");
    assert_eq!(t["ends_at"], "2030-01-03T12:00:00.500Z");

    // `get` answers the same object.
    let id = id_of(t, "access_code_id");
    assert_eq!(app.code(id).await.1, *t);
}

#[sqlx::test]
async fn generated_codes_have_a_length_the_device_supports(pool: PgPool) {
    let app = TestApp::start(pool).await;
    for (name, lengths) in [
        ("august_front_door", &[4usize, 5, 6, 7, 8][..]),
        ("lockly_side_door", &[6, 7, 8]),
        ("salto_office", &[4, 5, 6]),
    ] {
        let device = app.device(name);
        let created = app.create_code(json!({ "device_id": device })).await;
        assert!(
            is_code_of_length(&created["access_code"]["code"], lengths),
            "{name}: {}",
            created["access_code"]
        );
        let (status, generated) = app
            .get(&format!("/access_codes/generate_code?device_id={device}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{generated}");
        assert_eq!(generated["generated_code"]["device_id"], device.to_string());
        assert!(
            is_code_of_length(&generated["generated_code"]["code"], lengths),
            "{name}: {generated}"
        );
        assert_ne!(
            generated["generated_code"]["code"], created["access_code"]["code"],
            "a generated code is free on the device"
        );
    }
    let (s, v) = app
        .post(
            "/access_codes/generate_code",
            json!({ "device_id": app.device("ecobee_thermostat") }),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = app
        .post(
            "/access_codes/generate_code",
            json!({ "device_id": Uuid::new_v4() }),
        )
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "device_not_found");
}

#[sqlx::test]
async fn get_and_list_find_the_right_codes(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let august = app.device("august_front_door");
    let yale = app.device("yale_back_door");
    let a1 = app.ongoing_code(august, "1001").await;
    app.clock.advance(Duration::seconds(1));
    let a2 = app.ongoing_code(august, "1002").await;
    app.clock.advance(Duration::seconds(1));
    let y1 = app.ongoing_code(yale, "1001").await;

    let by_code = app
        .ok(
            "/access_codes/get",
            json!({ "device_id": yale, "code": "1001" }),
        )
        .await;
    assert_eq!(id_of(&by_code["access_code"], "access_code_id"), y1);

    assert_eq!(
        listed(&app, json!({ "device_id": august })).await,
        vec![a1, a2]
    );
    assert_eq!(listed(&app, json!({ "device_id": yale })).await, vec![y1]);
    assert!(
        listed(&app, json!({ "device_id": app.device("salto_office") }))
            .await
            .is_empty()
    );
    assert_eq!(
        listed(&app, json!({ "access_code_ids": [a2, y1] })).await,
        vec![a2, y1]
    );
    assert_eq!(
        listed(&app, json!({ "access_code_ids": [Uuid::new_v4()] })).await,
        Vec::<Uuid>::new()
    );

    let (s, v) = app.post("/access_codes/list", json!({})).await;
    assert_invalid(s, &v, "device_id");
    let (s, v) = app.post("/access_codes/get", json!({})).await;
    assert_invalid(s, &v, "access_code_id");

    // Pages of one code each add up to the list.
    let page = app
        .ok(
            "/access_codes/list",
            json!({ "device_id": august, "limit": 1 }),
        )
        .await;
    assert_eq!(page["access_codes"].as_array().unwrap().len(), 1);
    let next = app
        .ok(
            "/access_codes/list",
            json!({ "device_id": august, "limit": 1, "page_cursor": page["pagination"]["next_page_cursor"] }),
        )
        .await;
    assert_eq!(id_of(&next["access_codes"][0], "access_code_id"), a2);
    assert_eq!(next["pagination"]["has_next_page"], false);
}

#[sqlx::test]
async fn update_changes_name_code_and_window(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    let id = app.ongoing_code(lock, "4444").await;
    app.settle().await;
    assert_eq!(app.code(id).await.1["status"], "set");

    let v = app
        .ok(
            "/access_codes/update",
            json!({ "access_code_id": id, "name": "Guest" }),
        )
        .await;
    assert_eq!(v["action_attempt"]["action_type"], "UPDATE_ACCESS_CODE");
    let (_, c) = app.code(id).await;
    assert_eq!(c["name"], "Guest");
    assert_eq!(c["code"], "4444");

    app.ok(
        "/access_codes/update",
        json!({ "access_code_id": id, "code": "5555" }),
    )
    .await;
    let (_, c) = app.code(id).await;
    assert_eq!(c["code"], "5555");
    assert_eq!(c["status"], "setting", "the lock is reprogrammed");
    app.settle().await;
    assert_eq!(app.code(id).await.1["status"], "set");

    let (starts, ends) = (app.at(Duration::hours(1)), app.at(Duration::days(1)));
    let v = app
        .ok(
            "/access_codes/update",
            json!({ "access_code_id": id, "starts_at": starts, "ends_at": ends }),
        )
        .await;
    let (_, c) = app.code(id).await;
    assert_eq!(c["type"], "time_bound");
    assert_eq!(c["starts_at"], starts);
    assert_eq!(c["ends_at"], ends);
    assert_eq!(
        attempt(&app, &v["action_attempt"]["action_attempt_id"]).await["status"],
        "pending"
    );
    app.settle().await;
    assert_eq!(
        attempt(&app, &v["action_attempt"]["action_attempt_id"]).await["status"],
        "success"
    );
    assert_eq!(app.code(id).await.1["status"], "unset");

    app.ok(
        "/access_codes/update",
        json!({ "access_code_id": id, "type": "ongoing" }),
    )
    .await;
    let (_, c) = app.code(id).await;
    assert_eq!(c["type"], "ongoing");
    assert!(c["starts_at"].is_null() && c["ends_at"].is_null());
    app.settle().await;
    assert_eq!(app.code(id).await.1["status"], "set");

    // Updates follow create's rules.
    let other = app.ongoing_code(lock, "6666").await;
    let (s, v) = app
        .post(
            "/access_codes/update",
            json!({ "access_code_id": other, "code": "5555" }),
        )
        .await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "duplicate_access_code");
    let (s, v) = app
        .post(
            "/access_codes/update",
            json!({ "access_code_id": other, "code": "55x5" }),
        )
        .await;
    assert_invalid(s, &v, "code");
    let (s, v) = app
        .post(
            "/access_codes/update",
            json!({ "access_code_id": other, "starts_at": app.at(Duration::hours(2)), "ends_at": app.at(Duration::hours(1)) }),
        )
        .await;
    assert_invalid(s, &v, "ends_at");
    let (s, v) = app
        .post(
            "/access_codes/update",
            json!({ "access_code_id": other, "type": "weekly" }),
        )
        .await;
    assert_invalid(s, &v, "type");
    assert_eq!(app.code(other).await.1["code"], "6666");
}

#[sqlx::test]
async fn delete_marks_removing_then_the_code_is_gone(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("schlage_garage");
    let id = app.ongoing_code(lock, "8080").await;
    app.settle().await;
    app.clock.advance(Duration::seconds(1));
    let since = app.at(Duration::zero());

    let v = app
        .ok("/access_codes/delete", json!({ "access_code_id": id }))
        .await;
    let deletion = &v["action_attempt"];
    assert_eq!(deletion["action_type"], "DELETE_ACCESS_CODE");
    assert_eq!(deletion["status"], "pending");
    let (s, c) = app.code(id).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(c["status"], "removing");

    app.settle().await;
    let (s, v) = app
        .post("/access_codes/get", json!({ "access_code_id": id }))
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "access_code_not_found");
    assert!(listed(&app, json!({ "device_id": lock })).await.is_empty());
    assert_eq!(
        attempt(&app, &deletion["action_attempt_id"]).await["status"],
        "success"
    );
    assert_eq!(
        app.event_types(json!({ "since": since, "access_code_id": id }))
            .await,
        vec!["access_code.removed_from_device", "access_code.deleted"]
    );
    // The value is free again.
    app.ongoing_code(lock, "8080").await;

    let (s, v) = app
        .post("/access_codes/delete", json!({ "access_code_id": id }))
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "access_code_not_found");
}

#[sqlx::test]
async fn action_attempts_go_from_pending_to_success(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    let first = app
        .create_code(json!({ "device_id": lock, "code": "9001" }))
        .await;
    let second = app
        .create_code(json!({ "device_id": lock, "code": "9002" }))
        .await;
    let a = &first["action_attempt"];
    assert_eq!(a["action_type"], "CREATE_ACCESS_CODE");
    assert_eq!(a["status"], "pending");
    assert!(a["result"].is_null());
    assert!(a["error"].is_null());
    let a_id = a["action_attempt_id"].clone();
    assert_eq!(attempt(&app, &a_id).await["status"], "pending");

    app.settle().await;
    let done = attempt(&app, &a_id).await;
    assert_eq!(done["status"], "success", "{done}");
    assert!(done["error"].is_null());
    assert!(done["result"].is_object());
    assert_eq!(
        done["result"]["access_code"]["access_code_id"],
        first["access_code"]["access_code_id"]
    );

    let b_id = second["action_attempt"]["action_attempt_id"].clone();
    let list = app
        .ok(
            "/action_attempts/list",
            json!({ "action_attempt_ids": [a_id, b_id] }),
        )
        .await;
    let mut ids: Vec<&Value> = list["action_attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["action_attempt_id"])
        .collect();
    ids.sort_by_key(|v| v.as_str().unwrap().to_string());
    let mut want = vec![&a_id, &b_id];
    want.sort_by_key(|v| v.as_str().unwrap().to_string());
    assert_eq!(ids, want);
    let one = app
        .ok(
            "/action_attempts/list",
            json!({ "action_attempt_ids": [b_id] }),
        )
        .await;
    assert_eq!(one["action_attempts"].as_array().unwrap().len(), 1);
    assert_eq!(one["action_attempts"][0]["status"], "success");
}

#[sqlx::test]
async fn a_future_time_bound_code_is_scheduled_set_and_removed_on_time(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("yale_back_door");
    let since = app.at(Duration::zero());
    let v = app
        .create_code(json!({
            "device_id": lock,
            "code": "3141",
            "starts_at": app.at(Duration::hours(1)),
            "ends_at": app.at(Duration::hours(3)),
        }))
        .await;
    let id = id_of(&v["access_code"], "access_code_id");
    assert_eq!(v["access_code"]["status"], "unset");
    assert_eq!(v["access_code"]["is_scheduled_on_device"], false);

    app.settle().await;
    let (_, c) = app.code(id).await;
    assert_eq!(c["status"], "unset");
    assert_eq!(c["is_scheduled_on_device"], true);

    app.advance(Duration::minutes(59)).await;
    assert_eq!(app.code(id).await.1["status"], "unset", "not yet");
    app.advance(Duration::minutes(1)).await;
    let (_, c) = app.code(id).await;
    assert_eq!(c["status"], "set");
    assert_eq!(c["is_scheduled_on_device"], false);

    app.advance(Duration::minutes(119)).await;
    assert_eq!(app.code(id).await.1["status"], "set", "not yet");
    app.advance(Duration::minutes(1)).await;
    let (s, v) = app
        .post("/access_codes/get", json!({ "access_code_id": id }))
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "access_code_not_found");

    let events = app
        .events(json!({ "since": since, "access_code_id": id }))
        .await;
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        vec![
            "access_code.created",
            "access_code.scheduled_on_device",
            "access_code.set_on_device",
            "access_code.removed_from_device",
            "access_code.deleted",
        ]
    );
    for e in &events {
        assert_eq!(e["access_code_id"], id.to_string());
        assert_eq!(e["device_id"], lock.to_string());
        assert_eq!(e["workspace_id"], app.workspace_id.to_string());
        assert!(is_seam_timestamp(&e["created_at"]) && is_seam_timestamp(&e["occurred_at"]));
    }
    assert_eq!(
        events[2]["created_at"],
        app.at(-Duration::hours(2)),
        "set at starts_at"
    );
    assert_eq!(
        events[4]["created_at"],
        app.at(Duration::zero()),
        "gone at ends_at"
    );
}

#[sqlx::test]
async fn an_ongoing_code_goes_from_setting_to_set(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    let id = app.ongoing_code(lock, "2718").await;
    let (_, c) = app.code(id).await;
    assert_eq!(c["status"], "setting");
    app.settle().await;
    let (_, c) = app.code(id).await;
    assert_eq!(c["status"], "set");
    assert_eq!(c["is_scheduled_on_device"], false);
    assert_eq!(
        app.event_types(json!({ "access_code_id": id })).await,
        vec!["access_code.created", "access_code.set_on_device"]
    );
    // A day later it is still there: ongoing codes do not end.
    app.advance(Duration::days(1)).await;
    assert_eq!(app.code(id).await.1["status"], "set");
}

#[sqlx::test]
async fn events_can_be_filtered_and_fetched_by_id(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let august = app.device("august_front_door");
    let yale = app.device("yale_back_door");
    let since = app.at(Duration::zero());
    let a = app.ongoing_code(august, "1212").await;
    app.clock.advance(Duration::seconds(1));
    let y = app.ongoing_code(yale, "3434").await;
    app.clock.advance(Duration::seconds(1));
    app.settle().await;

    let all = app.events(json!({ "since": since })).await;
    assert_eq!(all.len(), 4, "{all:?}");
    let by_device = app
        .events(json!({ "since": since, "device_id": yale }))
        .await;
    assert!(by_device.iter().all(|e| e["device_id"] == yale.to_string()));
    assert_eq!(by_device.len(), 2);
    let by_devices = app
        .events(json!({ "since": since, "device_ids": [august, yale] }))
        .await;
    assert_eq!(by_devices.len(), 4);
    let by_code = app
        .events(json!({ "since": since, "access_code_id": a }))
        .await;
    assert!(by_code.iter().all(|e| e["access_code_id"] == a.to_string()));
    assert_eq!(by_code.len(), 2);
    let by_codes = app
        .events(json!({ "since": since, "access_code_ids": [a, y] }))
        .await;
    assert_eq!(by_codes.len(), 4);
    assert_eq!(
        app.event_types(json!({ "since": since, "event_types": ["access_code.created"] }))
            .await,
        vec!["access_code.created", "access_code.created"]
    );
    assert_eq!(
        app.event_types(json!({ "since": since, "event_type": "access_code.set_on_device", "device_id": august }))
            .await,
        vec!["access_code.set_on_device"]
    );
    // `since` excludes older events; `between` bounds both ends.
    assert_eq!(
        app.events(json!({ "since": app.at(Duration::seconds(1)) }))
            .await
            .len(),
        0
    );
    let first_second = app
        .ok(
            "/events/list",
            json!({ "between": [since, app.at(-Duration::seconds(1))] }),
        )
        .await;
    let ids: Vec<&Value> = first_second["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["access_code_id"])
        .collect();
    assert_eq!(ids, vec![&json!(a.to_string())]);

    // The same filters through a query string.
    let (s, v) = app
        .get(&format!(
            "/events/list?since={}&event_types=access_code.created&device_ids={yale}",
            since.replace(':', "%3A")
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["events"].as_array().unwrap().len(), 1);

    let event = &all[0];
    let got = app
        .ok("/events/get", json!({ "event_id": event["event_id"] }))
        .await;
    assert_eq!(got["event"], *event);

    let (s, v) = app.post("/events/list", json!({})).await;
    assert_invalid(s, &v, "since");
    let (s, v) = app
        .post("/events/list", json!({ "device_id": august }))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
}

#[sqlx::test]
async fn deleting_twice_is_safe_and_both_attempts_succeed(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let id = app
        .ongoing_code(app.device("august_front_door"), "5555")
        .await;
    app.settle().await;
    let mut attempts = Vec::new();
    for _ in 0..2 {
        let v = app
            .ok("/access_codes/delete", json!({ "access_code_id": id }))
            .await;
        attempts.push(v["action_attempt"]["action_attempt_id"].clone());
    }
    app.settle().await;
    assert_eq!(app.code(id).await.0, StatusCode::NOT_FOUND);
    for a in &attempts {
        let got = attempt(&app, a).await;
        assert_eq!(got["status"], "success", "{got}");
    }
}
