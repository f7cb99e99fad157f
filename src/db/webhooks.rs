//! Webhooks and their durable deliveries.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

/// The channel the webhook sender LISTENs on.
pub const CHANNEL: &str = "seam_emulator_webhooks";

/// One webhook row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookRow {
    pub webhook_id: Uuid,
    pub workspace_id: Uuid,
    pub url: String,
    pub event_types: Vec<String>,
    pub secret: String,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "webhook_id, workspace_id, url, event_types, secret, created_at";

/// Inserts a webhook.
pub async fn insert(conn: &mut PgConnection, w: &WebhookRow) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO webhooks (webhook_id, workspace_id, url, event_types, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(w.webhook_id)
        .bind(w.workspace_id)
        .bind(&w.url)
        .bind(&w.event_types)
        .bind(&w.secret)
        .bind(w.created_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// One webhook of a workspace.
pub async fn get(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<WebhookRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM webhooks WHERE workspace_id = $1 AND webhook_id = $2"
    ))
    .bind(workspace_id)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Every webhook of a workspace, oldest first.
pub async fn list(conn: &mut PgConnection, workspace_id: Uuid) -> sqlx::Result<Vec<WebhookRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM webhooks WHERE workspace_id = $1 ORDER BY created_at, webhook_id"
    ))
    .bind(workspace_id)
    .fetch_all(conn)
    .await
}

/// Changes a webhook's url and event types; false when it does not exist.
pub async fn update(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    id: Uuid,
    url: Option<&str>,
    event_types: &[String],
) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE webhooks SET url = COALESCE($3, url), event_types = $4 WHERE workspace_id = $1 AND webhook_id = $2")
        .bind(workspace_id)
        .bind(id)
        .bind(url)
        .bind(event_types)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a webhook and its pending deliveries; false when it does not exist.
pub async fn delete(conn: &mut PgConnection, workspace_id: Uuid, id: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM webhooks WHERE workspace_id = $1 AND webhook_id = $2")
        .bind(workspace_id)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Queues an event for every matching webhook of its workspace, in the caller's transaction.
pub async fn enqueue_for_event(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    event_id: Uuid,
    event_type: &str,
    payload: &Value,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let queued = sqlx::query(
        "INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, message_id, payload, next_attempt_at, created_at) \
         SELECT webhook_id, $2, $3, 'msg_' || replace($2::text, '-', ''), $4, $5, $5 FROM webhooks \
         WHERE workspace_id = $1 AND ('*' = ANY(event_types) OR $3 = ANY(event_types))",
    )
    .bind(workspace_id)
    .bind(event_id)
    .bind(event_type)
    .bind(payload)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if queued.rows_affected() > 0 {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(CHANNEL)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// A delivery claimed for sending.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub delivery_id: i64,
    pub message_id: String,
    pub payload: Value,
    pub attempts: i32,
    pub url: String,
    pub secret: String,
}

/// Claims up to `limit` due deliveries by pushing their next attempt to `lease_until`; a
/// sender that dies mid-send leaves them to be retried when the lease runs out.
pub async fn claim_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> sqlx::Result<Vec<Claimed>> {
    sqlx::query_as(
        "UPDATE webhook_deliveries d SET next_attempt_at = $2 FROM webhooks w \
         WHERE w.webhook_id = d.webhook_id AND d.delivery_id IN ( \
           SELECT delivery_id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
           ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
         RETURNING d.delivery_id, d.message_id, d.payload, d.attempts, w.url, w.secret",
    )
    .bind(now)
    .bind(lease_until)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// How one attempt went.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    pub response_status: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
    /// `None` when delivered or given up; otherwise when to try again.
    pub retry_at: Option<DateTime<Utc>>,
    pub delivered: bool,
}

/// Records an attempt and moves the delivery on.
pub async fn record_attempt(
    conn: &mut PgConnection,
    delivery_id: i64,
    o: &AttemptOutcome,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO webhook_attempts (delivery_id, attempted_at, response_status, error, duration_ms) VALUES ($1, $2, $3, $4, $5)")
        .bind(delivery_id)
        .bind(now)
        .bind(o.response_status)
        .bind(&o.error)
        .bind(o.duration_ms)
        .execute(&mut *conn)
        .await?;
    let status = match (o.delivered, o.retry_at) {
        (true, _) => "delivered",
        (false, Some(_)) => "pending",
        (false, None) => "failed",
    };
    sqlx::query(
        "UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, next_attempt_at = COALESCE($3, next_attempt_at), \
         last_response_status = $4, last_error = $5, delivered_at = CASE WHEN $2 = 'delivered' THEN $6 END \
         WHERE delivery_id = $1",
    )
    .bind(delivery_id)
    .bind(status)
    .bind(o.retry_at)
    .bind(o.response_status)
    .bind(&o.error)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// When the earliest pending delivery is due.
pub async fn next_due(conn: &mut PgConnection) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar(
        "SELECT min(next_attempt_at) FROM webhook_deliveries WHERE status = 'pending'",
    )
    .fetch_one(conn)
    .await
}

/// A timestamp column rendered as Seam prints times (UTC, milliseconds, `Z`).
fn seam_time(column: &str) -> String {
    format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")
}

/// Deliveries of a workspace with their attempts, newest first (for `/_fake/webhook_deliveries`).
pub async fn list_deliveries(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    webhook_id: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<Value>> {
    sqlx::query_scalar(&format!(

        "SELECT jsonb_build_object( \
           'delivery_id', d.delivery_id, 'webhook_id', d.webhook_id, 'event_id', d.event_id, \
           'event_type', d.event_type, 'message_id', d.message_id, 'status', d.status, \
           'attempt_count', d.attempts, 'next_attempt_at', {next}, \
           'last_response_status', d.last_response_status, 'last_error', d.last_error, \
           'delivered_at', {delivered}, \
           'attempts', COALESCE((SELECT jsonb_agg(jsonb_build_object('attempted_at', {attempted}, \
               'response_status', a.response_status, 'error', a.error, 'duration_ms', a.duration_ms) \
               ORDER BY a.attempted_at) FROM webhook_attempts a WHERE a.delivery_id = d.delivery_id), '[]'::jsonb)) \
         FROM webhook_deliveries d JOIN webhooks w ON w.webhook_id = d.webhook_id \
         WHERE w.workspace_id = $1 AND ($2::uuid IS NULL OR d.webhook_id = $2) \
         ORDER BY d.delivery_id DESC LIMIT $3",
        next = seam_time("d.next_attempt_at"),
        delivered = seam_time("d.delivered_at"),
        attempted = seam_time("a.attempted_at"),
    ))
    .bind(workspace_id)
    .bind(webhook_id)
    .bind(limit)
    .fetch_all(conn)
    .await
}
