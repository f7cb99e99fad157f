//! The HTTP surface: Seam's routes with their verbs, request ids, tracing, and the error
//! envelope for unknown routes and wrong verbs.

mod access_codes;
pub mod auth;
mod devices;
mod events;
mod fake;
pub mod key_cache;
mod openapi_components;
mod pagination;
pub mod params;
pub mod routes;
mod webhooks;
mod workspaces;

use axum::extract::{Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{json, Value};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The header the SDKs read the request id from.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("seam-request-id");

/// A success body serialised straight to bytes, for large lists: `body` carries its own
/// `"ok": true`.
pub fn ok_serialized<T: serde::Serialize>(body: &T) -> ApiResult<Response> {
    let bytes = serde_json::to_vec(body).map_err(anyhow::Error::from)?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        bytes,
    )
        .into_response())
}

/// A success body: the documented keys plus `"ok": true`.
pub fn ok(mut body: Value) -> ApiResult<Json<Value>> {
    if let Value::Object(map) = &mut body {
        map.insert("ok".into(), Value::Bool(true));
    }
    Ok(Json(body))
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let api = routes::ROUTES
        .iter()
        .fold(Router::new(), |r, route| {
            r.route(route.path, (route.handler)(route.verbs))
        })
        .fallback(route_not_found)
        .layer(axum::extract::DefaultBodyLimit::max(params::MAX_BODY_BYTES))
        .with_state(state);
    api.layer(
        tower::ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }))
            .layer(PropagateRequestIdLayer::new(REQUEST_ID)),
    )
}

async fn route_not_found(req: Request) -> ApiError {
    ApiError::not_found(
        "not_found",
        format!("Route {} {} does not exist", req.method(), req.uri().path()),
    )
}

/// `GET /openapi.json`: the document built from the route table.
async fn openapi_json() -> Json<Value> {
    Json(routes::openapi())
}

/// `GET /health`: 200 when the database answers, 503 in the envelope when not.
async fn health(State(state): State<AppState>) -> Response {
    match sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(&state.pool)
        .await
    {
        Ok(_) => (
            StatusCode::OK,
            Json(json!({ "ok": true, "status": "healthy" })),
        )
            .into_response(),
        Err(_) => ApiError::Unavailable.into_response(),
    }
}
