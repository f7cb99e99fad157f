//! The state every handler and worker shares: one cheap `Clone`.

use std::sync::Arc;

use sqlx::PgPool;

use crate::clock::Clock;
use crate::config::Behaviour;

/// Database pool, clock and behaviour knobs.
#[derive(Debug, Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub clock: Arc<dyn Clock>,
    pub behaviour: Arc<Behaviour>,
}

impl AppState {
    /// Bundles the parts.
    pub fn new(pool: PgPool, clock: Arc<dyn Clock>, behaviour: Behaviour) -> Self {
        AppState {
            pool,
            clock,
            behaviour: Arc::new(behaviour),
        }
    }
}

/// The caller's workspace, established by the API key.
#[derive(Debug, Clone, Copy)]
pub struct Workspace {
    pub workspace_id: uuid::Uuid,
    pub is_sandbox: bool,
    pub connected_account_id: uuid::Uuid,
}
