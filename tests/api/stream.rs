//! `POST /chat/stream` end to end: the real gateway streaming Server-Sent Events, the
//! real Bedrock client talking to the model stub, the pair and usage in the emulator.

use serde_json::{json, Value};
use std::time::Duration;
use system_tests::*;

fn str_of<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field].as_str().unwrap_or_else(|| panic!("{field} in {value}"))
}

async fn messages(app: &TestApp, token: &str, chat_id: &str) -> Vec<Value> {
    let reply = app.get_auth(&format!("/api/v1/chats/{chat_id}/messages?limit=100"), token).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["items"].as_array().unwrap().clone()
}

/// What the stub was asked for chat answers (not titles).
async fn chat_requests(app: &TestApp) -> Vec<Value> {
    app.model_requests().await.into_iter().filter(|r| r["model_id"] != SMALL_MODEL).collect()
}

fn assistant_text(pair: &Value) -> String {
    pair["assistant_message"]["content"].as_array().unwrap().iter().filter_map(|b| b["text"].as_str()).collect()
}

#[tokio::test]
async fn deltas_reach_the_client_as_the_model_writes_them() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let answer = "Lifetimes tell the compiler how long references stay valid.";
    app.script_model(json!({
        "text": answer, "chunk_size": 6, "first_delay_ms": 100, "delay_ms": 100,
        "input_tokens": 120, "output_tokens": 14, "model": PRIMARY_MODEL
    }))
    .await;
    let stream =
        app.open_stream(&user.token, json!({"text": "What are lifetimes?"})).await.map_err(|r| r.text).unwrap();
    assert_eq!(stream.headers["content-type"], "text/event-stream");
    assert_eq!(stream.headers["cache-control"], "no-cache");
    assert_eq!(stream.headers["x-accel-buffering"], "no");
    assert_eq!(stream.headers["access-control-allow-origin"], "http://localhost:5173");
    let events = stream.rest().await;
    let names: Vec<&str> = events.iter().map(|e| e.name.as_str()).collect();
    let deltas = answer.chars().count().div_ceil(6);
    assert_eq!(names.first(), Some(&"start"));
    assert_eq!(names.last(), Some(&"done"));
    assert_eq!(names.iter().filter(|n| **n == "delta").count(), deltas, "{names:?}");
    assert_eq!(streamed_text(&events), answer);

    // With 100 ms between chunks, the first delta comes long before the end.
    let first_delta = event(&events, "delta").at;
    let done = event(&events, "done");
    assert!(
        first_delta + Duration::from_millis(deltas as u64 * 100 / 2) < done.at,
        "first delta at {first_delta:?}, done at {:?}",
        done.at
    );

    let start = &event(&events, "start").data;
    assert_eq!(start["chat_created"], true);
    assert_eq!(start["model"], PRIMARY_MODEL);
    assert_eq!(done.data["model"], PRIMARY_MODEL);
    assert_eq!(done.data["stop_reason"], "end_turn");
    assert_eq!(done.data["usage"], json!({"input_tokens": 120, "output_tokens": 14}));
    assert_eq!(done.data["pair_id"], start["pair_id"]);

    // Stored: the pair, complete, with the model's figures.
    let chat_id = str_of(start, "chat_id");
    let pairs = messages(&app, &user.token, chat_id).await;
    assert_eq!(pairs.len(), 1);
    let pair = &pairs[0];
    assert_eq!(pair["id"], start["pair_id"]);
    assert_eq!(pair["status"], "complete");
    assert_eq!(pair["hidden"], false);
    assert_eq!(pair["user_message"]["id"], start["user_message_id"]);
    assert_eq!(pair["user_message"]["role"], "user");
    assert_eq!(pair["user_message"]["content"], json!([{"type": "text", "text": "What are lifetimes?"}]));
    assert!(pair["user_message"]["token_count"].as_i64().unwrap() > 0);
    assert_eq!(pair["assistant_message"]["id"], start["assistant_message_id"]);
    assert_eq!(pair["assistant_message"]["role"], "assistant");
    assert_eq!(assistant_text(pair), answer);
    assert_eq!(pair["assistant_message"]["token_count"], 14);
    assert_eq!(pair["assistant_message"]["model"], PRIMARY_MODEL);
    assert_eq!(pair["assistant_message"]["stop_reason"], "end_turn");
    let chat = app.get_auth(&format!("/api/v1/chats/{chat_id}"), &user.token).await;
    assert_eq!(chat.body["message_count"], 2);
    assert_eq!(chat.body["total_tokens"], 134);
}

