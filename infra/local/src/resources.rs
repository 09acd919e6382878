//! Creates the table, bucket, queues (with DLQs) and the SES sender identity in the
//! emulator. Idempotent: running it against existing resources changes nothing.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_s3::types::PublicAccessBlockConfiguration;
use aws_sdk_sqs::types::QueueAttributeName;
use shared::error::ErrorChain;
use shared::store::keys;
use shared::store::page::{GSI1, GSI1PK, GSI1SK, GSI2, GSI2PK, GSI2SK};
use shared::Deps;

/// How the queues behave. Lambda's defaults locally; tests shorten the visibility
/// timeout so a failed message comes back quickly.
#[derive(Clone, Copy, Debug)]
pub struct QueueSettings {
    pub visibility_timeout_secs: u32,
    pub max_receive_count: u32,
}

impl Default for QueueSettings {
    fn default() -> Self {
        Self { visibility_timeout_secs: 30, max_receive_count: 3 }
    }
}

pub type Error = Box<dyn std::error::Error + Send + Sync>;

fn failed(what: &str, err: &(dyn std::error::Error + 'static)) -> Error {
    format!("{what}: {}", ErrorChain(err)).into()
}

pub async fn ensure_all(deps: &Deps, queues: QueueSettings) -> Result<(), Error> {
    tokio::try_join!(ensure_table(deps), ensure_bucket(deps), ensure_queues(deps, queues), ensure_sender(deps))?;
    Ok(())
}

fn attribute(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("name and type are set")
}

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder().attribute_name(name).key_type(key_type).build().expect("name and type are set")
}

pub async fn ensure_table(deps: &Deps) -> Result<(), Error> {
    let table = &deps.config.table_name;
    let index = |name: &str, pk: &str, sk: &str| {
        GlobalSecondaryIndex::builder()
            .index_name(name)
            .key_schema(key(pk, KeyType::Hash))
            .key_schema(key(sk, KeyType::Range))
            .projection(Projection::builder().projection_type(ProjectionType::All).build())
            .build()
            .expect("index is complete")
    };
    let created = deps
        .dynamo
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute(keys::PK))
        .attribute_definitions(attribute(keys::SK))
        .attribute_definitions(attribute(GSI1PK))
        .attribute_definitions(attribute(GSI1SK))
        .attribute_definitions(attribute(GSI2PK))
        .attribute_definitions(attribute(GSI2SK))
        .key_schema(key(keys::PK, KeyType::Hash))
        .key_schema(key(keys::SK, KeyType::Range))
        .global_secondary_indexes(index(GSI1, GSI1PK, GSI1SK))
        .global_secondary_indexes(index(GSI2, GSI2PK, GSI2SK))
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => {}
        Err(err) => return Err(failed("creating the table", &err)),
    }
    let ttl =
        deps.dynamo.describe_time_to_live().table_name(table).send().await.map_err(|e| failed("reading TTL", &e))?;
    let enabled = ttl.time_to_live_description().and_then(|d| d.attribute_name()).is_some_and(|name| name == keys::TTL);
    if !enabled {
        let spec =
            TimeToLiveSpecification::builder().enabled(true).attribute_name(keys::TTL).build().expect("complete");
        if let Err(err) =
            deps.dynamo.update_time_to_live().table_name(table).time_to_live_specification(spec).send().await
        {
            // Another process may have enabled it in between.
            tracing::debug!(error = %ErrorChain(&err), "enabling TTL");
        }
    }
    Ok(())
}

pub async fn ensure_bucket(deps: &Deps) -> Result<(), Error> {
    let bucket = &deps.config.files_bucket;
    match deps.s3.create_bucket().bucket(bucket).send().await {
        Ok(_) => {}
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_bucket_already_owned_by_you() || e.is_bucket_already_exists()) => {}
        Err(err) => return Err(failed("creating the bucket", &err)),
    }
    let block_all = PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build();
    deps.s3
        .put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(block_all)
        .send()
        .await
        .map_err(|e| failed("blocking public access", &e))?;
    Ok(())
}

/// The queue name is the last segment of its configured URL.
pub fn queue_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

pub async fn ensure_queues(deps: &Deps, settings: QueueSettings) -> Result<(), Error> {
    tokio::try_join!(
        ensure_queue_with_dlq(deps, queue_name(&deps.config.email_queue_url), settings),
        ensure_queue_with_dlq(deps, queue_name(&deps.config.title_queue_url), settings),
        ensure_queue_with_dlq(deps, queue_name(&deps.config.memory_queue_url), settings),
        ensure_queue_with_dlq(deps, queue_name(&deps.config.portability_queue_url), settings),
    )?;
    Ok(())
}

async fn ensure_queue_with_dlq(deps: &Deps, name: &str, settings: QueueSettings) -> Result<(), Error> {
    let dlq_name = format!("{name}-dlq");
    let dlq = deps
        .sqs
        .create_queue()
        .queue_name(&dlq_name)
        .attributes(QueueAttributeName::MessageRetentionPeriod, "1209600")
        .send()
        .await
        .map_err(|e| failed("creating a DLQ", &e))?;
    let dlq_arn = deps
        .sqs
        .get_queue_attributes()
        .queue_url(dlq.queue_url().unwrap_or_default())
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| failed("reading a DLQ", &e))?
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .ok_or("the DLQ has no ARN")?;
    let redrive =
        serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": settings.max_receive_count.to_string()});
    deps.sqs
        .create_queue()
        .queue_name(name)
        .attributes(QueueAttributeName::VisibilityTimeout, settings.visibility_timeout_secs.to_string())
        .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
        .send()
        .await
        .map_err(|e| failed("creating a queue", &e))?;
    Ok(())
}

/// The domain of the `MAIL_FROM` address (`Name <user@domain>` or `user@domain`).
pub fn sender_domain(mail_from: &str) -> &str {
    let address = mail_from.rsplit('<').next().unwrap_or(mail_from).trim_end_matches('>');
    address.rsplit('@').next().unwrap_or(address).trim()
}

/// SES only sends from verified identities; locally the sender's domain is verified.
pub async fn ensure_sender(deps: &Deps) -> Result<(), Error> {
    deps.ses
        .verify_domain_identity()
        .domain(sender_domain(&deps.config.mail_from))
        .send()
        .await
        .map_err(|e| failed("verifying the sender", &e))?;
    Ok(())
}
