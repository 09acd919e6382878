use serde_json::Value;
use std::collections::BTreeSet;

fn committed_template() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).expect("template.yaml")
}

#[test]
fn template_is_generated_from_the_route_table() {
    assert_eq!(committed_template(), local_stack::template::render(), "template.yaml is stale: run `make template`");
}

#[test]
fn template_and_route_table_have_the_same_functions() {
    let template: Value = serde_yaml_ng::from_str(&committed_template()).expect("valid YAML");
    let mut http_in_template = BTreeSet::new();
    let mut workers_in_template = BTreeSet::new();
    let mut scheduled_in_template = BTreeSet::new();
    let mut preflights = BTreeSet::new();
    for (id, resource) in template["Resources"].as_object().unwrap() {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let props = &resource["Properties"];
        let name =
            props["Environment"]["Variables"]["FUNCTION"].as_str().unwrap_or_else(|| panic!("{id} has FUNCTION"));
        let mut events = props["Events"].as_object().unwrap().clone();
        // The first function of each path also answers its CORS preflight (the app's origins).
        if let Some(preflight) = events.remove("Preflight") {
            assert_eq!(preflight["Properties"]["Method"], "options", "{id}");
            assert!(preflights.insert(preflight["Properties"]["Path"].as_str().unwrap().to_string()), "{id}");
        }
        assert_eq!(events.len(), 1, "{id} has one trigger");
        let event = events.values().next().unwrap();
        match event["Type"].as_str().unwrap() {
            "Api" => {
                let p = &event["Properties"];
                http_in_template.insert((
                    name.to_string(),
                    p["Method"].as_str().unwrap().to_uppercase(),
                    p["Path"].as_str().unwrap().to_string(),
                ));
            }
            "SQS" => {
                assert_eq!(event["Properties"]["FunctionResponseTypes"][0], "ReportBatchItemFailures");
                workers_in_template.insert(name.to_string());
            }
            "Schedule" => {
                scheduled_in_template
                    .insert((name.to_string(), event["Properties"]["Schedule"].as_str().unwrap().to_string()));
            }
            other => panic!("{id}: unexpected trigger {other}"),
        }
    }
    let http_in_table: BTreeSet<_> = functions::routes()
        .iter()
        .map(|r| (r.name.to_string(), r.method().to_string(), r.path().to_string()))
        .collect();
    let workers_in_table: BTreeSet<_> = functions::workers().iter().map(|w| w.name.to_string()).collect();
    assert_eq!(http_in_template, http_in_table);
    let paths: BTreeSet<_> = functions::routes().iter().map(|r| r.path().to_string()).collect();
    assert_eq!(preflights, paths, "every path answers its preflight, once");
    assert_eq!(workers_in_template, workers_in_table);
    let scheduled_in_table: BTreeSet<_> =
        functions::scheduled().iter().map(|s| (s.name.to_string(), s.schedule.to_string())).collect();
    assert_eq!(scheduled_in_template, scheduled_in_table);
    // Every queue has a dead-letter queue.
    for (id, resource) in template["Resources"].as_object().unwrap() {
        if resource["Type"] == "AWS::SQS::Queue" && !id.contains("DeadLetter") {
            assert!(resource["Properties"]["RedrivePolicy"]["maxReceiveCount"].is_number(), "{id} has a DLQ");
        }
    }
}

#[test]
fn every_queue_hides_a_message_longer_than_its_worker_may_run() {
    let template: Value = serde_yaml_ng::from_str(&committed_template()).expect("valid YAML");
    let resources = template["Resources"].as_object().unwrap();
    let mut checked = 0;
    for (id, resource) in resources {
        let props = &resource["Properties"];
        let Some(queue) = props["Events"]["Queue"]["Properties"]["Queue"]["Fn::GetAtt"][0].as_str() else {
            continue;
        };
        let timeout = props["Timeout"].as_u64().unwrap_or_else(|| panic!("{id} has a timeout"));
        let visibility = resources[queue]["Properties"]["VisibilityTimeout"].as_u64().unwrap();
        assert!(visibility >= 6 * timeout, "{queue} hides a message {visibility} s; {id} may run {timeout} s");
        checked += 1;
    }
    assert_eq!(checked, functions::workers().len());
    let importer = &resources["PortabilityWorkerFunction"]["Properties"];
    assert_eq!(importer["Timeout"], 900);
    assert_eq!(importer["EphemeralStorage"]["Size"], 4096);
    assert_eq!(importer["Events"]["Queue"]["Properties"]["BatchSize"], 1);
}

