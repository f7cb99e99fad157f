//! The state every handler and worker shares: one cheap `Clone`.

use std::sync::Arc;

use sqlx::PgPool;

use crate::clock::Clock;
use crate::config::Behaviour;
use crate::http::key_cache::KeyCache;

/// Database pool, clock, behaviour knobs and the API-key cache.
#[derive(Debug, Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub clock: Arc<dyn Clock>,
    pub behaviour: Arc<Behaviour>,
    pub keys: KeyCache,
}

impl AppState {
    /// Bundles the parts.
    pub fn new(pool: PgPool, clock: Arc<dyn Clock>, behaviour: Behaviour) -> Self {
        AppState {
            pool,
            clock,
            behaviour: Arc::new(behaviour),
            keys: KeyCache::default(),
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
