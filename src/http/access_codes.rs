//! `access_codes/*` and `access_codes/unmanaged/*`.

use axum::extract::{OriginalUri, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use serde_json::{json, Value};

use super::pagination::{cursor, pagination};
use super::params::Params;
use super::{ok, ok_serialized};
use crate::db::access_codes::CodeFilter;
use crate::domain::access_code::{AccessCodeRow, AccessCodeView};
use crate::error::{ApiError, ApiResult};
use crate::service::access_codes::{self, CodeChange, NewCode};
use crate::service::{backup_pool, reads, unmanaged_codes};
use crate::state::{AppState, Workspace};

/// Seam's default page size for `access_codes/list` (every code of a device at once).
const DEFAULT_LIMIT: i64 = 55_000;

/// A code value's shape, checked before the device is looked up.
fn code_param(p: &Params) -> ApiResult<Option<String>> {
    let code = p.string("code")?;
    if let Some(c) = &code {
        if !(4..=12).contains(&c.len()) || !c.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::invalid("code", "code must be 4 to 12 digits"));
        }
    }
    Ok(code)
}

fn name_param(p: &Params) -> ApiResult<Option<String>> {
    p.string("name")
}

fn external_modification(p: &Params) -> ApiResult<Option<bool>> {
    Ok(p.bool("is_external_modification_allowed")?
        .or(p.bool("allow_external_modification")?))
}

/// `access_codes/create`.
pub async fn create(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let input = NewCode {
        device_id: p.required_uuid("device_id")?,
        name: name_param(&p)?,
        code: code_param(&p)?,
        starts_at: p.datetime("starts_at")?,
        ends_at: p.datetime("ends_at")?,
        use_backup_access_code_pool: p.bool("use_backup_access_code_pool")?.unwrap_or(false),
        is_external_modification_allowed: external_modification(&p)?.unwrap_or(false),
        preferred_code_length: p.int("preferred_code_length", 1, 12)?,
        common_code_key: p.string("common_code_key")?,
    };
    let (code, attempt) = access_codes::create(&state, &ws, input).await?;
    ok(json!({ "access_code": code.to_json(), "action_attempt": attempt.to_json() }))
}

/// `access_codes/get`, by `access_code_id` or by `device_id` and `code`.
pub async fn get(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let code = find(&state, &ws, &p, true).await?;
    ok(json!({ "access_code": code.to_json() }))
}

async fn find(
    state: &AppState,
    ws: &Workspace,
    p: &Params,
    managed: bool,
) -> ApiResult<AccessCodeRow> {
    if let Some(id) = p.uuid("access_code_id")? {
        return reads::access_code(state, ws, id, managed).await;
    }
    let (Some(device_id), Some(code)) = (p.uuid("device_id")?, p.string("code")?) else {
        return Err(ApiError::invalid(
            "access_code_id",
            "access_code_id (or device_id and code) is required",
        ));
    };
    let filter = CodeFilter {
        is_managed: managed,
        device_id: Some(device_id),
        code: Some(code.clone()),
        ..Default::default()
    };
    reads::access_codes(state, ws, &filter, None, 1)
        .await?
        .items
        .pop()
        .ok_or_else(|| {
            ApiError::not_found(
                "access_code_not_found",
                format!("No access code {code} on device {device_id}"),
            )
        })
}

async fn list_page(
    state: &AppState,
    ws: &Workspace,
    p: &Params,
    managed: bool,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let filter = CodeFilter {
        is_managed: managed,
        device_id: p.uuid("device_id")?,
        access_code_ids: p.uuid_list("access_code_ids")?,
        code: None,
        search: p.string("search")?.filter(|s| !s.is_empty()),
    };
    if filter.device_id.is_none() && filter.access_code_ids.is_none() {
        return Err(ApiError::invalid(
            "device_id",
            "device_id or access_code_ids is required",
        ));
    }
    let limit = p.int("limit", 1, DEFAULT_LIMIT)?.unwrap_or(DEFAULT_LIMIT);
    let page = reads::access_codes(state, ws, &filter, cursor(p)?, limit).await?;
    ok_serialized(&CodesPage {
        access_codes: page.items.iter().map(AccessCodeRow::view).collect(),
        pagination: pagination(page.next, uri, headers, p),
        ok: true,
    })
}

