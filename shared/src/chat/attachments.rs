//! Attachments in the model's prompt: the new message's files and those of earlier
//! messages, as image and document blocks. One request carries at most 20 images and
//! 5 documents (Bedrock's limits), so the newest attachments win and older ones are
//! named in text instead. The bytes are read from S3 concurrently.

use super::api::Block;
use super::prompt::Part;
use crate::error::ApiResult;
use crate::files::{self, rules};
use crate::store::pairs::PairItem;
use crate::Deps;
use aws_sdk_bedrockruntime::types::{DocumentFormat, ImageFormat};
use futures::future::join_all;
use std::collections::HashMap;
use uuid::Uuid;

fn image_format(media_type: &str) -> Option<ImageFormat> {
    Some(match media_type {
        "image/png" => ImageFormat::Png,
        "image/jpeg" => ImageFormat::Jpeg,
        "image/gif" => ImageFormat::Gif,
        "image/webp" => ImageFormat::Webp,
        _ => return None,
    })
}

fn document_format(media_type: &str) -> Option<DocumentFormat> {
    Some(match media_type {
        "application/pdf" => DocumentFormat::Pdf,
        "text/plain" => DocumentFormat::Txt,
        "text/markdown" => DocumentFormat::Md,
        "text/csv" => DocumentFormat::Csv,
        "text/html" => DocumentFormat::Html,
        "application/msword" => DocumentFormat::Doc,
        rules::DOCX => DocumentFormat::Docx,
        "application/vnd.ms-excel" => DocumentFormat::Xls,
        rules::XLSX => DocumentFormat::Xlsx,
        _ => return None,
    })
}

/// Which files go into one request: the newest messages' first (`newest_first` starts
/// with the new message), within Bedrock's 20 images and 5 documents and a byte budget
/// that bounds the memory one request holds.
fn select<'a>(newest_first: impl Iterator<Item = &'a [Block]>) -> Vec<Uuid> {
    let (mut images, mut documents) = (rules::MAX_IMAGES_PER_MESSAGE, rules::MAX_DOCUMENTS_PER_MESSAGE);
    let mut bytes_left = rules::MAX_ATTACHMENT_BYTES_PER_REQUEST;
    let mut included = Vec::new();
    for blocks in newest_first {
        for block in blocks {
            let (budget, file_id, size) = match block {
                Block::Image { file_id, size, .. } => (&mut images, *file_id, *size),
                Block::Document { file_id, size, .. } => (&mut documents, *file_id, *size),
                Block::Text { .. } => continue,
            };
            if *budget > 0 && size <= bytes_left {
                *budget -= 1;
                bytes_left -= size;
                included.push(file_id);
            }
        }
    }
    included
}

/// The message parts of the new message and of each earlier pair (in `history`'s
/// order). Only pairs the model will see need their files: `visible`.
pub async fn parts(
    deps: &Deps,
    owner: Uuid,
    new_message: &[Block],
    history: &[PairItem],
    visible: impl Fn(&PairItem) -> bool,
) -> ApiResult<(Vec<Part>, Vec<Vec<Part>>)> {
    let messages = std::iter::once(new_message)
        .chain(history.iter().rev().filter(|p| visible(p)).map(|p| p.user_content.as_slice()));
    let included = select(messages);
    // A file that cannot be read (deleted meanwhile) is named in text instead of
    // failing the message.
    let reads = included.iter().map(|id| async move {
        let bytes = files::read(deps, owner, *id).await.unwrap_or_else(|err| {
            tracing::warn!(file_id = %id, code = err.code, "an attachment could not be read");
            None
        });
        (*id, bytes)
    });
    // Each file's bytes are moved into the prompt, not copied.
    let mut bytes: HashMap<Uuid, Option<Vec<u8>>> = join_all(reads).await.into_iter().collect();
    let mut documents_named = 0;
    let mut to_parts = |blocks: &[Block]| -> Vec<Part> {
        let mut parts = Vec::with_capacity(blocks.len());
        for block in blocks {
            let part = match block {
                Block::Text { text } => Part::Text(text.clone()),
                Block::Image { file_id, filename, media_type, .. } => {
                    match (bytes.remove(file_id).flatten(), image_format(media_type)) {
                        (Some(bytes), Some(format)) => Part::Image { format, bytes },
                        _ => Part::Text(format!("[An attached image, {filename}, is not included here.]")),
                    }
                }
                Block::Document { file_id, filename, media_type, .. } => {
                    match (bytes.remove(file_id).flatten(), document_format(media_type)) {
                        (Some(bytes), Some(format)) => {
                            let name = rules::bedrock_document_name(filename, documents_named);
                            documents_named += 1;
                            Part::Document { format, name, bytes }
                        }
                        _ => Part::Text(format!("[An attached document, {filename}, is not included here.]")),
                    }
                }
            };
            parts.push(part);
        }
        parts
    };
    let new_parts = to_parts(new_message);
    let history_parts = history.iter().map(|pair| to_parts(&pair.user_content)).collect();
    Ok((new_parts, history_parts))
}

/// The content blocks of a message with these files (attachments first, then the text,
/// as Claude reads best).
pub fn blocks(files: &[crate::store::files::FileItem], text: &str) -> Vec<Block> {
    let mut blocks: Vec<Block> = files
        .iter()
        .map(|file| match file.kind {
            files::api::Kind::Image => Block::Image {
                file_id: file.id,
                filename: file.filename.clone(),
                media_type: file.media_type.clone(),
                size: file.size,
            },
            files::api::Kind::Document => Block::Document {
                file_id: file.id,
                filename: file.filename.clone(),
                media_type: file.media_type.clone(),
                size: file.size,
            },
        })
        .collect();
    blocks.push(Block::Text { text: text.to_string() });
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(size: i64) -> Block {
        Block::Image { file_id: Uuid::now_v7(), filename: "a.png".into(), media_type: "image/png".into(), size }
    }

    fn document(size: i64) -> Block {
        Block::Document {
            file_id: Uuid::now_v7(),
            filename: "a.pdf".into(),
            media_type: "application/pdf".into(),
            size,
        }
    }

    fn id(block: &Block) -> Uuid {
        match block {
            Block::Image { file_id, .. } | Block::Document { file_id, .. } => *file_id,
            Block::Text { .. } => unreachable!(),
        }
    }

    #[test]
    fn the_newest_attachments_win_within_counts_and_bytes() {
        let new: Vec<Block> = vec![image(1_000), document(1_000), Block::Text { text: "hi".into() }];
        let older: Vec<Block> = (0..25).map(|_| image(10)).chain((0..6).map(|_| document(10))).collect();
        let chosen = select([new.as_slice(), older.as_slice()].into_iter());
        assert_eq!(chosen[..2], [id(&new[0]), id(&new[1])], "the new message first");
        assert_eq!(chosen.len(), 20 + 5, "20 images and 5 documents in all");
        assert!(!chosen.contains(&id(&older[24])), "older images past the 20th are left out");

        let big = rules::MAX_ATTACHMENT_BYTES_PER_REQUEST / 2 + 1;
        let heavy: Vec<Block> = vec![image(big), image(big), image(10)];
        let chosen = select([heavy.as_slice()].into_iter());
        assert_eq!(chosen, [id(&heavy[0]), id(&heavy[2])], "the byte budget holds");
    }
}
