//! Attachments in the model's prompt: the new message's files and those of earlier
//! messages, as image and document blocks. One request carries at most 20 images and
//! 5 documents (Bedrock's limits), so the newest attachments win and older ones are
//! named in text instead (`prompt::keep_within_limits`, part of prompt assembly). Rendering the
//! request (`render`) reads the bytes of the attachments kept from S3, concurrently.

use super::api::Block;
use super::prompt::{self, Assembled};
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
            let content = content.unwrap_or_else(|| ContentBlock::Text(prompt::not_included(&block)));
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
