//! The OpenAPI 3.1 document, generated from the handlers' own annotations and
//! request/response types (through their route entries) so it cannot drift from the code.

use http::StatusCode;
use serde_json::{json, Map, Value};
use shared::AppState;
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "myclaude API", description = "Backend of a Claude-like assistant. Errors always have the shape of `ErrorBody`."),
    components(schemas(shared::error::ErrorBody)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("`Authorization: Bearer <token>`; `Token <token>` is accepted too."))
                    .build(),
            ),
        );
    }
}

/// The document as the handlers' annotations describe it, before `from_route_table`.
fn annotated() -> Value {
    let mut routes = utoipa_axum::router::OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi());
    for route in crate::table::routes() {
        routes = routes.routes((route.endpoint)());
    }
    let mut doc = routes.into_openapi();
    // The stream's event payloads are not response bodies; list them as schemas.
    doc.merge(crate::chat_stream::StreamEvents::openapi());
    doc.merge(crate::design_projects::generate::StreamEvents::openapi());
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    serde_json::to_value(doc).expect("the OpenAPI document serialises")
}

/// What the route table knows better than 55 annotations, set in one place: each
/// operation's id (its route name, unique), whether it needs a token (`security`), and a
/// description on every response (the status's reason phrase where the annotation has none).
fn from_route_table(doc: &mut Value) {
    for route in crate::table::routes() {
        let Some(operation) = doc["paths"][route.path()].get_mut(route.method().to_lowercase()) else {
            continue; // every_route_is_documented_with_its_method says so
        };
        operation["operationId"] = json!(route.name);
        operation["security"] = if route.public { json!([]) } else { json!([{ "bearer": [] }]) };
        if let Some(responses) = operation.get_mut("responses").and_then(Value::as_object_mut) {
            for (status, response) in responses.iter_mut() {
                let missing = response.get("description").and_then(Value::as_str).is_none_or(str::is_empty);
                if missing {
                    response["description"] = json!(status_description(status));
                }
            }
        }
    }
    // Paths already start with /api/v1: the server is the API's root. The handler puts
    // the prefix in front of it that a request came through (an API Gateway stage).
    doc["servers"] = json!([{ "url": "/", "description": "This API (the host serving this document)" }]);
}

/// OpenAPI links from each creating operation (a POST to a collection answering 201 with
/// the new resource's `id`) to every operation on that resource (`{collection}/{param}`
/// and below, when it needs no other id): the new `id` fills the resource's parameter,
/// the collection's own path parameters are the request's. Clients and tools such as Schemathesis can then follow
/// a created resource; the links follow from the paths, so new routes get theirs.
fn resource_links(doc: &mut Value) {
    let schemas = doc["components"]["schemas"].clone();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    let operations: Vec<(String, String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object().into_iter().flatten().filter_map(move |(method, op)| {
                Some((path.clone(), method.clone(), op.get("operationId")?.as_str()?.to_string()))
            })
        })
        .collect();
    for (collection, item) in paths.iter_mut() {
        let Some(created) = item.get_mut("post").and_then(|op| op["responses"].get_mut("201")) else { continue };
        let schema = &created["content"]["application/json"]["schema"];
        let schema = match schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
            Some(name) => &schemas[name],
            None => schema,
        };
        if schema["properties"].get("id").is_none() {
            continue;
        }
        let mut links = Map::new();
        for (path, _, operation_id) in &operations {
            let Some(rest) = path.strip_prefix(collection.as_str()).and_then(|rest| rest.strip_prefix("/{")) else {
                continue;
            };
            let Some((param, _)) = rest.split_once('}') else { continue };
            // Only what the new id and the request's own parameters name (not a pair of a chat).
            if path_params(path).count() != path_params(collection).count() + 1 {
                continue;
            }
            let mut parameters = Map::new();
            parameters.insert(param.to_string(), json!("$response.body#/id"));
            for outer in path_params(collection) {
                parameters.insert(outer.to_string(), json!(format!("$request.path.{outer}")));
            }
            links.insert(operation_id.clone(), json!({ "operationId": operation_id, "parameters": parameters }));
        }
        if !links.is_empty() {
            created["links"] = Value::Object(links);
        }
    }
}