#[tokio::test]
async fn a_quiet_model_gets_keep_alive_comments() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    // The test configuration sends keep-alives after 400 ms of silence.
    app.script_model(json!({"text": "Finally.", "first_delay_ms": 1300, "model": PRIMARY_MODEL})).await;
    let mut stream = app.open_stream(&user.token, json!({"text": "Think hard"})).await.map_err(|r| r.text).unwrap();
    let mut before_first_delta = None;
    while let Some(event) = stream.next_event().await {
        if event.name == "delta" && before_first_delta.is_none() {
            before_first_delta = Some(stream.keep_alives);
        }
    }
    assert!(before_first_delta.unwrap() >= 2, "keep-alives while the model was quiet: {before_first_delta:?}");
}

#[tokio::test]
async fn a_throttled_primary_falls_back_before_any_text() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    app.script_model(json!({"error": "ThrottlingException", "model": PRIMARY_MODEL})).await;
    let events = app.chat(&user.token, json!({"text": "hello there"})).await;
    assert_eq!(event(&events, "done").data["model"], FALLBACK_MODEL);
    assert_eq!(streamed_text(&events), "Stub reply to: hello there");
    let chat_id = str_of(&event(&events, "start").data, "chat_id");
    let pairs = messages(&app, &user.token, chat_id).await;
    assert_eq!(pairs[0]["assistant_message"]["model"], FALLBACK_MODEL);
    let asked = chat_requests(&app).await;
    assert_eq!(asked.iter().map(|r| r["model_id"].clone()).collect::<Vec<_>>(), [PRIMARY_MODEL, FALLBACK_MODEL]);

    // A stream that fails before its first text moves on too.
    app.script_model(json!({"text": "", "error": "ModelStreamErrorException", "model": PRIMARY_MODEL})).await;
    let events = app.chat(&user.token, json!({"text": "again", "chat_id": chat_id})).await;
    assert_eq!(event(&events, "done").data["model"], FALLBACK_MODEL);
    assert_eq!(streamed_text(&events), "Stub reply to: again");
}

#[tokio::test]
async fn a_model_failing_mid_answer_ends_with_error_and_keeps_the_partial_text() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    app.script_model(json!({
        "text": "The first half of an", "error": "ModelStreamErrorException", "chunk_size": 5, "model": PRIMARY_MODEL
    }))
    .await;
    let events = app.chat(&user.token, json!({"text": "Tell me everything"})).await;
    assert_eq!(events.last().unwrap().name, "error", "{events:?}");
    assert!(events.iter().all(|e| e.name != "done"));
    assert_eq!(event(&events, "error").data["code"], "model_error");
    assert_eq!(streamed_text(&events), "The first half of an");
    let chat_id = str_of(&event(&events, "start").data, "chat_id");
    let pairs = messages(&app, &user.token, chat_id).await;
    assert_eq!(pairs[0]["status"], "failed");
    assert_eq!(assistant_text(&pairs[0]), "The first half of an");
    assert_eq!(chat_requests(&app).await.len(), 1, "no other model was asked after text");
}

#[tokio::test]
async fn a_model_that_goes_silent_ends_the_answer_as_failed() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    // The test configuration ends an answer after 2.5 s of silence.
    app.script_model(
        json!({"text": "Half an answer, then nothing", "chunk_size": 14, "delay_ms": 4000, "model": PRIMARY_MODEL}),
    )
    .await;
    let events = app.chat(&user.token, json!({"text": "Go"})).await;
    assert_eq!(events.last().unwrap().name, "error");
    assert_eq!(event(&events, "error").data["code"], "model_timeout");
    assert_eq!(streamed_text(&events), "Half an answer");
    let chat_id = str_of(&event(&events, "start").data, "chat_id");
    let pairs = messages(&app, &user.token, chat_id).await;
    assert_eq!((pairs[0]["status"].as_str(), assistant_text(&pairs[0]).as_str()), (Some("failed"), "Half an answer"));
}

