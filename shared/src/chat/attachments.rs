//! Attachments in the model's prompt: the new message's files and those of earlier
//! messages, as image and document blocks. One request carries at most 20 images and
//! 5 documents (Bedrock's limits), so the newest attachments win and older ones are
//! named in text instead (`keep_within_limits`, part of prompt assembly). Rendering the
//! request (`render`) reads the bytes of the attachments kept from S3, concurrently.

use super::api::Block;
use super::prompt::{Assembled, PlannedMessage};
use crate::error::ApiResult;
use crate::files::{self, rules};
use crate::llm::Prompt;
use crate::model::Role;
use crate::Deps;
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, DocumentBlock, DocumentFormat, DocumentSource, ImageBlock, ImageFormat,
    ImageSource, Message,
};
use futures::future::join_all;
use std::collections::{HashMap, HashSet};
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

/// What the model reads in place of an attachment the request does not carry.
fn not_included(block: &Block) -> String {
    match block {
        Block::Image { filename, .. } => format!("[An attached image, {filename}, is not included here.]"),
        Block::Document { filename, .. } => format!("[An attached document, {filename}, is not included here.]"),
        Block::Text { text } => text.clone(),
    }
}

/// Names in text the attachments one request cannot carry: the newest messages' files
/// are kept first (see `select`).
pub fn keep_within_limits(messages: &mut [PlannedMessage]) {
    let included: HashSet<Uuid> =
        select(messages.iter().rev().filter(|m| m.role == Role::User).map(|m| m.content.as_slice()))
            .into_iter()
            .collect();
    for block in messages.iter_mut().flat_map(|m| m.content.iter_mut()) {
        let kept = match block {
            Block::Image { file_id, .. } | Block::Document { file_id, .. } => included.contains(file_id),
            Block::Text { .. } => true,
        };
        if !kept {
            *block = Block::Text { text: not_included(block) };
        }
    }
}

/// The model's request for an assembled prompt: the attachments' bytes are read from S3
/// (concurrently, each moved into the request, not copied). A file that cannot be read
/// (deleted meanwhile) is named in text instead of failing the message.
pub async fn render(deps: &Deps, owner: Uuid, assembled: Assembled) -> ApiResult<Prompt> {
    let ids: Vec<Uuid> = assembled
        .messages
        .iter()
        .flat_map(|m| m.content.iter())
        .filter_map(|block| match block {
            Block::Image { file_id, .. } | Block::Document { file_id, .. } => Some(*file_id),
            Block::Text { .. } => None,
        })
        .collect();
    let reads = ids.iter().map(|id| async move {
        let bytes = files::read(deps, owner, *id).await.unwrap_or_else(|err| {
            tracing::warn!(file_id = %id, code = err.code, "an attachment could not be read");
            None
        });
        (*id, bytes)
    });
    let mut bytes: HashMap<Uuid, Option<Vec<u8>>> = join_all(reads).await.into_iter().collect();
    let mut documents_named = 0;
    let mut messages = Vec::with_capacity(assembled.messages.len());
    for message in assembled.messages {
        let role = match message.role {
            Role::User => ConversationRole::User,
            Role::Assistant => ConversationRole::Assistant,
        };
        let mut builder = Message::builder().role(role);
        for block in message.content {
            let content = match &block {
                Block::Text { text } => Some(ContentBlock::Text(text.clone())),
                Block::Image { file_id, media_type, .. } => {
                    match (bytes.remove(file_id).flatten(), image_format(media_type)) {
                        (Some(bytes), Some(format)) => Some(ContentBlock::Image(
                            ImageBlock::builder()
                                .format(format)
                                .source(ImageSource::Bytes(Blob::new(bytes)))
                                .build()
                                .expect("format and source are set"),
                        )),
                        _ => None,
                    }
                }
                Block::Document { file_id, filename, media_type, .. } => {
                    match (bytes.remove(file_id).flatten(), document_format(media_type)) {
                        (Some(bytes), Some(format)) => {
                            let name = rules::bedrock_document_name(filename, documents_named);
                            documents_named += 1;
                            Some(ContentBlock::Document(
                                DocumentBlock::builder()
                                    .format(format)
                                    .name(name)
                                    .source(DocumentSource::Bytes(Blob::new(bytes)))
                                    .build()
                                    .expect("format, name and source are set"),
                            ))
                        }
                        _ => None,
                    }
                }
            };
            let content = content.unwrap_or_else(|| ContentBlock::Text(not_included(&block)));
            builder = builder.content(content);
        }
        messages.push(builder.build().expect("role and content are set"));
    }
    let system = assembled.system.into_iter().map(|layer| layer.text).collect();
    Ok(Prompt { system, messages, max_output_tokens: Some(assembled.max_output_tokens as i32) })
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
