//! Request and response bodies of the `/files` routes.

pub use crate::model::{FileStatus, Kind, Purpose};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// `POST /files/validate`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateFileRequest {
    #[schema(
        min_length = 1,
        max_length = 255,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub filename: String,
    /// One of the allowed types (api.md, Files); each has its own size limit.
    #[schema(min_length = 1, max_length = 255)]
    pub content_type: String,
    /// Bytes.
    #[schema(minimum = 1, maximum = 200000000)]
    pub size: i64,
    /// Default `attachment`.
    #[serde(default)]
    pub purpose: Option<Purpose>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ValidateFileResponse {
    pub valid: bool,
}

/// `POST /files`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFileRequest {
    #[schema(
        min_length = 1,
        max_length = 255,
        pattern = r"[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    )]
    pub filename: String,
    /// One of the allowed types (api.md, Files); each has its own size limit.
    #[schema(min_length = 1, max_length = 255)]
    pub content_type: String,
    /// Bytes; the upload must be exactly this long.
    #[schema(minimum = 1, maximum = 200000000)]
    pub size: i64,
    pub purpose: Purpose,
}

/// How to upload the bytes: straight to storage, with exactly these headers.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadRequest {
    pub url: String,
    pub method: String,
    /// Send these headers as they are (the signature covers them; `Content-Length` must
    /// be the declared size, which HTTP clients set from the body).
    pub headers: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadTicket {
    pub id: Uuid,
    pub upload: UploadRequest,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct File {
    pub id: Uuid,
    /// As the user named it: display only.
    pub filename: String,
    pub media_type: String,
    pub size: i64,
    pub kind: Kind,
    pub purpose: Purpose,
    pub status: FileStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// A short-lived download URL (only `GET /files/{id}` of a ready file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
}
