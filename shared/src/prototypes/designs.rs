//! Design projects and their groups.

use super::api::{
    CreateDesignProjectRequest, CreateGroupRequest, DesignProject, DesignProjectList, Group, GroupList,
    UpdateDesignProjectRequest, UpdateGroupRequest,
};
use super::{optional_text, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS};
use crate::domain::{required_text, PageQuery, Validator};
use crate::error::{ApiError, ApiResult};
use crate::store::page::{self, ListSpec};
use crate::store::prototypes::{self as store, DesignProjectItem, GroupItem, GroupRefused, Named, PrototypeItem};
use crate::store::{keys, StoreResult};
use crate::Deps;
use futures::{StreamExt, TryStreamExt};
use http::StatusCode;
use std::future::Future;
use std::time::Duration;
use uuid::Uuid;

async fn require(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<DesignProjectItem> {
    store::get_design(&deps.table, owner, id).await?.ok_or_else(ApiError::not_found)
}

fn named(v: &mut Validator, name: Option<&str>, description: Option<&str>) -> Named {
    Named {
        name: name.and_then(|name| v.check("name", required_text(name, MAX_NAME_CHARS, true))),
        description: optional_text(v, "description", description, MAX_DESCRIPTION_CHARS),
    }
}

/// Where a group sorts: 0 to [`MAX_POSITION`].
fn position(v: &mut Validator, raw: Option<i64>) -> Option<i64> {
    let raw = raw?;
    if !(0..=MAX_POSITION).contains(&raw) {
        v.add("position", format!("Must be a whole number from 0 to {MAX_POSITION}."));
        return None;
    }
    Some(raw)
}

pub const MAX_POSITION: i64 = 1_000_000;

pub async fn list(deps: &Deps, owner: Uuid, page: PageQuery) -> ApiResult<DesignProjectList> {
    let pk = keys::user(owner);
    let spec = ListSpec::table(&pk, keys::DESIGN_PREFIX);
    let request = crate::domain::page_request(page.limit, page.cursor.as_deref(), &spec)?;
    let (items, next_cursor) = page::query::<DesignProjectItem>(&deps.table, &spec, true, &request, None).await?;
    Ok(DesignProjectList { items: items.into_iter().map(DesignProject::from).collect(), next_cursor })
}

pub async fn create(deps: &Deps, owner: Uuid, req: CreateDesignProjectRequest) -> ApiResult<DesignProject> {
    let mut v = Validator::default();
    let named = named(&mut v, Some(&req.name), req.description.as_deref());
    v.finish()?;
    let design = DesignProjectItem::new(
        owner,
        named.name.unwrap_or_default(),
        named.description.unwrap_or_default(),
        deps.clock.now(),
    );
    store::put_design(&deps.table, owner, &design).await?;
    Ok(design.into())
}

pub async fn get(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<DesignProject> {
    Ok(require(deps, owner, id).await?.into())
}

pub async fn update(deps: &Deps, owner: Uuid, id: Uuid, req: UpdateDesignProjectRequest) -> ApiResult<DesignProject> {
    let mut v = Validator::default();
    let named = named(&mut v, req.name.as_deref(), req.description.as_deref());
    v.finish()?;
    let updated = store::update_design(&deps.table, owner, id, named, deps.clock.now()).await?;
    Ok(updated.ok_or_else(ApiError::not_found)?.into())
}

/// How many prototypes a deletion works on at once.
const DELETE_CONCURRENCY: usize = 8;

/// How long a deletion waits for an index (GSI) to show items written just before it.
const INDEX_WAIT: Duration = Duration::from_secs(5);

/// What `read` finds, read again (briefly) until it holds at least `expected` items: an
/// index lags the writes it reflects by a moment, and a count kept in the same
/// transaction as those writes says how many there are.
async fn at_least<F, Fut>(expected: i64, mut read: F) -> StoreResult<Vec<PrototypeItem>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = StoreResult<Vec<PrototypeItem>>>,
{
    let deadline = tokio::time::Instant::now() + INDEX_WAIT;
    loop {
        let found = read().await?;
        if found.len() as i64 >= expected || tokio::time::Instant::now() >= deadline {
            if (found.len() as i64) < expected {
                tracing::warn!(expected, found = found.len(), "the index did not show every item in time");
            }
            return Ok(found);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// DELETE /design-projects/{id}: the design project, its groups, and every prototype in
/// it with all their variants, versions and pages.
pub async fn delete(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<()> {
    // It goes first: nothing can be created in it from then on.
    let design = store::delete_design(&deps.table, owner, id).await?.ok_or_else(ApiError::not_found)?;
    let table = &deps.table;
    let prototypes =
        at_least(design.prototype_count, || store::prototypes_of_design(table, owner, id, usize::MAX)).await?;
    futures::stream::iter(
        prototypes
            .into_iter()
            .map(|prototype| async move { super::pages::delete_everything(deps, owner, &prototype).await }),
    )
    .buffer_unordered(DELETE_CONCURRENCY)
    .try_collect::<Vec<bool>>()
    .await?;
    store::delete_design_partition(table, owner, id).await?;
    Ok(())
}

pub async fn groups(deps: &Deps, owner: Uuid, design_id: Uuid) -> ApiResult<GroupList> {
    let (design, groups) = tokio::try_join!(
        store::get_design(&deps.table, owner, design_id),
        store::groups(&deps.table, owner, design_id)
    )?;
    design.ok_or_else(ApiError::not_found)?;
    Ok(GroupList { items: groups.into_iter().map(Group::from).collect(), next_cursor: None })
}

pub async fn create_group(deps: &Deps, owner: Uuid, design_id: Uuid, req: CreateGroupRequest) -> ApiResult<Group> {
    let mut v = Validator::default();
    let named = named(&mut v, Some(&req.name), req.description.as_deref());
    let position = position(&mut v, req.position);
    v.finish()?;
    let position = match position {
        Some(position) => position,
        // After the last one.
        None => {
            let groups = store::groups(&deps.table, owner, design_id).await?;
            groups.iter().map(|g| g.position + 1).max().unwrap_or(0).min(MAX_POSITION)
        }
    };
    let group = GroupItem::new(
        owner,
        design_id,
        named.name.unwrap_or_default(),
        named.description.unwrap_or_default(),
        position,
        deps.clock.now(),
    );
    match store::create_group(&deps.table, owner, &group).await? {
        Ok(()) => Ok(group.into()),
        Err(GroupRefused::NotFound) => Err(ApiError::not_found()),
        Err(GroupRefused::TooMany) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "too_many_groups",
            format!("A design project holds at most {} groups.", store::MAX_GROUPS),
        )),
    }
}

pub async fn update_group(
    deps: &Deps,
    owner: Uuid,
    design_id: Uuid,
    id: Uuid,
    req: UpdateGroupRequest,
) -> ApiResult<Group> {
    let mut v = Validator::default();
    let named = named(&mut v, req.name.as_deref(), req.description.as_deref());
    let position = position(&mut v, req.position);
    v.finish()?;
    let updated = store::update_group(&deps.table, owner, design_id, id, named, position, deps.clock.now()).await?;
    Ok(updated.ok_or_else(ApiError::not_found)?.into())
}

/// DELETE /design-projects/{id}/groups/{gid}: the group goes; its prototypes stay,
/// ungrouped.
pub async fn delete_group(deps: &Deps, owner: Uuid, design_id: Uuid, id: Uuid) -> ApiResult<()> {
    let table = &deps.table;
    let group =
        store::delete_group(table, owner, design_id, id, deps.clock.now()).await?.ok_or_else(ApiError::not_found)?;
    let members =
        at_least(group.prototype_count, || store::prototypes_of_group(table, owner, design_id, id, usize::MAX)).await?;
    futures::stream::iter(members.into_iter().map(|prototype| store::ungroup(table, owner, prototype.id, id)))
        .buffer_unordered(DELETE_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}
