//! Prototypes, variants and versions as read, changed and deleted, their pages in the
//! bucket, and the signed preview of a version.

use super::api::{
    Prototype, PrototypeList, PrototypeListQuery, PrototypeWithVariants, UpdatePrototypeRequest, Variant,
    VariantWithVersions, Version, VersionWithHtml,
};
use super::preview::{self, PreviewTarget};
use super::MAX_NAME_CHARS;
use crate::domain::{required_text, Validator};
use crate::error::{ApiError, ApiResult};
use crate::files;
use crate::store::keys;
use crate::store::page::{self, ListSpec};
use crate::store::prototypes::{self as store, MoveRefused, PrototypeChanges, PrototypeItem, VersionItem};
use crate::Deps;
use http::StatusCode;
use uuid::Uuid;

pub(super) async fn require(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<PrototypeItem> {
    store::get_prototype(&deps.table, owner, id).await?.ok_or_else(ApiError::not_found)
}

/// Stores a page (before the item that names it).
pub async fn put_page(deps: &Deps, key: &str, html: String) -> ApiResult<()> {
    deps.s3
        .put_object()
        .bucket(&deps.config.files_bucket)
        .key(key)
        .content_type("text/html; charset=utf-8")
        .body(html.into_bytes().into())
        .send()
        .await?;
    Ok(())
}

/// The page of a stored version.
pub async fn read_page(deps: &Deps, version: &VersionItem) -> ApiResult<String> {
    let Some(bytes) = files::read_object(deps, &version.object_key).await? else {
        tracing::error!(version_id = %version.id, key = %version.object_key, "a version's page is missing");
        return Err(ApiError::not_found());
    };
    String::from_utf8(bytes).map_err(|err| ApiError::internal("a page that is not UTF-8", &err))
}

/// GET /design-projects/{id}/prototypes: newest first, all or one group's (none for a
/// group that is not there).
pub async fn list(deps: &Deps, owner: Uuid, design_id: Uuid, query: PrototypeListQuery) -> ApiResult<PrototypeList> {
    let owner_pk = keys::user(owner);
    let partition = match query.group_id {
        Some(group) => keys::group_prototypes(owner, design_id, group),
        None => keys::design_prototypes(owner, design_id),
    };
    let spec = match query.group_id {
        Some(_) => ListSpec::gsi2(&partition, &owner_pk),
        None => ListSpec::gsi1(&partition, &owner_pk),
    };
    let request = crate::domain::page_request(query.limit, query.cursor.as_deref(), &spec)?;
    // A group that is not there (or not this design project's) simply has no prototypes.
    let (design, (items, next_cursor)) = tokio::try_join!(
        async { Ok::<_, ApiError>(store::get_design(&deps.table, owner, design_id).await?) },
        async { Ok(page::query::<PrototypeItem>(&deps.table, &spec, true, &request, None).await?) },
    )?;
    if design.is_none() {
        return Err(ApiError::not_found());
    }
    Ok(PrototypeList { items: items.into_iter().map(Prototype::from).collect(), next_cursor })
}

/// GET /prototypes/{id}: with its variants, the original first.
pub async fn get(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<PrototypeWithVariants> {
    let (prototype, variants) =
        tokio::try_join!(store::get_prototype(&deps.table, owner, id), store::variants(&deps.table, owner, id))?;
    let prototype = prototype.ok_or_else(ApiError::not_found)?;
    Ok(PrototypeWithVariants {
        prototype: prototype.into(),
        variants: variants.into_iter().map(Variant::from).collect(),
    })
}

pub async fn update(deps: &Deps, owner: Uuid, id: Uuid, req: UpdatePrototypeRequest) -> ApiResult<Prototype> {
    let mut v = Validator::default();
    let name = req.name.as_deref().and_then(|name| v.check("name", required_text(name, MAX_NAME_CHARS, true)));
    v.finish()?;
    let prototype = require(deps, owner, id).await?;
    let changes = PrototypeChanges { name, group_id: req.group_id };
    match store::update_prototype(&deps.table, owner, &prototype, changes, deps.clock.now()).await? {
        Ok(updated) => Ok(updated.into()),
        Err(MoveRefused::NotFound) => Err(ApiError::not_found()),
        Err(MoveRefused::GroupNotFound) => {
            Err(ApiError::invalid_field("group_id", "No such group in this prototype's design project."))
        }
    }
}

/// A prototype's items and pages, all gone (the item first: nothing more is stored in it).
pub(super) async fn delete_everything(deps: &Deps, owner: Uuid, prototype: &PrototypeItem) -> ApiResult<bool> {
    let deleted = store::delete_prototype(&deps.table, owner, prototype, deps.clock.now()).await?;
    files::delete_objects_under(deps, &keys::prototype_objects(owner, prototype.id)).await?;
    Ok(deleted)
}

/// DELETE /prototypes/{id}: with its variants, versions and pages.
pub async fn delete(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<()> {
    let prototype = require(deps, owner, id).await?;
    if !delete_everything(deps, owner, &prototype).await? {
        return Err(ApiError::not_found());
    }
    Ok(())
}

/// GET /prototypes/{id}/variants/{vid}: with its versions, by number.
pub async fn variant(deps: &Deps, owner: Uuid, prototype_id: Uuid, id: Uuid) -> ApiResult<VariantWithVersions> {
    let (variant, versions) = tokio::try_join!(
        store::get_variant(&deps.table, owner, prototype_id, id),
        store::versions(&deps.table, owner, prototype_id, id)
    )?;
    let variant = variant.ok_or_else(ApiError::not_found)?;
    Ok(VariantWithVersions { variant: variant.into(), versions: versions.iter().map(Version::from).collect() })
}

/// DELETE /prototypes/{id}/variants/{vid}: a variant other than the original, with its
/// versions and pages.
pub async fn delete_variant(deps: &Deps, owner: Uuid, prototype_id: Uuid, id: Uuid) -> ApiResult<()> {
    let (prototype, variant) = tokio::try_join!(
        store::get_prototype(&deps.table, owner, prototype_id),
        store::get_variant(&deps.table, owner, prototype_id, id)
    )?;
    let (Some(prototype), Some(variant)) = (prototype, variant) else { return Err(ApiError::not_found()) };
    if variant.is_original {
        return Err(ApiError::conflict(
            "original_variant",
            "The original variant is the prototype itself: delete the prototype instead.",
        ));
    }
    if !store::delete_variant(&deps.table, owner, &prototype, id, deps.clock.now()).await? {
        return Err(ApiError::not_found());
    }
    files::delete_objects_under(deps, &keys::variant_objects(owner, prototype_id, id)).await?;
    Ok(())
}

/// GET /prototypes/{id}/variants/{vid}/versions/{n}: the version with its page and a
/// preview URL under `base_url` (the API's own address, up to `/api/v1`).
pub async fn version(
    deps: &Deps,
    owner: Uuid,
    prototype_id: Uuid,
    variant_id: Uuid,
    number: i64,
    base_url: &str,
) -> ApiResult<VersionWithHtml> {
    let version = store::get_version(&deps.table, owner, prototype_id, variant_id, number)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let html = read_page(deps, &version).await?;
    let target = PreviewTarget { user_id: owner, prototype_id, variant_id, version_number: number };
    let (sig, expires) = preview::sign(&deps.config, target, deps.clock.unix());
    let preview_url = format!(
        "{}/api/v1/prototypes/{prototype_id}/variants/{variant_id}/versions/{number}/preview?sig={sig}",
        base_url.trim_end_matches('/')
    );
    let preview_expires_at = time::OffsetDateTime::from_unix_timestamp(expires)
        .map_err(|err| ApiError::internal("a preview's expiry", &err))?;
    Ok(VersionWithHtml { version: Version::from(&version), html, preview_url, preview_expires_at })
}

/// The page a preview `sig` opens: 401 unless the `sig` was made for exactly this
/// version, by us, and has not expired; then the page of that user's version.
pub async fn preview(
    deps: &Deps,
    prototype_id: Uuid,
    variant_id: Uuid,
    number: i64,
    sig: Option<&str>,
) -> ApiResult<String> {
    let refused = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_preview_signature",
            "This preview link is not valid (or has expired): open the version again for a fresh one.",
        )
    };
    let sig = sig.filter(|sig| !sig.is_empty()).ok_or_else(refused)?;
    let owner =
        preview::verify(&deps.config, sig, prototype_id, variant_id, number, deps.clock.unix()).ok_or_else(refused)?;
    let version = store::get_version(&deps.table, owner, prototype_id, variant_id, number)
        .await?
        .ok_or_else(ApiError::not_found)?;
    read_page(deps, &version).await
}
