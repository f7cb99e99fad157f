//! The rules: each operation runs in one transaction that locks the device it changes first.

pub mod access_codes;
pub mod backup_pool;
pub mod devices;
pub mod events;
pub mod reads;
pub mod sandbox;
pub mod unmanaged_codes;
pub mod webhooks;

use chrono::{DateTime, Utc};

/// Milliseconds as a chrono duration.
pub fn ms(n: i64) -> chrono::Duration {
    chrono::Duration::milliseconds(n)
}

/// The earlier of two optional instants.
pub fn earliest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}
