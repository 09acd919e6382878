//! Reads this product's own archive (`portability::archive`) as a stream: the sections
//! one entry at a time, so an archive of any size is read in the memory of its largest
//! entry (one chat with its pairs, or one design project with its pages).

use super::FileError;
use crate::portability::archive::{self, Chat, DesignProject, Memory, MemoryTag, Profile, Project, Prompt};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;
use std::io::Read;
use std::ops::ControlFlow;

/// One entry of an archive.
#[derive(Debug)]
pub enum Entry {
    Profile(Box<Profile>),
    Prompt(Prompt),
    MemoryTag(MemoryTag),
    Memory(Box<Memory>),
    Project(Box<Project>),
    DesignProject(Box<DesignProject>),
    Chat(Box<Chat>),
}

/// The sections, in the order the archive writes them.
const SECTIONS: [&str; 7] = ["prompts", "memory_tags", "memories", "projects", "design_projects", "chats", "profile"];

fn entry(section: &str, raw: &str) -> Result<Entry, String> {
    fn parse<T: serde::de::DeserializeOwned>(raw: &str) -> Result<T, String> {
        serde_json::from_str(raw).map_err(|err| err.to_string())
    }
    Ok(match section {
        "profile" => Entry::Profile(parse(raw)?),
        "prompts" => Entry::Prompt(parse(raw)?),
        "memory_tags" => Entry::MemoryTag(parse(raw)?),
        "memories" => Entry::Memory(parse(raw)?),
        "projects" => Entry::Project(parse(raw)?),
        "design_projects" => Entry::DesignProject(parse(raw)?),
        _ => Entry::Chat(parse(raw)?),
    })
}

/// An entry that is not one, by its section and place: why.
#[derive(Debug, PartialEq, Eq)]
pub struct BadEntry {
    pub section: &'static str,
    /// From 0, in its section.
    pub index: usize,
    pub why: String,
}

/// Reads the archive in `reader`, handing each entry (or why it is not one) to `each`
/// in file order; `each` may stop the reading. Fails when the file is not an archive
/// at all: not a JSON object, cut short, another `format`, a newer `version`, or a
/// section that is not a list.
pub fn each_entry<R: Read>(
    reader: R,
    mut each: impl FnMut(Result<Entry, BadEntry>) -> ControlFlow<()>,
) -> Result<(), FileError> {
    struct Archive<'f, F> {
        each: &'f mut F,
        format_seen: bool,
        stopped: bool,
    }
    struct Section<'a, 'f, F> {
        archive: &'a mut Archive<'f, F>,
        name: &'static str,
    }
    impl<'de, F: FnMut(Result<Entry, BadEntry>) -> ControlFlow<()>> Visitor<'de> for &mut Archive<'_, F> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a myclaude archive (a JSON object)")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            use serde::de::Error;
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "format" => {
                        let format: String = map.next_value()?;
                        if format != archive::FORMAT {
                            return Err(A::Error::custom(format!(
                                "its format is {format:?}, not \"{}\"",
                                archive::FORMAT
                            )));
                        }
                        self.format_seen = true;
                    }
                    "version" => {
                        let version: u32 = map.next_value()?;
                        if version == 0 || version > archive::VERSION {
                            return Err(A::Error::custom(format!(
                                "it is version {version} of the format; this server reads up to version {}",
                                archive::VERSION
                            )));
                        }
                    }
                    "profile" => {
                        let raw: Box<RawValue> = map.next_value()?;
                        let read =
                            entry("profile", raw.get()).map_err(|why| BadEntry { section: "profile", index: 0, why });
                        if (self.each)(read).is_break() {
                            self.stopped = true;
                            return Ok(());
                        }
                    }
                    name => match SECTIONS.iter().find(|s| **s == name) {
                        Some(name) => {
                            map.next_value_seed(Section { archive: &mut *self, name })?;
                            if self.stopped {
                                return Ok(());
                            }
                        }
                        // Written by a later version: not read.
                        None => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    },
                }
            }
            Ok(())
        }
    }
    impl<'de, F: FnMut(Result<Entry, BadEntry>) -> ControlFlow<()>> Visitor<'de> for Section<'_, '_, F> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "a list of {}", self.name)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut index = 0;
            while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
                let read = entry(self.name, raw.get()).map_err(|why| BadEntry { section: self.name, index, why });
                index += 1;
                if (self.archive.each)(read).is_break() {
                    self.archive.stopped = true;
                    return Ok(());
                }
            }
            Ok(())
        }
    }
    impl<'de, F: FnMut(Result<Entry, BadEntry>) -> ControlFlow<()>> DeserializeSeed<'de> for Section<'_, '_, F> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
            deserializer.deserialize_seq(self)
        }
    }
    let mut archive = Archive { each: &mut each, format_seen: false, stopped: false };
    let mut deserializer = serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 16, reader));
    let read = serde::Deserializer::deserialize_map(&mut deserializer, &mut archive);
    if archive.stopped {
        return Ok(());
    }
    read.and_then(|()| deserializer.end()).map_err(|err| FileError(describe(&err)))?;
    if !archive.format_seen {
        return Err(FileError(format!(
            "The file is not a myclaude archive: it has no \"format\": \"{}\".",
            archive::FORMAT
        )));
    }
    Ok(())
}

