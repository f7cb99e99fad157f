//! `webhooks/*` and the delivery log under `/_fake/webhook_deliveries`.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::ok;
use super::params::Params;
use crate::error::ApiResult;
use crate::service::webhooks;
use crate::state::{AppState, Workspace};

/// `webhooks/create {url, event_types = ["*"]}`.
pub async fn create(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let url = p.required("url", p.string("url"))?;
    let event_types = p
        .string_list("event_types")?
        .unwrap_or_else(|| vec!["*".into()]);
    let w = webhooks::create(&state, &ws, url, event_types).await?;
    ok(json!({ "webhook": webhooks::to_json(&w) }))
}

/// `webhooks/get`.
pub async fn get(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let w = webhooks::get(&state, &ws, p.required_uuid("webhook_id")?).await?;
    ok(json!({ "webhook": webhooks::to_json(&w) }))
}

/// `webhooks/list`.
pub async fn list(
    State(state): State<AppState>,
    ws: Workspace,
    _p: Params,
) -> ApiResult<Json<Value>> {
    let all: Vec<Value> = webhooks::list(&state, &ws)
        .await?
        .iter()
        .map(webhooks::to_json)
        .collect();
    ok(json!({ "webhooks": all }))
}

/// `webhooks/update {webhook_id, event_types, url?}`.
pub async fn update(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let id = p.required_uuid("webhook_id")?;
    let event_types = p.required("event_types", p.string_list("event_types"))?;
    webhooks::update(&state, &ws, id, p.string("url")?, event_types).await?;
    ok(json!({}))
}

/// `webhooks/delete`.
pub async fn delete(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    webhooks::delete(&state, &ws, p.required_uuid("webhook_id")?).await?;
    ok(json!({}))
}

/// `/_fake/webhook_deliveries {webhook_id?, limit?}`.
pub async fn deliveries(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let limit = p.int("limit", 1, 10_000)?.unwrap_or(500);
    let list = webhooks::deliveries(&state, &ws, p.uuid("webhook_id")?, limit).await?;
    ok(json!({ "webhook_deliveries": list }))
}
