//! Transactional email: the jobs the API enqueues, their text + HTML rendering, and
//! delivery through SES. API calls never wait on the mail server: they enqueue.

use crate::error::{ApiError, ApiResult};
use crate::{Config, Deps};
use askama::Template;
use aws_sdk_ses::types::{Body, Content, Destination, Message};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One email to send. Carries what the template needs; links are built from
/// configuration when rendering.
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "template", rename_all = "snake_case")]
pub enum EmailJob {
    VerifyEmail {
        to: String,
        name: String,
        token: String,
    },
    /// Someone tried to register with an address that already has an account.
    RegistrationAttempt {
        to: String,
        name: String,
    },
    PasswordReset {
        to: String,
        name: String,
        token: String,
    },
    PasswordChanged {
        to: String,
        name: String,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    NewSignIn {
        to: String,
        name: String,
        ip: String,
        device_info: String,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Google sign-in was linked to an existing account (same verified address).
    GoogleLinked {
        to: String,
        name: String,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

/// An email whose content depends on whether the address has an account. Register,
/// password reset and resend-verification do the same work for every address, so
/// they never look the account up: they enqueue one of these, and the email worker
/// decides from the table what to send (`auth::service::resolve_account_email`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum AccountEmail {
    /// After POST /auth/register, which tried to create the account `user_id` (its
    /// verification token, stored with it, is `token`): the verification link if it
    /// was created, or a notice to the owner of the address if it already had one.
    Registered { to: String, user_id: uuid::Uuid, token: String },
    /// POST /auth/resend-verification: a fresh link if the address has an unverified account.
    ResendVerification { to: String },
    /// POST /auth/password/reset: a reset link if the address has an account.
    PasswordReset { to: String },
}

impl AccountEmail {
    pub fn request_name(&self) -> &'static str {
        match self {
            Self::Registered { .. } => "registered",
            Self::ResendVerification { .. } => "resend_verification",
            Self::PasswordReset { .. } => "password_reset",
        }
    }
}

impl EmailJob {
    pub fn template_name(&self) -> &'static str {
        match self {
            Self::VerifyEmail { .. } => "verify_email",
            Self::RegistrationAttempt { .. } => "registration_attempt",
            Self::PasswordReset { .. } => "password_reset",
            Self::PasswordChanged { .. } => "password_changed",
            Self::NewSignIn { .. } => "new_sign_in",
            Self::GoogleLinked { .. } => "google_linked",
        }
    }
}

pub struct RenderedEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Template)]
#[template(path = "verify_email.html")]
struct VerifyEmailHtml<'a> {
    name: &'a str,
    link: &'a str,
    hours: u64,
}

#[derive(Template)]
#[template(path = "verify_email.txt")]
struct VerifyEmailText<'a> {
    name: &'a str,
    link: &'a str,
    hours: u64,
}

#[derive(Template)]
#[template(path = "registration_attempt.html")]
struct RegistrationAttemptHtml<'a> {
    name: &'a str,
    login_link: &'a str,
    reset_link: &'a str,
}

#[derive(Template)]
#[template(path = "registration_attempt.txt")]
struct RegistrationAttemptText<'a> {
    name: &'a str,
    login_link: &'a str,
    reset_link: &'a str,
}

#[derive(Template)]
#[template(path = "new_sign_in.html")]
struct NewSignInHtml<'a> {
    name: &'a str,
    at: &'a str,
    ip: &'a str,
    device: &'a str,
    reset_link: &'a str,
}

#[derive(Template)]
#[template(path = "new_sign_in.txt")]
struct NewSignInText<'a> {
    name: &'a str,
    at: &'a str,
    ip: &'a str,
    device: &'a str,
    reset_link: &'a str,
}

#[derive(Template)]
#[template(path = "password_reset.html")]
struct PasswordResetHtml<'a> {
    name: &'a str,
    link: &'a str,
    minutes: u64,
}

#[derive(Template)]
#[template(path = "password_reset.txt")]
struct PasswordResetText<'a> {
    name: &'a str,
    link: &'a str,
    minutes: u64,
}

#[derive(Template)]
#[template(path = "password_changed.html")]
struct PasswordChangedHtml<'a> {
    name: &'a str,
    at: &'a str,
    reset_link: &'a str,
}

#[derive(Template)]
#[template(path = "password_changed.txt")]
struct PasswordChangedText<'a> {
    name: &'a str,
    at: &'a str,
    reset_link: &'a str,
}

#[derive(Template)]
#[template(path = "google_linked.html")]
struct GoogleLinkedHtml<'a> {
    name: &'a str,
    email: &'a str,
    at: &'a str,
    reset_link: &'a str,
}

#[derive(Template)]
#[template(path = "google_linked.txt")]
struct GoogleLinkedText<'a> {
    name: &'a str,
    email: &'a str,
    at: &'a str,
    reset_link: &'a str,
}

