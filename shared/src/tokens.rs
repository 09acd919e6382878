//! Token counts with Claude's tokenizer (`data/claude-tokenizer.json`; source, licence and hash in
//! `data/README.md`), for messages and knowledge. Anthropic's own counts of a model call come from
//! the model's usage report; these are for sizing text before or without one.
//!
//! `count(text)` equals `Tokenizer::encode(text, false).len()` exactly; the tests compare the two
//! on hand-picked strings, thousands of random tricky ones and a long mixed text.
//!
//! # Why not just `encode`
//!
//! Measured with `cargo bench -p shared --bench tokenizer` on the 2-core dev machine, on ~1 MB each
//! of generated English prose, Rust code and mixed chat text (accents, curly quotes, CJK, emoji,
//! JSON, markdown), in M tokens/s:
//!
//! | | prose | Rust | mixed |
//! |---|---|---|---|
//! | `encode(text, false)` | 0.71 | 0.56 | 0.70 |
//! | `count`, first call (the memo holds only the earlier inputs' pieces) | 9.4 | 23 | 6.3 |
//! | `count`, later calls | 93 | 78 | 10 |
//! | `count`, later calls, one thread (`TOKENIZERS_PARALLELISM=false`) | 41 | 38 | 5.1 |
//!
//! `encode` spends its time on bookkeeping a count does not need: a `NormalizedString` that tracks
//! the alignment of every byte through normalisation and splitting, a `String` for every token,
//! offsets, and the `Encoding`'s parallel vectors; `encode_fast` only skips the offsets (0.6–0.8 M
//! tokens/s). So `count` keeps the crate for what defines the result — the vocabulary and merges
//! (the BPE model's `tokenize`), the normaliser and the pre-tokenizer — and skips the bookkeeping:
//!
//! - Pure-ASCII stretches skip NFKC (it is the identity on ASCII) and are split by a hand-written
//!   scanner that reproduces the byte-level pre-tokenizer's GPT-2 regex
//!   `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` on ASCII.
//!   Anything else (a word with `é`, `’`, CJK, ...) goes through the crate's own normaliser and
//!   pre-tokenizer, cut out at the nearest safe boundaries (see `is_safe_boundary`) on both sides.
//! - Each piece's count is memoised per thread, keyed by the piece's bytes: words repeat, so most
//!   pieces cost one hash lookup instead of a BPE call that allocates a `String` per token. Without
//!   the memo the ASCII path ran at 2–8 M tokens/s on one thread; the crate's own per-thread BPE
//!   cache saves the merges, not the allocations.
//! - Texts of 64 KiB or more are cut at safe boundaries into one part per thread of rayon's global
//!   pool (rayon comes with the crate anyway); the pool's threads keep their memos between calls,
//!   which fresh `std::thread`s would not. `TOKENIZERS_PARALLELISM=false` turns this off, as it does
//!   for the crate. Where rayon sees one CPU, nothing is split.
//!
//! The first call on a thread fills the memo and is slower (the "first call" row); real text, with
//! its long tail of rare words, sits between the two rows. Truncation, padding and post-processing
//! are off in the file (and `count` never runs them).
//!
//! Loading unpacks the vocabulary and merges `build.rs` packed (`unpack`) and builds the BPE
//! tables. Parsing the published 1.8 MB of JSON took 65–90 ms (median ~75 ms in the bench); the
//! packing loads about a third faster (median 99.5 ms against 149.5 ms for the JSON in the same
//! bench run, on a machine busy with a build).
//! That is far more than a function's whole init (see `make bench-coldstart`), so no init loads
//! it. Only code that needs an exact count waits for it (`ready` in async code, which waits on a
//! blocking thread, not on a runtime worker), and starts the load as early as it knows it will
//! count (`warm_up`), so that the load overlaps its reads. A chat message needs no count on the
//! way to its first delta: prompt assembly bounds tokens by bytes unless the history is near the
//! context window (`chat::prompt::assemble`), and the message's own count is stored with its
//! answer when the tokenizer was not loaded yet as the answer began (`chat::stream`).
//!
//! # Crate
//!
//! `tokenizers` 0.23.2, the newest stable release (1.0.0-rc.3 is a rewrite without the `Tokenizer`
//! type yet), without default features: they bring `onig` (a C regex library), `esaxx_fast` (C++,
//! for training) and progress bars. This file needs BPE, NFKC and the byte-level pre-tokenizer,
//! whose regex then runs on `fancy-regex` (pure Rust; `onig` measured no faster: 0.55 M tokens/s
//! for `encode`). rayon is not optional in 0.23.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use tokenizers::models::bpe::{Merges, Vocab, BPE};
use tokenizers::parallelism::{self, MaybeParallelIterator};
use tokenizers::{
    Model, ModelWrapper, NormalizedString, Normalizer, NormalizerWrapper, OffsetReferential, OffsetType,
    PreTokenizedString, PreTokenizer, PreTokenizerWrapper, Tokenizer,
};

