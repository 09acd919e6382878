//! The error statuses every operation can answer by its shape alone, added to the
//! OpenAPI document in one place so no handler can forget one: a JSON body can be
//! malformed (400), too large (413) or not JSON (415); query parameters can be
//! invalid (400); a path id can name nothing of the caller's (404); a route behind
//! a token answers 401 without a valid one. A schema-driven client or fuzzer that
//! follows the document is then never surprised by these.

use serde_json::{json, Map, Value};

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

fn error(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ErrorBody" } } }
    })
}

/// Adds the shape-implied error responses an operation does not declare itself.
pub fn declare(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, operation) in item.iter_mut() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            declare_for(path, operation);
        }
    }
}

fn declare_for(path: &str, operation: &mut Value) {
    let has_body = operation.get("requestBody").is_some();
    let has_query = operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|params| params.iter().any(|p| p["in"] == "query"));
    let secured = operation
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|requirements| requirements.iter().any(|r| r.as_object().is_some_and(|r| !r.is_empty())));
    let responses = operation
        .as_object_mut()
        .map(|op| op.entry("responses").or_insert_with(|| Value::Object(Map::new())))
        .and_then(Value::as_object_mut);
    let Some(responses) = responses else { return };
    let mut add = |status: &str, description: &str| {
        responses.entry(status).or_insert_with(|| error(description));
    };
    if has_body {
        add("400", "invalid_request: the body is not a JSON object of this shape, or a field breaks a rule (`fields`)");
        add("413", "payload_too_large: the body is too large");
        add("415", "unsupported_media_type: the body is not JSON");
    }
    if has_query {
        add("400", "invalid_request: a query parameter is invalid (`fields`)");
    }
    if path.contains('{') {
        add("404", "not_found: no such resource of the caller's");
    }
    if secured {
        add("401", "not_authenticated: the token is missing, invalid, expired or revoked");
    }
    if let Some(limited) = responses.get_mut("429").and_then(Value::as_object_mut) {
        let headers = limited.entry("headers").or_insert_with(|| Value::Object(Map::new()));
        if let Some(headers) = headers.as_object_mut() {
            headers.entry("Retry-After").or_insert_with(|| {
                json!({"description": "Seconds until a request may succeed", "required": true,
                       "schema": {"type": "integer", "minimum": 1}})
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_implied_errors_are_added_without_replacing_declared_ones() {
        let mut doc = json!({"paths": {"/things/{id}": {
            "patch": {
                "requestBody": {"content": {}},
                "security": [{"bearer": []}],
                "responses": {"200": {"description": "ok"}, "404": {"description": "mine"}, "429": {"description": "slow"}}
            },
            "get": {"security": [], "responses": {}},
            "parameters": []
        }}});
        declare(&mut doc);
        let patch = &doc["paths"]["/things/{id}"]["patch"]["responses"];
        for status in ["200", "400", "401", "404", "413", "415"] {
            assert!(patch[status].is_object(), "{status}");
        }
        assert_eq!(patch["404"]["description"], "mine");
        assert_eq!(patch["429"]["headers"]["Retry-After"]["required"], true);
        let get = &doc["paths"]["/things/{id}"]["get"]["responses"];
        assert!(get["404"].is_object());
        assert!(get["401"].is_null(), "a public operation answers no 401");
        assert!(get["400"].is_null());
    }
}
