//! The HTTP surface: Seam's routes with their verbs, request ids, tracing, and the error
//! envelope for unknown routes and wrong verbs.

mod access_codes;
mod auth;
mod devices;
mod events;
mod fake;
mod pagination;
pub mod params;
mod webhooks;

use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::{HeaderName, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use serde_json::{json, Value};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Workspace};

/// The header the SDKs read the request id from.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("seam-request-id");

/// A success body: the documented keys plus `"ok": true`.
pub fn ok(mut body: Value) -> ApiResult<Json<Value>> {
    if let Value::Object(map) = &mut body {
        map.insert("ok".into(), Value::Bool(true));
    }
    Ok(Json(body))
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(method.to_string())
}

/// A read route: `GET` and `POST`.
fn read<H: Handler<T, AppState>, T: 'static>(h: H) -> MethodRouter<AppState> {
    get(h.clone()).post(h).fallback(method_not_allowed)
}

/// A write route: `POST` only.
fn write<H: Handler<T, AppState>, T: 'static>(h: H) -> MethodRouter<AppState> {
    post(h).fallback(method_not_allowed)
}

/// An update route: `POST`, `PATCH` and `PUT`.
fn update<H: Handler<T, AppState>, T: 'static>(h: H) -> MethodRouter<AppState> {
    post(h.clone())
        .patch(h.clone())
        .put(h)
        .fallback(method_not_allowed)
}

/// A delete route: `POST` and `DELETE`.
fn delete<H: Handler<T, AppState>, T: 'static>(h: H) -> MethodRouter<AppState> {
    post(h.clone()).delete(h).fallback(method_not_allowed)
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(health).fallback(method_not_allowed))
        .route("/workspaces/get", read(workspaces_get))
        .route("/devices/get", read(devices::get))
        .route("/devices/list", read(devices::list))
        .route("/devices/update", update(devices::update))
        .route("/devices/unmanaged/get", read(devices::unmanaged_get))
        .route("/devices/unmanaged/list", read(devices::unmanaged_list))
        .route(
            "/devices/unmanaged/update",
            update(devices::unmanaged_update),
        )
        .route("/locks/get", read(devices::locks_get))
        .route("/locks/list", read(devices::locks_list))
        .route(
            "/devices/simulate/connect",
            write(devices::simulate_connect),
        )
        .route(
            "/devices/simulate/disconnect",
            write(devices::simulate_disconnect),
        )
        .route("/devices/simulate/remove", write(devices::simulate_remove))
        .route("/access_codes/create", write(access_codes::create))
        .route("/access_codes/get", read(access_codes::get))
        .route("/access_codes/list", read(access_codes::list))
        .route("/access_codes/update", update(access_codes::update))
        .route("/access_codes/delete", delete(access_codes::delete))
        .route(
            "/access_codes/generate_code",
            read(access_codes::generate_code),
        )
        .route(
            "/access_codes/pull_backup_access_code",
            write(access_codes::pull_backup),
        )
        .route(
            "/access_codes/unmanaged/get",
            read(access_codes::unmanaged_get),
        )
        .route(
            "/access_codes/unmanaged/list",
            read(access_codes::unmanaged_list),
        )
        .route("/action_attempts/get", read(events::action_attempt_get))
        .route("/action_attempts/list", read(events::action_attempt_list))
        .route("/events/get", read(events::event_get))
        .route("/events/list", read(events::event_list))
        .route("/webhooks/create", write(webhooks::create))
        .route("/webhooks/get", read(webhooks::get))
        .route("/webhooks/list", read(webhooks::list))
        .route("/webhooks/update", update(webhooks::update))
        .route("/webhooks/delete", delete(webhooks::delete))
        .route("/_fake/default_seed", read(fake::default_seed))
        .route("/_fake/webhook_deliveries", read(webhooks::deliveries))
        .route(
            "/_fake/devices/fail_next_attempts",
            write(fake::fail_next_attempts),
        )
        .route("/_fake/devices/set_slot_count", write(fake::set_slot_count))
        .route("/_fake/devices/set_latency", write(fake::set_latency))
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

async fn workspaces_get(
    State(state): State<AppState>,
    ws: Workspace,
    _p: params::Params,
) -> ApiResult<Json<Value>> {
    let workspace = crate::service::sandbox::workspace_json(&state, &ws).await?;
    ok(json!({ "workspace": workspace }))
}
