//! Devices: reads scoped to a workspace, the per-device write lock, and saving a mutated row.

use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::After;
use crate::domain::device::{DeviceRow, DEVICE_COLUMNS};

const FROM: &str = "FROM devices d JOIN workspaces w ON w.workspace_id = d.workspace_id";

/// One device of a workspace, managed or not.
pub async fn get(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    device_id: Uuid,
) -> sqlx::Result<Option<DeviceRow>> {
    one(conn, workspace_id, device_id, "").await
}

/// Takes the device's write lock and returns the row as it is under the lock.
///
/// Every transaction that changes a device or any of its codes takes this lock first, and
/// only on one device, so writers of one device are serialised and never deadlock.
pub async fn lock(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    device_id: Uuid,
) -> sqlx::Result<Option<DeviceRow>> {
    one(conn, workspace_id, device_id, "FOR NO KEY UPDATE OF d").await
}

async fn one(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    device_id: Uuid,
    locking: &str,
) -> sqlx::Result<Option<DeviceRow>> {
    sqlx::query_as(&format!(
        "SELECT {DEVICE_COLUMNS} {FROM} WHERE d.workspace_id = $1 AND d.device_id = $2 {locking}"
    ))
    .bind(workspace_id)
    .bind(device_id)
    .fetch_optional(conn)
    .await
}

/// Like [`lock`], for the worker, which knows only the device id.
pub async fn lock_any_workspace(
    conn: &mut PgConnection,
    device_id: Uuid,
) -> sqlx::Result<Option<DeviceRow>> {
    sqlx::query_as(&format!(
        "SELECT {DEVICE_COLUMNS} {FROM} WHERE d.device_id = $1 FOR NO KEY UPDATE OF d"
    ))
    .bind(device_id)
    .fetch_optional(conn)
    .await
}

/// The programming latency configured on a device, read without a lock.
pub async fn latency_ms(
    conn: &mut PgConnection,
    device_id: Uuid,
) -> sqlx::Result<Option<Option<i32>>> {
    sqlx::query_scalar("SELECT sim_latency_ms FROM devices WHERE device_id = $1")
        .bind(device_id)
        .fetch_optional(conn)
        .await
}

/// Filters of `devices/list` and `devices/unmanaged/list`.
#[derive(Debug, Default, Clone)]
pub struct DeviceFilter {
    pub is_managed: bool,
    pub device_ids: Option<Vec<Uuid>>,
    pub device_types: Option<Vec<String>>,
    pub manufacturer: Option<String>,
    pub search: Option<String>,
    pub only_locks: bool,
}

/// A page of devices in creation order, after the given position.
pub async fn list(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    filter: &DeviceFilter,
    after: Option<After>,
    limit: i64,
) -> sqlx::Result<Vec<DeviceRow>> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "SELECT {DEVICE_COLUMNS} {FROM} WHERE d.workspace_id = "
    ));
    q.push_bind(workspace_id);
    q.push(" AND d.is_managed = ").push_bind(filter.is_managed);
    if let Some(ids) = &filter.device_ids {
        q.push(" AND d.device_id = ANY(")
            .push_bind(ids.clone())
            .push(")");
    }
    if let Some(types) = &filter.device_types {
        q.push(" AND d.device_type = ANY(")
            .push_bind(types.clone())
            .push(")");
    }
    if let Some(m) = &filter.manufacturer {
        q.push(" AND d.static_properties->>'manufacturer' = ")
            .push_bind(m.clone());
    }
    if let Some(s) = &filter.search {
        let pattern = super::like_pattern(s);
        q.push(" AND (COALESCE(d.nickname, d.name) ILIKE ")
            .push_bind(pattern.clone());
        q.push(" OR d.device_id::text ILIKE ")
            .push_bind(pattern)
            .push(")");
    }
    if filter.only_locks {
        q.push(" AND 'lock' = ANY(d.capabilities_supported)");
    }
    if let Some(a) = after {
        q.push(" AND (d.created_at, d.device_id) > (")
            .push_bind(a.created_at)
            .push(", ")
            .push_bind(a.id)
            .push(")");
    }
    q.push(" ORDER BY d.created_at, d.device_id LIMIT ")
        .push_bind(limit);
    q.build_query_as().fetch_all(conn).await
}