#[tokio::test]
async fn when_no_model_answers_the_reply_is_502_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    app.script_model(json!({"error": "ServiceUnavailableException", "times": 0})).await;
    let reply = app.open_stream(&user.token, json!({"text": "anyone?"})).await.err().expect("no stream");
    assert_eq!(reply.status, 502);
    assert_eq!(reply.body["error"]["code"], "model_unavailable");
    let chats = app.get_auth("/api/v1/chats", &user.token).await;
    assert_eq!(chats.body["items"], json!([]));
}

#[tokio::test]
async fn the_model_sees_system_prompt_layers_and_only_visible_pairs() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let chat =
        app.call("POST", "/api/v1/chats", Some(&user.token), Some(json!({"system_prompt": "Answer in haiku."}))).await;
    let chat_id = str_of(&chat.body, "id").to_string();
    let first = app.chat(&user.token, json!({"chat_id": chat_id, "text": "first question"})).await;
    app.chat(&user.token, json!({"chat_id": chat_id, "text": "second question"})).await;
    let first_pair = str_of(&event(&first, "start").data, "pair_id").to_string();
    let hidden =
        app.call("POST", &format!("/api/v1/chats/{chat_id}/pairs/{first_pair}/toggle"), Some(&user.token), None).await;
    assert_eq!(hidden.status, 200, "{}", hidden.text);
    assert_eq!(hidden.body["hidden"], true);
    app.chat(&user.token, json!({"chat_id": chat_id, "text": "third question"})).await;

    let log = chat_requests(&app).await;
    let last = log.last().unwrap();
    let system = str_of(last, "system");
    assert!(system.starts_with(shared::chat::prompt::BUILT_IN_SYSTEM_PROMPT), "{system}");
    assert!(system.ends_with("\n\nAnswer in haiku."), "the chat's own prompt comes after the built-in one: {system}");
    let texts: Vec<(&str, &str)> =
        last["messages"].as_array().unwrap().iter().map(|m| (str_of(m, "role"), str_of(m, "text"))).collect();
    assert_eq!(
        texts,
        [("user", "second question"), ("assistant", "Stub reply to: second question"), ("user", "third question")],
        "the hidden first pair is left out"
    );

    // Shown again, it is back in the context.
    let shown =
        app.call("POST", &format!("/api/v1/chats/{chat_id}/pairs/{first_pair}/toggle"), Some(&user.token), None).await;
    assert_eq!(shown.body["hidden"], false);
    app.chat(&user.token, json!({"chat_id": chat_id, "text": "fourth"})).await;
    let log = chat_requests(&app).await;
    assert_eq!(log.last().unwrap()["messages"].as_array().unwrap().len(), 7);
    assert_eq!(log.last().unwrap()["messages"][0]["text"], "first question");
}

#[tokio::test]
async fn regenerating_uses_the_edited_text_and_only_earlier_pairs() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let first = app.chat(&user.token, json!({"text": "What is a trait?"})).await;
    let start = &event(&first, "start").data;
    let chat_id = str_of(start, "chat_id").to_string();
    let pair_id = str_of(start, "pair_id").to_string();
    app.chat(&user.token, json!({"chat_id": chat_id, "text": "And generics?"})).await;

    let edited = app
        .call(
            "PATCH",
            &format!("/api/v1/chats/{chat_id}/pairs/{pair_id}"),
            Some(&user.token),
            Some(json!({"text": "What is a trait object?"})),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert_eq!(edited.body["user_message"]["content"], json!([{"type": "text", "text": "What is a trait object?"}]));
    assert_eq!(assistant_text(&edited.body), "Stub reply to: What is a trait?", "the answer stays until regenerated");

    app.script_model(json!({"text": "A trait object is dyn Trait.", "output_tokens": 9, "model": PRIMARY_MODEL})).await;
    let again =
        app.chat(&user.token, json!({"chat_id": chat_id, "regenerate_pair_id": pair_id, "text": "ignored"})).await;
    let again_start = &event(&again, "start").data;
    assert_eq!(again_start["pair_id"], pair_id.as_str());
    assert_eq!(again_start["chat_created"], false);
    assert_ne!(again_start["assistant_message_id"], start["assistant_message_id"]);
    let log = chat_requests(&app).await;
    let asked = &log.last().unwrap()["messages"];
    assert_eq!(asked.as_array().unwrap().len(), 1, "only the pairs before it: none");
    assert_eq!(asked[0]["text"], "What is a trait object?");

    let pairs = messages(&app, &user.token, &chat_id).await;
    assert_eq!(pairs.len(), 2, "replaced, not added");
    assert_eq!(pairs[0]["id"], pair_id.as_str());
    assert_eq!(assistant_text(&pairs[0]), "A trait object is dyn Trait.");
    assert_eq!(pairs[0]["assistant_message"]["id"], again_start["assistant_message_id"]);
    assert_eq!(pairs[0]["assistant_message"]["token_count"], 9);
    let chat = app.get_auth(&format!("/api/v1/chats/{chat_id}"), &user.token).await;
    assert_eq!(chat.body["message_count"], 4);
}

