//! Workspaces are sealed from each other: another workspace's key never reads, changes or
//! lists the sandbox's devices, codes, action attempts or events, and the emulator controls
//! answer only sandbox keys.

mod common;

use chrono::Duration;
use common::{assert_error, id_of, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

/// What the sandbox holds for the other workspace to try to reach.
struct SandboxObjects {
    device: Uuid,
    code: Uuid,
    time_bound: Uuid,
    attempt: Value,
    event: Value,
}

/// A sandbox with an ongoing code, a pool-backed time-bound code, settled attempts and events.
async fn populate(app: &TestApp) -> SandboxObjects {
    let device = app.device("august_front_door");
    let created = app
        .create_code(json!({ "device_id": device, "code": "1234", "name": "Front" }))
        .await;
    let time_bound = app
        .pool_code(device, Duration::hours(1), Duration::days(1))
        .await;
    app.settle().await;
    let event = app.events(json!({ "device_id": device })).await[0].clone();
    SandboxObjects {
        device,
        code: id_of(&created["access_code"], "access_code_id"),
        time_bound,
        attempt: created["action_attempt"]["action_attempt_id"].clone(),
        event,
    }
}

/// The list keys of list answers; each must be empty for the other workspace.
const LIST_KEYS: &[&str] = &[
    "devices",
    "locks",
    "access_codes",
    "action_attempts",
    "events",
];

/// Asserts an answer gives nothing away: a 404, or 200 with only empty lists.
fn assert_sees_nothing(what: &str, status: StatusCode, body: &Value) {
    match status {
        StatusCode::NOT_FOUND => {
            assert_eq!(body["ok"], false, "{what}: {body}");
            assert!(
                body["error"]["type"]
                    .as_str()
                    .is_some_and(|t| t.ends_with("_not_found")),
                "{what}: {body}"
            );
        }
        StatusCode::OK => {
            let obj = body.as_object().unwrap();
            for (key, value) in obj {
                match key.as_str() {
                    "ok" | "pagination" => {}
                    k if LIST_KEYS.contains(&k) => {
                        assert_eq!(value, &json!([]), "{what}: {body}")
                    }
                    other => panic!("{what}: unexpected key {other} in {body}"),
                }
            }
        }
        other => panic!("{what}: {other} {body}"),
    }
}

#[sqlx::test]
async fn another_workspace_reads_nothing_of_the_sandbox(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let s = populate(&app).await;
    let (_, key) = app.other_workspace(false).await;
    let since = app.at(-Duration::days(1));
    let requests = [
        ("/devices/get", json!({ "device_id": s.device })),
        ("/devices/get", json!({ "name": "FRONT DOOR" })),
        ("/devices/list", json!({})),
        ("/devices/list", json!({ "device_ids": [s.device] })),
        ("/devices/unmanaged/get", json!({ "device_id": s.device })),
        ("/devices/unmanaged/list", json!({})),
        ("/locks/get", json!({ "device_id": s.device })),
        ("/locks/list", json!({})),
        ("/access_codes/get", json!({ "access_code_id": s.code })),
        (
            "/access_codes/get",
            json!({ "device_id": s.device, "code": "1234" }),
        ),
        ("/access_codes/list", json!({ "device_id": s.device })),
        (
            "/access_codes/list",
            json!({ "access_code_ids": [s.code, s.time_bound] }),
        ),
        (
            "/access_codes/unmanaged/get",
            json!({ "access_code_id": s.code }),
        ),
        (
            "/access_codes/unmanaged/list",
            json!({ "device_id": s.device }),
        ),
        (
            "/access_codes/generate_code",
            json!({ "device_id": s.device }),
        ),
        (
            "/action_attempts/get",
            json!({ "action_attempt_id": s.attempt }),
        ),
        ("/action_attempts/list", json!({})),
        (
            "/action_attempts/list",
            json!({ "action_attempt_ids": [s.attempt] }),
        ),
        ("/events/get", json!({ "event_id": s.event["event_id"] })),
        ("/events/list", json!({ "since": since })),
        (
            "/events/list",
            json!({ "since": since, "device_id": s.device }),
        ),
        (
            "/events/list",
            json!({ "since": since, "access_code_id": s.code }),
        ),
    ];
    for (path, body) in requests {
        let (status, v) = app.post_as(&key, path, body.clone()).await;
        assert_sees_nothing(&format!("{path} {body}"), status, &v);
    }
    // The same through the GET form the SDKs use.
    let r = app
        .call_as(
            &key,
            Method::GET,
            &format!("/access_codes/get?access_code_id={}", s.code),
            None,
        )
        .await;
    assert_sees_nothing("GET access_codes/get", r.status, &r.body);
}

#[sqlx::test]
async fn another_workspace_changes_nothing_of_the_sandbox(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let s = populate(&app).await;
    let device_before = app.device_json(s.device).await;
    let code_before = app.code(s.code).await.1;
    let timed_before = app.code(s.time_bound).await.1;
    let (_, key) = app.other_workspace(false).await;

    let requests = [
        (
            "/devices/update",
            json!({ "device_id": s.device, "name": "Pwned", "custom_metadata": { "x": "y" } }),
        ),
        (
            "/devices/update",
            json!({ "device_id": s.device, "is_managed": false }),
        ),
        (
            "/devices/update",
            json!({ "device_id": s.device, "backup_access_code_pool_enabled": false }),
        ),
        (
            "/devices/unmanaged/update",
            json!({ "device_id": s.device, "is_managed": true }),
        ),
        (
            "/access_codes/create",
            json!({ "device_id": s.device, "code": "9999" }),
        ),
        (
            "/access_codes/update",
            json!({ "access_code_id": s.code, "name": "Pwned", "code": "9998" }),
        ),
        ("/access_codes/delete", json!({ "access_code_id": s.code })),
        (
            "/access_codes/pull_backup_access_code",
            json!({ "access_code_id": s.time_bound }),
        ),
    ];
    for (path, body) in requests {
        let (status, v) = app.post_as(&key, path, body.clone()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path} {body}: {v}");
        assert_sees_nothing(&format!("{path} {body}"), status, &v);
    }
    let r = app
        .call_as(
            &key,
            Method::DELETE,
            &format!("/access_codes/delete?access_code_id={}", s.time_bound),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    app.settle().await;
    assert_eq!(app.device_json(s.device).await, device_before);
    assert_eq!(app.code(s.code).await.1, code_before);
    assert_eq!(app.code(s.time_bound).await.1, timed_before);
    assert_eq!(
        timed_before["pulled_backup_access_code_id"],
        Value::Null,
        "no backup was pulled"
    );
    let codes = app
        .ok("/access_codes/list", json!({ "device_id": s.device }))
        .await;
    assert_eq!(codes["access_codes"].as_array().unwrap().len(), 2);
}

#[sqlx::test]
async fn emulator_controls_refuse_keys_of_non_sandbox_workspaces(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let device = app.device("yale_back_door");
    let (_, key) = app.other_workspace(false).await;
    for (path, body) in [
        ("/_fake/default_seed", json!({})),
        (
            "/_fake/devices/fail_next_attempts",
            json!({ "device_id": device, "count": 3 }),
        ),
        (
            "/_fake/devices/set_slot_count",
            json!({ "device_id": device, "max_active_codes_supported": 0 }),
        ),
        (
            "/_fake/devices/set_latency",
            json!({ "device_id": device, "latency_ms": 100 }),
        ),
        ("/devices/simulate/connect", json!({ "device_id": device })),
        (
            "/devices/simulate/disconnect",
            json!({ "device_id": device }),
        ),
        ("/devices/simulate/remove", json!({ "device_id": device })),
        (
            "/devices/simulate/disconnect",
            json!({ "device_id": Uuid::new_v4() }),
        ),
    ] {
        let (status, v) = app.post_as(&key, path, body.clone()).await;
        assert_error(
            status,
            &v,
            StatusCode::BAD_REQUEST,
            "not_a_sandbox_workspace",
        );
    }
    let r = app
        .call_as(&key, Method::GET, "/_fake/default_seed", None)
        .await;
    assert_error(
        r.status,
        &r.body,
        StatusCode::BAD_REQUEST,
        "not_a_sandbox_workspace",
    );

    // The sandbox's device is as it was.
    let d = app.device_json(device).await;
    assert_eq!(d["properties"]["online"], true);
    assert_eq!(d["errors"], json!([]));
    assert!(app.events(json!({ "device_id": device })).await.is_empty());
}

#[sqlx::test]
async fn two_sandboxes_have_their_own_devices_and_cannot_reach_each_other(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let s = populate(&app).await;
    let (other_ws, key) = app.other_workspace(true).await;

    // Its own seed: same names, other ids, its own workspace.
    let (status, seed) = app.post_as(&key, "/_fake/default_seed", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{seed}");
    assert_eq!(seed["workspace_id"], other_ws.to_string());
    let other_device = id_of(&seed["devices"], "august_front_door");
    assert_ne!(other_device, s.device);
    let (_, list) = app.post_as(&key, "/devices/list", json!({})).await;
    let listed = list["devices"].as_array().unwrap();
    assert_eq!(listed.len(), app.seed.len());
    assert!(listed
        .iter()
        .all(|d| d["workspace_id"] == other_ws.to_string()));
    assert!(listed
        .iter()
        .all(|d| !app.seed.values().any(|id| d["device_id"] == id.to_string())));

    // Its controls reach only its devices.
    for path in [
        "/devices/simulate/disconnect",
        "/_fake/devices/set_slot_count",
    ] {
        let (status, v) = app
            .post_as(
                &key,
                path,
                json!({ "device_id": s.device, "max_active_codes_supported": 0 }),
            )
            .await;
        assert_error(status, &v, StatusCode::NOT_FOUND, "device_not_found");
    }
    assert_eq!(
        app.device_json(s.device).await["properties"]["online"],
        true
    );
    assert_eq!(
        app.device_json(s.device).await["properties"]["max_active_codes_supported"],
        20
    );

    // Its codes and events stay its own, both ways.
    let (status, v) = app
        .post_as(
            &key,
            "/access_codes/create",
            json!({ "device_id": other_device, "code": "1234" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let theirs = id_of(&v["access_code"], "access_code_id");
    let (status, v) = app
        .post("/access_codes/get", json!({ "access_code_id": theirs }))
        .await;
    assert_sees_nothing("sandbox reads the other's code", status, &v);
    let (status, v) = app
        .post("/access_codes/list", json!({ "access_code_ids": [theirs] }))
        .await;
    assert_sees_nothing("sandbox lists the other's code", status, &v);
    assert!(app
        .events(json!({ "access_code_id": theirs }))
        .await
        .is_empty());
    let (_, mine) = app
        .post_as(
            &key,
            "/events/list",
            json!({ "since": app.at(-Duration::days(1)) }),
        )
        .await;
    let mine = mine["events"].as_array().unwrap();
    assert!(!mine.is_empty());
    assert!(mine
        .iter()
        .all(|e| e["workspace_id"] == other_ws.to_string()));
}