/// The tokenizer file as `build.rs` packs it.
static TOKENIZER_PACKED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/claude-tokenizer.packed"));

/// Below this a text is counted on the calling thread: handing it to the pool costs more than
/// it saves.
const PARALLEL_MIN_BYTES: usize = 64 * 1024;
/// Longer pieces are counted without the memo: they are rare and mostly unique.
const MEMO_MAX_PIECE: usize = 48;
/// A thread's memo is emptied when it holds more pieces than this (a few MB at most).
const MEMO_MAX_ENTRIES: usize = 1 << 16;

static COUNTER: OnceLock<Counter> = OnceLock::new();
static WARM_UP_STARTED: AtomicBool = AtomicBool::new(false);

thread_local! {
    static MEMO: RefCell<HashMap<Box<[u8]>, u32>> = RefCell::new(HashMap::new());
}

/// Number of tokens in `text`, as `encode(text, false)` counts them: no special tokens added,
/// special tokens written in the text count one each.
pub fn count(text: &str) -> u32 {
    if text.is_empty() {
        return 0;
    }
    counter().count(text)
}

/// At least `count(text)`, without the tokenizer: the length in bytes of the text as the tokenizer
/// normalises it (NFKC), since every token stands for at least one byte of that (byte-level BPE;
/// a special token is one token for several bytes). NFKC leaves ASCII as it is; elsewhere it may
/// lengthen the text (`½` becomes `1⁄2`), so the bound is the normalised length, not the raw one.
pub fn upper_bound(text: &str) -> usize {
    if text.is_ascii() {
        return text.len();
    }
    let mut normalized = NormalizedString::from(text);
    normalized.nfkc();
    normalized.get().len()
}

/// Starts loading the tokenizer on a background thread, if nothing has started it yet, and returns
/// at once. Code that will count calls it as early as it knows, so that the load overlaps its
/// reads.
pub fn warm_up() {
    if COUNTER.get().is_none() && !WARM_UP_STARTED.swap(true, Ordering::AcqRel) {
        // If no thread can be spawned, the first `count` loads it instead.
        let _ = std::thread::Builder::new().name("tokenizer-load".into()).spawn(counter);
    }
}

/// `count(text)` if the tokenizer is loaded; `None`, at once, while it is not.
pub fn count_if_loaded(text: &str) -> Option<u32> {
    COUNTER.get().map(|counter| if text.is_empty() { 0 } else { counter.count(text) })
}

/// Loads the tokenizer now (waiting for a load in progress).
pub fn load() {
    counter();
}

/// Waits until the tokenizer is loaded (starting the load if nothing has), on a blocking thread
/// so that the async runtime's workers go on serving meanwhile. After it, `count` does not wait.
pub async fn ready() {
    if COUNTER.get().is_none() {
        // If the blocking pool is gone (the runtime is shutting down), `count` loads it itself.
        let _ = tokio::task::spawn_blocking(load).await;
    }
}

fn counter() -> &'static Counter {
    COUNTER.get_or_init(|| Counter::new(unpacked()))
}

struct Counter {
    tokenizer: Tokenizer,
    /// The special tokens, longest first: `encode` finds them in the raw text (leftmost, then
    /// longest) before normalising, and each is one token.
    specials: Vec<String>,
    /// The first bytes of the special tokens, to find candidates quickly.
    special_starts: [bool; 256],
    /// Whether the file's pipeline is the one the fast path reproduces: NFKC (or no normaliser),
    /// the byte-level pre-tokenizer with the GPT-2 regex and no prefix space, plain BPE, special
    /// tokens that match raw text and contain no whitespace. Otherwise `count` uses `encode_fast`.
    fast_path: bool,
}

/// The embedded tokenizer, unpacked afresh: what loading it costs (`benches/tokenizer.rs`).
pub fn unpacked() -> Tokenizer {
    unpack(TOKENIZER_PACKED)
}

