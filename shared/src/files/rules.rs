//! What may be uploaded, how big, and whether stored bytes are what they claim to be.
//! Pure functions, unit-tested here.

use super::api::{Kind, Purpose};

pub const MAX_IMAGE_BYTES: i64 = 3_750_000;
pub const MAX_DOCUMENT_BYTES: i64 = 4_500_000;
pub const MAX_AVATAR_BYTES: i64 = 2_000_000;
pub const MAX_IMPORT_BYTES: i64 = 200_000_000;
pub const MAX_FILENAME_CHARS: usize = 255;
/// Per chat message (Bedrock's limits for one request).
pub const MAX_IMAGES_PER_MESSAGE: usize = 20;
pub const MAX_DOCUMENTS_PER_MESSAGE: usize = 5;
/// Attachment bytes in one model request (the new message's and replayed ones).
pub const MAX_ATTACHMENT_BYTES_PER_REQUEST: i64 = 32_000_000;

pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const IMAGES: &[&str] = &["image/jpeg", "image/png", "image/gif", "image/webp"];
const DOCUMENTS: &[&str] = &[
    "application/pdf",
    "text/plain",
    "text/markdown",
    "text/csv",
    "text/html",
    "application/msword",
    DOCX,
    "application/vnd.ms-excel",
    XLSX,
];

/// What can be imported: an export's JSON file, or the export's zip.
const IMPORTS: &[&str] = &["application/json", "application/zip"];

/// The media type as allowed for some purpose (lower-case, without parameters such as
/// `; charset=`).
pub fn media_type(content_type: &str) -> Option<&'static str> {
    let bare = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    IMAGES.iter().chain(DOCUMENTS).chain(IMPORTS).find(|t| **t == bare).copied()
}

pub fn kind(media_type: &str) -> Kind {
    if IMAGES.contains(&media_type) {
        Kind::Image
    } else {
        Kind::Document
    }
}

/// The largest upload allowed for this type and purpose.
pub fn max_size(media_type: &str, purpose: Purpose) -> i64 {
    match (purpose, kind(media_type)) {
        (Purpose::Avatar, _) => MAX_AVATAR_BYTES,
        (Purpose::Import, _) => MAX_IMPORT_BYTES,
        (Purpose::Attachment, Kind::Image) => MAX_IMAGE_BYTES,
        (Purpose::Attachment, Kind::Document) => MAX_DOCUMENT_BYTES,
    }
}

/// Problems with a declared upload, per field.
pub fn check(filename: &str, content_type: &str, size: i64, purpose: Purpose) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    let name = filename.trim();
    if name.is_empty() {
        problems.push(("filename", "This field may not be blank.".to_string()));
    } else if name.chars().count() > MAX_FILENAME_CHARS {
        problems.push(("filename", format!("Ensure this field has no more than {MAX_FILENAME_CHARS} characters.")));
    } else if name.chars().any(char::is_control) {
        problems.push(("filename", "Must not contain control characters.".to_string()));
    }
    let unsupported = || ("content_type", format!("Files of type {content_type:?} are not supported."));
    match media_type(content_type) {
        None => problems.push(unsupported()),
        Some(media) if purpose == Purpose::Import && !IMPORTS.contains(&media) => problems.push((
            "content_type",
            "An import must be a JSON file (application/json) or a zip (application/zip).".to_string(),
        )),
        Some(media) if purpose != Purpose::Import && IMPORTS.contains(&media) => problems.push(unsupported()),
        Some(media) if purpose == Purpose::Avatar && kind(media) != Kind::Image => {
            problems.push(("content_type", "An avatar must be a JPEG, PNG, GIF or WebP image.".to_string()))
        }
        Some(media) => {
            let max = max_size(media, purpose);
            if size > max {
                problems.push(("size", format!("Too large: at most {max} bytes for this type.")));
            }
        }
    }
    if size <= 0 {
        problems.push(("size", "Must be at least 1 byte.".to_string()));
    }
    problems
}

fn is_text(media_type: &str) -> bool {
    media_type.starts_with("text/")
}

/// Whether the stored bytes are of the declared type: by their magic bytes, and for
/// text types, valid UTF-8 without NUL bytes and no known binary signature.
pub fn content_matches(media_type: &str, bytes: &[u8]) -> bool {
    if media_type == "application/json" {
        return looks_like_json(bytes);
    }
    let detected = infer::get(bytes).map(|t| t.mime_type());
    if is_text(media_type) {
        return detected.is_none_or(is_text) && !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok();
    }
    detected == Some(media_type)
}

/// Whether `start` (the first bytes of a file, possibly cut mid-character) can begin a
/// JSON document that is an object or an array: UTF-8 (a BOM allowed), no NUL byte, and
/// `{` or `[` first after any whitespace. The import reads the whole file later.
pub fn looks_like_json(start: &[u8]) -> bool {
    let start = start.strip_prefix(b"\xef\xbb\xbf").unwrap_or(start);
    let text = match std::str::from_utf8(start) {
        Ok(text) => text,
        // Cut inside a character at the end of the prefix read: what came before counts.
        Err(err) if err.error_len().is_none() => std::str::from_utf8(&start[..err.valid_up_to()]).unwrap_or_default(),
        Err(_) => return false,
    };
    !text.contains('\0') && matches!(text.trim_start().chars().next(), Some('{' | '['))
}

