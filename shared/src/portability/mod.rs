//! Data portability: everything the user has, taken out (`export`, as the `archive`
//! format), and their history brought in from other assistants (import).
//!
//! `POST /import` checks the file and queues a job; the portability worker runs it
//! (`run_import`): the file is copied to local disk, taken out of its zip if it is one,
//! and imported (`import::conversations`); `GET /import/{id}` shows where it is.

pub mod api;
pub mod archive;
pub mod export;
pub mod formats;
pub mod ids;
pub mod import;
pub mod restore;

use crate::domain::Validator;
use crate::error::{ApiError, ApiResult};
use crate::model::{ImportFormat, Purpose};
use crate::queue::{self, JobKind};
use crate::store::files;
use crate::store::imports::{self, ImportItem, ImportStatus, Progress};
use crate::Deps;
use api::{Import, ImportRequest, ImportStarted};
use std::path::PathBuf;
use uuid::Uuid;

/// `POST /import`: checks the file and queues the import.
pub async fn start_import(deps: &Deps, owner: Uuid, req: ImportRequest) -> ApiResult<ImportStarted> {
    let file = files::get(&deps.table, owner, req.file_id).await?;
    let mut v = Validator::default();
    match file {
        None => v.add("file_id", "No such file."),
        Some(file) if file.purpose != Purpose::Import => {
            v.add("file_id", "Not a file to import: upload it with purpose \"import\".")
        }
        Some(file) if file.status != crate::files::api::FileStatus::Ready => {
            v.add("file_id", "The upload is not complete: POST /files/{id}/complete first.")
        }
        Some(_) => {}
    }
    v.finish()?;
    let item = ImportItem::new(owner, req.file_id, req.format, deps.clock.now());
    imports::create(&deps.table, &item).await?;
    queue::enqueue(deps, JobKind::Import { user_id: owner, import_id: item.id }).await?;
    Ok(ImportStarted { id: item.id })
}

