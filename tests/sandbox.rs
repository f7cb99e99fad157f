//! Sandbox controls: reset to the seed, unmanaged codes made on the lock, and the published
//! OpenAPI document matching the routes that answer.

mod common;

use chrono::Duration;
use common::{assert_error, id_of, TestApp};
use reqwest::{Method, StatusCode};
use seam_emulator::http::routes::ROUTES;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test]
async fn reset_sandbox_restores_the_seed_with_the_same_ids_and_nothing_else(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    let id = app
        .pool_code(lock, Duration::hours(1), Duration::days(1))
        .await;
    app.settle().await;
    app.ok(
        "/devices/update",
        json!({ "device_id": lock, "name": "Renamed" }),
    )
    .await;
    app.ok(
        "/devices/simulate/disconnect",
        json!({ "device_id": app.device("yale_back_door") }),
    )
    .await;
    let hook = app
        .ok("/webhooks/create", json!({ "url": "http://127.0.0.1:9/x" }))
        .await;
    let seed_before = app.ok("/_fake/default_seed", json!({})).await;
    let devices_before = app.ok("/devices/list", json!({})).await["devices"]
        .as_array()
        .unwrap()
        .len();

    let reset = app.ok("/workspaces/reset_sandbox", json!({})).await;
    assert_eq!(
        reset["action_attempt"]["action_type"],
        "RESET_SANDBOX_WORKSPACE"
    );
    assert_eq!(reset["action_attempt"]["status"], "success");

    assert_eq!(
        app.ok("/_fake/default_seed", json!({})).await,
        seed_before,
        "same device ids"
    );
    let devices = app.ok("/devices/list", json!({})).await["devices"].clone();
    assert_eq!(devices.as_array().unwrap().len(), devices_before);
    let august = app.device_json(lock).await;
    assert_eq!(august["display_name"], "FRONT DOOR");
    assert_eq!(
        august["properties"]["backup_access_code_pool_enabled"],
        false
    );
    assert_eq!(
        app.device_json(app.device("yale_back_door")).await["properties"]["online"],
        true
    );
    assert_eq!(app.code(id).await.0, StatusCode::NOT_FOUND);
    assert!(app.stored_codes(lock).await.is_empty(), "the lock is empty");
    let events = app
        .ok(
            "/events/list",
            json!({ "since": app.at(-Duration::days(1)) }),
        )
        .await;
    assert_eq!(events["events"], json!([]));
    app.settle().await;
    assert!(
        app.stored_codes(lock).await.is_empty(),
        "no stale job refills a pool"
    );
    // Configuration stays: the key works (we are here) and the webhook is kept.
    app.ok(
        "/webhooks/get",
        json!({ "webhook_id": hook["webhook"]["webhook_id"] }),
    )
    .await;

    let (_, other_key) = app.other_workspace(false).await;
    let (s, v) = app
        .post_as(&other_key, "/workspaces/reset_sandbox", json!({}))
        .await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "not_a_sandbox_workspace");
}