/// The tokenizer from `build.rs`'s packing: the file's JSON without vocabulary and merges,
/// then the BPE model built from the packed tokens and merges with the file's options, as
/// the JSON's own loading builds it.
fn unpack(packed: &[u8]) -> Tokenizer {
    let mut rest = packed;
    let mut section = || {
        let (len, tail) = rest.split_first_chunk::<4>().expect("a packed section's length");
        let (section, tail) = tail.split_at(u32::from_le_bytes(*len) as usize);
        rest = tail;
        section
    };
    let (header, tokens, splits) = (section(), section(), section());
    let tokens: Vec<&str> = std::str::from_utf8(tokens).expect("the packed tokens are UTF-8").split('\n').collect();
    let mut vocab = Vocab::with_capacity(tokens.len());
    for (id, token) in tokens.iter().enumerate() {
        vocab.insert((*token).to_string(), id as u32);
    }
    let base = tokens.len() - splits.len() / 2;
    let merges: Merges = splits
        .chunks_exact(2)
        .enumerate()
        .map(|(rank, at)| {
            let (left, right) = tokens[base + rank].split_at(usize::from(u16::from_le_bytes([at[0], at[1]])));
            (left.to_string(), right.to_string())
        })
        .collect();

    let mut tokenizer = Tokenizer::from_bytes(header).expect("the embedded tokenizer file parses");
    let ModelWrapper::BPE(options) = tokenizer.get_model() else { unreachable!("build.rs packs a BPE model") };
    let mut model = BPE::builder()
        .vocab_and_merges(vocab, merges)
        .fuse_unk(options.fuse_unk)
        .byte_fallback(options.byte_fallback)
        .ignore_merges(options.ignore_merges);
    if let Some(dropout) = options.dropout {
        model = model.dropout(dropout);
    }
    if let Some(unk) = &options.unk_token {
        model = model.unk_token(unk.clone());
    }
    if let Some(prefix) = &options.continuing_subword_prefix {
        model = model.continuing_subword_prefix(prefix.clone());
    }
    if let Some(suffix) = &options.end_of_word_suffix {
        model = model.end_of_word_suffix(suffix.clone());
    }
    tokenizer.with_model(model.build().expect("the packed vocabulary and merges make a BPE model"));
    tokenizer
}

impl Counter {
    fn new(tokenizer: Tokenizer) -> Counter {
        let added = tokenizer.get_added_tokens_decoder();
        let mut specials: Vec<String> = added.values().map(|token| token.content.clone()).collect();
        specials.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut special_starts = [false; 256];
        for special in &specials {
            if let Some(&first) = special.as_bytes().first() {
                special_starts[usize::from(first)] = true;
            }
        }
        let plain_specials = added.values().all(|token| {
            !token.single_word
                && !token.lstrip
                && !token.rstrip
                && !token.normalized
                && !token.content.is_empty()
                && !token.content.chars().any(char::is_whitespace)
        });
        let normalizer = matches!(tokenizer.get_normalizer(), None | Some(NormalizerWrapper::NFKC(_)));
        let pre_tokenizer = matches!(
            tokenizer.get_pre_tokenizer(),
            Some(PreTokenizerWrapper::ByteLevel(byte_level)) if !byte_level.add_prefix_space && byte_level.use_regex
        );
        let model = matches!(
            tokenizer.get_model(),
            ModelWrapper::BPE(bpe) if bpe.dropout.is_none_or(|d| d == 0.0)
                && bpe.continuing_subword_prefix.is_none()
                && bpe.end_of_word_suffix.is_none()
        );
        let fast_path = plain_specials && normalizer && pre_tokenizer && model;
        Counter { tokenizer, specials, special_starts, fast_path }
    }

    fn count(&self, text: &str) -> u32 {
        if !self.fast_path {
            return self.encode_len(text);
        }
        if text.len() < PARALLEL_MIN_BYTES || !parallelism::get_parallelism() {
            return self.count_part(text);
        }
        let threads = parallelism::current_num_threads();
        if threads < 2 {
            return self.count_part(text);
        }
        split_parts(text, threads).into_maybe_par_iter().map(|part| self.count_part(part)).sum()
    }

    fn encode_len(&self, text: &str) -> u32 {
        self.tokenizer.encode_fast(text, false).map_or(0, |encoding| encoding.len() as u32)
    }

