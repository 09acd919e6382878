//! The three routes that stream a new page from the model: a new prototype (`generate`),
//! a new variant of one (`variant`) and a new version of a variant (`edit`).
//!
//! Before the response starts (so failures are ordinary JSON errors): the request is
//! checked, the session and what the page is made from are read in one concurrent round
//! (plus the source page, for a variant or an edit), and the first model of the chain
//! that accepts the request is opened. Then `start` goes out with the ids of what is
//! being made, each delta is forwarded the moment it arrives (and read by `FileTag` for
//! the `<prototype_file>` it holds), and at the end the page is stored (the object, then
//! the items in one transaction, which is when a new version takes its number) before
//! `done`. A reply without a complete tag ends with `error invalid_model_output` and
//! stores nothing; a model failure stores nothing either. The model's usage counts in
//! the user's day either way. The generation runs in a task of its own: a client that
//! goes away stops receiving, not the page.

use super::api::{
    EditRequest, GenerateRequest, GenerationDone, GenerationStart, Prototype, Variant, VariantRequest, Version,
};
use super::file_tag::{FileTag, PrototypeFile};
use super::pages::{put_page, read_page};
use super::{optional_text, MAX_NAME_CHARS, MAX_PAGE_BYTES, MAX_PROMPT_CHARS};
use crate::auth::TokenCaller;
use crate::chat::api::{StreamDelta, StreamError, TokenUsage};
use crate::domain::{required_text, Validator};
use crate::error::{ApiError, ApiResult};
use crate::llm::{self, ModelStream, Prompt, StreamEvent};
use crate::sse::{EventSender, StreamBody};
use crate::store::keys;
use crate::store::prototypes::{self as store, NewPage, PrototypeItem, StoreRefused, VariantItem, VersionItem};
use crate::Deps;
use http::{Response, StatusCode};
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

/// What every page is asked to be.
const PAGE_RULES: &str = "\
The page must be:
- one complete HTML5 document: <!DOCTYPE html>, <html lang=\"en\">, and a <head> with <meta charset=\"utf-8\">, \
a responsive viewport meta tag, a <title>, and Tailwind from its CDN: <script src=\"https://cdn.tailwindcss.com\"></script>;
- styled with Tailwind utility classes, and responsive from a narrow phone to a wide desktop (use the sm:, md: \
and lg: prefixes);
- accessible: semantic landmarks (header, nav, main, footer), headings in order, a label for every form control, \
alt text for images, visible focus styles, and enough colour contrast;
- self-contained: realistic sample content rather than lorem ipsum, inline SVG or CSS gradients rather than image \
URLs, no other scripts or stylesheets, and only small inline scripts where the design needs interaction.

Answer with the whole page inside exactly one tag, written like this:
<prototype_file name=\"index.html\">
<!DOCTYPE html>
...
</prototype_file>
Nothing but the page goes inside the tag. One short sentence before it is fine; write nothing after it.";

const GENERATE_ROLE: &str = "You are a senior product designer who writes production-quality front-end code. \
You turn a description of a screen into a polished, realistic page.";

const VARIANT_ROLE: &str = "You are a senior product designer who writes production-quality front-end code. \
You are shown an existing page of a screen. Design an alternative of the same screen that is meaningfully \
different: the same purpose and content, but another layout, visual hierarchy, colour palette and choice of \
components. A recolouring or a shuffle of the same blocks is not a new design.";

const EDIT_ROLE: &str = "You are a senior product designer who writes production-quality front-end code. \
You are shown the current page of a screen and a change the user asks for. Apply the change and return the \
whole updated page, every part of it and not only what changed, keeping everything the change does not touch \
exactly as it was.";

fn system(role: &str) -> Vec<String> {
    vec![format!("{role}\n\n{PAGE_RULES}")]
}

/// The page a variant or an edit starts from, as the model is shown it.
fn current_page(file_name: &str, html: &str) -> String {
    format!("Here is the current page:\n\n<prototype_file name=\"{file_name}\">\n{html}\n</prototype_file>")
}

