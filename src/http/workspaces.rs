//! `workspaces/get` and `workspaces/reset_sandbox`.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::ok;
use super::params::Params;
use crate::error::ApiResult;
use crate::service::sandbox;
use crate::state::{AppState, Workspace};

/// `workspaces/get`.
pub async fn get(
    State(state): State<AppState>,
    ws: Workspace,
    _p: Params,
) -> ApiResult<Json<Value>> {
    ok(json!({ "workspace": sandbox::workspace_json(&state, &ws).await? }))
}

/// `workspaces/reset_sandbox`.
pub async fn reset_sandbox(
    State(state): State<AppState>,
    ws: Workspace,
    _p: Params,
) -> ApiResult<Json<Value>> {
    let attempt = sandbox::reset(&state, &ws).await?;
    ok(json!({ "action_attempt": attempt.to_json() }))
}
