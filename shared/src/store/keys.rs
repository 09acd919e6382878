//! Every key format of the single table. Nothing outside this file formats a key.
//! Access patterns and their key conditions are documented in docs/data-model.md.

use uuid::Uuid;

pub const PK: &str = "PK";
pub const SK: &str = "SK";
/// Epoch seconds; DynamoDB's TTL deletes the item some time after (reads re-check).
pub const TTL: &str = "ttl";

pub fn user(user_id: Uuid) -> String {
    format!("USER#{user_id}")
}
pub const PROFILE: &str = "PROFILE";

pub const SESSION_PREFIX: &str = "SESSION#";
pub fn session(session_id: Uuid) -> String {
    format!("{SESSION_PREFIX}{session_id}")
}

pub const CHAT_PREFIX: &str = "CHAT#";
/// A chat, under its owner.
pub fn chat(chat_id: Uuid) -> String {
    format!("{CHAT_PREFIX}{chat_id}")
}

/// The pairs (messages) of a chat live in a partition of their own, under the owner.
pub fn chat_partition(user_id: Uuid, chat_id: Uuid) -> String {
    format!("USER#{user_id}#CHAT#{chat_id}")
}

pub const PAIR_PREFIX: &str = "PAIR#";
/// A message pair (user message and answer), in its chat's partition. Pair ids are
/// time-ordered (v7), so the partition lists a chat oldest first.
pub fn pair(pair_id: Uuid) -> String {
    format!("{PAIR_PREFIX}{pair_id}")
}

pub const USAGE_PREFIX: &str = "USAGE#";
/// Token usage of one model in a chat, in the chat's partition.
pub fn chat_usage(model: &str) -> String {
    format!("{USAGE_PREFIX}{model}")
}

/// Token usage of one model on one day (`YYYY-MM-DD`, UTC), under the user; kept
/// when chats are deleted (it is what the user used).
pub fn daily_usage(date: time::Date, model: &str) -> String {
    format!("{USAGE_PREFIX}{date}#{model}")
}

/// Bounds of a `BETWEEN` over the daily usage items from `from` to `to`, inclusive.
pub fn daily_usage_range(from: time::Date, to: time::Date) -> (String, String) {
    // '~' sorts after every character of a model id.
    (format!("{USAGE_PREFIX}{from}"), format!("{USAGE_PREFIX}{to}#~"))
}

/// GSI1 partition listing a user's chats by last update, live or archived ones.
pub fn chats_by_update(user_id: Uuid, archived: bool) -> String {
    format!("USER#{user_id}#CHATS#{}", if archived { "ARCHIVED" } else { "LIVE" })
}

/// GSI1 sort key: the update time (zero-padded epoch milliseconds, so it sorts) and the id.
pub fn chat_update_order(updated_at_millis: i64, chat_id: Uuid) -> String {
    format!("{updated_at_millis:015}#{chat_id}")
}

/// GSI2 partition listing the chats of one project by last update, live or archived
/// ones (sort key: `chat_update_order`, as in GSI1). Only chats in a project have it.
pub fn project_chats_by_update(user_id: Uuid, project_id: Uuid, archived: bool) -> String {
    format!("USER#{user_id}#PROJECT#{project_id}#CHATS#{}", if archived { "ARCHIVED" } else { "LIVE" })
}

pub const PROJECT_PREFIX: &str = "PROJECT#";
/// A project, under its owner.
pub fn project(project_id: Uuid) -> String {
    format!("{PROJECT_PREFIX}{project_id}")
}

/// A project's knowledge lives in a partition of its own, under the owner.
pub fn project_partition(user_id: Uuid, project_id: Uuid) -> String {
    format!("USER#{user_id}#PROJECT#{project_id}")
}

pub const KNOWLEDGE_PREFIX: &str = "KNOWLEDGE#";
/// A knowledge item (v7 id: the partition lists a project's knowledge oldest first,
/// the stable order the model sees it in).
pub fn knowledge(knowledge_id: Uuid) -> String {
    format!("{KNOWLEDGE_PREFIX}{knowledge_id}")
}

pub const FILE_PREFIX: &str = "FILE#";
/// An uploaded file's record, under its owner.
pub fn file(file_id: Uuid) -> String {
    format!("{FILE_PREFIX}{file_id}")
}