/// A name for a prototype made from `prompt`: its first words.
fn name_from(prompt: &str) -> String {
    let words: Vec<&str> = prompt.split_whitespace().collect();
    let mut name = String::new();
    for word in words {
        if name.chars().count() + word.chars().count() + 1 > 60 {
            break;
        }
        if !name.is_empty() {
            name.push(' ');
        }
        name.push_str(word);
    }
    if name.is_empty() {
        name = prompt.trim().chars().take(60).collect();
    }
    name
}

/// What a generation makes.
enum Plan {
    /// A new prototype with its original variant.
    Prototype { prototype: Box<PrototypeItem>, variant: Box<VariantItem> },
    /// A new variant of a prototype.
    Variant(Box<VariantItem>),
    /// The next version of a variant.
    Edit,
}

struct Generation {
    owner: Uuid,
    prototype_id: Uuid,
    variant_id: Uuid,
    version_id: Uuid,
    edit_prompt: Option<String>,
    plan: Plan,
}

/// POST /design-projects/{id}/prototypes/generate
pub async fn generate(
    deps: Arc<Deps>,
    caller: TokenCaller,
    design_id: Uuid,
    req: GenerateRequest,
) -> ApiResult<Response<StreamBody>> {
    let mut v = Validator::default();
    let prompt = v.check("prompt", required_text(&req.prompt, MAX_PROMPT_CHARS, false));
    let name = req.name.as_deref().and_then(|name| v.check("name", required_text(name, MAX_NAME_CHARS, true)));
    v.finish()?;
    let prompt = prompt.unwrap_or_default();
    let owner = caller.user_id;
    let table = &deps.table;
    let group = async {
        match req.group_id {
            Some(group) => Ok(store::get_group(table, owner, design_id, group).await?.is_some()),
            None => Ok(true),
        }
    };
    let (_, design, group) = tokio::try_join!(
        caller.verify_session(&deps),
        async { Ok::<_, ApiError>(store::get_design(table, owner, design_id).await?) },
        group
    )?;
    design.ok_or_else(ApiError::not_found)?;
    if !group {
        return Err(ApiError::invalid_field("group_id", "No such group in this design project."));
    }
    let request = Prompt {
        system: system(GENERATE_ROLE),
        messages: vec![Prompt::user_text(&format!("Design this screen:\n\n{prompt}"))],
        max_output_tokens: None,
    };
    let model = llm::open(&deps, &deps.config.models.chain(), request).await?;
    let now = deps.clock.now();
    let prototype_id = Uuid::now_v7();
    let variant = VariantItem {
        pk: keys::prototype_partition(owner, prototype_id),
        sk: String::new(),
        id: Uuid::now_v7(),
        prototype_id,
        name: "Original".into(),
        description: String::new(),
        is_original: true,
        created_at: now,
        versions_count: 1,
        latest_version_number: 1,
        latest_version: None,
    };
    let prototype = PrototypeItem {
        pk: keys::user(owner),
        sk: keys::prototype(prototype_id),
        gsi1pk: String::new(),
        gsi1sk: String::new(),
        gsi2pk: None,
        gsi2sk: None,
        id: prototype_id,
        owner,
        design_project_id: design_id,
        group_id: req.group_id,
        name: name.unwrap_or_else(|| name_from(&prompt)),
        prompt,
        created_at: now,
        updated_at: now,
        variants_count: 1,
        latest_version: None,
        revision: 0,
    };
    let generation = Generation {
        owner,
        prototype_id,
        variant_id: variant.id,
        version_id: Uuid::now_v7(),
        edit_prompt: None,
        plan: Plan::Prototype {
            prototype: Box::new(prototype),
            variant: Box::new(VariantItem { sk: keys::variant(variant.id), ..variant }),
        },
    };
    Ok(start(deps, generation, model))
}

