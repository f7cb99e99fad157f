//! Seam's transport over HTTP: verbs per route, where parameters come from, the success and
//! error envelopes, authentication, 404/405/413, and the request id on every response.

mod common;

use common::{assert_error, assert_invalid, id_of, Reply, TestApp, KEY};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

const MIB: usize = 1024 * 1024;

/// The verbs Seam's clients use on a route.
const READ: &[Method] = &[Method::GET, Method::POST];
const WRITE: &[Method] = &[Method::POST];
const DELETE: &[Method] = &[Method::POST, Method::DELETE];
const CODE_UPDATE: &[Method] = &[Method::POST, Method::PATCH, Method::PUT];
const DEVICE_UPDATE: &[Method] = &[Method::POST, Method::PATCH];

const ALL_VERBS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

/// The routes of devices, access codes, action attempts, events, workspaces and the emulator
/// controls, with the verbs Seam's spec gives them.
const ROUTES: &[(&str, &[Method])] = &[
    ("/workspaces/get", READ),
    ("/devices/get", READ),
    ("/devices/list", READ),
    ("/devices/update", DEVICE_UPDATE),
    ("/devices/unmanaged/get", READ),
    ("/devices/unmanaged/list", READ),
    ("/devices/unmanaged/update", DEVICE_UPDATE),
    ("/locks/get", READ),
    ("/locks/list", READ),
    ("/devices/simulate/connect", WRITE),
    ("/devices/simulate/disconnect", WRITE),
    ("/devices/simulate/remove", WRITE),
    ("/access_codes/create", WRITE),
    ("/access_codes/get", READ),
    ("/access_codes/list", READ),
    ("/access_codes/update", CODE_UPDATE),
    ("/access_codes/generate_code", READ),
    ("/access_codes/pull_backup_access_code", WRITE),
    ("/access_codes/unmanaged/get", READ),
    ("/access_codes/unmanaged/list", READ),
    ("/access_codes/delete", DELETE),
    ("/action_attempts/get", READ),
    ("/action_attempts/list", READ),
    ("/events/get", READ),
    ("/events/list", READ),
    ("/_fake/default_seed", READ),
    ("/_fake/devices/fail_next_attempts", WRITE),
    ("/_fake/devices/set_slot_count", WRITE),
    ("/_fake/devices/set_latency", WRITE),
];

/// Verbs the router answers beyond Seam's spec (which lists only `patch, post` for the device
/// update routes); checked by `put_on_device_update_routes_is_405`, skipped by the matrix.
const EXTRA_VERBS: &[(&str, Method)] = &[
    ("/devices/update", Method::PUT),
    ("/devices/unmanaged/update", Method::PUT),
];

/// Asserts a success: 200, a JSON content type and `ok: true`.
fn assert_success(r: &Reply) {
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["ok"], true, "{}", r.body);
    assert_json(r);
}

fn assert_json(r: &Reply) {
    let ct = r.header("content-type").unwrap_or_default();
    assert!(
        ct.starts_with("application/json"),
        "content type {ct:?} for {}",
        r.body
    );
}

/// A device id as `devices/get` answered it.
fn device_id(r: &Reply) -> Uuid {
    assert_success(r);
    id_of(&r.body["device"], "device_id")
}

#[sqlx::test]
async fn every_route_answers_its_verbs_and_refuses_others_with_405(pool: PgPool) {
    let app = TestApp::start(pool).await;
    // Requests carry valid parameters so that answering routes do their work.
    let device = app.device("salto_office");
    let created = app.create_code(json!({ "device_id": device })).await;
    let event = app.events(json!({})).await[0].clone();
    let params = json!({
        "device_id": device,
        "access_code_id": created["access_code"]["access_code_id"],
        "action_attempt_id": created["action_attempt"]["action_attempt_id"],
        "event_id": event["event_id"],
        "since": app.at(-chrono::Duration::days(1)),
        "count": 0,
        "max_active_codes_supported": 20,
        "latency_ms": 0,
    });
    for (path, verbs) in ROUTES {
        for method in ALL_VERBS {
            if EXTRA_VERBS.contains(&(path, method.clone())) {
                continue;
            }
            let r = app.call(method.clone(), path, Some(params.clone())).await;
            let what = format!("{method} {path} -> {} {}", r.status, r.body);
            assert_json(&r);
            assert!(r.body["ok"].is_boolean(), "{what}");
            if verbs.contains(&method) {
                assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{what}");
                assert_ne!(
                    r.body["error"]["type"], "not_found",
                    "the route exists: {what}"
                );
            } else {
                assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{what}");
                assert_error(
                    r.status,
                    &r.body,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                );
            }
        }
    }
    // A refused verb did nothing: the refused GET, PUT, PATCH and DELETE on `create` made no code.
    let listed = app
        .ok("/access_codes/list", json!({ "device_id": device }))
        .await;
    assert_eq!(
        listed["access_codes"].as_array().unwrap().len(),
        2,
        "one code from the setup, one from the POST to create"
    );
}

