//! Generates `template.yaml` (AWS SAM) from the route table, so the deployed API has
//! exactly the functions, methods, paths and permissions the code declares.
//! `cargo run -p local-stack --bin local -- template > template.yaml`; a test checks
//! the committed file is current.

use functions::routes::{Permission, Queue, Route, Scheduled, Worker};
use serde_json::{json, Value};
use shared::access::{ObjectAccess, TableAccess};

/// `FunctionName` → `FunctionNameFunction` in CamelCase, the resource's logical id.
pub fn logical_id(function_name: &str) -> String {
    let camel: String = function_name
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect();
    format!("{camel}Function")
}

fn reference(name: &str) -> Value {
    json!({ "Ref": name })
}

fn get_att(resource: &str, attribute: &str) -> Value {
    json!({ "Fn::GetAtt": [resource, attribute] })
}

fn sub(text: &str) -> Value {
    json!({ "Fn::Sub": text })
}

fn queue_resource(queue: Queue) -> &'static str {
    match queue {
        Queue::Email => "EmailQueue",
        Queue::Titles => "TitleQueue",
        Queue::Memory => "MemoryQueue",
        Queue::Portability => "PortabilityQueue",
    }
}

/// How long a queue hides a received message: six times its worker's timeout (AWS's
/// advice for SQS-triggered functions).
fn visibility(queue: Queue) -> u32 {
    6 * functions::workers().iter().filter(|w| w.queue == queue).map(|w| w.timeout_secs).max().unwrap_or(60)
}

/// `dynamodb:LeadingKeys` limited to `prefixes`, or no condition for every partition.
fn leading_keys(prefixes: &[&str]) -> Option<Value> {
    if prefixes.contains(&"") {
        return None;
    }
    let patterns: Vec<String> = prefixes.iter().map(|prefix| format!("{prefix}*")).collect();
    Some(json!({ "ForAllValues:StringLike": { "dynamodb:LeadingKeys": patterns } }))
}

fn with_condition(mut statement: Value, condition: Option<Value>) -> Value {
    if let Some(condition) = condition {
        statement["Condition"] = condition;
    }
    statement
}

const TABLE_READS: [&str; 4] =
    ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"];
const TABLE_WRITES: [&str; 4] =
    ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"];

/// The table statements of one function: reads of its partitions (in the table and the
/// indexes), writes of its partitions, and for a route that only reads, an update of its
/// session's `last_used_at` and nothing else.
fn table_statements(access: &TableAccess) -> Vec<Value> {
    let mut statements = vec![with_condition(
        json!({
            "Effect": "Allow",
            "Action": TABLE_READS,
            "Resource": [get_att("Table", "Arn"), sub("${Table.Arn}/index/*")],
        }),
        leading_keys(access.read),
    )];
    if !access.write.is_empty() {
        statements.push(with_condition(
            json!({ "Effect": "Allow", "Action": TABLE_WRITES, "Resource": [get_att("Table", "Arn")] }),
            leading_keys(access.write),
        ));
    }
    if access.touch_session && !access.write.contains(&shared::access::USER_PARTITIONS) {
        statements.push(json!({
            "Effect": "Allow",
            "Action": ["dynamodb:UpdateItem"],
            "Resource": [get_att("Table", "Arn")],
            "Condition": {
                "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [format!("{}*", shared::access::USER_PARTITIONS)] },
                "ForAllValues:StringEquals": { "dynamodb:Attributes": shared::access::SESSION_TOUCH_ATTRIBUTES },
                "StringEqualsIfExists": { "dynamodb:ReturnValues": ["NONE", "UPDATED_NEW"] }
            }
        }));
    }
    statements
}

fn object_arns(prefixes: &[&str]) -> Vec<Value> {
    prefixes.iter().map(|prefix| sub(&format!("${{FilesBucket.Arn}}/{prefix}*"))).collect()
}

