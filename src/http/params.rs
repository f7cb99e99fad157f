//! Request parameters from the query string, the JSON body, or both (the body wins).
//!
//! Seam's clients send parameters three ways: SDKs put `GET`/`DELETE` parameters in the query
//! string (arrays as repeated keys), JS 1.x POSTs JSON, and Seam's curl examples send `GET`
//! with a JSON body. [`Params`] merges them into one map, and its typed accessors turn every
//! malformed value into a 400 `invalid_input` that names the parameter.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// Largest request body accepted, in bytes (answered with 413 in Seam's envelope).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Longest free-text value (names, nicknames) accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 1000;

/// Parameters whose names the SDKs add for their own purposes and that carry no meaning here.
const IGNORED_PARAMS: &[&str] = &["_strict"];

/// The merged parameters of one request.
#[derive(Debug, Default)]
pub struct Params {
    map: Map<String, Value>,
}

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let declared_len = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared_len.is_some_and(|n| n > MAX_BODY_BYTES) {
            return Err(ApiError::PayloadTooLarge(MAX_BODY_BYTES));
        }
        let query = req.uri().query().map(str::to_owned);
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::PayloadTooLarge(MAX_BODY_BYTES))?;
        let mut params = Params::default();
        if let Some(query) = query {
            params.merge_query(&query);
        }
        params.merge_body(&bytes)?;
        params.refuse_nul()?;
        Ok(params)
    }
}

/// Whether a value holds U+0000 anywhere (in a string or an object key).
fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

impl Params {
    /// Builds parameters from a JSON object (used by tests and internal callers).
    pub fn from_json(value: Value) -> Self {
        match value {
            Value::Object(map) => Params { map },
            _ => Params::default(),
        }
    }

