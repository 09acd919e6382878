//! Learning memories from chats: after an answer the chat stream queues an extraction
//! job, the memory worker asks the small model (the stub, scripted on the extraction
//! instruction) and stores what it learned. Memories are read from the store here (the
//! curation routes are elsewhere).

use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::{json, Value};
use shared::memory::extract::INSTRUCTION_PHRASE;
use shared::queue::{enqueue, JobKind};
use shared::store::memories::{self, MemoryItem};
use std::time::Duration;
use system_tests::*;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

/// An app whose extraction runs `delay` after an answer (the test default is 900 s).
async fn spawn(delay: Duration) -> TestApp {
    TestApp::spawn_with(AppOptions {
        deps_hook: Some(Box::new(move |deps| deps.config.memory.extraction_delay = delay)),
        ..Default::default()
    })
    .await
}

/// Scripts the small model's reply to the extraction instruction.
async fn script_extraction(app: &TestApp, reply: &str) {
    app.script_model(json!({"match": INSTRUCTION_PHRASE, "model": SMALL_MODEL, "text": reply})).await;
}

/// The requests the stub got for extraction.
async fn extraction_requests(app: &TestApp) -> Vec<Value> {
    let requests = app.model_requests().await;
    requests.into_iter().filter(|r| r["system"].as_str().unwrap_or_default().contains(INSTRUCTION_PHRASE)).collect()
}

async fn memories_of(app: &TestApp, user: &TestUser) -> Vec<MemoryItem> {
    memories::all(&app.deps.table, user.id.parse().unwrap()).await.unwrap()
}

/// A chat of the user's made without a message (so no title job asks the small model).
async fn new_chat(app: &TestApp, user: &TestUser) -> String {
    let chat = app.call("POST", "/api/v1/chats", Some(&user.token), Some(json!({}))).await;
    assert_eq!(chat.status, 201, "{}", chat.text);
    chat.body["id"].as_str().unwrap().to_string()
}

/// Sends a message in the chat and reads the whole answer; the pair's id.
async fn turn(app: &TestApp, user: &TestUser, chat: &str, text: &str) -> String {
    let events = app.chat(&user.token, json!({"chat_id": chat, "text": text})).await;
    assert_eq!(event(&events, "done").data["chat_id"], chat);
    event(&events, "start").data["pair_id"].as_str().unwrap().to_string()
}

async fn extracted_at(app: &TestApp, user: &TestUser, chat: &str) -> Value {
    let reply = app.get_auth(&format!("/api/v1/chats/{chat}"), &user.token).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["memories_extracted_at"].clone()
}

/// Waits until the chat's extraction finished after `before` (its previous
/// `memories_extracted_at`); the new value.
async fn extraction_finished(app: &TestApp, user: &TestUser, chat: &str, before: &Value) -> Value {
    eventually(Duration::from_secs(20), || async {
        let now = extracted_at(app, user, chat).await;
        (!now.is_null() && now != *before).then_some(now)
    })
    .await
    .expect("the extraction finished within the deadline")
}

/// Waits until the memory queue is empty: every job ran to its end (none waiting,
/// in flight or delayed).
async fn memory_jobs_done(app: &TestApp) -> bool {
    let drained = eventually(Duration::from_secs(20), || async {
        let attrs = app
            .deps
            .sqs
            .get_queue_attributes()
            .queue_url(&app.deps.config.memory_queue_url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesDelayed)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap_or_default();
        (attrs.len() == 3 && attrs.values().all(|v| v == "0")).then_some(())
    })
    .await;
    drained.is_some()
}

fn hiking_id(memories: &[MemoryItem]) -> Uuid {
    by_summary(memories, "Enjoys hiking on weekends").id
}

fn by_summary<'a>(memories: &'a [MemoryItem], summary: &str) -> &'a MemoryItem {
    memories.iter().find(|m| m.summary == summary).unwrap_or_else(|| panic!("no memory {summary:?} in {memories:?}"))
}