/// The bucket statements of one function: reads and writes under its prefixes, and a
/// listing of them (without it S3 answers 403 instead of 404 for a missing object).
fn object_statements(access: &ObjectAccess) -> Vec<Value> {
    let mut statements = Vec::new();
    if !access.read.is_empty() {
        statements.push(json!({ "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": object_arns(access.read) }));
    }
    if !access.write.is_empty() {
        statements.push(json!({
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
            "Resource": object_arns(access.write),
        }));
    }
    let listable: Vec<String> = access.listable().iter().map(|prefix| format!("{prefix}*")).collect();
    statements.push(json!({
        "Effect": "Allow",
        "Action": ["s3:ListBucket"],
        "Resource": [get_att("FilesBucket", "Arn")],
        "Condition": { "StringLike": { "s3:prefix": listable } },
    }));
    statements
}

/// The models a function may call: the configured inference profiles (or models), and the
/// foundation models behind them only through those profiles.
fn model_statements() -> Vec<Value> {
    // Each of ModelPrimary, ModelSmall and the comma-separated ModelFallbacks, as ARNs.
    let arns = |kind: &str| {
        let prefix = format!("arn:${{AWS::Partition}}:bedrock:${{AWS::Region}}:${{AWS::AccountId}}:{kind}/");
        let prefix_any_region = format!("arn:${{AWS::Partition}}:bedrock:*::{kind}/");
        let prefix = if kind == "foundation-model" { prefix_any_region } else { prefix };
        json!({ "Fn::Split": [",", { "Fn::Sub": [
            format!("{prefix}${{ModelPrimary}},{prefix}${{ModelSmall}},{prefix}${{Fallbacks}}"),
            { "Fallbacks": { "Fn::Join": [format!(",{prefix}"), { "Fn::Split": [",", reference("ModelFallbacks")] }] } }
        ] }] })
    };
    vec![
        json!({
            "Effect": "Allow",
            "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            "Resource": arns("inference-profile"),
        }),
        json!({
            "Effect": "Allow",
            "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            "Resource": sub("arn:${AWS::Partition}:bedrock:*::foundation-model/*"),
            "Condition": { "StringLike": { "bedrock:InferenceProfileArn": arns("inference-profile") } },
        }),
        json!({
            "Effect": "Allow",
            "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            "Resource": arns("foundation-model"),
        }),
    ]
}

fn statements(permissions: &[Permission]) -> Vec<Value> {
    permissions
        .iter()
        .flat_map(|permission| match permission {
            Permission::Table(access) => table_statements(access),
            Permission::Objects(access) => object_statements(access),
            Permission::InvokeModel => model_statements(),
            Permission::Describe => vec![json!({
                "Effect": "Allow",
                "Action": ["dynamodb:DescribeTable", "s3:ListBucket", "sqs:GetQueueAttributes"],
                "Resource": [get_att("Table", "Arn"), get_att("FilesBucket", "Arn"), get_att("EmailQueue", "Arn")],
            })],
            Permission::EnqueueEmail => vec![send_to("EmailQueue")],
            Permission::EnqueueTitle => vec![send_to("TitleQueue")],
            Permission::EnqueueMemory => vec![send_to("MemoryQueue")],
            Permission::EnqueuePortability => vec![send_to("PortabilityQueue")],
            Permission::JwtSecret => vec![json!({
                "Effect": "Allow",
                "Action": ["ssm:GetParameter"],
                "Resource": [sub("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${JwtSecretParameter}")],
            })],
            Permission::SendEmail => vec![json!({
                "Effect": "Allow",
                "Action": ["ses:SendEmail"],
                "Resource": [sub("arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${MailDomain}")],
            })],
        })
        .collect()
}

fn send_to(queue: &str) -> Value {
    json!({ "Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [get_att(queue, "Arn")] })
}

fn policies(permissions: &[Permission]) -> Value {
    if permissions.is_empty() {
        return json!([]);
    }
    json!([{ "Version": "2012-10-17", "Statement": statements(permissions) }])
}

/// How long a streamed answer may take (the function's timeout, and the REST API
/// integration's, which may exceed 29 s only for streaming integrations).
const STREAM_TIMEOUT_SECS: u64 = 300;

/// `serves_preflight`: this function also answers the browser's CORS preflight (OPTIONS)
/// for its path, with the app's list of origins. One function a path does.
fn http_function(route: &Route, serves_preflight: bool) -> Value {
    let mut event = json!({
        "RestApiId": reference("Api"), "Path": route.path(), "Method": route.method().to_lowercase()
    });
    let mut function = json!({
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "Description": route.summary(),
            "Environment": { "Variables": { "FUNCTION": route.name } },
            "Policies": policies(route.permissions),
        }
    });
    if route.streams {
        // Lambda response streaming through the REST API: the integration invokes
        // the function with InvokeWithResponseStream and passes the body on as written.
        // SAM's value is `RESPONSE_STREAM` (it sets the integration's `STREAM` mode and
        // the response-streaming URI); any other value is silently ignored and leaves a
        // buffered integration. infra/tests/test_sam_transform.py checks the result.
        event["ResponseTransferMode"] = json!("RESPONSE_STREAM");
        event["TimeoutInMillis"] = json!(STREAM_TIMEOUT_SECS * 1000);
        function["Properties"]["Timeout"] = json!(STREAM_TIMEOUT_SECS);
    }
    function["Properties"]["Events"] = json!({ "Api": { "Type": "Api", "Properties": event } });
    if serves_preflight {
        function["Properties"]["Events"]["Preflight"] = json!({ "Type": "Api", "Properties": {
            "RestApiId": reference("Api"), "Path": route.path(), "Method": "options"
        } });
    }
    function
}

fn worker_function(worker: &Worker) -> Value {
    let mut function = json!({
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "Description": worker.summary,
            "Timeout": worker.timeout_secs,
            "Environment": { "Variables": { "FUNCTION": worker.name } },
            "Policies": policies(worker.permissions),
            "Events": {
                "Queue": {
                    "Type": "SQS",
                    "Properties": {
                        "Queue": get_att(queue_resource(worker.queue), "Arn"),
                        "BatchSize": worker.batch_size,
                        "MaximumBatchingWindowInSeconds": 1,
                        "FunctionResponseTypes": ["ReportBatchItemFailures"],
                        // A flood of jobs cannot take the account's concurrency from
                        // the API: each queue runs at most this many at once (without
                        // reserving any, which a new account's low limit would refuse).
                        "ScalingConfig": { "MaximumConcurrency": WORKER_MAX_CONCURRENCY }
                    }
                }
            }
        }
    });
    if let Some(size) = worker.disk_mb {
        function["Properties"]["EphemeralStorage"] = json!({ "Size": size });
    }
    function
}

/// The most instances of one worker at once.
const WORKER_MAX_CONCURRENCY: u32 = 10;

/// The dead-letter queues: each has an alarm on its depth.
const DEAD_LETTER_QUEUES: [&str; 5] = [
    "EmailDeadLetterQueue",
    "TitleDeadLetterQueue",
    "MemoryDeadLetterQueue",
    "PortabilityDeadLetterQueue",
    "ScheduleDeadLetterQueue",
];

/// A log group kept when the stack goes, for `LogRetentionDays`.
fn log_group() -> Value {
    json!({
        "Type": "AWS::Logs::LogGroup",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": { "RetentionInDays": reference("LogRetentionDays") }
    })
}

/// Alarms, the log groups, the TLS-only bucket policy and the schedules' dead letters.
fn operations(resources: &mut serde_json::Map<String, Value>) {
    resources.insert("FunctionLogs".into(), log_group());
    resources.insert(
        "FilesBucketPolicy".into(),
        json!({
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": reference("FilesBucket"),
                "PolicyDocument": { "Version": "2012-10-17", "Statement": [{
                    "Sid": "TlsOnly",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [get_att("FilesBucket", "Arn"), sub("${FilesBucket.Arn}/*")],
                    "Condition": { "Bool": { "aws:SecureTransport": "false" } }
                }] }
            }
        }),
    );
    resources.insert(
        "ScheduleDeadLetterQueue".into(),
        json!({ "Type": "AWS::SQS::Queue", "Properties": { "MessageRetentionPeriod": 1_209_600, "SqsManagedSseEnabled": true } }),
    );
    resources.insert(
        "ScheduleDeadLetterQueuePolicy".into(),
        json!({
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {
                "Queues": [reference("ScheduleDeadLetterQueue")],
                "PolicyDocument": { "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow",
                    "Principal": { "Service": "events.amazonaws.com" },
                    "Action": "sqs:SendMessage",
                    "Resource": get_att("ScheduleDeadLetterQueue", "Arn")
                }] }
            }
        }),
    );
    resources.insert("ApiAccessLogs".into(), log_group());
    // API Gateway writes access logs with a role set once per account and region (kept when
    // the stack goes: other APIs of the account may log with it).
    resources.insert(
        "ApiGatewayCloudWatchRole".into(),
        json!({
            "Type": "AWS::IAM::Role",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "AssumeRolePolicyDocument": { "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow",
                    "Principal": { "Service": "apigateway.amazonaws.com" },
                    "Action": "sts:AssumeRole"
                }] },
                "ManagedPolicyArns": [sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")]
            }
        }),
    );
    resources.insert(
        "ApiGatewayAccount".into(),
        json!({
            "Type": "AWS::ApiGateway::Account",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": { "CloudWatchRoleArn": get_att("ApiGatewayCloudWatchRole", "Arn") }
        }),
    );
    resources.insert(
        "MailIdentity".into(),
        json!({
            "Type": "AWS::SES::EmailIdentity",
            "Condition": "CreatesMailIdentity",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": { "EmailIdentity": reference("MailDomain"), "DkimSigningAttributes": { "NextSigningKeyLength": "RSA_2048_BIT" } }
        }),
    );
    resources.insert("AlarmTopic".into(), json!({ "Type": "AWS::SNS::Topic", "Properties": {} }));
    resources.insert(
        "AlarmEmailSubscription".into(),
        json!({
            "Type": "AWS::SNS::Subscription",
            "Condition": "HasAlarmEmail",
            "Properties": { "TopicArn": reference("AlarmTopic"), "Protocol": "email", "Endpoint": reference("AlarmEmail") }
        }),
    );
    for queue in DEAD_LETTER_QUEUES {
        resources.insert(
            format!("{queue}Alarm"),
            json!({
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "AlarmDescription": format!("A job reached {queue}: it failed every delivery."),
                    "Namespace": "AWS/SQS",
                    "MetricName": "ApproximateNumberOfMessagesVisible",
                    "Dimensions": [{ "Name": "QueueName", "Value": get_att(queue, "QueueName") }],
                    "Statistic": "Maximum",
                    "Period": 300,
                    "EvaluationPeriods": 1,
                    "Threshold": 1,
                    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                    "TreatMissingData": "notBreaching",
                    "AlarmActions": [reference("AlarmTopic")]
                }
            }),
        );
    }
    resources.insert(
        "Api5xxAlarm".into(),
        json!({
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmDescription": "More than 1% of API requests answered 5xx over 5 minutes.",
                "Namespace": "AWS/ApiGateway",
                "MetricName": "5XXError",
                "Dimensions": [{ "Name": "ApiName", "Value": sub("${AWS::StackName}") }, { "Name": "Stage", "Value": "live" }],
                "Statistic": "Average",
                "Period": 300,
                "EvaluationPeriods": 1,
                "Threshold": 0.01,
                "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "notBreaching",
                "AlarmActions": [reference("AlarmTopic")]
            }
        }),
    );
}

fn scheduled_function(job: &Scheduled) -> Value {
    json!({
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "Description": job.summary,
            "Timeout": 300,
            "Environment": { "Variables": { "FUNCTION": job.name } },
            "Policies": policies(job.permissions),
            "Events": {
                "Schedule": { "Type": "Schedule", "Properties": {
                    "Schedule": job.schedule,
                    // A run that fails is tried twice more, then kept for a person.
                    "RetryPolicy": { "MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600 },
                    "DeadLetterConfig": { "Arn": get_att("ScheduleDeadLetterQueue", "Arn") }
                } }
            }
        }
    })
}

/// What API Gateway answers by itself (before any function runs), in the contract's
/// error shape and with the CORS header. API Gateway cannot answer 405: a known path
/// with a method it does not serve is, to it, a path without a route, so it is 404.
fn gateway_responses() -> Value {
    let response = |status: Option<u16>, code: &str, message: &str| {
        // `$context.error.messageString` is API Gateway's own message, quoted.
        let message =
            if message.is_empty() { "$context.error.messageString".to_string() } else { format!("\"{message}\"") };
        let mut response = json!({
            // API Gateway's own errors carry no data, so they may be read by any origin:
            // the request's Origin is echoed (a list of origins cannot be a static header).
            "ResponseParameters": { "Headers": {
                "Access-Control-Allow-Origin": "method.request.header.Origin",
                "Vary": "'Origin'"
            } },
            "ResponseTemplates": {
                "application/json": format!("{{\"error\": {{\"code\": \"{code}\", \"message\": {message}}}}}")
            }
        });
        if let Some(status) = status {
            response["StatusCode"] = json!(status.to_string());
        }
        response
    };
    json!({
        "MISSING_AUTHENTICATION_TOKEN": response(Some(404), "not_found", "No such route."),
        "THROTTLED": response(Some(429), "rate_limited", "Too many requests. Try again later."),
        "REQUEST_TOO_LARGE": response(Some(413), "payload_too_large", "The request body is too large."),
        "DEFAULT_4XX": response(None, "invalid_request", ""),
        "DEFAULT_5XX": response(None, "service_unavailable", "The service could not answer. Try again shortly.")
    })
}

/// One JSON line per request: no headers, no bodies, no tokens. (`messageString` is
/// API Gateway's message already quoted for JSON.)
const ACCESS_LOG_FORMAT: &str = concat!(
    r#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","#,
    r#""requestTime":"$context.requestTime","method":"$context.httpMethod","#,
    r#""resourcePath":"$context.resourcePath","status":"$context.status","#,
    r#""responseLength":"$context.responseLength","latencyMs":"$context.responseLatency","#,
    r#""integrationLatencyMs":"$context.integrationLatency","error":$context.error.messageString}"#
);

pub fn document() -> Value {
    let mut resources = serde_json::Map::new();
    resources.insert(
        "Api".into(),
        json!({
            "Type": "AWS::Serverless::Api",
            // The stage's access logs need the account's CloudWatch role first.
            "DependsOn": ["ApiGatewayAccount"],
            "Properties": {
                "StageName": "live",
                // No API Gateway authorizer or API key: each function checks the bearer
                // token itself (the route table says which routes are public). Declared,
                // so that `sam deploy` does not ask "has no authentication. Is this okay?"
                // about each route.
                "Auth": { "ApiKeyRequired": false },
                // Without it SAM also makes a stage named `Stage`, serving the same API
                // without the live stage's throttling, logs and alarm.
                "OpenApiVersion": "3.0.1",
                "EndpointConfiguration": { "Type": "REGIONAL" },
                "TracingEnabled": true,
                "AccessLogSetting": {
                    "DestinationArn": get_att("ApiAccessLogs", "Arn"),
                    "Format": ACCESS_LOG_FORMAT
                },
                "GatewayResponses": gateway_responses(),
                "MethodSettings": [{
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": reference("ApiThrottleRate"),
                    "ThrottlingBurstLimit": reference("ApiThrottleBurst")
                }]
            }
        }),
    );
    resources.insert(
        "Table".into(),
        json!({
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [
                    { "AttributeName": "PK", "AttributeType": "S" },
                    { "AttributeName": "SK", "AttributeType": "S" },
                    { "AttributeName": "GSI1PK", "AttributeType": "S" },
                    { "AttributeName": "GSI1SK", "AttributeType": "S" },
                    { "AttributeName": "GSI2PK", "AttributeType": "S" },
                    { "AttributeName": "GSI2SK", "AttributeType": "S" }
                ],
                "KeySchema": [
                    { "AttributeName": "PK", "KeyType": "HASH" },
                    { "AttributeName": "SK", "KeyType": "RANGE" }
                ],
                "GlobalSecondaryIndexes": [{
                    "IndexName": "GSI1",
                    "KeySchema": [
                        { "AttributeName": "GSI1PK", "KeyType": "HASH" },
                        { "AttributeName": "GSI1SK", "KeyType": "RANGE" }
                    ],
                    "Projection": { "ProjectionType": "ALL" }
                }, {
                    "IndexName": "GSI2",
                    "KeySchema": [
                        { "AttributeName": "GSI2PK", "KeyType": "HASH" },
                        { "AttributeName": "GSI2SK", "KeyType": "RANGE" }
                    ],
                    "Projection": { "ProjectionType": "ALL" }
                }],
                "TimeToLiveSpecification": { "AttributeName": "ttl", "Enabled": true },
                "DeletionProtectionEnabled": true,
                "PointInTimeRecoverySpecification": { "PointInTimeRecoveryEnabled": true },
                "SSESpecification": { "SSEEnabled": true }
            }
        }),
    );
    resources.insert(
        "FilesBucket".into(),
        json!({
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true
                },
                "OwnershipControls": { "Rules": [{ "ObjectOwnership": "BucketOwnerEnforced" }] },
                "BucketEncryption": { "ServerSideEncryptionConfiguration": [{ "ServerSideEncryptionByDefault": { "SSEAlgorithm": "AES256" } }] },
                // A backstop behind the cleanup job: uploads are checked within minutes
                // and moved to `files/` or `avatars/`; anything left in `uploads/` goes after 2 days.
                "LifecycleConfiguration": { "Rules": [
                    { "Id": "expire-unchecked-uploads", "Status": "Enabled", "Prefix": "uploads/", "ExpirationInDays": 2 },
                    { "Id": "expire-export-archives", "Status": "Enabled", "Prefix": "exports/", "ExpirationInDays": 2 },
                    { "Id": "abort-incomplete-multipart", "Status": "Enabled", "AbortIncompleteMultipartUpload": { "DaysAfterInitiation": 1 } }
                ] },
                "CorsConfiguration": { "CorsRules": [{
                    "AllowedOrigins": { "Fn::Split": [",", reference("CorsAllowedOrigins")] },
                    "AllowedMethods": ["PUT", "GET"],
                    "AllowedHeaders": ["*"],
                    "MaxAge": 600
                }] }
            }
        }),
    );
    resources.insert(
        "EmailDeadLetterQueue".into(),
        json!({ "Type": "AWS::SQS::Queue", "Properties": { "MessageRetentionPeriod": 1_209_600, "SqsManagedSseEnabled": true } }),
    );
    resources.insert(
        "TitleDeadLetterQueue".into(),
        json!({ "Type": "AWS::SQS::Queue", "Properties": { "MessageRetentionPeriod": 1_209_600, "SqsManagedSseEnabled": true } }),
    );
    resources.insert(
        "TitleQueue".into(),
        json!({
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "VisibilityTimeout": visibility(Queue::Titles),
                // Jobs wait 4 days at most (SQS's default, stated); dead letters 14.
                "MessageRetentionPeriod": 345_600,
                "SqsManagedSseEnabled": true,
                "RedrivePolicy": { "deadLetterTargetArn": get_att("TitleDeadLetterQueue", "Arn"), "maxReceiveCount": 3 }
            }
        }),
    );
    resources.insert(
        "MemoryDeadLetterQueue".into(),
        json!({ "Type": "AWS::SQS::Queue", "Properties": { "MessageRetentionPeriod": 1_209_600, "SqsManagedSseEnabled": true } }),
    );
    resources.insert(
        "MemoryQueue".into(),
        json!({
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "VisibilityTimeout": visibility(Queue::Memory),
                // Jobs wait 4 days at most (SQS's default, stated); dead letters 14.
                "MessageRetentionPeriod": 345_600,
                "SqsManagedSseEnabled": true,
                "RedrivePolicy": { "deadLetterTargetArn": get_att("MemoryDeadLetterQueue", "Arn"), "maxReceiveCount": 3 }
            }
        }),
    );
    resources.insert(
        "PortabilityDeadLetterQueue".into(),
        json!({ "Type": "AWS::SQS::Queue", "Properties": { "MessageRetentionPeriod": 1_209_600, "SqsManagedSseEnabled": true } }),
    );
    resources.insert(
        "PortabilityQueue".into(),
        json!({
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "VisibilityTimeout": visibility(Queue::Portability),
                // Jobs wait 4 days at most (SQS's default, stated); dead letters 14.
                "MessageRetentionPeriod": 345_600,
                "SqsManagedSseEnabled": true,
                "RedrivePolicy": { "deadLetterTargetArn": get_att("PortabilityDeadLetterQueue", "Arn"), "maxReceiveCount": 3 }
            }
        }),
    );
    resources.insert(
        "EmailQueue".into(),
        json!({
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "VisibilityTimeout": visibility(Queue::Email),
                // Jobs wait 4 days at most (SQS's default, stated); dead letters 14.
                "MessageRetentionPeriod": 345_600,
                "SqsManagedSseEnabled": true,
                "RedrivePolicy": { "deadLetterTargetArn": get_att("EmailDeadLetterQueue", "Arn"), "maxReceiveCount": 3 }
            }
        }),
    );
    operations(&mut resources);
    let mut paths_with_preflight = std::collections::HashSet::new();
    for route in functions::routes() {
        let serves_preflight = paths_with_preflight.insert(route.path());
        resources.insert(logical_id(route.name), http_function(route, serves_preflight));
    }
    for worker in functions::workers() {
        resources.insert(logical_id(worker.name), worker_function(worker));
    }
    for job in functions::scheduled() {
        resources.insert(logical_id(job.name), scheduled_function(job));
    }

    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Description": "myclaude backend: one Lambda function per route (all from one bootstrap binary), one DynamoDB table, S3, SQS workers, SES. Generated from the route table; do not edit by hand.",
        "Parameters": {
            "JwtSecretParameter": { "Type": "String", "Default": "/myclaude/jwt-secret", "AllowedPattern": "^/[A-Za-z0-9_.\\-/]+$", "Description": "Name of the SSM Parameter Store SecureString holding the HS256 signing secret (at least 32 characters); create it before the first deploy. Read once at init by the functions that sign or verify tokens" },
            "PublicApiUrl": { "Type": "String", "Default": "", "Description": "The API's public address up to /api/v1 when it has a custom domain (for prototype preview URLs); empty: API Gateway's own address" },
            "LogLevel": { "Type": "String", "Default": "info", "Description": "The functions' log levels: a default and by target, e.g. info or info,shared=debug" },
            "GoogleClientId": { "Type": "String", "Default": "", "Description": "OAuth client id of the web frontend for Sign in with Google; empty: Google sign-in answers 503" },
            "FrontendUrl": { "Type": "String", "AllowedPattern": "^https?://.+", "Description": "Base URL of the web frontend (links in emails), e.g. https://app.example.com" },
            "CorsAllowedOrigins": { "Type": "String", "AllowedPattern": "^https?://[^,]+(,https?://[^,]+)*$", "Description": "Comma-separated origins of the web frontend that CORS allows (the API and the files bucket), e.g. https://app.example.com" },
            "MailFrom": { "Type": "String", "Description": "Sender of every email, at MailDomain, e.g. myclaude <no-reply@example.com>" },
            "MailDomain": { "Type": "String", "AllowedPattern": "^[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$", "Description": "Domain of MailFrom; SES sends only from a verified identity" },
            "CreateMailIdentity": { "Type": "String", "Default": "true", "AllowedValues": ["true", "false"], "Description": "Create the SES identity of MailDomain (DKIM records in the outputs); false if the account already has it" },
            "ModelPrimary": { "Type": "String", "Default": shared::config::DEFAULT_PRIMARY_MODEL, "Description": "Bedrock model (inference profile) that answers chats" },
            "ModelFallbacks": { "Type": "String", "Default": shared::config::DEFAULT_FALLBACK_MODEL, "Description": "Comma-separated fallback models" },
            "ModelSmall": { "Type": "String", "Default": shared::config::DEFAULT_FALLBACK_MODEL, "Description": "Small model for titles and memory extraction" },
            "LogRetentionDays": { "Type": "Number", "Default": 30, "AllowedValues": [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], "Description": "Days every function's logs are kept (one shared log group)" },
            "ApiThrottleRate": { "Type": "Number", "Default": 50, "MinValue": 1, "Description": "Requests a second the API stage accepts (steady rate) before it answers 429" },
            "ApiThrottleBurst": { "Type": "Number", "Default": 100, "MinValue": 1, "Description": "Requests the API stage accepts in a burst before it answers 429" },
            "AlarmEmail": { "Type": "String", "Default": "", "Description": "Email address the alarms (dead-letter queues, API 5xx) are sent to; empty: alarms go only to the AlarmTopic SNS topic" }
        },
        "Conditions": {
            "HasAlarmEmail": { "Fn::Not": [{ "Fn::Equals": [reference("AlarmEmail"), ""] }] },
            "CreatesMailIdentity": { "Fn::Equals": [reference("CreateMailIdentity"), "true"] }
        },
        "Globals": {
            "Function": {
                "CodeUri": "target/lambda/bootstrap/",
                "Handler": "bootstrap",
                "Runtime": "provided.al2023",
                "Architectures": ["arm64"],
                "MemorySize": 512,
                "Timeout": 29,
                "Tracing": "Active",
                "LoggingConfig": { "LogFormat": "JSON", "LogGroup": reference("FunctionLogs") },
                "Environment": {
                    "Variables": {
                        "TABLE_NAME": reference("Table"),
                        "FILES_BUCKET": reference("FilesBucket"),
                        "EMAIL_QUEUE_URL": reference("EmailQueue"),
                        "TITLE_QUEUE_URL": reference("TitleQueue"),
                        "MEMORY_QUEUE_URL": reference("MemoryQueue"),
                        "PORTABILITY_QUEUE_URL": reference("PortabilityQueue"),
                        "MODEL_PRIMARY": reference("ModelPrimary"),
                        "MODEL_FALLBACKS": reference("ModelFallbacks"),
                        "MODEL_SMALL": reference("ModelSmall"),
                        "JWT_SECRET_PARAMETER": reference("JwtSecretParameter"),
                        "GOOGLE_CLIENT_ID": reference("GoogleClientId"),
                        "PUBLIC_API_URL": reference("PublicApiUrl"),
                        "LOG_LEVEL": reference("LogLevel"),
                        "MAIL_FROM": reference("MailFrom"),
                        "FRONTEND_URL": reference("FrontendUrl"),
                        "CORS_ALLOWED_ORIGINS": reference("CorsAllowedOrigins")
                    }
                }
            }
        },
        "Resources": resources,
        "Outputs": {
            "ApiUrl": { "Description": "Base URL of the API", "Value": sub("https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/live") },
            "MailDkimRecords": {
                "Condition": "CreatesMailIdentity",
                "Description": "The three DKIM CNAME records (name CNAME value) to add to MailDomain's DNS; SES verifies the domain once they resolve",
                "Value": { "Fn::Join": ["; ", [
                    { "Fn::Join": [" CNAME ", [get_att("MailIdentity", "DkimDNSTokenName1"), get_att("MailIdentity", "DkimDNSTokenValue1")]] },
                    { "Fn::Join": [" CNAME ", [get_att("MailIdentity", "DkimDNSTokenName2"), get_att("MailIdentity", "DkimDNSTokenValue2")]] },
                    { "Fn::Join": [" CNAME ", [get_att("MailIdentity", "DkimDNSTokenName3"), get_att("MailIdentity", "DkimDNSTokenValue3")]] }
                ]] }
            }
        }
    })
}

pub fn render() -> String {
    let yaml = serde_yaml_ng::to_string(&document()).expect("the template serialises");
    format!("# Generated from the route table by `make template`; do not edit by hand.\n{yaml}")
}
