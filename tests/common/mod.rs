//! Test harness: the real router on a real port over a fresh database (from `#[sqlx::test]`),
//! with a manual clock and a worker the test drives step by step.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use seam_emulator::clock::ManualClock;
use seam_emulator::config::Behaviour;
use seam_emulator::state::AppState;
use seam_emulator::worker::Worker;
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

/// The sandbox key every test server accepts.
pub const KEY: &str = "seam_test_sandbox_key";

/// A running test server.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub key: String,
    pub workspace_id: Uuid,
    pub seed: HashMap<String, Uuid>,
    pub clock: ManualClock,
    pub state: AppState,
    pub worker: Worker,
}

/// Behaviour for tests: no simulated latency, Seam-like thresholds.
pub fn test_behaviour() -> Behaviour {
    Behaviour {
        programming_latency_ms: 0,
        ..Behaviour::default()
    }
}

impl TestApp {
    /// Starts a server on `pool` with default test behaviour.
    pub async fn start(pool: PgPool) -> Self {
        Self::start_with(pool, test_behaviour()).await
    }

    /// Starts a server on `pool` with the given behaviour.
    pub async fn start_with(pool: PgPool, behaviour: Behaviour) -> Self {
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).unwrap());
        let state = AppState::new(pool, Arc::new(clock.clone()), behaviour);
        let sandbox = seam_emulator::service::sandbox::ensure_sandbox(
            &state.pool,
            Some(KEY),
            seam_emulator::clock::Clock::now(&clock),
        )
        .await
        .expect("seed sandbox");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = seam_emulator::http::router(state.clone());
        tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        let mut app = TestApp {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            key: KEY.to_string(),
            workspace_id: sandbox.workspace.workspace_id,
            seed: HashMap::new(),
            worker: Worker::new(state.clone()),
            clock,
            state,
        };
        let (status, seed) = app.post("/_fake/default_seed", json!({})).await;
        assert_eq!(status, StatusCode::OK, "{seed}");
        for (name, id) in seed["devices"].as_object().unwrap() {
            app.seed
                .insert(name.clone(), id.as_str().unwrap().parse().unwrap());
        }
        app
    }

    /// A seeded device's id by its seed name.
    pub fn device(&self, name: &str) -> Uuid {
        self.seed[name]
    }

    /// POSTs JSON with the sandbox key.
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.post_as(&self.key, path, body).await
    }

    /// POSTs JSON with a given key.
    pub async fn post_as(&self, key: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let res = self
            .client
            .post(format!("{}{}", self.base, path))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// GETs a path with a query string, with the sandbox key.
    pub async fn get(&self, path_and_query: &str) -> (StatusCode, Value) {
        let res = self
            .client
            .get(format!("{}{}", self.base, path_and_query))
            .bearer_auth(&self.key)
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// POSTs and asserts 200, returning the body.
    pub async fn ok(&self, path: &str, body: Value) -> Value {
        let (status, v) = self.post(path, body.clone()).await;
        assert_eq!(status, StatusCode::OK, "{path} {body} -> {v}");
        v
    }

    /// Runs the worker until no job is due at the current (manual) time.
    pub async fn settle(&self) {
        self.worker.run_until_idle().await.expect("worker");
    }

    /// Moves the clock forward and runs whatever became due.
    pub async fn advance(&self, by: Duration) {
        self.clock.advance(by);
        self.settle().await;
    }

    /// The current manual time.
    pub fn now(&self) -> chrono::DateTime<Utc> {
        seam_emulator::clock::Clock::now(&self.clock)
    }

    /// An RFC 3339 string `offset` from now.
    pub fn at(&self, offset: Duration) -> String {
        seam_emulator::clock::format_ts(self.now() + offset)
    }

    /// A second, non-sandbox workspace and its key.
    pub async fn other_workspace(&self, sandbox: bool) -> (Uuid, String) {
        let (ws, key) = seam_emulator::service::sandbox::create_workspace(
            &self.state.pool,
            "Other",
            sandbox,
            self.now(),
        )
        .await
        .unwrap();
        (ws.workspace_id, key)
    }

    /// Creates a time-bound code using the pool on a device and returns its id.
    pub async fn pool_code(&self, device: Uuid, starts: Duration, ends: Duration) -> Uuid {
        let v = self
            .ok(
                "/access_codes/create",
                json!({
                    "device_id": device,
                    "starts_at": self.at(starts),
                    "ends_at": self.at(ends),
                    "use_backup_access_code_pool": true,
                }),
            )
            .await;
        v["access_code"]["access_code_id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Pulls the backup of a code (asserting 200) and returns the response and the backup's id.
    pub async fn pull(&self, id: Uuid) -> (Value, Uuid) {
        let pulled = self
            .ok(
                "/access_codes/pull_backup_access_code",
                json!({ "access_code_id": id }),
            )
            .await;
        let backup_id = pulled["access_code"]["access_code_id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        (pulled, backup_id)
    }

    /// `access_codes/get` of one id.
    pub async fn code(&self, id: Uuid) -> (StatusCode, Value) {
        let (s, v) = self
            .post("/access_codes/get", json!({ "access_code_id": id }))
            .await;
        (s, v["access_code"].clone())
    }

    /// `devices/get` of one id.
    pub async fn device_json(&self, id: Uuid) -> Value {
        self.ok("/devices/get", json!({ "device_id": id })).await["device"].clone()
    }

    /// Codes of a device as stored: (id, is_backup, pulled_for, on_lock, status).
    pub async fn stored_codes(
        &self,
        device: Uuid,
    ) -> Vec<(Uuid, bool, Option<Uuid>, bool, String)> {
        sqlx::query_as(
            "SELECT access_code_id, is_backup, backup_for_access_code_id, is_on_lock, status FROM access_codes \
             WHERE device_id = $1 ORDER BY created_at, access_code_id",
        )
        .bind(device)
        .fetch_all(&self.state.pool)
        .await
        .unwrap()
    }

    /// Unpulled backups of a device that are ready.
    pub async fn ready_backups(&self, device: Uuid) -> usize {
        self.stored_codes(device)
            .await
            .iter()
            .filter(|c| c.1 && c.2.is_none() && c.3 && c.4 == "set")
            .count()
    }
}

/// The error type of an envelope.
pub fn error_type(v: &Value) -> &str {
    v["error"]["type"].as_str().unwrap_or("<none>")
}

/// Whether a condition list holds a code.
pub fn has_condition(list: &Value, key: &str, code: &str) -> bool {
    list.as_array()
        .map(|l| l.iter().any(|c| c[key] == code))
        .unwrap_or(false)
}

/// A response as a client sees it: status, headers, and the body as JSON (`Null` if not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl TestApp {
    /// The absolute URL of a path (with any query).
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.base, path_and_query)
    }

    /// Sends a prepared request and reads the whole reply.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let res = req.send().await.expect("request");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("body");
        Reply {
            status,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    /// Any verb with the sandbox key, and a JSON body if given.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: Option<Value>,
    ) -> Reply {
        self.call_as(&self.key, method, path_and_query, body).await
    }

    /// Any verb with a given key, and a JSON body if given.
    pub async fn call_as(
        &self,
        key: &str,
        method: reqwest::Method,
        path_and_query: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self
            .client
            .request(method, self.url(path_and_query))
            .bearer_auth(key);
        if let Some(body) = body {
            req = req.json(&body);
        }
        self.send(req).await
    }

    /// `events/list` over the last day, with extra filters merged in.
    pub async fn events(&self, filter: Value) -> Vec<Value> {
        let mut body = json!({ "since": self.at(-Duration::days(1)) });
        if let (Value::Object(b), Value::Object(f)) = (&mut body, filter) {
            b.extend(f);
        }
        let v = self.ok("/events/list", body).await;
        v["events"].as_array().expect("events").clone()
    }

    /// The types of [`TestApp::events`], oldest first.
    pub async fn event_types(&self, filter: Value) -> Vec<String> {
        self.events(filter)
            .await
            .iter()
            .map(|e| e["event_type"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// `access_codes/create`, asserting 200; the whole response.
    pub async fn create_code(&self, body: Value) -> Value {
        self.ok("/access_codes/create", body).await
    }

    /// Creates an ongoing code on a device and returns its id.
    pub async fn ongoing_code(&self, device: Uuid, code: &str) -> Uuid {
        let v = self
            .create_code(json!({ "device_id": device, "code": code }))
            .await;
        id_of(&v["access_code"], "access_code_id")
    }
}

/// A UUID field of an object.
pub fn id_of(v: &Value, key: &str) -> Uuid {
    v[key]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no UUID {key} in {v}"))
}

/// Asserts an error reply: the status and Seam's envelope with the given type.
pub fn assert_error(status: StatusCode, body: &Value, want: StatusCode, error_type: &str) {
    assert_eq!(status, want, "{body}");
    assert_eq!(body["ok"], false, "{body}");
    assert_eq!(body["error"]["type"], error_type, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
}

/// Asserts a 400 `invalid_input` whose `validation_errors` name `param`.
pub fn assert_invalid(status: StatusCode, body: &Value, param: &str) {
    assert_error(status, body, StatusCode::BAD_REQUEST, "invalid_input");
    let errors = &body["error"]["validation_errors"][param]["_errors"];
    assert!(
        errors
            .as_array()
            .is_some_and(|l| !l.is_empty() && l.iter().all(Value::is_string)),
        "validation_errors.{param}._errors missing in {body}"
    );
}

/// Whether a timestamp is printed as Seam prints them (`2025-01-22T12:00:00.000Z`).
pub fn is_seam_timestamp(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 24 && chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.3fZ").is_ok()
    })
}
