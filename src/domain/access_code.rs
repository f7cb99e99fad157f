//! An access code as stored, and its rendering as Seam's `access_code` object.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::clock::SeamTime;
use uuid::Uuid;

/// Where a code stands with its lock, as Seam names it.
pub mod status {
    /// Waiting to be programmed (or reprogrammed) on the lock.
    pub const SETTING: &str = "setting";
    /// On the lock and active.
    pub const SET: &str = "set";
    /// Not active: scheduled on the lock for a later `starts_at`, or not yet programmed.
    pub const UNSET: &str = "unset";
    /// Being removed from the lock (deleted, or its `ends_at` passed).
    pub const REMOVING: &str = "removing";
}

/// The stored columns of a code, with its device's pool switch; expects the table aliased
/// `ac` and its device joined as `d`.
macro_rules! stored_columns {
    () => {
        "ac.access_code_id, ac.workspace_id, ac.device_id, ac.name, \
    ac.code, ac.common_code_key, ac.starts_at, ac.ends_at, ac.status, ac.is_managed, ac.is_backup, \
    ac.backup_for_access_code_id, ac.pulled_at, ac.is_external_modification_allowed, \
    ac.is_one_time_use, ac.is_offline_access_code, ac.is_on_lock, ac.needs_programming_since, \
    ac.programming_failure, ac.pending_action_attempt_id, ac.errors, ac.warnings, ac.created_at, \
    d.backup_access_code_pool_enabled AS pool_enabled"
    };
}

/// The columns of a single-code read, in [`AccessCodeRow`]'s order, with the pool facts
/// computed by subqueries.
pub const ACCESS_CODE_COLUMNS: &str = concat!(
    stored_columns!(),
    ", (SELECT b.access_code_id FROM access_codes b WHERE b.backup_for_access_code_id = ac.access_code_id) \
        AS pulled_backup_access_code_id, \
    EXISTS (SELECT 1 FROM access_codes r WHERE r.device_id = ac.device_id AND r.is_backup \
        AND r.backup_for_access_code_id IS NULL AND r.status = 'set') AS pool_has_ready"
);

/// The columns of a many-code read: the pool facts are left blank here and filled by
/// [`fill_pool_facts`] (or the list query's own lookups), which is much cheaper than two
/// subqueries per row.
pub const ACCESS_CODE_COLUMNS_WITHOUT_POOL_FACTS: &str = concat!(
    stored_columns!(),
    ", NULL::uuid AS pulled_backup_access_code_id, false AS pool_has_ready"
);

/// Fills the pool facts of every code of one device, given all of that device's codes.
pub fn fill_pool_facts(codes: &mut [AccessCodeRow]) {
    let has_ready = codes
        .iter()
        .any(|c| c.is_unpulled_backup() && c.status == status::SET);
    let links: std::collections::HashMap<Uuid, Uuid> = codes
        .iter()
        .filter_map(|c| c.backup_for_access_code_id.map(|o| (o, c.access_code_id)))
        .collect();
    for c in codes.iter_mut() {
        c.pool_has_ready = has_ready;
        c.pulled_backup_access_code_id = links.get(&c.access_code_id).copied();
    }
}

/// One access-code row, with what its rendering needs from its device and pool.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AccessCodeRow {
    pub access_code_id: Uuid,
    pub workspace_id: Uuid,
    pub device_id: Uuid,
    pub name: Option<String>,
    pub code: String,
    pub common_code_key: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub status: String,
    pub is_managed: bool,
    pub is_backup: bool,
    pub backup_for_access_code_id: Option<Uuid>,
    pub pulled_at: Option<DateTime<Utc>>,
    pub is_external_modification_allowed: bool,
    pub is_one_time_use: bool,
    pub is_offline_access_code: bool,
    pub is_on_lock: bool,
    pub needs_programming_since: Option<DateTime<Utc>>,
    pub programming_failure: Option<String>,
    pub pending_action_attempt_id: Option<Uuid>,
    pub errors: Value,
    pub warnings: Value,
    pub created_at: DateTime<Utc>,
    pub pool_enabled: bool,
    pub pulled_backup_access_code_id: Option<Uuid>,
    pub pool_has_ready: bool,
}

