//! What one function may reach in the table and in the bucket.
//!
//! Each function declares it once (its `Permission`s in the route table). The same
//! declaration becomes the function's IAM policy in `template.yaml` (`dynamodb:LeadingKeys`
//! and object-prefix conditions), and on the local stack an interceptor on the DynamoDB and
//! S3 clients refuses every call outside it while the function runs, as IAM would on AWS.
//! So the whole test suite exercises the deployed policy.

use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;
use std::future::Future;

/// The partition-key prefix of everything a user owns (their profile, sessions, chats,
/// projects, files, memories, prototypes, imports and exports, rate windows).
pub const USER_PARTITIONS: &str = "USER#";
/// The partitions that only the sign-in side reads or writes: the credentials (`EMAIL#`),
/// the username claims, one-time tokens, sign-in throttles and Google links.
pub const ACCOUNT_PARTITIONS: &[&str] = &["USER#", "EMAIL#", "USERNAME#", "TOKEN#", "LOGINFAIL#", "GOOGLE#", "RATE#"];
/// Every partition: for the jobs that sweep the table's shared index partitions.
pub const EVERY_PARTITION: &[&str] = &[""];

/// The attributes a route that only reads may still write: its session's `last_used_at`.
pub const SESSION_TOUCH_ATTRIBUTES: &[&str] = &["PK", "SK", "last_used_at"];

/// Which partitions (by prefix of the partition key, of the table or of an index) a
/// function may read and write.
#[derive(Debug, PartialEq, Eq)]
pub struct TableAccess {
    pub read: &'static [&'static str],
    pub write: &'static [&'static str],
    /// It may refresh its session's `last_used_at` (and nothing else) in a partition it
    /// may not otherwise write: every authenticated route that only reads.
    pub touch_session: bool,
}

/// A user's own data, read and written.
pub const USER_DATA: TableAccess =
    TableAccess { read: &[USER_PARTITIONS], write: &[USER_PARTITIONS], touch_session: true };
/// A user's own data, read only.
pub const USER_DATA_READ: TableAccess = TableAccess { read: &[USER_PARTITIONS], write: &[], touch_session: true };
/// Users' data, read only, without a session (a public page).
pub const PUBLIC_READ: TableAccess = TableAccess { read: &[USER_PARTITIONS], write: &[], touch_session: false };
/// Sign-in, registration and account management.
pub const ACCOUNTS: TableAccess =
    TableAccess { read: ACCOUNT_PARTITIONS, write: ACCOUNT_PARTITIONS, touch_session: true };
/// The jobs that work on users' data and record which jobs they have done (`JOB#`).
pub const USER_JOBS: TableAccess =
    TableAccess { read: &[USER_PARTITIONS, "JOB#"], write: &[USER_PARTITIONS, "JOB#"], touch_session: false };
/// The email worker: it resolves account emails (credentials, one-time tokens) and records
/// its jobs.
pub const ACCOUNT_JOBS: TableAccess = TableAccess {
    read: &["USER#", "EMAIL#", "USERNAME#", "TOKEN#", "LOGINFAIL#", "GOOGLE#", "RATE#", "JOB#"],
    write: &["USER#", "EMAIL#", "USERNAME#", "TOKEN#", "LOGINFAIL#", "GOOGLE#", "RATE#", "JOB#"],
    touch_session: false,
};
/// The whole table.
pub const WHOLE_TABLE: TableAccess =
    TableAccess { read: EVERY_PARTITION, write: EVERY_PARTITION, touch_session: false };

/// The object prefixes of the files bucket.
pub const UPLOADS: &str = "uploads/";
pub const FILES: &str = "files/";
pub const AVATARS: &str = "avatars/";
pub const PROTOTYPES: &str = "prototypes/";
pub const EXPORTS: &str = "exports/";
pub const EVERY_OBJECT_PREFIX: &[&str] = &[UPLOADS, FILES, AVATARS, PROTOTYPES, EXPORTS];

