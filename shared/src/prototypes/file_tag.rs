//! The page a model writes for a UI prototype, taken out of its reply: the model is asked
//! for a complete HTML page inside `<prototype_file name="...">…</prototype_file>`, and
//! what is stored is exactly the content of that tag. Prose before or after the tag is
//! ignored; a reply without the tag, or whose tag never closes, is invalid output.
//!
//! `FileTag` reads the reply as it streams, delta by delta (a tag may be split anywhere
//! across deltas), holding only what the tag may still need: the text before the tag is
//! dropped as soon as it cannot be part of one.

/// The opening tag's name, up to its attributes.
const OPEN: &str = "<prototype_file";
const CLOSE: &str = "</prototype_file>";

/// The page the model wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrototypeFile {
    /// The tag's `name` attribute (`index.html` when the tag has none).
    pub name: String,
    /// Exactly what the tag holds.
    pub content: String,
}

pub const DEFAULT_FILE_NAME: &str = "index.html";

/// Why a reply holds no page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidOutput {
    #[error("the reply has no <prototype_file> tag")]
    Missing,
    #[error("the reply's <prototype_file> tag is never closed")]
    Unclosed,
}

#[derive(Debug)]
enum State {
    /// Looking for the opening tag; `pending` is the reply's tail that may begin it.
    Before {
        pending: String,
    },
    /// Inside the opening tag, up to its `>`.
    Opening {
        tag: String,
    },
    /// Inside the file: `content` so far (possibly ending in part of the closing tag).
    Inside {
        name: String,
        content: String,
    },
    Done(PrototypeFile),
}

/// Reads a reply delta by delta; `finish` says what it held.
#[derive(Debug)]
pub struct FileTag {
    state: State,
}

impl Default for FileTag {
    fn default() -> Self {
        Self { state: State::Before { pending: String::new() } }
    }
}

/// The length of the longest suffix of `text` that is a prefix of `pattern` (so more
/// text may complete it), at a character boundary.
fn partial_suffix(text: &str, pattern: &str) -> usize {
    (1..pattern.len().min(text.len() + 1))
        .rev()
        .find(|&n| text.is_char_boundary(text.len() - n) && pattern.starts_with(&text[text.len() - n..]))
        .unwrap_or(0)
}

/// The `name` attribute of an opening tag's attribute text, in either quote style.
fn name_attribute(attributes: &str) -> Option<String> {
    let mut rest = attributes;
    while let Some(at) = rest.find("name") {
        let before_ok = at == 0 || rest[..at].ends_with(|c: char| c.is_whitespace());
        let after = rest[at + 4..].trim_start();
        if before_ok {
            if let Some(value) = after.strip_prefix('=') {
                let value = value.trim_start();
                let quote = value.chars().next()?;
                if quote == '"' || quote == '\'' {
                    let end = value[1..].find(quote)?;
                    return Some(value[1..1 + end].to_string());
                }
                let end = value.find(|c: char| c.is_whitespace() || c == '/').unwrap_or(value.len());
                return Some(value[..end].to_string());
            }
        }
        rest = &rest[at + 4..];
    }
    None
}

impl FileTag {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the next part of the reply.
    pub fn push(&mut self, delta: &str) {
        let mut input = delta.to_string();
        loop {
            let state = std::mem::replace(&mut self.state, State::Before { pending: String::new() });
            let (next, rest) = match state {
                State::Before { mut pending } => {
                    pending.push_str(&input);
                    match pending.find(OPEN) {
                        Some(at) => {
                            (State::Opening { tag: String::new() }, Some(pending[at + OPEN.len()..].to_string()))
                        }
                        None => {
                            let keep = partial_suffix(&pending, OPEN);
                            let tail = pending[pending.len() - keep..].to_string();
                            (State::Before { pending: tail }, None)
                        }
                    }
                }
                State::Opening { mut tag } => {
                    tag.push_str(&input);
                    // Only a space, `>` or the attributes may follow the tag's name
                    // (`<prototype_files` is another tag).
                    match tag.chars().next() {
                        Some(c) if !(c.is_whitespace() || c == '>') => {
                            (State::Before { pending: String::new() }, Some(tag))
                        }
                        _ => match tag.find('>') {
                            Some(end) => {
                                let name = name_attribute(&tag[..end]).unwrap_or_else(|| DEFAULT_FILE_NAME.to_string());
                                let name = if name.trim().is_empty() { DEFAULT_FILE_NAME.to_string() } else { name };
                                (State::Inside { name, content: String::new() }, Some(tag[end + 1..].to_string()))
                            }
                            None => (State::Opening { tag }, None),
                        },
                    }
                }
                State::Inside { name, mut content } => {
                    // Only the new text, and the closing tag's possible start before it, need a look.
                    let from = content.len().saturating_sub(CLOSE.len());
                    let from = (0..=from).rev().find(|&i| content.is_char_boundary(i)).unwrap_or(0);
                    content.push_str(&input);
                    match content[from..].find(CLOSE) {
                        Some(at) => {
                            content.truncate(from + at);
                            (State::Done(PrototypeFile { name, content }), None)
                        }
                        None => (State::Inside { name, content }, None),
                    }
                }
                done @ State::Done(_) => (done, None),
            };
            self.state = next;
            match rest {
                Some(rest) if !rest.is_empty() => input = rest,
                _ => return,
            }
        }
    }

