//! Building the events a device or code change writes.

use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::db::events::NewEvent;
use crate::domain::access_code::AccessCodeRow;
use crate::domain::device::DeviceRow;

/// An event about a device.
pub fn for_device(device: &DeviceRow) -> NewEvent {
    NewEvent {
        workspace_id: device.workspace_id,
        connected_account_id: device.connected_account_id,
        device_id: Some(device.device_id),
        access_code_id: None,
        extra: Map::new(),
    }
}

/// An event about one code on a device.
pub fn for_code(device: &DeviceRow, code_id: Uuid) -> NewEvent {
    NewEvent {
        access_code_id: Some(code_id),
        ..for_device(device)
    }
}

/// An event about one code, carrying more keys.
pub fn for_code_with(device: &DeviceRow, code_id: Uuid, extra: Value) -> NewEvent {
    with_extra(for_code(device, code_id), extra)
}

/// An event about a device, carrying more keys.
pub fn for_device_with(device: &DeviceRow, extra: Value) -> NewEvent {
    with_extra(for_device(device), extra)
}

fn with_extra(mut e: NewEvent, extra: Value) -> NewEvent {
    if let Value::Object(map) = extra {
        e.extra = map;
    }
    e
}

/// The error and warning snapshots Seam attaches to delay and failure events.
pub fn condition_snapshot(device: &DeviceRow, code: &AccessCodeRow) -> Value {
    json!({
        "access_code_errors": code.errors,
        "access_code_warnings": code.warnings,
        "device_errors": device.errors,
        "device_warnings": device.warnings,
        "connected_account_errors": [],
        "connected_account_warnings": [],
    })
}