fn describe(err: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match err.classify() {
        Category::Eof => format!("The file ends too early (cut short?): {err}."),
        Category::Syntax => format!("The file is not valid JSON: {err}."),
        Category::Data => format!("The file is not a myclaude archive: {err}."),
        Category::Io => format!("The file could not be read: {err}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<Result<&'static str, String>>, String> {
        let mut seen = Vec::new();
        each_entry(text.as_bytes(), |entry| {
            seen.push(match entry {
                Ok(Entry::Profile(_)) => Ok("profile"),
                Ok(Entry::Prompt(_)) => Ok("prompt"),
                Ok(Entry::MemoryTag(_)) => Ok("tag"),
                Ok(Entry::Memory(_)) => Ok("memory"),
                Ok(Entry::Project(_)) => Ok("project"),
                Ok(Entry::DesignProject(_)) => Ok("design"),
                Ok(Entry::Chat(_)) => Ok("chat"),
                Err(bad) => Err(format!("{} {}", bad.section, bad.index)),
            });
            ControlFlow::Continue(())
        })
        .map_err(|err| err.0)?;
        Ok(seen)
    }

    const PROMPT: &str = r#"{"id":"0190a0a0-0000-7000-8000-000000000001","name":"N","content":"C",
        "created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}"#;

    #[test]
    fn entries_come_in_file_order_and_a_bad_one_is_named() {
        let text = format!(
            r#"{{"format":"myclaude","version":1,"exported_at":"x","later_section":[1,2],
            "prompts":[{PROMPT},{{"id":3}}],"memory_tags":[{{"name":"rust","created_at":"2026-01-01T00:00:00Z"}}],
            "chats":[]}}"#
        );
        assert_eq!(read(&text).unwrap(), [Ok("prompt"), Err("prompts 1".into()), Ok("tag")]);
    }

    #[test]
    fn what_is_not_an_archive_is_refused_whole() {
        let cut = format!(r#"{{"format":"myclaude","version":1,"prompts":[{PROMPT},"#);
        assert!(read(&cut).unwrap_err().contains("ends too early"));
        assert!(read("[]").unwrap_err().contains("not a myclaude archive"));
        assert!(read(r#"{"format":"other"}"#).unwrap_err().contains("\"other\""));
        assert!(read(r#"{"format":"myclaude","version":9}"#).unwrap_err().contains("version 9"));
        assert!(read(r#"{"prompts":[]}"#).unwrap_err().contains("no \"format\""));
        assert!(read(r#"{"format":"myclaude","chats":{}}"#).unwrap_err().contains("a list of chats"));
    }
}
