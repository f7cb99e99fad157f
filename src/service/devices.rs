//! Devices: reads, updates (names, metadata, managed state, the pool switch), the simulated
//! connectivity controls, the sandbox failure injection, and the device's errors and warnings.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::PgConnection;
use uuid::Uuid;

use super::backup_pool::PoolStats;
use super::events;
use crate::config::Behaviour;
use crate::db;
use crate::domain::access_code::{status, AccessCodeRow};
use crate::domain::conditions::{self, Kind};
use crate::domain::device::DeviceRow;
use crate::domain::event::event_type;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Workspace};

/// Device errors this module owns.
const ERROR_FAMILY: &[&str] = &[
    "device_disconnected",
    "device_removed",
    "empty_backup_access_code_pool",
];
/// Device warnings this module owns.
const WARNING_FAMILY: &[&str] = &[
    "partial_backup_access_code_pool",
    "many_active_backup_codes",
];

/// Recomputes a device's errors and warnings from its state and its codes, keeping the
/// `created_at` of every condition that still holds.
pub fn refresh_conditions(
    device: &mut DeviceRow,
    codes: &[AccessCodeRow],
    behaviour: &Behaviour,
    now: DateTime<Utc>,
) {
    let pool = PoolStats::of(device, codes, behaviour);
    let mut errors: Vec<(&str, String)> = Vec::new();
    if device.removed {
        errors.push((
            "device_removed",
            "Device was removed from its account".into(),
        ));
    } else if !device.online {
        errors.push(("device_disconnected", "Device is offline".into()));
    }
    if pool.enabled && pool.ready == 0 {
        errors.push((
            "empty_backup_access_code_pool",
            "The backup access code pool is empty: no backup code is ready on the lock".into(),
        ));
    }
    let mut warnings: Vec<(&str, String)> = Vec::new();
    if pool.enabled
        && pool.ready > 0
        && pool.ready < pool.target
        && device.pool_refill_failure.is_some()
    {
        warnings.push((
            "partial_backup_access_code_pool",
            format!(
                "Only {} of {} backup codes are ready; refilling failed: {}",
                pool.ready,
                pool.target,
                device.pool_refill_failure.as_deref().unwrap_or_default()
            ),
        ));
    }
    if pool.active_pulled >= behaviour.many_active_backup_codes {
        warnings.push((
            "many_active_backup_codes",
            format!(
                "{} backup codes pulled from this device are still active",
                pool.active_pulled
            ),
        ));
    }
    let mut list = as_list(&device.errors);
    conditions::sync(&mut list, Kind::DeviceError, ERROR_FAMILY, &errors, now);
    device.errors = Value::Array(list);
    let mut list = as_list(&device.warnings);
    conditions::sync(
        &mut list,
        Kind::DeviceWarning,
        WARNING_FAMILY,
        &warnings,
        now,
    );
    device.warnings = Value::Array(list);
}

