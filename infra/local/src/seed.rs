//! `local seed-dev` (`make seed-dev`): fills the running local stack with a heavy
//! account and 20 lighter ones, so the UI and the API can be tried against real volume.
//!
//! - The accounts are made the way users make them: `auth::service::register`, the
//!   verification link read from the mail the stack's email worker sends (as the system
//!   tests read it), `auth::service::verify_email`; a known password, so logging in
//!   through the API works. They are made first, while the table is small.
//! - Everything else is built with the store's own item types and key functions
//!   (`ChatItem::new`/`to_item`, `PairItem::new`, `ProjectItem`, `KnowledgeItem`,
//!   `MemoryItem`, the prototypes' items, `keys::*`) as the product leaves them after the
//!   writes it stands for: a chat's `message_count` and token totals are its pairs', its
//!   usage items add up its answers, a project counts its chats and knowledge, a design
//!   project its prototypes and groups, a prototype its variants and latest version. They
//!   go in with `BatchWriteItem` (25 items a call, several calls in flight, what comes
//!   back unprocessed tried again); prototype pages go to S3 first, under the keys the
//!   product uses.
//! - Run again, it finds the heavy account's chats and only prints its login (exit 0):
//!   the emulator keeps its data in memory, so restarting `make dev` starts empty. A run
//!   that stopped before writing any chat is taken up again (its accounts are reused).

mod content;

use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use content::Topic;
use futures::{StreamExt, TryStreamExt};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use shared::auth::api::RegisterRequest;
use shared::model::{Block, MemoryCategory, PairStatus};
use shared::store::chats::ChatItem;
use shared::store::memories::{MemoryItem, MemoryTagItem};
use shared::store::pairs::PairItem;
use shared::store::projects::{KnowledgeItem, ProjectItem};
use shared::store::prototypes::{DesignProjectItem, GroupItem, PrototypeItem, VariantItem, VersionItem};
use shared::store::sessions::SessionItem;
use shared::store::{keys, n, s, Item};
use shared::Deps;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tokio::sync::mpsc;
use uuid::Uuid;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The heavy account's login.
pub const HEAVY_EMAIL: &str = "heavy@seed.myclaude.dev";
/// The password of every seeded account.
pub const PASSWORD: &str = "lantern-orbit-7429";
/// The other accounts: `seed-user-01@seed.myclaude.dev` to `seed-user-20@…`.
pub fn other_email(i: usize) -> String {
    format!("seed-user-{i:02}@seed.myclaude.dev")
}
pub const OTHER_USERS: usize = 20;

/// How much an account holds.
#[derive(Clone, Debug)]
struct Volume {
    chats: usize,
    /// Pairs per chat: at least, at most.
    pairs: (usize, usize),
    /// Share of chats archived, and of chats in a project.
    archived: f64,
    in_project: f64,
    projects: usize,
    /// Knowledge items per project: at least, at most.
    knowledge: (usize, usize),
    memories: usize,
    designs: usize,
    /// Groups per design project: at least, at most.
    groups: (usize, usize),
    prototypes: usize,
    sessions: usize,
    /// The account's history goes back this many days.
    days: i64,
}

/// The heavy account: issue 15's volumes.
fn heavy() -> Volume {
    Volume {
        chats: 2_000,
        pairs: (20, 20),
        archived: 0.12,
        in_project: 0.3,
        projects: 50,
        knowledge: (2, 5),
        memories: 500,
        designs: 5,
        groups: (2, 4),
        prototypes: 100,
        sessions: 4,
        days: 540,
    }
}

/// Each other account: a year of steady use (20 pairs a chat on average). With the
/// heavy account this is over 200,000 table items.
fn other() -> Volume {
    Volume {
        chats: 400,
        pairs: (1, 39),
        archived: 0.08,
        in_project: 0.2,
        projects: 3,
        knowledge: (1, 3),
        memories: 25,
        designs: 1,
        groups: (1, 2),
        prototypes: 3,
        sessions: 1,
        days: 365,
    }
}

/// Where the stack runs.
pub struct Stack {
    /// The API's base URL (`http://127.0.0.1:3000`).
    pub api: String,
}