/// GSI1 partitions the cleanup job reads: uploads never completed, and files whose
/// chat was deleted. Sort key: `<epoch ms, 15 digits>#<owner>#<file id>`.
pub const FILES_PENDING: &str = "FILES#PENDING";
pub const FILES_DELETED: &str = "FILES#DELETED";
pub fn file_cleanup_order(at_millis: i64, owner: Uuid, file_id: Uuid) -> String {
    format!("{at_millis:015}#{owner}#{file_id}")
}

/// S3 object keys: under the owner, by id; a filename never is part of one. Uploads
/// land under `uploads/` (a lifecycle rule expires what is left there) and move, once
/// checked, to `files/` (attachments and imports) or `avatars/` (profile images: the
/// sign-in and profile routes may read those and no attachment).
/// Every S3 key prefix a user's objects live under (account deletion lists and
/// deletes each); every object key of a user starts with one of them.
pub fn object_prefixes(owner: Uuid) -> [String; 5] {
    [
        format!("uploads/{owner}/"),
        format!("files/{owner}/"),
        format!("avatars/{owner}/"),
        format!("prototypes/{owner}/"),
        format!("exports/{owner}/"),
    ]
}
pub fn upload_object(owner: Uuid, file_id: Uuid) -> String {
    format!("uploads/{owner}/{file_id}")
}
pub fn file_object(owner: Uuid, file_id: Uuid) -> String {
    format!("files/{owner}/{file_id}")
}
pub fn avatar_object(owner: Uuid, file_id: Uuid) -> String {
    format!("avatars/{owner}/{file_id}")
}
/// Every object of a prototype (its pages) starts with this; those of one variant with
/// `variant_objects`.
pub fn prototype_objects(owner: Uuid, prototype_id: Uuid) -> String {
    format!("prototypes/{owner}/{prototype_id}/")
}
pub fn variant_objects(owner: Uuid, prototype_id: Uuid, variant_id: Uuid) -> String {
    format!("prototypes/{owner}/{prototype_id}/{variant_id}/")
}
/// The page (HTML) of a version, by the version's id (its number is given only when it
/// is stored, after the page).
pub fn version_object(owner: Uuid, prototype_id: Uuid, variant_id: Uuid, version_id: Uuid) -> String {
    format!("prototypes/{owner}/{prototype_id}/{variant_id}/{version_id}.html")
}

pub const IMPORT_PREFIX: &str = "IMPORT#";
/// An import job, under its owner.
pub fn import(import_id: Uuid) -> String {
    format!("{IMPORT_PREFIX}{import_id}")
}

pub const EXPORT_PREFIX: &str = "EXPORT#";
/// An export job, under its owner.
pub fn export(export_id: Uuid) -> String {
    format!("{EXPORT_PREFIX}{export_id}")
}
/// GSI1 partition of the exports whose archive is still in the bucket, by when it
/// expires: `<epoch ms, 15 digits>#<owner>#<export id>` (the cleanup job removes it).
pub const EXPORTS_EXPIRING: &str = "EXPORTS#EXPIRING";
pub fn export_expiry_order(at_millis: i64, owner: Uuid, export_id: Uuid) -> String {
    format!("{at_millis:015}#{owner}#{export_id}")
}
/// An export's archive, under its owner's `exports/` prefix.
pub fn export_object(owner: Uuid, export_id: Uuid) -> String {
    format!("exports/{owner}/{export_id}.json")
}

pub const PROMPT_PREFIX: &str = "PROMPT#";
/// A saved system prompt, under its owner.
pub fn prompt(prompt_id: Uuid) -> String {
    format!("{PROMPT_PREFIX}{prompt_id}")
}

/// An IP address the user signed in from, with when it was last seen.
pub fn known_ip(ip: &str) -> String {
    format!("IP#{ip}")
}

/// Claim on an email address: exists while an account uses it.
pub fn email(normalized_email: &str) -> String {
    format!("EMAIL#{normalized_email}")
}
pub const EMAIL_CLAIM: &str = "EMAIL";

/// Claim on a username (lower-cased): exists while an account uses it.
pub fn username(username_key: &str) -> String {
    format!("USERNAME#{username_key}")
}
pub const USERNAME_CLAIM: &str = "USERNAME";

/// GSI1 partition of the one-time tokens issued to a user (they live under their hash,
/// so account deletion finds them here). Sort key: the token's own key.
pub fn user_tokens(user_id: Uuid) -> String {
    format!("USER#{user_id}#TOKENS")
}