/// The body of `access_codes/list`, serialised without an intermediate JSON tree.
#[derive(serde::Serialize)]
struct CodesPage<'a> {
    access_codes: Vec<AccessCodeView<'a>>,
    pagination: Value,
    ok: bool,
}

/// `access_codes/list`: never lists unpulled backups.
pub async fn list(
    State(state): State<AppState>,
    ws: Workspace,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    p: Params,
) -> ApiResult<Response> {
    list_page(&state, &ws, &p, true, &uri, &headers).await
}

/// `access_codes/update`.
pub async fn update(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let id = p.required_uuid("access_code_id")?;
    let code_type = p.string("type")?;
    if !matches!(
        code_type.as_deref(),
        None | Some("ongoing") | Some("time_bound")
    ) {
        return Err(ApiError::invalid(
            "type",
            "type must be ongoing or time_bound",
        ));
    }
    let change = CodeChange {
        name: name_param(&p)?,
        code: code_param(&p)?,
        starts_at: p.datetime("starts_at")?,
        ends_at: p.datetime("ends_at")?,
        make_ongoing: code_type.as_deref() == Some("ongoing"),
        make_time_bound: code_type.as_deref() == Some("time_bound"),
        use_backup_access_code_pool: p.bool("use_backup_access_code_pool")?,
        is_external_modification_allowed: external_modification(&p)?,
    };
    let attempt = access_codes::update(&state, &ws, id, change).await?;
    ok(json!({ "action_attempt": attempt.to_json() }))
}

/// `access_codes/delete`.
pub async fn delete(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let id = p.required_uuid("access_code_id")?;
    let attempt = access_codes::delete(&state, &ws, id, true).await?;
    ok(json!({ "action_attempt": attempt.to_json() }))
}

/// `access_codes/generate_code`.
pub async fn generate_code(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let device_id = p.required_uuid("device_id")?;
    let code = access_codes::generate_code(&state, &ws, device_id).await?;
    ok(json!({ "generated_code": { "device_id": device_id, "code": code } }))
}

/// `access_codes/pull_backup_access_code`: the backup under both response keys.
pub async fn pull_backup(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let id = p.required_uuid("access_code_id")?;
    let backup = backup_pool::pull(&state, &ws, id).await?.to_json();
    ok(json!({ "access_code": backup, "backup_access_code": backup }))
}

/// `access_codes/unmanaged/get`.
pub async fn unmanaged_get(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let code = find(&state, &ws, &p, false).await?;
    ok(json!({ "access_code": code.to_json() }))
}

/// `access_codes/unmanaged/list`.
pub async fn unmanaged_list(
    State(state): State<AppState>,
    ws: Workspace,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    p: Params,
) -> ApiResult<Response> {
    list_page(&state, &ws, &p, false, &uri, &headers).await
}

/// `access_codes/simulate/create_unmanaged_access_code {device_id, name, code}`.
pub async fn simulate_create_unmanaged(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let device_id = p.required_uuid("device_id")?;
    let name = p.required("name", p.string("name"))?;
    let code = p.required("code", p.string("code"))?;
    if !(4..=8).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid("code", "code must be 4 to 8 digits"));
    }
    let created = unmanaged_codes::simulate_create(&state, &ws, device_id, name, code).await?;
    ok(json!({ "access_code": created.to_json() }))
}

/// `access_codes/unmanaged/update {access_code_id, is_managed}`.
pub async fn unmanaged_update(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let id = p.required_uuid("access_code_id")?;
    let is_managed = p.required("is_managed", p.bool("is_managed"))?;
    unmanaged_codes::update(&state, &ws, id, is_managed, external_modification(&p)?).await?;
    ok(json!({}))
}

/// `access_codes/unmanaged/convert_to_managed {access_code_id}`.
pub async fn unmanaged_convert(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let id = p.required_uuid("access_code_id")?;
    unmanaged_codes::convert_to_managed(&state, &ws, id, external_modification(&p)?).await?;
    ok(json!({}))
}

/// `access_codes/unmanaged/delete {access_code_id}`.
pub async fn unmanaged_delete(
    State(state): State<AppState>,
    ws: Workspace,
    p: Params,
) -> ApiResult<Json<Value>> {
    let id = p.required_uuid("access_code_id")?;
    let attempt = access_codes::delete(&state, &ws, id, false).await?;
    ok(json!({ "action_attempt": attempt.to_json() }))
}