    fn merge_query(&mut self, query: &str) {
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let key = key.strip_suffix("[]").unwrap_or(&key).to_string();
            if IGNORED_PARAMS.contains(&key.as_str()) {
                continue;
            }
            let value = Value::String(value.into_owned());
            match self.map.get_mut(&key) {
                Some(Value::Array(items)) => items.push(value),
                Some(existing) => {
                    let first = existing.take();
                    *existing = Value::Array(vec![first, value]);
                }
                None => {
                    self.map.insert(key, value);
                }
            }
        }
    }

    fn merge_body(&mut self, bytes: &[u8]) -> ApiResult<()> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let body: Value = serde_json::from_slice(bytes).map_err(|e| {
            ApiError::invalid("body", format!("the request body is not valid JSON: {e}"))
        })?;
        match body {
            Value::Object(map) => {
                for (key, value) in map {
                    if !IGNORED_PARAMS.contains(&key.as_str()) {
                        self.map.insert(key, value);
                    }
                }
                Ok(())
            }
            Value::Null => Ok(()),
            _ => Err(ApiError::invalid(
                "body",
                "the request body must be a JSON object",
            )),
        }
    }

    /// The parameters as query-string pairs in the forms [`Params`] reads back: lists as
    /// repeated keys (the empty list as an empty value), other non-strings as JSON text.
    /// `null`s are left out, as they mean "absent".
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let mut pairs = Vec::new();
        for (key, value) in &self.map {
            match value {
                Value::Null => {}
                Value::Array(items) if items.is_empty() => pairs.push((key.clone(), String::new())),
                Value::Array(items) => pairs.extend(items.iter().map(|v| (key.clone(), text(v)))),
                other => pairs.push((key.clone(), text(other))),
            }
        }
        pairs
    }

    /// Refuses U+0000 in any parameter: Postgres cannot store it in text or JSON, so it would
    /// otherwise fail deep in a query instead of as bad input.
    fn refuse_nul(&self) -> ApiResult<()> {
        match self
            .map
            .iter()
            .find(|(k, v)| k.contains('\0') || has_nul(v))
        {
            Some((name, _)) => Err(ApiError::invalid(
                name,
                format!("{name} must not contain NUL characters"),
            )),
            None => Ok(()),
        }
    }

    /// The raw value of a parameter; JSON `null` counts as absent.
    fn raw(&self, name: &str) -> Option<&Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    /// Whether the parameter was sent at all, `null` included.
    pub fn is_present(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// Whether the parameter was sent as an explicit `null`.
    pub fn is_null(&self, name: &str) -> bool {
        matches!(self.map.get(name), Some(Value::Null))
    }

    /// A single scalar value; repeated query keys are refused.
    fn scalar(&self, name: &str) -> ApiResult<Option<&Value>> {
        match self.raw(name) {
            Some(Value::Array(_)) => Err(ApiError::invalid(
                name,
                format!("{name} must be a single value, not a list"),
            )),
            other => Ok(other),
        }
    }

    /// A required parameter: absent is an error naming it.
    pub fn required<T>(&self, name: &str, value: ApiResult<Option<T>>) -> ApiResult<T> {
        value?.ok_or_else(|| ApiError::invalid(name, format!("{name} is required")))
    }

    /// An optional string, at most [`MAX_TEXT_CHARS`] characters.
    pub fn string(&self, name: &str) -> ApiResult<Option<String>> {
        match self.scalar(name)? {
            None => Ok(None),
            Some(Value::String(s)) if s.chars().count() > MAX_TEXT_CHARS => Err(ApiError::invalid(
                name,
                format!("{name} must be at most {MAX_TEXT_CHARS} characters"),
            )),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::invalid(name, format!("{name} must be a string"))),
        }
    }

    /// An optional UUID.
    pub fn uuid(&self, name: &str) -> ApiResult<Option<Uuid>> {
        match self.scalar(name)? {
            None => Ok(None),
            Some(v) => parse_uuid(name, v).map(Some),
        }
    }

    /// A required UUID.
    pub fn required_uuid(&self, name: &str) -> ApiResult<Uuid> {
        self.required(name, self.uuid(name))
    }

    /// An optional boolean (`true`/`false` as JSON or as query text).
    pub fn bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.scalar(name)? {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s == "true" => Ok(Some(true)),
            Some(Value::String(s)) if s == "false" => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid(name, format!("{name} must be a boolean"))),
        }
    }

    /// An optional integer within `min..=max`.
    pub fn int(&self, name: &str, min: i64, max: i64) -> ApiResult<Option<i64>> {
        let n = match self.scalar(name)? {
            None => return Ok(None),
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
            Some(_) => None,
        };
        match n {
            Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(ApiError::invalid(
                name,
                format!("{name} must be an integer from {min} to {max}"),
            )),
        }
    }

    /// An optional RFC 3339 timestamp, normalised to UTC milliseconds.
    pub fn datetime(&self, name: &str) -> ApiResult<Option<DateTime<Utc>>> {
        match self.scalar(name)? {
            None => Ok(None),
            Some(Value::String(s)) => DateTime::parse_from_rfc3339(s.trim())
                .map(|t| Some(crate::clock::to_millis(t.with_timezone(&Utc))))
                .map_err(|_| {
                    ApiError::invalid(
                        name,
                        format!(
                            "{name} must be an RFC 3339 timestamp such as 2025-01-22T12:00:00Z"
                        ),
                    )
                }),
            Some(_) => Err(ApiError::invalid(
                name,
                format!("{name} must be an RFC 3339 timestamp string"),
            )),
        }
    }

    /// An optional list of strings: a JSON array, repeated query keys, a single value, or
    /// an empty query value for the empty list.
    pub fn string_list(&self, name: &str) -> ApiResult<Option<Vec<String>>> {
        let items: Vec<&Value> = match self.raw(name) {
            None => return Ok(None),
            Some(Value::Array(items)) => items.iter().collect(),
            Some(Value::String(s)) if s.is_empty() => Vec::new(),
            Some(v) => vec![v],
        };
        if items.len() > 1000 {
            return Err(ApiError::invalid(
                name,
                format!("{name} may hold at most 1000 items"),
            ));
        }
        items
            .into_iter()
            .map(|v| match v {
                Value::String(s) if s.chars().count() <= MAX_TEXT_CHARS => Ok(s.clone()),
                _ => Err(ApiError::invalid(
                    name,
                    format!("{name} must be a list of strings"),
                )),
            })
            .collect::<ApiResult<Vec<_>>>()
            .map(Some)
    }

    /// An optional list of UUIDs, in any of the forms [`Params::string_list`] takes.
    pub fn uuid_list(&self, name: &str) -> ApiResult<Option<Vec<Uuid>>> {
        let Some(items) = self.string_list(name)? else {
            return Ok(None);
        };
        items
            .iter()
            .map(|s| {
                Uuid::parse_str(s)
                    .map_err(|_| ApiError::invalid(name, format!("{name} must be a list of UUIDs")))
            })
            .collect::<ApiResult<Vec<_>>>()
            .map(Some)
    }

    /// An optional JSON object (such as `custom_metadata`).
    pub fn object(&self, name: &str) -> ApiResult<Option<Map<String, Value>>> {
        match self.scalar(name)? {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map.clone())),
            Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(map)) => Ok(Some(map)),
                _ => Err(ApiError::invalid(name, format!("{name} must be an object"))),
            },
            Some(_) => Err(ApiError::invalid(name, format!("{name} must be an object"))),
        }
    }
}

