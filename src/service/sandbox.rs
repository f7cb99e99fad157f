//! Workspaces, API keys and the seeded sandbox.

use chrono::{DateTime, Utc};
use rand::distr::{Alphanumeric, SampleString};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::db;
use crate::db::workspaces::WorkspaceRow;
use crate::domain::action_attempt::{action_type, ActionAttemptRow};
use crate::error::{ApiError, ApiResult};
use crate::sim::catalog;
use crate::state::{AppState, Workspace};

/// The SHA-256 of an API key: the only form in which keys are stored.
pub fn hash_key(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// A new random API key in the form the SDKs accept (`seam_` and no other known prefix).
pub fn generate_key() -> String {
    format!("seam_{}", Alphanumeric.sample_string(&mut rand::rng(), 32))
}

/// Checks a configured key has the form the SDKs accept.
pub fn check_key_format(key: &str) -> anyhow::Result<()> {
    let reserved = ["seam_cst", "seam_at", "seam_pk"];
    if !key.starts_with("seam_") || reserved.iter().any(|p| key.starts_with(p)) || key.len() < 10 {
        anyhow::bail!(
            "the sandbox API key must start with seam_ (but not seam_cst, seam_at or seam_pk) and be at least 10 characters"
        );
    }
    if !key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        anyhow::bail!("the sandbox API key may contain only letters, digits, _ and -");
    }
    Ok(())
}

