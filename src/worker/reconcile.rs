//! One reconcile pass over one device: make the lock hold what Postgres says it should.
//!
//! Runs inside the worker's transaction with the device row locked, so a pass is atomic: a
//! crash anywhere leaves the previous state and the job, and the pass runs again. Order:
//! removals free slots, time boundaries move statuses, primary codes are programmed (evicting
//! unpulled backups when the lock is full), the pool is refilled, conditions are recomputed,
//! and the device's next timed boundary is returned for the queue.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::config::Behaviour;
use crate::db;
use crate::domain::access_code::{backup_name, status, AccessCodeRow};
use crate::domain::conditions::{self, Kind};
use crate::domain::device::DeviceRow;
use crate::domain::event::event_type;
use crate::service::access_codes::fresh_code;
use crate::service::backup_pool::{is_ready_backup, PoolStats, USING_BACKUP_WARNING};
use crate::service::devices::{as_list, refresh_conditions};
use crate::service::{earliest, events, ms};
use crate::sim::lock::{LockFailure, VirtualLock};

/// Access-code conditions the reconciler owns.
const CODE_ERRORS: &[&str] = &[
    "failed_to_set_on_device",
    "no_space_for_access_code_on_device",
    "failed_to_remove_from_device",
];
const CODE_WARNINGS: &[&str] = &["delay_in_setting_on_device"];

/// What a pass leaves to write besides the rows.
struct Pass<'a> {
    device: DeviceRow,
    behaviour: &'a Behaviour,
    now: DateTime<Utc>,
    next: Option<DateTime<Utc>>,
    events: Vec<(&'static str, db::events::NewEvent)>,
    attempts: Vec<(Uuid, Result<Value, Value>)>,
    deleted: Vec<Uuid>,
    inserted: Vec<AccessCodeRow>,
}

impl Pass<'_> {
    fn wake_at(&mut self, t: DateTime<Utc>) {
        if t > self.now {
            self.next = earliest(self.next, Some(t));
        }
    }

    fn retry(&mut self, failure: LockFailure) {
        if failure.retries_by_itself() {
            let t = self.now + ms(self.behaviour.retry_interval_ms);
            self.wake_at(t);
        }
    }

    fn code_event(&mut self, kind: &'static str, code: &AccessCodeRow, extra: Value) {
        self.events.push((
            kind,
            events::for_code_with(&self.device, code.access_code_id, extra),
        ));
    }
}

