//! Access codes: scoped reads, the whole-device read the reconciler works from, inserts and
//! saving a mutated row.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::After;
use crate::domain::access_code::{
    fill_pool_facts, AccessCodeRow, ACCESS_CODE_COLUMNS, ACCESS_CODE_COLUMNS_WITHOUT_POOL_FACTS,
};

const FROM: &str = "FROM access_codes ac JOIN devices d ON d.device_id = ac.device_id";

/// One code of a workspace by id, managed or not.
pub async fn get(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<AccessCodeRow>> {
    sqlx::query_as(&format!(
        "SELECT {ACCESS_CODE_COLUMNS} {FROM} WHERE ac.workspace_id = $1 AND ac.access_code_id = $2"
    ))
    .bind(workspace_id)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The device a code of this workspace is on, without a lock (to know which device to lock).
pub async fn device_of(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar(
        "SELECT device_id FROM access_codes WHERE workspace_id = $1 AND access_code_id = $2",
    )
    .bind(workspace_id)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Every code on a device, in creation order (for the reconciler and the pool).
pub async fn all_on_device(
    conn: &mut PgConnection,
    device_id: Uuid,
) -> sqlx::Result<Vec<AccessCodeRow>> {
    let mut codes: Vec<AccessCodeRow> = sqlx::query_as(&format!(
        "SELECT {ACCESS_CODE_COLUMNS_WITHOUT_POOL_FACTS} {FROM} WHERE ac.device_id = $1 \
         ORDER BY ac.created_at, ac.access_code_id"
    ))
    .bind(device_id)
    .fetch_all(conn)
    .await?;
    fill_pool_facts(&mut codes);
    Ok(codes)
}

/// Whether a code value is taken on a device.
pub async fn code_taken(
    conn: &mut PgConnection,
    device_id: Uuid,
    code: &str,
    except: Option<Uuid>,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM access_codes WHERE device_id = $1 AND code = $2 \
         AND access_code_id IS DISTINCT FROM $3)",
    )
    .bind(device_id)
    .bind(code)
    .bind(except)
    .fetch_one(conn)
    .await
}

/// Every code value on a device (to generate a fresh one).
pub async fn codes_on_device(
    conn: &mut PgConnection,
    device_id: Uuid,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT code FROM access_codes WHERE device_id = $1")
        .bind(device_id)
        .fetch_all(conn)
        .await
}

/// Filters of `access_codes/list`.
#[derive(Debug, Default, Clone)]
pub struct CodeFilter {
    pub is_managed: bool,
    pub device_id: Option<Uuid>,
    pub access_code_ids: Option<Vec<Uuid>>,
    pub code: Option<String>,
    /// Partial match on name, code or id.
    pub search: Option<String>,
}

/// A page of listed codes in creation order. Unpulled backups are never listed.
pub async fn list(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    filter: &CodeFilter,
    after: Option<After>,
    limit: i64,
) -> sqlx::Result<Vec<AccessCodeRow>> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "SELECT {ACCESS_CODE_COLUMNS} {FROM} WHERE ac.workspace_id = "
    ));
    q.push_bind(workspace_id);
    q.push(" AND ac.is_managed = ").push_bind(filter.is_managed);
    q.push(" AND NOT (ac.is_backup AND ac.backup_for_access_code_id IS NULL)");
    if let Some(device_id) = filter.device_id {
        q.push(" AND ac.device_id = ").push_bind(device_id);
    }
    if let Some(ids) = &filter.access_code_ids {
        q.push(" AND ac.access_code_id = ANY(")
            .push_bind(ids.clone())
            .push(")");
    }
    if let Some(code) = &filter.code {
        q.push(" AND ac.code = ").push_bind(code.clone());
    }
    if let Some(s) = &filter.search {
        let pattern = super::like_pattern(s);
        q.push(" AND (ac.name ILIKE ").push_bind(pattern.clone());
        q.push(" OR ac.code ILIKE ").push_bind(pattern.clone());
        q.push(" OR ac.access_code_id::text ILIKE ")
            .push_bind(pattern)
            .push(")");
    }
    if let Some(a) = after {
        q.push(" AND (ac.created_at, ac.access_code_id) > (")
            .push_bind(a.created_at)
            .push(", ")
            .push_bind(a.id)
            .push(")");
    }
    q.push(" ORDER BY ac.created_at, ac.access_code_id LIMIT ")
        .push_bind(limit);
    let mut rows: Vec<AccessCodeRow> = q.build_query_as().fetch_all(&mut *conn).await?;
    attach_pool_facts(conn, &mut rows).await?;
    Ok(rows)
}

