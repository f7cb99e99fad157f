//! Access codes: create, update, delete and code generation, with Seam's validation rules.
//!
//! A write records the desired state and enqueues the device's reconcile job in the same
//! transaction; the worker then programs the lock and resolves the action attempt.

use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{devices, events};
use crate::config::Behaviour;
use crate::db;
use crate::domain::access_code::{status, AccessCodeRow};
use crate::domain::action_attempt::{action_type, ActionAttemptRow};
use crate::domain::device::DeviceRow;
use crate::domain::event::event_type;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Workspace};

/// Parameters of `access_codes/create`.
#[derive(Debug, Default, Clone)]
pub struct NewCode {
    pub device_id: Uuid,
    pub name: Option<String>,
    pub code: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub use_backup_access_code_pool: bool,
    pub is_external_modification_allowed: bool,
    pub preferred_code_length: Option<i64>,
    pub common_code_key: Option<String>,
}

/// Parameters of `access_codes/update`; `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct CodeChange {
    pub name: Option<String>,
    pub code: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// `type: "ongoing"`: drop the time window.
    pub make_ongoing: bool,
    /// `type: "time_bound"`: the code must end up with a window.
    pub make_time_bound: bool,
    pub use_backup_access_code_pool: Option<bool>,
    pub is_external_modification_allowed: Option<bool>,
}

fn not_found(id: Uuid) -> ApiError {
    ApiError::not_found(
        "access_code_not_found",
        format!("Access code {id} not found"),
    )
}

/// Checks the device can hold managed codes.
fn check_device_holds_codes(device: &DeviceRow) -> ApiResult<()> {
    if !device.is_managed {
        return Err(ApiError::bad_request(
            "device_not_managed",
            format!(
                "Device {} is unmanaged; manage it again before creating codes on it",
                device.device_id
            ),
        ));
    }
    if !device.holds_access_codes() {
        return Err(ApiError::bad_request(
            "device_does_not_support_access_codes",
            format!(
                "Device {} ({}) cannot hold access codes",
                device.device_id, device.device_type
            ),
        ));
    }
    Ok(())
}