/// Reconciles the locked device; returns when it next needs a pass, if ever.
pub async fn reconcile(
    conn: &mut PgConnection,
    device: DeviceRow,
    behaviour: &Behaviour,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<DateTime<Utc>>> {
    let before = db::access_codes::all_on_device(conn, device.device_id).await?;
    let mut codes = before.clone();
    let used = codes.iter().filter(|c| c.is_on_lock).count() as i32;
    let mut lock_device = device.clone();
    let mut pass = Pass {
        device,
        behaviour,
        now,
        next: None,
        events: Vec::new(),
        attempts: Vec::new(),
        deleted: Vec::new(),
        inserted: Vec::new(),
    };
    {
        let mut lock = VirtualLock::new(&mut lock_device, used);
        remove_what_must_go(&mut pass, &mut codes, &mut lock);
        move_time_boundaries(&mut pass, &mut codes);
        program_pending(&mut pass, &mut codes, &mut lock);
        refill_pool(&mut pass, &mut codes, &mut lock);
    }
    pass.device.sim_fail_next_attempts = lock_device.sim_fail_next_attempts;

    codes.retain(|c| !pass.deleted.contains(&c.access_code_id));
    let all: Vec<AccessCodeRow> = codes.iter().chain(pass.inserted.iter()).cloned().collect();
    let mut device = pass.device.clone();
    refresh_conditions(&mut device, &all, behaviour, now);
    for code in &all {
        schedule_boundaries(&mut pass, code);
    }

    for id in &pass.deleted {
        db::access_codes::delete(conn, *id).await?;
    }
    for code in &pass.inserted {
        db::access_codes::insert(conn, code).await?;
    }
    for code in &codes {
        if before
            .iter()
            .find(|b| b.access_code_id == code.access_code_id)
            != Some(code)
        {
            db::access_codes::save(conn, code).await?;
        }
    }
    db::devices::save(conn, &device).await?;
    for (kind, event) in pass.events.drain(..) {
        db::events::insert(conn, kind, event, now).await?;
    }
    for (id, outcome) in pass.attempts.drain(..) {
        db::action_attempts::resolve(conn, id, outcome, now).await?;
    }
    Ok(pass.next)
}

/// Codes that were deleted or whose window ended, backups that lost their original, and
/// unpulled backups the pool no longer wants: off the lock, then gone.
fn remove_what_must_go(pass: &mut Pass, codes: &mut [AccessCodeRow], lock: &mut VirtualLock) {
    let now = pass.now;
    let stats = PoolStats::of(&pass.device, codes, pass.behaviour);
    // Unpulled backups beyond the target (all of them when the pool is off), newest first.
    let surplus: Vec<Uuid> = codes
        .iter()
        .rev()
        .filter(|c| c.is_unpulled_backup() && c.status != status::REMOVING)
        .take((stats.ready - stats.target).max(0) as usize)
        .map(|c| c.access_code_id)
        .collect();
    let ending: Vec<Uuid> = codes
        .iter()
        .filter(|c| c.status == status::REMOVING || c.ends_at.is_some_and(|e| e <= now))
        .map(|c| c.access_code_id)
        .collect();
    let present: Vec<Uuid> = codes.iter().map(|c| c.access_code_id).collect();
    for code in codes.iter_mut() {
        let orphaned = code
            .backup_for_access_code_id
            .is_some_and(|o| ending.contains(&o) || !present.contains(&o));
        let id = code.access_code_id;
        if !(ending.contains(&id) || orphaned || surplus.contains(&id)) {
            continue;
        }
        if code.status != status::REMOVING {
            code.status = status::REMOVING.into();
            code.needs_programming_since = Some(now);
        }
        let outcome = if code.is_on_lock {
            lock.remove()
        } else {
            Ok(())
        };
        match outcome {
            Ok(()) => {
                if code.is_on_lock {
                    pass.code_event(event_type::ACCESS_CODE_REMOVED_FROM_DEVICE, code, json!({}));
                }
                pass.code_event(
                    event_type::ACCESS_CODE_DELETED,
                    code,
                    json!({ "code": code.code }),
                );
                if let Some(id) = code.pending_action_attempt_id.take() {
                    pass.attempts.push((id, Ok(json!({}))));
                }
                pass.deleted.push(code.access_code_id);
            }
            Err(failure) => {
                code.programming_failure = Some(failure.as_str().into());
                let since = code.needs_programming_since.unwrap_or(now);
                if now - since >= ms(pass.behaviour.failed_to_set_after_ms) {
                    set_code_errors(
                        code,
                        &[(
                            "failed_to_remove_from_device",
                            failure.message().to_string(),
                        )],
                        now,
                    );
                    if let Some(id) = code.pending_action_attempt_id.take() {
                        pass.attempts.push((
                            id,
                            Err(attempt_error("failed_to_remove_from_device", failure)),
                        ));
                    }
                }
                pass.retry(failure);
            }
        }
    } // An original whose pulled backup is gone no longer uses a backup.
    let gone_backups: Vec<Uuid> = codes
        .iter()
        .filter(|c| pass.deleted.contains(&c.access_code_id))
        .filter_map(|c| c.backup_for_access_code_id)
        .collect();
    for original in codes
        .iter_mut()
        .filter(|c| gone_backups.contains(&c.access_code_id))
    {
        let mut warnings = as_list(&original.warnings);
        conditions::sync(
            &mut warnings,
            Kind::CodeWarning,
            &[USING_BACKUP_WARNING],
            &[],
            now,
        );
        original.warnings = Value::Array(warnings);
    }
}

/// Scheduled codes whose `starts_at` has come are now active on the lock.
fn move_time_boundaries(pass: &mut Pass, codes: &mut [AccessCodeRow]) {
    for code in codes.iter_mut() {
        let starts = code.starts_at.is_none_or(|s| s <= pass.now);
        if code.status == status::UNSET
            && code.is_on_lock
            && code.needs_programming_since.is_none()
            && starts
        {
            code.status = status::SET.into();
            pass.code_event(
                event_type::ACCESS_CODE_SET_ON_DEVICE,
                code,
                json!({ "code": code.code }),
            );
        }
    }
}

/// Programs every primary code that waits for the lock, in creation order.
fn program_pending(pass: &mut Pass, codes: &mut [AccessCodeRow], lock: &mut VirtualLock) {
    let now = pass.now;
    let pending: Vec<usize> = (0..codes.len())
        .filter(|&i| {
            let c = &codes[i];
            c.needs_programming_since.is_some()
                && c.status != status::REMOVING
                && !c.is_backup
                && c.is_managed
        })
        .collect();
    for i in pending {
        let new_slot = !codes[i].is_on_lock;
        if new_slot && lock.free_slots() == 0 {
            evict_one_backup(pass, codes, lock);
        }
        let code = &mut codes[i];
        match lock.program(new_slot) {
            Ok(()) => {
                code.is_on_lock = true;
                code.needs_programming_since = None;
                code.programming_failure = None;
                clear_programming_conditions(code, now);
                let scheduled = code.starts_at.is_some_and(|s| s > now);
                code.status = if scheduled {
                    status::UNSET
                } else {
                    status::SET
                }
                .into();
                let kind = if scheduled {
                    event_type::ACCESS_CODE_SCHEDULED_ON_DEVICE
                } else {
                    event_type::ACCESS_CODE_SET_ON_DEVICE
                };
                pass.code_event(kind, code, json!({ "code": code.code }));
                if let Some(id) = code.pending_action_attempt_id.take() {
                    pass.attempts
                        .push((id, Ok(json!({ "access_code": code.to_json() }))));
                }
            }
            Err(failure) => {
                code.programming_failure = Some(failure.as_str().into());
                note_programming_failure(pass, code, failure);
            }
        }
    }
}

/// Raises the delay warning, then the failure error, for a code the lock keeps refusing.
fn note_programming_failure(pass: &mut Pass, code: &mut AccessCodeRow, failure: LockFailure) {
    let now = pass.now;
    let since = code.needs_programming_since.unwrap_or(now);
    let waited = now - since;
    let delayed = waited >= ms(pass.behaviour.delay_warning_after_ms);
    let failed = waited >= ms(pass.behaviour.failed_to_set_after_ms);
    let mut errors = Vec::new();
    if failure == LockFailure::NoSpace {
        errors.push((
            "no_space_for_access_code_on_device",
            "The lock has no free slot for this code".to_string(),
        ));
    }
    if failed {
        errors.push((
            "failed_to_set_on_device",
            format!("Failed to set the code on the lock: {}", failure.message()),
        ));
    }
    let warnings: Vec<(&str, String)> = if delayed {
        vec![(
            "delay_in_setting_on_device",
            format!(
                "Setting the code on the lock is delayed: {}",
                failure.message()
            ),
        )]
    } else {
        vec![]
    };
    let new_errors = set_code_errors(code, &errors, now);
    let mut list = as_list(&code.warnings);
    let new_warnings =
        conditions::sync(&mut list, Kind::CodeWarning, CODE_WARNINGS, &warnings, now);
    code.warnings = Value::Array(list);
    if !new_warnings.is_empty() {
        let snapshot = events::condition_snapshot(&pass.device, code);
        pass.code_event(
            event_type::ACCESS_CODE_DELAY_IN_SETTING_ON_DEVICE,
            code,
            snapshot,
        );
    }
    if new_errors.iter().any(|e| e == "failed_to_set_on_device") {
        let snapshot = events::condition_snapshot(&pass.device, code);
        pass.code_event(
            event_type::ACCESS_CODE_FAILED_TO_SET_ON_DEVICE,
            code,
            snapshot,
        );
        if let Some(id) = code.pending_action_attempt_id.take() {
            pass.attempts
                .push((id, Err(attempt_error("failed_to_set_on_device", failure))));
        }
    }
    pass.retry(failure);
}

/// Replaces the reconciler-owned errors of a code; returns the newly raised ones.
fn set_code_errors(
    code: &mut AccessCodeRow,
    wanted: &[(&str, String)],
    now: DateTime<Utc>,
) -> Vec<String> {
    let mut list = as_list(&code.errors);
    let added = conditions::sync(&mut list, Kind::CodeError, CODE_ERRORS, wanted, now);
    code.errors = Value::Array(list);
    added
}

/// Clears every error and warning the reconciler raised on a code: it is on the lock now.
fn clear_programming_conditions(code: &mut AccessCodeRow, now: DateTime<Utc>) {
    set_code_errors(code, &[], now);
    let mut warnings = as_list(&code.warnings);
    conditions::sync(&mut warnings, Kind::CodeWarning, CODE_WARNINGS, &[], now);
    code.warnings = Value::Array(warnings);
}

fn attempt_error(error_type: &str, failure: LockFailure) -> Value {
    json!({ "type": error_type, "message": failure.message() })
}

/// Primary codes come first: frees a slot by taking the newest unpulled backup off the lock.
fn evict_one_backup(pass: &mut Pass, codes: &mut [AccessCodeRow], lock: &mut VirtualLock) {
    let Some(backup) = codes
        .iter_mut()
        .rev()
        .find(|c| is_ready_backup(c) && !pass.deleted.contains(&c.access_code_id))
    else {
        return;
    };
    if lock.remove().is_ok() {
        backup.status = status::REMOVING.into();
        pass.deleted.push(backup.access_code_id);
        let backup = backup.clone();
        pass.code_event(
            event_type::ACCESS_CODE_REMOVED_FROM_DEVICE,
            &backup,
            json!({}),
        );
        pass.code_event(
            event_type::ACCESS_CODE_DELETED,
            &backup,
            json!({ "code": backup.code }),
        );
        pass.device.pool_refill_failure = Some(LockFailure::NoSpace.as_str().into());
    }
}

/// Tops the pool up to its target with fresh backups, as far as the lock allows.
fn refill_pool(pass: &mut Pass, codes: &mut [AccessCodeRow], lock: &mut VirtualLock) {
    let stats = PoolStats::of(&pass.device, codes, pass.behaviour);
    if !stats.enabled {
        pass.device.pool_refill_failure = None;
        return;
    }
    let mut ready = codes
        .iter()
        .filter(|c| is_ready_backup(c) && !pass.deleted.contains(&c.access_code_id))
        .count() as i64;
    let mut taken: Vec<String> = codes.iter().map(|c| c.code.clone()).collect();
    let mut failure = None;
    while ready < stats.target {
        if lock.free_slots() == 0 {
            failure = Some(LockFailure::NoSpace);
            break;
        }
        let Some(length) = pass.device.supported_code_lengths.iter().copied().min() else {
            break;
        };
        let Some(value) = fresh_code(&taken, length.max(4)) else {
            failure = Some(LockFailure::NoSpace);
            break;
        };
        if let Err(f) = lock.program(true) {
            failure = Some(f);
            break;
        }
        let mut backup = db::access_codes::new_row(
            pass.device.workspace_id,
            pass.device.device_id,
            value.clone(),
            pass.now,
        );
        backup.name = Some(backup_name(backup.access_code_id));
        backup.is_backup = true;
        backup.is_on_lock = true;
        backup.needs_programming_since = None;
        backup.status = status::SET.into();
        taken.push(value);
        pass.inserted.push(backup);
        ready += 1;
    }
    pass.device.pool_refill_failure = failure.map(|f| f.as_str().to_string());
    if let Some(f) = failure {
        pass.retry(f);
    }
}

/// Remembers the next instant this code needs the reconciler.
fn schedule_boundaries(pass: &mut Pass, code: &AccessCodeRow) {
    if let Some(ends_at) = code.ends_at {
        pass.wake_at(ends_at);
    }
    if code.status == status::UNSET && code.is_on_lock {
        if let Some(starts_at) = code.starts_at {
            pass.wake_at(starts_at);
        }
    }
    if let Some(since) = code.needs_programming_since {
        pass.wake_at(since + ms(pass.behaviour.delay_warning_after_ms));
        pass.wake_at(since + ms(pass.behaviour.failed_to_set_after_ms));
    }
}
