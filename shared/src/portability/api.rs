//! The bodies of `/api/v1/import`.

use crate::model::{ImportFormat, Imported};
use crate::store::imports::{ImportItem, ImportStatus};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// `POST /import`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// A ready file uploaded with purpose `import`: a `conversations.json` or a
    /// `myclaude` archive, or the export's zip holding one.
    pub file_id: Uuid,
    /// The export's format: `myclaude` for this product's own archive (`POST /export`).
    pub format: ImportFormat,
}

/// `202` of `POST /import`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportStarted {
    pub id: Uuid,
}

/// `GET /import/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Import {
    pub id: Uuid,
    pub status: ImportStatus,
    pub format: ImportFormat,
    pub file_id: Uuid,
    /// What came in so far (all of it once `complete`).
    pub imported: Imported,
    /// Why the import failed (`failed`), or the conversations skipped and why.
    pub errors: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<ImportItem> for Import {
    fn from(item: ImportItem) -> Self {
        Self {
            id: item.id,
            status: item.status,
            format: item.format,
            file_id: item.file_id,
            imported: item.imported,
            errors: item.errors,
            created_at: item.created_at,
            updated_at: item.updated_at,
        }
    }
}
