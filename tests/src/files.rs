//! Uploads as a browser does them: a ticket from `POST /files`, the bytes PUT to the
//! presigned URL, then `POST /files/{id}/complete`.

use crate::{Reply, TestApp};
use serde_json::{json, Value};

/// A real 1×1 PNG.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

pub struct Upload {
    pub id: String,
    pub ticket: Value,
}

pub async fn start_upload(
    app: &TestApp,
    token: &str,
    filename: &str,
    content_type: &str,
    size: usize,
    purpose: &str,
) -> Upload {
    let body = json!({"filename": filename, "content_type": content_type, "size": size, "purpose": purpose});
    let reply = app.call("POST", "/api/v1/files", Some(token), Some(body)).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    Upload { id: reply.body["id"].as_str().unwrap().to_string(), ticket: reply.body }
}

/// PUTs `bytes` to the presigned URL with the headers the ticket lists.
pub async fn put_bytes(upload: &Upload, bytes: &[u8]) {
    let mut request = reqwest::Client::new().put(upload.ticket["upload"]["url"].as_str().unwrap());
    for (name, value) in upload.ticket["upload"]["headers"].as_object().unwrap() {
        request = request.header(name, value.as_str().unwrap());
    }
    let response = request.body(bytes.to_vec()).send().await.unwrap();
    assert!(response.status().is_success(), "upload: {}", response.status());
}

pub async fn upload(
    app: &TestApp,
    token: &str,
    filename: &str,
    content_type: &str,
    bytes: &[u8],
    purpose: &str,
) -> Reply {
    let upload = start_upload(app, token, filename, content_type, bytes.len(), purpose).await;
    put_bytes(&upload, bytes).await;
    app.call("POST", &format!("/api/v1/files/{}/complete", upload.id), Some(token), None).await
}