struct Account {
    id: Uuid,
    email: String,
    volume: Volume,
    /// Seeds this account's generator.
    seed: u64,
}

pub async fn run(deps: Arc<Deps>, stack: Stack) -> Result<(), Error> {
    let started = Instant::now();
    let endpoint = deps.config.aws_endpoint.clone().unwrap_or_default();
    let http = reqwest::Client::builder().timeout(Duration::from_secs(120)).build()?;
    deps.table.client().describe_table().table_name(deps.table.name()).send().await.map_err(|err| {
        format!(
            "no table {} at the emulator {endpoint} ({err}): start the stack with `make dev` first",
            deps.table.name()
        )
    })?;
    let health = format!("{}/api/v1/health", stack.api);
    match http.get(&health).send().await {
        Ok(reply) if reply.status().is_success() => {}
        Ok(reply) => return Err(format!("the API at {} is not healthy ({})", stack.api, reply.status()).into()),
        Err(err) => {
            return Err(format!("no API at {} ({err}): start the stack with `make dev` first", stack.api).into())
        }
    }
    if seeded(&deps).await? {
        println!("This stack is already seeded: nothing written.");
        print_login(&stack);
        println!("(The emulator keeps its data in memory: restart `make dev` for an empty stack to seed again.)");
        return Ok(());
    }
    // The tokenizer loads while the accounts are made.
    shared::tokens::warm_up();

    println!("==> creating 1 + {OTHER_USERS} accounts (register, verification mail, verify)");
    let mut wanted = vec![(HEAVY_EMAIL.to_string(), ("Ada", "Heavy"), heavy())];
    for i in 1..=OTHER_USERS {
        wanted.push((other_email(i), content::PEOPLE[(i - 1) % content::PEOPLE.len()], other()));
    }
    let accounts: Vec<Account> = futures::stream::iter(wanted.into_iter().enumerate())
        .map(|(i, (email, name, volume))| {
            let (deps, http, endpoint) = (deps.clone(), http.clone(), endpoint.clone());
            async move {
                let id = create_account(&deps, &http, &endpoint, &email, name).await?;
                Ok::<_, Error>(Account { id, email, volume, seed: 15_000 + i as u64 })
            }
        })
        .buffered(4)
        .try_collect()
        .await?;
    // Through the API, as the UI does: the login works.
    login(&http, &stack.api, HEAVY_EMAIL).await?;
    println!("    done in {:.1} s; {HEAVY_EMAIL} logs in through the API", started.elapsed().as_secs_f64());

    let writer = Arc::new(Writer::new(deps.clone()));
    let (tx, rx) = mpsc::channel::<Vec<Item>>(64);
    let writing = tokio::spawn(writer.clone().drain(rx));
    let progress = tokio::spawn(writer.clone().report(started));
    let counts = Arc::new(Mutex::new(BTreeMap::<&'static str, usize>::new()));
    println!("==> writing the accounts' data ({} batches of 25 in flight)", Writer::IN_FLIGHT);
    shared::tokens::ready().await;
    for account in &accounts {
        let account_started = Instant::now();
        let now = deps.clock.now();
        let mut rng = StdRng::seed_from_u64(account.seed);
        // Pages before the items that name them, as the product stores them.
        let prototypes = prototypes(&deps, account, now, &mut rng);
        futures::stream::iter(prototypes.pages)
            .map(|(key, html)| {
                let deps = &deps;
                async move { shared::prototypes::pages::put_page(deps, &key, html).await.map_err(Error::from) }
            })
            .buffer_unordered(8)
            .try_collect::<()>()
            .await?;
        let mut emitter = Emitter::new(tx.clone(), counts.clone());
        for (kind, item) in prototypes.items {
            emitter.put_async(kind, item).await?;
        }
        emitter.flush_async().await?;
        let (owner, volume, models) = (account.id, account.volume.clone(), models(&deps));
        let mut emitter = Emitter::new(tx.clone(), counts.clone());
        tokio::task::spawn_blocking(move || {
            generate(owner, &volume, &models, now, &mut rng, &mut emitter)?;
            emitter.flush()
        })
        .await??;
        if account.email == HEAVY_EMAIL {
            println!("    {}: generated in {:.1} s", account.email, account_started.elapsed().as_secs_f64());
        }
    }
    drop(tx);
    writing.await??;
    progress.abort();
    let written = writer.written.load(Ordering::Relaxed);
    let elapsed = started.elapsed();

    let table = deps.table.client().describe_table().table_name(deps.table.name()).send().await?;
    let in_table = table.table.and_then(|t| t.item_count).unwrap_or_default();
    println!("==> seeded in {:.1} s", elapsed.as_secs_f64());
    let counts = counts.lock().expect("counts").clone();
    for (kind, count) in &counts {
        println!("    {kind:<22} {count:>8}");
    }
    // Each account also has its profile and its email and username claims.
    let account_items = accounts.len() * 3;
    println!("    {:<22} {account_items:>8}", "account items");
    println!(
        "    {:<22} {:>8}   ({:.0} items/s; the table now holds {in_table} items)",
        "total written",
        written + account_items,
        written as f64 / elapsed.as_secs_f64()
    );
    print_login(&stack);
    Ok(())
}

/// Whether the heavy account exists and holds chats (an earlier run wrote its data).
async fn seeded(deps: &Deps) -> Result<bool, Error> {
    let Some(user) = shared::store::users::by_email(&deps.table, HEAVY_EMAIL).await? else { return Ok(false) };
    let chats = deps
        .table
        .query()
        .index_name(shared::store::page::GSI1)
        .key_condition_expression("GSI1PK = :pk")
        .expression_attribute_values(":pk", s(keys::chats_by_update(user.id, false)))
        .limit(1)
        .send()
        .await?;
    Ok(chats.count > 0)
}

fn print_login(stack: &Stack) {
    println!();
    println!("Seeded login (2,000 chats of 20 pairs, 50 projects, 500 memories, 100 prototypes):");
    println!("  email     {HEAVY_EMAIL}");
    println!("  password  {PASSWORD}");
    println!("  API       {}/api/v1   (POST /api/v1/auth/login)", stack.api);
    println!(
        "Other accounts: seed-user-01@seed.myclaude.dev … seed-user-{OTHER_USERS:02}@seed.myclaude.dev, same password."
    );
}

/// Registers `email` as a user would, verifies it with the link from the mail, and
/// returns the account's id.
async fn create_account(
    deps: &Deps,
    http: &reqwest::Client,
    endpoint: &str,
    email: &str,
    (first, last): (&str, &str),
) -> Result<Uuid, Error> {
    if let Some(user) = shared::store::users::by_email(&deps.table, email).await? {
        // Made by an earlier run that stopped before its data was written.
        if !user.email_verified {
            shared::store::users::mark_email_verified(&deps.table, user.id).await?;
        }
        return Ok(user.id);
    }
    let request = RegisterRequest {
        email: email.into(),
        password: PASSWORD.into(),
        first_name: Some(first.into()),
        last_name: Some(last.into()),
    };
    shared::auth::service::register(deps, request, None).await.map_err(|err| format!("register {email}: {err:?}"))?;
    let token = verification_token(http, endpoint, email).await?;
    shared::auth::service::verify_email(deps, &token).await.map_err(|err| format!("verify {email}: {err:?}"))?;
    let user = shared::store::users::by_email(&deps.table, email).await?.ok_or("the account is not there")?;
    Ok(user.id)
}

/// The token of the verification mail the stack's email worker sent to `email` (the
/// emulator keeps what SES sent; see infra/emulator.py).
async fn verification_token(http: &reqwest::Client, endpoint: &str, email: &str) -> Result<String, Error> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let url = format!("{endpoint}/_local/ses/messages");
        let mails: Vec<serde_json::Value> = http.get(&url).query(&[("to", email)]).send().await?.json().await?;
        let body = mails.iter().find_map(|m| {
            let verify = m["subject"].as_str().is_some_and(|s| s.contains("Verify"));
            verify.then(|| m["body"].as_str().unwrap_or_default().to_string())
        });
        if let Some(body) = body {
            let start = body.find("token=").ok_or("no link in the verification mail")? + "token=".len();
            let token: String =
                body[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
            return Ok(token);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "no verification mail to {email} within a minute: is the stack's email worker running (`make dev`)?"
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Logs in through the API; an error says why not.
async fn login(http: &reqwest::Client, api: &str, email: &str) -> Result<(), Error> {
    let body = serde_json::json!({"email": email, "password": PASSWORD});
    let reply = http.post(format!("{api}/api/v1/auth/login")).json(&body).send().await?;
    if !reply.status().is_success() {
        return Err(format!("the seeded login failed: {} {}", reply.status(), reply.text().await?).into());
    }
    Ok(())
}

/// Writes batches of 25 items with `BatchWriteItem`, several at once.
struct Writer {
    deps: Arc<Deps>,
    written: AtomicUsize,
}

impl Writer {
    const IN_FLIGHT: usize = 8;

    fn new(deps: Arc<Deps>) -> Self {
        Self { deps, written: AtomicUsize::new(0) }
    }

    async fn drain(self: Arc<Self>, rx: mpsc::Receiver<Vec<Item>>) -> Result<(), Error> {
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|batch| (batch, rx)) })
            .map(|batch| self.put(batch))
            .buffer_unordered(Self::IN_FLIGHT)
            .try_collect()
            .await
    }

    /// Puts up to 25 items, trying again (with a growing pause) what comes back unprocessed.
    async fn put(&self, items: Vec<Item>) -> Result<(), Error> {
        let table = &self.deps.table;
        let mut requests: Vec<WriteRequest> = items
            .into_iter()
            .map(|item| {
                let put = PutRequest::builder().set_item(Some(item)).build().expect("the item is set");
                WriteRequest::builder().put_request(put).build()
            })
            .collect();
        let mut pause = Duration::from_millis(50);
        for _ in 0..10 {
            let sent = requests.len();
            let output = table.client().batch_write_item().request_items(table.name(), requests).send().await?;
            requests = output.unprocessed_items.and_then(|mut left| left.remove(table.name())).unwrap_or_default();
            self.written.fetch_add(sent - requests.len(), Ordering::Relaxed);
            if requests.is_empty() {
                return Ok(());
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(2));
        }
        Err(format!("{} items stayed unprocessed", requests.len()).into())
    }

    /// Prints progress every 10 seconds.
    async fn report(self: Arc<Self>, started: Instant) {
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        tick.tick().await;
        loop {
            tick.tick().await;
            let written = self.written.load(Ordering::Relaxed);
            let secs = started.elapsed().as_secs_f64();
            println!("    {written:>8} items written ({secs:.0} s)");
        }
    }
}

/// Collects items into batches of 25 for the writer, counting them by kind.
struct Emitter {
    tx: mpsc::Sender<Vec<Item>>,
    batch: Vec<Item>,
    local: BTreeMap<&'static str, usize>,
    counts: Arc<Mutex<BTreeMap<&'static str, usize>>>,
}

impl Emitter {
    fn new(tx: mpsc::Sender<Vec<Item>>, counts: Arc<Mutex<BTreeMap<&'static str, usize>>>) -> Self {
        Self { tx, batch: Vec::with_capacity(25), local: BTreeMap::new(), counts }
    }

    fn add(&mut self, kind: &'static str, item: Item) -> Option<Vec<Item>> {
        *self.local.entry(kind).or_default() += 1;
        self.batch.push(item);
        (self.batch.len() == 25).then(|| std::mem::replace(&mut self.batch, Vec::with_capacity(25)))
    }

    fn send_closed() -> Error {
        "the writer stopped (see the error above)".into()
    }

    /// From a blocking thread.
    fn put(&mut self, kind: &'static str, item: Item) -> Result<(), Error> {
        match self.add(kind, item) {
            Some(batch) => self.tx.blocking_send(batch).map_err(|_| Self::send_closed()),
            None => Ok(()),
        }
    }

    fn put_serialized<T: serde::Serialize>(&mut self, kind: &'static str, value: &T) -> Result<(), Error> {
        self.put(kind, serde_dynamo::to_item(value)?)
    }

    async fn put_async(&mut self, kind: &'static str, item: Item) -> Result<(), Error> {
        match self.add(kind, item) {
            Some(batch) => self.tx.send(batch).await.map_err(|_| Self::send_closed()),
            None => Ok(()),
        }
    }

    fn merge_counts(&mut self) {
        let mut counts = self.counts.lock().expect("counts");
        for (kind, count) in std::mem::take(&mut self.local) {
            *counts.entry(kind).or_default() += count;
        }
    }

    fn flush(mut self) -> Result<(), Error> {
        self.merge_counts();
        let batch = std::mem::take(&mut self.batch);
        if batch.is_empty() {
            return Ok(());
        }
        self.tx.blocking_send(batch).map_err(|_| Self::send_closed())
    }

    async fn flush_async(mut self) -> Result<(), Error> {
        self.merge_counts();
        let batch = std::mem::take(&mut self.batch);
        if batch.is_empty() {
            return Ok(());
        }
        self.tx.send(batch).await.map_err(|_| Self::send_closed())
    }
}

/// The models answers come from: mostly the primary, sometimes the fallback.
#[derive(Clone)]
struct Models {
    primary: String,
    fallback: String,
}

fn models(deps: &Deps) -> Models {
    let chain = deps.config.models.chain();
    Models { primary: chain[0].clone(), fallback: chain.get(1).cloned().unwrap_or_else(|| chain[0].clone()) }
}

fn secs(seconds: i64) -> time::Duration {
    time::Duration::seconds(seconds)
}

/// `at`, or just before `now` if `at` is later: nothing seeded lies in the future.
fn before(now: OffsetDateTime, at: OffsetDateTime) -> OffsetDateTime {
    at.min(now - secs(1))
}

/// A moment `min` to `max` seconds after `at`, but before `now` (`at` when there is no room).
fn later(at: OffsetDateTime, now: OffsetDateTime, (min, max): (i64, i64), rng: &mut StdRng) -> OffsetDateTime {
    let room = (now - at).whole_seconds() - 1;
    if room <= min {
        return before(now, at);
    }
    at + secs(rng.random_range(min..=max.min(room)))
}

/// Token figures of one model (in a chat, or on a day).
#[derive(Default, Clone, Copy)]
struct Usage {
    input: i64,
    output: i64,
    requests: i64,
}

impl Usage {
    fn add(&mut self, input: i64, output: i64) {
        self.input += input;
        self.output += output;
        self.requests += 1;
    }

    /// The attributes `store::usage` `ADD`s and `SET`s.
    fn item(&self, pk: String, sk: String, model: &str, date: Option<time::Date>) -> Item {
        let mut item = shared::store::key(pk, sk);
        item.insert("input_tokens".into(), n(self.input));
        item.insert("output_tokens".into(), n(self.output));
        item.insert("requests".into(), n(self.requests));
        item.insert("model".into(), s(model));
        if let Some(date) = date {
            item.insert("date".into(), s(date.to_string()));
        }
        item
    }
}

/// Tokens of the system prompt and instructions every call carries, roughly.
const PROMPT_OVERHEAD: i64 = 350;

fn count(text: &str) -> i64 {
    shared::tokens::count(text) as i64
}

/// An account's projects, chats (with pairs and usage), memories, tags, daily usage
/// and sessions. Runs on a blocking thread (it counts tokens).
fn generate(
    owner: Uuid,
    volume: &Volume,
    models: &Models,
    now: OffsetDateTime,
    rng: &mut StdRng,
    out: &mut Emitter,
) -> Result<(), Error> {
    let start = now - time::Duration::days(volume.days);
    let span = (now - start).whole_seconds();

    // Projects and their knowledge, made in the account's first weeks.
    let mut projects: Vec<(ProjectItem, Topic)> = Vec::with_capacity(volume.projects);
    for i in 0..volume.projects {
        let topic = content::topic(rng);
        let (name, description, instructions) = content::project(&topic, rng);
        let created = start + secs(span * i as i64 / volume.projects.max(1) as i64 / 3 + rng.random_range(0..3_600));
        let mut project = ProjectItem::new(owner, name, description, instructions, created);
        let mut at = created;
        for _ in 0..rng.random_range(volume.knowledge.0..=volume.knowledge.1) {
            at += secs(rng.random_range(60..86_400));
            let (title, text) = content::knowledge(&topic, rng);
            let tokens = count(&text);
            let include = rng.random_bool(0.85);
            let knowledge = KnowledgeItem::new(owner, project.id, title, text, include, tokens, before(now, at));
            project.knowledge_count += 1;
            project.total_knowledge_tokens += tokens;
            project.included_tokens += if include { tokens } else { 0 };
            project.updated_at = knowledge.created_at;
            out.put_serialized("knowledge", &knowledge)?;
        }
        projects.push((project, topic));
    }

    // Chats, oldest first (so their ids, v7, are in time order too), each with its pairs.
    let mut days: BTreeMap<(time::Date, String), Usage> = BTreeMap::new();
    let mut sources: Vec<(Uuid, Uuid)> = Vec::new();
    for i in 0..volume.chats {
        let created = start + secs(span * i as i64 / volume.chats as i64 + rng.random_range(0..3_600));
        let project = if !projects.is_empty() && rng.random_bool(volume.in_project) {
            Some(rng.random_range(0..projects.len()))
        } else {
            None
        };
        let topic = match project {
            Some(p) => projects[p].1,
            None => content::topic(rng),
        };
        let by_user = rng.random_bool(0.1);
        let mut chat = ChatItem::new(owner, content::title(&topic, rng), by_user, before(now, created));
        if let Some(p) = project {
            let project = &mut projects[p].0;
            chat.project_id = Some(project.id);
            project.chat_count += 1;
        }
        if rng.random_bool(0.08) {
            chat.system_prompt = Some(content::system_prompt(&topic));
        }
        let mut usage: BTreeMap<String, Usage> = BTreeMap::new();
        let mut history = PROMPT_OVERHEAD;
        let mut at = chat.created_at;
        let pairs = rng.random_range(volume.pairs.0..=volume.pairs.1);
        for p in 0..pairs {
            if p > 0 {
                // Mostly a conversation; now and then the chat is picked up days later.
                let revisit = rng.random_bool(0.01) && now - at > time::Duration::days(30);
                at = later(at, now, if revisit { (86_400, 20 * 86_400) } else { (20, 900) }, rng);
            }
            let model = if rng.random_bool(0.9) { &models.primary } else { &models.fallback };
            let question = content::user_message(&topic, p == 0, rng);
            let user_tokens = count(&question);
            let mut pair = PairItem::new(owner, chat.id, vec![Block::Text { text: question }], user_tokens, model, at);
            let answer = content::answer(&topic, rng);
            let answer_tokens = count(&answer);
            let input = history + user_tokens;
            pair.status = PairStatus::Complete;
            pair.assistant_text = answer;
            pair.assistant_token_count = answer_tokens;
            pair.stop_reason = Some("end_turn".into());
            pair.input_tokens = input;
            pair.output_tokens = answer_tokens;
            pair.updated_at = later(at, now, (2 + answer_tokens / 40, 2 + answer_tokens / 40), rng);
            history = input + answer_tokens;
            chat.message_count += 2;
            chat.input_tokens += input;
            chat.output_tokens += answer_tokens;
            chat.total_tokens += input + answer_tokens;
            chat.context_tokens = input + answer_tokens;
            chat.updated_at = pair.created_at;
            usage.entry(model.clone()).or_default().add(input, answer_tokens);
            days.entry((pair.updated_at.date(), model.clone())).or_default().add(input, answer_tokens);
            if p == 0 || rng.random_bool(0.05) {
                sources.push((chat.id, pair.id));
            }
            out.put_serialized("pairs", &pair)?;
        }
        if rng.random_bool(volume.archived) {
            chat.archived = true;
            chat.updated_at = later(chat.updated_at, now, (3_600, 30 * 86_400), rng);
        }
        for (model, usage) in &usage {
            let item = usage.item(keys::chat_partition(owner, chat.id), keys::chat_usage(model), model, None);
            out.put("chat usage", item)?;
        }
        out.put("chats", chat.to_item()?)?;
    }
    for (project, _) in &projects {
        out.put_serialized("projects", project)?;
    }
    for ((date, model), usage) in &days {
        out.put("daily usage", usage.item(keys::user(owner), keys::daily_usage(*date, model), model, Some(*date)))?;
    }

    // Memories, oldest first; most learned from a chat, some written by the user.
    let mut tags: HashMap<String, OffsetDateTime> = HashMap::new();
    for i in 0..volume.memories {
        let created = before(now, start + secs(span * i as i64 / volume.memories.max(1) as i64 + 60));
        let (summary, raw_tags, raw) = content::memory(i, created, rng);
        let written_by_user = rng.random_bool(0.15);
        let category = *MemoryCategory::ALL.choose(rng).expect("categories");
        let confidence = if written_by_user { 1.0 } else { (rng.random_range(60..=95) as f64) / 100.0 };
        let mut memory = MemoryItem::new(owner, summary, category, confidence, written_by_user, created);
        memory.tags = raw_tags.iter().filter_map(|t| shared::memory::tag_name(t).ok()).collect();
        memory.tags.dedup();
        if written_by_user {
            memory.raw_content = Some(raw);
        } else if let Some((chat, pair)) = sources.choose(rng) {
            memory.source_chat_id = Some(*chat);
            memory.source_pair_ids = vec![*pair];
        }
        memory.is_active = rng.random_bool(0.95);
        memory.reference_count = rng.random_range(0..40);
        if memory.reference_count > 0 {
            memory.last_referenced_at = Some(later(created, now, (60, 30 * 86_400), rng));
        }
        if rng.random_bool(0.1) {
            memory.version = rng.random_range(1..=3);
            memory.updated_at = later(created, now, (60, 10 * 86_400), rng);
        }
        memory.token_count = count(&shared::memory::prompt_line(&memory));
        for tag in &memory.tags {
            tags.entry(tag.clone()).or_insert(created);
        }
        out.put_serialized("memories", &memory)?;
    }
    for (name, created_at) in tags {
        let tag = MemoryTagItem { pk: keys::user(owner), sk: keys::memory_tag(&name), name, created_at };
        out.put_serialized("memory tags", &tag)?;
    }

    // Signed in on a few devices this week.
    for (device, ip) in content::DEVICES.iter().take(volume.sessions) {
        let created = now - secs(rng.random_range(3_600..6 * 86_400));
        let session =
            SessionItem::new(owner, device.to_string(), Some(ip.to_string()), created, created + secs(7 * 86_400));
        out.put_serialized("sessions", &session)?;
    }
    Ok(())
}

/// An account's design projects, groups, prototypes, variants and versions, and the
/// versions' pages (S3 key, HTML).
struct Prototypes {
    items: Vec<(&'static str, Item)>,
    pages: Vec<(String, String)>,
}

fn prototypes(deps: &Deps, account: &Account, now: OffsetDateTime, rng: &mut StdRng) -> Prototypes {
    let owner = account.id;
    let volume = &account.volume;
    let model = models(deps).primary;
    let mut out = Prototypes { items: Vec::new(), pages: Vec::new() };
    let mut designs = Vec::new();
    for d in 0..volume.designs {
        let (name, description) = content::DESIGNS[d % content::DESIGNS.len()];
        let created = now - time::Duration::days(volume.days.min(200)) + time::Duration::days(d as i64 * 7);
        let mut design = DesignProjectItem::new(owner, name.into(), description.into(), created);
        let mut groups = Vec::new();
        for g in 0..rng.random_range(volume.groups.0..=volume.groups.1) {
            let at = created + secs(600 * (g as i64 + 1));
            let group = GroupItem::new(
                owner,
                design.id,
                content::GROUPS[g % content::GROUPS.len()].into(),
                String::new(),
                g as i64,
                at,
            );
            design.group_count += 1;
            design.updated_at = at;
            groups.push(group);
        }
        designs.push((design, groups));
    }
    if designs.is_empty() {
        return out;
    }
    // Prototypes, oldest first, spread over the design projects' lifetime.
    let first = designs[0].0.created_at;
    let spread = (now - first).whole_seconds().max(1);
    for i in 0..volume.prototypes {
        let d = i % designs.len();
        let created = before(now, first + secs(spread * i as i64 / volume.prototypes as i64 + 3_600));
        let (design, groups) = &mut designs[d];
        let group =
            if !groups.is_empty() && rng.random_bool(0.6) { Some(rng.random_range(0..groups.len())) } else { None };
        let (name, prompt) = content::prototype(&design.name, rng);
        let prototype_id = Uuid::now_v7();
        let mut prototype = PrototypeItem {
            pk: keys::user(owner),
            sk: keys::prototype(prototype_id),
            gsi1pk: String::new(),
            gsi1sk: String::new(),
            gsi2pk: None,
            gsi2sk: None,
            id: prototype_id,
            owner,
            design_project_id: design.id,
            group_id: group.map(|g| groups[g].id),
            name: name.clone(),
            prompt,
            created_at: created,
            updated_at: created,
            variants_count: 0,
            latest_version: None,
            revision: 0,
        };
        design.prototype_count += 1;
        design.updated_at = design.updated_at.max(created);
        if let Some(g) = group {
            groups[g].prototype_count += 1;
        }
        // The original, then (now and then) more variants; each with version 1 and
        // sometimes edits after it.
        let variants = if rng.random_bool(0.3) { rng.random_range(2..=3) } else { 1 };
        let mut at = created;
        for v in 0..variants {
            let variant_id = Uuid::now_v7();
            let mut variant = VariantItem {
                pk: keys::prototype_partition(owner, prototype_id),
                sk: keys::variant(variant_id),
                id: variant_id,
                prototype_id,
                name: if v == 0 { "Original".into() } else { format!("Variant {}", v + 1) },
                description: if v == 0 { String::new() } else { "A bolder take on the layout".into() },
                is_original: v == 0,
                created_at: at,
                versions_count: 0,
                latest_version_number: 0,
                latest_version: None,
            };
            let versions = if rng.random_bool(0.4) { rng.random_range(2..=4) } else { 1 };
            for number in 1..=versions {
                let version_id = Uuid::now_v7();
                let object_key = keys::version_object(owner, prototype_id, variant_id, version_id);
                let html = content::page(&name, number, rng);
                let version = VersionItem {
                    pk: keys::prototype_partition(owner, prototype_id),
                    sk: keys::version(variant_id, number),
                    id: version_id,
                    prototype_id,
                    variant_id,
                    version_number: number,
                    edit_prompt: (number > 1).then(|| content::edit_prompt(rng)),
                    file_name: "index.html".into(),
                    size: html.len() as i64,
                    object_key: object_key.clone(),
                    model: model.clone(),
                    created_at: at,
                };
                variant.versions_count += 1;
                variant.latest_version_number = number;
                variant.latest_version = Some(version.summary());
                prototype.latest_version = Some(version.summary());
                prototype.updated_at = at;
                // Every write after the prototype's own creation moves its revision.
                if v > 0 || number > 1 {
                    prototype.revision += 1;
                }
                out.pages.push((object_key, html));
                out.items.push(("prototype versions", serde_dynamo::to_item(&version).expect("a version serialises")));
                at = later(at, now, (60, 3 * 86_400), rng);
            }
            prototype.variants_count += 1;
            out.items.push(("prototype variants", serde_dynamo::to_item(&variant).expect("a variant serialises")));
        }
        out.items.push(("prototypes", prototype.to_item().expect("a prototype serialises")));
    }
    for (design, groups) in designs {
        for group in groups {
            out.items.push(("design groups", serde_dynamo::to_item(&group).expect("a group serialises")));
        }
        out.items.push(("design projects", serde_dynamo::to_item(&design).expect("a design serialises")));
    }
    out
}
