//! Remembers which workspace an API key hash opens, so most requests skip the key lookup.
//!
//! Safe without expiry: keys and workspaces are never deleted or moved, so a cached answer
//! can never become wrong; unknown keys are not cached, so a key created later (by another
//! instance or the CLI) is found on its first use.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::state::Workspace;

/// Most keys remembered before the cache starts over.
const CAPACITY: usize = 10_000;

/// Key hash to workspace.
#[derive(Debug, Clone, Default)]
pub struct KeyCache(Arc<RwLock<HashMap<Vec<u8>, Workspace>>>);

impl KeyCache {
    /// The workspace of a key hash, if seen before.
    pub fn get(&self, key_hash: &[u8]) -> Option<Workspace> {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(key_hash)
            .copied()
    }

    /// Remembers a verified key hash.
    pub fn insert(&self, key_hash: Vec<u8>, ws: Workspace) {
        let mut map = self.0.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= CAPACITY {
            map.clear();
        }
        map.insert(key_hash, ws);
    }
}
