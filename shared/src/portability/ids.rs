//! Ids of imported things, derived from where they came from: importing the same file
//! again finds the same ids, so it creates nothing twice.
//!
//! The ids keep the shape of the ids the product makes (UUIDv7): the time the thing was
//! created, then bits that here come from a hash (UUIDv5) of the owner, the format, the
//! kind and the source's own id. Pairs and knowledge sort by id, so imported ones sort
//! by their time as made ones do.

use time::OffsetDateTime;
use uuid::Uuid;

/// The namespace of the hashes (a fixed, random v4).
const NAMESPACE: Uuid = Uuid::from_u128(0x6d1f_2c3a_8b4e_4f0a_9c7d_1e2f_3a4b_5c6d);

/// The id of the `kind` with source id `source` imported by `owner` from `format`,
/// created at `at`.
pub fn derived(owner: Uuid, format: &str, kind: &str, source: &str, at: OffsetDateTime) -> Uuid {
    let name = format!("{owner}\u{1f}{format}\u{1f}{kind}\u{1f}{source}");
    let hash = Uuid::new_v5(&NAMESPACE, name.as_bytes());
    let mut random = [0u8; 10];
    random.copy_from_slice(&hash.as_bytes()[6..16]);
    let millis = (at.unix_timestamp_nanos() / 1_000_000).clamp(0, (1 << 48) - 1) as u64;
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_source_gives_the_same_id_and_ids_sort_by_time() {
        let owner = Uuid::now_v7();
        let at = |s| OffsetDateTime::from_unix_timestamp(s).unwrap();
        let a = derived(owner, "chatgpt", "pair", "m-1", at(1_700_000_000));
        assert_eq!(a, derived(owner, "chatgpt", "pair", "m-1", at(1_700_000_000)));
        assert_eq!(a.get_version_num(), 7);
        assert_ne!(a, derived(Uuid::now_v7(), "chatgpt", "pair", "m-1", at(1_700_000_000)), "per owner");
        assert_ne!(a, derived(owner, "claude_ai", "pair", "m-1", at(1_700_000_000)), "per format");
        assert_ne!(a, derived(owner, "chatgpt", "chat", "m-1", at(1_700_000_000)), "per kind");
        // Later things sort after earlier ones, whatever their hash.
        for i in 0..50 {
            let earlier = derived(owner, "chatgpt", "pair", &format!("x{i}"), at(1_700_000_000));
            let later = derived(owner, "chatgpt", "pair", &format!("y{i}"), at(1_700_000_001));
            assert!(earlier < later);
        }
    }
}
