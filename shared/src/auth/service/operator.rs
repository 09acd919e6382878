//! What an operator does to accounts from the command line (`myclaude-admin`): create
//! one, mark its email verified, disable it (its sessions revoked, every sign-in
//! refused) and enable it again. Each finds the account by email, as the routes do.

use super::account::create_account;
use crate::auth::password;
use crate::domain::{parse_name, Email, Password, Username, Validator};
use crate::error::{ApiError, ApiResult};
use crate::store::users::{self, UserItem};
use crate::store::{credentials, sessions};
use crate::Deps;
use uuid::Uuid;

/// What `create_user` makes.
#[derive(Debug, Default)]
pub struct NewUser {
    pub email: String,
    /// None: the account has no password until its owner sets one (a reset link) or
    /// signs in with Google.
    pub password: Option<String>,
    pub first_name: String,
    pub last_name: String,
    /// Whether the email counts as verified already (else the owner cannot sign in
    /// until it is: `verify_user`).
    pub verified: bool,
}

/// The account of `email`; 404 when there is none.
pub async fn user_by_email(deps: &Deps, email: &str) -> ApiResult<UserItem> {
    let email = Email::parse(email).map_err(|p| ApiError::invalid_field("email", p))?;
    let credential = credentials::get(&deps.table, email.as_str()).await?;
    let user = match credential {
        Some(credential) => users::get(&deps.table, credential.user_id).await?,
        None => None,
    };
    user.ok_or_else(|| ApiError::new(http::StatusCode::NOT_FOUND, "not_found", format!("No account has {email}.")))
}

/// Creates an account, checked as registration checks it; 409 when the email has one.
pub async fn create_user(deps: &Deps, new: NewUser) -> ApiResult<UserItem> {
    let mut v = Validator::default();
    let email = v.check("email", Email::parse(&new.email));
    let first_name = v.check("first_name", parse_name(&new.first_name));
    let last_name = v.check("last_name", parse_name(&new.last_name));
    let password = match &new.password {
        Some(offered) => match Password::parse_new(offered, email.as_ref()) {
            Ok(password) => Some(password),
            Err(problems) => {
                problems.into_iter().for_each(|p| v.add("password", p));
                None
            }
        },
        None => None,
    };
    v.finish()?;
    let email = email.expect("validated");
    let hash = match password {
        Some(password) => Some(password::hash(password).await?),
        None => None,
    };
    let mut user = UserItem::new(
        Uuid::now_v7(),
        email.to_string(),
        Username::from_email(&email).as_str().into(),
        deps.clock.now(),
    );
    user.first_name = first_name.expect("validated");
    user.last_name = last_name.expect("validated");
    user.email_verified = new.verified;
    create_account(deps, user, hash, Vec::new())
        .await?
        .ok_or_else(|| ApiError::conflict("email_taken", format!("{email} already has an account.")))
}

/// Marks the account's email verified (its owner can sign in).
pub async fn verify_user(deps: &Deps, email: &str) -> ApiResult<UserItem> {
    let user = user_by_email(deps, email).await?;
    users::mark_email_verified(&deps.table, user.id).await?.ok_or_else(ApiError::not_found)
}

/// Disables the account: from now on no session starts (password or Google: 403
/// `account_disabled`), and every session it had is revoked (its tokens answer 401).
pub async fn disable_user(deps: &Deps, email: &str) -> ApiResult<UserItem> {
    let user = user_by_email(deps, email).await?;
    // First the mark, so no session can start; then the sessions there are.
    if !users::set_disabled(&deps.table, user.id, Some(deps.clock.now())).await? {
        return Err(ApiError::not_found());
    }
    sessions::delete_all(&deps.table, user.id, None).await?;
    user_by_email(deps, email).await
}

/// Enables a disabled account again (its owner signs in anew).
pub async fn enable_user(deps: &Deps, email: &str) -> ApiResult<UserItem> {
    let user = user_by_email(deps, email).await?;
    if !users::set_disabled(&deps.table, user.id, None).await? {
        return Err(ApiError::not_found());
    }
    user_by_email(deps, email).await
}
