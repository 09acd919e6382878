//! Request and response bodies of the `/auth` routes (also the OpenAPI schemas).

use crate::store::users::UserItem;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email_verified: bool,
    /// A short-lived download URL of the avatar, or null.
    pub avatar_url: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub date_joined: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_login: Option<OffsetDateTime>,
    /// Whether the assistant learns long-term memories from chats and uses them (default true).
    pub memory_enabled: bool,
}

impl User {
    /// The user as the API shows it; `avatar_url` is a download URL of the avatar.
    pub fn new(item: &UserItem, avatar_url: Option<String>) -> Self {
        Self {
            id: item.id,
            email: item.email.clone(),
            username: item.username.clone(),
            first_name: item.first_name.clone(),
            last_name: item.last_name.clone(),
            email_verified: item.email_verified,
            avatar_url,
            date_joined: item.date_joined,
            last_login: item.last_login,
            memory_enabled: item.memory_enabled,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// At least 10 characters, not all digits, not a common password, not too similar to the email.
    #[schema(min_length = 10, max_length = 256, pattern = r"\D")]
    pub password: String,
    #[serde(default)]
    #[schema(max_length = 150, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    pub first_name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 150, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    pub last_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageResponse {
    pub message: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyEmailRequest {
    /// The token of the emailed link; a wrong, used or expired one is 400 `invalid_token`.
    #[schema(min_length = 1, max_length = 512)]
    pub token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailRequest {
    #[schema(format = Email, max_length = 254)]
    pub email: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    #[schema(min_length = 1, max_length = 256)]
    pub password: String,
    #[serde(default)]
    #[schema(max_length = 512)]
    pub device_info: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub user: User,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    #[serde(default)]
    #[schema(max_length = 150, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    pub first_name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 150, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    pub last_name: Option<String>,
    /// Letters, digits and `@.+-_`; unique regardless of case.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 150, pattern = r"^[\w@.+-]+$")]
    pub username: Option<String>,
    /// A completed upload with purpose `avatar`; `null` removes the avatar.
    #[serde(default, deserialize_with = "crate::domain::present")]
    #[schema(value_type = Option<Uuid>)]
    pub avatar_file_id: Option<Option<Uuid>>,
    /// Whether the assistant learns and uses long-term memories; null or absent leaves it as it is.
    #[serde(default)]
    pub memory_enabled: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirmRequest {
    /// The token of the emailed link; a wrong, used or expired one is 400 `invalid_token`.
    #[schema(min_length = 1, max_length = 512)]
    pub token: String,
    /// The password policy of registration.
    #[schema(min_length = 10, max_length = 256, pattern = r"\D")]
    pub new_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeRequest {
    #[schema(min_length = 1, max_length = 256)]
    pub current_password: String,
    /// The password policy of registration.
    #[schema(min_length = 10, max_length = 256, pattern = r"\D")]
    pub new_password: String,
}

/// A fresh access token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// Exactly one of `access_token` (OAuth) or `id_token` (OpenID Connect).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoogleRequest {
    #[serde(default)]
    #[schema(min_length = 1, max_length = 4096)]
    pub access_token: Option<String>,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 4096)]
    pub id_token: Option<String>,
    #[serde(default)]
    #[schema(max_length = 512)]
    pub device_info: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GoogleLoginResponse {
    pub token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub user: User,
    /// True when this sign-in created the account.
    pub created: bool,
}

/// A signed-in device.
#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    pub id: Uuid,
    pub device_info: String,
    pub ip: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    /// True for the session of the token making this request.
    pub current: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    pub items: Vec<Session>,
    /// Always null: every live session fits in one page.
    pub next_cursor: Option<String>,
}

/// The proof that the owner deletes the account: the password, or for an account
/// without one (Google only) the account's email, from a session signed in within
/// the last 15 minutes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteMeRequest {
    /// The password, for an account that has one.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 256)]
    pub password: Option<String>,
    /// The account's email, for an account without a password (Google only), from a
    /// session signed in within the last 15 minutes.
    #[serde(default)]
    #[schema(format = Email, max_length = 254)]
    pub confirm_email: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyEmailResponse {
    pub user: User,
}
