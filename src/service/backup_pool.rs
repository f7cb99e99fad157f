//! The backup access code pool: its size and health, and pulling a backup for a code.
//!
//! Refilling is the reconciler's job (`worker::reconcile`); a pull only takes a ready backup,
//! links it to its original and asks for a refill, all in one transaction under the device
//! lock, so a backup never serves two originals and an original never gets two backups.

use serde_json::json;
use uuid::Uuid;

use super::{devices, events};
use crate::config::Behaviour;
use crate::db;
use crate::domain::access_code::{status, AccessCodeRow};
use crate::domain::conditions::{self, Kind};
use crate::domain::device::DeviceRow;
use crate::domain::event::event_type;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Workspace};

/// The warning a pull puts on the original code.
pub const USING_BACKUP_WARNING: &str = "using_backup_access_code";

/// Counts that decide a pool's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// The pool is switched on and the device is managed.
    pub enabled: bool,
    /// Unpulled backups the worker aims to keep on the lock.
    pub target: i64,
    /// Unpulled backups programmed on the lock and ready to be pulled.
    pub ready: i64,
    /// Pulled backups still active on the lock.
    pub active_pulled: i64,
}

impl PoolStats {
    /// The pool of a device, given all its codes.
    pub fn of(device: &DeviceRow, codes: &[AccessCodeRow], behaviour: &Behaviour) -> Self {
        let enabled = device.is_managed && device.backup_access_code_pool_enabled;
        let ready = codes.iter().filter(|c| is_ready_backup(c)).count() as i64;
        let active_pulled = codes
            .iter()
            .filter(|c| {
                c.is_backup && c.backup_for_access_code_id.is_some() && c.status != status::REMOVING
            })
            .count() as i64;
        PoolStats {
            enabled,
            target: if enabled {
                behaviour.backup_pool_size
            } else {
                0
            },
            ready,
            active_pulled,
        }
    }
}

/// An unpulled backup that is on the lock and can be handed out.
pub fn is_ready_backup(c: &AccessCodeRow) -> bool {
    c.is_unpulled_backup() && c.status == status::SET && c.is_on_lock
}

fn code_not_found(id: Uuid) -> ApiError {
    ApiError::not_found(
        "access_code_not_found",
        format!("Access code {id} not found"),
    )
}

/// `access_codes/pull_backup_access_code`: the original's backup, pulling one if needed.
pub async fn pull(
    state: &AppState,
    ws: &Workspace,
    access_code_id: Uuid,
) -> ApiResult<AccessCodeRow> {
    if let Some(backup) = existing_backup(state, ws, access_code_id).await? {
        return Ok(backup);
    }
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let device_id = db::access_codes::device_of(&mut tx, ws.workspace_id, access_code_id)
        .await?
        .ok_or_else(|| code_not_found(access_code_id))?;
    let mut device = devices::lock_or_404(&mut tx, ws, device_id).await?;
    let mut codes = db::access_codes::all_on_device(&mut tx, device_id).await?;
    let original = codes
        .iter()
        .find(|c| c.access_code_id == access_code_id)
        .cloned()
        .ok_or_else(|| code_not_found(access_code_id))?;
    check_original(&original)?;
    // An original keeps the backup it has, even once its pool is off or it is being removed.
    if let Some(existing) = codes
        .iter()
        .find(|c| c.backup_for_access_code_id == Some(access_code_id))
    {
        let id = existing.access_code_id;
        let backup = read_back(&mut tx, ws, id).await?;
        tx.commit().await?;
        return Ok(backup);
    }
    check_can_take_new(&device, &original)?;
    let backup = codes
        .iter_mut()
        .find(|c| is_ready_backup(c))
        .ok_or_else(|| {
            ApiError::bad_request(
                "no_backup_access_code_available",
                format!("No backup access code is ready on device {device_id}; the pool is refilled as the lock allows"),
            )
        })?;
    backup.backup_for_access_code_id = Some(access_code_id);
    backup.pulled_at = Some(now);
    backup.starts_at = Some(now);
    backup.ends_at = original.ends_at;
    let backup_id = backup.access_code_id;
    db::access_codes::save(&mut tx, backup).await?;

    let mut original = original;
    let mut warnings = devices::as_list(&original.warnings);
    conditions::sync(
        &mut warnings,
        Kind::CodeWarning,
        &[USING_BACKUP_WARNING],
        &[(
            USING_BACKUP_WARNING,
            format!("A backup access code ({backup_id}) was pulled for this code"),
        )],
        now,
    );
    original.warnings = serde_json::Value::Array(warnings);
    db::access_codes::save(&mut tx, &original).await?;
    if let Some(slot) = codes
        .iter_mut()
        .find(|c| c.access_code_id == access_code_id)
    {
        *slot = original;
    }

    devices::refresh_conditions(&mut device, &codes, &state.behaviour, now);
    db::devices::save(&mut tx, &device).await?;
    db::events::insert(
        &mut tx,
        event_type::ACCESS_CODE_BACKUP_PULLED,
        events::for_code_with(
            &device,
            access_code_id,
            json!({ "backup_access_code_id": backup_id }),
        ),
        now,
    )
    .await?;
    db::jobs::enqueue(&mut tx, device_id, now).await?;
    let backup = read_back(&mut tx, ws, backup_id).await?;
    tx.commit().await?;
    Ok(backup)
}