    /// Special tokens count one each; the text between them is normalised and split on its own,
    /// as `encode` does.
    fn count_part(&self, text: &str) -> u32 {
        let mut n = 0;
        let mut rest = text;
        while let Some((at, len)) = self.next_special(rest) {
            n += self.count_segment(&rest[..at]) + 1;
            rest = &rest[at + len..];
        }
        n + self.count_segment(rest)
    }

    /// The leftmost, then longest, special token in `text`, as (byte offset, length).
    fn next_special(&self, text: &str) -> Option<(usize, usize)> {
        let bytes = text.as_bytes();
        let mut from = 0;
        while let Some(k) = bytes[from..].iter().position(|&b| self.special_starts[usize::from(b)]) {
            let at = from + k;
            if let Some(special) = self.specials.iter().find(|s| bytes[at..].starts_with(s.as_bytes())) {
                return Some((at, special.len()));
            }
            from = at + 1;
        }
        None
    }

    /// Text without special tokens: pure-ASCII stretches take the fast path, the stretches
    /// around anything else the crate's pipeline.
    fn count_segment(&self, text: &str) -> u32 {
        let bytes = text.as_bytes();
        let mut n = 0;
        let mut pos = 0;
        while pos < bytes.len() {
            let Some(k) = bytes[pos..].iter().position(|&b| !b.is_ascii()) else {
                n += self.count_ascii(&bytes[pos..]);
                break;
            };
            let non_ascii = pos + k;
            let start = (pos + 1..=non_ascii).rev().find(|&i| is_safe_boundary(bytes, i)).unwrap_or(pos);
            let end = (non_ascii + 1..bytes.len()).find(|&i| is_safe_boundary(bytes, i)).unwrap_or(bytes.len());
            n += self.count_ascii(&bytes[pos..start]);
            n += self.count_pipeline(&text[start..end]);
            pos = end;
        }
        n
    }

    /// The crate's own normaliser, pre-tokenizer and model, without building an `Encoding`.
    fn count_pipeline(&self, text: &str) -> u32 {
        let mut pretokenized = PreTokenizedString::from(text);
        if let Some(normalizer) = self.tokenizer.get_normalizer() {
            if pretokenized.normalize(|s| normalizer.normalize(s)).is_err() {
                return self.encode_len(text);
            }
        }
        if let Some(pre_tokenizer) = self.tokenizer.get_pre_tokenizer() {
            if pre_tokenizer.pre_tokenize(&mut pretokenized).is_err() {
                return self.encode_len(text);
            }
        }
        let model = self.tokenizer.get_model();
        pretokenized
            .get_splits(OffsetReferential::Original, OffsetType::None)
            .into_iter()
            .map(|(piece, _, _)| model.tokenize(piece).map_or(0, |tokens| tokens.len() as u32))
            .sum()
    }

    fn count_ascii(&self, text: &[u8]) -> u32 {
        if text.is_empty() {
            return 0;
        }
        let ModelWrapper::BPE(bpe) = self.tokenizer.get_model() else {
            unreachable!("the fast path is only taken for a BPE model")
        };
        MEMO.with_borrow_mut(|memo| {
            if memo.len() > MEMO_MAX_ENTRIES {
                memo.clear();
            }
            let mut n = 0;
            split_ascii(text, |piece| {
                n += if piece.len() > MEMO_MAX_PIECE {
                    bpe_count(bpe, piece)
                } else if let Some(&known) = memo.get(piece) {
                    known
                } else {
                    let counted = bpe_count(bpe, piece);
                    memo.insert(piece.into(), counted);
                    counted
                };
            });
            n
        })
    }
}

/// Tokens of one pre-tokenized ASCII piece: its bytes mapped to the byte-level alphabet, then BPE.
fn bpe_count(bpe: &BPE, piece: &[u8]) -> u32 {
    let mapped: String = piece.iter().map(|&b| BYTE_LEVEL_ASCII[usize::from(b)]).collect();
    bpe.tokenize(&mapped).map_or(0, |tokens| tokens.len() as u32)
}

/// The ASCII half of GPT-2's byte-to-character table, as the byte-level pre-tokenizer uses it:
/// `!`..=`~` stand for themselves, the other bytes map to U+0100 onwards in byte order.
static BYTE_LEVEL_ASCII: [char; 128] = {
    let mut table = ['\0'; 128];
    let mut next = 0x100;
    let mut b = 0;
    while b < 128 {
        table[b] = if b >= 0x21 && b <= 0x7e {
            b as u8 as char
        } else {
            next += 1;
            char::from_u32(next - 1).unwrap()
        };
        b += 1;
    }
    table
};