/// Which object prefixes a function may read (get, head, presign a download) and write
/// (put, delete, multipart, presign an upload). It may list what it may read or write.
#[derive(Debug, PartialEq, Eq)]
pub struct ObjectAccess {
    pub read: &'static [&'static str],
    pub write: &'static [&'static str],
}

impl ObjectAccess {
    pub fn listable(&self) -> Vec<&'static str> {
        let mut prefixes: Vec<&'static str> = self.read.iter().chain(self.write).copied().collect();
        prefixes.sort_unstable();
        prefixes.dedup();
        prefixes
    }
}

/// What the function running now may reach, as declared.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    pub function: &'static str,
    pub table: Option<&'static TableAccess>,
    pub objects: Option<&'static ObjectAccess>,
}

tokio::task_local! {
    static CURRENT: Scope;
}

/// Runs `work` as `scope`'s function: on the local stack its calls are checked against it.
pub async fn run_as<F: Future>(scope: Scope, work: F) -> F::Output {
    CURRENT.scope(scope, work).await
}

fn current() -> Option<Scope> {
    CURRENT.try_with(|scope| *scope).ok()
}

fn matches(prefixes: &[&str], value: &str) -> bool {
    prefixes.iter().any(|prefix| value.starts_with(prefix))
}

/// One item a DynamoDB call reaches: its leading key, and whether it writes.
#[derive(Debug, PartialEq, Eq)]
enum Reach {
    Read(String),
    Write(String),
    /// An update that names only these attributes (for the session touch).
    Update {
        partition: String,
        attributes: Vec<String>,
    },
}

fn partition(key: Option<&HashMap<String, AttributeValue>>, name: &str) -> String {
    key.and_then(|key| key.get(name)).and_then(|value| value.as_s().ok()).cloned().unwrap_or_default()
}

/// The attribute names an expression mentions: plain names, and `#placeholders` resolved.
fn expression_attributes(expressions: &[Option<&str>], names: Option<&HashMap<String, String>>) -> Vec<String> {
    const WORDS: &[&str] = &[
        "SET",
        "REMOVE",
        "ADD",
        "DELETE",
        "AND",
        "OR",
        "NOT",
        "BETWEEN",
        "IN",
        "attribute_exists",
        "attribute_not_exists",
        "attribute_type",
        "begins_with",
        "contains",
        "size",
        "if_not_exists",
        "list_append",
    ];
    let mut found = Vec::new();
    for expression in expressions.iter().flatten() {
        let mut chars = expression.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            if c.is_ascii_alphabetic() || c == '_' || c == '#' || c == ':' {
                let mut end = start + c.len_utf8();
                while let Some(&(i, next)) = chars.peek() {
                    if next.is_ascii_alphanumeric() || next == '_' {
                        end = i + 1;
                        chars.next();
                    } else {
                        break;
                    }
                }
                let word = &expression[start..end];
                if word.starts_with(':') || WORDS.contains(&word) {
                    continue;
                }
                if word.starts_with('#') {
                    found.push(names.and_then(|names| names.get(word)).cloned().unwrap_or_else(|| word.to_string()));
                } else {
                    found.push(word.to_string());
                }
            } else if c.is_ascii_digit() {
                while chars.peek().is_some_and(|(_, next)| next.is_ascii_alphanumeric()) {
                    chars.next();
                }
            }
        }
    }
    found
}

/// The leading key of a query: the value its key condition gives the partition key of
/// the table or index it reads.
fn query_partition(input: &aws_sdk_dynamodb::operation::query::QueryInput) -> String {
    let hash_key = match input.index_name() {
        Some(index) => format!("{index}PK"),
        None => "PK".to_string(),
    };
    let condition = input.key_condition_expression().unwrap_or_default();
    let names = input.expression_attribute_names();
    let values = input.expression_attribute_values();
    for clause in condition.split(" AND ") {
        let Some((left, right)) = clause.split_once('=') else { continue };
        let left = left.trim();
        let left = names.and_then(|names| names.get(left)).map(String::as_str).unwrap_or(left);
        if left == hash_key {
            let placeholder = right.trim();
            return values
                .and_then(|values| values.get(placeholder))
                .and_then(|value| value.as_s().ok())
                .cloned()
                .unwrap_or_default();
        }
    }
    String::new()
}