/// Fills the pool facts of listed codes with two lookups for the whole page.
async fn attach_pool_facts(
    conn: &mut PgConnection,
    rows: &mut [AccessCodeRow],
) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.access_code_id).collect();
    let mut devices: Vec<Uuid> = rows.iter().map(|r| r.device_id).collect();
    devices.sort();
    devices.dedup();
    let links: std::collections::HashMap<Uuid, Uuid> = sqlx::query_as(
        "SELECT backup_for_access_code_id, access_code_id FROM access_codes WHERE backup_for_access_code_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    let ready: Vec<Uuid> = sqlx::query_scalar(
        "SELECT DISTINCT device_id FROM access_codes WHERE device_id = ANY($1) AND is_backup \
         AND backup_for_access_code_id IS NULL AND status = 'set'",
    )
    .bind(&devices)
    .fetch_all(conn)
    .await?;
    for r in rows.iter_mut() {
        r.pulled_backup_access_code_id = links.get(&r.access_code_id).copied();
        r.pool_has_ready = ready.contains(&r.device_id);
    }
    Ok(())
}

/// Inserts a new code row (the computed columns of the row are ignored).
pub async fn insert(conn: &mut PgConnection, c: &AccessCodeRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO access_codes (access_code_id, workspace_id, device_id, name, code, common_code_key, \
         starts_at, ends_at, status, is_managed, is_backup, backup_for_access_code_id, pulled_at, \
         is_external_modification_allowed, is_one_time_use, is_offline_access_code, is_on_lock, \
         needs_programming_since, programming_failure, pending_action_attempt_id, errors, warnings, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)",
    )
    .bind(c.access_code_id)
    .bind(c.workspace_id)
    .bind(c.device_id)
    .bind(&c.name)
    .bind(&c.code)
    .bind(&c.common_code_key)
    .bind(c.starts_at)
    .bind(c.ends_at)
    .bind(&c.status)
    .bind(c.is_managed)
    .bind(c.is_backup)
    .bind(c.backup_for_access_code_id)
    .bind(c.pulled_at)
    .bind(c.is_external_modification_allowed)
    .bind(c.is_one_time_use)
    .bind(c.is_offline_access_code)
    .bind(c.is_on_lock)
    .bind(c.needs_programming_since)
    .bind(&c.programming_failure)
    .bind(c.pending_action_attempt_id)
    .bind(&c.errors)
    .bind(&c.warnings)
    .bind(c.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes back every mutable column of a code whose device is locked.
pub async fn save(conn: &mut PgConnection, c: &AccessCodeRow) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE access_codes SET name = $2, code = $3, starts_at = $4, ends_at = $5, status = $6, \
         is_managed = $7, backup_for_access_code_id = $8, pulled_at = $9, \
         is_external_modification_allowed = $10, is_on_lock = $11, needs_programming_since = $12, \
         programming_failure = $13, pending_action_attempt_id = $14, errors = $15, warnings = $16 \
         WHERE access_code_id = $1",
    )
    .bind(c.access_code_id)
    .bind(&c.name)
    .bind(&c.code)
    .bind(c.starts_at)
    .bind(c.ends_at)
    .bind(&c.status)
    .bind(c.is_managed)
    .bind(c.backup_for_access_code_id)
    .bind(c.pulled_at)
    .bind(c.is_external_modification_allowed)
    .bind(c.is_on_lock)
    .bind(c.needs_programming_since)
    .bind(&c.programming_failure)
    .bind(c.pending_action_attempt_id)
    .bind(&c.errors)
    .bind(&c.warnings)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes a code row for good (after it left the lock).
pub async fn delete(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM access_codes WHERE access_code_id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A fresh in-memory row with Seam's defaults, for inserting.
pub fn new_row(
    workspace_id: Uuid,
    device_id: Uuid,
    code: String,
    now: DateTime<Utc>,
) -> AccessCodeRow {
    AccessCodeRow {
        access_code_id: Uuid::new_v4(),
        workspace_id,
        device_id,
        name: None,
        code,
        common_code_key: None,
        starts_at: None,
        ends_at: None,
        status: crate::domain::access_code::status::SETTING.to_string(),
        is_managed: true,
        is_backup: false,
        backup_for_access_code_id: None,
        pulled_at: None,
        is_external_modification_allowed: false,
        is_one_time_use: false,
        is_offline_access_code: false,
        is_on_lock: false,
        needs_programming_since: Some(now),
        programming_failure: None,
        pending_action_attempt_id: None,
        errors: serde_json::json!([]),
        warnings: serde_json::json!([]),
        created_at: now,
        pool_enabled: false,
        pulled_backup_access_code_id: None,
        pool_has_ready: false,
    }
}