#[sqlx::test]
async fn put_on_device_update_routes_is_405(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let device = app.device("august_front_door");
    for (path, method) in EXTRA_VERBS {
        let r = app
            .call(
                method.clone(),
                path,
                Some(json!({ "device_id": device, "name": "Renamed" })),
            )
            .await;
        assert_error(
            r.status,
            &r.body,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        );
    }
    assert_eq!(app.device_json(device).await["display_name"], "FRONT DOOR");
}

#[sqlx::test]
async fn sdk_verbs_with_query_parameters_do_the_work(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let lock = app.device("august_front_door");
    let id = app.ongoing_code(lock, "4821").await;

    let r = app
        .call(
            Method::GET,
            &format!("/access_codes/get?access_code_id={id}&_strict=true"),
            None,
        )
        .await;
    assert_success(&r);
    assert_eq!(r.body["access_code"]["code"], "4821");

    let r = app
        .call(
            Method::PATCH,
            &format!("/access_codes/update?access_code_id={id}&name=Patched&_strict=true"),
            None,
        )
        .await;
    assert_success(&r);
    assert_eq!(app.code(id).await.1["name"], "Patched");

    let r = app
        .call(
            Method::PUT,
            "/access_codes/update",
            Some(json!({ "access_code_id": id, "name": "Put" })),
        )
        .await;
    assert_success(&r);
    assert_eq!(app.code(id).await.1["name"], "Put");

    let r = app
        .call(
            Method::DELETE,
            &format!("/access_codes/delete?access_code_id={id}&_strict=true"),
            None,
        )
        .await;
    assert_success(&r);
    assert_eq!(
        r.body["action_attempt"]["action_type"],
        "DELETE_ACCESS_CODE"
    );
    assert_eq!(app.code(id).await.1["status"], "removing");

    // Booleans come as `true`/`false` text in a query string.
    let r = app
        .call(
            Method::PATCH,
            &format!("/devices/update?device_id={lock}&is_managed=false"),
            None,
        )
        .await;
    assert_success(&r);
    let (status, _) = app.post("/devices/get", json!({ "device_id": lock })).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the device is unmanaged now");
}

#[sqlx::test]
async fn parameters_come_from_the_query_the_body_or_both_and_the_body_wins(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let a = app.device("august_front_door");
    let b = app.device("yale_back_door");
    let query = format!("/devices/get?device_id={a}");
    let body = Some(json!({ "device_id": b }));

    // Query string only, on both verbs.
    assert_eq!(device_id(&app.call(Method::GET, &query, None).await), a);
    assert_eq!(device_id(&app.call(Method::POST, &query, None).await), a);
    // JSON body only: POST, and GET with a body as in Seam's curl examples.
    assert_eq!(
        device_id(&app.call(Method::POST, "/devices/get", body.clone()).await),
        b
    );
    assert_eq!(
        device_id(&app.call(Method::GET, "/devices/get", body.clone()).await),
        b
    );
    // Both: the body wins.
    assert_eq!(
        device_id(&app.call(Method::GET, &query, body.clone()).await),
        b
    );
    assert_eq!(device_id(&app.call(Method::POST, &query, body).await), b);

    // Both, with different keys: they are merged.
    app.ongoing_code(a, "7302").await;
    let r = app
        .call(
            Method::GET,
            &format!("/access_codes/get?device_id={a}"),
            Some(json!({ "code": "7302" })),
        )
        .await;
    assert_success(&r);
    assert_eq!(r.body["access_code"]["device_id"], a.to_string());
}