#[test]
fn the_template_keeps_data_limits_workers_and_raises_alarms() {
    let template: Value = serde_yaml_ng::from_str(&committed_template()).expect("valid YAML");
    let resources = template["Resources"].as_object().unwrap();
    let of_type = |kind: &str| resources.iter().filter(move |(_, r)| r["Type"] == kind).collect::<Vec<_>>();

    // Data stays: the table (also protected from deletion), the bucket, the logs.
    assert_eq!(resources["Table"]["Properties"]["DeletionProtectionEnabled"], true);
    for data in ["Table", "FilesBucket", "FunctionLogs"] {
        assert_eq!(resources[data]["DeletionPolicy"], "Retain", "{data}");
    }
    // Only TLS reaches the bucket.
    let statements = &resources["FilesBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"];
    assert!(
        statements
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["Effect"] == "Deny" && s["Condition"]["Bool"]["aws:SecureTransport"] == "false"),
        "{statements}"
    );
    // Every function logs to the one group, whose retention is a parameter.
    assert_eq!(template["Globals"]["Function"]["LoggingConfig"]["LogGroup"]["Ref"], "FunctionLogs");
    assert_eq!(resources["FunctionLogs"]["Properties"]["RetentionInDays"]["Ref"], "LogRetentionDays");

    // Every queue says how long it keeps a message; every dead-letter queue has an alarm.
    let alarmed: BTreeSet<&str> = of_type("AWS::CloudWatch::Alarm")
        .iter()
        .filter_map(|(_, a)| a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0].as_str())
        .collect();
    let mut dead_letter_queues = BTreeSet::new();
    for (id, queue) in of_type("AWS::SQS::Queue") {
        assert!(queue["Properties"]["MessageRetentionPeriod"].is_u64(), "{id} states its retention");
        if let Some(target) = queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0].as_str() {
            dead_letter_queues.insert(target.to_string());
        }
    }
    for (_, function) in of_type("AWS::Serverless::Function") {
        for event in function["Properties"]["Events"].as_object().unwrap().values() {
            match event["Type"].as_str().unwrap() {
                // A flood of jobs cannot take the API's concurrency.
                "SQS" => assert!(event["Properties"]["ScalingConfig"]["MaximumConcurrency"].as_u64().unwrap() >= 2),
                // A failed scheduled run is retried, then kept.
                "Schedule" => {
                    assert!(event["Properties"]["RetryPolicy"]["MaximumRetryAttempts"].as_u64().unwrap() > 0);
                    let target = event["Properties"]["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0].as_str().unwrap();
                    dead_letter_queues.insert(target.to_string());
                }
                _ => {}
            }
        }
    }
    assert_eq!(dead_letter_queues.len(), 5, "{dead_letter_queues:?}");
    for queue in &dead_letter_queues {
        assert!(alarmed.contains(queue.as_str()), "{queue} has an alarm on its depth");
    }
    // The stage throttles every route (parameters), answering 429 past it.
    let throttle = &resources["Api"]["Properties"]["MethodSettings"][0];
    assert_eq!((throttle["ResourcePath"].as_str(), throttle["HttpMethod"].as_str()), (Some("/*"), Some("*")));
    assert_eq!(throttle["ThrottlingRateLimit"]["Ref"], "ApiThrottleRate");
    assert_eq!(throttle["ThrottlingBurstLimit"]["Ref"], "ApiThrottleBurst");
    let api = &resources["Api5xxAlarm"]["Properties"];
    assert_eq!((api["Namespace"].as_str(), api["MetricName"].as_str()), (Some("AWS/ApiGateway"), Some("5XXError")));
}

