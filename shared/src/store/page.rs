//! Cursor pagination over one partition. The cursor is the opaque, URL-safe encoding
//! of DynamoDB's LastEvaluatedKey; a cursor is only accepted for the partition and
//! key prefix of the list it came from, so it can neither leak nor reach another
//! user's items (a foreign or mangled cursor is a 400, never a 500).

use super::{keys, s, Item};
use crate::error::{ApiError, ApiResult};
use crate::Deps;
use base64::Engine;
use serde::{Deserialize, Serialize};

pub const DEFAULT_LIMIT: i32 = 20;
pub const MAX_LIMIT: i32 = 100;

#[derive(Serialize, Deserialize)]
struct CursorKey {
    pk: String,
    sk: String,
}

/// A validated page request: how many, and from where.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: i32,
    start: Option<(String, String)>,
}

fn invalid_cursor() -> ApiError {
    ApiError::new(http::StatusCode::BAD_REQUEST, "invalid_cursor", "The cursor is not valid for this list.")
}

impl PageRequest {
    /// From the `limit` and `cursor` query parameters, for the list of partition
    /// `pk` whose sort keys start with `prefix`.
    pub fn parse(limit: Option<&str>, cursor: Option<&str>, pk: &str, prefix: &str) -> ApiResult<Self> {
        let limit = match limit {
            None | Some("") => DEFAULT_LIMIT,
            Some(text) => match text.parse::<i32>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    return Err(ApiError::invalid_field(
                        "limit",
                        format!("Must be a whole number from 1 to {MAX_LIMIT}."),
                    ))
                }
            },
        };
        let start = match cursor {
            None | Some("") => None,
            Some(cursor) => {
                let bytes =
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid_cursor())?;
                let key: CursorKey = serde_json::from_slice(&bytes).map_err(|_| invalid_cursor())?;
                if key.pk != pk || !key.sk.starts_with(prefix) {
                    return Err(invalid_cursor());
                }
                Some((key.pk, key.sk))
            }
        };
        Ok(Self { limit, start })
    }
}

fn encode(key: &Item) -> Option<String> {
    let pk = key.get(keys::PK)?.as_s().ok()?.clone();
    let sk = key.get(keys::SK)?.as_s().ok()?.clone();
    let json = serde_json::to_vec(&CursorKey { pk, sk }).ok()?;
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
}

/// One page of the items of partition `pk` whose sort keys start with `prefix`, and
/// the cursor of the next page (`None` at the end).
pub async fn query(
    deps: &Deps,
    pk: &str,
    prefix: &str,
    newest_first: bool,
    page: &PageRequest,
) -> ApiResult<(Vec<Item>, Option<String>)> {
    let start = page.start.as_ref().map(|(pk, sk)| super::key(pk.clone(), sk.clone()));
    let output = deps
        .dynamo
        .query()
        .table_name(&deps.config.table_name)
        .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
        .expression_attribute_values(":pk", s(pk))
        .expression_attribute_values(":prefix", s(prefix))
        .scan_index_forward(!newest_first)
        .limit(page.limit)
        .set_exclusive_start_key(start)
        .send()
        .await?;
    let next = output.last_evaluated_key.as_ref().and_then(encode);
    Ok((output.items.unwrap_or_default(), next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(pk: &str, sk: &str) -> String {
        let mut item = Item::new();
        item.insert(keys::PK.into(), s(pk));
        item.insert(keys::SK.into(), s(sk));
        encode(&item).unwrap()
    }

    #[test]
    fn limits() {
        assert_eq!(PageRequest::parse(None, None, "USER#a", "P#").unwrap().limit, 20);
        assert_eq!(PageRequest::parse(Some("100"), None, "USER#a", "P#").unwrap().limit, 100);
        for bad in ["0", "101", "-1", "ten", "1.5"] {
            assert!(PageRequest::parse(Some(bad), None, "USER#a", "P#").is_err(), "{bad}");
        }
    }

    #[test]
    fn cursors_round_trip_only_within_their_list() {
        let good = cursor("USER#a", "P#123");
        let page = PageRequest::parse(None, Some(&good), "USER#a", "P#").unwrap();
        assert_eq!(page.start, Some(("USER#a".into(), "P#123".into())));
        let other_user = cursor("USER#b", "P#123");
        assert_eq!(PageRequest::parse(None, Some(&other_user), "USER#a", "P#").unwrap_err().code, "invalid_cursor");
        let other_list = cursor("USER#a", "SESSION#1");
        assert_eq!(PageRequest::parse(None, Some(&other_list), "USER#a", "P#").unwrap_err().code, "invalid_cursor");
        for junk in ["%%%", "bm90IGpzb24", "e30"] {
            assert_eq!(PageRequest::parse(None, Some(junk), "USER#a", "P#").unwrap_err().code, "invalid_cursor");
        }
    }
}
