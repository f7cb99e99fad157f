//! One virtual lock during a reconcile pass: its slots, reachability and injected failures.
//!
//! What is physically on the lock is persisted as `access_codes.is_on_lock`; this type only
//! decides whether each operation succeeds, and counts slots while a pass runs.

use crate::domain::device::DeviceRow;

/// Why a lock refused an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockFailure {
    /// The lock does not answer (`devices/simulate/disconnect`).
    Offline,
    /// The lock was removed from its account (`devices/simulate/remove`).
    Removed,
    /// A failure injected through `/_fake/devices/fail_next_attempts`.
    Injected,
    /// Every code slot of the lock is taken.
    NoSpace,
}

impl LockFailure {
    /// Stable name stored on codes and devices.
    pub fn as_str(self) -> &'static str {
        match self {
            LockFailure::Offline => "device_offline",
            LockFailure::Removed => "device_removed",
            LockFailure::Injected => "lock_error",
            LockFailure::NoSpace => "no_space",
        }
    }

    /// Whether retrying later can help without any outside change. Offline, removed and full
    /// locks change only through requests that enqueue the device again.
    pub fn retries_by_itself(self) -> bool {
        matches!(self, LockFailure::Injected)
    }

    /// Human-readable reason.
    pub fn message(self) -> &'static str {
        match self {
            LockFailure::Offline => "the lock is offline",
            LockFailure::Removed => "the lock was removed from its account",
            LockFailure::Injected => "the lock reported an error while programming",
            LockFailure::NoSpace => "the lock has no free slot for another code",
        }
    }
}

/// A lock as seen during one pass.
#[derive(Debug)]
pub struct VirtualLock<'a> {
    device: &'a mut DeviceRow,
    used_slots: i32,
}

impl<'a> VirtualLock<'a> {
    /// Wraps a locked device row and the number of codes currently on it.
    pub fn new(device: &'a mut DeviceRow, used_slots: i32) -> Self {
        VirtualLock { device, used_slots }
    }

    fn reach(&mut self) -> Result<(), LockFailure> {
        if self.device.removed {
            return Err(LockFailure::Removed);
        }
        if !self.device.online {
            return Err(LockFailure::Offline);
        }
        if self.device.sim_fail_next_attempts > 0 {
            self.device.sim_fail_next_attempts -= 1;
            return Err(LockFailure::Injected);
        }
        Ok(())
    }

    /// Free slots right now.
    pub fn free_slots(&self) -> i32 {
        (self.device.max_active_codes_supported - self.used_slots).max(0)
    }

    /// Programs a code; `new_slot` is false when rewriting a code already on the lock.
    pub fn program(&mut self, new_slot: bool) -> Result<(), LockFailure> {
        if new_slot && self.free_slots() == 0 {
            // A full lock answers (and so consumes no injected failure) but refuses.
            if !self.device.online || self.device.removed {
                return self.reach();
            }
            return Err(LockFailure::NoSpace);
        }
        self.reach()?;
        if new_slot {
            self.used_slots += 1;
        }
        Ok(())
    }

    /// Removes a code from the lock.
    pub fn remove(&mut self) -> Result<(), LockFailure> {
        self.reach()?;
        self.used_slots -= 1;
        Ok(())
    }
}