#[tokio::test]
async fn an_answer_is_visible_while_generating_and_survives_a_disconnect() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let answer: String = (0..40).map(|i| format!("w{i:02} ")).collect();
    // 8 s of writing: a save every 2 s leaves a wide window to see the text so far, even on a
    // machine busy with every other test.
    app.script_model(json!({"text": answer, "chunk_size": 4, "delay_ms": 200, "model": PRIMARY_MODEL})).await;
    let mut stream =
        app.open_stream(&user.token, json!({"text": "a long answer please"})).await.map_err(|r| r.text).unwrap();
    let start = stream.next_event().await.unwrap();
    assert_eq!(start.name, "start");
    let first = stream.next_event().await.unwrap();
    assert_eq!(first.name, "delta");
    // The client goes away mid-answer.
    drop(stream);
    let chat_id = str_of(&start.data, "chat_id").to_string();

    // While it is written, a reload shows the text so far.
    let partial = eventually(Duration::from_secs(10), || async {
        let pairs = messages(&app, &user.token, &chat_id).await;
        let pair = pairs.first()?.clone();
        (pair["status"] == "generating" && !assistant_text(&pair).is_empty()).then_some(pair)
    })
    .await
    .expect("the text so far is saved while generating");
    assert!(answer.starts_with(&assistant_text(&partial)));
    assert!(assistant_text(&partial).len() < answer.len());

    let done = eventually(Duration::from_secs(15), || async {
        let pairs = messages(&app, &user.token, &chat_id).await;
        let pair = pairs.first()?.clone();
        (pair["status"] == "complete").then_some(pair)
    })
    .await
    .expect("the answer is completed without the client");
    assert_eq!(assistant_text(&done), answer);
}