#[tokio::test]
async fn a_chat_turn_leads_to_new_memories_with_tags_and_the_small_models_tokens_count() {
    let app = spawn(Duration::ZERO).await;
    let user = app.verified_user().await;
    let chat = new_chat(&app, &user).await;
    assert_eq!(extracted_at(&app, &user, &chat).await, Value::Null, "never extracted yet");
    let reply = json!([
        {"summary": "Works as a nurse in Lisbon", "category": "professional", "confidence": 0.9,
         "tags": ["Work", "Lisbon"], "raw_content": "I'm a nurse in Lisbon"},
        {"summary": "Enjoys hiking on weekends", "category": "preference", "confidence": 0.8,
         "tags": ["hiking", "outdoors"], "raw_content": "I love hiking on weekends"},
    ]);
    app.script_model(json!({"match": INSTRUCTION_PHRASE, "model": SMALL_MODEL, "text": reply.to_string(),
        "input_tokens": 321, "output_tokens": 54}))
        .await;
    let pair = turn(&app, &user, &chat, "I'm a nurse in Lisbon and I love hiking on weekends. Any trail tips?").await;

    let learned = eventually(Duration::from_secs(20), || async {
        let memories = memories_of(&app, &user).await;
        (memories.len() == 2).then_some(memories)
    })
    .await
    .expect("two memories learned within the deadline");
    let nurse = by_summary(&learned, "Works as a nurse in Lisbon");
    assert_eq!(nurse.tags, vec!["work".to_string(), "lisbon".to_string()]);
    assert_eq!(nurse.category.as_str(), "professional");
    assert_eq!(nurse.raw_content.as_deref(), Some("I'm a nurse in Lisbon"));
    assert!((nurse.confidence - 0.9).abs() < 1e-9);
    assert!(nurse.is_active && !nurse.is_verified, "learned memories are active and unverified");
    assert_eq!(nurse.source_chat_id, Some(chat.parse().unwrap()));
    assert_eq!(nurse.source_pair_ids, vec![pair.parse::<Uuid>().unwrap()]);
    assert!(nurse.token_count > 0);
    // Confirmed by the user, a learned memory is as sure as one the user wrote.
    let confirm = json!({"is_verified": true});
    let path = format!("/api/v1/memories/{}", hiking_id(&learned));
    let confirmed = app.call("PATCH", &path, Some(&user.token), Some(confirm)).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    assert_eq!(
        (confirmed.body["is_verified"].clone(), confirmed.body["confidence_score"].clone()),
        (json!(true), json!(1.0))
    );
    let hiking = by_summary(&learned, "Enjoys hiking on weekends");
    assert_eq!(hiking.tags, vec!["hiking".to_string(), "outdoors".to_string()]);
    // The tags joined the user's tag index.
    let tags: Vec<String> =
        memories::tags(&app.deps.table, user.id.parse().unwrap()).await.unwrap().into_iter().map(|t| t.name).collect();
    assert_eq!(tags, ["hiking", "lisbon", "outdoors", "work"]);

    // The small model read the conversation under the instruction.
    let asked = extraction_requests(&app).await;
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0]["model_id"], SMALL_MODEL);
    let conversation = asked[0]["messages"][0]["text"].as_str().unwrap();
    assert!(conversation.starts_with("User: I'm a nurse in Lisbon"), "{conversation}");
    assert!(conversation.contains("Assistant: Stub reply to: I'm a nurse"), "{conversation}");
    assert!(memory_jobs_done(&app).await);
    assert!(extracted_at(&app, &user, &chat).await.is_string(), "the chat shows when extraction finished");

    // Its tokens count for the day and the chat, next to the answer's.
    let today = app.clock.now().date().to_string();
    let report = app.get_auth(&format!("/api/v1/usage?from={today}&to={today}"), &user.token).await;
    assert_eq!(report.status, 200, "{}", report.text);
    assert_eq!(report.body["by_model"][SMALL_MODEL], json!({"input_tokens": 321, "output_tokens": 54, "requests": 1}));
    assert_eq!(report.body["by_model"][PRIMARY_MODEL]["requests"], 1);
    let usage = app.get_auth(&format!("/api/v1/chats/{chat}/usage"), &user.token).await;
    assert_eq!(usage.body["by_model"][SMALL_MODEL], json!({"input_tokens": 321, "output_tokens": 54, "requests": 1}));

    // The next chat's prompt carries what was learned; a memory the user turned off, no more.
    let system_of_last_answer = || async {
        let requests = app.model_requests().await;
        let last = requests.iter().rev().find(|r| r["model_id"] == PRIMARY_MODEL).expect("an answer").clone();
        last["system"].as_str().unwrap().to_string()
    };
    app.chat(&user.token, json!({"text": "Which boots for a muddy hiking trail?"})).await;
    let system = system_of_last_answer().await;
    assert!(system.contains("- [preference] Enjoys hiking on weekends"), "{system}");
    assert!(system.contains("- [professional] Works as a nurse in Lisbon"), "{system}");
    let off = json!({"is_active": false});
    let patched = app.call("PATCH", &format!("/api/v1/memories/{}", nurse.id), Some(&user.token), Some(off)).await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    app.chat(&user.token, json!({"text": "And socks for the same trail?"})).await;
    let system = system_of_last_answer().await;
    assert!(system.contains("Enjoys hiking on weekends"), "{system}");
    assert!(!system.contains("nurse"), "an inactive memory stays out: {system}");
}

