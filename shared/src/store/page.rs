//! Cursor pagination. The cursor is the opaque, URL-safe encoding of DynamoDB's
//! LastEvaluatedKey; it is only accepted back for the list it came from (same
//! partition, same key prefix, the caller's own table partition), so it can neither
//! leak nor reach another user's items: a foreign or mangled cursor is refused
//! (`StoreError::BadCursor`, a 400).

use super::{keys, s, Item};
use super::{StoreError, StoreResult, Table};
use base64::Engine;
use std::collections::BTreeMap;

pub const DEFAULT_LIMIT: i32 = 20;
pub const MAX_LIMIT: i32 = 100;
pub const GSI1: &str = "GSI1";
pub const GSI1PK: &str = "GSI1PK";
pub const GSI1SK: &str = "GSI1SK";
pub const GSI2: &str = "GSI2";
pub const GSI2PK: &str = "GSI2PK";
pub const GSI2SK: &str = "GSI2SK";

/// Which list a page is of: a key condition `partition = value AND begins_with(sort, prefix)`
/// on the table or on an index, within the caller's table partition `owner_pk`.
#[derive(Clone, Copy, Debug)]
pub struct ListSpec<'a> {
    pub index: Option<&'static str>,
    pub partition_attr: &'static str,
    pub partition: &'a str,
    pub sort_attr: &'static str,
    pub prefix: &'a str,
    pub owner_pk: &'a str,
}

impl<'a> ListSpec<'a> {
    /// Items of the table partition `pk` whose sort keys start with `prefix`.
    pub fn table(pk: &'a str, prefix: &'a str) -> Self {
        Self { index: None, partition_attr: keys::PK, partition: pk, sort_attr: keys::SK, prefix, owner_pk: pk }
    }

    /// Items of the GSI1 partition `gsi_pk`, owned by `owner_pk`.
    pub fn gsi1(gsi_pk: &'a str, owner_pk: &'a str) -> Self {
        Self { index: Some(GSI1), partition_attr: GSI1PK, partition: gsi_pk, sort_attr: GSI1SK, prefix: "", owner_pk }
    }

    /// Items of the GSI2 partition `gsi_pk`, owned by `owner_pk`.
    pub fn gsi2(gsi_pk: &'a str, owner_pk: &'a str) -> Self {
        Self { index: Some(GSI2), partition_attr: GSI2PK, partition: gsi_pk, sort_attr: GSI2SK, prefix: "", owner_pk }
    }

    /// The attributes of a position in this list (DynamoDB's LastEvaluatedKey): the
    /// table's key, and the index's when the list is of an index.
    fn key_attributes(&self) -> [&'static str; 4] {
        [keys::PK, keys::SK, self.partition_attr, self.sort_attr]
    }
}

/// A validated page request: how many, and from where.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: i32,
    start: Option<Item>,
}

impl PageRequest {
    /// `limit` items (from 1 to [`MAX_LIMIT`], clamped) from the position `cursor` (the
    /// start when none or empty) in the list `spec`; `BadCursor` when the cursor is not
    /// a position in that list.
    pub fn new(limit: i32, cursor: Option<&str>, spec: &ListSpec) -> StoreResult<Self> {
        let limit = limit.clamp(1, MAX_LIMIT);
        let start = match cursor {
            None | Some("") => None,
            Some(cursor) => {
                let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(cursor)
                    .map_err(|_| StoreError::BadCursor)?;
                let key: BTreeMap<String, String> =
                    serde_json::from_slice(&bytes).map_err(|_| StoreError::BadCursor)?;
                let get = |name: &str| key.get(name).map(String::as_str);
                let ok = get(keys::PK) == Some(spec.owner_pk)
                    && get(spec.partition_attr) == Some(spec.partition)
                    && get(spec.sort_attr).is_some_and(|sk| sk.starts_with(spec.prefix))
                    && get(keys::SK).is_some()
                    && key.keys().all(|k| spec.key_attributes().contains(&k.as_str()));
                if !ok {
                    return Err(StoreError::BadCursor);
                }
                Some(key.into_iter().map(|(k, v)| (k, s(v))).collect())
            }
        };
        Ok(Self { limit, start })
    }
}

fn encode(key: &Item) -> Option<String> {
    let strings: BTreeMap<&str, &str> =
        key.iter().map(|(k, v)| Some((k.as_str(), v.as_s().ok()?.as_str()))).collect::<Option<_>>()?;
    let json = serde_json::to_vec(&strings).ok()?;
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
}

/// The most items a filtered page examines to fill itself (a FilterExpression drops
/// items after they were read), and the most reads it makes for that. Past either, the
/// page is answered as it is, shorter than `limit`, with a cursor to read on from.
pub const FILTER_BUDGET_ITEMS: i32 = 1_000;
pub const FILTER_BUDGET_READS: usize = 10;

/// The cursor that continues the list after `item`.
fn cursor_after(spec: &ListSpec, item: &Item) -> Option<String> {
    let position: Item = spec
        .key_attributes()
        .iter()
        .map(|name| Some((name.to_string(), item.get(*name)?.clone())))
        .collect::<Option<_>>()?;
    encode(&position)
}