fn dynamodb_reach(
    input: &aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef<'_>,
) -> Option<Vec<Reach>> {
    use aws_sdk_dynamodb::operation::*;
    let input = input.input();
    let update = |key: Option<&HashMap<String, AttributeValue>>,
                  update: Option<&str>,
                  condition: Option<&str>,
                  names: Option<&HashMap<String, String>>| Reach::Update {
        partition: partition(key, "PK"),
        attributes: expression_attributes(&[update, condition], names),
    };
    if let Some(i) = input.downcast_ref::<get_item::GetItemInput>() {
        return Some(vec![Reach::Read(partition(i.key(), "PK"))]);
    }
    if let Some(i) = input.downcast_ref::<query::QueryInput>() {
        return Some(vec![Reach::Read(query_partition(i))]);
    }
    if let Some(i) = input.downcast_ref::<put_item::PutItemInput>() {
        return Some(vec![Reach::Write(partition(i.item(), "PK"))]);
    }
    if let Some(i) = input.downcast_ref::<delete_item::DeleteItemInput>() {
        return Some(vec![Reach::Write(partition(i.key(), "PK"))]);
    }
    if let Some(i) = input.downcast_ref::<update_item::UpdateItemInput>() {
        return Some(vec![update(
            i.key(),
            i.update_expression(),
            i.condition_expression(),
            i.expression_attribute_names(),
        )]);
    }
    if let Some(i) = input.downcast_ref::<batch_get_item::BatchGetItemInput>() {
        let keys = i.request_items().into_iter().flat_map(|items| items.values()).flat_map(|k| k.keys());
        return Some(keys.map(|key| Reach::Read(partition(Some(key), "PK"))).collect());
    }
    if let Some(i) = input.downcast_ref::<batch_write_item::BatchWriteItemInput>() {
        let requests = i.request_items().into_iter().flat_map(|items| items.values()).flatten();
        return Some(
            requests
                .map(|request| match (request.put_request(), request.delete_request()) {
                    (Some(put), _) => Reach::Write(partition(Some(put.item()), "PK")),
                    (None, Some(delete)) => Reach::Write(partition(Some(delete.key()), "PK")),
                    (None, None) => Reach::Write(String::new()),
                })
                .collect(),
        );
    }
    if let Some(i) = input.downcast_ref::<transact_get_items::TransactGetItemsInput>() {
        let gets = i.transact_items().iter().filter_map(|item| item.get());
        return Some(gets.map(|get| Reach::Read(partition(Some(get.key()), "PK"))).collect());
    }
    if let Some(i) = input.downcast_ref::<transact_write_items::TransactWriteItemsInput>() {
        return Some(
            i.transact_items()
                .iter()
                .map(|item| {
                    if let Some(check) = item.condition_check() {
                        Reach::Read(partition(Some(check.key()), "PK"))
                    } else if let Some(put) = item.put() {
                        Reach::Write(partition(Some(put.item()), "PK"))
                    } else if let Some(delete) = item.delete() {
                        Reach::Write(partition(Some(delete.key()), "PK"))
                    } else if let Some(u) = item.update() {
                        update(
                            Some(u.key()),
                            Some(u.update_expression()),
                            u.condition_expression(),
                            u.expression_attribute_names(),
                        )
                    } else {
                        Reach::Write(String::new())
                    }
                })
                .collect(),
        );
    }
    // Describing the table (the health check) reaches no item; a scan reaches every
    // partition, so it is checked as a read of "".
    if input.downcast_ref::<scan::ScanInput>().is_some() {
        return Some(vec![Reach::Read(String::new())]);
    }
    None
}

