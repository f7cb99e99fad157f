//! Action attempts: created pending by a request, resolved by the worker.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use super::After;
use crate::domain::action_attempt::ActionAttemptRow;

const COLUMNS: &str =
    "action_attempt_id, workspace_id, action_type, status, result, error, created_at, updated_at";

/// Inserts an action attempt with the given status.
pub async fn insert(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    action_type: &str,
    status: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<ActionAttemptRow> {
    sqlx::query_as(&format!(
        "INSERT INTO action_attempts (action_attempt_id, workspace_id, action_type, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING {COLUMNS}"
    ))
    .bind(Uuid::new_v4())
    .bind(workspace_id)
    .bind(action_type)
    .bind(status)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Ends a pending attempt with success (`result`) or error (`error`); a finished one stays as it is.
pub async fn resolve(
    conn: &mut PgConnection,
    id: Uuid,
    outcome: Result<Value, Value>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let (status, result, error) = match outcome {
        Ok(result) => ("success", Some(result), None),
        Err(error) => ("error", None, Some(error)),
    };
    sqlx::query(
        "UPDATE action_attempts SET status = $2, result = $3, error = $4, updated_at = $5 \
         WHERE action_attempt_id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(status)
    .bind(result)
    .bind(error)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// One attempt of a workspace.
pub async fn get(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<ActionAttemptRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM action_attempts WHERE workspace_id = $1 AND action_attempt_id = $2"
    ))
    .bind(workspace_id)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// A page of a workspace's attempts, optionally only the given ids.
pub async fn list(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    ids: Option<&[Uuid]>,
    after: Option<After>,
    limit: i64,
) -> sqlx::Result<Vec<ActionAttemptRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM action_attempts WHERE workspace_id = $1 \
         AND ($2::uuid[] IS NULL OR action_attempt_id = ANY($2)) \
         AND ($3::timestamptz IS NULL OR (created_at, action_attempt_id) > ($3, $4)) \
         ORDER BY created_at, action_attempt_id LIMIT $5"
    ))
    .bind(workspace_id)
    .bind(ids)
    .bind(after.map(|a| a.created_at))
    .bind(after.map(|a| a.id))
    .bind(limit)
    .fetch_all(conn)
    .await
}
