//! The route table: every route with its verbs, parameters and response keys. The router and
//! the published OpenAPI document are both built from it, so they cannot disagree.

use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{get, post, MethodRouter};
use serde_json::{json, Map, Value};

use super::{access_codes, devices, events, fake, webhooks, workspaces};
use crate::error::ApiError;
use crate::state::AppState;

/// Which HTTP verbs a route takes, as Seam assigns them by action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbs {
    /// `get`, `list`: GET and POST.
    Read,
    /// `create`, actions: POST.
    Write,
    /// `update` as most resources take it: POST and PATCH.
    Patch,
    /// `access_codes/update`: POST, PATCH and PUT.
    PatchPut,
    /// `webhooks/update`: POST and PUT.
    Put,
    /// `delete`: POST and DELETE.
    Delete,
}

impl Verbs {
    /// The methods, in the order they are listed.
    pub fn methods(self) -> &'static [Method] {
        match self {
            Verbs::Read => &[Method::GET, Method::POST],
            Verbs::Write => &[Method::POST],
            Verbs::Patch => &[Method::POST, Method::PATCH],
            Verbs::PatchPut => &[Method::POST, Method::PATCH, Method::PUT],
            Verbs::Put => &[Method::POST, Method::PUT],
            Verbs::Delete => &[Method::POST, Method::DELETE],
        }
    }

    /// A method router serving `h` on exactly these verbs; others get a 405 envelope.
    pub fn serve<H: Handler<T, AppState>, T: 'static>(self, h: H) -> MethodRouter<AppState> {
        let router = match self {
            Verbs::Read => get(h.clone()).post(h),
            Verbs::Write => post(h),
            Verbs::Patch => post(h.clone()).patch(h),
            Verbs::PatchPut => post(h.clone()).patch(h.clone()).put(h),
            Verbs::Put => post(h.clone()).put(h),
            Verbs::Delete => post(h.clone()).delete(h),
        };
        router.fallback(method_not_allowed)
    }
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(method.to_string())
}

/// The JSON type of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Uuid,
    Str,
    Bool,
    Int,
    Time,
    UuidList,
    StrList,
    Object,
}