/// The name Seam gives a backup code, which is also what the lock's app shows.
pub fn backup_name(access_code_id: Uuid) -> String {
    format!("Backup {access_code_id} (Seam)")
}

impl AccessCodeRow {
    /// `time_bound` when the code has a window, `ongoing` otherwise.
    pub fn code_type(&self) -> &'static str {
        if self.ends_at.is_some() {
            "time_bound"
        } else {
            "ongoing"
        }
    }

    /// An unpulled backup sitting in its device's pool.
    pub fn is_unpulled_backup(&self) -> bool {
        self.is_backup && self.backup_for_access_code_id.is_none()
    }

    /// Seam's rule: a managed, time-bound primary code on a pool-enabled device that already
    /// holds a pulled backup or could pull a ready one now.
    pub fn is_backup_access_code_available(&self) -> bool {
        self.is_managed
            && !self.is_backup
            && self.ends_at.is_some()
            && self.pool_enabled
            && (self.pulled_backup_access_code_id.is_some() || self.pool_has_ready)
    }

    /// Seam's `access_code` object as a JSON value (see [`AccessCodeRow::view`]).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self.view()).unwrap_or(Value::Null)
    }

    /// Seam's `access_code` object (the unmanaged variant when the code is not managed), ready
    /// to serialise without building an intermediate JSON tree: lists render many of them.
    pub fn view(&self) -> AccessCodeView<'_> {
        let appearance = self.is_backup.then(|| {
            let name = self.name.as_deref().unwrap_or_default();
            Appearance {
                name,
                first_name: "Backup",
                last_name: name.strip_prefix("Backup ").unwrap_or(name),
            }
        });
        AccessCodeView {
            access_code_id: self.access_code_id,
            device_id: self.device_id,
            workspace_id: self.workspace_id,
            name: self.name.as_deref(),
            appearance,
            code: &self.code,
            common_code_key: self.common_code_key.as_deref(),
            code_type: self.code_type(),
            status: &self.status,
            starts_at: self.starts_at.map(SeamTime),
            ends_at: self.ends_at.map(SeamTime),
            created_at: SeamTime(self.created_at),
            errors: &self.errors,
            warnings: &self.warnings,
            is_managed: self.is_managed,
            managed: self.is_managed.then(|| ManagedFields {
                pending_mutations: [],
                is_backup: self.is_backup,
                is_backup_access_code_available: self.is_backup_access_code_available(),
                pulled_backup_access_code_id: self.pulled_backup_access_code_id,
                is_scheduled_on_device: self.status == status::UNSET && self.is_on_lock,
                is_waiting_for_code_assignment: false,
                is_external_modification_allowed: self.is_external_modification_allowed,
                is_one_time_use: self.is_one_time_use,
                is_offline_access_code: self.is_offline_access_code,
            }),
        }
    }
}

/// How a backup code is named in the lock's app.
#[derive(Debug, serde::Serialize)]
pub struct Appearance<'a> {
    name: &'a str,
    first_name: &'static str,
    last_name: &'a str,
}

/// The fields only managed codes carry.
#[derive(Debug, serde::Serialize)]
pub struct ManagedFields {
    pending_mutations: [(); 0],
    is_backup: bool,
    is_backup_access_code_available: bool,
    pulled_backup_access_code_id: Option<Uuid>,
    is_scheduled_on_device: bool,
    is_waiting_for_code_assignment: bool,
    is_external_modification_allowed: bool,
    is_one_time_use: bool,
    is_offline_access_code: bool,
}

/// Seam's `access_code` object, borrowing from its row.
#[derive(Debug, serde::Serialize)]
pub struct AccessCodeView<'a> {
    access_code_id: Uuid,
    device_id: Uuid,
    workspace_id: Uuid,
    name: Option<&'a str>,
    appearance: Option<Appearance<'a>>,
    code: &'a str,
    common_code_key: Option<&'a str>,
    #[serde(rename = "type")]
    code_type: &'static str,
    status: &'a str,
    starts_at: Option<SeamTime>,
    ends_at: Option<SeamTime>,
    created_at: SeamTime,
    errors: &'a Value,
    warnings: &'a Value,
    is_managed: bool,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    managed: Option<ManagedFields>,
}