#[tokio::test]
async fn a_duplicate_candidate_raises_the_existing_memorys_confidence_instead_of_adding_one() {
    let app = spawn(Duration::ZERO).await;
    let user = app.verified_user().await;
    let chat = new_chat(&app, &user).await;
    let first = json!([{"summary": "Prefers Rust for backend work", "category": "preference", "confidence": 0.8,
        "tags": ["rust"], "raw_content": "I write all my backends in Rust"}]);
    script_extraction(&app, &first.to_string()).await;
    let pair_one = turn(&app, &user, &chat, "I write all my backends in Rust. How do I structure a workspace?").await;
    let once = extraction_finished(&app, &user, &chat, &Value::Null).await;
    let learned = memories_of(&app, &user).await;
    assert_eq!(learned.len(), 1);

    let again = json!([{"summary": "The user prefers Rust for backend development.", "category": "skill",
        "confidence": 0.7, "tags": ["Backend", "rust"], "raw_content": "Rust again for this service"}]);
    script_extraction(&app, &again.to_string()).await;
    let pair_two = turn(&app, &user, &chat, "Rust again for this service: which web framework?").await;
    extraction_finished(&app, &user, &chat, &once).await;

    let memories = memories_of(&app, &user).await;
    assert_eq!(memories.len(), 1, "merged, not added: {memories:?}");
    let memory = &memories[0];
    assert_eq!(memory.id, learned[0].id);
    assert!((memory.confidence - 0.94).abs() < 1e-9, "1 − (1 − 0.8)(1 − 0.7): {}", memory.confidence);
    assert_eq!(memory.tags, vec!["rust".to_string(), "backend".to_string()]);
    assert_eq!(memory.summary, "Prefers Rust for backend work", "the memory keeps its words");
    assert_eq!(memory.category.as_str(), "preference");
    let pairs: Vec<Uuid> = [pair_one, pair_two].iter().map(|p| p.parse().unwrap()).collect();
    assert_eq!(memory.source_pair_ids, pairs);
    assert!(memory.is_active && !memory.is_verified);
    assert_eq!(memory.version, 1);
    // The second extraction read only the new pair.
    let asked = extraction_requests(&app).await;
    assert_eq!(asked.len(), 2);
    let second = asked[1]["messages"][0]["text"].as_str().unwrap();
    assert!(second.contains("Rust again") && !second.contains("I write all my backends"), "{second}");
}

