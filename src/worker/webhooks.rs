//! The webhook sender: signs events by the Standard Webhooks scheme and delivers them at
//! least once, with exponential backoff, surviving restarts.
//!
//! Deliveries are claimed with a lease (their next attempt pushed past the request timeout)
//! and sent concurrently, so a slow or dead receiver never holds up the API or other
//! webhooks; if the sender dies mid-send the lease runs out and the delivery is sent again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::db;
use crate::db::webhooks::{AttemptOutcome, Claimed};
use crate::service::ms;
use crate::state::AppState;

/// Deliveries claimed per round.
const BATCH: i64 = 32;

/// Sends due webhook deliveries.
#[derive(Debug, Clone)]
pub struct WebhookSender {
    state: AppState,
    client: reqwest::Client,
}

impl WebhookSender {
    /// A sender over the shared state.
    pub fn new(state: AppState) -> Self {
        let timeout = Duration::from_millis(state.behaviour.webhook_timeout_ms.max(1) as u64);
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("seam-emulator/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        WebhookSender { state, client }
    }

    /// Sends one batch of due deliveries; returns how many were attempted.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let b = &self.state.behaviour;
        let now = self.state.clock.now();
        let lease_until = now + ms(b.webhook_timeout_ms) + ms(5_000);
        let claimed = {
            let mut conn = self.state.pool.acquire().await?;
            db::webhooks::claim_due(&mut conn, now, lease_until, BATCH).await?
        };
        let n = claimed.len();
        let mut sends = tokio::task::JoinSet::new();
        for d in claimed {
            let sender = self.clone();
            sends.spawn(async move { sender.deliver(d).await });
        }
        while let Some(done) = sends.join_next().await {
            // A delivery whose result could not be recorded is sent again after its lease.
            if let Err(err) = done.map_err(anyhow::Error::from).and_then(|r| r) {
                tracing::warn!(error = %err, "could not record a webhook attempt");
            }
        }
        Ok(n)
    }

    async fn deliver(&self, d: Claimed) -> anyhow::Result<()> {
        let started = Instant::now();
        let outcome = match self.send(&d).await {
            Ok(status) if (200..300).contains(&status) => (Some(status as i32), None, true),
            Ok(status) => (
                Some(status as i32),
                Some(format!("receiver answered {status}")),
                false,
            ),
            Err(err) => (None, Some(err), false),
        };
        let b = &self.state.behaviour;
        let now = self.state.clock.now();
        let attempt = d.attempts + 1;
        let retry_at = if outcome.2 || attempt >= b.webhook_max_attempts {
            None
        } else {
            let shift = (attempt - 1).clamp(0, 30) as u32;
            let delay = b
                .webhook_retry_base_ms
                .saturating_mul(1i64 << shift)
                .min(b.webhook_retry_cap_ms);
            Some(now + ms(delay))
        };
        let o = AttemptOutcome {
            response_status: outcome.0,
            error: outcome.1,
            duration_ms: started.elapsed().as_millis().min(i32::MAX as u128) as i32,
            retry_at,
            delivered: outcome.2,
        };
        let mut conn = self.state.pool.acquire().await?;
        db::webhooks::record_attempt(&mut conn, d.delivery_id, &o, now).await?;
        Ok(())
    }

    /// One signed POST; the HTTP status, or why there was none.
    async fn send(&self, d: &Claimed) -> Result<u16, String> {
        let body = serde_json::to_vec(&d.payload).map_err(|e| e.to_string())?;
        // Receivers check the timestamp against their own wall clock.
        let timestamp = Utc::now().timestamp();
        let signer =
            standardwebhooks::Webhook::new(&d.secret).map_err(|e| format!("bad secret: {e}"))?;
        let signature = signer
            .sign(&d.message_id, timestamp, &body)
            .map_err(|e| format!("cannot sign: {e}"))?;
        let res = self
            .client
            .post(&d.url)
            .header("content-type", "application/json")
            .header("webhook-id", &d.message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        Ok(res.status().as_u16())
    }

    /// Sends until cancelled, sleeping until the next due delivery or a wake-up.
    pub async fn run(self, wake: Arc<Notify>, cancel: CancellationToken) {
        while !cancel.is_cancelled() {
            let notified = wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            match self.run_once().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(error = %err, "webhook sender could not reach the queue")
                }
            }
            let sleep = self.time_until_next().await;
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = notified => {}
                _ = tokio::time::sleep(sleep) => {}
            }
        }
    }

    async fn time_until_next(&self) -> Duration {
        let cap = Duration::from_secs(5);
        let Ok(mut conn) = self.state.pool.acquire().await else {
            return Duration::from_secs(1);
        };
        match db::webhooks::next_due(&mut conn).await {
            Ok(Some(due)) => (due - self.state.clock.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(cap),
            _ => cap,
        }
    }
}
