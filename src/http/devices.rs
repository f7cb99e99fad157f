//! `devices/*`, `devices/unmanaged/*`, `locks/*` and `devices/simulate/*`.

use axum::extract::{OriginalUri, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use super::ok;
use super::pagination::{cursor, pagination};
use super::params::Params;
use crate::db::devices::DeviceFilter;
use crate::domain::device::DeviceRow;
use crate::error::{ApiError, ApiResult};
use crate::service::devices::{self, DeviceUpdate, Simulation};
use crate::service::reads;
use crate::state::{AppState, Workspace};

/// Largest `limit` on device lists.
const MAX_LIMIT: i64 = 10_000;
const DEFAULT_LIMIT: i64 = 500;

async fn find(state: &AppState, ws: &Workspace, p: &Params, managed: bool) -> ApiResult<DeviceRow> {
    if let Some(id) = p.uuid("device_id")? {
        return devices::get(state, ws, id, managed).await;
    }
    match p.string("name")? {
        Some(name) => devices::get_by_name(state, ws, &name, managed).await,
        None => Err(ApiError::invalid(
            "device_id",
            "device_id (or name) is required",
        )),
    }
}

fn filter(p: &Params, is_managed: bool, only_locks: bool) -> ApiResult<DeviceFilter> {
    let mut device_types = p.string_list("device_types")?;
    if let Some(t) = p.string("device_type")? {
        device_types.get_or_insert_with(Vec::new).push(t);
    }
    Ok(DeviceFilter {
        is_managed,
        device_ids: p.uuid_list("device_ids")?,
        device_types,
        manufacturer: p.string("manufacturer")?,
        search: p.string("search")?.filter(|s| !s.is_empty()),
        only_locks,
    })
}

async fn page(
    state: &AppState,
    ws: &Workspace,
    p: &Params,
    f: DeviceFilter,
) -> ApiResult<reads::Page<DeviceRow>> {
    let limit = p.int("limit", 1, MAX_LIMIT)?.unwrap_or(DEFAULT_LIMIT);
    reads::devices(state, ws, &f, cursor(p)?, limit).await
}

/// `devices/get`.
pub async fn get(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let d = find(&state, &ws, &p, true).await?;
    ok(json!({ "device": d.to_json() }))
}

/// `devices/list`.
pub async fn list(
    State(state): State<AppState>,
    ws: Workspace,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    p: Params,
) -> ApiResult<Json<Value>> {
    let page = page(&state, &ws, &p, filter(&p, true, false)?).await?;
    let devices: Vec<Value> = page.items.iter().map(DeviceRow::to_json).collect();
    ok(json!({ "devices": devices, "pagination": pagination(page.next, &uri, &headers, &p) }))
}

/// `locks/get` (deprecated alias answering under `lock` and `device`); locks only.
pub async fn locks_get(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let d = find(&state, &ws, &p, true).await?;
    if !d.capabilities_supported.iter().any(|c| c == "lock") {
        return Err(ApiError::not_found(
            "device_not_found",
            format!("Device {} is not a lock", d.device_id),
        ));
    }
    let v = d.to_json();
    ok(json!({ "lock": v, "device": v }))
}

/// `locks/list` (deprecated alias answering under `locks` and `devices`).
pub async fn locks_list(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let page = page(&state, &ws, &p, filter(&p, true, true)?).await?;
    let v: Vec<Value> = page.items.iter().map(DeviceRow::to_json).collect();
    ok(json!({ "locks": v, "devices": v }))
}

/// `devices/update`.
pub async fn update(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let device_id = p.required_uuid("device_id")?;
    let mut name = if p.is_null("name") {
        Some(None)
    } else {
        p.string("name")?.map(Some)
    };
    if let Some(props) = p.object("properties")? {
        match props.get("name") {
            Some(Value::String(s)) => name = Some(Some(s.clone())),
            Some(Value::Null) => name = Some(None),
            Some(_) => {
                return Err(ApiError::invalid(
                    "properties",
                    "properties.name must be a string or null",
                ))
            }
            None => {}
        }
    }
    if let Some(Some(n)) = &name {
        if n.trim().is_empty() {
            return Err(ApiError::invalid("name", "name must not be empty"));
        }
    }
    let custom_metadata = p.object("custom_metadata")?;
    if let Some(meta) = &custom_metadata {
        check_metadata(meta)?;
    }
    let u = DeviceUpdate {
        name,
        custom_metadata,
        is_managed: p.bool("is_managed")?,
        backup_access_code_pool_enabled: p.bool("backup_access_code_pool_enabled")?,
    };
    devices::update(&state, &ws, device_id, true, u).await?;
    ok(json!({}))
}

fn check_metadata(meta: &serde_json::Map<String, Value>) -> ApiResult<()> {
    for (k, v) in meta {
        let fine = match v {
            Value::String(s) => s.chars().count() <= 500,
            Value::Bool(_) | Value::Number(_) | Value::Null => true,
            _ => false,
        };
        if k.is_empty() || k.chars().count() > 40 || !fine {
            return Err(ApiError::invalid(
                "custom_metadata",
                "custom_metadata keys must be 1-40 characters and values strings (up to 500 characters), numbers, booleans or null",
            ));
        }
    }
    Ok(())
}

/// `devices/unmanaged/get`.
pub async fn unmanaged_get(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let d = find(&state, &ws, &p, false).await?;
    ok(json!({ "device": d.to_unmanaged_json() }))
}

/// `devices/unmanaged/list`.
pub async fn unmanaged_list(
    State(state): State<AppState>,
    ws: Workspace,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    p: Params,
) -> ApiResult<Json<Value>> {
    let page = page(&state, &ws, &p, filter(&p, false, false)?).await?;
    let devices: Vec<Value> = page
        .items
        .iter()
        .map(DeviceRow::to_unmanaged_json)
        .collect();
    ok(json!({ "devices": devices, "pagination": pagination(page.next, &uri, &headers, &p) }))
}

/// `devices/unmanaged/update`: `is_managed: true` manages the device again.
pub async fn unmanaged_update(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let device_id = p.required_uuid("device_id")?;
    let u = DeviceUpdate {
        is_managed: p.bool("is_managed")?,
        custom_metadata: p.object("custom_metadata")?,
        ..Default::default()
    };
    if let Some(meta) = &u.custom_metadata {
        check_metadata(meta)?;
    }
    devices::update(&state, &ws, device_id, false, u).await?;
    ok(json!({}))
}

async fn simulate(
    state: AppState,
    ws: Workspace,
    p: Params,
    sim: Simulation,
) -> ApiResult<Json<Value>> {
    let device_id = p.required_uuid("device_id")?;
    devices::simulate(&state, &ws, device_id, sim).await?;
    ok(json!({}))
}

/// `devices/simulate/connect`.
pub async fn simulate_connect(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    simulate(state, ws, p, Simulation::Connect).await
}

/// `devices/simulate/disconnect`.
pub async fn simulate_disconnect(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    simulate(state, ws, p, Simulation::Disconnect).await
}

/// `devices/simulate/remove`.
pub async fn simulate_remove(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    simulate(state, ws, p, Simulation::Remove).await
}
