//! Events: written in the transaction of the change they record (which also queues their
//! webhook deliveries), read by `events/*`.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::clock::format_ts;

/// What an event concerns, beyond its type.
#[derive(Debug, Clone, Default)]
pub struct NewEvent {
    pub workspace_id: Uuid,
    pub connected_account_id: Uuid,
    pub device_id: Option<Uuid>,
    pub access_code_id: Option<Uuid>,
    /// Further keys of the event object (such as `backup_access_code_id` or `code`).
    pub extra: Map<String, Value>,
}

/// Inserts an event of the given type and returns its id.
pub async fn insert(
    conn: &mut PgConnection,
    event_type: &str,
    e: NewEvent,
    now: DateTime<Utc>,
) -> sqlx::Result<Uuid> {
    let event_id = Uuid::new_v4();
    let mut body = Map::new();
    body.insert("event_id".into(), Value::String(event_id.to_string()));
    body.insert("event_type".into(), Value::String(event_type.to_string()));
    body.insert(
        "workspace_id".into(),
        Value::String(e.workspace_id.to_string()),
    );
    body.insert(
        "connected_account_id".into(),
        Value::String(e.connected_account_id.to_string()),
    );
    if let Some(d) = e.device_id {
        body.insert("device_id".into(), Value::String(d.to_string()));
    }
    if let Some(a) = e.access_code_id {
        body.insert("access_code_id".into(), Value::String(a.to_string()));
    }
    body.extend(e.extra);
    body.insert("created_at".into(), Value::String(format_ts(now)));
    body.insert("occurred_at".into(), Value::String(format_ts(now)));
    let body = Value::Object(body);
    sqlx::query(
        "INSERT INTO events (event_id, workspace_id, event_type, device_id, access_code_id, body, occurred_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(event_id)
    .bind(e.workspace_id)
    .bind(event_type)
    .bind(e.device_id)
    .bind(e.access_code_id)
    .bind(&body)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    super::webhooks::enqueue_for_event(conn, e.workspace_id, event_id, event_type, &body, now)
        .await?;
    Ok(event_id)
}

/// Filters of `events/list`.
#[derive(Debug, Default, Clone)]
pub struct EventFilter {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub device_ids: Option<Vec<Uuid>>,
    pub access_code_ids: Option<Vec<Uuid>>,
    pub event_types: Option<Vec<String>>,
    pub event_ids: Option<Vec<Uuid>>,
}

/// Events of a workspace matching the filter, oldest first, at most `limit`.
pub async fn list(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    f: &EventFilter,
    limit: i64,
) -> sqlx::Result<Vec<Value>> {
    let mut q: QueryBuilder<Postgres> =
        QueryBuilder::new("SELECT body FROM events WHERE workspace_id = ");
    q.push_bind(workspace_id);
    if let Some(since) = f.since {
        q.push(" AND created_at >= ").push_bind(since);
    }
    if let Some(until) = f.until {
        q.push(" AND created_at < ").push_bind(until);
    }
    if let Some(ids) = &f.device_ids {
        q.push(" AND device_id = ANY(")
            .push_bind(ids.clone())
            .push(")");
    }
    if let Some(ids) = &f.access_code_ids {
        q.push(" AND (access_code_id = ANY(").push_bind(ids.clone());
        q.push(") OR (body->>'backup_access_code_id')::uuid = ANY(")
            .push_bind(ids.clone())
            .push("))");
    }
    if let Some(types) = &f.event_types {
        q.push(" AND event_type = ANY(")
            .push_bind(types.clone())
            .push(")");
    }
    if let Some(ids) = &f.event_ids {
        q.push(" AND event_id = ANY(")
            .push_bind(ids.clone())
            .push(")");
    }
    q.push(" ORDER BY created_at, seq LIMIT ").push_bind(limit);
    q.build_query_scalar().fetch_all(conn).await
}

/// One event of a workspace by id.
pub async fn get(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    event_id: Uuid,
) -> sqlx::Result<Option<Value>> {
    sqlx::query_scalar("SELECT body FROM events WHERE workspace_id = $1 AND event_id = $2")
        .bind(workspace_id)
        .bind(event_id)
        .fetch_optional(conn)
        .await
}