/// POST /prototypes/{id}/variants
pub async fn variant(
    deps: Arc<Deps>,
    caller: TokenCaller,
    prototype_id: Uuid,
    req: VariantRequest,
) -> ApiResult<Response<StreamBody>> {
    let mut v = Validator::default();
    let direction = optional_text(&mut v, "prompt", req.prompt.as_deref(), MAX_PROMPT_CHARS)
        .filter(|prompt| !prompt.trim().is_empty());
    v.finish()?;
    let owner = caller.user_id;
    let table = &deps.table;
    let (_, prototype, variants) = tokio::try_join!(
        caller.verify_session(&deps),
        async { Ok::<_, ApiError>(store::get_prototype(table, owner, prototype_id).await?) },
        async { Ok::<_, ApiError>(store::variants(table, owner, prototype_id).await?) },
    )?;
    prototype.ok_or_else(ApiError::not_found)?;
    let source = match req.from_variant_id {
        Some(id) => variants
            .iter()
            .find(|v| v.id == id)
            .ok_or_else(|| ApiError::invalid_field("from_variant_id", "No such variant of this prototype."))?,
        None => variants.iter().find(|v| v.is_original).ok_or_else(ApiError::not_found)?,
    };
    let html = source_page(&deps, owner, prototype_id, source).await?;
    let file_name = source.latest_version.as_ref().map_or("index.html", |v| v.file_name.as_str());
    let ask = match &direction {
        Some(direction) => {
            format!("{}\n\nWhat the new design should explore: {direction}", current_page(file_name, &html))
        }
        None => {
            format!("{}\n\nDesign a meaningfully different alternative of this screen.", current_page(file_name, &html))
        }
    };
    let request =
        Prompt { system: system(VARIANT_ROLE), messages: vec![Prompt::user_text(&ask)], max_output_tokens: None };
    let model = llm::open(&deps, &deps.config.models.chain(), request).await?;
    let variant = VariantItem {
        pk: keys::prototype_partition(owner, prototype_id),
        sk: String::new(),
        id: Uuid::now_v7(),
        prototype_id,
        name: format!("Variant {}", variants.len() + 1),
        description: direction.unwrap_or_default(),
        is_original: false,
        created_at: deps.clock.now(),
        versions_count: 1,
        latest_version_number: 1,
        latest_version: None,
    };
    let generation = Generation {
        owner,
        prototype_id,
        variant_id: variant.id,
        version_id: Uuid::now_v7(),
        edit_prompt: None,
        plan: Plan::Variant(Box::new(VariantItem { sk: keys::variant(variant.id), ..variant })),
    };
    Ok(start(deps, generation, model))
}

/// The latest page of a variant.
async fn source_page(deps: &Deps, owner: Uuid, prototype_id: Uuid, variant: &VariantItem) -> ApiResult<String> {
    let number = variant.latest_version_number;
    let version = store::get_version(&deps.table, owner, prototype_id, variant.id, number)
        .await?
        .ok_or_else(ApiError::not_found)?;
    read_page(deps, &version).await
}

/// POST /prototypes/{id}/variants/{vid}/versions
pub async fn edit(
    deps: Arc<Deps>,
    caller: TokenCaller,
    prototype_id: Uuid,
    variant_id: Uuid,
    req: EditRequest,
) -> ApiResult<Response<StreamBody>> {
    let mut v = Validator::default();
    let edit_prompt = v.check("edit_prompt", required_text(&req.edit_prompt, MAX_PROMPT_CHARS, false));
    v.finish()?;
    let edit_prompt = edit_prompt.unwrap_or_default();
    let owner = caller.user_id;
    let (_, variant) = tokio::try_join!(caller.verify_session(&deps), async {
        Ok::<_, ApiError>(store::get_variant(&deps.table, owner, prototype_id, variant_id).await?)
    })?;
    let variant = variant.ok_or_else(ApiError::not_found)?;
    let html = source_page(&deps, owner, prototype_id, &variant).await?;
    let file_name = variant.latest_version.as_ref().map_or("index.html", |v| v.file_name.as_str());
    let ask = format!("{}\n\nThe change to make: {edit_prompt}", current_page(file_name, &html));
    let request =
        Prompt { system: system(EDIT_ROLE), messages: vec![Prompt::user_text(&ask)], max_output_tokens: None };
    let model = llm::open(&deps, &deps.config.models.chain(), request).await?;
    let generation = Generation {
        owner,
        prototype_id,
        variant_id,
        version_id: Uuid::now_v7(),
        edit_prompt: Some(edit_prompt),
        plan: Plan::Edit,
    };
    Ok(start(deps, generation, model))
}

