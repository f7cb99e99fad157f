//! Seam event types emitted by this server.

/// Every `event_type` this server writes.
pub mod event_type {
    pub const ACCESS_CODE_CREATED: &str = "access_code.created";
    pub const ACCESS_CODE_CHANGED: &str = "access_code.changed";
    pub const ACCESS_CODE_SCHEDULED_ON_DEVICE: &str = "access_code.scheduled_on_device";
    pub const ACCESS_CODE_SET_ON_DEVICE: &str = "access_code.set_on_device";
    pub const ACCESS_CODE_REMOVED_FROM_DEVICE: &str = "access_code.removed_from_device";
    pub const ACCESS_CODE_DELETED: &str = "access_code.deleted";
    pub const ACCESS_CODE_DELAY_IN_SETTING_ON_DEVICE: &str =
        "access_code.delay_in_setting_on_device";
    pub const ACCESS_CODE_FAILED_TO_SET_ON_DEVICE: &str = "access_code.failed_to_set_on_device";
    pub const ACCESS_CODE_BACKUP_PULLED: &str = "access_code.backup_access_code_pulled";
    pub const ACCESS_CODE_UNMANAGED_CREATED: &str = "access_code.unmanaged.created";
    pub const ACCESS_CODE_UNMANAGED_CONVERTED_TO_MANAGED: &str =
        "access_code.unmanaged.converted_to_managed";
    pub const DEVICE_CONNECTED: &str = "device.connected";
    pub const DEVICE_DISCONNECTED: &str = "device.disconnected";
    pub const DEVICE_REMOVED: &str = "device.removed";
    pub const DEVICE_CONVERTED_TO_UNMANAGED: &str = "device.converted_to_unmanaged";
    pub const DEVICE_CONVERTED_TO_MANAGED: &str = "device.converted_to_managed";
}
