//! Domain types that parse their input once and are trusted afterwards.

use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::store::page::{ListSpec, PageRequest, DEFAULT_LIMIT, MAX_LIMIT};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

pub const MAX_EMAIL_LEN: usize = 254;
pub const MIN_PASSWORD_LEN: usize = 10;
/// Long enough for any passphrase; bounded so hashing cannot be used to burn CPU.
pub const MAX_PASSWORD_LEN: usize = 256;
pub const MAX_NAME_LEN: usize = 150;
pub const MAX_USERNAME_LEN: usize = 150;
pub const MAX_DEVICE_INFO_LEN: usize = 512;

/// The longest user message, in characters (the pair item must stay far below
/// DynamoDB's 400 KB).
pub const MAX_MESSAGE_CHARS: usize = 60_000;

/// `limit` and `cursor` of a list route.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1–100, default 20
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i32>,
    /// `next_cursor` of the previous page
    pub cursor: Option<String>,
}

/// Collects per-field problems so a request reports all of them at once.
#[derive(Default)]
pub struct Validator {
    fields: FieldErrors,
}

impl Validator {
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(problem) => {
                self.fields.entry(field.to_string()).or_default().push(problem);
                None
            }
        }
    }

    pub fn add(&mut self, field: &str, problem: impl Into<String>) {
        self.fields.entry(field.to_string()).or_default().push(problem.into());
    }

    pub fn finish(self) -> ApiResult<()> {
        if self.fields.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid_fields(self.fields))
        }
    }
}

