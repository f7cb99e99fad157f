//! Action attempts: the record of an asynchronous request and how it ended.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

/// Seam's action types used here.
pub mod action_type {
    /// `access_codes/create`.
    pub const CREATE_ACCESS_CODE: &str = "CREATE_ACCESS_CODE";
    /// `access_codes/update`.
    pub const UPDATE_ACCESS_CODE: &str = "UPDATE_ACCESS_CODE";
    /// `access_codes/delete`.
    pub const DELETE_ACCESS_CODE: &str = "DELETE_ACCESS_CODE";
    /// `workspaces/reset_sandbox`.
    pub const RESET_SANDBOX_WORKSPACE: &str = "RESET_SANDBOX_WORKSPACE";
}

/// One action attempt row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActionAttemptRow {
    pub action_attempt_id: Uuid,
    pub workspace_id: Uuid,
    pub action_type: String,
    pub status: String,
    pub result: Option<Value>,
    pub error: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ActionAttemptRow {
    /// Seam's `action_attempt` object: `result` and `error` are null while pending.
    pub fn to_json(&self) -> Value {
        json!({
            "action_attempt_id": self.action_attempt_id,
            "action_type": self.action_type,
            "status": self.status,
            "result": if self.status == "success" { self.result.clone().unwrap_or(json!({})) } else { Value::Null },
            "error": if self.status == "error" { self.error.clone() } else { None },
        })
    }
}