#[sqlx::test]
async fn repeated_query_keys_are_lists_and_an_empty_value_is_the_empty_list(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let a = app.device("august_front_door");
    let b = app.device("schlage_garage");
    let ids = |r: &Reply| -> Vec<Uuid> {
        assert_success(r);
        r.body["devices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| id_of(d, "device_id"))
            .collect()
    };

    let r = app
        .call(
            Method::GET,
            &format!("/devices/list?device_ids={a}&device_ids={b}&_strict=true"),
            None,
        )
        .await;
    let mut got = ids(&r);
    got.sort();
    let mut want = vec![a, b];
    want.sort();
    assert_eq!(got, want);

    // One repeated key is a list of one.
    let r = app
        .call(Method::GET, &format!("/devices/list?device_ids={a}"), None)
        .await;
    assert_eq!(ids(&r), vec![a]);

    // `device_ids=` is the empty list, as `[]` in a body is.
    let empty_query = ids(&app
        .call(Method::GET, "/devices/list?device_ids=", None)
        .await);
    let empty_body = ids(&app
        .call(
            Method::POST,
            "/devices/list",
            Some(json!({ "device_ids": [] })),
        )
        .await);
    assert_eq!(empty_query, empty_body);
    assert!(empty_query.is_empty());

    // Repeated keys work for code ids too.
    let c1 = app.ongoing_code(a, "1111").await;
    let c2 = app.ongoing_code(a, "2222").await;
    app.ongoing_code(a, "3333").await;
    let r = app
        .call(
            Method::GET,
            &format!("/access_codes/list?access_code_ids={c1}&access_code_ids={c2}"),
            None,
        )
        .await;
    assert_success(&r);
    let mut got: Vec<Uuid> = r.body["access_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| id_of(c, "access_code_id"))
        .collect();
    got.sort();
    let mut want = vec![c1, c2];
    want.sort();
    assert_eq!(got, want);
}

#[sqlx::test]
async fn strict_flag_is_ignored_in_query_and_body(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let a = app.device("august_front_door");
    for r in [
        app.call(
            Method::GET,
            &format!("/devices/get?device_id={a}&_strict=true"),
            None,
        )
        .await,
        app.call(
            Method::POST,
            "/devices/get?_strict=false",
            Some(json!({ "device_id": a, "_strict": true })),
        )
        .await,
    ] {
        assert_eq!(device_id(&r), a);
    }
    let r = app
        .call(
            Method::GET,
            &format!(
                "/events/list?since={}&_strict=true",
                app.at(-chrono::Duration::hours(1))
            ),
            None,
        )
        .await;
    assert_success(&r);
}

#[sqlx::test]
async fn malformed_input_is_invalid_input_naming_the_parameter(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let a = app.device("august_front_door");
    let b = app.device("yale_back_door");

    // Bodies that are not a JSON object are blamed on `body`.
    for raw in ["{\"device_id\":", "[1, 2]", "\"text\"", "not json"] {
        let r = app
            .send(
                app.client
                    .post(app.url("/devices/get"))
                    .bearer_auth(KEY)
                    .header("content-type", "application/json")
                    .body(raw),
            )
            .await;
        assert_invalid(r.status, &r.body, "body");
        assert_json(&r);
    }

    let cases: Vec<(&str, Value, &str)> = vec![
        ("/devices/get", json!({ "device_id": 42 }), "device_id"),
        (
            "/devices/get",
            json!({ "device_id": "not-a-uuid" }),
            "device_id",
        ),
        ("/devices/get", json!({ "device_id": [a, b] }), "device_id"),
        ("/devices/list", json!({ "limit": 0 }), "limit"),
        ("/devices/list", json!({ "limit": 1_000_000 }), "limit"),
        ("/devices/list", json!({ "limit": "many" }), "limit"),
        ("/devices/list", json!({ "limit": 2.5 }), "limit"),
        (
            "/devices/list",
            json!({ "device_ids": ["x"] }),
            "device_ids",
        ),
        ("/devices/list", json!({ "device_ids": [1] }), "device_ids"),
        ("/devices/list", json!({ "device_type": 7 }), "device_type"),
        (
            "/access_codes/list",
            json!({ "device_id": a, "limit": -1 }),
            "limit",
        ),
        ("/action_attempts/list", json!({ "limit": 0 }), "limit"),
        ("/events/list", json!({ "since": "yesterday" }), "since"),
        (
            "/events/list",
            json!({ "since": app.at(chrono::Duration::zero()), "limit": 0 }),
            "limit",
        ),
        (
            "/devices/update",
            json!({ "device_id": a, "is_managed": "maybe" }),
            "is_managed",
        ),
        (
            "/devices/update",
            json!({ "device_id": a, "custom_metadata": [1] }),
            "custom_metadata",
        ),
        (
            "/access_codes/create",
            json!({ "device_id": a, "starts_at": 5, "ends_at": app.at(chrono::Duration::days(1)) }),
            "starts_at",
        ),
        (
            "/access_codes/create",
            json!({ "device_id": a, "name": 5 }),
            "name",
        ),
        (
            "/access_codes/get",
            json!({ "access_code_id": "123" }),
            "access_code_id",
        ),
        (
            "/action_attempts/get",
            json!({ "action_attempt_id": "x" }),
            "action_attempt_id",
        ),
        ("/events/get", json!({ "event_id": true }), "event_id"),
        ("/devices/get", json!({}), "device_id"),
        ("/access_codes/create", json!({}), "device_id"),
    ];
    for (path, body, param) in cases {
        let (status, v) = app.post(path, body.clone()).await;
        assert!(
            status == StatusCode::BAD_REQUEST,
            "{path} {body} -> {status} {v}"
        );
        assert_invalid(status, &v, param);
    }

    // The same through a query string.
    for (pq, param) in [
        ("/devices/get?device_id=nope", "device_id"),
        (
            &*format!("/devices/get?device_id={a}&device_id={b}"),
            "device_id",
        ),
        ("/devices/list?limit=0", "limit"),
        ("/devices/list?limit=abc", "limit"),
        ("/devices/list?device_ids=x", "device_ids"),
        ("/events/list?since=noon", "since"),
    ] {
        let r = app.call(Method::GET, pq, None).await;
        assert_invalid(r.status, &r.body, param);
    }
}

#[sqlx::test]
async fn a_missing_or_wrong_key_is_401_unauthorized(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let a = app.device("august_front_door");
    let url = app.url(&format!("/devices/get?device_id={a}"));
    let requests = [
        app.client.get(&url),
        app.client.post(&url).json(&json!({})),
        app.client
            .get(&url)
            .header("authorization", format!("Basic {KEY}")),
        app.client
            .get(&url)
            .header("authorization", format!("Token {KEY}")),
        app.client.get(&url).header("authorization", KEY),
        app.client.get(&url).header("authorization", "Bearer"),
        app.client.get(&url).header("authorization", "Bearer "),
        app.client
            .get(&url)
            .bearer_auth("seam_not_a_key_of_this_server"),
        app.client.get(&url).bearer_auth(format!("{KEY}x")),
        app.client.delete(app.url("/access_codes/delete")),
        app.client.post(app.url("/_fake/default_seed")),
    ];
    for req in requests {
        let r = app.send(req).await;
        assert_error(r.status, &r.body, StatusCode::UNAUTHORIZED, "unauthorized");
        assert_json(&r);
        assert!(r.body["device"].is_null(), "no data leaks: {}", r.body);
    }
}

#[sqlx::test]
async fn unknown_routes_and_ids_are_404_in_the_envelope(pool: PgPool) {
    let app = TestApp::start(pool).await;
    for (method, path) in [
        (Method::GET, "/"),
        (Method::GET, "/nope"),
        (Method::POST, "/devices"),
        (Method::POST, "/devices/frobnicate"),
        (Method::DELETE, "/access_codes/remove"),
        (Method::GET, "/devices/get/extra"),
    ] {
        for key in [Some(KEY), None] {
            let mut req = app.client.request(method.clone(), app.url(path));
            if let Some(k) = key {
                req = req.bearer_auth(k);
            }
            let r = app.send(req).await;
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "{method} {path}: {}",
                r.body
            );
            assert_eq!(r.body["ok"], false, "{}", r.body);
            assert!(r.body["error"]["type"].is_string(), "{}", r.body);
            assert!(r.body["error"]["message"].is_string(), "{}", r.body);
            assert_json(&r);
        }
    }

    let unknown = Uuid::new_v4();
    let lock = app.device("august_front_door");
    for (path, body, error_type) in [
        (
            "/devices/get",
            json!({ "device_id": unknown }),
            "device_not_found",
        ),
        (
            "/devices/update",
            json!({ "device_id": unknown, "name": "x" }),
            "device_not_found",
        ),
        (
            "/devices/unmanaged/get",
            json!({ "device_id": unknown }),
            "device_not_found",
        ),
        (
            "/locks/get",
            json!({ "device_id": unknown }),
            "device_not_found",
        ),
        (
            "/devices/simulate/disconnect",
            json!({ "device_id": unknown }),
            "device_not_found",
        ),
        (
            "/access_codes/create",
            json!({ "device_id": unknown }),
            "device_not_found",
        ),
        (
            "/access_codes/generate_code",
            json!({ "device_id": unknown }),
            "device_not_found",
        ),
        (
            "/access_codes/list",
            json!({ "device_id": unknown }),
            "device_not_found",
        ),
        (
            "/access_codes/get",
            json!({ "access_code_id": unknown }),
            "access_code_not_found",
        ),
        (
            "/access_codes/get",
            json!({ "device_id": lock, "code": "9999" }),
            "access_code_not_found",
        ),
        (
            "/access_codes/update",
            json!({ "access_code_id": unknown, "name": "x" }),
            "access_code_not_found",
        ),
        (
            "/access_codes/delete",
            json!({ "access_code_id": unknown }),
            "access_code_not_found",
        ),
        (
            "/access_codes/pull_backup_access_code",
            json!({ "access_code_id": unknown }),
            "access_code_not_found",
        ),
        (
            "/access_codes/unmanaged/get",
            json!({ "access_code_id": unknown }),
            "access_code_not_found",
        ),
        (
            "/action_attempts/get",
            json!({ "action_attempt_id": unknown }),
            "action_attempt_not_found",
        ),
        (
            "/events/get",
            json!({ "event_id": unknown }),
            "event_not_found",
        ),
    ] {
        let (status, v) = app.post(path, body).await;
        assert_error(status, &v, StatusCode::NOT_FOUND, error_type);
    }
}

/// A JSON object of exactly `size` bytes that `devices/get` accepts.
fn padded_body(device: Uuid, size: usize) -> String {
    let head = format!("{{\"device_id\":\"{device}\",\"padding\":\"");
    let tail = "\"}";
    let pad = size - head.len() - tail.len();
    format!("{head}{}{tail}", "x".repeat(pad))
}

#[sqlx::test]
async fn bodies_over_one_mebibyte_are_413_payload_too_large(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let a = app.device("august_front_door");
    let post = |body: String| {
        app.client
            .post(app.url("/devices/get"))
            .bearer_auth(KEY)
            .header("content-type", "application/json")
            .body(body)
    };

    let r = app.send(post(padded_body(a, MIB))).await;
    assert_eq!(device_id(&r), a, "exactly 1 MiB is accepted");

    let r = app.send(post(padded_body(a, MIB + 1))).await;
    assert_error(
        r.status,
        &r.body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    assert_json(&r);
    assert!(r.header("seam-request-id").is_some());

    // The same on a GET with a body, as curl sends it.
    let r = app
        .send(
            app.client
                .get(app.url("/devices/list"))
                .bearer_auth(KEY)
                .body(padded_body(a, 2 * MIB)),
        )
        .await;
    assert_error(
        r.status,
        &r.body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
}

/// Sends a POST with a chunked body (no Content-Length) over a raw connection; returns the
/// status and the JSON body of the answer.
async fn post_chunked(app: &TestApp, path: &str, body: String) -> (u16, Value) {
    let host = app.base.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {KEY}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let writer = tokio::spawn(async move {
        wr.write_all(head.as_bytes()).await?;
        for chunk in body.as_bytes().chunks(64 * 1024) {
            wr.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            wr.write_all(chunk).await?;
            wr.write_all(b"\r\n").await?;
        }
        wr.write_all(b"0\r\n\r\n").await?;
        std::io::Result::Ok(wr)
    });
    let mut raw = Vec::new();
    // The server may answer and close before it read everything; keep what arrived.
    let _ = rd.read_to_end(&mut raw).await;
    let _ = writer.await;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    assert!(
        head.to_ascii_lowercase().contains("seam-request-id:"),
        "{head}"
    );
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[sqlx::test]
async fn chunked_bodies_without_content_length_are_limited_too(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let a = app.device("august_front_door");

    let (status, v) = post_chunked(&app, "/devices/get", padded_body(a, 1000)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["device"]["device_id"], a.to_string());

    let (status, v) = post_chunked(&app, "/devices/get", padded_body(a, MIB + 1)).await;
    assert_eq!(status, 413, "{v}");
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"]["type"], "payload_too_large");
}

#[sqlx::test]
async fn every_response_carries_a_request_id_and_errors_are_json(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let a = app.device("august_front_door");
    let replies = vec![
        app.call(Method::GET, "/devices/list", None).await,
        app.call(Method::POST, "/devices/get", Some(json!({})))
            .await,
        app.send(app.client.get(app.url("/devices/list"))).await,
        app.call(Method::GET, "/no/such/route", None).await,
        app.call(
            Method::POST,
            "/devices/get",
            Some(json!({ "device_id": Uuid::new_v4() })),
        )
        .await,
        app.call(Method::DELETE, "/devices/get", None).await,
        app.send(
            app.client
                .post(app.url("/devices/get"))
                .bearer_auth(KEY)
                .body(padded_body(a, MIB + 10)),
        )
        .await,
        app.send(app.client.get(app.url("/health"))).await,
    ];
    let mut ids = Vec::new();
    for r in &replies {
        assert_json(r);
        assert!(r.body["ok"].is_boolean(), "{}", r.body);
        if r.status != StatusCode::OK {
            assert_eq!(r.body["ok"], false);
            assert!(r.body["error"]["type"].is_string(), "{}", r.body);
            assert!(r.body["error"]["message"].is_string(), "{}", r.body);
        }
        let id = r
            .header("seam-request-id")
            .unwrap_or_else(|| panic!("no seam-request-id on {} {}", r.status, r.body));
        assert!(!id.is_empty());
        ids.push(id.to_string());
    }
    let statuses: Vec<u16> = replies.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses, vec![200, 400, 401, 404, 404, 405, 413, 200]);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), replies.len(), "each request has its own id");
}

#[sqlx::test]
async fn health_answers_200(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let r = app.send(app.client.get(app.url("/health"))).await;
    assert_success(&r);
}

#[sqlx::test]
async fn success_bodies_carry_ok_true_next_to_the_documented_keys(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let a = app.device("august_front_door");
    let code = app.ongoing_code(a, "5150").await;
    for (path, body, key) in [
        ("/devices/get", json!({ "device_id": a }), "device"),
        ("/devices/list", json!({}), "devices"),
        (
            "/access_codes/get",
            json!({ "access_code_id": code }),
            "access_code",
        ),
        (
            "/access_codes/list",
            json!({ "device_id": a }),
            "access_codes",
        ),
        ("/action_attempts/list", json!({}), "action_attempts"),
        ("/workspaces/get", json!({}), "workspace"),
        (
            "/events/list",
            json!({ "since": app.at(-chrono::Duration::hours(1)) }),
            "events",
        ),
    ] {
        let r = app.call(Method::POST, path, Some(body)).await;
        assert_success(&r);
        assert!(
            r.body[key].is_object() || r.body[key].is_array(),
            "{path}: {}",
            r.body
        );
    }
}

#[sqlx::test]
async fn nul_characters_are_invalid_input_not_a_server_error(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let a = app.device("august_front_door");
    let nul = "a\u{0}b";
    let since = app.at(-chrono::Duration::days(1));
    for (path, body, param) in [
        ("/devices/list", json!({ "search": nul }), "search"),
        (
            "/devices/list",
            json!({ "manufacturer": nul }),
            "manufacturer",
        ),
        (
            "/devices/list",
            json!({ "device_types": ["august_lock", nul] }),
            "device_types",
        ),
        (
            "/devices/update",
            json!({ "device_id": a, "name": nul }),
            "name",
        ),
        (
            "/devices/update",
            json!({ "device_id": a, "custom_metadata": { "k": nul } }),
            "custom_metadata",
        ),
        (
            "/devices/update",
            json!({ "device_id": a, "custom_metadata": { nul: "v" } }),
            "custom_metadata",
        ),
        (
            "/access_codes/create",
            json!({ "device_id": a, "name": nul }),
            "name",
        ),
        (
            "/access_codes/create",
            json!({ "device_id": a, "common_code_key": nul }),
            "common_code_key",
        ),
        (
            "/access_codes/list",
            json!({ "device_id": a, "search": nul }),
            "search",
        ),
        (
            "/access_codes/get",
            json!({ "device_id": a, "code": nul }),
            "code",
        ),
        (
            "/events/list",
            json!({ "since": since, "event_type": nul }),
            "event_type",
        ),
    ] {
        let (status, v) = app.post(path, body.clone()).await;
        assert!(
            status == StatusCode::BAD_REQUEST,
            "{path} {body} -> {status} {v}"
        );
        assert_invalid(status, &v, param);
    }
    let r = app
        .call(Method::GET, "/devices/list?search=a%00b", None)
        .await;
    assert_invalid(r.status, &r.body, "search");
    // Nothing was written.
    let d = app.device_json(a).await;
    assert_eq!(d["display_name"], "FRONT DOOR");
    assert_eq!(d["custom_metadata"], json!({}));
}
