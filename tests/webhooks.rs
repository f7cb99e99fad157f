//! Webhooks: registration, Standard Webhooks signatures, durable at-least-once delivery
//! with backoff, event-type filters and workspace isolation.

mod common;

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::HeaderMap;
use chrono::Duration;
use common::{assert_error, TestApp};
use reqwest::StatusCode;
use seam_emulator::worker::webhooks::WebhookSender;
use serde_json::{json, Value};
use sqlx::PgPool;

/// One request as received: headers and body.
type Received = (HeaderMap, Vec<u8>);

/// A receiver that records what it gets and answers with a settable status.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
}

impl Receiver {
    async fn start() -> (Self, String) {
        let r = Receiver::default();
        r.status.store(200, Ordering::SeqCst);
        let state = r.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let state = state.clone();
                async move {
                    state.got.lock().unwrap().push((headers, body.to_vec()));
                    StatusCode::from_u16(state.status.load(Ordering::SeqCst)).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (r, url)
    }

    fn events(&self) -> Vec<Value> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| serde_json::from_slice(b).unwrap())
            .collect()
    }

    fn types(&self) -> Vec<String> {
        self.events()
            .iter()
            .map(|e| e["event_type"].as_str().unwrap().to_string())
            .collect()
    }
}

async fn hook(app: &TestApp, url: &str, types: Option<Value>) -> Value {
    let mut body = json!({ "url": url });
    if let Some(t) = types {
        body["event_types"] = t;
    }
    app.ok("/webhooks/create", body).await["webhook"].clone()
}

#[sqlx::test]
async fn every_event_arrives_signed_by_the_standard_webhooks_scheme(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let (receiver, url) = Receiver::start().await;
    let webhook = hook(&app, &url, None).await;
    assert_eq!(webhook["event_types"], json!(["*"]));
    let secret = webhook["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(
        app.ok(
            "/webhooks/get",
            json!({ "webhook_id": webhook["webhook_id"] })
        )
        .await["webhook"],
        webhook
    );
    assert_eq!(
        app.ok("/webhooks/list", json!({})).await["webhooks"],
        json!([webhook])
    );

    let lock = app.device("august_front_door");
    app.pool_code(lock, Duration::hours(1), Duration::days(1))
        .await;
    app.settle().await;
    let sender = WebhookSender::new(app.state.clone());
    while sender.run_once().await.unwrap() > 0 {}

    let types = receiver.types();
    assert!(
        types.contains(&"access_code.created".to_string()),
        "{types:?}"
    );
    assert!(
        types.contains(&"access_code.scheduled_on_device".to_string()),
        "{types:?}"
    );
    let verifier = standardwebhooks::Webhook::new(&secret).unwrap();
    let received = receiver.got.lock().unwrap().clone();
    for (headers, body) in &received {
        verifier.verify(body, headers).expect("signature verifies");
        let event: Value = serde_json::from_slice(body).unwrap();
        let stored = app
            .ok("/events/get", json!({ "event_id": event["event_id"] }))
            .await;
        assert_eq!(stored["event"], event, "the body is the event object");
        assert!(headers["webhook-id"].to_str().unwrap().starts_with("msg_"));
    }
    // A tampered body does not verify.
    let (headers, mut body) = receiver.got.lock().unwrap()[0].clone();
    body.push(b' ');
    assert!(verifier.verify(&body, &headers).is_err());
}