/// `GET /import/{id}`.
pub async fn get_import(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<Import> {
    let item = imports::get(&deps.table, owner, id).await?.ok_or_else(ApiError::not_found)?;
    Ok(item.into())
}

/// The largest `conversations.json` taken out of a zip (an export's own file is far
/// smaller; this stops a zip bomb from filling the disk).
const MAX_UNPACKED_BYTES: u64 = 2_000_000_000;

/// Runs an import job: fetches the file, imports it, and records the outcome. `None`
/// when the import is gone (its account was deleted). An error is one worth retrying
/// (the store or S3 failed); what the file is or holds is recorded instead.
///
/// A job imports for `config.import_job_budget` at most; then it records how far it
/// got and queues the next job, which fetches the file again and goes on from there.
pub async fn run_import(deps: &Deps, owner: Uuid, id: Uuid) -> ApiResult<Option<ImportStatus>> {
    let started = std::time::Instant::now();
    let Some(item) = imports::get(&deps.table, owner, id).await? else {
        return Ok(None);
    };
    if matches!(item.status, ImportStatus::Complete | ImportStatus::Failed) {
        return Ok(Some(item.status));
    }
    let next = item.next_element;
    let running =
        Progress { status: ImportStatus::Running, imported: &item.imported, errors: &item.errors, next_element: next };
    imports::record(&deps.table, owner, id, running, deps.clock.now()).await?;
    let resume = import::Resume {
        from: item.next_element as usize,
        report: import::Report { imported: item.imported.clone(), errors: item.errors.clone() },
        deadline: Some(started + deps.config.import_job_budget),
    };
    let dir = tempfile::tempdir().map_err(|err| ApiError::internal("making a directory for an import", &err))?;
    let outcome = match fetch(deps, owner, item.file_id, item.format, dir.path()).await? {
        Ok(fetched) => import_fetched(deps, owner, item.format, &fetched, resume).await?,
        Err(reason) => Err(formats::FileError(reason)),
    };
    let (status, imported, errors, next) = match outcome {
        Ok(import::Ran::Done(report)) => (ImportStatus::Complete, report.imported, report.errors, next),
        Ok(import::Ran::Paused { next, report }) => {
            (ImportStatus::Running, report.imported, report.errors, next as u64)
        }
        // What earlier jobs of a long import stored stays, and is still counted.
        Err(err) => (ImportStatus::Failed, item.imported.clone(), [item.errors.clone(), vec![err.0]].concat(), next),
    };
    let progress = Progress { status, imported: &imported, errors: &errors, next_element: next };
    if !imports::record(&deps.table, owner, id, progress, deps.clock.now()).await? {
        return Ok(None);
    }
    if status == ImportStatus::Running {
        tracing::info!(%id, next, "import handed over to the next job");
        queue::enqueue(deps, JobKind::Import { user_id: owner, import_id: id }).await?;
    }
    Ok(Some(status))
}

/// The files of an import on local disk.
struct Fetched {
    /// `conversations.json`, or the `myclaude` archive.
    conversations: PathBuf,
    /// Claude.ai's `projects.json`, when the export's zip has one.
    projects: Option<PathBuf>,
}

/// Imports what was fetched: the conversations, then (once they are all in) the
/// projects.
async fn import_fetched(
    deps: &Deps,
    owner: Uuid,
    format: ImportFormat,
    fetched: &Fetched,
    resume: import::Resume,
) -> ApiResult<Result<import::Ran, formats::FileError>> {
    if format == ImportFormat::Myclaude {
        return restore::archive(deps, owner, &fetched.conversations, resume).await;
    }
    let mut report = match import::conversations(deps, owner, format, &fetched.conversations, resume).await? {
        Ok(import::Ran::Done(report)) => report,
        Ok(paused) => return Ok(Ok(paused)),
        Err(err) => return Ok(Err(err)),
    };
    if let Some(projects) = &fetched.projects {
        if let Err(err) = import::projects(deps, owner, projects, &mut report).await? {
            // The conversations are in; the projects file could not be read.
            report.errors.push(err.0);
        }
    }
    Ok(Ok(import::Ran::Done(report)))
}

/// Copies the upload to `dir` and unpacks it (`unpack`): the files to import, or why
/// there are none.
async fn fetch(
    deps: &Deps,
    owner: Uuid,
    file_id: Uuid,
    format: ImportFormat,
    dir: &std::path::Path,
) -> ApiResult<Result<Fetched, String>> {
    let Some(file) = files::get(&deps.table, owner, file_id).await? else {
        return Ok(Err("The file was deleted before the import ran.".into()));
    };
    let object = deps.s3.get_object().bucket(&deps.config.files_bucket).key(file.object()).send().await?;
    let copy = dir.join("upload");
    let mut body = object.body.into_async_read();
    let mut out = tokio::fs::File::create(&copy).await.map_err(|err| ApiError::internal("writing an import", &err))?;
    tokio::io::copy(&mut body, &mut out).await.map_err(|err| ApiError::internal("copying an import", &err))?;
    drop(out);
    unpack(copy, file.media_type == "application/zip", format, dir).await
}

/// Imports the file at `path` (an export's JSON, or its zip) for `owner`, as the
/// worker imports an upload (the operator CLI's `import`); a scratch directory holds
/// what a zip unpacks to. The report, or why the file cannot be imported.
pub async fn import_file(
    deps: &Deps,
    owner: Uuid,
    format: ImportFormat,
    path: &std::path::Path,
) -> ApiResult<Result<import::Report, formats::FileError>> {
    let dir = tempfile::tempdir().map_err(|err| ApiError::internal("making a directory for an import", &err))?;
    let mut head = [0u8; 4];
    let is_zip = {
        use std::io::Read;
        let mut file = std::fs::File::open(path)
            .map_err(|err| ApiError::invalid_request(format!("{} cannot be read: {err}", path.display())))?;
        let read = file.read(&mut head).unwrap_or(0);
        infer::archive::is_zip(&head[..read])
    };
    let ran = match unpack(path.to_path_buf(), is_zip, format, dir.path()).await? {
        Ok(fetched) => import_fetched(deps, owner, format, &fetched, import::Resume::default()).await?,
        Err(reason) => Err(formats::FileError(reason)),
    };
    Ok(ran.map(|ran| match ran {
        import::Ran::Done(report) | import::Ran::Paused { report, .. } => report,
    }))
}

/// The files to import from `copy`: itself, or for a zip its `conversations.json` (and,
/// for Claude.ai, its `projects.json`; for a `myclaude` archive, its
/// `myclaude-export….json`) unpacked into `dir`; or why there are none.
async fn unpack(
    copy: PathBuf,
    is_zip: bool,
    format: ImportFormat,
    dir: &std::path::Path,
) -> ApiResult<Result<Fetched, String>> {
    if !is_zip {
        return Ok(Ok(Fetched { conversations: copy, projects: None }));
    }
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || -> Result<Fetched, String> {
        let conversations = dir.join("conversations.json");
        if format == ImportFormat::Myclaude {
            let archive = |name: &str| name.starts_with("myclaude-export") && name.ends_with(".json");
            if !unzip(&copy, archive, &conversations)? {
                return Err("The zip holds no myclaude-export….json.".into());
            }
            return Ok(Fetched { conversations, projects: None });
        }
        if !unzip(&copy, |name| name == "conversations.json", &conversations)? {
            return Err("The zip holds no conversations.json.".into());
        }
        let projects = dir.join("projects.json");
        let has_projects = format == ImportFormat::ClaudeAi && unzip(&copy, |name| name == "projects.json", &projects)?;
        Ok(Fetched { conversations, projects: has_projects.then_some(projects) })
    })
    .await
    .map_err(|err| ApiError::internal("unpacking an import", &err))
}

/// Writes the zip's file whose name is `wanted` (at any depth; the shallowest) to
/// `target`; `false` when the zip has none.
fn unzip(zip: &std::path::Path, wanted: impl Fn(&str) -> bool, target: &std::path::Path) -> Result<bool, String> {
    use std::io::Read;
    let file = std::fs::File::open(zip).map_err(|err| format!("The file could not be read: {err}."))?;
    let mut archive = zip::ZipArchive::new(file).map_err(|err| format!("The file is not a readable zip: {err}."))?;
    let Some(name) = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|name| name.into_owned())
        .filter(|name| name.rsplit('/').next().is_some_and(&wanted))
        .min_by_key(String::len)
    else {
        return Ok(false);
    };
    let entry = archive.by_name(&name).map_err(|err| format!("The zip's {name} could not be read: {err}."))?;
    let mut out = std::fs::File::create(target).map_err(|err| format!("Unpacking failed: {err}."))?;
    let copied = std::io::copy(&mut entry.take(MAX_UNPACKED_BYTES + 1), &mut out)
        .map_err(|err| format!("The zip's {name} could not be read: {err}."))?;
    if copied > MAX_UNPACKED_BYTES {
        return Err(format!("The zip's {name} is larger than {MAX_UNPACKED_BYTES} bytes unpacked."));
    }
    Ok(true)
}