fn path_params(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
}

fn status_description(status: &str) -> &'static str {
    let code = status.parse::<u16>().ok().and_then(|code| StatusCode::from_u16(code).ok());
    code.and_then(|code| code.canonical_reason()).unwrap_or("Response")
}

pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = annotated();
        from_route_table(&mut doc);
        resource_links(&mut doc);
        // After the route table: error responses follow from each operation's security.
        crate::error_responses::declare(&mut doc);
        doc
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_route_is_documented_with_its_method() {
        let doc = super::document();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        for route in crate::table::routes() {
            let op = &doc["paths"][route.path()][route.method().to_lowercase()];
            assert!(op.is_object(), "{} {} is missing from the OpenAPI document", route.method(), route.path());
        }
        let documented: usize = doc["paths"].as_object().unwrap().values().map(|p| p.as_object().unwrap().len()).sum();
        assert_eq!(documented, crate::table::routes().len(), "the document has operations the route table lacks");
    }

    #[test]
    fn operations_are_named_and_secured_from_the_route_table() {
        let doc = super::document();
        for route in crate::table::routes() {
            let op = &doc["paths"][route.path()][route.method().to_lowercase()];
            assert_eq!(op["operationId"], route.name);
            let expected = if route.public { serde_json::json!([]) } else { serde_json::json!([{ "bearer": [] }]) };
            assert_eq!(op["security"], expected, "{}", route.name);
            for (status, response) in op["responses"].as_object().unwrap() {
                assert!(!response["description"].as_str().unwrap().is_empty(), "{} {status}", route.name);
            }
        }
    }

    #[test]
    fn annotations_that_declare_security_agree_with_the_route_table() {
        let doc = super::annotated();
        for route in crate::table::routes() {
            let declared = &doc["paths"][route.path()][route.method().to_lowercase()]["security"];
            if let Some(schemes) = declared.as_array() {
                let needs_token = schemes.iter().any(|s| s.get("bearer").is_some());
                assert_eq!(needs_token, !route.public, "{}: annotation says {declared}", route.name);
            }
        }
    }

    #[test]
    fn created_resources_link_to_their_operations() {
        let doc = super::document();
        let links = |path: &str| doc["paths"][path]["post"]["responses"]["201"]["links"].clone();
        let files = links("/api/v1/files");
        for target in ["files-get", "files-complete", "files-delete"] {
            assert_eq!(files[target]["operationId"], target);
            assert_eq!(files[target]["parameters"], serde_json::json!({"id": "$response.body#/id"}));
        }
        let knowledge = links("/api/v1/projects/{id}/knowledge");
        assert_eq!(
            knowledge["projects-knowledge-toggle"]["parameters"],
            serde_json::json!({"kid": "$response.body#/id", "id": "$request.path.id"})
        );
        assert!(links("/api/v1/files")["files-validate"].is_null(), "a literal segment is another resource");
        assert!(links("/api/v1/auth/register").is_null(), "no id, no link");
        // Every link names an operation and exactly its path parameters.
        for item in doc["paths"].as_object().unwrap().values() {
            let created = &item["post"]["responses"]["201"]["links"];
            for link in created.as_object().into_iter().flat_map(|links| links.values()) {
                let route = crate::table::routes().iter().find(|r| r.name == link["operationId"]).unwrap();
                let mut expected: Vec<&str> = super::path_params(route.path()).collect();
                let mut named: Vec<&str> = link["parameters"].as_object().unwrap().keys().map(String::as_str).collect();
                expected.sort();
                named.sort();
                assert_eq!(named, expected, "{}", route.name);
            }
        }
    }
}