#[tokio::test]
async fn usage_adds_up_what_the_model_reported() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    // Both new chats get a title from the small model, whose tokens count too.
    app.script_model(
        json!({"text": "A title", "input_tokens": 3, "output_tokens": 1, "model": SMALL_MODEL, "times": 0}),
    )
    .await;
    app.script_model(json!({"text": "one", "input_tokens": 100, "output_tokens": 10, "model": PRIMARY_MODEL})).await;
    let first = app.chat(&user.token, json!({"text": "first"})).await;
    let chat_id = str_of(&event(&first, "start").data, "chat_id").to_string();
    app.script_model(json!({"text": "two", "input_tokens": 150, "output_tokens": 20, "model": PRIMARY_MODEL})).await;
    app.chat(&user.token, json!({"chat_id": chat_id, "text": "second"})).await;
    app.script_model(json!({"text": "three", "input_tokens": 40, "output_tokens": 5, "model": FALLBACK_MODEL})).await;
    app.chat(&user.token, json!({"chat_id": chat_id, "text": "third", "model": FALLBACK_MODEL})).await;
    // Another chat counts for the user, not for this chat.
    app.script_model(json!({"text": "other", "input_tokens": 7, "output_tokens": 3, "model": PRIMARY_MODEL})).await;
    let other = app.chat(&user.token, json!({"text": "elsewhere"})).await;
    let other_chat = str_of(&event(&other, "start").data, "chat_id").to_string();
    assert!(crate::titles::title_jobs_done(&app).await, "both chats were titled");

    let usage = app.get_auth(&format!("/api/v1/chats/{chat_id}/usage"), &user.token).await;
    assert_eq!(usage.status, 200, "{}", usage.text);
    assert_eq!(usage.body["input_tokens"], 293);
    assert_eq!(usage.body["output_tokens"], 36);
    assert_eq!(usage.body["total_tokens"], 329);
    assert_eq!(usage.body["context_tokens"], 45, "the latest answer's input and output");
    assert_eq!(usage.body["by_model"][PRIMARY_MODEL], json!({"input_tokens": 250, "output_tokens": 30, "requests": 2}));
    assert_eq!(usage.body["by_model"][FALLBACK_MODEL], json!({"input_tokens": 40, "output_tokens": 5, "requests": 1}));
    assert_eq!(usage.body["by_model"][SMALL_MODEL], json!({"input_tokens": 3, "output_tokens": 1, "requests": 1}));
    let chat = app.get_auth(&format!("/api/v1/chats/{chat_id}"), &user.token).await;
    assert_eq!(chat.body["total_tokens"], 325, "the conversation's tokens: its answers");
    assert_eq!(chat.body["message_count"], 6);

    let today = app.clock.now().date().to_string();
    let report = app.get_auth(&format!("/api/v1/usage?from={today}&to={today}"), &user.token).await;
    assert_eq!(report.status, 200, "{}", report.text);
    assert_eq!(report.body["days"], json!([{"date": today, "input_tokens": 303, "output_tokens": 40, "requests": 6}]));
    assert_eq!(report.body["total"]["total_tokens"], 343);
    assert_eq!(report.body["by_model"][FALLBACK_MODEL]["requests"], 1);
    assert_eq!(report.body["by_model"][PRIMARY_MODEL]["input_tokens"], 257);
    assert_eq!(report.body["by_model"][SMALL_MODEL], json!({"input_tokens": 6, "output_tokens": 2, "requests": 2}));

    // Deleting a chat takes its usage with it, not the user's.
    assert_eq!(app.call("DELETE", &format!("/api/v1/chats/{other_chat}"), Some(&user.token), None).await.status, 204);
    let report = app.get_auth("/api/v1/usage", &user.token).await;
    assert_eq!(report.body["days"].as_array().unwrap().len(), 30, "the last 30 days by default");
    assert_eq!(report.body["total"]["total_tokens"], 343);
    assert_eq!(app.get_auth(&format!("/api/v1/chats/{other_chat}/usage"), &user.token).await.status, 404);

    for bad in [
        "from=2026-13-01",
        "to=yesterday",
        "to=-9999-01-05",
        "from=2026-11-02&to=2026-11-01",
        "from=2020-01-01&to=2026-01-01",
    ] {
        let reply = app.get_auth(&format!("/api/v1/usage?{bad}"), &user.token).await;
        assert_eq!(reply.status, 400, "{bad}: {}", reply.text);
        assert_eq!(reply.body["error"]["code"], "invalid_request");
    }
}

#[tokio::test]
async fn the_title_arrives_from_the_small_model_and_a_user_title_is_kept() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    app.script_model(json!({"text": "Borrowing in Rust", "model": SMALL_MODEL})).await;
    let events = app.chat(&user.token, json!({"text": "How does borrowing work?"})).await;
    let chat_id = str_of(&event(&events, "start").data, "chat_id").to_string();
    let titled = eventually(Duration::from_secs(20), || async {
        let chat = app.get_auth(&format!("/api/v1/chats/{chat_id}"), &user.token).await;
        (chat.body["title"] == "Borrowing in Rust").then_some(())
    })
    .await;
    assert!(titled.is_some(), "the generated title arrives");
    let title_request = app.model_requests().await.into_iter().find(|r| r["model_id"] == SMALL_MODEL).unwrap();
    assert_eq!(title_request["messages"][0]["text"], "How does borrowing work?");

    // The user names the next chat before its title job runs: the name stays.
    app.script_model(json!({"text": "Generated name", "model": SMALL_MODEL, "first_delay_ms": 800})).await;
    let events = app.chat(&user.token, json!({"text": "Explain traits"})).await;
    let chat_id = str_of(&event(&events, "start").data, "chat_id").to_string();
    let renamed =
        app.call("PATCH", &format!("/api/v1/chats/{chat_id}"), Some(&user.token), Some(json!({"title": "Mine"}))).await;
    assert_eq!(renamed.status, 200);
    let asked = eventually(Duration::from_secs(20), || async {
        let log = app.model_requests().await;
        log.iter().any(|r| r["model_id"] == SMALL_MODEL && r["messages"][0]["text"] == "Explain traits").then_some(())
    })
    .await;
    assert!(asked.is_some(), "the title job ran");
    let queue = app.deps.config.title_queue_url.clone();
    let drained = eventually(Duration::from_secs(20), || async {
        let attributes = app
            .deps
            .sqs
            .get_queue_attributes()
            .queue_url(&queue)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
            .send()
            .await
            .unwrap();
        let count = |name: aws_sdk_sqs::types::QueueAttributeName| {
            attributes.attributes().and_then(|a| a.get(&name)).map_or(0, |v| v.parse::<i64>().unwrap())
        };
        (count(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages) == 0
            && count(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible) == 0)
            .then_some(())
    })
    .await;
    assert!(drained.is_some(), "the title job finished");
    let chat = app.get_auth(&format!("/api/v1/chats/{chat_id}"), &user.token).await;
    assert_eq!(chat.body["title"], "Mine");
}

