//! The one error type of the API and its rendering as Seam's error envelope.
//!
//! Handlers and services return [`ApiError`]; [`IntoResponse`] turns it into
//! `{"error": {"type", "message", ...}, "ok": false}` with the right status. Database and
//! internal faults are logged with their cause and shown to the client only as a generic
//! `internal_server_error` (or `service_unavailable` when Postgres cannot be reached).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// Everything a request can fail with, by meaning rather than by cause.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Bad input: 400 `invalid_input` with `validation_errors` naming the parameter.
    #[error("{message}")]
    InvalidInput { param: String, message: String },
    /// A request that is well formed but breaks a rule: 400 with a specific type.
    #[error("{message}")]
    BadRequest {
        error_type: &'static str,
        message: String,
    },
    /// An id that does not exist in the caller's workspace, or an unknown route.
    #[error("{message}")]
    NotFound {
        error_type: &'static str,
        message: String,
    },
    /// Missing, malformed or unknown API key.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// A route that exists but not for this HTTP method.
    #[error("method {0} is not allowed on this route")]
    MethodNotAllowed(String),
    /// A body over the configured limit.
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// The database cannot be reached right now; the client may retry.
    #[error("the database is unavailable")]
    Unavailable,
    /// A database fault that is not the client's doing.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// Any other fault that is not the client's doing.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Shorthand for results of handlers and services.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// 400 `invalid_input` for one parameter.
    pub fn invalid(param: &str, message: impl Into<String>) -> Self {
        ApiError::InvalidInput {
            param: param.to_string(),
            message: message.into(),
        }
    }

    /// 400 with a specific error type.
    pub fn bad_request(error_type: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            error_type,
            message: message.into(),
        }
    }

    /// 404 with a specific `<resource>_not_found` type.
    pub fn not_found(error_type: &'static str, message: impl Into<String>) -> Self {
        ApiError::NotFound {
            error_type,
            message: message.into(),
        }
    }

    fn is_unavailable(err: &sqlx::Error) -> bool {
        matches!(
            err,
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed
        ) || matches!(err, sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("57P") || c.starts_with("08")))
    }

    fn parts(&self) -> (StatusCode, &'static str, String, Option<Value>) {
        match self {
            ApiError::InvalidInput { param, message } => (
                StatusCode::BAD_REQUEST,
                "invalid_input",
                message.clone(),
                Some(json!({ "_errors": [], (param.as_str()): { "_errors": [message] } })),
            ),
            ApiError::BadRequest {
                error_type,
                message,
            } => (StatusCode::BAD_REQUEST, error_type, message.clone(), None),
            ApiError::NotFound {
                error_type,
                message,
            } => (StatusCode::NOT_FOUND, error_type, message.clone(), None),
            ApiError::Unauthorized(message) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                message.to_string(),
                None,
            ),
            ApiError::MethodNotAllowed(_) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                self.to_string(),
                None,
            ),
            ApiError::PayloadTooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                self.to_string(),
                None,
            ),
            ApiError::Database(err) if Self::is_unavailable(err) => Self::unavailable_parts(),
            ApiError::Unavailable => Self::unavailable_parts(),
            ApiError::Database(_) | ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_server_error",
                "An internal error occurred; see the server log with this request's seam-request-id".to_string(),
                None,
            ),
        }
    }

    fn unavailable_parts() -> (StatusCode, &'static str, String, Option<Value>) {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "The database is unavailable; retry shortly".to_string(),
            None,
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error_type, message, validation_errors) = self.parts();
        if status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
        let mut error = json!({ "type": error_type, "message": message });
        if let Some(v) = validation_errors {
            error["validation_errors"] = v;
        }
        (status, axum::Json(json!({ "error": error, "ok": false }))).into_response()
    }
}
