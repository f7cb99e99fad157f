//! A device as stored, and its rendering as Seam's `device` (and unmanaged device) object.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::clock::format_ts;

/// The columns every device query selects, in [`DeviceRow`]'s order.
pub const DEVICE_COLUMNS: &str =
    "d.device_id, d.workspace_id, d.seed_name, d.device_type, d.name, \
    d.nickname, d.static_properties, d.capabilities_supported, d.custom_metadata, d.location, \
    d.is_managed, d.online, d.removed, d.locked, d.supported_code_lengths, \
    d.max_active_codes_supported, d.supports_backup_access_code_pool, \
    d.backup_access_code_pool_enabled, d.sim_latency_ms, d.sim_fail_next_attempts, \
    d.pool_refill_failure, d.errors, d.warnings, d.created_at, w.connected_account_id";

/// One device row, with the workspace's connected account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeviceRow {
    pub device_id: Uuid,
    pub workspace_id: Uuid,
    pub seed_name: String,
    pub device_type: String,
    pub name: String,
    pub nickname: Option<String>,
    pub static_properties: Value,
    pub capabilities_supported: Vec<String>,
    pub custom_metadata: Value,
    pub location: Option<Value>,
    pub is_managed: bool,
    pub online: bool,
    pub removed: bool,
    pub locked: bool,
    pub supported_code_lengths: Vec<i32>,
    pub max_active_codes_supported: i32,
    pub supports_backup_access_code_pool: bool,
    pub backup_access_code_pool_enabled: bool,
    pub sim_latency_ms: Option<i32>,
    pub sim_fail_next_attempts: i32,
    pub pool_refill_failure: Option<String>,
    pub errors: Value,
    pub warnings: Value,
    pub created_at: DateTime<Utc>,
    pub connected_account_id: Uuid,
}

impl DeviceRow {
    /// Whether the device can hold access codes at all.
    pub fn holds_access_codes(&self) -> bool {
        self.capabilities_supported
            .iter()
            .any(|c| c == "access_code")
    }

    fn has_capability(&self, name: &str) -> bool {
        self.capabilities_supported.iter().any(|c| c == name)
    }

    fn display_name(&self) -> &str {
        self.nickname.as_deref().unwrap_or(&self.name)
    }

    fn base_properties(&self) -> Map<String, Value> {
        let mut props = match &self.static_properties {
            Value::Object(map) => map.clone(),
            _ => Map::new(),
        };
        props.insert("online".into(), Value::Bool(self.online));
        props.insert(
            "name".into(),
            Value::String(self.display_name().to_string()),
        );
        props.insert("appearance".into(), json!({ "name": self.display_name() }));
        props
    }

    fn can_flags(&self, obj: &mut Map<String, Value>) {
        let locks = self.has_capability("lock");
        let codes = self.holds_access_codes();
        for (flag, value) in [
            ("can_program_online_access_codes", codes),
            ("can_remotely_lock", locks),
            ("can_remotely_unlock", locks),
            ("can_simulate_connection", true),
            ("can_simulate_disconnection", true),
            ("can_simulate_removal", true),
        ] {
            if value {
                obj.insert(flag.into(), Value::Bool(true));
            }
        }
    }

    /// Seam's managed `device` object.
    pub fn to_json(&self) -> Value {
        let mut props = self.base_properties();
        if self.has_capability("lock") {
            props.insert("locked".into(), Value::Bool(self.locked));
        }
        if self.holds_access_codes() {
            props.insert(
                "supported_code_lengths".into(),
                json!(self.supported_code_lengths),
            );
            props.insert(
                "max_active_codes_supported".into(),
                json!(self.max_active_codes_supported),
            );
            props.insert(
                "supports_backup_access_code_pool".into(),
                Value::Bool(self.supports_backup_access_code_pool),
            );
            props.insert(
                "backup_access_code_pool_enabled".into(),
                Value::Bool(self.backup_access_code_pool_enabled),
            );
        }
        let mut obj = Map::new();
        obj.insert("device_id".into(), json!(self.device_id));
        obj.insert("workspace_id".into(), json!(self.workspace_id));
        obj.insert(
            "connected_account_id".into(),
            json!(self.connected_account_id),
        );
        obj.insert("device_type".into(), json!(self.device_type));
        obj.insert("display_name".into(), json!(self.display_name()));
        if let Some(nickname) = &self.nickname {
            obj.insert("nickname".into(), json!(nickname));
        }
        obj.insert("space_ids".into(), json!([]));
        obj.insert(
            "capabilities_supported".into(),
            json!(self.capabilities_supported),
        );
        obj.insert("properties".into(), Value::Object(props));
        obj.insert(
            "location".into(),
            self.location.clone().unwrap_or(Value::Null),
        );
        obj.insert("errors".into(), self.errors.clone());
        obj.insert("warnings".into(), self.warnings.clone());
        obj.insert("custom_metadata".into(), self.custom_metadata.clone());
        obj.insert("is_managed".into(), Value::Bool(true));
        obj.insert("created_at".into(), json!(format_ts(self.created_at)));
        self.can_flags(&mut obj);
        Value::Object(obj)
    }

    /// Seam's reduced `unmanaged_device` object.
    pub fn to_unmanaged_json(&self) -> Value {
        let full = self.base_properties();
        let mut props = Map::new();
        for key in [
            "name",
            "online",
            "manufacturer",
            "image_url",
            "image_alt_text",
            "model",
            "appearance",
        ] {
            if let Some(v) = full.get(key) {
                props.insert(key.into(), v.clone());
            }
        }
        let mut obj = Map::new();
        obj.insert("device_id".into(), json!(self.device_id));
        obj.insert("workspace_id".into(), json!(self.workspace_id));
        obj.insert(
            "connected_account_id".into(),
            json!(self.connected_account_id),
        );
        obj.insert("device_type".into(), json!(self.device_type));
        obj.insert(
            "capabilities_supported".into(),
            json!(self.capabilities_supported),
        );
        obj.insert("properties".into(), Value::Object(props));
        obj.insert(
            "location".into(),
            self.location.clone().unwrap_or(Value::Null),
        );
        obj.insert("errors".into(), self.errors.clone());
        obj.insert("warnings".into(), self.warnings.clone());
        obj.insert("is_managed".into(), Value::Bool(false));
        obj.insert("created_at".into(), json!(format_ts(self.created_at)));
        self.can_flags(&mut obj);
        Value::Object(obj)
    }
}