/// The repeated pull, without the device lock: a link between an original and its backup
/// is only made under the lock and never moves, so if it exists it is the answer the locked
/// path would give. `None` when the code has no backup yet (or does not exist: the locked
/// path then answers with the right error).
async fn existing_backup(
    state: &AppState,
    ws: &Workspace,
    access_code_id: Uuid,
) -> ApiResult<Option<AccessCodeRow>> {
    let mut conn = state.pool.acquire().await?;
    let Some(original) = db::access_codes::get(&mut conn, ws.workspace_id, access_code_id).await?
    else {
        return Ok(None);
    };
    check_original(&original)?;
    match original.pulled_backup_access_code_id {
        Some(backup_id) => Ok(db::access_codes::get(&mut conn, ws.workspace_id, backup_id).await?),
        None => Ok(None),
    }
}

/// A backup can only serve a managed, time-bound primary code.
fn check_original(original: &AccessCodeRow) -> ApiResult<()> {
    let id = original.access_code_id;
    if !original.is_managed {
        return Err(code_not_found(id));
    }
    if original.is_backup {
        return Err(ApiError::bad_request(
            "access_code_is_backup",
            format!("Access code {id} is itself a backup code; pull a backup for the original code instead"),
        ));
    }
    if original.ends_at.is_none() {
        return Err(ApiError::bad_request(
            "access_code_not_time_bound",
            format!(
                "Access code {id} is ongoing; backup codes can only be pulled for time-bound codes"
            ),
        ));
    }
    Ok(())
}

/// A new backup is handed out only to a live code on a device whose pool is on.
fn check_can_take_new(device: &DeviceRow, original: &AccessCodeRow) -> ApiResult<()> {
    let id = original.access_code_id;
    if original.status == status::REMOVING {
        return Err(ApiError::bad_request(
            "access_code_being_removed",
            format!("Access code {id} is being removed from its device"),
        ));
    }
    if !(device.is_managed && device.backup_access_code_pool_enabled) {
        return Err(ApiError::bad_request(
            "backup_access_code_pool_not_enabled",
            format!(
                "Device {} has no backup access code pool; create or update a code with use_backup_access_code_pool: true first",
                device.device_id
            ),
        ));
    }
    Ok(())
}

async fn read_back(
    conn: &mut sqlx::PgConnection,
    ws: &Workspace,
    id: Uuid,
) -> ApiResult<AccessCodeRow> {
    db::access_codes::get(conn, ws.workspace_id, id)
        .await?
        .ok_or_else(|| code_not_found(id))
}