    /// The page, once the reply has ended.
    pub fn finish(self) -> Result<PrototypeFile, InvalidOutput> {
        match self.state {
            State::Done(file) => Ok(file),
            State::Inside { .. } | State::Opening { .. } => Err(InvalidOutput::Unclosed),
            State::Before { .. } => Err(InvalidOutput::Missing),
        }
    }
}

/// The page in a whole reply.
pub fn parse(reply: &str) -> Result<PrototypeFile, InvalidOutput> {
    let mut tag = FileTag::new();
    tag.push(reply);
    tag.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<!DOCTYPE html>\n<html><body class=\"p-4\"><h1>Hi &lt;there&gt;</h1></body></html>\n";

    fn file(name: &str, content: &str) -> PrototypeFile {
        PrototypeFile { name: name.into(), content: content.into() }
    }

    #[test]
    fn the_content_is_exactly_what_the_tag_holds_with_prose_around_it() {
        let reply =
            format!("Here is your page:\n\n<prototype_file name=\"landing.html\">{PAGE}</prototype_file>\n\nEnjoy!");
        assert_eq!(parse(&reply), Ok(file("landing.html", PAGE)));
    }

    #[test]
    fn attributes_in_either_quote_style_or_none() {
        let single = format!("<prototype_file name='a b.html'>{PAGE}</prototype_file>");
        assert_eq!(parse(&single), Ok(file("a b.html", PAGE)));
        let spaced = format!("<prototype_file  id=\"x\"  name = \"c.html\" >{PAGE}</prototype_file>");
        assert_eq!(parse(&spaced), Ok(file("c.html", PAGE)));
        let bare = format!("<prototype_file name=d.html>{PAGE}</prototype_file>");
        assert_eq!(parse(&bare), Ok(file("d.html", PAGE)));
        let none = format!("<prototype_file>{PAGE}</prototype_file>");
        assert_eq!(parse(&none), Ok(file(DEFAULT_FILE_NAME, PAGE)));
        let other_attribute = format!("<prototype_file filename=\"x\">{PAGE}</prototype_file>");
        assert_eq!(parse(&other_attribute), Ok(file(DEFAULT_FILE_NAME, PAGE)), "only `name` names the file");
    }

    #[test]
    fn a_tag_split_anywhere_across_deltas() {
        let reply = format!("Sure — <b>here</b>: <prototype_file name=\"ü.html\">{PAGE}é</prototype_file> done");
        let expected = file("ü.html", &format!("{PAGE}é"));
        // Every split point, and every chunk size, at character boundaries.
        let chars: Vec<char> = reply.chars().collect();
        for size in 1..=7 {
            let mut tag = FileTag::new();
            for chunk in chars.chunks(size) {
                tag.push(&chunk.iter().collect::<String>());
            }
            assert_eq!(tag.finish(), Ok(expected.clone()), "chunks of {size}");
        }
        for split in 0..chars.len() {
            let (a, b): (String, String) = (chars[..split].iter().collect(), chars[split..].iter().collect());
            let mut tag = FileTag::new();
            tag.push(&a);
            tag.push(&b);
            assert_eq!(tag.finish(), Ok(expected.clone()), "split at {split}");
        }
    }

    #[test]
    fn a_missing_or_unclosed_tag_is_invalid() {
        assert_eq!(parse(PAGE), Err(InvalidOutput::Missing));
        assert_eq!(parse("I can't do that."), Err(InvalidOutput::Missing));
        assert_eq!(parse(""), Err(InvalidOutput::Missing));
        assert_eq!(parse(&format!("<prototype_files>{PAGE}</prototype_files>")), Err(InvalidOutput::Missing));
        assert_eq!(parse(&format!("<prototype_file name=\"a.html\">{PAGE}")), Err(InvalidOutput::Unclosed));
        assert_eq!(parse("<prototype_file name=\"a.html\""), Err(InvalidOutput::Unclosed));
        assert_eq!(parse(&format!("<prototype_file>{PAGE}</prototype_fil")), Err(InvalidOutput::Unclosed));
    }

    #[test]
    fn the_first_file_wins_and_what_follows_is_ignored() {
        let reply = "<prototype_file name=\"one.html\">1</prototype_file><prototype_file name=\"two.html\">2";
        assert_eq!(parse(reply), Ok(file("one.html", "1")));
    }

    #[test]
    fn a_large_page_is_read_in_small_deltas() {
        let body = "<div class=\"grid\">ü</div>\n".repeat(25_000);
        let reply = format!("<prototype_file name=\"big.html\">{body}</prototype_file>");
        let mut tag = FileTag::new();
        let mut rest = reply.as_str();
        while !rest.is_empty() {
            let mut cut = rest.len().min(16);
            while !rest.is_char_boundary(cut) {
                cut += 1;
            }
            tag.push(&rest[..cut]);
            rest = &rest[cut..];
        }
        let page = tag.finish().unwrap();
        assert_eq!(page.content.len(), body.len());
        assert_eq!(page.content, body);
    }
}