/// A syntactically valid email address, lower-cased (addresses compare case-insensitively here).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err("This field is required.".into());
        }
        if trimmed.len() > MAX_EMAIL_LEN {
            return Err(format!("Ensure this field has no more than {MAX_EMAIL_LEN} characters."));
        }
        let options = email_address::Options::default().without_display_text().without_domain_literal();
        match email_address::EmailAddress::parse_with_options(trimmed, options) {
            Ok(address) if address.domain().contains('.') => Ok(Self(trimmed.to_lowercase())),
            _ => Err("Enter a valid email address.".into()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or_default()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password as typed by the user. Never printed, never logged.
pub struct Password(SecretString);

impl Password {
    /// A password offered for login: only bounded, no policy (old passwords stay valid).
    pub fn parse_any(input: &str) -> Result<Self, String> {
        if input.is_empty() {
            return Err("This field is required.".into());
        }
        if input.chars().count() > MAX_PASSWORD_LEN {
            return Err(format!("Ensure this field has no more than {MAX_PASSWORD_LEN} characters."));
        }
        Ok(Self(SecretString::from(input.to_string())))
    }

    /// A new password: the policy of api.md (length, not all digits, not common,
    /// not too similar to the email). Returns every problem found.
    pub fn parse_new(input: &str, email: Option<&Email>) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        let length = input.chars().count();
        if length < MIN_PASSWORD_LEN {
            problems
                .push(format!("This password is too short. It must contain at least {MIN_PASSWORD_LEN} characters."));
        }
        if length > MAX_PASSWORD_LEN {
            problems.push(format!("Ensure this field has no more than {MAX_PASSWORD_LEN} characters."));
        }
        if !input.is_empty() && input.chars().all(|c| c.is_ascii_digit()) {
            problems.push("This password is entirely numeric.".into());
        }
        if is_common_password(input) {
            problems.push("This password is too common.".into());
        }
        if let Some(email) = email {
            if too_similar(input, email) {
                problems.push("The password is too similar to the email address.".into());
            }
        }
        if problems.is_empty() {
            Ok(Self(SecretString::from(input.to_string())))
        } else {
            Err(problems)
        }
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| include_str!("../data/common-passwords.txt").lines().map(str::trim).collect())
}

fn is_common_password(password: &str) -> bool {
    common_passwords().contains(password.trim().to_lowercase().as_str())
}

/// Like Django's UserAttributeSimilarityValidator: the password must not be close to
/// the whole address, its local part, or the parts of the local part.
fn too_similar(password: &str, email: &Email) -> bool {
    const MAX_SIMILARITY: f64 = 0.7;
    let password = password.to_lowercase();
    let local = email.local_part();
    let mut candidates = vec![email.as_str(), local];
    candidates.extend(local.split(|c: char| !c.is_alphanumeric()).filter(|p| p.len() >= 3));
    candidates.iter().any(|candidate| {
        strsim::normalized_levenshtein(&password, candidate) >= MAX_SIMILARITY
            || (candidate.len() >= 4 && password.contains(candidate))
    })
}

/// A Django-compatible username: letters, digits and `@.+-_`, at most 150 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err("This field may not be blank.".into());
        }
        if trimmed.chars().count() > MAX_USERNAME_LEN {
            return Err(format!("Ensure this field has no more than {MAX_USERNAME_LEN} characters."));
        }
        if !trimmed.chars().all(|c| c.is_alphanumeric() || "@.+-_".contains(c)) {
            return Err("Enter a valid username: letters, numbers and @/./+/-/_ only.".into());
        }
        Ok(Self(trimmed.to_string()))
    }

    /// A username derived from an email's local part, for new accounts.
    pub fn from_email(email: &Email) -> Self {
        let base: String = email
            .local_part()
            .chars()
            .filter(|c| c.is_alphanumeric() || "@.+-_".contains(*c))
            .take(MAX_USERNAME_LEN - 5)
            .collect();
        Self(if base.is_empty() { "user".into() } else { base })
    }

    /// The username a new registration starts with: the one derived from the email
    /// and the random end of the account's id, so it is never taken. The email worker
    /// replaces it with `from_email`'s (see `is_provisional`).
    pub fn provisional(email: &Email, user_id: uuid::Uuid) -> Self {
        const ID_CHARS: usize = 12;
        let id = user_id.simple().to_string();
        let base: String = Self::from_email(email).0.chars().take(MAX_USERNAME_LEN - ID_CHARS - 1).collect();
        Self(format!("{base}_{}", &id[id.len() - ID_CHARS..]))
    }

    /// Whether `username` is still the provisional one of this account.
    pub fn is_provisional(username: &str, email: &Email, user_id: uuid::Uuid) -> bool {
        Self::provisional(email, user_id).0 == username
    }

    /// This username with a random numeric suffix, for when the plain one is taken.
    pub fn with_suffix(&self, suffix: u32) -> Self {
        Self(format!("{}{suffix:04}", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The uniqueness key: usernames are unique case-insensitively.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A first or last name: at most 150 characters, without control characters, without
/// invisible format and bidi controls (Unicode category Cf: U+202E, U+200B, U+2066…),
/// and without links (`://`, `www.`). Names appear in emails and to other people, so
/// they must not carry a URL or text that displays differently from what it is.
pub fn parse_name(input: &str) -> Result<String, String> {
    let trimmed = input.trim();
    if trimmed.chars().count() > MAX_NAME_LEN {
        return Err(format!("Ensure this field has no more than {MAX_NAME_LEN} characters."));
    }
    if trimmed.chars().any(char::is_control) {
        return Err("Control characters are not allowed.".into());
    }
    if trimmed.chars().any(is_format_character) {
        return Err("Invisible formatting characters (such as direction marks) are not allowed.".into());
    }
    let lower = trimmed.to_lowercase();
    if lower.contains("://") || lower.contains("www.") {
        return Err("Links are not allowed in names.".into());
    }
    Ok(trimmed.to_string())
}

/// A name from an identity provider (Google): kept if `parse_name` accepts it (cut to
/// length), otherwise left empty for the user to fill in.
pub fn provided_name(input: &str) -> String {
    let bounded: String = input.trim().chars().take(MAX_NAME_LEN).collect();
    parse_name(&bounded).unwrap_or_default()
}

/// Unicode general category Cf (format): bidi embeddings, overrides and isolates,
/// zero-width characters, the byte order mark, invisible operators, tags.
fn is_format_character(c: char) -> bool {
    use icu_properties::props::GeneralCategory;
    icu_properties::CodePointMapData::<GeneralCategory>::new().get(c) == GeneralCategory::Format
}

/// Required text of at most `max` characters. A label (`trim = true`) is stored
/// trimmed; a body of text (`trim = false`) is kept as written.
/// For optional fields that can be cleared: absent → `None` (leave as is); `null` →
/// `Some(None)` (clear); a value → `Some(Some(v))`. Use with `#[serde(default)]`.
pub fn present<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

pub fn required_text(raw: &str, max: usize, trim: bool) -> Result<String, String> {
    let text = if trim { raw.trim() } else { raw };
    if text.trim().is_empty() {
        Err("This field may not be blank.".into())
    } else if text.chars().count() > max {
        Err(format!("Ensure this field has no more than {max} characters."))
    } else {
        Ok(text.to_string())
    }
}

/// The page asked for by the `limit` and `cursor` query parameters, of the list
/// `spec`: a limit outside 1 to [`MAX_LIMIT`] is a 400 on `limit`, a cursor that is no
/// position in that list a 400 `invalid_cursor`.
pub fn page_request(limit: Option<i32>, cursor: Option<&str>, spec: &ListSpec) -> ApiResult<PageRequest> {
    let limit = match limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            return Err(ApiError::invalid_field("limit", format!("Must be a whole number from 1 to {MAX_LIMIT}.")))
        }
    };
    Ok(PageRequest::new(limit, cursor, spec)?)
}

/// Free-text device description sent at login, bounded.
pub fn parse_device_info(input: &str) -> Result<String, String> {
    if input.chars().count() > MAX_DEVICE_INFO_LEN {
        return Err(format!("Ensure this field has no more than {MAX_DEVICE_INFO_LEN} characters."));
    }
    Ok(input.chars().filter(|c| !c.is_control()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_limits() {
        let spec = ListSpec::table("USER#a", "P#");
        assert_eq!(page_request(None, None, &spec).unwrap().limit, 20);
        assert_eq!(page_request(Some(100), None, &spec).unwrap().limit, 100);
        for bad in [0, 101, -1, i32::MAX] {
            assert_eq!(page_request(Some(bad), None, &spec).unwrap_err().code, "invalid_request", "{bad}");
        }
        assert_eq!(page_request(None, Some("e30"), &spec).unwrap_err().code, "invalid_cursor");
    }

    fn email(s: &str) -> Email {
        Email::parse(s).unwrap()
    }

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(email("  Ada@Example.COM ").as_str(), "ada@example.com");
        assert!(Email::parse("not-an-email").is_err());
        assert!(Email::parse("a@localhost").is_err());
        assert!(Email::parse("").is_err());
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn password_policy() {
        let e = email("ada.lovelace@example.com");
        assert!(Password::parse_new("correct horse battery", Some(&e)).is_ok());
        let short = Password::parse_new("abc", Some(&e)).unwrap_err();
        assert!(short[0].contains("too short"));
        assert!(Password::parse_new("12345678901234", Some(&e)).unwrap_err().iter().any(|p| p.contains("numeric")));
        assert!(Password::parse_new("password123", Some(&e)).unwrap_err().iter().any(|p| p.contains("common")));
        assert!(Password::parse_new("ada.lovelace1", Some(&e)).unwrap_err().iter().any(|p| p.contains("similar")));
        assert!(Password::parse_new("lovelace-rocks!", Some(&e)).unwrap_err().iter().any(|p| p.contains("similar")));
        assert!(Password::parse_new(&"x".repeat(300), None).is_err());
    }

    #[test]
    fn usernames() {
        assert!(Username::parse("ada_l+1@x.y-z").is_ok());
        assert!(Username::parse("ada lovelace").is_err());
        assert!(Username::parse(&"a".repeat(151)).is_err());
        assert_eq!(Username::from_email(&email("ada.l@example.com")).as_str(), "ada.l");
        assert_eq!(Username::parse("Ada").unwrap().key(), "ada");
    }

    #[test]
    fn provisional_usernames_are_valid_unique_per_account_and_recognisable() {
        let id = uuid::Uuid::now_v7();
        let other = uuid::Uuid::now_v7();
        let e = email("ada.l@example.com");
        let provisional = Username::provisional(&e, id);
        assert!(Username::parse(provisional.as_str()).is_ok());
        assert!(provisional.as_str().starts_with("ada.l_"), "{}", provisional.as_str());
        assert_ne!(provisional, Username::provisional(&e, other));
        assert!(Username::is_provisional(provisional.as_str(), &e, id));
        assert!(!Username::is_provisional("ada.l", &e, id));
        let long = email(&format!("{}@example.com", "a".repeat(64)));
        assert!(Username::provisional(&long, id).as_str().chars().count() <= MAX_USERNAME_LEN);
    }

    #[test]
    fn names_refuse_links_and_invisible_controls() {
        assert_eq!(parse_name("  Ada  ").unwrap(), "Ada");
        for fine in ["", "Ada", "José-María", "O'Brien", "李小龙", "محمد", "Jean Paul", "A. B. Smith", "Dr. www"]
        {
            assert!(parse_name(fine).is_ok(), "{fine:?}");
        }
        for link in
            ["http://evil.example", "Ada https://x.y", "HTTPS://X.Y", "ftp://host", "www.evil.com", "Visit WWW.evil"]
        {
            let err = parse_name(link).unwrap_err();
            assert!(err.contains("Links"), "{link:?}: {err}");
        }
        let controls = [
            '\u{202E}',
            '\u{202A}',
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{200E}',
            '\u{200F}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{061C}',
            '\u{E0041}',
        ];
        let isolates = ['\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}'];
        for c in controls.into_iter().chain(isolates) {
            let name = format!("Ada{c}Lovelace");
            let err = parse_name(&name).unwrap_err();
            assert!(err.contains("Invisible"), "U+{:04X}: {err}", c as u32);
        }
        assert!(parse_name("Ada\u{0007}").unwrap_err().contains("Control"));
        assert!(parse_name(&"a".repeat(151)).is_err());
    }

    #[test]
    fn provided_names_are_kept_only_when_acceptable() {
        assert_eq!(provided_name(" Grace "), "Grace");
        assert_eq!(provided_name(&"g".repeat(200)).chars().count(), MAX_NAME_LEN);
        assert_eq!(provided_name("Grace\u{202E}"), "");
        assert_eq!(provided_name("www.grace.example"), "");
    }

    #[test]
    fn password_debug_is_redacted() {
        let p = Password::parse_any("hunter2hunter2").unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
    }
}