#[sqlx::test]
async fn unmanaged_codes_occupy_slots_and_can_be_converted_or_removed(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("yale_back_door");
    app.ok(
        "/_fake/devices/set_slot_count",
        json!({ "device_id": lock, "max_active_codes_supported": 2 }),
    )
    .await;
    let keypad = app
        .ok(
            "/access_codes/simulate/create_unmanaged_access_code",
            json!({ "device_id": lock, "name": "Cleaner", "code": "8080" }),
        )
        .await["access_code"]
        .clone();
    assert_eq!(keypad["is_managed"], false);
    assert_eq!(keypad["status"], "set");
    let keypad_id = keypad["access_code_id"].clone();
    let (s, _) = app
        .post("/access_codes/get", json!({ "access_code_id": keypad_id }))
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "unmanaged codes are not managed codes"
    );
    let listed = app
        .ok("/access_codes/unmanaged/list", json!({ "device_id": lock }))
        .await;
    assert_eq!(listed["access_codes"].as_array().unwrap().len(), 1);
    let (s, v) = app
        .post(
            "/access_codes/create",
            json!({ "device_id": lock, "code": "8080" }),
        )
        .await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "duplicate_access_code");

    // It takes a slot: with two slots, the second managed code has no room.
    app.ok(
        "/access_codes/create",
        json!({ "device_id": lock, "code": "1212" }),
    )
    .await;
    app.advance(Duration::milliseconds(5)).await;
    let b = app
        .ok(
            "/access_codes/create",
            json!({ "device_id": lock, "code": "3434" }),
        )
        .await;
    app.settle().await;
    let (_, b_now) = app.code(id_of(&b["access_code"], "access_code_id")).await;
    assert!(
        common::has_condition(
            &b_now["errors"],
            "error_code",
            "no_space_for_access_code_on_device"
        ),
        "{b_now}"
    );

    // Removing the keypad code frees the slot and the waiting code is programmed.
    let deleted = app
        .ok(
            "/access_codes/unmanaged/delete",
            json!({ "access_code_id": keypad_id }),
        )
        .await;
    assert_eq!(
        deleted["action_attempt"]["action_type"],
        "DELETE_ACCESS_CODE"
    );
    app.settle().await;
    let (s, _) = app
        .post(
            "/access_codes/unmanaged/get",
            json!({ "access_code_id": keypad_id }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, b_now) = app.code(id_of(&b["access_code"], "access_code_id")).await;
    assert_eq!(b_now["status"], "set");

    // Conversion: a keypad code becomes a managed code.
    app.ok(
        "/_fake/devices/set_slot_count",
        json!({ "device_id": lock, "max_active_codes_supported": 20 }),
    )
    .await;
    let other = app
        .ok(
            "/access_codes/simulate/create_unmanaged_access_code",
            json!({ "device_id": lock, "name": "Owner", "code": "9090" }),
        )
        .await["access_code"]["access_code_id"]
        .clone();
    app.ok(
        "/access_codes/unmanaged/convert_to_managed",
        json!({ "access_code_id": other }),
    )
    .await;
    let (s, managed) = app
        .post("/access_codes/get", json!({ "access_code_id": other }))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(managed["access_code"]["is_managed"], true);
    assert_eq!(managed["access_code"]["name"], "Owner");

    let (s, v) = app
        .post(
            "/access_codes/simulate/create_unmanaged_access_code",
            json!({ "device_id": lock, "name": "x", "code": "12" }),
        )
        .await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "invalid_input");
}

#[sqlx::test]
async fn the_openapi_document_lists_exactly_the_routes_that_answer(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let res = app
        .client
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let doc: serde_json::Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), ROUTES.len());
    let all = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ];
    for (path, ops) in paths {
        for method in &all {
            let documented = ops.get(method.as_str().to_lowercase()).is_some();
            let res = app
                .client
                .request(method.clone(), format!("{}{}", app.base, path))
                .bearer_auth(&app.key)
                .send()
                .await
                .unwrap();
            let status = res.status();
            if documented {
                assert_ne!(
                    status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is documented but refused"
                );
                assert_ne!(
                    status,
                    StatusCode::NOT_FOUND,
                    "{method} {path} is documented but missing"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} answers but is not documented"
                );
            }
            // Every $ref points at a schema or response that exists.
            for op in ops.as_object().unwrap().values() {
                for reference in refs(op) {
                    let name = reference.rsplit('/').next().unwrap();
                    let section = if reference.contains("/responses/") {
                        "responses"
                    } else {
                        "schemas"
                    };
                    assert!(
                        doc["components"][section][name].is_object(),
                        "{reference} is defined"
                    );
                }
            }
        }
    }
    for required in [
        "/access_codes/pull_backup_access_code",
        "/webhooks/create",
        "/workspaces/reset_sandbox",
    ] {
        assert!(paths.contains_key(required), "{required}");
    }
}

fn refs(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::Object(m) => m
            .iter()
            .flat_map(|(k, v)| {
                if k == "$ref" {
                    vec![v.as_str().unwrap().to_string()]
                } else {
                    refs(v)
                }
            })
            .collect(),
        serde_json::Value::Array(a) => a.iter().flat_map(refs).collect(),
        _ => vec![],
    }
}
