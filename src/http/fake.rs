//! `/_fake/*`: emulator controls for sandbox workspaces (seed ids, failure injection).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use super::ok;
use super::params::Params;
use crate::error::ApiResult;
use crate::service::devices::{self, Injection};
use crate::service::sandbox;
use crate::state::{AppState, Workspace};

/// `GET /_fake/default_seed`: workspace id, the caller's key, and seeded device ids by name.
pub async fn default_seed(
    State(state): State<AppState>,
    ws: Workspace,
    headers: HeaderMap,
    _p: Params,
) -> ApiResult<Json<Value>> {
    let mut seed = sandbox::default_seed(&state, &ws).await?;
    seed["api_key"] = Value::String(super::auth::bearer_key(&headers)?.to_string());
    ok(seed)
}

async fn inject(
    state: AppState,
    ws: Workspace,
    p: Params,
    injection: Injection,
) -> ApiResult<Json<Value>> {
    let device_id = p.required_uuid("device_id")?;
    let d = devices::inject(&state, &ws, device_id, injection).await?;
    ok(json!({
        "device_id": d.device_id,
        "fail_next_attempts": d.sim_fail_next_attempts,
        "max_active_codes_supported": d.max_active_codes_supported,
        "latency_ms": d.sim_latency_ms.map(i64::from).unwrap_or(state.behaviour.programming_latency_ms),
    }))
}

/// `/_fake/devices/fail_next_attempts {device_id, count}`.
pub async fn fail_next_attempts(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let n = p.required("count", p.int("count", 0, 10_000))?;
    inject(state, ws, p, Injection::FailNextAttempts(n as i32)).await
}

/// `/_fake/devices/set_slot_count {device_id, max_active_codes_supported}`.
pub async fn set_slot_count(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let n = p.required(
        "max_active_codes_supported",
        p.int("max_active_codes_supported", 0, 10_000),
    )?;
    inject(state, ws, p, Injection::SlotCount(n as i32)).await
}

/// `/_fake/devices/set_latency {device_id, latency_ms}`.
pub async fn set_latency(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let n = p.required("latency_ms", p.int("latency_ms", 0, 60_000))?;
    inject(state, ws, p, Injection::LatencyMs(n as i32)).await
}

/// `/_fake/devices/lock_state {device_id}`: the codes physically on the lock and its pool.
pub async fn lock_state(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let device_id = p.required_uuid("device_id")?;
    ok(json!({ "lock_state": devices::lock_state(&state, &ws, device_id).await? }))
}