#[tokio::test]
async fn pairs_are_listed_oldest_first_page_by_page_and_deleted_one_by_one() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let first = app.chat(&user.token, json!({"text": "one"})).await;
    let chat_id = str_of(&event(&first, "start").data, "chat_id").to_string();
    for text in ["two", "three"] {
        app.chat(&user.token, json!({"chat_id": chat_id, "text": text})).await;
    }
    let page = app.get_auth(&format!("/api/v1/chats/{chat_id}/messages?limit=2"), &user.token).await;
    let texts = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["user_message"]["content"][0]["text"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(texts(&page.body), ["one", "two"]);
    let cursor = str_of(&page.body, "next_cursor");
    let next = app.get_auth(&format!("/api/v1/chats/{chat_id}/messages?limit=2&cursor={cursor}"), &user.token).await;
    assert_eq!(texts(&next.body), ["three"]);
    assert_eq!(next.body["next_cursor"], Value::Null);

    let middle = page.body["items"][1]["id"].as_str().unwrap();
    let path = format!("/api/v1/chats/{chat_id}/pairs/{middle}");
    assert_eq!(app.call("DELETE", &path, Some(&user.token), None).await.status, 204);
    assert_eq!(app.call("DELETE", &path, Some(&user.token), None).await.status, 404);
    assert_eq!(
        texts(&app.get_auth(&format!("/api/v1/chats/{chat_id}/messages"), &user.token).await.body),
        ["one", "three"]
    );
    let chat = app.get_auth(&format!("/api/v1/chats/{chat_id}"), &user.token).await;
    assert_eq!(chat.body["message_count"], 4);
}

#[tokio::test]
async fn bad_stream_requests_are_refused_and_store_nothing() {
    let app = TestApp::spawn().await;
    let user = app.verified_user().await;
    let long = "x".repeat(shared::domain::MAX_MESSAGE_CHARS + 1);
    let cases = [
        (json!({}), "text"),
        (json!({"text": "   "}), "text"),
        (json!({"text": long}), "text"),
        (json!({"text": "hi", "model": "gpt-4"}), "model"),
        (json!({"regenerate_pair_id": uuid::Uuid::now_v7()}), "chat_id"),
        (json!({"text": "hi", "project_id": uuid::Uuid::now_v7()}), "project_id"),
        (json!({"text": "hi", "chat_id": uuid::Uuid::now_v7(), "project_id": uuid::Uuid::now_v7()}), "project_id"),
    ];
    for (body, field) in cases {
        let reply = app.open_stream(&user.token, body.clone()).await.err().expect("no stream");
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
        assert_eq!(reply.body["error"]["code"], "invalid_request", "{body}");
        assert!(reply.body["error"]["fields"][field].is_array(), "{body}: {}", reply.text);
    }
    for body in [json!({"text": 5}), json!({"text": "hi", "surprise": true}), json!("text")] {
        let reply = app.open_stream(&user.token, body.clone()).await.err().expect("no stream");
        assert_eq!((reply.status, reply.body["error"]["code"].as_str()), (400, Some("invalid_request")), "{body}");
    }
    let reply = app.open_stream("not-a-token", json!({"text": "hi"})).await.err().expect("no stream");
    assert_eq!(reply.status, 401);
    let unknown_chat = json!({"text": "hi", "chat_id": uuid::Uuid::now_v7()});
    assert_eq!(app.open_stream(&user.token, unknown_chat).await.err().expect("no stream").status, 404);
    let unknown_file = json!({"text": "hi", "file_ids": [uuid::Uuid::now_v7()]});
    assert_eq!(app.open_stream(&user.token, unknown_file).await.err().expect("no stream").status, 404);
    assert_eq!(app.get_auth("/api/v1/chats", &user.token).await.body["items"], json!([]));
    assert!(app.model_requests().await.is_empty(), "the model was never asked");
}