/// Whether the text may be cut before byte `i` without changing any count: an ASCII whitespace
/// byte right after an ASCII non-whitespace byte. There the GPT-2 split always cuts (no piece
/// runs from a non-space into the whitespace after it) and later pieces do not depend on earlier
/// text; NFKC never composes across an ASCII character; special tokens contain no whitespace.
fn is_safe_boundary(bytes: &[u8], i: usize) -> bool {
    is_space(bytes[i]) && bytes[i - 1].is_ascii() && !is_space(bytes[i - 1])
}

/// The regex's `\s` on ASCII: tab, line feed, vertical tab, form feed, carriage return, space.
/// (Not `u8::is_ascii_whitespace`, which leaves out the vertical tab.)
fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Space,
    Letter,
    Digit,
    Other,
}

fn class(b: u8) -> Class {
    match b {
        b'a'..=b'z' | b'A'..=b'Z' => Class::Letter,
        b'0'..=b'9' => Class::Digit,
        _ if is_space(b) => Class::Space,
        _ => Class::Other,
    }
}

/// Splits ASCII text as `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// does (leftmost-first alternation, greedy runs), calling `piece` for each match in order.
fn split_ascii(s: &[u8], mut piece: impl FnMut(&[u8])) {
    let n = s.len();
    let mut i = 0;
    while i < n {
        let start = i;
        if s[i] == b'\'' {
            let suffix = match &s[i + 1..] {
                [b's' | b't' | b'm' | b'd', ..] => 1,
                [b'r', b'e', ..] | [b'v', b'e', ..] | [b'l', b'l', ..] => 2,
                _ => 0,
            };
            if suffix > 0 {
                i += 1 + suffix;
                piece(&s[start..i]);
                continue;
            }
        }
        // ` ?X+`: a space followed by a non-space joins the run after it.
        let mut j = i;
        if s[i] == b' ' && i + 1 < n && !is_space(s[i + 1]) {
            j += 1;
        }
        let run = class(s[j]);
        j += 1;
        while j < n && class(s[j]) == run {
            j += 1;
        }
        // `\s+(?!\S)` leaves the last whitespace of a run before a non-space to the next piece
        // (a lone one is then matched by `\s+`).
        if run == Class::Space && j < n && j - i >= 2 {
            j -= 1;
        }
        i = j;
        piece(&s[start..i]);
    }
}