/// A JSON list as a vector (anything else as empty).
pub fn as_list(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

fn not_found(device_id: impl std::fmt::Display) -> ApiError {
    ApiError::not_found("device_not_found", format!("Device {device_id} not found"))
}

/// Locks a device of the caller's workspace or answers 404.
pub async fn lock_or_404(
    conn: &mut PgConnection,
    ws: &Workspace,
    device_id: Uuid,
) -> ApiResult<DeviceRow> {
    db::devices::lock(conn, ws.workspace_id, device_id)
        .await?
        .ok_or_else(|| not_found(device_id))
}

/// A device by id, managed (`devices/get`) or unmanaged (`devices/unmanaged/get`).
pub async fn get(
    state: &AppState,
    ws: &Workspace,
    device_id: Uuid,
    managed: bool,
) -> ApiResult<DeviceRow> {
    let mut conn = state.pool.acquire().await?;
    match db::devices::get(&mut conn, ws.workspace_id, device_id).await? {
        Some(d) if d.is_managed == managed => Ok(d),
        _ => Err(not_found(device_id)),
    }
}

/// A device by its name (`devices/get {name}`).
pub async fn get_by_name(
    state: &AppState,
    ws: &Workspace,
    name: &str,
    managed: bool,
) -> ApiResult<DeviceRow> {
    let mut conn = state.pool.acquire().await?;
    let filter = db::devices::DeviceFilter {
        is_managed: managed,
        ..Default::default()
    };
    let all = db::devices::list(&mut conn, ws.workspace_id, &filter, None, 10_000).await?;
    all.into_iter()
        .find(|d| d.nickname.as_deref().unwrap_or(&d.name) == name)
        .ok_or_else(|| {
            ApiError::not_found("device_not_found", format!("No device is named {name:?}"))
        })
}

/// What `devices/update` may change.
#[derive(Debug, Default)]
pub struct DeviceUpdate {
    /// `Some(None)` clears the nickname.
    pub name: Option<Option<String>>,
    pub custom_metadata: Option<Map<String, Value>>,
    pub is_managed: Option<bool>,
    pub backup_access_code_pool_enabled: Option<bool>,
}

/// `devices/update` and `devices/unmanaged/update`.
pub async fn update(
    state: &AppState,
    ws: &Workspace,
    device_id: Uuid,
    managed_route: bool,
    u: DeviceUpdate,
) -> ApiResult<()> {
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let mut device = lock_or_404(&mut tx, ws, device_id).await?;
    if device.is_managed != managed_route {
        return Err(if device.is_managed {
            not_found(device_id)
        } else {
            ApiError::bad_request(
                "device_not_managed",
                format!(
                    "Device {device_id} is unmanaged; use /devices/unmanaged/update to change it"
                ),
            )
        });
    }
    if let Some(name) = u.name {
        device.nickname = name;
    }
    if let Some(meta) = u.custom_metadata {
        let mut merged = device
            .custom_metadata
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (k, v) in meta {
            if v.is_null() {
                merged.remove(&k);
            } else {
                merged.insert(k, v);
            }
        }
        if merged.len() > 50 {
            return Err(ApiError::invalid(
                "custom_metadata",
                "custom_metadata may hold at most 50 keys",
            ));
        }
        device.custom_metadata = Value::Object(merged);
    }
    let mut codes = db::access_codes::all_on_device(&mut tx, device_id).await?;
    if let Some(enabled) = u.backup_access_code_pool_enabled {
        if enabled && !device.supports_backup_access_code_pool {
            return Err(pool_unsupported(&device));
        }
        device.backup_access_code_pool_enabled = enabled;
        if !enabled {
            device.pool_refill_failure = None;
        }
    }
    match u.is_managed {
        Some(false) if device.is_managed => unmanage(&mut tx, &mut device, &mut codes, now).await?,
        Some(true) if !device.is_managed => {
            device.is_managed = true;
            device.backup_access_code_pool_enabled = false;
            db::events::insert(
                &mut tx,
                event_type::DEVICE_CONVERTED_TO_MANAGED,
                events::for_device(&device),
                now,
            )
            .await?;
        }
        _ => {}
    }
    refresh_conditions(&mut device, &codes, &state.behaviour, now);
    db::devices::save(&mut tx, &device).await?;
    db::jobs::enqueue(&mut tx, device_id, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The error for enabling a pool on a device that cannot hold one.
pub fn pool_unsupported(device: &DeviceRow) -> ApiError {
    ApiError::bad_request(
        "device_does_not_support_backup_access_code_pool",
        format!(
            "Device {} does not support a backup access code pool",
            device.device_id
        ),
    )
}

/// Unmanaging: the pool goes off, every backup is removed from the lock, the other codes
/// become unmanaged codes of the lock.
async fn unmanage(
    conn: &mut PgConnection,
    device: &mut DeviceRow,
    codes: &mut [AccessCodeRow],
    now: DateTime<Utc>,
) -> ApiResult<()> {
    device.is_managed = false;
    device.backup_access_code_pool_enabled = false;
    device.pool_refill_failure = None;
    for code in codes.iter_mut() {
        if code.is_backup {
            code.status = status::REMOVING.into();
            code.needs_programming_since.get_or_insert(now);
        } else if code.is_managed && code.status != status::REMOVING {
            code.is_managed = false;
            code.needs_programming_since = None;
            code.programming_failure = None;
            code.status = if code.is_on_lock {
                status::SET
            } else {
                status::UNSET
            }
            .into();
            code.errors = Value::Array(vec![]);
            code.warnings = Value::Array(vec![]);
        } else {
            continue;
        }
        db::access_codes::save(conn, code).await?;
    }
    db::events::insert(
        conn,
        event_type::DEVICE_CONVERTED_TO_UNMANAGED,
        events::for_device(device),
        now,
    )
    .await?;
    Ok(())
}

/// The simulated connectivity changes of `devices/simulate/*`.
#[derive(Debug, Clone, Copy)]
pub enum Simulation {
    Connect,
    Disconnect,
    Remove,
}

/// `devices/simulate/connect|disconnect|remove`.
pub async fn simulate(
    state: &AppState,
    ws: &Workspace,
    device_id: Uuid,
    sim: Simulation,
) -> ApiResult<()> {
    require_sandbox(ws)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let mut device = lock_or_404(&mut tx, ws, device_id).await?;
    let event = match sim {
        Simulation::Connect => {
            device.online = true;
            device.removed = false;
            event_type::DEVICE_CONNECTED
        }
        Simulation::Disconnect => {
            device.online = false;
            event_type::DEVICE_DISCONNECTED
        }
        Simulation::Remove => {
            device.removed = true;
            device.online = false;
            event_type::DEVICE_REMOVED
        }
    };
    let codes = db::access_codes::all_on_device(&mut tx, device_id).await?;
    refresh_conditions(&mut device, &codes, &state.behaviour, now);
    db::devices::save(&mut tx, &device).await?;
    let payload = match sim {
        // Seam's device.disconnected carries the cause and the conditions at that moment.
        Simulation::Disconnect => events::for_device_with(
            &device,
            serde_json::json!({
                "error_code": "device_disconnected",
                "device_errors": device.errors,
                "device_warnings": device.warnings,
                "connected_account_errors": [],
                "connected_account_warnings": [],
            }),
        ),
        Simulation::Connect | Simulation::Remove => events::for_device(&device),
    };
    db::events::insert(&mut tx, event, payload, now).await?;
    db::jobs::enqueue(&mut tx, device_id, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The sandbox-only failure injection of `/_fake/devices/*`.
#[derive(Debug, Clone, Copy)]
pub enum Injection {
    /// Fail the next N programming or removal attempts.
    FailNextAttempts(i32),
    /// Change the lock's number of code slots.
    SlotCount(i32),
    /// Change how long one programming round takes.
    LatencyMs(i32),
}

/// Applies an injection and wakes the device's reconciler.
pub async fn inject(
    state: &AppState,
    ws: &Workspace,
    device_id: Uuid,
    injection: Injection,
) -> ApiResult<DeviceRow> {
    require_sandbox(ws)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let mut device = lock_or_404(&mut tx, ws, device_id).await?;
    match injection {
        Injection::FailNextAttempts(n) => device.sim_fail_next_attempts = n,
        Injection::SlotCount(n) => device.max_active_codes_supported = n,
        Injection::LatencyMs(n) => device.sim_latency_ms = Some(n),
    }
    db::devices::save(&mut tx, &device).await?;
    db::jobs::enqueue(&mut tx, device_id, now).await?;
    tx.commit().await?;
    Ok(device)
}

/// Refuses emulator controls outside sandbox workspaces.
pub fn require_sandbox(ws: &Workspace) -> ApiResult<()> {
    if ws.is_sandbox {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "not_a_sandbox_workspace",
            "This route is only available in sandbox workspaces",
        ))
    }
}

/// `/_fake/devices/lock_state`: what is physically on a sandbox lock, and its pool's counts.
pub async fn lock_state(state: &AppState, ws: &Workspace, device_id: Uuid) -> ApiResult<Value> {
    require_sandbox(ws)?;
    let mut conn = state.pool.acquire().await?;
    let device = db::devices::get(&mut conn, ws.workspace_id, device_id)
        .await?
        .ok_or_else(|| not_found(device_id))?;
    let codes = db::access_codes::all_on_device(&mut conn, device_id).await?;
    let pool = PoolStats::of(&device, &codes, &state.behaviour);
    let on_lock: Vec<Value> = codes
        .iter()
        .filter(|c| c.is_on_lock)
        .map(|c| {
            serde_json::json!({
                "access_code_id": c.access_code_id,
                "code": c.code,
                "name": c.name,
                "status": c.status,
                "is_managed": c.is_managed,
                "is_backup": c.is_backup,
                "pulled_for_access_code_id": c.backup_for_access_code_id,
            })
        })
        .collect();
    Ok(serde_json::json!({
        "device_id": device_id,
        "online": device.online,
        "removed": device.removed,
        "max_active_codes_supported": device.max_active_codes_supported,
        "fail_next_attempts": device.sim_fail_next_attempts,
        "latency_ms": device.sim_latency_ms.map(i64::from).unwrap_or(state.behaviour.programming_latency_ms),
        "codes_on_lock": on_lock,
        "backup_pool": {
            "enabled": pool.enabled,
            "target": pool.target,
            "ready": pool.ready,
            "active_pulled": pool.active_pulled,
        },
    }))
}
