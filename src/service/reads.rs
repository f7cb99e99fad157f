//! Read-only queries behind `get` and `list` routes, with 404s and keyset pages.

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::db::{self, After};
use crate::domain::access_code::AccessCodeRow;
use crate::domain::action_attempt::ActionAttemptRow;
use crate::domain::device::DeviceRow;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Workspace};

/// One page of a list and where the next one starts.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<After>,
}

/// Cuts a `limit + 1` fetch into a page, remembering the last row's position.
fn page<T>(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> (DateTime<Utc>, Uuid)) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|r| {
            let (created_at, id) = key(r);
            After { created_at, id }
        })
    } else {
        None
    };
    Page { items: rows, next }
}

/// A code by id; `managed` picks `access_codes/get` or `access_codes/unmanaged/get`.
pub async fn access_code(
    state: &AppState,
    ws: &Workspace,
    id: Uuid,
    managed: bool,
) -> ApiResult<AccessCodeRow> {
    let mut conn = state.pool.acquire().await?;
    db::access_codes::get(&mut conn, ws.workspace_id, id)
        .await?
        .filter(|c| c.is_managed == managed)
        .ok_or_else(|| {
            ApiError::not_found(
                "access_code_not_found",
                format!("Access code {id} not found"),
            )
        })
}

/// A page of listed codes. A `device_id` filter must name a device of the workspace.
pub async fn access_codes(
    state: &AppState,
    ws: &Workspace,
    filter: &db::access_codes::CodeFilter,
    after: Option<After>,
    limit: i64,
) -> ApiResult<Page<AccessCodeRow>> {
    let mut conn = state.pool.acquire().await?;
    if let Some(device_id) = filter.device_id {
        if db::devices::get(&mut conn, ws.workspace_id, device_id)
            .await?
            .is_none()
        {
            return Err(ApiError::not_found(
                "device_not_found",
                format!("Device {device_id} not found"),
            ));
        }
    }
    let rows = db::access_codes::list(&mut conn, ws.workspace_id, filter, after, limit + 1).await?;
    Ok(page(rows, limit, |r| (r.created_at, r.access_code_id)))
}

/// A page of devices.
pub async fn devices(
    state: &AppState,
    ws: &Workspace,
    filter: &db::devices::DeviceFilter,
    after: Option<After>,
    limit: i64,
) -> ApiResult<Page<DeviceRow>> {
    let mut conn = state.pool.acquire().await?;
    let rows = db::devices::list(&mut conn, ws.workspace_id, filter, after, limit + 1).await?;
    Ok(page(rows, limit, |r| (r.created_at, r.device_id)))
}

/// An action attempt by id.
pub async fn action_attempt(
    state: &AppState,
    ws: &Workspace,
    id: Uuid,
) -> ApiResult<ActionAttemptRow> {
    let mut conn = state.pool.acquire().await?;
    db::action_attempts::get(&mut conn, ws.workspace_id, id)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "action_attempt_not_found",
                format!("Action attempt {id} not found"),
            )
        })
}

/// A page of action attempts.
pub async fn action_attempts(
    state: &AppState,
    ws: &Workspace,
    ids: Option<&[Uuid]>,
    after: Option<After>,
    limit: i64,
) -> ApiResult<Page<ActionAttemptRow>> {
    let mut conn = state.pool.acquire().await?;
    let rows = db::action_attempts::list(&mut conn, ws.workspace_id, ids, after, limit + 1).await?;
    Ok(page(rows, limit, |r| (r.created_at, r.action_attempt_id)))
}

/// Events matching a filter.
pub async fn events(
    state: &AppState,
    ws: &Workspace,
    filter: &db::events::EventFilter,
    limit: i64,
) -> ApiResult<Vec<Value>> {
    let mut conn = state.pool.acquire().await?;
    Ok(db::events::list(&mut conn, ws.workspace_id, filter, limit).await?)
}

/// An event by id.
pub async fn event(state: &AppState, ws: &Workspace, id: Uuid) -> ApiResult<Value> {
    let mut conn = state.pool.acquire().await?;
    db::events::get(&mut conn, ws.workspace_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("event_not_found", format!("Event {id} not found")))
}
