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

/// The message parts of the new message and of each earlier pair (in `history`'s
/// order). Only pairs the model will see need their files: `visible`.
pub async fn parts(
    deps: &Deps,
    owner: Uuid,
    new_message: &[Block],
    history: &[PairItem],
    visible: impl Fn(&PairItem) -> bool,
) -> ApiResult<(Vec<Part>, Vec<Vec<Part>>)> {
    // Which files go in: the new message's first, then earlier ones, newest first.
    let (mut images, mut documents) = (rules::MAX_IMAGES_PER_MESSAGE, rules::MAX_DOCUMENTS_PER_MESSAGE);
    let mut included: Vec<Uuid> = Vec::new();
    let newest_first = std::iter::once(new_message)
        .chain(history.iter().rev().filter(|p| visible(p)).map(|p| p.user_content.as_slice()));
    for blocks in newest_first {
        for block in blocks {
            let budget = match block {
                Block::Image { .. } => &mut images,
                Block::Document { .. } => &mut documents,
                Block::Text { .. } => continue,
            };
            if *budget > 0 {
                *budget -= 1;
                if let Block::Image { file_id, .. } | Block::Document { file_id, .. } = block {
                    included.push(*file_id);
                }
            }
        }
    }
    // A file that cannot be read (deleted meanwhile) is named in text instead of
    // failing the message.
    let reads = included.iter().map(|id| async move {
        let bytes = files::read(deps, owner, *id).await.unwrap_or_else(|err| {
            tracing::warn!(file_id = %id, code = err.code, "an attachment could not be read");
            None
        });
        (*id, bytes)
    });
    let bytes: HashMap<Uuid, Option<Vec<u8>>> = join_all(reads).await.into_iter().collect();
    let mut documents_named = 0;
    let mut to_parts = |blocks: &[Block]| -> Vec<Part> {
        let mut parts = Vec::with_capacity(blocks.len());
        for block in blocks {
            let part = match block {
                Block::Text { text } => Part::Text(text.clone()),
                Block::Image { file_id, filename, media_type, .. } => {
                    match (bytes.get(file_id).cloned().flatten(), image_format(media_type)) {
                        (Some(bytes), Some(format)) => Part::Image { format, bytes },
                        _ => Part::Text(format!("[An attached image, {filename}, is not included here.]")),
                    }
                }
                Block::Document { file_id, filename, media_type, .. } => {
                    match (bytes.get(file_id).cloned().flatten(), document_format(media_type)) {
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
