//! GET /api/v1/openapi.json: the OpenAPI 3.1 document, generated from the handlers'
//! own annotations and request/response types so it cannot drift from the code.

use lambda_http::{Body, Request, Response};
use shared::http::ok;
use shared::{ApiResult, Deps};
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "myclaude API", description = "Backend of a Claude-like assistant. Errors always have the shape of `ErrorBody`."),
    paths(
        crate::health::handle,
        handle,
        crate::auth::register::handle,
        crate::auth::verify_email::handle,
        crate::auth::resend_verification::handle,
        crate::auth::login::handle,
        crate::auth::logout::handle,
        crate::auth::logout_all::handle,
        crate::auth::me_get::handle,
        crate::auth::me_update::handle,
        crate::auth::me_delete::handle,
        crate::auth::password_reset::handle,
        crate::auth::password_reset_confirm::handle,
        crate::auth::password_change::handle,
        crate::auth::google::handle,
        crate::auth::sessions_list::handle,
        crate::auth::sessions_delete::handle,
        crate::prompts::list::handle,
        crate::prompts::create::handle,
        crate::prompts::get::handle,
        crate::prompts::update::handle,
        crate::prompts::delete::handle,
        crate::chats::list::handle,
        crate::chats::create::handle,
        crate::chats::get::handle,
        crate::chats::update::handle,
        crate::chats::delete::handle,
        crate::chats::archive::handle,
        crate::chats::unarchive::handle,
        crate::chats::system_prompt::handle,
        crate::chats::messages::handle,
        crate::chats::pair_update::handle,
        crate::chats::pair_toggle::handle,
        crate::chats::pair_delete::handle,
        crate::chats::usage::handle,
        crate::chat_stream::handle,
        crate::usage::handle,
        crate::files::validate::handle,
        crate::files::create::handle,
        crate::files::complete::handle,
        crate::files::get::handle,
        crate::files::delete::handle,
        crate::projects::list::handle,
        crate::projects::create::handle,
        crate::projects::get::handle,
        crate::projects::update::handle,
        crate::projects::delete::handle,
        crate::projects::chats::handle,
        crate::projects::usage::handle,
        crate::projects::knowledge_list::handle,
        crate::projects::knowledge_create::handle,
        crate::projects::knowledge_get::handle,
        crate::projects::knowledge_update::handle,
        crate::projects::knowledge_delete::handle,
        crate::projects::knowledge_toggle::handle,
    ),
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

pub fn document() -> &'static serde_json::Value {
    static DOC: OnceLock<serde_json::Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = ApiDoc::openapi();
        // The stream's event payloads are not response bodies; list them as schemas.
        doc.merge(crate::chat_stream::StreamEvents::openapi());
        doc.info.version = env!("CARGO_PKG_VERSION").to_string();
        let mut doc = serde_json::to_value(doc).expect("the OpenAPI document serialises");
        crate::error_responses::declare(&mut doc);
        doc
    })
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn handle(_deps: &Deps, _req: Request) -> ApiResult<Response<Body>> {
    Ok(ok(document()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_route_is_documented_with_its_method() {
        let doc = super::document();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        for route in crate::routes() {
            let op = &doc["paths"][route.path][route.method.to_lowercase()];
            assert!(op.is_object(), "{} {} is missing from the OpenAPI document", route.method, route.path);
        }
        let documented: usize = doc["paths"].as_object().unwrap().values().map(|p| p.as_object().unwrap().len()).sum();
        assert_eq!(documented, crate::routes().len(), "the document has operations the route table lacks");
    }
}
