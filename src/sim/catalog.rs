//! The virtual devices a sandbox workspace is seeded with, by a readable seed name.
//!
//! Device ids are UUIDv5 of the workspace id and the seed name, so a reset restores the
//! same ids and scripts can rely on them.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::db::devices::NewDevice;

/// One entry of the catalog.
struct Model {
    seed_name: &'static str,
    device_type: &'static str,
    name: &'static str,
    manufacturer: &'static str,
    manufacturer_display: &'static str,
    model: &'static str,
    code_lengths: &'static [i32],
    slots: i32,
    metadata_key: &'static str,
}

const LOCKS: &[Model] = &[
    Model {
        seed_name: "august_front_door",
        device_type: "august_lock",
        name: "FRONT DOOR",
        manufacturer: "august",
        manufacturer_display: "August",
        model: "Lock",
        code_lengths: &[4, 5, 6, 7, 8],
        slots: 20,
        metadata_key: "august_metadata",
    },
    Model {
        seed_name: "yale_back_door",
        device_type: "yale_lock",
        name: "BACK DOOR",
        manufacturer: "yale",
        manufacturer_display: "Yale",
        model: "Assure Lock 2",
        code_lengths: &[4, 5, 6, 7, 8],
        slots: 20,
        metadata_key: "yale_metadata",
    },
    Model {
        seed_name: "schlage_garage",
        device_type: "schlage_lock",
        name: "GARAGE",
        manufacturer: "schlage",
        manufacturer_display: "Schlage",
        model: "Encode Plus",
        code_lengths: &[4, 5, 6, 7, 8],
        slots: 30,
        metadata_key: "schlage_metadata",
    },
    Model {
        seed_name: "lockly_side_door",
        device_type: "lockly_lock",
        name: "SIDE DOOR",
        manufacturer: "lockly",
        manufacturer_display: "Lockly",
        model: "Secure Pro",
        code_lengths: &[6, 7, 8],
        slots: 30,
        metadata_key: "lockly_metadata",
    },
    Model {
        seed_name: "salto_office",
        device_type: "salto_lock",
        name: "OFFICE",
        manufacturer: "salto",
        manufacturer_display: "Salto",
        model: "XS4 One",
        code_lengths: &[4, 5, 6],
        slots: 20,
        metadata_key: "salto_metadata",
    },
];

/// Brands whose locks cannot hold a backup pool (Seam's rule).
const NO_POOL_BRANDS: &[&str] = &["lockly", "salto"];

/// The devices a sandbox workspace holds after seeding or a reset.
pub fn sandbox_devices(workspace_id: Uuid, now: DateTime<Utc>) -> Vec<NewDevice> {
    let location = json!({ "timezone": "America/Los_Angeles", "location_name": "My House" });
    let mut devices: Vec<NewDevice> = LOCKS
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let device_id = device_id(workspace_id, m.seed_name);
            let mut props = json!({
                "manufacturer": m.manufacturer,
                "model": { "display_name": m.model, "manufacturer_display_name": m.manufacturer_display },
                "battery_level": 1,
                "battery": { "level": 1, "status": "full" },
                "door_open": false,
                "serial_number": format!("{}-{:08}", m.manufacturer.to_uppercase(), 1000 + i),
                "has_native_entry_events": true,
                "code_constraints": [],
                "image_alt_text": format!("{} {}", m.manufacturer_display, m.model),
            });
            props[m.metadata_key] = json!({
                "lock_id": device_id.simple().to_string(),
                "lock_name": m.name,
                "house_id": workspace_id.simple().to_string(),
                "house_name": "My House",
                "has_keypad": true,
            });
            NewDevice {
                device_id,
                workspace_id,
                seed_name: m.seed_name.to_string(),
                device_type: m.device_type.to_string(),
                name: m.name.to_string(),
                static_properties: props,
                capabilities_supported: vec!["access_code".into(), "lock".into()],
                location: location.clone(),
                supported_code_lengths: m.code_lengths.to_vec(),
                max_active_codes_supported: m.slots,
                supports_backup_access_code_pool: !NO_POOL_BRANDS.contains(&m.manufacturer),
                created_at: now + chrono::Duration::milliseconds(i as i64),
            }
        })
        .collect();
    devices.push(thermostat(
        workspace_id,
        location,
        now + chrono::Duration::milliseconds(LOCKS.len() as i64),
    ));
    devices
}

fn thermostat(workspace_id: Uuid, location: Value, created_at: DateTime<Utc>) -> NewDevice {
    let seed_name = "ecobee_thermostat";
    NewDevice {
        device_id: device_id(workspace_id, seed_name),
        workspace_id,
        seed_name: seed_name.to_string(),
        device_type: "ecobee_thermostat".to_string(),
        name: "LIVING ROOM".to_string(),
        static_properties: json!({
            "manufacturer": "ecobee",
            "model": { "display_name": "Smart Thermostat Premium", "manufacturer_display_name": "ecobee" },
            "is_cooling": false,
            "is_heating": false,
            "is_fan_running": false,
            "temperature_fahrenheit": 70,
            "temperature_celsius": 21.1,
            "relative_humidity": 0.4,
            "ecobee_metadata": { "ecobee_device_id": "ecobee-1", "device_name": "Living Room" },
        }),
        capabilities_supported: vec!["thermostat".into()],
        location,
        supported_code_lengths: vec![],
        max_active_codes_supported: 0,
        supports_backup_access_code_pool: false,
        created_at,
    }
}

/// The deterministic id of a seeded device.
pub fn device_id(workspace_id: Uuid, seed_name: &str) -> Uuid {
    Uuid::new_v5(&workspace_id, seed_name.as_bytes())
}
