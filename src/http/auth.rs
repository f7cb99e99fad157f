//! The API-key extractor: `Authorization: Bearer seam_...` to the caller's workspace.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::db;
use crate::error::ApiError;
use crate::service::sandbox::hash_key;
use crate::state::{AppState, Workspace};

/// The API key of a `Authorization: Bearer <key>` header, or why there is none.
pub fn bearer_key(headers: &HeaderMap) -> Result<&str, ApiError> {
    let header = headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or(ApiError::Unauthorized(
            "Missing Authorization header; send Authorization: Bearer <api key>",
        ))?;
    let value = header
        .to_str()
        .map_err(|_| ApiError::Unauthorized("Malformed Authorization header"))?;
    let (scheme, key) = value.trim().split_once(' ').ok_or(ApiError::Unauthorized(
        "Malformed Authorization header; expected Bearer <api key>",
    ))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::Unauthorized(
            "Unsupported authorization scheme; use Bearer <api key>",
        ));
    }
    Ok(key.trim())
}

impl FromRequestParts<AppState> for Workspace {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let key_hash = hash_key(bearer_key(&parts.headers)?);
        if let Some(ws) = state.keys.get(&key_hash) {
            return Ok(ws);
        }
        let mut conn = state.pool.acquire().await?;
        let row = db::workspaces::find_by_key_hash(&mut conn, &key_hash)
            .await?
            .ok_or(ApiError::Unauthorized("Invalid API key"))?;
        let ws = Workspace {
            workspace_id: row.workspace_id,
            is_sandbox: row.is_sandbox,
            connected_account_id: row.connected_account_id,
        };
        state.keys.insert(key_hash, ws);
        Ok(ws)
    }
}
