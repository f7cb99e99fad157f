//! Webhook registrations: where a workspace's events go and the secret that signs them.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::db;
use crate::db::webhooks::WebhookRow;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Workspace};

/// A new signing secret in the Standard Webhooks form (`whsec_` + base64 of 24 bytes).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    format!("whsec_{}", STANDARD.encode(bytes))
}

/// Checks a receiver URL: absolute http(s) with a host.
pub fn check_url(url: &str) -> ApiResult<()> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(ApiError::invalid(
            "url",
            "url must be an absolute http:// or https:// URL",
        )),
    }
}

/// Checks event type filters: `*` or event type names.
pub fn check_event_types(types: &[String]) -> ApiResult<()> {
    let fine = |t: &String| {
        t == "*"
            || (!t.is_empty()
                && t.len() <= 100
                && t.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_' || b == b'*'))
    };
    if types.is_empty() || !types.iter().all(fine) {
        return Err(ApiError::invalid(
            "event_types",
            "event_types must be a non-empty list of event types or \"*\"",
        ));
    }
    Ok(())
}

/// Seam's `webhook` object.
pub fn to_json(w: &WebhookRow) -> Value {
    json!({ "webhook_id": w.webhook_id, "url": w.url, "event_types": w.event_types, "secret": w.secret })
}

fn not_found(id: Uuid) -> ApiError {
    ApiError::not_found("webhook_not_found", format!("Webhook {id} not found"))
}

/// `webhooks/create`.
pub async fn create(
    state: &AppState,
    ws: &Workspace,
    url: String,
    event_types: Vec<String>,
) -> ApiResult<WebhookRow> {
    check_url(&url)?;
    check_event_types(&event_types)?;
    let row = WebhookRow {
        webhook_id: Uuid::new_v4(),
        workspace_id: ws.workspace_id,
        url,
        event_types,
        secret: new_secret(),
        created_at: state.clock.now(),
    };
    let mut conn = state.pool.acquire().await?;
    db::webhooks::insert(&mut conn, &row).await?;
    Ok(row)
}

/// `webhooks/get`.
pub async fn get(state: &AppState, ws: &Workspace, id: Uuid) -> ApiResult<WebhookRow> {
    let mut conn = state.pool.acquire().await?;
    db::webhooks::get(&mut conn, ws.workspace_id, id)
        .await?
        .ok_or_else(|| not_found(id))
}

/// `webhooks/list`.
pub async fn list(state: &AppState, ws: &Workspace) -> ApiResult<Vec<WebhookRow>> {
    let mut conn = state.pool.acquire().await?;
    Ok(db::webhooks::list(&mut conn, ws.workspace_id).await?)
}

/// `webhooks/update`.
pub async fn update(
    state: &AppState,
    ws: &Workspace,
    id: Uuid,
    url: Option<String>,
    event_types: Vec<String>,
) -> ApiResult<()> {
    if let Some(u) = &url {
        check_url(u)?;
    }
    check_event_types(&event_types)?;
    let mut conn = state.pool.acquire().await?;
    if db::webhooks::update(&mut conn, ws.workspace_id, id, url.as_deref(), &event_types).await? {
        Ok(())
    } else {
        Err(not_found(id))
    }
}

/// `webhooks/delete`.
pub async fn delete(state: &AppState, ws: &Workspace, id: Uuid) -> ApiResult<()> {
    let mut conn = state.pool.acquire().await?;
    if db::webhooks::delete(&mut conn, ws.workspace_id, id).await? {
        Ok(())
    } else {
        Err(not_found(id))
    }
}

/// `/_fake/webhook_deliveries`: deliveries and their attempts, newest first.
pub async fn deliveries(
    state: &AppState,
    ws: &Workspace,
    webhook_id: Option<Uuid>,
    limit: i64,
) -> ApiResult<Vec<Value>> {
    super::devices::require_sandbox(ws)?;
    let mut conn = state.pool.acquire().await?;
    Ok(db::webhooks::list_deliveries(&mut conn, ws.workspace_id, webhook_id, limit).await?)
}