#[tokio::test]
async fn candidates_below_the_confidence_threshold_are_dropped() {
    let app = spawn(Duration::ZERO).await;
    let user = app.verified_user().await;
    let chat = new_chat(&app, &user).await;
    let reply = json!([
        {"summary": "Might like jazz", "category": "preference", "confidence": 0.3, "tags": ["music"]},
        {"summary": "Could be a night owl", "category": "personal", "confidence": 0.59},
        {"summary": "Plays the violin", "category": "skill", "confidence": 0.6, "tags": ["music"]},
    ]);
    script_extraction(&app, &reply.to_string()).await;
    turn(&app, &user, &chat, "I practised the violin until late, with some jazz on after.").await;
    extraction_finished(&app, &user, &chat, &Value::Null).await;
    let memories = memories_of(&app, &user).await;
    let summaries: Vec<&str> = memories.iter().map(|m| m.summary.as_str()).collect();
    assert_eq!(summaries, ["Plays the violin"], "the default threshold is 0.6");
}

#[tokio::test]
async fn invalid_json_from_the_model_is_logged_and_the_job_ends_without_retrying() {
    let app = spawn(Duration::ZERO).await;
    let user = app.verified_user().await;
    let chat = new_chat(&app, &user).await;
    script_extraction(&app, "Sure! Here is what I learned: the user drinks tea. [{\"summary\": ").await;
    turn(&app, &user, &chat, "I drink green tea every morning.").await;
    extraction_finished(&app, &user, &chat, &Value::Null).await;
    assert!(memory_jobs_done(&app).await, "the job was deleted from the queue, not retried");
    assert_eq!(extraction_requests(&app).await.len(), 1, "the model was asked once");
    assert!(memories_of(&app, &user).await.is_empty());
    assert!(captured_logs().contains("not valid JSON"), "the reply was logged as invalid");

    // The worker is still there: the next answer's extraction works.
    let reply = json!([{"summary": "Drinks green tea every morning", "category": "preference", "confidence": 0.8}]);
    script_extraction(&app, &reply.to_string()).await;
    turn(&app, &user, &chat, "Matcha counts as green tea, right?").await;
    let learned = eventually(Duration::from_secs(20), || async {
        let memories = memories_of(&app, &user).await;
        (!memories.is_empty()).then_some(memories)
    })
    .await
    .expect("learned after the invalid reply");
    assert_eq!(learned[0].summary, "Drinks green tea every morning");
}

#[tokio::test]
async fn a_memory_the_user_deleted_is_not_learned_again_from_the_same_chat() {
    let app = spawn(Duration::ZERO).await;
    let user = app.verified_user().await;
    let chat = new_chat(&app, &user).await;
    let dog = json!({"summary": "Has a dog named Max", "category": "personal", "confidence": 0.9, "tags": ["pets"]});
    script_extraction(&app, &json!([dog]).to_string()).await;
    turn(&app, &user, &chat, "My dog Max keeps barking at night, what can I do?").await;
    let first = extraction_finished(&app, &user, &chat, &Value::Null).await;
    let learned = memories_of(&app, &user).await;
    assert_eq!(learned.len(), 1);
    let deleted = app.call("DELETE", &format!("/api/v1/memories/{}", learned[0].id), Some(&user.token), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);

    // By hand, the whole chat is read again; the same fact comes back, with a new one.
    let home = json!({"summary": "Lives in a flat in Porto", "category": "personal", "confidence": 0.8});
    script_extraction(&app, &json!([dog, home]).to_string()).await;
    let path = format!("/api/v1/chats/{chat}/extract-memories");
    let queued = app.call("POST", &path, Some(&user.token), None).await;
    assert_eq!(queued.status, 202, "{}", queued.text);
    assert!(queued.body["message"].is_string());
    extraction_finished(&app, &user, &chat, &first).await;

    let memories = memories_of(&app, &user).await;
    let summaries: Vec<&str> = memories.iter().map(|m| m.summary.as_str()).collect();
    assert_eq!(summaries, ["Lives in a flat in Porto"], "the deleted memory stays deleted");
    let asked = extraction_requests(&app).await;
    assert_eq!(asked.len(), 2);
    assert!(asked[1]["messages"][0]["text"].as_str().unwrap().contains("My dog Max"), "the whole chat was read");
}