fn check_table(access: &TableAccess, reach: &Reach) -> Result<(), String> {
    match reach {
        Reach::Read(partition) if matches(access.read, partition) => Ok(()),
        Reach::Read(partition) => Err(format!("read {partition:?}")),
        Reach::Write(partition) if matches(access.write, partition) => Ok(()),
        Reach::Write(partition) => Err(format!("write {partition:?}")),
        Reach::Update { partition, .. } if matches(access.write, partition) => Ok(()),
        Reach::Update { partition, attributes }
            if access.touch_session
                && partition.starts_with(USER_PARTITIONS)
                && attributes.iter().all(|a| SESSION_TOUCH_ATTRIBUTES.contains(&a.as_str())) =>
        {
            Ok(())
        }
        Reach::Update { partition, attributes } => Err(format!("update {partition:?} ({})", attributes.join(", "))),
    }
}

fn denied(scope: &Scope, what: &str) -> aws_sdk_dynamodb::error::BoxError {
    let message = format!("access denied: {} may not {what} (its declared access, as its IAM policy)", scope.function);
    tracing::error!("{message}");
    message.into()
}

/// Refuses, on the local stack, DynamoDB calls outside the running function's access.
#[derive(Debug)]
pub struct TableGuard;

impl aws_sdk_dynamodb::config::Intercept for TableGuard {
    fn name(&self) -> &'static str {
        "TableGuard"
    }

    fn read_before_execution(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let Some(scope) = current() else { return Ok(()) };
        let Some(reaches) = dynamodb_reach(context) else { return Ok(()) };
        let Some(access) = scope.table else { return Err(denied(&scope, "use the table")) };
        for reach in &reaches {
            check_table(access, reach).map_err(|what| denied(&scope, &what))?;
        }
        Ok(())
    }
}

/// How an S3 call reaches a key (or a listed prefix).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ObjectUse {
    Read,
    Write,
    List,
}

/// The object keys (or listed prefixes) an S3 call reaches, and how.
fn s3_reach(
    input: &aws_sdk_s3::config::interceptors::BeforeSerializationInterceptorContextRef<'_>,
) -> Option<Vec<(ObjectUse, String)>> {
    use aws_sdk_s3::operation::*;
    use ObjectUse::*;
    let input = input.input();
    let key = |key: Option<&str>| key.unwrap_or_default().to_string();
    if let Some(i) = input.downcast_ref::<get_object::GetObjectInput>() {
        return Some(vec![(Read, key(i.key()))]);
    }
    if let Some(i) = input.downcast_ref::<head_object::HeadObjectInput>() {
        return Some(vec![(Read, key(i.key()))]);
    }
    if let Some(i) = input.downcast_ref::<list_objects_v2::ListObjectsV2Input>() {
        return Some(vec![(List, key(i.prefix()))]);
    }
    if let Some(i) = input.downcast_ref::<put_object::PutObjectInput>() {
        return Some(vec![(Write, key(i.key()))]);
    }
    if let Some(i) = input.downcast_ref::<delete_object::DeleteObjectInput>() {
        return Some(vec![(Write, key(i.key()))]);
    }
    if let Some(i) = input.downcast_ref::<delete_objects::DeleteObjectsInput>() {
        let objects = i.delete().map(|d| d.objects()).unwrap_or_default();
        return Some(objects.iter().map(|o| (Write, o.key().to_string())).collect());
    }
    if let Some(i) = input.downcast_ref::<copy_object::CopyObjectInput>() {
        // `bucket/key`, URL-encoded: the key starts after the first '/'.
        let source = i.copy_source().unwrap_or_default();
        let source = source.split_once('/').map(|(_, key)| key).unwrap_or_default();
        return Some(vec![(Read, source.to_string()), (Write, key(i.key()))]);
    }
    if let Some(i) = input.downcast_ref::<create_multipart_upload::CreateMultipartUploadInput>() {
        return Some(vec![(Write, key(i.key()))]);
    }
    if let Some(i) = input.downcast_ref::<upload_part::UploadPartInput>() {
        return Some(vec![(Write, key(i.key()))]);
    }
    if let Some(i) = input.downcast_ref::<complete_multipart_upload::CompleteMultipartUploadInput>() {
        return Some(vec![(Write, key(i.key()))]);
    }
    if let Some(i) = input.downcast_ref::<abort_multipart_upload::AbortMultipartUploadInput>() {
        return Some(vec![(Write, key(i.key()))]);
    }
    None
}