/// A parameter: name, type, required.
pub type Param = (&'static str, Ty, bool);

/// One route of the API.
pub struct Route {
    pub path: &'static str,
    pub verbs: Verbs,
    pub summary: &'static str,
    pub params: &'static [Param],
    /// Response keys beside `ok`, with the schema each holds (`name` or `name[]`).
    pub response: &'static [(&'static str, &'static str)],
    pub handler: fn(Verbs) -> MethodRouter<AppState>,
}

use Ty::*;

const DEVICE_ID: Param = ("device_id", Uuid, true);
const CODE_ID: Param = ("access_code_id", Uuid, true);
const PAGE: [Param; 2] = [("limit", Int, false), ("page_cursor", Str, false)];
const DEVICE_FILTERS: &[Param] = &[
    ("device_ids", UuidList, false),
    ("device_type", Str, false),
    ("device_types", StrList, false),
    ("manufacturer", Str, false),
    ("search", Str, false),
    PAGE[0],
    PAGE[1],
];
const CODE_FILTERS: &[Param] = &[
    ("device_id", Uuid, false),
    ("access_code_ids", UuidList, false),
    ("search", Str, false),
    PAGE[0],
    PAGE[1],
];
const CODE_WRITE: &[Param] = &[
    DEVICE_ID,
    ("name", Str, false),
    ("code", Str, false),
    ("starts_at", Time, false),
    ("ends_at", Time, false),
    ("use_backup_access_code_pool", Bool, false),
    ("is_external_modification_allowed", Bool, false),
    ("allow_external_modification", Bool, false),
    ("preferred_code_length", Int, false),
    ("common_code_key", Str, false),
];
const CODE_UPDATE: &[Param] = &[
    CODE_ID,
    ("name", Str, false),
    ("code", Str, false),
    ("starts_at", Time, false),
    ("ends_at", Time, false),
    ("type", Str, false),
    ("use_backup_access_code_pool", Bool, false),
    ("is_external_modification_allowed", Bool, false),
    ("allow_external_modification", Bool, false),
];
const GET_BY_DEVICE: &[Param] = &[("device_id", Uuid, false), ("name", Str, false)];
const GET_CODE: &[Param] = &[
    ("access_code_id", Uuid, false),
    ("device_id", Uuid, false),
    ("code", Str, false),
];
const PAGINATED_DEVICES: &[(&str, &str)] = &[("devices", "device[]"), ("pagination", "pagination")];
const ATTEMPT: &[(&str, &str)] = &[("action_attempt", "action_attempt")];
const INJECTION: &[(&str, &str)] = &[
    ("device_id", "string"),
    ("fail_next_attempts", "integer"),
    ("max_active_codes_supported", "integer"),
    ("latency_ms", "integer"),
];

/// Every route, in the order the docs list them.
pub const ROUTES: &[Route] = &[
    Route {
        path: "/health",
        verbs: Verbs::Read,
        summary: "Liveness: 200 when the database answers, 503 otherwise",
        params: &[],
        response: &[("status", "string")],
        handler: |v| v.serve(super::health),
    },
    Route {
        path: "/workspaces/get",
        verbs: Verbs::Read,
        summary: "The caller's workspace",
        params: &[],
        response: &[("workspace", "workspace")],
        handler: |v| v.serve(workspaces::get),
    },
    Route {
        path: "/workspaces/reset_sandbox",
        verbs: Verbs::Write,
        summary: "Restore the sandbox to its seed, with the same device ids",
        params: &[],
        response: ATTEMPT,
        handler: |v| v.serve(workspaces::reset_sandbox),
    },
    Route {
        path: "/devices/get",
        verbs: Verbs::Read,
        summary: "Get a managed device",
        params: GET_BY_DEVICE,
        response: &[("device", "device")],
        handler: |v| v.serve(devices::get),
    },
    Route {
        path: "/devices/list",
        verbs: Verbs::Read,
        summary: "List managed devices",
        params: DEVICE_FILTERS,
        response: PAGINATED_DEVICES,
        handler: |v| v.serve(devices::list),
    },
    Route {
        path: "/devices/update",
        verbs: Verbs::Patch,
        summary: "Rename, set metadata, unmanage, or switch the backup pool off",
        params: &[
            DEVICE_ID,
            ("name", Str, false),
            ("properties", Object, false),
            ("custom_metadata", Object, false),
            ("is_managed", Bool, false),
            ("backup_access_code_pool_enabled", Bool, false),
        ],
        response: &[],
        handler: |v| v.serve(devices::update),
    },
    Route {
        path: "/devices/unmanaged/get",
        verbs: Verbs::Read,
        summary: "Get an unmanaged device",
        params: GET_BY_DEVICE,
        response: &[("device", "unmanaged_device")],
        handler: |v| v.serve(devices::unmanaged_get),
    },
    Route {
        path: "/devices/unmanaged/list",
        verbs: Verbs::Read,
        summary: "List unmanaged devices",
        params: DEVICE_FILTERS,
        response: &[
            ("devices", "unmanaged_device[]"),
            ("pagination", "pagination"),
        ],
        handler: |v| v.serve(devices::unmanaged_list),
    },
    Route {
        path: "/devices/unmanaged/update",
        verbs: Verbs::Patch,
        summary: "Manage an unmanaged device again",
        params: &[
            DEVICE_ID,
            ("is_managed", Bool, false),
            ("custom_metadata", Object, false),
        ],
        response: &[],
        handler: |v| v.serve(devices::unmanaged_update),
    },
    Route {
        path: "/locks/get",
        verbs: Verbs::Read,
        summary: "Deprecated alias of devices/get",
        params: GET_BY_DEVICE,
        response: &[("lock", "device"), ("device", "device")],
        handler: |v| v.serve(devices::locks_get),
    },
    Route {
        path: "/locks/list",
        verbs: Verbs::Read,
        summary: "Deprecated alias of devices/list, locks only",
        params: DEVICE_FILTERS,
        response: &[("locks", "device[]"), ("devices", "device[]")],
        handler: |v| v.serve(devices::locks_list),
    },
    Route {
        path: "/devices/simulate/connect",
        verbs: Verbs::Write,
        summary: "Sandbox: bring a lock online",
        params: &[DEVICE_ID],
        response: &[],
        handler: |v| v.serve(devices::simulate_connect),
    },
    Route {
        path: "/devices/simulate/disconnect",
        verbs: Verbs::Write,
        summary: "Sandbox: take a lock offline",
        params: &[DEVICE_ID],
        response: &[],
        handler: |v| v.serve(devices::simulate_disconnect),
    },
    Route {
        path: "/devices/simulate/remove",
        verbs: Verbs::Write,
        summary: "Sandbox: remove a lock from its account",
        params: &[DEVICE_ID],
        response: &[],
        handler: |v| v.serve(devices::simulate_remove),
    },
    Route {
        path: "/access_codes/create",
        verbs: Verbs::Write,
        summary: "Create an access code",
        params: CODE_WRITE,
        response: &[
            ("access_code", "access_code"),
            ("action_attempt", "action_attempt"),
        ],
        handler: |v| v.serve(access_codes::create),
    },
    Route {
        path: "/access_codes/get",
        verbs: Verbs::Read,
        summary: "Get an access code",
        params: GET_CODE,
        response: &[("access_code", "access_code")],
        handler: |v| v.serve(access_codes::get),
    },
    Route {
        path: "/access_codes/list",
        verbs: Verbs::Read,
        summary: "List a device's codes (never unpulled backups)",
        params: CODE_FILTERS,
        response: &[
            ("access_codes", "access_code[]"),
            ("pagination", "pagination"),
        ],
        handler: |v| v.serve(access_codes::list),
    },
    Route {
        path: "/access_codes/update",
        verbs: Verbs::PatchPut,
        summary: "Change an access code's name, code or window",
        params: CODE_UPDATE,
        response: ATTEMPT,
        handler: |v| v.serve(access_codes::update),
    },
    Route {
        path: "/access_codes/delete",
        verbs: Verbs::Delete,
        summary: "Delete an access code",
        params: &[CODE_ID],
        response: ATTEMPT,
        handler: |v| v.serve(access_codes::delete),
    },
    Route {
        path: "/access_codes/generate_code",
        verbs: Verbs::Read,
        summary: "A free code value for a device",
        params: &[DEVICE_ID],
        response: &[("generated_code", "generated_code")],
        handler: |v| v.serve(access_codes::generate_code),
    },
    Route {
        path: "/access_codes/pull_backup_access_code",
        verbs: Verbs::Write,
        summary: "The backup of a time-bound code, pulled from its device's pool",
        params: &[CODE_ID],
        response: &[
            ("access_code", "access_code"),
            ("backup_access_code", "access_code"),
        ],
        handler: |v| v.serve(access_codes::pull_backup),
    },
    Route {
        path: "/access_codes/unmanaged/get",
        verbs: Verbs::Read,
        summary: "Get an unmanaged access code",
        params: GET_CODE,
        response: &[("access_code", "access_code")],
        handler: |v| v.serve(access_codes::unmanaged_get),
    },
    Route {
        path: "/access_codes/unmanaged/list",
        verbs: Verbs::Read,
        summary: "List a device's unmanaged codes",
        params: CODE_FILTERS,
        response: &[
            ("access_codes", "access_code[]"),
            ("pagination", "pagination"),
        ],
        handler: |v| v.serve(access_codes::unmanaged_list),
    },
    Route {
        path: "/access_codes/unmanaged/update",
        verbs: Verbs::Patch,
        summary: "Change or convert an unmanaged access code",
        params: &[
            CODE_ID,
            ("is_managed", Bool, true),
            ("is_external_modification_allowed", Bool, false),
            ("allow_external_modification", Bool, false),
        ],
        response: &[],
        handler: |v| v.serve(access_codes::unmanaged_update),
    },
    Route {
        path: "/access_codes/unmanaged/delete",
        verbs: Verbs::Delete,
        summary: "Remove an unmanaged access code from its lock",
        params: &[CODE_ID],
        response: ATTEMPT,
        handler: |v| v.serve(access_codes::unmanaged_delete),
    },
    Route {
        path: "/access_codes/unmanaged/convert_to_managed",
        verbs: Verbs::Patch,
        summary: "Manage an unmanaged access code",
        params: &[
            CODE_ID,
            ("is_external_modification_allowed", Bool, false),
            ("allow_external_modification", Bool, false),
        ],
        response: &[],
        handler: |v| v.serve(access_codes::unmanaged_convert),
    },
    Route {
        path: "/access_codes/simulate/create_unmanaged_access_code",
        verbs: Verbs::Write,
        summary: "Sandbox: a code typed on the lock's keypad",
        params: &[DEVICE_ID, ("name", Str, true), ("code", Str, true)],
        response: &[("access_code", "access_code")],
        handler: |v| v.serve(access_codes::simulate_create_unmanaged),
    },
    Route {
        path: "/action_attempts/get",
        verbs: Verbs::Read,
        summary: "Get an action attempt",
        params: &[("action_attempt_id", Uuid, true)],
        response: ATTEMPT,
        handler: |v| v.serve(events::action_attempt_get),
    },
    Route {
        path: "/action_attempts/list",
        verbs: Verbs::Read,
        summary: "List action attempts",
        params: &[("action_attempt_ids", UuidList, false), PAGE[0], PAGE[1]],
        response: &[
            ("action_attempts", "action_attempt[]"),
            ("pagination", "pagination"),
        ],
        handler: |v| v.serve(events::action_attempt_list),
    },
    Route {
        path: "/events/get",
        verbs: Verbs::Read,
        summary: "Get an event",
        params: &[("event_id", Uuid, true)],
        response: &[("event", "event")],
        handler: |v| v.serve(events::event_get),
    },
    Route {
        path: "/events/list",
        verbs: Verbs::Read,
        summary: "List events (since or between is required)",
        params: &[
            ("since", Time, false),
            ("between", StrList, false),
            ("device_id", Uuid, false),
            ("device_ids", UuidList, false),
            ("access_code_id", Uuid, false),
            ("access_code_ids", UuidList, false),
            ("event_type", Str, false),
            ("event_types", StrList, false),
            ("event_ids", UuidList, false),
            ("limit", Int, false),
        ],
        response: &[("events", "event[]")],
        handler: |v| v.serve(events::event_list),
    },
    Route {
        path: "/webhooks/create",
        verbs: Verbs::Write,
        summary: "Register a webhook",
        params: &[("url", Str, true), ("event_types", StrList, false)],
        response: &[("webhook", "webhook")],
        handler: |v| v.serve(webhooks::create),
    },
    Route {
        path: "/webhooks/get",
        verbs: Verbs::Read,
        summary: "Get a webhook",
        params: &[("webhook_id", Uuid, true)],
        response: &[("webhook", "webhook")],
        handler: |v| v.serve(webhooks::get),
    },
    Route {
        path: "/webhooks/list",
        verbs: Verbs::Read,
        summary: "List webhooks",
        params: &[],
        response: &[("webhooks", "webhook[]")],
        handler: |v| v.serve(webhooks::list),
    },
    Route {
        path: "/webhooks/update",
        verbs: Verbs::Put,
        summary: "Change a webhook's event types or url",
        params: &[
            ("webhook_id", Uuid, true),
            ("event_types", StrList, true),
            ("url", Str, false),
        ],
        response: &[],
        handler: |v| v.serve(webhooks::update),
    },
    Route {
        path: "/webhooks/delete",
        verbs: Verbs::Delete,
        summary: "Delete a webhook",
        params: &[("webhook_id", Uuid, true)],
        response: &[],
        handler: |v| v.serve(webhooks::delete),
    },
    Route {
        path: "/_fake/default_seed",
        verbs: Verbs::Read,
        summary: "Emulator: the sandbox's workspace id and device ids by name",
        params: &[],
        response: &[
            ("workspace_id", "string"),
            ("connected_account_id", "string"),
            ("api_key", "string"),
            ("devices", "object"),
        ],
        handler: |v| v.serve(fake::default_seed),
    },
    Route {
        path: "/_fake/webhook_deliveries",
        verbs: Verbs::Read,
        summary: "Emulator: webhook deliveries and their attempts, newest first",
        params: &[("webhook_id", Uuid, false), ("limit", Int, false)],
        response: &[("webhook_deliveries", "object[]")],
        handler: |v| v.serve(webhooks::deliveries),
    },
    Route {
        path: "/_fake/devices/fail_next_attempts",
        verbs: Verbs::Write,
        summary: "Emulator: fail the lock's next N programming or removal attempts",
        params: &[DEVICE_ID, ("count", Int, true)],
        response: INJECTION,
        handler: |v| v.serve(fake::fail_next_attempts),
    },
    Route {
        path: "/_fake/devices/set_slot_count",
        verbs: Verbs::Write,
        summary: "Emulator: set how many codes the lock holds",
        params: &[DEVICE_ID, ("max_active_codes_supported", Int, true)],
        response: INJECTION,
        handler: |v| v.serve(fake::set_slot_count),
    },
    Route {
        path: "/_fake/devices/set_latency",
        verbs: Verbs::Write,
        summary: "Emulator: set how long one programming round takes",
        params: &[DEVICE_ID, ("latency_ms", Int, true)],
        response: INJECTION,
        handler: |v| v.serve(fake::set_latency),
    },
    Route {
        path: "/_fake/devices/lock_state",
        verbs: Verbs::Read,
        summary: "Emulator: the codes physically on a lock, and its backup pool's counts",
        params: &[DEVICE_ID],
        response: &[("lock_state", "object")],
        handler: |v| v.serve(fake::lock_state),
    },
    Route {
        path: "/openapi.json",
        verbs: Verbs::Read,
        summary: "This document",
        params: &[],
        response: &[],
        handler: |v| v.serve(super::openapi_json),
    },
];

fn param_schema(ty: Ty) -> Value {
    match ty {
        Uuid => json!({ "type": "string", "format": "uuid" }),
        Str => json!({ "type": "string" }),
        Bool => json!({ "type": "boolean" }),
        Int => json!({ "type": "integer" }),
        Time => json!({ "type": "string", "format": "date-time" }),
        UuidList => json!({ "type": "array", "items": { "type": "string", "format": "uuid" } }),
        StrList => json!({ "type": "array", "items": { "type": "string" } }),
        Object => json!({ "type": "object" }),
    }
}

fn response_schema(name: &str) -> Value {
    match name.strip_suffix("[]") {
        Some(item) => json!({ "type": "array", "items": response_schema(item) }),
        None if matches!(name, "string" | "integer" | "object") => json!({ "type": name }),
        None => json!({ "$ref": format!("#/components/schemas/{name}") }),
    }
}

fn operation(route: &Route, method: &Method) -> Value {
    let mut props = Map::new();
    props.insert("ok".into(), json!({ "type": "boolean" }));
    let mut required = vec![Value::String("ok".into())];
    for (key, schema) in route.response {
        props.insert((*key).into(), response_schema(schema));
        required.push(Value::String((*key).into()));
    }
    let schema = if route.path == "/openapi.json" {
        json!({ "type": "object", "description": "An OpenAPI 3 document" })
    } else {
        json!({ "type": "object", "properties": props, "required": required })
    };
    let ok =
        json!({ "description": "OK", "content": { "application/json": { "schema": schema } } });
    let error = json!({ "$ref": "#/components/responses/error" });
    let mut op = json!({
        "summary": route.summary,
        "operationId": format!("{}_{}", method.as_str().to_lowercase(), route.path.trim_start_matches('/').replace(['/', '.'], "_")),
        "responses": { "200": ok, "400": error, "401": error, "404": error, "405": error, "413": error, "500": error },
    });
    if *method == Method::GET || *method == Method::DELETE {
        op["parameters"] = Value::Array(
            route
                .params
                .iter()
                .map(|(name, ty, req)| json!({ "name": name, "in": "query", "required": req, "schema": param_schema(*ty), "explode": true }))
                .collect(),
        );
    } else if !route.params.is_empty() {
        let props: Map<String, Value> = route
            .params
            .iter()
            .map(|(n, ty, _)| ((*n).to_string(), param_schema(*ty)))
            .collect();
        let required: Vec<&str> = route.params.iter().filter(|p| p.2).map(|p| p.0).collect();
        op["requestBody"] = json!({
            "required": !required.is_empty(),
            "content": { "application/json": { "schema": { "type": "object", "properties": props, "required": required } } }
        });
    }
    if route.path != "/health" && route.path != "/openapi.json" {
        op["security"] = json!([{ "api_key": [] }]);
    }
    op
}

/// The OpenAPI 3 document of what this server implements.
pub fn openapi() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let ops: Map<String, Value> = route
            .verbs
            .methods()
            .iter()
            .map(|m| (m.as_str().to_lowercase(), operation(route, m)))
            .collect();
        paths.insert(route.path.into(), Value::Object(ops));
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "seam-emulator",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The Seam access-code API as this emulator implements it. Parameters may also be sent in the query string of any verb, or in a JSON body of any verb; the body wins."
        },
        "servers": [{ "url": "/" }],
        "paths": paths,
        "components": super::openapi_components::components(),
    })
}