/// GSI1 partition of the accounts being deleted, for the cleanup job to finish an
/// interrupted deletion. Sort key: `<epoch ms, 15 digits>#<user id>`.
pub const ACCOUNTS_DELETING: &str = "ACCOUNTS#DELETING";
pub fn deletion_order(at_millis: i64, user_id: Uuid) -> String {
    format!("{at_millis:015}#{user_id}")
}

/// One-time token, addressed by the hex SHA-256 of the secret (the secret is never stored).
pub fn one_time_token(token_hash_hex: &str) -> String {
    format!("TOKEN#{token_hash_hex}")
}
pub const ONE_TIME_TOKEN: &str = "TOKEN";

/// A fixed-window rate-limit counter: one item per subject and window.
pub fn rate(scope: &str, subject: &str) -> String {
    format!("RATE#{scope}#{subject}")
}
pub fn rate_window(window_start: i64) -> String {
    format!("W#{window_start}")
}
/// A fixed-window counter of a signed-in user (e.g. wrong current passwords), in the
/// user's partition, so it goes with the account.
pub fn user_rate_window(scope: &str, window_start: i64) -> String {
    format!("RATE#{scope}#W#{window_start}")
}

/// Consecutive failed logins for an email (whether or not it has an account).
pub fn login_failures(normalized_email: &str) -> String {
    format!("LOGINFAIL#{normalized_email}")
}
pub const LOGIN_FAILURES: &str = "LOGINFAIL";

/// The account linked to a Google identity (`sub`).
pub fn google(sub: &str) -> String {
    format!("GOOGLE#{sub}")
}
pub const GOOGLE_LINK: &str = "GOOGLE";

/// Idempotency record of a queue job (claimed, then done).
pub fn job(job_id: Uuid) -> String {
    format!("JOB#{job_id}")
}
pub const MEMORY_PREFIX: &str = "MEMORY#";
/// A long-term memory, under its owner. Memory ids are time-ordered (v7), so the
/// partition lists them newest first when read backwards.
pub fn memory(memory_id: Uuid) -> String {
    format!("{MEMORY_PREFIX}{memory_id}")
}

pub const MEMORY_TAG_PREFIX: &str = "MEMTAG#";
/// A memory tag of the user's (its normalised name), under its owner: the tag index.
pub fn memory_tag(name: &str) -> String {
    format!("{MEMORY_TAG_PREFIX}{name}")
}

/// The user's memory-extraction lease (one extraction at a time), under the user.
pub const MEMORY_LEASE: &str = "MEMLEASE";

pub const MEMORY_TOMBSTONE_PREFIX: &str = "MEMTOMB#";
/// What is left of a memory the user deleted, in the partition of the chat it was
/// learned from (so it goes with the chat): extraction never learns it again there.
pub fn memory_tombstone(memory_id: Uuid) -> String {
    format!("{MEMORY_TOMBSTONE_PREFIX}{memory_id}")
}

pub const DESIGN_PREFIX: &str = "DESIGN#";
/// A design project (UI prototypes), under its owner.
pub fn design_project(design_id: Uuid) -> String {
    format!("{DESIGN_PREFIX}{design_id}")
}

/// A design project's groups live in a partition of their own, under the owner.
pub fn design_partition(user_id: Uuid, design_id: Uuid) -> String {
    format!("USER#{user_id}#DESIGN#{design_id}")
}

pub const GROUP_PREFIX: &str = "GROUP#";
/// A group of prototypes, in its design project's partition.
pub fn group(group_id: Uuid) -> String {
    format!("{GROUP_PREFIX}{group_id}")
}

pub const PROTOTYPE_PREFIX: &str = "PROTOTYPE#";
/// A prototype, under its owner (so `/prototypes/{id}` finds it by id alone).
pub fn prototype(prototype_id: Uuid) -> String {
    format!("{PROTOTYPE_PREFIX}{prototype_id}")
}

/// GSI1 partition listing a design project's prototypes (sort key: the prototype id,
/// time-ordered).
pub fn design_prototypes(user_id: Uuid, design_id: Uuid) -> String {
    format!("USER#{user_id}#DESIGN#{design_id}#PROTOTYPES")
}

/// GSI2 partition listing the prototypes of one group (sort key: the prototype id).
/// Only grouped prototypes have it.
pub fn group_prototypes(user_id: Uuid, design_id: Uuid, group_id: Uuid) -> String {
    format!("USER#{user_id}#DESIGN#{design_id}#GROUP#{group_id}")
}