/// Writes back every mutable column of a device locked with [`lock`].
pub async fn save(conn: &mut PgConnection, d: &DeviceRow) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE devices SET name = $2, nickname = $3, custom_metadata = $4, is_managed = $5, online = $6, \
         removed = $7, locked = $8, max_active_codes_supported = $9, backup_access_code_pool_enabled = $10, \
         sim_latency_ms = $11, sim_fail_next_attempts = $12, pool_refill_failure = $13, errors = $14, \
         warnings = $15 WHERE device_id = $1",
    )
    .bind(d.device_id)
    .bind(&d.name)
    .bind(&d.nickname)
    .bind(&d.custom_metadata)
    .bind(d.is_managed)
    .bind(d.online)
    .bind(d.removed)
    .bind(d.locked)
    .bind(d.max_active_codes_supported)
    .bind(d.backup_access_code_pool_enabled)
    .bind(d.sim_latency_ms)
    .bind(d.sim_fail_next_attempts)
    .bind(&d.pool_refill_failure)
    .bind(&d.errors)
    .bind(&d.warnings)
    .execute(conn)
    .await?;
    Ok(())
}

/// A device to insert (from the sandbox catalog).
#[derive(Debug, Clone)]
pub struct NewDevice {
    pub device_id: Uuid,
    pub workspace_id: Uuid,
    pub seed_name: String,
    pub device_type: String,
    pub name: String,
    pub static_properties: serde_json::Value,
    pub capabilities_supported: Vec<String>,
    pub location: serde_json::Value,
    pub supported_code_lengths: Vec<i32>,
    pub max_active_codes_supported: i32,
    pub supports_backup_access_code_pool: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Inserts a device unless one with the same seed name exists in its workspace.
pub async fn insert_if_missing(conn: &mut PgConnection, d: &NewDevice) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO devices (device_id, workspace_id, seed_name, device_type, name, static_properties, \
         capabilities_supported, location, supported_code_lengths, max_active_codes_supported, \
         supports_backup_access_code_pool, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT ON CONSTRAINT devices_workspace_seed_name_unique DO NOTHING",
    )
    .bind(d.device_id)
    .bind(d.workspace_id)
    .bind(&d.seed_name)
    .bind(&d.device_type)
    .bind(&d.name)
    .bind(&d.static_properties)
    .bind(&d.capabilities_supported)
    .bind(&d.location)
    .bind(&d.supported_code_lengths)
    .bind(d.max_active_codes_supported)
    .bind(d.supports_backup_access_code_pool)
    .bind(d.created_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Seed names and ids of a workspace's devices.
pub async fn seed_names(
    conn: &mut PgConnection,
    workspace_id: Uuid,
) -> sqlx::Result<Vec<(String, Uuid)>> {
    sqlx::query_as("SELECT seed_name, device_id FROM devices WHERE workspace_id = $1 ORDER BY created_at, device_id")
        .bind(workspace_id)
        .fetch_all(conn)
        .await
}

/// Puts a seeded device back as the catalog defines it (name, properties, online, managed,
/// no pool, no injected failures, no conditions). False when it does not exist.
pub async fn restore(conn: &mut PgConnection, d: &NewDevice) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE devices SET device_type = $3, name = $4, nickname = NULL, static_properties = $5, \
         capabilities_supported = $6, custom_metadata = '{}'::jsonb, location = $7, is_managed = true, \
         online = true, removed = false, locked = true, supported_code_lengths = $8, \
         max_active_codes_supported = $9, supports_backup_access_code_pool = $10, \
         backup_access_code_pool_enabled = false, sim_latency_ms = NULL, sim_fail_next_attempts = 0, \
         pool_refill_failure = NULL, errors = '[]'::jsonb, warnings = '[]'::jsonb \
         WHERE workspace_id = $1 AND device_id = $2",
    )
    .bind(d.workspace_id)
    .bind(d.device_id)
    .bind(&d.device_type)
    .bind(&d.name)
    .bind(&d.static_properties)
    .bind(&d.capabilities_supported)
    .bind(&d.location)
    .bind(&d.supported_code_lengths)
    .bind(d.max_active_codes_supported)
    .bind(d.supports_backup_access_code_pool)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