#[tokio::test]
async fn several_quick_turns_make_one_extraction() {
    let app = spawn(Duration::from_secs(3)).await;
    let user = app.verified_user().await;
    let chat = new_chat(&app, &user).await;
    let reply = json!([{"summary": "Is planning a trip to Japan", "category": "goal", "confidence": 0.8}]);
    script_extraction(&app, &reply.to_string()).await;
    let texts = ["I'm planning a trip to Japan.", "Is April a good month?", "And what about Kyoto?"];
    let mut last_sent = app.clock.now();
    for text in texts {
        last_sent = app.clock.now();
        turn(&app, &user, &chat, text).await;
    }
    let finished = extraction_finished(&app, &user, &chat, &Value::Null).await;
    assert!(memory_jobs_done(&app).await, "all three jobs ran");
    // The job that ran was the last answer's, after its delay; the two before it did nothing.
    let finished = OffsetDateTime::parse(finished.as_str().unwrap(), &Rfc3339).unwrap();
    assert!(finished >= last_sent + Duration::from_secs(3), "extracted at {finished}, last message at {last_sent}");
    let superseded = captured_logs()
        .lines()
        .filter(|line| line.contains(&chat) && line.contains("\"outcome\":\"Superseded\""))
        .count();
    assert_eq!(superseded, 2, "the first two jobs were superseded");
    let asked = extraction_requests(&app).await;
    assert_eq!(asked.len(), 1, "one extraction for the three answers");
    let conversation = asked[0]["messages"][0]["text"].as_str().unwrap();
    for text in texts {
        assert!(conversation.contains(text), "{text} in {conversation}");
    }
    assert_eq!(memories_of(&app, &user).await.len(), 1);
}

#[tokio::test]
async fn with_memory_off_nothing_is_extracted_and_the_manual_trigger_answers_409() {
    let app = spawn(Duration::ZERO).await;
    let user = app.verified_user().await;
    let chat = new_chat(&app, &user).await;
    app.set_memory_enabled(&user, false).await;
    let reply = json!([{"summary": "Speaks Portuguese", "category": "skill", "confidence": 0.9}]);
    script_extraction(&app, &reply.to_string()).await;
    turn(&app, &user, &chat, "Fala português? Eu falo.").await;
    assert!(memory_jobs_done(&app).await, "the job ran to its end");
    assert!(extraction_requests(&app).await.is_empty(), "the small model was not asked");
    assert!(memories_of(&app, &user).await.is_empty());
    assert_eq!(extracted_at(&app, &user, &chat).await, Value::Null);

    let path = format!("/api/v1/chats/{chat}/extract-memories");
    let refused = app.call("POST", &path, Some(&user.token), None).await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert_eq!(refused.body["error"]["code"], "memory_disabled");
    let unknown = format!("/api/v1/chats/{}/extract-memories", Uuid::now_v7());
    assert_eq!(app.call("POST", &unknown, Some(&user.token), None).await.status, 404, "an unknown chat is still 404");

    // A job queued before memory was turned off finds it off when it runs: nothing is learned.
    let job = JobKind::ExtractMemories {
        user_id: user.id.parse().unwrap(),
        chat_id: chat.parse().unwrap(),
        requested_at: shared::store::millis(app.clock.now()),
        manual: true,
    };
    enqueue(&app.deps, job).await.unwrap();
    assert!(memory_jobs_done(&app).await, "the queued job ran to its end");
    assert!(extraction_requests(&app).await.is_empty(), "the worker checked the switch itself");

    // Turned back on, the same chat is learned from.
    app.set_memory_enabled(&user, true).await;
    assert_eq!(app.call("POST", &path, Some(&user.token), None).await.status, 202);
    extraction_finished(&app, &user, &chat, &Value::Null).await;
    assert_eq!(memories_of(&app, &user).await.len(), 1);
}

