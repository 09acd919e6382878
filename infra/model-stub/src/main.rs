//! `model-stub`: the local stand-in for Bedrock on 127.0.0.1:$MODEL_STUB_PORT (4010).

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().json().with_env_filter(tracing_subscriber::EnvFilter::new("info")).init();
    let port = std::env::var("MODEL_STUB_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(model_stub::DEFAULT_PORT);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("model stub (Bedrock Converse/ConverseStream) on http://127.0.0.1:{port}");
    model_stub::serve(listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
