mod common;
use base64::Engine;
use common::TestApp;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test]
async fn probe(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    let nul = "a\u{0}b";
    let bad_cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
        "{}:{}",
        -8_000_000_000_000_000_000i64,
        uuid::Uuid::nil()
    ));
    let big_cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
        "{}:{}",
        8_000_000_000_000_000i64,
        uuid::Uuid::nil()
    ));
    for (path, body) in [
        ("/devices/list", json!({"search": nul})),
        ("/devices/list", json!({"manufacturer": nul})),
        ("/devices/list", json!({"device_types": [nul]})),
        ("/devices/get", json!({"name": nul})),
        ("/devices/update", json!({"device_id": lock, "name": nul})),
        (
            "/devices/update",
            json!({"device_id": lock, "custom_metadata": {"k": nul}}),
        ),
        (
            "/devices/update",
            json!({"device_id": lock, "custom_metadata": {nul: "v"}}),
        ),
        (
            "/access_codes/create",
            json!({"device_id": lock, "name": nul}),
        ),
        (
            "/access_codes/create",
            json!({"device_id": lock, "common_code_key": nul}),
        ),
        (
            "/access_codes/list",
            json!({"device_id": lock, "search": nul}),
        ),
        ("/access_codes/get", json!({"device_id": lock, "code": nul})),
        (
            "/events/list",
            json!({"since": "2000-01-01T00:00:00Z", "event_type": nul}),
        ),
        ("/devices/list", json!({"page_cursor": bad_cursor})),
        ("/devices/list", json!({"page_cursor": big_cursor})),
        (
            "/access_codes/list",
            json!({"device_id": lock, "page_cursor": bad_cursor}),
        ),
        ("/action_attempts/list", json!({"page_cursor": bad_cursor})),
        ("/events/list", json!({"since": "0000-01-01T00:00:00Z"})),
        (
            "/events/list",
            json!({"between": ["0000-01-01T00:00:00Z", "9999-01-01T00:00:00Z"]}),
        ),
        (
            "/access_codes/create",
            json!({"device_id": lock, "starts_at": "0000-01-01T00:00:00Z", "ends_at": "9999-12-31T23:59:59.999Z"}),
        ),
        (
            "/devices/update",
            json!({"device_id": lock, "custom_metadata": "{\"a\": 1}"}),
        ),
    ] {
        let (s, v) = app.post(path, body.clone()).await;
        println!("{path} {body} -> {s} {}", v["error"]);
    }
}