#[tokio::test]
async fn the_manual_trigger_is_404_for_another_users_chat_and_an_unknown_one() {
    let app = spawn(Duration::ZERO).await;
    let ada = app.verified_user().await;
    let bob = app.verified_user().await;
    let chat = new_chat(&app, &ada).await;
    let path = format!("/api/v1/chats/{chat}/extract-memories");
    let as_bob = app.call("POST", &path, Some(&bob.token), None).await;
    assert_eq!(as_bob.status, 404, "{}", as_bob.text);
    assert_eq!(as_bob.body["error"]["code"], "not_found");
    let unknown = format!("/api/v1/chats/{}/extract-memories", Uuid::now_v7());
    assert_eq!(app.call("POST", &unknown, Some(&ada.token), None).await.status, 404);
    assert_eq!(app.call("POST", &path, None, None).await.status, 401);
    // Nothing was queued for Ada's chat, nor marked on it.
    assert!(memory_jobs_done(&app).await);
    let item = shared::store::chats::get(&app.deps.table, ada.id.parse().unwrap(), chat.parse().unwrap()).await;
    assert_eq!(item.unwrap().unwrap().memory_requested_at, None);
    // Ada's own chat (with nothing in it yet) is accepted.
    assert_eq!(app.call("POST", &path, Some(&ada.token), None).await.status, 202);
    extraction_finished(&app, &ada, &chat, &Value::Null).await;
    assert!(extraction_requests(&app).await.is_empty(), "no pair, no model call");
}

#[tokio::test]
async fn extracting_the_same_pairs_again_adds_no_confidence() {
    let app = spawn(Duration::ZERO).await;
    let user = app.verified_user().await;
    let chat = new_chat(&app, &user).await;
    let fact = json!([{"summary": "Runs a bakery in Lyon", "category": "professional", "confidence": 0.7}]);
    script_extraction(&app, &fact.to_string()).await;
    turn(&app, &user, &chat, "My bakery in Lyon opens at six; how do I schedule staff?").await;
    let first = extraction_finished(&app, &user, &chat, &Value::Null).await;
    script_extraction(&app, &fact.to_string()).await;
    let path = format!("/api/v1/chats/{chat}/extract-memories");
    assert_eq!(app.call("POST", &path, Some(&user.token), None).await.status, 202);
    extraction_finished(&app, &user, &chat, &first).await;
    let memories = memories_of(&app, &user).await;
    assert_eq!(memories.len(), 1, "merged: {memories:?}");
    assert!((memories[0].confidence - 0.7).abs() < 1e-9, "the same evidence counts once: {}", memories[0].confidence);
    assert_eq!(extraction_requests(&app).await.len(), 2);
}

#[tokio::test]
async fn a_deleted_memory_stays_deleted_in_every_chat_that_taught_it() {
    let app = spawn(Duration::ZERO).await;
    let user = app.verified_user().await;
    let (first_chat, second_chat) = (new_chat(&app, &user).await, new_chat(&app, &user).await);
    let fact =
        json!({"summary": "Is allergic to peanuts", "category": "personal", "confidence": 0.9, "tags": ["health"]});
    script_extraction(&app, &json!([fact]).to_string()).await;
    turn(&app, &user, &first_chat, "I'm allergic to peanuts; is satay sauce safe?").await;
    extraction_finished(&app, &user, &first_chat, &Value::Null).await;
    script_extraction(&app, &json!([fact]).to_string()).await;
    turn(&app, &user, &second_chat, "Peanut allergy again: what about pesto?").await;
    let second = extraction_finished(&app, &user, &second_chat, &Value::Null).await;
    let learned = memories_of(&app, &user).await;
    assert_eq!(learned.len(), 1, "the second chat confirmed it: {learned:?}");
    assert_eq!(learned[0].also_learned_in, vec![second_chat.parse::<Uuid>().unwrap()]);

    let deleted = app.call("DELETE", &format!("/api/v1/memories/{}", learned[0].id), Some(&user.token), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    script_extraction(&app, &json!([fact]).to_string()).await;
    let path = format!("/api/v1/chats/{second_chat}/extract-memories");
    assert_eq!(app.call("POST", &path, Some(&user.token), None).await.status, 202);
    extraction_finished(&app, &user, &second_chat, &second).await;
    assert!(memories_of(&app, &user).await.is_empty(), "not learned again in the chat that confirmed it");
}
