//! `action_attempts/*` and `events/*`.

use axum::extract::{OriginalUri, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use super::ok;
use super::pagination::{cursor, pagination};
use super::params::Params;
use crate::db::events::EventFilter;
use crate::domain::action_attempt::ActionAttemptRow;
use crate::error::{ApiError, ApiResult};
use crate::service::reads;
use crate::state::{AppState, Workspace};

const MAX_LIMIT: i64 = 10_000;
const DEFAULT_LIMIT: i64 = 500;

/// `action_attempts/get`.
pub async fn action_attempt_get(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let id = p.required_uuid("action_attempt_id")?;
    let a = reads::action_attempt(&state, &ws, id).await?;
    ok(json!({ "action_attempt": a.to_json() }))
}

/// `action_attempts/list`.
pub async fn action_attempt_list(
    State(state): State<AppState>,
    ws: Workspace,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    p: Params,
) -> ApiResult<Json<Value>> {
    let ids = p.uuid_list("action_attempt_ids")?;
    let limit = p.int("limit", 1, MAX_LIMIT)?.unwrap_or(DEFAULT_LIMIT);
    let page = reads::action_attempts(&state, &ws, ids.as_deref(), cursor(&p)?, limit).await?;
    let items: Vec<Value> = page.items.iter().map(ActionAttemptRow::to_json).collect();
    ok(json!({ "action_attempts": items, "pagination": pagination(page.next, &uri, &headers, &p) }))
}

/// `events/get`.
pub async fn event_get(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let id = p.required_uuid("event_id")?;
    let event = reads::event(&state, &ws, id).await?;
    ok(json!({ "event": event }))
}

/// Merges a singular and a plural filter parameter.
fn merged<T>(one: Option<T>, many: Option<Vec<T>>) -> Option<Vec<T>> {
    match (one, many) {
        (None, many) => many,
        (Some(x), many) => {
            let mut v = many.unwrap_or_default();
            v.push(x);
            Some(v)
        }
    }
}

/// `events/list`: needs `since` or `between`.
pub async fn event_list(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let since = p.datetime("since")?;
    let between = match p.string_list("between")? {
        None => None,
        Some(v) if v.len() == 2 => {
            let parse = |s: &str| {
                chrono::DateTime::parse_from_rfc3339(s)
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .map_err(|_| {
                        ApiError::invalid("between", "between must hold two RFC 3339 timestamps")
                    })
            };
            Some((parse(&v[0])?, parse(&v[1])?))
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "between",
                "between must hold exactly two timestamps",
            ))
        }
    };
    if since.is_none() && between.is_none() {
        return Err(ApiError::invalid("since", "since or between is required"));
    }
    let filter = EventFilter {
        since: since.or(between.map(|b| b.0)),
        until: between.map(|b| b.1),
        device_ids: merged(p.uuid("device_id")?, p.uuid_list("device_ids")?),
        access_code_ids: merged(p.uuid("access_code_id")?, p.uuid_list("access_code_ids")?),
        event_types: merged(p.string("event_type")?, p.string_list("event_types")?),
        event_ids: p.uuid_list("event_ids")?,
    };
    let limit = p.int("limit", 1, MAX_LIMIT)?.unwrap_or(DEFAULT_LIMIT);
    let events = reads::events(&state, &ws, &filter, limit).await?;
    ok(json!({ "events": events }))
}