/// A prototype's variants and versions live in a partition of their own, under the owner.
pub fn prototype_partition(user_id: Uuid, prototype_id: Uuid) -> String {
    format!("USER#{user_id}#PROTOTYPE#{prototype_id}")
}

pub const VARIANT_PREFIX: &str = "VARIANT#";
/// A variant (v7 id: a prototype's variants list oldest first, the original first).
pub fn variant(variant_id: Uuid) -> String {
    format!("{VARIANT_PREFIX}{variant_id}")
}

/// The sort-key prefix of a variant's versions.
pub fn versions_of(variant_id: Uuid) -> String {
    format!("VERSION#{variant_id}#")
}

/// Version `number` of a variant (zero-padded, so versions sort by number).
pub fn version(variant_id: Uuid, number: i64) -> String {
    format!("VERSION#{variant_id}#{number:08}")
}

pub const JOB: &str = "JOB";

/// The table partition under a user that an item of the user's own partition (its
/// sort key `sk`) names: a chat's (pairs, usage), a project's (knowledge). Every
/// partition of a user is `user(id)` or one of these, so account deletion finds them
/// all by walking the user's partition; a new kind of partition under a user must be
/// named here (the `every_partition_of_a_user_is_found` test fails until it is).
pub fn child_partition(user_id: Uuid, sk: &str) -> Option<String> {
    let id = |prefix: &str| sk.strip_prefix(prefix).and_then(|id| Uuid::parse_str(id).ok());
    if let Some(chat_id) = id(CHAT_PREFIX) {
        return Some(chat_partition(user_id, chat_id));
    }
    if let Some(project_id) = id(PROJECT_PREFIX) {
        return Some(project_partition(user_id, project_id));
    }
    if let Some(design_id) = id(DESIGN_PREFIX) {
        return Some(design_partition(user_id, design_id));
    }
    if let Some(prototype_id) = id(PROTOTYPE_PREFIX) {
        return Some(prototype_partition(user_id, prototype_id));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key constructors of this file whose body contains `needle`, by name.
    fn constructors_containing(needle: &str) -> Vec<String> {
        let source = include_str!("keys.rs");
        let code = &source[..source.find("#[cfg(test)]").expect("the tests follow the code")];
        code.split("pub fn ")
            .skip(1)
            .filter(|function| function[..function.find("\n}\n").unwrap_or(function.len())].contains(needle))
            .map(|function| function[..function.find('(').expect("a signature")].to_string())
            .collect()
    }

    #[test]
    fn every_partition_of_a_user_is_found() {
        let (user_id, id) = (Uuid::now_v7(), Uuid::now_v7());
        // Every key that starts with a user's id, and how account deletion reaches it.
        let mut found = constructors_containing("\"USER#{");
        found.sort();
        let mut known = vec![
            // The user's own partition: walked.
            "user",
            // Table partitions under the user: named by an item of the user's partition.
            "chat_partition",
            "project_partition",
            "design_partition",
            "prototype_partition",
            // Index partitions (GSI1/GSI2): their items are table items named above, or
            // the user's tokens, deleted through `user_tokens`.
            "chats_by_update",
            "project_chats_by_update",
            "user_tokens",
            "design_prototypes",
            "group_prototypes",
        ];
        known.sort();
        assert_eq!(found, known, "a new key under a user: make `child_partition` (or the deletion) reach it");
        assert_eq!(child_partition(user_id, &chat(id)), Some(chat_partition(user_id, id)));
        assert_eq!(child_partition(user_id, &project(id)), Some(project_partition(user_id, id)));
        assert_eq!(child_partition(user_id, &design_project(id)), Some(design_partition(user_id, id)));
        assert_eq!(child_partition(user_id, &prototype(id)), Some(prototype_partition(user_id, id)));
        for other in [
            PROFILE.to_string(),
            session(id),
            file(id),
            prompt(id),
            memory(id),
            memory_tag("rust"),
            daily_usage(time::macros::date!(2026 - 01 - 01), "m"),
        ] {
            assert_eq!(child_partition(user_id, &other), None, "{other}");
        }
        for partition in [chat_partition(user_id, id), project_partition(user_id, id)] {
            assert!(partition.starts_with(&user(user_id)));
        }
    }

    #[test]
    fn every_object_of_a_user_is_under_its_prefixes() {
        let mut found = constructors_containing("/{");
        found.sort();
        let mut expected = [
            "avatar_object",
            "export_object",
            "file_object",
            "object_prefixes",
            "prototype_objects",
            "upload_object",
            "variant_objects",
            "version_object",
        ];
        expected.sort();
        assert_eq!(found, expected, "a new object key: cover it");
        let (owner, id) = (Uuid::now_v7(), Uuid::now_v7());
        let version = version_object(owner, id, id, id);
        assert!(version.starts_with(&variant_objects(owner, id, id)));
        assert!(version.starts_with(&prototype_objects(owner, id)));
        for object in [
            upload_object(owner, id),
            file_object(owner, id),
            avatar_object(owner, id),
            version,
            export_object(owner, id),
        ] {
            assert!(object_prefixes(owner).iter().any(|prefix| object.starts_with(prefix)), "{object}");
        }
        assert!(!upload_object(Uuid::now_v7(), id).starts_with(&object_prefixes(owner)[0]));
    }

    #[test]
    fn key_formats() {
        let id = Uuid::nil();
        assert_eq!(user(id), "USER#00000000-0000-0000-0000-000000000000");
        assert_eq!(session(id), "SESSION#00000000-0000-0000-0000-000000000000");
        assert!(session(id).starts_with(SESSION_PREFIX));
        assert_eq!(email("a@b.co"), "EMAIL#a@b.co");
        assert_eq!(username("ada"), "USERNAME#ada");
        assert_eq!(one_time_token("ff"), "TOKEN#ff");
        assert_eq!(job(id), "JOB#00000000-0000-0000-0000-000000000000");
        assert_eq!(rate("login-ip", "127.0.0.1"), "RATE#login-ip#127.0.0.1");
        assert_eq!(rate_window(60), "W#60");
        assert_eq!(user_rate_window("wrong-password", 900), "RATE#wrong-password#W#900");
        assert_eq!(login_failures("a@b.co"), "LOGINFAIL#a@b.co");
        assert_eq!(google("123"), "GOOGLE#123");
        assert_eq!(prompt(id), "PROMPT#00000000-0000-0000-0000-000000000000");
        assert_eq!(memory(id), "MEMORY#00000000-0000-0000-0000-000000000000");
        assert_eq!(memory_tag("rust"), "MEMTAG#rust");
        assert_eq!(memory_tombstone(id), "MEMTOMB#00000000-0000-0000-0000-000000000000");
        assert_eq!(chat(id), "CHAT#00000000-0000-0000-0000-000000000000");
        assert_eq!(chats_by_update(id, true), "USER#00000000-0000-0000-0000-000000000000#CHATS#ARCHIVED");
        assert_eq!(chat_update_order(1_700_000_000_000, id), "001700000000000#00000000-0000-0000-0000-000000000000");
        assert!(chat_update_order(9, id) < chat_update_order(10, id));
        assert_eq!(pair(id), "PAIR#00000000-0000-0000-0000-000000000000");
        assert_eq!(file(id), "FILE#00000000-0000-0000-0000-000000000000");
        assert_eq!(project_partition(id, id), format!("USER#{id}#PROJECT#{id}"));
        assert_eq!(knowledge(id), format!("KNOWLEDGE#{id}"));
        assert_eq!(version(id, 12), format!("VERSION#{id}#00000012"));
        assert!(version(id, 9) < version(id, 10) && version(id, 10).starts_with(&versions_of(id)));
        assert_eq!(upload_object(id, id), format!("uploads/{id}/{id}"));
        assert_eq!(file_object(id, id), format!("files/{id}/{id}"));
        assert_eq!(avatar_object(id, id), format!("avatars/{id}/{id}"));
        assert!(file_cleanup_order(9, id, id) < file_cleanup_order(10, id, id));
        assert_eq!(chat_usage("m:1"), "USAGE#m:1");
        use time::macros::date;
        assert_eq!(daily_usage(date!(2026 - 11 - 24), "m"), "USAGE#2026-11-24#m");
        let day = daily_usage(date!(2026 - 11 - 24), "us.anthropic.claude-sonnet-4-20250514-v1:0");
        let (from, to) = daily_usage_range(date!(2026 - 11 - 24), date!(2026 - 11 - 24));
        assert!(from.as_str() <= day.as_str() && day.as_str() <= to.as_str());
        assert!(daily_usage(date!(2026 - 11 - 25), "a") > to);
    }
}