#[sqlx::test]
async fn failed_deliveries_are_retried_with_backoff_until_the_receiver_is_back(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let (receiver, url) = Receiver::start().await;
    hook(&app, &url, Some(json!(["device.disconnected"]))).await;
    receiver.status.store(500, Ordering::SeqCst);
    let lock = app.device("yale_back_door");
    app.ok("/devices/simulate/disconnect", json!({ "device_id": lock }))
        .await;
    let sender = WebhookSender::new(app.state.clone());

    assert_eq!(sender.run_once().await.unwrap(), 1);
    assert_eq!(
        sender.run_once().await.unwrap(),
        0,
        "not due again before the backoff"
    );
    app.clock.advance(Duration::milliseconds(1000));
    assert_eq!(sender.run_once().await.unwrap(), 1, "retried after 1 s");
    app.clock.advance(Duration::milliseconds(1500));
    assert_eq!(
        sender.run_once().await.unwrap(),
        0,
        "the second retry waits 2 s"
    );
    receiver.status.store(204, Ordering::SeqCst);
    app.clock.advance(Duration::milliseconds(500));
    assert_eq!(sender.run_once().await.unwrap(), 1);
    app.clock.advance(Duration::hours(1));
    assert_eq!(
        sender.run_once().await.unwrap(),
        0,
        "delivered once, not again"
    );

    assert_eq!(receiver.types(), vec!["device.disconnected"; 3]);
    let ids: Vec<String> = receiver
        .got
        .lock()
        .unwrap()
        .iter()
        .map(|(h, _)| h["webhook-id"].to_str().unwrap().to_string())
        .collect();
    assert!(
        ids.iter().all(|i| *i == ids[0]),
        "retries keep the message id"
    );
    let log = app.ok("/_fake/webhook_deliveries", json!({})).await;
    let delivery = &log["webhook_deliveries"][0];
    assert_eq!(delivery["status"], "delivered");
    let statuses: Vec<i64> = delivery["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["response_status"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, vec![500, 500, 204]);
}

#[sqlx::test]
async fn an_unreachable_receiver_is_retried_and_nothing_blocks(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let (receiver, url) = Receiver::start().await;
    // A port nobody listens on, and a working receiver for the same events.
    hook(&app, "http://127.0.0.1:9/nothing", None).await;
    hook(&app, &url, None).await;
    app.ok(
        "/devices/simulate/disconnect",
        json!({ "device_id": app.device("august_front_door") }),
    )
    .await;
    let sender = WebhookSender::new(app.state.clone());
    assert_eq!(sender.run_once().await.unwrap(), 2);
    assert_eq!(receiver.types(), vec!["device.disconnected"]);
    let log = app.ok("/_fake/webhook_deliveries", json!({})).await;
    let pending: Vec<&Value> = log["webhook_deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["status"] == "pending")
        .collect();
    assert_eq!(pending.len(), 1);
    assert!(pending[0]["last_error"].is_string());
}

#[sqlx::test]
async fn filters_and_workspaces_bound_what_a_webhook_receives(pool: PgPool) {
    let app = TestApp::start(pool).await;
    let (mine, mine_url) = Receiver::start().await;
    let (theirs, their_url) = Receiver::start().await;
    hook(
        &app,
        &mine_url,
        Some(json!(["access_code.failed_to_set_on_device"])),
    )
    .await;
    let (_, other_key) = app.other_workspace(true).await;
    let (s, their_hook) = app
        .post_as(&other_key, "/webhooks/create", json!({ "url": their_url }))
        .await;
    assert_eq!(s, StatusCode::OK);

    let lock = app.device("august_front_door");
    app.ok("/devices/simulate/disconnect", json!({ "device_id": lock }))
        .await;
    app.ok(
        "/access_codes/create",
        json!({ "device_id": lock, "code": "5555" }),
    )
    .await;
    app.settle().await;
    app.advance(Duration::seconds(4)).await;
    let sender = WebhookSender::new(app.state.clone());
    while sender.run_once().await.unwrap() > 0 {}
    assert_eq!(mine.types(), vec!["access_code.failed_to_set_on_device"]);
    let event = &mine.events()[0];
    assert!(event["access_code_errors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["error_code"] == "failed_to_set_on_device"));
    assert!(
        theirs.types().is_empty(),
        "another workspace's webhook hears nothing"
    );

    let their_id = their_hook["webhook"]["webhook_id"].clone();
    let (s, v) = app
        .post("/webhooks/get", json!({ "webhook_id": their_id }))
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "webhook_not_found");
    let (s, _) = app
        .post("/webhooks/delete", json!({ "webhook_id": their_id }))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = app
        .post("/webhooks/create", json!({ "url": "ftp://x" }))
        .await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "invalid_input");
    assert!(v["error"]["validation_errors"]["url"].is_object());
    let (s, v) = app
        .post("/webhooks/update", json!({ "webhook_id": their_id }))
        .await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "invalid_input");
}