/// One page of the list `spec`, mapped to `T` (newest first when sort keys grow with
/// time), after the optional `filter` (an expression with its values), and the next
/// cursor. The page holds `limit` items whenever that many more exist, and the cursor
/// is `None` when no more exist: it reads one item past the page to know, and, with a
/// filter, reads on (within the filter budget) while items are filtered out.
pub async fn query<T: serde::de::DeserializeOwned>(
    table: &Table,
    spec: &ListSpec<'_>,
    newest_first: bool,
    page: &PageRequest,
    filter: Option<(String, Item)>,
) -> StoreResult<(Vec<T>, Option<String>)> {
    let condition = if spec.prefix.is_empty() {
        format!("{} = :partition", spec.partition_attr)
    } else {
        format!("{} = :partition AND begins_with({}, :prefix)", spec.partition_attr, spec.sort_attr)
    };
    let mut values = Item::from([(":partition".to_string(), s(spec.partition))]);
    if !spec.prefix.is_empty() {
        values.insert(":prefix".into(), s(spec.prefix));
    }
    let filtered = filter.is_some();
    let (filter_expression, filter_values) = filter.map_or((None, Item::new()), |(e, v)| (Some(e), v));
    values.extend(filter_values);
    let query = table
        .query()
        .set_index_name(spec.index.map(str::to_string))
        .key_condition_expression(condition)
        .set_filter_expression(filter_expression)
        .set_expression_attribute_values(Some(values))
        .scan_index_forward(!newest_first);
    let limit = page.limit as usize;
    let mut items: Vec<Item> = Vec::new();
    let (mut start, mut examined, mut reads) = (page.start.clone(), 0, 0);
    let cut_short = loop {
        // One past the page; with a filter, four times more on every further read.
        let wanted = (limit + 1 - items.len()) as i32;
        let read = if filtered { (wanted << (2 * reads.min(8))).min(FILTER_BUDGET_ITEMS - examined) } else { wanted };
        let output = query.clone().limit(read).set_exclusive_start_key(start).send().await?;
        examined += output.scanned_count;
        reads += 1;
        items.extend(output.items.unwrap_or_default());
        start = output.last_evaluated_key;
        if items.len() > limit || start.is_none() {
            break None;
        }
        if filtered && (examined >= FILTER_BUDGET_ITEMS || reads >= FILTER_BUDGET_READS) {
            tracing::debug!(found = items.len(), examined, reads, "filtered page cut short by its budget");
            break start;
        }
    };
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().and_then(|item| cursor_after(spec, item))
    } else {
        cut_short.as_ref().and_then(encode)
    };
    let items = items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?;
    Ok((items, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(pairs: &[(&str, &str)]) -> String {
        let item: Item = pairs.iter().map(|(k, v)| (k.to_string(), s(*v))).collect();
        encode(&item).unwrap()
    }

    #[test]
    fn table_cursors_only_work_within_their_list() {
        let spec = ListSpec::table("USER#a", "P#");
        let good = cursor(&[("PK", "USER#a"), ("SK", "P#123")]);
        assert!(PageRequest::new(DEFAULT_LIMIT, Some(&good), &spec).unwrap().start.is_some());
        for bad in [
            cursor(&[("PK", "USER#b"), ("SK", "P#123")]),
            cursor(&[("PK", "USER#a"), ("SK", "SESSION#1")]),
            cursor(&[("PK", "USER#a"), ("SK", "P#1"), ("other", "x")]),
            "%%%".to_string(),
            "bm90IGpzb24".to_string(),
            "e30".to_string(),
        ] {
            assert!(matches!(PageRequest::new(DEFAULT_LIMIT, Some(&bad), &spec), Err(StoreError::BadCursor)), "{bad}");
        }
    }

    #[test]
    fn index_cursors_are_bound_to_the_index_partition_and_the_owner() {
        let spec = ListSpec::gsi1("USER#a#CHATS#L", "USER#a");
        let good = cursor(&[("PK", "USER#a"), ("SK", "CHAT#1"), ("GSI1PK", "USER#a#CHATS#L"), ("GSI1SK", "0001#1")]);
        assert!(PageRequest::new(DEFAULT_LIMIT, Some(&good), &spec).is_ok());
        let archived_list =
            cursor(&[("PK", "USER#a"), ("SK", "CHAT#1"), ("GSI1PK", "USER#a#CHATS#A"), ("GSI1SK", "0001#1")]);
        assert!(PageRequest::new(DEFAULT_LIMIT, Some(&archived_list), &spec).is_err());
        let someone_else =
            cursor(&[("PK", "USER#b"), ("SK", "CHAT#1"), ("GSI1PK", "USER#a#CHATS#L"), ("GSI1SK", "0001#1")]);
        assert!(PageRequest::new(DEFAULT_LIMIT, Some(&someone_else), &spec).is_err());
        // A position in a project's list (GSI2) is no position in the user's list, and back.
        let project_list = ListSpec::gsi2("USER#a#PROJECT#p#CHATS#L", "USER#a");
        let in_project =
            cursor(&[("PK", "USER#a"), ("SK", "CHAT#1"), ("GSI2PK", "USER#a#PROJECT#p#CHATS#L"), ("GSI2SK", "0001#1")]);
        assert!(PageRequest::new(DEFAULT_LIMIT, Some(&in_project), &project_list).is_ok());
        assert!(PageRequest::new(DEFAULT_LIMIT, Some(&in_project), &spec).is_err());
        assert!(PageRequest::new(DEFAULT_LIMIT, Some(&good), &project_list).is_err());
    }
}
