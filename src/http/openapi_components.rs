//! Schemas of the objects this server returns, for its OpenAPI document.

use serde_json::{json, Value};

fn object(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": properties })
}

fn condition(code_key: &str) -> Value {
    json!({ "type": "array", "items": object(&[code_key, "message"], json!({
        code_key: { "type": "string" },
        "message": { "type": "string" },
        "created_at": { "type": "string", "format": "date-time" },
    })) })
}

fn nullable(schema: Value) -> Value {
    let mut s = schema;
    s["nullable"] = Value::Bool(true);
    s
}

/// `components` of the document: object schemas, the error response, the key scheme.
pub fn components() -> Value {
    let uuid = json!({ "type": "string", "format": "uuid" });
    let time = json!({ "type": "string", "format": "date-time" });
    let string = json!({ "type": "string" });
    let boolean = json!({ "type": "boolean" });
    let device = object(
        &[
            "device_id",
            "workspace_id",
            "connected_account_id",
            "device_type",
            "display_name",
            "capabilities_supported",
            "properties",
            "errors",
            "warnings",
            "custom_metadata",
            "is_managed",
            "created_at",
        ],
        json!({
            "device_id": uuid, "workspace_id": uuid, "connected_account_id": uuid, "device_type": string,
            "display_name": string, "nickname": string,
            "space_ids": { "type": "array", "items": uuid },
            "capabilities_supported": { "type": "array", "items": string },
            "properties": object(&["online", "name", "appearance", "model"], json!({
                "online": boolean, "name": string, "appearance": object(&["name"], json!({ "name": string })),
                "model": object(&["display_name", "manufacturer_display_name"], json!({ "display_name": string, "manufacturer_display_name": string })),
                "manufacturer": string, "locked": boolean, "battery_level": { "type": "number" },
                "supported_code_lengths": { "type": "array", "items": { "type": "integer" } },
                "max_active_codes_supported": { "type": "integer" },
                "supports_backup_access_code_pool": boolean, "backup_access_code_pool_enabled": boolean,
            })),
            "location": nullable(json!({ "type": "object" })),
            "errors": condition("error_code"), "warnings": condition("warning_code"),
            "custom_metadata": { "type": "object" }, "is_managed": boolean, "created_at": time,
            "can_program_online_access_codes": boolean, "can_remotely_lock": boolean, "can_remotely_unlock": boolean,
            "can_simulate_connection": boolean, "can_simulate_disconnection": boolean, "can_simulate_removal": boolean,
        }),
    );
    let access_code = object(
        &[
            "access_code_id",
            "device_id",
            "workspace_id",
            "name",
            "code",
            "common_code_key",
            "type",
            "status",
            "created_at",
            "errors",
            "warnings",
            "is_managed",
        ],
        json!({
            "access_code_id": uuid, "device_id": uuid, "workspace_id": uuid, "name": nullable(string.clone()),
            "code": nullable(string.clone()), "common_code_key": nullable(string.clone()),
            "type": { "type": "string", "enum": ["time_bound", "ongoing"] },
            "status": { "type": "string", "enum": ["setting", "set", "unset", "removing", "unknown"] },
            "starts_at": nullable(time.clone()), "ends_at": nullable(time.clone()), "created_at": time,
            "errors": condition("error_code"), "warnings": condition("warning_code"),
            "pending_mutations": { "type": "array", "items": { "type": "object" } },
            "is_managed": boolean, "is_backup": boolean, "is_backup_access_code_available": boolean,
            "pulled_backup_access_code_id": nullable(uuid.clone()), "is_scheduled_on_device": boolean,
            "is_waiting_for_code_assignment": boolean, "is_external_modification_allowed": boolean,
            "is_one_time_use": boolean, "is_offline_access_code": boolean,
            "appearance": nullable(json!({ "type": "object" })),
        }),
    );
    json!({
        "securitySchemes": { "api_key": { "type": "http", "scheme": "bearer", "description": "An API key starting with seam_" } },
        "responses": {
            "error": {
                "description": "Seam's error envelope",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/error" } } }
            }
        },
        "schemas": {
            "device": device,
            "unmanaged_device": object(&["device_id", "device_type", "properties", "is_managed"], json!({
                "device_id": uuid, "device_type": string, "properties": { "type": "object" }, "is_managed": boolean,
            })),
            "access_code": access_code,
            "action_attempt": object(&["action_attempt_id", "action_type", "status", "result", "error"], json!({
                "action_attempt_id": uuid, "action_type": string,
                "status": { "type": "string", "enum": ["pending", "success", "error"] },
                "result": nullable(json!({ "type": "object" })), "error": nullable(json!({ "type": "object" })),
            })),
            "event": object(&["event_id", "event_type", "workspace_id", "created_at", "occurred_at"], json!({
                "event_id": uuid, "event_type": string, "workspace_id": uuid, "created_at": time, "occurred_at": time,
                "device_id": uuid, "access_code_id": uuid, "backup_access_code_id": uuid, "connected_account_id": uuid,
            })),
            "workspace": object(&["workspace_id", "name", "is_sandbox"], json!({ "workspace_id": uuid, "name": string, "is_sandbox": boolean })),
            "webhook": object(&["webhook_id", "url"], json!({ "webhook_id": string, "url": string, "event_types": { "type": "array", "items": string }, "secret": string })),
            "generated_code": object(&["device_id", "code"], json!({ "device_id": uuid, "code": string })),
            "pagination": object(&["has_next_page", "next_page_cursor", "next_page_url"], json!({
                "has_next_page": boolean, "next_page_cursor": nullable(string.clone()), "next_page_url": nullable(string.clone()),
            })),
            "error": object(&["error", "ok"], json!({
                "ok": boolean,
                "error": object(&["type", "message"], json!({ "type": string, "message": string, "validation_errors": { "type": "object" } })),
            })),
        }
    })
}
