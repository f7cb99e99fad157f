//! Unmanaged access codes: codes on a lock that were not made through the API (its keypad or
//! app), which occupy slots, and can be removed or converted to managed codes.

use uuid::Uuid;

use super::{devices, events};
use crate::db;
use crate::domain::access_code::{status, AccessCodeRow};
use crate::domain::event::event_type;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Workspace};

fn not_found(id: Uuid) -> ApiError {
    ApiError::not_found(
        "access_code_not_found",
        format!("Unmanaged access code {id} not found"),
    )
}

/// `access_codes/simulate/create_unmanaged_access_code`: a code appears on the lock as if
/// typed on its keypad. It needs a free slot and a value not already on the lock.
pub async fn simulate_create(
    state: &AppState,
    ws: &Workspace,
    device_id: Uuid,
    name: String,
    code: String,
) -> ApiResult<AccessCodeRow> {
    devices::require_sandbox(ws)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let device = devices::lock_or_404(&mut tx, ws, device_id).await?;
    if !device.holds_access_codes() {
        return Err(ApiError::bad_request(
            "device_does_not_support_access_codes",
            format!("Device {device_id} cannot hold access codes"),
        ));
    }
    let codes = db::access_codes::all_on_device(&mut tx, device_id).await?;
    if codes.iter().any(|c| c.code == code) {
        return Err(ApiError::bad_request(
            "duplicate_access_code",
            format!("Code {code} is already on device {device_id}"),
        ));
    }
    if codes.iter().filter(|c| c.is_on_lock).count() as i32 >= device.max_active_codes_supported {
        return Err(ApiError::bad_request(
            "no_space_on_device",
            format!("Device {device_id} has no free code slot"),
        ));
    }
    let mut row = db::access_codes::new_row(ws.workspace_id, device_id, code, now);
    row.name = Some(name);
    row.is_managed = false;
    row.is_on_lock = true;
    row.needs_programming_since = None;
    row.status = status::SET.into();
    db::access_codes::insert(&mut tx, &row).await?;
    db::events::insert(
        &mut tx,
        event_type::ACCESS_CODE_UNMANAGED_CREATED,
        events::for_code(&device, row.access_code_id),
        now,
    )
    .await?;
    db::jobs::enqueue(&mut tx, device_id, now).await?;
    let created = db::access_codes::get(&mut tx, ws.workspace_id, row.access_code_id)
        .await?
        .ok_or_else(|| not_found(row.access_code_id))?;
    tx.commit().await?;
    Ok(created)
}

/// Locks the device of a live unmanaged code and returns the code.
async fn lock_unmanaged(
    conn: &mut sqlx::PgConnection,
    ws: &Workspace,
    id: Uuid,
) -> ApiResult<(crate::domain::device::DeviceRow, AccessCodeRow)> {
    super::access_codes::lock_code(conn, ws, id, |c| {
        !c.is_managed && c.status != status::REMOVING
    })
    .await
}

/// `access_codes/unmanaged/convert_to_managed` (and `unmanaged/update {is_managed: true}`).
pub async fn convert_to_managed(
    state: &AppState,
    ws: &Workspace,
    id: Uuid,
    allow_external_modification: Option<bool>,
) -> ApiResult<()> {
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let (device, mut code) = lock_unmanaged(&mut tx, ws, id).await?;
    if !device.is_managed {
        return Err(ApiError::bad_request(
            "device_not_managed",
            format!(
                "Device {} is unmanaged; manage it before converting its codes",
                device.device_id
            ),
        ));
    }
    code.is_managed = true;
    if let Some(flag) = allow_external_modification {
        code.is_external_modification_allowed = flag;
    }
    db::access_codes::save(&mut tx, &code).await?;
    db::events::insert(
        &mut tx,
        event_type::ACCESS_CODE_UNMANAGED_CONVERTED_TO_MANAGED,
        events::for_code(&device, id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// `access_codes/unmanaged/update`: only external-modification flags, or conversion.
pub async fn update(
    state: &AppState,
    ws: &Workspace,
    id: Uuid,
    is_managed: bool,
    allow_external_modification: Option<bool>,
) -> ApiResult<()> {
    if is_managed {
        return convert_to_managed(state, ws, id, allow_external_modification).await;
    }
    let mut tx = state.pool.begin().await?;
    let (_, mut code) = lock_unmanaged(&mut tx, ws, id).await?;
    if let Some(flag) = allow_external_modification {
        code.is_external_modification_allowed = flag;
        db::access_codes::save(&mut tx, &code).await?;
    }
    tx.commit().await?;
    Ok(())
}