#[test]
fn the_api_logs_each_request_and_the_secret_stays_out_of_the_template() {
    let template: Value = serde_yaml_ng::from_str(&committed_template()).expect("valid YAML");
    let resources = &template["Resources"];
    // Access logs: one JSON line a request, written with the account's CloudWatch role,
    // which exists before the stage.
    let api = &resources["Api"];
    assert_eq!(api["DependsOn"][0], "ApiGatewayAccount");
    let logs = &api["Properties"]["AccessLogSetting"];
    assert_eq!(logs["DestinationArn"]["Fn::GetAtt"][0], "ApiAccessLogs");
    let line = logs["Format"].as_str().unwrap().replace("$context.error.messageString", "\"Forbidden\"");
    let line: Value = serde_json::from_str(&line).unwrap_or_else(|err| panic!("{err}: {line}"));
    for field in ["requestId", "method", "resourcePath", "status", "latencyMs", "error"] {
        assert!(line[field].is_string(), "the access log has {field}: {line}");
    }
    assert_eq!(
        resources["ApiGatewayAccount"]["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0],
        "ApiGatewayCloudWatchRole"
    );
    assert_eq!(resources["ApiAccessLogs"]["Properties"]["RetentionInDays"]["Ref"], "LogRetentionDays");
    // One stage: without OpenApiVersion SAM adds a `Stage` stage beside `live`.
    assert!(api["Properties"]["OpenApiVersion"].is_string());

    // The JWT secret is read from SSM at init: only its parameter's name is configured.
    let variables = &template["Globals"]["Function"]["Environment"]["Variables"];
    assert!(variables.get("JWT_SECRET").is_none(), "no secret in the environment");
    assert_eq!(variables["JWT_SECRET_PARAMETER"]["Ref"], "JwtSecretParameter");
    assert_eq!(variables["GOOGLE_CLIENT_ID"]["Ref"], "GoogleClientId");
    assert_eq!(variables["CORS_ALLOWED_ORIGINS"]["Ref"], "CorsAllowedOrigins");
    let parameters = template["Parameters"].as_object().unwrap();
    assert!(parameters["JwtSecretParameter"]["Default"].as_str().unwrap().starts_with('/'));
    // Placeholders would deploy a stack that cannot mail or serve its frontend.
    for required in ["FrontendUrl", "CorsAllowedOrigins", "MailFrom", "MailDomain"] {
        assert!(parameters[required].get("Default").is_none(), "{required} has no default");
    }
    assert_eq!(resources["MailIdentity"]["Properties"]["EmailIdentity"]["Ref"], "MailDomain");
}

#[test]
fn api_gateway_answers_its_own_errors_in_the_contracts_shape_with_cors() {
    let template: Value = serde_yaml_ng::from_str(&committed_template()).expect("valid YAML");
    let responses = template["Resources"]["Api"]["Properties"]["GatewayResponses"].as_object().unwrap();
    let mut seen = BTreeSet::new();
    for (kind, response) in responses {
        // The origin list is the app's; API Gateway's own errors echo the request's origin.
        let headers = &response["ResponseParameters"]["Headers"];
        assert_eq!(headers["Access-Control-Allow-Origin"], "method.request.header.Origin", "{kind} carries CORS");
        assert_eq!(headers["Vary"], "'Origin'", "{kind}");
        // API Gateway fills in its own message, a quoted string.
        let body = response["ResponseTemplates"]["application/json"]
            .as_str()
            .unwrap()
            .replace("$context.error.messageString", "\"Missing Authentication Token\"");
        let body: Value = serde_json::from_str(&body).unwrap_or_else(|err| panic!("{kind}: {err}: {body}"));
        let code = body["error"]["code"].as_str().unwrap().to_string();
        assert!(body["error"]["message"].is_string(), "{kind}: {body}");
        seen.insert((kind.as_str(), response["StatusCode"].as_str().map(str::to_string), code));
    }
    let expected: BTreeSet<_> = [
        ("DEFAULT_4XX", None, "invalid_request"),
        ("DEFAULT_5XX", None, "service_unavailable"),
        // An unknown path (or a method a path does not serve: API Gateway cannot say 405).
        ("MISSING_AUTHENTICATION_TOKEN", Some("404".to_string()), "not_found"),
        ("REQUEST_TOO_LARGE", Some("413".to_string()), "payload_too_large"),
        ("THROTTLED", Some("429".to_string()), "rate_limited"),
    ]
    .into_iter()
    .map(|(kind, status, code)| (kind, status, code.to_string()))
    .collect();
    assert_eq!(seen, expected);
}