/// Creates a workspace with one fresh key; a sandbox is seeded with the virtual devices.
pub async fn create_workspace(
    pool: &PgPool,
    name: &str,
    sandbox: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<(WorkspaceRow, String)> {
    let mut tx = pool.begin().await?;
    let ws = WorkspaceRow {
        workspace_id: Uuid::new_v4(),
        name: name.to_string(),
        is_sandbox: sandbox,
        connected_account_id: Uuid::new_v4(),
        created_at: now,
    };
    db::workspaces::insert(&mut tx, &ws).await?;
    if sandbox {
        seed_devices(&mut tx, ws.workspace_id, now).await?;
    }
    let key = generate_key();
    db::workspaces::insert_api_key(&mut tx, ws.workspace_id, &hash_key(&key), now).await?;
    tx.commit().await?;
    Ok((ws, key))
}

/// Inserts every catalog device the workspace does not have yet.
pub async fn seed_devices(
    conn: &mut PgConnection,
    workspace_id: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    for device in catalog::sandbox_devices(workspace_id, now) {
        db::devices::insert_if_missing(conn, &device).await?;
    }
    Ok(())
}

/// The sandbox at start-up: found or created, seeded, and a key that works.
#[derive(Debug)]
pub struct StartupSandbox {
    pub workspace: WorkspaceRow,
    /// The configured key, or a key minted for this start.
    pub api_key: String,
}

/// Finds or creates the sandbox workspace and makes sure `configured_key` (if any) opens it.
/// Without a configured key a new key is minted and printed; earlier keys keep working.
pub async fn ensure_sandbox(
    pool: &PgPool,
    configured_key: Option<&str>,
    now: DateTime<Utc>,
) -> anyhow::Result<StartupSandbox> {
    let mut tx = pool.begin().await?;
    // One start-up at a time seeds, even with several instances on one database.
    sqlx::query("SELECT pg_advisory_xact_lock(7241930051)")
        .execute(&mut *tx)
        .await?;
    let workspace = match db::workspaces::find_first_sandbox(&mut tx).await? {
        Some(ws) => ws,
        None => {
            let ws = WorkspaceRow {
                workspace_id: Uuid::new_v4(),
                name: "Sandbox".into(),
                is_sandbox: true,
                connected_account_id: Uuid::new_v4(),
                created_at: now,
            };
            db::workspaces::insert(&mut tx, &ws).await?;
            ws
        }
    };
    seed_devices(&mut tx, workspace.workspace_id, now).await?;
    let api_key = match configured_key {
        Some(key) => {
            check_key_format(key)?;
            let hash = hash_key(key);
            if !db::workspaces::insert_api_key(&mut tx, workspace.workspace_id, &hash, now).await?
                && !db::workspaces::key_belongs_to(&mut tx, workspace.workspace_id, &hash).await?
            {
                anyhow::bail!(
                    "SEAM_EMULATOR_SANDBOX_API_KEY is already the key of another workspace"
                );
            }
            key.to_string()
        }
        None => {
            let key = generate_key();
            db::workspaces::insert_api_key(&mut tx, workspace.workspace_id, &hash_key(&key), now)
                .await?;
            key
        }
    };
    tx.commit().await?;
    Ok(StartupSandbox { workspace, api_key })
}

/// Seam's `workspace` object.
pub async fn workspace_json(state: &AppState, ws: &Workspace) -> ApiResult<Value> {
    let mut conn = state.pool.acquire().await?;
    let row = db::workspaces::get(&mut conn, ws.workspace_id)
        .await?
        .ok_or_else(|| ApiError::not_found("workspace_not_found", "Workspace not found"))?;
    Ok(json!({
        "workspace_id": row.workspace_id,
        "name": row.name,
        "company_name": row.name,
        "is_sandbox": row.is_sandbox,
        "is_suspended": false,
        "connect_partner_name": null,
        "connect_webview_customization": {},
        "is_publishable_key_auth_enabled": false,
        "organization_id": null,
    }))
}

/// `/_fake/default_seed`: the workspace id and the seeded device ids by name.
pub async fn default_seed(state: &AppState, ws: &Workspace) -> ApiResult<Value> {
    super::devices::require_sandbox(ws)?;
    let mut conn = state.pool.acquire().await?;
    let devices: Map<String, Value> = db::devices::seed_names(&mut conn, ws.workspace_id)
        .await?
        .into_iter()
        .map(|(name, id)| (name, Value::String(id.to_string())))
        .collect();
    Ok(json!({
        "workspace_id": ws.workspace_id,
        "connected_account_id": ws.connected_account_id,
        "devices": devices,
    }))
}

/// `workspaces/reset_sandbox`: the workspace returns to its seeded state with the same device
/// ids. Devices get their seeded state back; codes (and so every lock's contents), action
/// attempts and events go; API keys and webhook registrations stay. Leftover jobs find
/// nothing to do.
pub async fn reset(state: &AppState, ws: &Workspace) -> ApiResult<ActionAttemptRow> {
    super::devices::require_sandbox(ws)?;
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    // Take every device's write lock, in id order, as each writer takes one. Devices are
    // restored in place rather than deleted, so the reset never touches a job row a worker
    // holds (a worker holds its job, then waits for the device).
    sqlx::query(
        "SELECT device_id FROM devices WHERE workspace_id = $1 ORDER BY device_id FOR NO KEY UPDATE",
    )
    .bind(ws.workspace_id)
    .execute(&mut *tx)
    .await?;
    for table in ["access_codes", "action_attempts", "events"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE workspace_id = $1"))
            .bind(ws.workspace_id)
            .execute(&mut *tx)
            .await?;
    }
    let seeded = catalog::sandbox_devices(ws.workspace_id, now);
    for device in &seeded {
        if !db::devices::restore(&mut tx, device).await? {
            db::devices::insert_if_missing(&mut tx, device).await?;
        }
    }
    let names: Vec<String> = seeded.iter().map(|d| d.seed_name.clone()).collect();
    sqlx::query("DELETE FROM devices WHERE workspace_id = $1 AND NOT (seed_name = ANY($2))")
        .bind(ws.workspace_id)
        .bind(&names)
        .execute(&mut *tx)
        .await?;
    let attempt = db::action_attempts::insert(
        &mut tx,
        ws.workspace_id,
        action_type::RESET_SANDBOX_WORKSPACE,
        "pending",
        now,
    )
    .await?;
    db::action_attempts::resolve(&mut tx, attempt.action_attempt_id, Ok(json!({})), now).await?;
    let attempt = db::action_attempts::get(&mut tx, ws.workspace_id, attempt.action_attempt_id)
        .await?
        .unwrap_or(attempt);
    tx.commit().await?;
    Ok(attempt)
}
