//! Workspaces and their API keys (stored only as SHA-256 hashes).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// A workspace row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkspaceRow {
    pub workspace_id: Uuid,
    pub name: String,
    pub is_sandbox: bool,
    pub connected_account_id: Uuid,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "w.workspace_id, w.name, w.is_sandbox, w.connected_account_id, w.created_at";

/// The workspace an API key hash belongs to.
pub async fn find_by_key_hash(
    conn: &mut PgConnection,
    key_hash: &[u8],
) -> sqlx::Result<Option<WorkspaceRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_keys k JOIN workspaces w ON w.workspace_id = k.workspace_id WHERE k.key_hash = $1"
    ))
    .bind(key_hash)
    .fetch_optional(conn)
    .await
}

/// One workspace by id.
pub async fn get(
    conn: &mut PgConnection,
    workspace_id: Uuid,
) -> sqlx::Result<Option<WorkspaceRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM workspaces w WHERE w.workspace_id = $1"
    ))
    .bind(workspace_id)
    .fetch_optional(conn)
    .await
}

/// The oldest sandbox workspace, which the server seeds and prints at start.
pub async fn find_first_sandbox(conn: &mut PgConnection) -> sqlx::Result<Option<WorkspaceRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM workspaces w WHERE w.is_sandbox ORDER BY w.created_at, w.workspace_id LIMIT 1"
    ))
    .fetch_optional(conn)
    .await
}

/// Inserts a workspace.
pub async fn insert(conn: &mut PgConnection, ws: &WorkspaceRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO workspaces (workspace_id, name, is_sandbox, connected_account_id, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ws.workspace_id)
    .bind(&ws.name)
    .bind(ws.is_sandbox)
    .bind(ws.connected_account_id)
    .bind(ws.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores a key hash for a workspace; a hash already stored is left as it is.
pub async fn insert_api_key(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    key_hash: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO api_keys (api_key_id, workspace_id, key_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT ON CONSTRAINT api_keys_key_hash_unique DO NOTHING",
    )
    .bind(Uuid::new_v4())
    .bind(workspace_id)
    .bind(key_hash)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether this key hash belongs to the given workspace.
pub async fn key_belongs_to(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    key_hash: &[u8],
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM api_keys WHERE workspace_id = $1 AND key_hash = $2)",
    )
    .bind(workspace_id)
    .bind(key_hash)
    .fetch_one(conn)
    .await
}
