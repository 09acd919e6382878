//! POST /api/v1/chat/preview

use crate::routes::{Route, WRITE};
use axum::extract::State;
use shared::auth::TokenCaller;
use shared::chat::api::StreamRequest;
use shared::chat::preview::ChatPreview;
use shared::http::Json;
use shared::AppState;
use shared::ApiResult;
use utoipa_axum::routes;

pub static ROUTE: Route = Route::new("chat-preview", WRITE, || routes!(handle));

/// The exact request `POST /chat/stream` would send to the model for this body.
///
/// Built by the same code as the stream: each system layer (`built_in`, `chat`,
/// `project_instructions`, `project_knowledge`, `memories`) with its tokens, the
/// messages left after trimming the history to the context window, and how many
/// earlier pairs were left out. The model is not called and nothing is stored.
#[utoipa::path(post, path = "/api/v1/chat/preview", tag = "chats", security(("bearer" = [])),
    request_body = StreamRequest,
    responses((status = 200, body = ChatPreview),
        (status = 400, body = shared::error::ErrorBody), (status = 401, body = shared::error::ErrorBody),
        (status = 404, body = shared::error::ErrorBody), (status = 409, body = shared::error::ErrorBody)))]
pub async fn handle(
    State(deps): State<AppState>,
    caller: TokenCaller,
    Json(body): Json<StreamRequest>,
) -> ApiResult<Json<ChatPreview>> {
    Ok(Json(shared::chat::preview::preview(&deps, caller, body).await?))
}
