//! The background worker: claims due device jobs from Postgres and reconciles the devices.
//!
//! Any number of worker tasks, in any number of server instances, share one queue: a job is
//! claimed with `FOR UPDATE SKIP LOCKED` inside the transaction that does its work, so a
//! crash releases it at once and the work is redone from the last committed state.

pub mod reconcile;
pub mod webhooks;

use std::time::Duration;

use sqlx::postgres::PgListener;
use std::sync::Arc;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::db;
use crate::service::ms;
use crate::state::AppState;

/// Longest an idle worker sleeps before looking at the queue again, in case a wake-up from
/// another instance was missed.
const IDLE_POLL: Duration = Duration::from_secs(5);

/// Shortest sleep of a worker that found nothing to claim.
const HELD_JOB_PAUSE: Duration = Duration::from_millis(50);

/// A handle that runs reconcile jobs.
#[derive(Debug, Clone)]
pub struct Worker {
    state: AppState,
}

impl Worker {
    /// A worker over the shared state.
    pub fn new(state: AppState) -> Self {
        Worker { state }
    }

    /// Claims and runs one due job. Returns whether there was one.
    pub async fn run_once(&self) -> anyhow::Result<bool> {
        let now = self.state.clock.now();
        let mut tx = self.state.pool.begin().await?;
        let Some(job) = db::jobs::claim(&mut tx, now).await? else {
            tx.commit().await?;
            return Ok(false);
        };
        // One pass per device at a time: when another worker is on this device already, its
        // pass (which reads the device after any change that enqueued this job) will clear
        // this job; look again shortly in case it does not.
        if !db::jobs::try_own_device(&mut tx, job.device_id).await? {
            let later = now + ms(HELD_JOB_PAUSE.as_millis() as i64);
            db::jobs::retry_later(&mut tx, job.job_id, later, false).await?;
            tx.commit().await?;
            return Ok(true);
        }
        let latency = db::devices::latency_ms(&mut tx, job.device_id)
            .await?
            .flatten()
            .map(i64::from)
            .unwrap_or(self.state.behaviour.programming_latency_ms);
        if latency > 0 {
            tokio::time::sleep(Duration::from_millis(latency as u64)).await;
        }
        let result = self.reconcile_claimed(&mut tx, job).await;
        match result {
            Ok(()) => {
                tx.commit().await?;
                Ok(true)
            }
            Err(err) => {
                tx.rollback().await.ok();
                let backoff = 500i64.saturating_mul(1 << job.attempts.clamp(0, 7));
                tracing::warn!(device_id = %job.device_id, attempts = job.attempts, error = %err, "reconcile failed; retrying later");
                let mut conn = self.state.pool.acquire().await?;
                let later = self.state.clock.now() + ms(backoff);
                db::jobs::retry_later(&mut conn, job.job_id, later, true).await?;
                Ok(true)
            }
        }
    }

    async fn reconcile_claimed(
        &self,
        tx: &mut sqlx::PgConnection,
        job: db::jobs::Job,
    ) -> anyhow::Result<()> {
        // The clock is read again after the simulated latency: the lock answers now.
        let now = self.state.clock.now();
        let next = match db::devices::lock_any_workspace(tx, job.device_id).await? {
            Some(device) => reconcile::reconcile(tx, device, &self.state.behaviour, now).await?,
            None => None,
        };
        db::jobs::finish_device(tx, job.device_id, next).await?;
        Ok(())
    }

    /// Runs jobs until none is due (for tests and start-up).
    pub async fn run_until_idle(&self) -> anyhow::Result<usize> {
        let mut n = 0;
        while self.run_once().await? {
            n += 1;
        }
        Ok(n)
    }

    /// Works until cancelled, sleeping until the next due job or a wake-up notification.
    pub async fn run(self, wake: Arc<Notify>, cancel: CancellationToken) {
        while !cancel.is_cancelled() {
            match self.run_once().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(err) => {
                    tracing::warn!(error = %err, "worker could not reach the queue");
                    tokio::select! {
                        _ = cancel.cancelled() => return,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                    continue;
                }
            }
            // Register for wake-ups before looking at the queue, so none falls in between.
            let notified = wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let sleep = self.time_until_next_job().await;
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = notified => {}
                _ = tokio::time::sleep(sleep) => {}
            }
        }
    }

    async fn time_until_next_job(&self) -> Duration {
        let Ok(mut conn) = self.state.pool.acquire().await else {
            return Duration::from_secs(1);
        };
        match db::jobs::next_due(&mut conn).await {
            // A job already due is held by another worker (this one just found none to
            // claim): wait for its wake-up rather than spin on it.
            Ok(Some(due)) => (due - self.state.clock.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .clamp(HELD_JOB_PAUSE, IDLE_POLL),
            _ => IDLE_POLL,
        }
    }
}

/// Forwards Postgres notifications to the local tasks: reconcile jobs to `jobs`, webhook
/// deliveries to `webhooks`.
pub async fn listen(
    state: AppState,
    jobs: Arc<Notify>,
    webhooks: Arc<Notify>,
    cancel: CancellationToken,
) {
    while !cancel.is_cancelled() {
        let mut listener = match PgListener::connect_with(&state.pool).await {
            Ok(l) => l,
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for job notifications; retrying");
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                }
            }
        };
        if let Err(err) = listener
            .listen_all([db::jobs::CHANNEL, db::webhooks::CHANNEL])
            .await
        {
            tracing::warn!(error = %err, "LISTEN failed; retrying");
            continue;
        }
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                received = listener.recv() => match received {
                    Ok(n) if n.channel() == db::webhooks::CHANNEL => webhooks.notify_waiters(),
                    Ok(_) => jobs.notify_waiters(),
                    Err(err) => {
                        tracing::warn!(error = %err, "notifications interrupted; reconnecting");
                        jobs.notify_waiters();
                        webhooks.notify_waiters();
                        break;
                    }
                }
            }
        }
    }
}