fn parse_uuid(name: &str, value: &Value) -> ApiResult<Uuid> {
    match value {
        Value::String(s) => Uuid::parse_str(s.trim())
            .map_err(|_| ApiError::invalid(name, format!("{name} must be a UUID"))),
        _ => Err(ApiError::invalid(
            name,
            format!("{name} must be a UUID string"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn from(query: &str, body: &str) -> ApiResult<Params> {
        let mut p = Params::default();
        p.merge_query(query);
        p.merge_body(body.as_bytes())?;
        Ok(p)
    }

    #[test]
    fn body_wins_over_query() {
        let p = from("name=a&limit=5", r#"{"name":"b"}"#).unwrap();
        assert_eq!(p.string("name").unwrap().as_deref(), Some("b"));
        assert_eq!(p.int("limit", 1, 10).unwrap(), Some(5));
    }

    #[test]
    fn repeated_query_keys_are_lists_and_empty_value_is_empty_list() {
        let a = Uuid::new_v4();
        let b = Uuid::new_v4();
        let p = from(&format!("ids={a}&ids={b}&other=&_strict=true"), "").unwrap();
        assert_eq!(p.uuid_list("ids").unwrap(), Some(vec![a, b]));
        assert_eq!(p.string_list("other").unwrap(), Some(vec![]));
        assert!(!p.is_present("_strict"));
        assert!(p.string("ids").is_err());
    }

    #[test]
    fn query_pairs_read_back_as_the_same_parameters() {
        let a = Uuid::new_v4();
        let p = Params::from_json(json!({
            "device_ids": [a], "device_types": [], "limit": 2, "flag": true,
            "search": "a b&c", "custom_metadata": {"k": "v"}, "page_cursor": null,
        }));
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(p.query_pairs())
            .finish();
        let back = from(&query, "").unwrap();
        assert_eq!(back.uuid_list("device_ids").unwrap(), Some(vec![a]));
        assert_eq!(back.string_list("device_types").unwrap(), Some(vec![]));
        assert_eq!(back.int("limit", 1, 10).unwrap(), Some(2));
        assert_eq!(back.bool("flag").unwrap(), Some(true));
        assert_eq!(back.string("search").unwrap().as_deref(), Some("a b&c"));
        assert_eq!(
            back.object("custom_metadata").unwrap(),
            p.object("custom_metadata").unwrap()
        );
        assert!(!back.is_present("page_cursor"));
    }

    #[test]
    fn malformed_values_name_the_parameter() {
        let p = Params::from_json(json!({"device_id": 3, "flag": "yes", "limit": "x"}));
        for (name, err) in [
            ("device_id", p.uuid("device_id").unwrap_err()),
            ("flag", p.bool("flag").unwrap_err()),
            ("limit", p.int("limit", 1, 5).unwrap_err()),
        ] {
            match err {
                ApiError::InvalidInput { param, .. } => assert_eq!(param, name),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(from("", "[1]").is_err());
        let nul = from("name=a%00b", "").unwrap();
        assert!(nul.refuse_nul().is_err());
        let nested = from("", r#"{"custom_metadata":{"k":["\u0000"]}}"#).unwrap();
        match nested.refuse_nul().unwrap_err() {
            ApiError::InvalidInput { param, .. } => assert_eq!(param, "custom_metadata"),
            other => panic!("unexpected {other:?}"),
        }
        assert!(from("", "{").is_err());
    }
}
