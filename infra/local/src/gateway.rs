//! The local API Gateway: serves the axum Router of every route (`functions::app`)
//! over HTTP. STREAM routes stream, as with Lambda response streaming; the client IP
//! is the socket's peer.

use axum::ServiceExt;
use shared::Deps;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Serves until `shutdown` resolves.
pub async fn serve(
    deps: Arc<Deps>,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = functions::app::local(deps);
    // Events are small writes: without TCP_NODELAY, Nagle's algorithm holds each one
    // back until the client acknowledged the previous one.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let app = ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<SocketAddr>(app);
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