fn start(deps: Arc<Deps>, generation: Generation, model: ModelStream) -> Response<StreamBody> {
    let (body, events) = StreamBody::events(deps.config.stream_keep_alive);
    tokio::spawn(run(deps, generation, model, events));
    body.response()
}

fn send_error(events: &EventSender, err: &ApiError) {
    events.send("error", &StreamError { code: err.code.to_string(), message: err.message.clone() });
}

fn invalid_output(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_GATEWAY, "invalid_model_output", message)
}

/// Streams the model's reply, then stores the page it holds.
async fn run(deps: Arc<Deps>, g: Generation, mut model: ModelStream, events: EventSender) {
    let deps = &*deps;
    events.send(
        "start",
        &GenerationStart {
            prototype_id: g.prototype_id,
            variant_id: g.variant_id,
            version_id: g.version_id,
            model: model.model.clone(),
        },
    );
    let deadline = tokio::time::Instant::now() + deps.config.stream_max_duration;
    let mut tag = FileTag::new();
    let mut received = 0usize;
    let outcome = loop {
        match llm::next_within(deps, &mut model, deadline).await {
            Some(StreamEvent::Delta(delta)) => {
                received += delta.len();
                tag.push(&delta);
                events.send("delta", &StreamDelta { text: delta });
                // The reply holds more than any page stored: it is cut here.
                if received > 2 * MAX_PAGE_BYTES {
                    break Err(invalid_output("The page is larger than a prototype may be."));
                }
            }
            Some(StreamEvent::Done { stop_reason, usage }) => break Ok((stop_reason, usage)),
            Some(StreamEvent::Failed { code, message }) => {
                break Err(ApiError::new(StatusCode::BAD_GATEWAY, code, message))
            }
            None => break Err(llm::model_unavailable()),
        }
    };
    let (stop_reason, usage) = match outcome {
        Ok(done) => done,
        Err(err) => {
            send_error(&events, &err);
            return;
        }
    };
    count_usage(deps, g.owner, &model.model, usage).await;
    let file = match tag.finish() {
        Ok(file) if file.content.len() > MAX_PAGE_BYTES => {
            Err(invalid_output(format!("The page is larger than {MAX_PAGE_BYTES} bytes.")))
        }
        Ok(file) => Ok(file),
        Err(why) => {
            tracing::warn!(prototype_id = %g.prototype_id, %why, "the model's reply holds no page");
            Err(invalid_output("The model's reply did not hold a complete page; nothing was stored. Try again."))
        }
    };
    let stored = match file {
        Ok(file) => store(deps, &g, file, &model.model).await,
        Err(err) => Err(err),
    };
    match stored {
        Ok((prototype, variant, version)) => {
            events.send(
                "done",
                &GenerationDone {
                    stop_reason,
                    model: model.model.clone(),
                    usage: TokenUsage { input_tokens: usage.input_tokens, output_tokens: usage.output_tokens },
                    prototype,
                    variant,
                    version,
                },
            );
        }
        Err(err) => send_error(&events, &err),
    }
    if !events.is_connected() {
        tracing::info!(prototype_id = %g.prototype_id, "client went away; the generation ran to its end");
    }
}

/// The model's usage, in the user's day.
async fn count_usage(deps: &Deps, owner: Uuid, model: &str, usage: llm::Usage) {
    let now = deps.clock.now();
    if let Err(err) = crate::store::usage::record(&deps.table, owner, None, model, usage, now.date()).await {
        tracing::error!(code = ApiError::from(err).code, "could not count a prototype generation's usage");
    }
}

