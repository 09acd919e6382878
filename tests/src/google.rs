//! A local stand-in for Google's sign-in endpoints: userinfo and tokeninfo (answer for
//! access tokens the test registered, each issued to our client id or, when a test
//! says so, to another app) and a JWKS with a test-only key that also signs the
//! id_tokens tests make.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const CLIENT_ID: &str = "myclaude-test.apps.googleusercontent.com";
const KEY_PEM: &str = include_str!("../fixtures/google-test-key.pem");
const JWKS: &str = include_str!("../fixtures/google-test-jwks.json");

/// The app an access token was issued to (`aud`/`azp` at tokeninfo) and its owner's profile.
#[derive(Clone)]
struct Issued {
    client_id: String,
    profile: Value,
}

type Tokens = Arc<Mutex<HashMap<String, Issued>>>;

#[derive(Clone, Default)]
pub struct FakeGoogle {
    pub address: String,
    access_tokens: Tokens,
}

impl FakeGoogle {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binding a port");
        let google =
            Self { address: format!("http://{}", listener.local_addr().expect("bound")), ..Default::default() };
        let app = axum::Router::new()
            .route("/userinfo", get(userinfo))
            .route("/tokeninfo", get(tokeninfo))
            .route("/certs", get(|| async { ([("content-type", "application/json")], JWKS) }))
            .with_state(google.access_tokens.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        google
    }

    pub fn userinfo_url(&self) -> String {
        format!("{}/userinfo", self.address)
    }

    pub fn tokeninfo_url(&self) -> String {
        format!("{}/tokeninfo", self.address)
    }

    pub fn jwks_url(&self) -> String {
        format!("{}/certs", self.address)
    }

    /// An access token issued to our app, for which userinfo answers `profile`.
    pub fn access_token(&self, profile: Value) -> String {
        self.access_token_for(CLIENT_ID, profile)
    }

    /// An access token Google issued to the app `client_id` (tokeninfo answers it as
    /// `aud` and `azp`), for which userinfo answers `profile`.
    pub fn access_token_for(&self, client_id: &str, profile: Value) -> String {
        let token = format!("ya29.{}", uuid::Uuid::new_v4().simple());
        self.issue(&token, client_id, profile);
        token
    }

    /// Registers a given access token string (e.g. one from a sample event), issued to our app.
    pub fn accept_access_token(&self, token: &str, profile: Value) {
        self.issue(token, CLIENT_ID, profile);
    }

    fn issue(&self, token: &str, client_id: &str, profile: Value) {
        let issued = Issued { client_id: client_id.to_string(), profile };
        self.access_tokens.lock().unwrap().insert(token.to_string(), issued);
    }

    /// An id_token signed with the test key: Google's issuer, our client id, valid for
    /// an hour, then `overrides` applied.
    pub fn id_token(&self, profile: Value, overrides: Value) -> String {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut claims = json!({
            "iss": "https://accounts.google.com",
            "aud": CLIENT_ID,
            "azp": CLIENT_ID,
            "iat": now,
            "exp": now + 3600,
        });
        for (k, v) in profile.as_object().unwrap().iter().chain(overrides.as_object().unwrap()) {
            claims[k] = v.clone();
        }
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some("test-key-1".into());
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(KEY_PEM.as_bytes()).expect("test key");
        shared::auth::jwt_crypto::install();
        jsonwebtoken::encode(&header, &claims, &key).expect("signing")
    }
}

/// A Google profile for `email`, as userinfo and id_tokens carry it.
pub fn profile(email: &str) -> Value {
    json!({
        "sub": format!("1{}", &uuid::Uuid::new_v4().as_u128().to_string()[..20]),
        "email": email,
        "email_verified": true,
        "given_name": "Grace",
        "family_name": "Hopper",
        "name": "Grace Hopper",
    })
}

fn invalid(description: &str) -> axum::response::Response {
    (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_request", "error_description": description})))
        .into_response()
}

async fn userinfo(State(tokens): State<Tokens>, headers: HeaderMap) -> impl IntoResponse {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    match tokens.lock().unwrap().get(token) {
        Some(issued) => (StatusCode::OK, Json(issued.profile.clone())).into_response(),
        None => invalid("Invalid Credentials"),
    }
}

/// Like Google's `GET /tokeninfo?access_token=…`: who the token was issued to, or 400.
async fn tokeninfo(State(tokens): State<Tokens>, Query(query): Query<HashMap<String, String>>) -> impl IntoResponse {
    let token = query.get("access_token").map(String::as_str).unwrap_or_default();
    match tokens.lock().unwrap().get(token) {
        Some(Issued { client_id, profile }) => {
            let exp = time::OffsetDateTime::now_utc().unix_timestamp() + 3599;
            let info = json!({
                "azp": client_id,
                "aud": client_id,
                "sub": profile["sub"],
                "scope": "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile",
                "exp": exp.to_string(),
                "expires_in": "3599",
                "email": profile["email"],
                "email_verified": "true",
                "access_type": "online",
            });
            (StatusCode::OK, Json(info)).into_response()
        }
        None => {
            (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_token", "error_description": "Invalid Value"})))
                .into_response()
        }
    }
}