/// Cuts `text` at safe boundaries into at most `parts` parts of about equal size.
fn split_parts(text: &str, parts: usize) -> Vec<&str> {
    let bytes = text.as_bytes();
    let target = text.len() / parts;
    let mut out = Vec::with_capacity(parts);
    let mut start = 0;
    for _ in 1..parts {
        let from = start + target.max(1);
        let Some(cut) = (from..bytes.len()).find(|&i| is_safe_boundary(bytes, i)) else { break };
        out.push(&text[start..cut]);
        start = cut;
    }
    out.push(&text[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> u32 {
        counter().tokenizer.encode(text, false).expect("encodes").len() as u32
    }

    /// A small deterministic generator (xorshift), so failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    #[test]
    fn the_packed_tokenizer_encodes_as_the_published_file() {
        let published = Tokenizer::from_bytes(include_bytes!("../data/claude-tokenizer.json")).expect("parses");
        let unpacked = &counter().tokenizer;
        assert_eq!(unpacked.get_vocab_size(true), published.get_vocab_size(true));
        assert_eq!(unpacked.get_vocab(true), published.get_vocab(true));
        let added = |t: &Tokenizer| {
            let mut added: Vec<_> = t.get_added_tokens_decoder().into_iter().map(|(id, t)| (id, t.content)).collect();
            added.sort();
            added
        };
        assert_eq!(added(unpacked), added(&published));
        let text = "Hello, world! café — naïve “quotes” 日本語 🦀 ½ ﷺ\n\tfn main() { println!(\"hi\"); }\n\
                    <EOT>a<META_START>b<META_END> <SOS>   spaces  1234567 o'clock ''' ----- ===== ";
        for text in [text, &text.repeat(50)] {
            let ids = |t: &Tokenizer| t.encode(text, false).expect("encodes").get_ids().to_vec();
            assert_eq!(ids(unpacked), ids(&published));
        }
    }

    #[test]
    fn the_embedded_file_takes_the_fast_path() {
        assert!(counter().fast_path);
        assert_eq!(counter().specials.len(), 5);
    }

    #[test]
    fn known_counts() {
        // Counted with the plain `encode(text, false)`.
        let cases = [
            ("Hello, world!", 4),
            ("The quick brown fox jumps over the lazy dog.", 10),
            ("fn main() {\n    println!(\"hi\");\n}\n", 14),
            ("café — naïve “quotes” 日本語", 14),
            ("<EOT>", 1),
            ("  two  spaces\t\ttabs\n\n", 8),
            ("I'll say it's 1234567 o'clock!", 11),
            ("a<EOT>b <META_START>c<META_END> <SOS>", 9),
        ];
        for (text, expected) in cases {
            assert_eq!(count(text), expected, "{text:?}");
            assert_eq!(plain(text), expected, "{text:?}");
        }
    }

    #[test]
    fn the_upper_bound_is_never_below_the_count() {
        // Characters NFKC lengthens (½ → 1⁄2, ﷺ → 18 characters, ㎒ → MHz), composes (e + ◌́, > + ◌̸)
        // or keeps; special tokens; ASCII of every class.
        let atoms = [
            "a",
            "Z",
            "7",
            " ",
            "\n",
            "\t",
            "!",
            "'s",
            "é",
            "日",
            "🙂",
            "’",
            "ﬁ",
            "½",
            "ﷺ",
            "㎒",
            "\u{301}",
            "\u{338}",
            ">",
            "<EOT>",
            "<META_START>",
            "\u{a0}",
            "①",
            "𝔘",
        ];
        let mut rng = Rng(0x1234_5678_9abc_def1);
        for _ in 0..3000 {
            let text: String = (0..rng.below(40)).map(|_| atoms[rng.below(atoms.len())]).collect();
            assert!(count(&text) as usize <= upper_bound(&text), "{text:?}");
        }
        assert_eq!(upper_bound("ascii text"), 10);
        assert!(upper_bound("ﷺ") > "ﷺ".len(), "the normalised length, not the raw one");
    }

    #[test]
    fn empty_text_has_no_tokens() {
        assert_eq!(count(""), 0);
    }

    #[test]
    fn random_tricky_strings_match_plain_encode() {
        // Every ASCII class the split distinguishes, contractions, whitespace runs, special
        // tokens, and non-ASCII that NFKC changes (ﬁ, ½, no-break and ideographic spaces, a
        // combining accent).
        let atoms: Vec<&str> =
            concat!(" \t\n\r\x0b\x0c\x00\x1f\x7f's'S'tre'vmll'd!.,-_(<>Aa09", "éx日½①\u{a0}\u{3000}\u{301}’—𝔘ﬁ")
                .split("")
                .filter(|s| !s.is_empty())
                .chain(["<EOT>", "<META>", "<META_START>", "<META_END>", "<SOS>", "'re", "'ve", "'ll", "  "])
                .collect();
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for _ in 0..3000 {
            let len = rng.below(24);
            let text: String = (0..len).map(|_| atoms[rng.below(atoms.len())]).collect();
            assert_eq!(count(&text), plain(&text), "{text:?}");
        }
    }

    #[test]
    fn long_mixed_text_matches_plain_encode() {
        let fragments = [
            "The quick brown fox jumps over the lazy dog. ",
            "It's what they'll say; we'd've known. ",
            "fn count(text: &str) -> u32 {\n    text.len() as u32\n}\n\n",
            "    let x = vec![1, 2, 3];\n",
            "Café, naïve, façade — “quoted” and ’tis. ",
            "日本語の文章です。这是一个中文句子。 ",
            "Emoji 🙂🚀 and ½ of ① ﬁne. ",
            "{\"id\": 12345, \"ok\": true}\n",
            "<EOT>",
            "\n\n",
            "   \t  ",
            "https://example.com/a/b?c=d&e=f ",
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut text = String::new();
        while text.len() < 3 * PARALLEL_MIN_BYTES {
            text.push_str(fragments[rng.below(fragments.len())]);
        }
        let parts = split_parts(&text, 2);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts.concat(), text);
        assert_eq!(count(&text), plain(&text));
    }
}
