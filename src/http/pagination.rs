//! Opaque page cursors and Seam's `pagination` object.

use axum::http::{HeaderMap, Uri};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Datelike};
use serde_json::{json, Value};
use uuid::Uuid;

use super::params::Params;
use crate::db::After;
use crate::error::{ApiError, ApiResult};

/// Reads `page_cursor` (absent or null means the first page).
pub fn cursor(params: &Params) -> ApiResult<Option<After>> {
    let Some(raw) = params.string("page_cursor")? else {
        return Ok(None);
    };
    decode(&raw).map(Some).ok_or_else(|| {
        ApiError::invalid(
            "page_cursor",
            "page_cursor is not a cursor this server issued",
        )
    })
}

fn decode(raw: &str) -> Option<After> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (micros, id) = text.split_once(':')?;
    let created_at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
    // Only times this server could have issued, and Postgres can compare against.
    if !(1..=9999).contains(&created_at.year()) {
        return None;
    }
    Some(After {
        created_at,
        id: Uuid::parse_str(id).ok()?,
    })
}

fn encode(after: After) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{}:{}",
        after.created_at.timestamp_micros(),
        after.id
    ))
}

/// Seam's `pagination` object; `next_page_url` repeats the request's parameters (from its
/// query string and its JSON body) as a query string, with the next cursor.
pub fn pagination(next: Option<After>, uri: &Uri, headers: &HeaderMap, params: &Params) -> Value {
    let Some(next) = next else {
        return json!({ "has_next_page": false, "next_page_cursor": null, "next_page_url": null });
    };
    let cursor = encode(next);
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.query_pairs() {
        if k != "page_cursor" {
            query.append_pair(&k, &v);
        }
    }
    query.append_pair("page_cursor", &cursor);
    json!({
        "has_next_page": true,
        "next_page_cursor": cursor,
        "next_page_url": format!("http://{host}{}?{}", uri.path(), query.finish()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let after = After {
            created_at: DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap(),
            id: Uuid::new_v4(),
        };
        assert_eq!(decode(&encode(after)), Some(after));
        assert_eq!(decode("not-a-cursor"), None);
        assert_eq!(decode(""), None);
        let ancient =
            URL_SAFE_NO_PAD.encode(format!("{}:{}", -8_000_000_000_000_000_000i64, Uuid::nil()));
        assert_eq!(decode(&ancient), None);
    }
}