/// `Content-Disposition` for a download: an ASCII fallback name (quotes, backslashes,
/// control and non-ASCII characters replaced) and the exact name, percent-encoded
/// (RFC 6266 / 5987), so a filename can never break out of the header.
pub fn content_disposition(filename: &str) -> String {
    let fallback: String = filename
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    let mut encoded = String::new();
    for byte in filename.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// A document's name as Bedrock accepts it (letters, digits, single spaces, hyphens,
/// parentheses and square brackets), without its extension.
pub fn bedrock_document_name(filename: &str, index: usize) -> String {
    let stem = filename.rsplit_once('.').map_or(filename, |(stem, _)| stem);
    let mut name = String::new();
    for c in stem.chars() {
        let c = if c.is_alphanumeric() || matches!(c, '-' | '(' | ')' | '[' | ']') { c } else { ' ' };
        if !(c == ' ' && (name.is_empty() || name.ends_with(' '))) {
            name.push(c);
        }
    }
    let name = name.trim_end().chars().take(100).collect::<String>();
    // Names must be unique within a request.
    if name.is_empty() {
        format!("document {}", index + 1)
    } else {
        format!("{name} ({})", index + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

    #[test]
    fn allowed_types_and_sizes() {
        assert_eq!(media_type("Image/PNG"), Some("image/png"));
        assert_eq!(media_type("text/plain; charset=utf-8"), Some("text/plain"));
        assert_eq!(media_type("application/zip"), Some("application/zip"));
        assert_eq!(media_type("application/x-msdownload"), None);
        assert!(check("a.png", "image/png", MAX_IMAGE_BYTES, Purpose::Attachment).is_empty());
        assert_eq!(check("a.png", "image/png", MAX_IMAGE_BYTES + 1, Purpose::Attachment)[0].0, "size");
        assert!(check("a.pdf", "application/pdf", MAX_DOCUMENT_BYTES, Purpose::Attachment).is_empty());
        assert_eq!(check("a.png", "image/png", MAX_AVATAR_BYTES + 1, Purpose::Avatar)[0].0, "size");
        assert_eq!(check("a.pdf", "application/pdf", 10, Purpose::Avatar)[0].0, "content_type");
        assert_eq!(check("", "image/png", 10, Purpose::Attachment)[0].0, "filename");
        assert_eq!(check("a\u{0}b", "image/png", 10, Purpose::Attachment)[0].0, "filename");
        assert_eq!(check("a.png", "image/png", 0, Purpose::Attachment)[0].0, "size");
        assert_eq!(check("a.exe", "application/x-msdownload", 10, Purpose::Attachment)[0].0, "content_type");
        assert!(check("export.zip", "application/zip", MAX_IMPORT_BYTES, Purpose::Import).is_empty());
        assert_eq!(check("export.zip", "application/zip", MAX_IMPORT_BYTES + 1, Purpose::Import)[0].0, "size");
        assert_eq!(check("a.json", "application/json", 10, Purpose::Attachment)[0].0, "content_type");
        assert_eq!(check("a.pdf", "application/pdf", 10, Purpose::Import)[0].0, "content_type");
    }

    #[test]
    fn content_is_checked_by_its_bytes() {
        assert!(content_matches("image/png", PNG));
        assert!(!content_matches("application/pdf", PNG));
        assert!(!content_matches("image/jpeg", b"just some text"));
        assert!(content_matches("application/pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"));
        assert!(content_matches("text/plain", "plain text, ünïcode".as_bytes()));
        assert!(content_matches("text/html", b"<!DOCTYPE html><html></html>"));
        assert!(!content_matches("text/plain", PNG), "binary declared as text");
        assert!(!content_matches("text/csv", b"a,b\n\xff\xfe"), "not UTF-8");
        assert!(content_matches("image/jpeg", b"\xff\xd8\xff\xe0\0\x10JFIF\0"));
        assert!(content_matches("application/json", b"\xef\xbb\xbf \n [{\"uuid\": \"\xc3"));
        assert!(content_matches("application/json", b"{}"));
        assert!(!content_matches("application/json", b"\"just a string\""));
        assert!(!content_matches("application/json", PNG));
        assert!(content_matches("application/zip", b"PK\x03\x04\x14\0\0\0\x08\0"));
        assert!(!content_matches("application/zip", b"[]"));
    }

    #[test]
    fn filenames_cannot_break_headers_or_bedrock() {
        let header = content_disposition("evil\"; x=\"y\r\nSet-Cookie: a.pdf");
        assert!(!header.contains('\r') && !header.contains('\n'));
        assert!(header.starts_with("attachment; filename=\"evil_; x=_y__Set-Cookie: a.pdf\"; filename*=UTF-8''evil%22"));
        assert_eq!(
            content_disposition("résumé.pdf"),
            "attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
        );
        assert_eq!(bedrock_document_name("Q3  report_final.v2.pdf", 0), "Q3 report final v2 (1)");
        assert_eq!(bedrock_document_name("...", 1), "document 2");
    }
}
