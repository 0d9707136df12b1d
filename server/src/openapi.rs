//! `/openapi.json`, generated from the route table.

use serde_json::{Map, Value, json};

use crate::routes::{GATEWAY_ROUTES, ROUTES, RouteDoc};

/// The OpenAPI 3.1 document of every mounted route.
pub fn document() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for r in ROUTES.iter().chain(GATEWAY_ROUTES) {
        let path = r.path.replace("{path:.*}", "{path}");
        let entry = paths.entry(path.clone()).or_insert_with(|| json!({}));
        if let Some(o) = entry.as_object_mut() {
            o.insert(r.method.to_ascii_lowercase(), operation(r, &path));
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "wharf",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Runs AI coding agents on runbooks in sandboxes, grades and records them. Errors are {\"error\": {\"message\", \"type\", \"code\"}}.",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"error": {"type": "object", "properties": {
                        "message": {"type": "string"}, "type": {"type": "string"}, "code": {"type": "string"}
                    }}}
                }
            }
        },
        "paths": paths,
    })
}

fn operation(r: &RouteDoc, path: &str) -> Value {
    let params: Vec<Value> = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    let mut op = json!({
        "tags": [r.tag],
        "summary": r.summary,
        "operationId": format!("{}_{}", r.method.to_ascii_lowercase(), path.trim_matches('/').replace(['/', '{', '}', '.', ':'], "_")),
        "parameters": params,
        "responses": {
            "200": {"description": "OK"},
            "default": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        },
    });
    if r.auth {
        op["security"] = json!([{"bearer": []}]);
    }
    op
}
