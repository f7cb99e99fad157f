//! Repositories: one module per table family. Every function takes a `&mut PgConnection`,
//! so a service composes several of them inside one transaction.

pub mod access_codes;
pub mod action_attempts;
pub mod devices;
pub mod events;
pub mod jobs;
pub mod webhooks;
pub mod workspaces;

/// Keyset position for stable pagination: the last row's `(created_at, id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct After {
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub id: uuid::Uuid,
}

/// An ILIKE pattern matching `text` anywhere, with LIKE's wildcards escaped.
pub fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}
