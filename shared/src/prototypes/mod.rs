//! UI prototypes: HTML/Tailwind pages Claude writes, kept as versions of variants of a
//! prototype, in design projects and their groups.
//!
//! - `designs`: design projects and groups;
//! - `pages`: prototypes, variants and versions, as read, changed and deleted, and the
//!   signed preview of a version;
//! - `generate`: the three routes that stream a new page from the model (a new
//!   prototype, a new variant, a new version);
//! - `file_tag`: the page taken out of the model's reply; `preview`: preview signatures.

pub mod api;
pub mod designs;
pub mod file_tag;
pub mod generate;
pub mod pages;
pub mod preview;

use crate::domain::Validator;

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
/// The longest prompt or edit prompt, in characters.
pub const MAX_PROMPT_CHARS: usize = 20_000;
/// The largest page stored, in bytes (a version's JSON, page included, stays well under
/// a Lambda response's 6 MB).
pub const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

/// An optional text field of at most `max` characters, kept as written.
fn optional_text(v: &mut Validator, field: &str, raw: Option<&str>, max: usize) -> Option<String> {
    let raw = raw?;
    if raw.chars().count() > max {
        v.add(field, format!("Ensure this field has no more than {max} characters."));
        return None;
    }
    Some(raw.to_string())
}