/// Checks a code value: digits only, a length the device supports, unique on the device.
async fn check_code(
    conn: &mut PgConnection,
    device: &DeviceRow,
    code: &str,
    except: Option<Uuid>,
) -> ApiResult<()> {
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid("code", "code must contain digits only"));
    }
    let len = code.len() as i32;
    if !device.supported_code_lengths.contains(&len) {
        return Err(ApiError::invalid(
            "code",
            format!(
                "code must be {} digits long on this device",
                device
                    .supported_code_lengths
                    .iter()
                    .map(i32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if db::access_codes::code_taken(conn, device.device_id, code, except).await? {
        return Err(ApiError::bad_request(
            "duplicate_access_code",
            format!(
                "Code {code} is already in use on device {}",
                device.device_id
            ),
        ));
    }
    Ok(())
}

/// Checks a time window: both ends or neither, `ends_at` after `starts_at` and in the future.
fn check_window(
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    match (starts_at, ends_at) {
        (None, None) => Ok(()),
        (Some(_), None) => Err(ApiError::invalid(
            "ends_at",
            "ends_at is required when starts_at is given",
        )),
        (None, Some(_)) => Err(ApiError::invalid(
            "starts_at",
            "starts_at is required when ends_at is given",
        )),
        (Some(s), Some(e)) if e <= s => Err(ApiError::invalid(
            "ends_at",
            "ends_at must be later than starts_at",
        )),
        (Some(_), Some(e)) if e <= now => Err(ApiError::invalid(
            "ends_at",
            "ends_at must be in the future",
        )),
        _ => Ok(()),
    }
}

/// Turns the device's pool on for `use_backup_access_code_pool: true` and saves the device; a
/// new pool starts empty (and says so) until the worker has programmed its backups.
async fn activate_pool(
    conn: &mut PgConnection,
    device: &mut DeviceRow,
    is_time_bound: bool,
    behaviour: &Behaviour,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    if !is_time_bound {
        return Err(ApiError::invalid(
            "use_backup_access_code_pool",
            "use_backup_access_code_pool is only allowed for time-bound codes (give starts_at and ends_at)",
        ));
    }
    if !device.supports_backup_access_code_pool {
        return Err(devices::pool_unsupported(device));
    }
    if !device.backup_access_code_pool_enabled {
        device.backup_access_code_pool_enabled = true;
        let codes = db::access_codes::all_on_device(conn, device.device_id).await?;
        devices::refresh_conditions(device, &codes, behaviour, now);
        db::devices::save(conn, device).await?;
    }
    Ok(())
}

/// A random code of the given length that is free on the device.
pub fn fresh_code(taken: &[String], length: i32) -> Option<String> {
    for _ in 0..200 {
        let candidate = random_code(length);
        if !taken.contains(&candidate) {
            return Some(candidate);
        }
    }
    (0..10u64.pow(length as u32))
        .map(|n| format!("{n:0width$}", width = length as usize))
        .find(|c| !taken.contains(c))
}

/// A uniformly random code of `length` digits.
fn random_code(length: i32) -> String {
    let n = rand::rng().random_range(0..10u64.pow(length as u32));
    format!("{n:0width$}", width = length as usize)
}

/// The length a generated code gets: the preferred one if supported, else the shortest.
fn generated_length(device: &DeviceRow, preferred: Option<i64>) -> Option<i32> {
    let lengths = &device.supported_code_lengths;
    preferred
        .and_then(|p| i32::try_from(p).ok())
        .filter(|p| lengths.contains(p))
        .or_else(|| lengths.iter().copied().min())
}

async fn generate(
    conn: &mut PgConnection,
    device: &DeviceRow,
    preferred: Option<i64>,
) -> ApiResult<String> {
    let length = generated_length(device, preferred).ok_or_else(|| {
        ApiError::bad_request(
            "device_does_not_support_access_codes",
            format!("Device {} cannot hold access codes", device.device_id),
        )
    })?;
    // A random value is almost always free: check a few against the unique index before
    // reading every code of the device.
    for _ in 0..4 {
        let candidate = random_code(length);
        if !db::access_codes::code_taken(conn, device.device_id, &candidate, None).await? {
            return Ok(candidate);
        }
    }
    let taken = db::access_codes::codes_on_device(conn, device.device_id).await?;
    fresh_code(&taken, length).ok_or_else(|| {
        ApiError::bad_request(
            "no_code_available",
            format!("Every {length}-digit code is taken on this device"),
        )
    })
}

/// `access_codes/generate_code`: a free code for the device, not reserved.
pub async fn generate_code(state: &AppState, ws: &Workspace, device_id: Uuid) -> ApiResult<String> {
    let mut conn = state.pool.acquire().await?;
    let device = db::devices::get(&mut conn, ws.workspace_id, device_id)
        .await?
        .ok_or_else(|| {
            ApiError::not_found("device_not_found", format!("Device {device_id} not found"))
        })?;
    check_device_holds_codes(&device)?;
    generate(&mut conn, &device, None).await
}

/// `access_codes/create`.
pub async fn create(
    state: &AppState,
    ws: &Workspace,
    input: NewCode,
) -> ApiResult<(AccessCodeRow, ActionAttemptRow)> {
    let now = state.clock.now();
    check_window(input.starts_at, input.ends_at, now)?;
    let mut tx = state.pool.begin().await?;
    let mut device = devices::lock_or_404(&mut tx, ws, input.device_id).await?;
    check_device_holds_codes(&device)?;
    if input.use_backup_access_code_pool {
        activate_pool(
            &mut tx,
            &mut device,
            input.ends_at.is_some(),
            &state.behaviour,
            now,
        )
        .await?;
    }
    let code = match input.code {
        Some(code) => {
            check_code(&mut tx, &device, &code, None).await?;
            code
        }
        None => generate(&mut tx, &device, input.preferred_code_length).await?,
    };
    let attempt = db::action_attempts::insert(
        &mut tx,
        ws.workspace_id,
        action_type::CREATE_ACCESS_CODE,
        "pending",
        now,
    )
    .await?;
    let mut row = db::access_codes::new_row(ws.workspace_id, device.device_id, code, now);
    row.name = input.name;
    row.starts_at = input.starts_at;
    row.ends_at = input.ends_at;
    row.common_code_key = input.common_code_key;
    row.is_external_modification_allowed = input.is_external_modification_allowed;
    row.status = initial_status(&row, now).into();
    row.pending_action_attempt_id = Some(attempt.action_attempt_id);
    db::access_codes::insert(&mut tx, &row).await?;
    db::events::insert(
        &mut tx,
        event_type::ACCESS_CODE_CREATED,
        events::for_code(&device, row.access_code_id),
        now,
    )
    .await?;
    db::jobs::enqueue(&mut tx, device.device_id, now).await?;
    let created = read_back(&mut tx, ws, row.access_code_id).await?;
    tx.commit().await?;
    Ok((created, attempt))
}

/// A code that waits for programming: `unset` before its window, `setting` otherwise.
fn initial_status(row: &AccessCodeRow, now: DateTime<Utc>) -> &'static str {
    match row.starts_at {
        Some(s) if s > now => status::UNSET,
        _ => status::SETTING,
    }
}

/// Locks the device of a code of the workspace and returns both; 404 when there is no such
/// code or it is not one `wanted` accepts (managed or unmanaged, for instance).
pub(crate) async fn lock_code(
    conn: &mut PgConnection,
    ws: &Workspace,
    id: Uuid,
    wanted: impl Fn(&AccessCodeRow) -> bool,
) -> ApiResult<(DeviceRow, AccessCodeRow)> {
    let device_id = db::access_codes::device_of(conn, ws.workspace_id, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let device = devices::lock_or_404(conn, ws, device_id).await?;
    let code = db::access_codes::get(conn, ws.workspace_id, id)
        .await?
        .filter(|c| wanted(c))
        .ok_or_else(|| not_found(id))?;
    Ok((device, code))
}

/// `access_codes/update`.
pub async fn update(
    state: &AppState,
    ws: &Workspace,
    id: Uuid,
    change: CodeChange,
) -> ApiResult<ActionAttemptRow> {
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let (mut device, mut code) = lock_code(&mut tx, ws, id, |c| c.is_managed).await?;
    if code.is_unpulled_backup() {
        return Err(ApiError::bad_request(
            "access_code_is_backup",
            format!("Access code {id} is an unpulled backup code and cannot be changed"),
        ));
    }
    if code.status == status::REMOVING {
        return Err(ApiError::bad_request(
            "access_code_being_removed",
            format!("Access code {id} is being removed"),
        ));
    }
    let before = code.clone();
    if let Some(name) = change.name {
        code.name = Some(name);
    }
    if let Some(value) = change.code {
        check_code(&mut tx, &device, &value, Some(id)).await?;
        code.code = value;
    }
    if change.make_time_bound && change.ends_at.or(code.ends_at).is_none() {
        return Err(ApiError::invalid(
            "type",
            "type time_bound needs starts_at and ends_at",
        ));
    }
    if change.make_ongoing {
        if change.starts_at.is_some() || change.ends_at.is_some() {
            return Err(ApiError::invalid(
                "type",
                "an ongoing code cannot have starts_at or ends_at",
            ));
        }
        code.starts_at = None;
        code.ends_at = None;
    } else if change.starts_at.is_some() || change.ends_at.is_some() {
        let starts_at = change.starts_at.or(code.starts_at);
        let ends_at = change.ends_at.or(code.ends_at);
        check_window(starts_at, ends_at, now)?;
        code.starts_at = starts_at;
        code.ends_at = ends_at;
    }
    if let Some(flag) = change.is_external_modification_allowed {
        code.is_external_modification_allowed = flag;
    }
    if change.use_backup_access_code_pool == Some(true) {
        activate_pool(
            &mut tx,
            &mut device,
            code.ends_at.is_some(),
            &state.behaviour,
            now,
        )
        .await?;
    }
    let attempt = db::action_attempts::insert(
        &mut tx,
        ws.workspace_id,
        action_type::UPDATE_ACCESS_CODE,
        "pending",
        now,
    )
    .await?;
    let reprogram = code.code != before.code
        || code.starts_at != before.starts_at
        || code.ends_at != before.ends_at;
    if reprogram {
        if let Some(previous) = code.pending_action_attempt_id {
            // The earlier request was accepted; its programming is now this update's.
            db::action_attempts::resolve(
                &mut tx,
                previous,
                Ok(json!({ "access_code": before.to_json() })),
                now,
            )
            .await?;
        }
        code.needs_programming_since = Some(now);
        code.status = initial_status(&code, now).into();
        code.pending_action_attempt_id = Some(attempt.action_attempt_id);
    } else {
        db::action_attempts::resolve(
            &mut tx,
            attempt.action_attempt_id,
            Ok(json!({ "access_code": code.to_json() })),
            now,
        )
        .await?;
    }
    db::access_codes::save(&mut tx, &code).await?;
    follow_original(&mut tx, &code).await?;
    db::events::insert(
        &mut tx,
        event_type::ACCESS_CODE_CHANGED,
        events::for_code(&device, id),
        now,
    )
    .await?;
    db::jobs::enqueue(&mut tx, device.device_id, now).await?;
    let attempt = db::action_attempts::get(&mut tx, ws.workspace_id, attempt.action_attempt_id)
        .await?
        .unwrap_or(attempt);
    tx.commit().await?;
    Ok(attempt)
}

/// Keeps a pulled backup's `ends_at` equal to its original's.
async fn follow_original(conn: &mut PgConnection, original: &AccessCodeRow) -> ApiResult<()> {
    let (Some(backup_id), Some(ends_at)) =
        (original.pulled_backup_access_code_id, original.ends_at)
    else {
        return Ok(());
    };
    if let Some(mut backup) = db::access_codes::get(conn, original.workspace_id, backup_id).await? {
        if backup.ends_at != Some(ends_at) {
            backup.ends_at = Some(ends_at);
            db::access_codes::save(conn, &backup).await?;
        }
    }
    Ok(())
}

/// `access_codes/delete` (and `access_codes/unmanaged/delete` with `managed: false`): the
/// code (and a backup pulled for it) goes `removing`; the worker removes it from the lock and
/// then it is gone.
pub async fn delete(
    state: &AppState,
    ws: &Workspace,
    id: Uuid,
    managed: bool,
) -> ApiResult<ActionAttemptRow> {
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let (device, mut code) = lock_code(&mut tx, ws, id, |c| c.is_managed == managed).await?;
    // A repeated delete (the SDKs retry DELETE) answers with the removal already under way.
    if code.status == status::REMOVING {
        if let Some(pending) = code.pending_action_attempt_id {
            if let Some(attempt) =
                db::action_attempts::get(&mut tx, ws.workspace_id, pending).await?
            {
                tx.commit().await?;
                return Ok(attempt);
            }
        }
    }
    let attempt = db::action_attempts::insert(
        &mut tx,
        ws.workspace_id,
        action_type::DELETE_ACCESS_CODE,
        "pending",
        now,
    )
    .await?;
    if let Some(previous) = code.pending_action_attempt_id {
        db::action_attempts::resolve(&mut tx, previous, Err(superseded()), now).await?;
    }
    code.status = status::REMOVING.into();
    code.needs_programming_since = Some(now);
    code.pending_action_attempt_id = Some(attempt.action_attempt_id);
    db::access_codes::save(&mut tx, &code).await?;
    if let Some(backup_id) = code.pulled_backup_access_code_id {
        if let Some(mut backup) = db::access_codes::get(&mut tx, ws.workspace_id, backup_id).await?
        {
            backup.status = status::REMOVING.into();
            backup.needs_programming_since = Some(now);
            db::access_codes::save(&mut tx, &backup).await?;
        }
    }
    db::jobs::enqueue(&mut tx, device.device_id, now).await?;
    tx.commit().await?;
    Ok(attempt)
}

fn superseded() -> serde_json::Value {
    json!({ "type": "superseded", "message": "The access code was deleted before this action finished" })
}

/// A code of the workspace as stored now.
pub async fn read_back(
    conn: &mut PgConnection,
    ws: &Workspace,
    id: Uuid,
) -> ApiResult<AccessCodeRow> {
    db::access_codes::get(conn, ws.workspace_id, id)
        .await?
        .ok_or_else(|| not_found(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_code_avoids_taken_values_and_keeps_length() {
        let taken: Vec<String> = (0..9999).map(|n| format!("{n:04}")).collect();
        assert_eq!(fresh_code(&taken, 4).as_deref(), Some("9999"));
        let all: Vec<String> = (0..10).map(|n| n.to_string()).collect();
        assert_eq!(fresh_code(&all, 1), None);
        assert_eq!(fresh_code(&[], 6).map(|c| c.len()), Some(6));
    }

    #[test]
    fn window_rules() {
        let now = Utc::now();
        let h = chrono::Duration::hours(1);
        assert!(check_window(None, None, now).is_ok());
        assert!(check_window(Some(now), None, now).is_err());
        assert!(check_window(None, Some(now + h), now).is_err());
        assert!(check_window(Some(now + h), Some(now), now).is_err());
        assert!(check_window(Some(now - h - h), Some(now - h), now).is_err());
        assert!(check_window(Some(now - h), Some(now + h), now).is_ok());
    }
}
