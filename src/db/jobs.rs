//! The durable queue of per-device reconcile wake-ups.
//!
//! Writers insert a row in the transaction of their change (never conflicting with a job in
//! progress) and notify the workers. A worker claims one due row with `FOR UPDATE SKIP
//! LOCKED` inside its reconcile transaction, so a crash releases the claim at once.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// The channel workers LISTEN on to wake up as soon as work is enqueued.
pub const CHANNEL: &str = "seam_emulator_jobs";

/// A claimed job.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Job {
    pub job_id: i64,
    pub device_id: Uuid,
    pub attempts: i32,
}

/// Asks for the device to be reconciled at `run_at` (wakes the workers on commit).
pub async fn enqueue(
    conn: &mut PgConnection,
    device_id: Uuid,
    run_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO device_jobs (device_id, run_at) VALUES ($1, $2)")
        .bind(device_id)
        .bind(run_at)
        .execute(&mut *conn)
        .await?;
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(CHANNEL)
        .execute(conn)
        .await?;
    Ok(())
}

/// Claims the most overdue job, locking its row for the rest of the transaction.
pub async fn claim(conn: &mut PgConnection, now: DateTime<Utc>) -> sqlx::Result<Option<Job>> {
    sqlx::query_as(
        "SELECT job_id, device_id, attempts FROM device_jobs WHERE run_at <= $1 \
         ORDER BY run_at LIMIT 1 FOR UPDATE SKIP LOCKED",
    )
    .bind(now)
    .fetch_optional(conn)
    .await
}

/// After a device was reconciled: drops every job of it that nobody else holds, and leaves
/// one for its next timed boundary, if any.
pub async fn finish_device(
    conn: &mut PgConnection,
    device_id: Uuid,
    next: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM device_jobs WHERE job_id IN \
         (SELECT job_id FROM device_jobs WHERE device_id = $1 FOR UPDATE SKIP LOCKED)",
    )
    .bind(device_id)
    .execute(&mut *conn)
    .await?;
    if let Some(run_at) = next {
        sqlx::query("INSERT INTO device_jobs (device_id, run_at) VALUES ($1, $2)")
            .bind(device_id)
            .bind(run_at)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Takes the transaction-scoped advisory lock that marks "a worker is reconciling this
/// device"; false when another worker holds it.
pub async fn try_own_device(conn: &mut PgConnection, device_id: Uuid) -> sqlx::Result<bool> {
    let (hi, lo) = device_id.as_u64_pair();
    sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind((hi ^ lo) as i64)
        .fetch_one(conn)
        .await
}

/// Pushes a job back to `run_at`: after a failed pass (`failed`, which counts towards its
/// backoff), or while its device is busy.
pub async fn retry_later(
    conn: &mut PgConnection,
    job_id: i64,
    run_at: DateTime<Utc>,
    failed: bool,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE device_jobs SET attempts = attempts + $3::int, run_at = $2 WHERE job_id = $1",
    )
    .bind(job_id)
    .bind(run_at)
    .bind(i32::from(failed))
    .execute(conn)
    .await?;
    Ok(())
}

/// When the earliest job is due (to sleep until then).
pub async fn next_due(conn: &mut PgConnection) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar("SELECT min(run_at) FROM device_jobs")
        .fetch_one(conn)
        .await
}
