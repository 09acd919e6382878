//! Each function reaches only what its IAM policy allows. The local stack enforces the same
//! declaration template.yaml's policies are generated from (`shared::access`), so every test
//! that goes through a route also checks its policy; these check the refusals themselves.
//! The JWT secret is read from an SSM SecureString, as a deployed function reads it.

use aws_sdk_dynamodb::types::AttributeValue;
use shared::access::run_as;
use system_tests::*;

fn scope(name: &str) -> shared::access::Scope {
    functions::function(name).unwrap_or_else(|| panic!("{name} is a function of the table")).scope()
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_string())
}

/// The error's text when the local stack refused the call, None when it went through (to
/// whatever answer the emulator gave).
fn refusal<E: std::error::Error>(result: Result<impl Sized, E>) -> Option<String> {
    let text = match result {
        Ok(_) => return None,
        Err(err) => format!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(&err)),
    };
    text.contains("access denied").then_some(text)
}

#[tokio::test]
async fn a_function_reaches_only_the_partitions_and_prefixes_it_declares() {
    let app = TestApp::spawn().await;
    let (dynamo, table) = (&app.deps.dynamo, app.deps.config.table_name.as_str());
    let user = uuid::Uuid::now_v7();
    let get = |pk: String, sk: &str| dynamo.get_item().table_name(table).key("PK", s(&pk)).key("SK", s(sk)).send();

    // A route that only reads: the user's partitions, and its session's last_used_at.
    let chats_list = scope("chats-list");
    assert_eq!(refusal(run_as(chats_list, get(format!("USER#{user}"), "PROFILE")).await), None);
    let credentials = refusal(run_as(chats_list, get("EMAIL#ada@example.com".into(), "EMAIL")).await);
    assert!(credentials.as_deref().is_some_and(|e| e.contains("chats-list may not read \"EMAIL#")), "{credentials:?}");
    let put = dynamo
        .put_item()
        .table_name(table)
        .item("PK", s(&format!("USER#{user}")))
        .item("SK", s("PROMPT#x"))
        .item("name", s("sneaky"));
    assert!(refusal(run_as(chats_list, put.clone().send()).await).is_some(), "a GET route writes nothing");
    let touch = shared::store::sessions::touch(&app.deps.table, user, uuid::Uuid::now_v7(), app.deps.clock.now());
    assert!(run_as(chats_list, touch).await.is_ok(), "it refreshes its session");
    let rename = dynamo
        .update_item()
        .table_name(table)
        .key("PK", s(&format!("USER#{user}")))
        .key("SK", s("PROFILE"))
        .update_expression("SET first_name = :name")
        .expression_attribute_values(":name", s("Mallory"));
    let renamed = refusal(run_as(chats_list, rename.send()).await);
    assert!(renamed.as_deref().is_some_and(|e| e.contains("first_name")), "{renamed:?}");

    // A route that writes the user's data writes there, and nowhere else.
    let prompts_create = scope("prompts-create");
    assert_eq!(refusal(run_as(prompts_create, put.send()).await), None);
    let token = dynamo.put_item().table_name(table).item("PK", s("TOKEN#abc")).item("SK", s("TOKEN"));
    assert!(refusal(run_as(prompts_create, token.clone().send()).await).is_some());
    let everyone = dynamo.scan().table_name(table).limit(1);
    assert!(refusal(run_as(prompts_create, everyone.send()).await).is_some(), "no scan of every partition");

    // The sign-in side reaches credentials and one-time tokens.
    assert_eq!(refusal(run_as(scope("auth-login"), get("EMAIL#ada@example.com".into(), "EMAIL")).await), None);
    assert_eq!(refusal(run_as(scope("auth-register"), token.send()).await), None);

    // Objects: the chat stream reads attachments and writes none; the health check reaches no
    // object at all.
    let bucket = app.deps.config.files_bucket.as_str();
    let object = format!("files/{user}/{}", uuid::Uuid::now_v7());
    let read = app.deps.s3.get_object().bucket(bucket).key(&object).send();
    assert_eq!(refusal(run_as(scope("chat-stream"), read).await), None, "a missing attachment is a 404, not a refusal");
    let write = || app.deps.s3.put_object().bucket(bucket).key(&object).body(b"x".to_vec().into()).send();
    assert!(refusal(run_as(scope("chat-stream"), write()).await).is_some());
    let elsewhere = app.deps.s3.get_object().bucket(bucket).key(format!("exports/{user}/a.json")).send();
    assert!(refusal(run_as(scope("chat-stream"), elsewhere).await).is_some(), "attachments only");
    assert_eq!(refusal(run_as(scope("files-complete"), write()).await), None);
    assert!(refusal(run_as(scope("health"), write()).await).is_some());
    // The profile routes presign the avatar and reach no attachment.
    let avatar =
        app.deps.s3.head_object().bucket(bucket).key(format!("avatars/{user}/{}", uuid::Uuid::now_v7())).send();
    assert_eq!(refusal(run_as(scope("auth-me-get"), avatar).await), None);
    let attachment = app.deps.s3.get_object().bucket(bucket).key(&object).send();
    assert!(refusal(run_as(scope("auth-me-get"), attachment).await).is_some(), "avatars only");
    let listed = app.deps.s3.list_objects_v2().bucket(bucket).prefix(format!("prototypes/{user}/")).send();
    assert!(refusal(run_as(scope("files-create"), listed).await).is_some(), "it lists only what it may reach");
}

#[tokio::test]
async fn the_jwt_secret_is_read_from_a_secure_string_parameter() {
    let app = TestApp::spawn().await;
    let sdk = shared::deps::sdk_config(&app.deps.config).await;
    let ssm = aws_sdk_ssm::Client::new(&sdk);
    let name = format!("/myclaude-test/{}/jwt-secret", uuid::Uuid::now_v7());
    let secret = "a-signing-secret-of-at-least-32-characters!";
    ssm.put_parameter()
        .name(&name)
        .value(secret)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .expect("the emulator stores the parameter");

    assert_eq!(shared::config::read_secret_parameter(&sdk, &name).await.as_deref(), Ok(secret));
    let missing = shared::config::read_secret_parameter(&sdk, "/myclaude-test/none").await.unwrap_err();
    assert!(missing.contains("/myclaude-test/none"), "the error names the parameter: {missing}");
}