fn greeting(name: &str) -> &str {
    if name.trim().is_empty() {
        "there"
    } else {
        name
    }
}

pub fn render(job: &EmailJob, config: &Config) -> Result<RenderedEmail, askama::Error> {
    let frontend = config.frontend_url.trim_end_matches('/');
    let reset_link = format!("{frontend}/reset-password");
    let login_link = format!("{frontend}/login");
    Ok(match job {
        EmailJob::VerifyEmail { to, name, token } => {
            let link = format!("{frontend}/verify-email?token={token}");
            let hours = config.verification_ttl.as_secs() / 3600;
            let name = greeting(name);
            RenderedEmail {
                to: to.clone(),
                subject: "Verify your email for myclaude".into(),
                text: VerifyEmailText { name, link: &link, hours }.render()?,
                html: VerifyEmailHtml { name, link: &link, hours }.render()?,
            }
        }
        EmailJob::RegistrationAttempt { to, name } => {
            let name = greeting(name);
            let (login_link, reset_link) = (login_link.as_str(), reset_link.as_str());
            RenderedEmail {
                to: to.clone(),
                subject: "Someone tried to sign up with your email".into(),
                text: RegistrationAttemptText { name, login_link, reset_link }.render()?,
                html: RegistrationAttemptHtml { name, login_link, reset_link }.render()?,
            }
        }
        EmailJob::PasswordReset { to, name, token } => {
            let link = format!("{frontend}/reset-password?token={token}");
            let minutes = config.password_reset_ttl.as_secs() / 60;
            let name = greeting(name);
            RenderedEmail {
                to: to.clone(),
                subject: "Reset your myclaude password".into(),
                text: PasswordResetText { name, link: &link, minutes }.render()?,
                html: PasswordResetHtml { name, link: &link, minutes }.render()?,
            }
        }
        EmailJob::PasswordChanged { to, name, at } => {
            let name = greeting(name);
            let at = at.format(&time::format_description::well_known::Rfc2822).unwrap_or_default();
            let (at, reset_link) = (at.as_str(), reset_link.as_str());
            RenderedEmail {
                to: to.clone(),
                subject: "Your myclaude password was changed".into(),
                text: PasswordChangedText { name, at, reset_link }.render()?,
                html: PasswordChangedHtml { name, at, reset_link }.render()?,
            }
        }
        EmailJob::NewSignIn { to, name, ip, device_info, at } => {
            let name = greeting(name);
            let at = at.format(&time::format_description::well_known::Rfc2822).unwrap_or_default();
            let device = if device_info.is_empty() { "unknown" } else { device_info.as_str() };
            let (at, reset_link) = (at.as_str(), reset_link.as_str());
            RenderedEmail {
                to: to.clone(),
                subject: "New sign-in to your myclaude account".into(),
                text: NewSignInText { name, at, ip, device, reset_link }.render()?,
                html: NewSignInHtml { name, at, ip, device, reset_link }.render()?,
            }
        }
        EmailJob::GoogleLinked { to, name, at } => {
            let name = greeting(name);
            let at = at.format(&time::format_description::well_known::Rfc2822).unwrap_or_default();
            let (email, at, reset_link) = (to.as_str(), at.as_str(), reset_link.as_str());
            RenderedEmail {
                to: to.clone(),
                subject: "Google sign-in was linked to your myclaude account".into(),
                text: GoogleLinkedText { name, email, at, reset_link }.render()?,
                html: GoogleLinkedHtml { name, email, at, reset_link }.render()?,
            }
        }
    })
}

fn content(data: String) -> Content {
    Content::builder().data(data).charset("UTF-8").build().expect("data is set")
}

/// Renders and sends one email through SES.
pub async fn send(deps: &Deps, job: &EmailJob) -> ApiResult<()> {
    let email = render(job, &deps.config).map_err(|err| ApiError::internal("rendering an email", &err))?;
    let message = Message::builder()
        .subject(content(email.subject))
        .body(Body::builder().text(content(email.text)).html(content(email.html)).build())
        .build();
    deps.ses
        .send_email()
        .source(&deps.config.mail_from)
        .destination(Destination::builder().to_addresses(email.to).build())
        .message(message)
        .send()
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_mail_has_link_in_both_parts_and_escapes_html() {
        let config = Config::from_env_with(|name| (name == "APP_ENV").then(|| "local".to_string())).unwrap();
        let job =
            EmailJob::VerifyEmail { to: "a@example.com".into(), name: "<b>Ada</b>".into(), token: "tok123".into() };
        let mail = render(&job, &config).unwrap();
        assert!(mail.text.contains("http://localhost:5173/verify-email?token=tok123"));
        assert!(mail.html.contains("http://localhost:5173/verify-email?token=tok123"));
        assert!(!mail.html.contains("<b>Ada"), "{}", mail.html);
        assert!(mail.text.contains("24 hours"));
    }
}