#[tokio::test]
async fn another_users_chats_and_pairs_are_not_found() {
    let app = TestApp::spawn().await;
    let owner = app.verified_user().await;
    let other = app.verified_user().await;
    let events = app.chat(&owner.token, json!({"text": "private question"})).await;
    let start = &event(&events, "start").data;
    let chat_id = str_of(start, "chat_id").to_string();
    let pair_id = str_of(start, "pair_id").to_string();
    let pair = format!("/api/v1/chats/{chat_id}/pairs/{pair_id}");
    let attempts: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", format!("/api/v1/chats/{chat_id}/messages"), None),
        ("GET", format!("/api/v1/chats/{chat_id}/usage"), None),
        ("PATCH", pair.clone(), Some(json!({"text": "hijacked"}))),
        ("POST", format!("{pair}/toggle"), None),
        ("DELETE", pair.clone(), None),
        ("GET", format!("/api/v1/chats/{chat_id}"), None),
        ("PATCH", format!("/api/v1/chats/{chat_id}"), Some(json!({"title": "hijacked"}))),
        ("DELETE", format!("/api/v1/chats/{chat_id}"), None),
    ];
    for (method, path, body) in attempts {
        let reply = app.call(method, &path, Some(&other.token), body).await;
        assert_eq!(reply.status, 404, "{method} {path}: {}", reply.text);
        assert_eq!(reply.body["error"]["code"], "not_found");
    }
    for body in
        [json!({"chat_id": chat_id, "text": "sneaky"}), json!({"chat_id": chat_id, "regenerate_pair_id": pair_id})]
    {
        let reply = app.open_stream(&other.token, body).await.err().expect("no stream");
        assert_eq!(reply.status, 404, "{}", reply.text);
    }
    // Nothing changed for the owner.
    let pairs = messages(&app, &owner.token, &chat_id).await;
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0]["user_message"]["content"][0]["text"], "private question");
    assert_eq!(pairs[0]["hidden"], false);
    assert_eq!(chat_requests(&app).await.len(), 1);
}

#[tokio::test]
async fn near_the_context_window_the_oldest_pairs_are_left_out() {
    // An earlier pair costs its stored counts: the user's text counted, the answer as the model
    // reported it. The window holds the system prompt, the new message, the room for the answer
    // and the two newest pairs, with less than a third one to spare.
    const ANSWER_TOKENS: usize = 1_000;
    let questions = ["question one", "question two", "question three", "question four"];
    let new_question = "the fifth question";
    let count = |text: &str| shared::tokens::count(text) as usize;
    let kept = count(questions[2]) + count(questions[3]) + 2 * ANSWER_TOKENS;
    let fixed = count(shared::chat::prompt::BUILT_IN_SYSTEM_PROMPT) + count(new_question);
    let hook: DepsHook = Box::new(move |deps| {
        let models = &mut deps.config.models;
        models.context_window = fixed + models.max_output_tokens as usize + kept + ANSWER_TOKENS / 2;
    });
    let app = TestApp::spawn_with(AppOptions { deps_hook: Some(hook), ..Default::default() }).await;
    let user = app.verified_user().await;
    let mut chat_id = None;
    for (i, question) in questions.iter().enumerate() {
        let reply = json!({"model": PRIMARY_MODEL, "text": format!("answer {i}"), "output_tokens": ANSWER_TOKENS});
        app.script_model(reply).await;
        let events = app.chat(&user.token, json!({"chat_id": chat_id, "text": question})).await;
        chat_id.get_or_insert_with(|| str_of(&event(&events, "start").data, "chat_id").to_string());
        assert_eq!(event(&events, "done").data["usage"]["output_tokens"], ANSWER_TOKENS);
    }
    app.chat(&user.token, json!({"chat_id": chat_id, "text": new_question})).await;

    let log = chat_requests(&app).await;
    let texts: Vec<(&str, &str)> = log.last().unwrap()["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (str_of(m, "role"), str_of(m, "text")))
        .collect();
    assert_eq!(
        texts,
        [
            ("user", "question three"),
            ("assistant", "answer 2"),
            ("user", "question four"),
            ("assistant", "answer 3"),
            ("user", new_question)
        ],
        "the two oldest pairs are left out"
    );
}