fn check_objects(access: &ObjectAccess, how: ObjectUse, key: &str) -> bool {
    match how {
        ObjectUse::Read => matches(access.read, key),
        ObjectUse::Write => matches(access.write, key),
        ObjectUse::List => matches(&access.listable(), key),
    }
}

/// Refuses, on the local stack, S3 calls outside the running function's access.
#[derive(Debug)]
pub struct ObjectGuard;

impl aws_sdk_s3::config::Intercept for ObjectGuard {
    fn name(&self) -> &'static str {
        "ObjectGuard"
    }

    fn read_before_execution(
        &self,
        context: &aws_sdk_s3::config::interceptors::BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut aws_sdk_s3::config::ConfigBag,
    ) -> Result<(), aws_sdk_s3::error::BoxError> {
        let Some(scope) = current() else { return Ok(()) };
        let Some(reaches) = s3_reach(context) else { return Ok(()) };
        let Some(access) = scope.objects else { return Err(denied(&scope, "use the bucket")) };
        for (how, key) in &reaches {
            if !check_objects(access, *how, key) {
                let verb = format!("{how:?}").to_lowercase();
                return Err(denied(&scope, &format!("{verb} object {key:?}")));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_name_their_attributes() {
        let names = HashMap::from([("#s".to_string(), "status".to_string())]);
        let found = expression_attributes(
            &[Some("SET last_used_at = :at, #s = :s REMOVE ttl"), Some("attribute_exists(PK) AND size(title) < :n1")],
            Some(&names),
        );
        assert_eq!(found, ["last_used_at", "status", "ttl", "PK", "title"]);
    }

    #[test]
    fn a_read_only_route_may_touch_its_session_and_nothing_else() {
        let touch = Reach::Update { partition: "USER#1".into(), attributes: vec!["last_used_at".into(), "PK".into()] };
        assert_eq!(check_table(&USER_DATA_READ, &touch), Ok(()));
        let rename = Reach::Update { partition: "USER#1".into(), attributes: vec!["title".into()] };
        assert!(check_table(&USER_DATA_READ, &rename).is_err());
        assert!(check_table(&USER_DATA_READ, &Reach::Write("USER#1".into())).is_err());
        assert!(check_table(&USER_DATA, &Reach::Read("EMAIL#a@b.c".into())).is_err());
        assert_eq!(check_table(&ACCOUNTS, &Reach::Write("TOKEN#ab".into())), Ok(()));
        assert_eq!(check_table(&WHOLE_TABLE, &Reach::Read("FILES#PENDING".into())), Ok(()));
    }

    #[test]
    fn object_prefixes_bound_reads_writes_and_lists() {
        let access = ObjectAccess { read: &[FILES], write: &[UPLOADS] };
        assert!(check_objects(&access, ObjectUse::Read, "files/u/f"));
        assert!(!check_objects(&access, ObjectUse::Write, "files/u/f"));
        assert!(check_objects(&access, ObjectUse::Write, "uploads/u/f"));
        assert!(check_objects(&access, ObjectUse::List, "uploads/u/"));
        assert!(!check_objects(&access, ObjectUse::List, "exports/u/"));
    }
}