/// Stores the page and what it belongs to; what is stored, for `done`. When the items
/// cannot be stored (the prototype or variant went away), the page goes too.
async fn store(
    deps: &Deps,
    g: &Generation,
    file: PrototypeFile,
    model: &str,
) -> ApiResult<(Prototype, Variant, Version)> {
    let owner = g.owner;
    let object_key = keys::version_object(owner, g.prototype_id, g.variant_id, g.version_id);
    let now = deps.clock.now();
    let version = VersionItem {
        pk: keys::prototype_partition(owner, g.prototype_id),
        sk: keys::version(g.variant_id, 1),
        id: g.version_id,
        prototype_id: g.prototype_id,
        variant_id: g.variant_id,
        version_number: 1,
        edit_prompt: g.edit_prompt.clone(),
        file_name: file.name.chars().take(255).collect(),
        size: file.content.len() as i64,
        object_key: object_key.clone(),
        model: model.to_string(),
        created_at: now,
    };
    put_page(deps, &object_key, file.content).await?;
    let result = store_items(deps, g, version, now).await;
    let refused = match result {
        Ok(Ok(version)) => return stored(deps, owner, version).await,
        Ok(Err(StoreRefused::Gone | StoreRefused::GroupGone)) => ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "The prototype was deleted meanwhile; nothing was stored.",
        ),
        Err(err) => err,
    };
    if let Err(err) = crate::files::delete_object(deps, object_key).await {
        tracing::error!(code = err.code, "could not delete the page of a generation that was not stored");
    }
    Err(refused)
}

async fn store_items(
    deps: &Deps,
    g: &Generation,
    version: VersionItem,
    now: OffsetDateTime,
) -> ApiResult<Result<VersionItem, StoreRefused>> {
    let table = &deps.table;
    let summary = Some(version.summary());
    let page = NewPage { owner: g.owner, version: &version, now };
    Ok(match &g.plan {
        Plan::Prototype { prototype, variant } => {
            let variant = VariantItem { latest_version: summary.clone(), ..(**variant).clone() };
            let mut prototype = PrototypeItem { latest_version: summary, ..(**prototype).clone() };
            match store::create_prototype(table, &prototype, &variant, page).await? {
                // The group went meanwhile: the prototype is kept, ungrouped.
                Err(StoreRefused::GroupGone) => {
                    prototype.group_id = None;
                    let page = NewPage { owner: g.owner, version: &version, now };
                    store::create_prototype(table, &prototype, &variant, page).await?.map(|()| version.clone())
                }
                other => other.map(|()| version.clone()),
            }
        }
        Plan::Variant(variant) => {
            let variant = VariantItem { latest_version: summary, ..(**variant).clone() };
            store::create_variant(table, &variant, page).await?.map(|()| version.clone())
        }
        Plan::Edit => store::append_version(table, g.owner, &version).await?,
    })
}

/// The prototype and variant as stored with `version`.
async fn stored(deps: &Deps, owner: Uuid, version: VersionItem) -> ApiResult<(Prototype, Variant, Version)> {
    let table = &deps.table;
    let (prototype, variant) = tokio::try_join!(
        store::get_prototype(table, owner, version.prototype_id),
        store::get_variant(table, owner, version.prototype_id, version.variant_id)
    )?;
    match (prototype, variant) {
        (Some(prototype), Some(variant)) => Ok((prototype.into(), variant.into(), Version::from(&version))),
        _ => Err(ApiError::not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prototype_is_named_after_the_first_words_of_its_prompt() {
        assert_eq!(name_from("A pricing page  with three tiers"), "A pricing page with three tiers");
        let long = "word ".repeat(40);
        let name = name_from(&long);
        assert!(name.chars().count() <= 60 && name.starts_with("word word"));
        assert_eq!(name_from(&"x".repeat(100)).chars().count(), 60);
    }

    #[test]
    fn every_system_prompt_asks_for_the_tag_and_tailwind() {
        for role in [GENERATE_ROLE, VARIANT_ROLE, EDIT_ROLE] {
            let system = system(role).join("\n");
            assert!(system.contains("<prototype_file name=\"index.html\">") && system.contains("</prototype_file>"));
            assert!(system.contains("https://cdn.tailwindcss.com"));
        }
    }
}
