//! Outbound HTTPS to what is not AWS (Google sign-in's JSON GETs): hyper's pooled client
//! over rustls on ring, trusting the system's root certificates. That is the stack the
//! SDK's own client is built from (`crate::aws::https_client`), so the binary carries one
//! HTTP client, one TLS library and one certificate verifier. Built on first use: only
//! Google sign-in calls out, and no other function's cold start pays for reading the roots.

use bytes::Bytes;
use http::header::{HeaderValue, AUTHORIZATION};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Empty, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde::de::DeserializeOwned;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Time to open a connection, TLS included.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Time for a whole call: connection, request, and the answer read in full.
const TIMEOUT: Duration = Duration::from_secs(5);
/// Far above what Google's endpoints answer (a few KB), far below what would hurt.
const MAX_BODY: usize = 1 << 20;

type Hyper = hyper_util::client::legacy::Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// A pooled client for GETs; cheap to keep in `Deps`, built on its first call.
pub struct Client {
    hyper: OnceLock<Hyper>,
    timeout: Duration,
    /// The roots to trust instead of the system's (tests).
    roots: Option<rustls::RootCertStore>,
}

impl Default for Client {
    fn default() -> Self {
        Self { hyper: OnceLock::new(), timeout: TIMEOUT, roots: None }
    }
}

/// Why a call got no answer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the request cannot be sent: {0}")]
    Request(#[from] http::Error),
    #[error("the call failed: {0}")]
    Send(#[from] hyper_util::client::legacy::Error),
    #[error("reading the answer failed: {0}")]
    Body(Box<dyn std::error::Error + Send + Sync>),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
}

/// An answer, read in full.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub body: Bytes,
}

impl Response {
    pub fn json<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_slice(&self.body)
    }
}

impl Client {
    fn hyper(&self) -> &Hyper {
        self.hyper.get_or_init(|| {
            let mut http = HttpConnector::new();
            http.set_connect_timeout(Some(CONNECT_TIMEOUT));
            // The connector wraps TCP in TLS for https URLs.
            http.enforce_http(false);
            let roots = self.roots.clone().unwrap_or_else(system_roots);
            let connector = hyper_rustls::HttpsConnectorBuilder::new()
                .with_tls_config(tls_config(roots))
                // Tests and the local stack point the URLs at a local stand-in over http.
                .https_or_http()
                .enable_http1()
                .wrap_connector(http);
            hyper_util::client::legacy::Client::builder(TokioExecutor::new())
                .pool_timer(TokioTimer::new())
                .pool_idle_timeout(Duration::from_secs(60))
                .build(connector)
        })
    }

    /// GETs `url`, with `bearer` as the Authorization when given (sent as a sensitive
    /// header, left out of any log), and reads the answer: at most 1 MiB, within 5 s.
    pub async fn get(&self, url: &str, bearer: Option<&str>) -> Result<Response, Error> {
        let mut request = Request::get(url);
        if let Some(token) = bearer {
            let mut value = HeaderValue::try_from(format!("Bearer {token}")).map_err(http::Error::from)?;
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        let request = request.body(Empty::new())?;
        let call = async {
            let response = self.hyper().request(request).await?;
            let status = response.status();
            let body = Limited::new(response.into_body(), MAX_BODY).collect().await.map_err(Error::Body)?;
            Ok(Response { status, body: body.to_bytes() })
        };
        tokio::time::timeout(self.timeout, call).await.map_err(|_| Error::Timeout(self.timeout))?
    }
}

/// `url` with `params` added to its query, form-encoded.
pub fn with_query(url: &str, params: &[(&str, &str)]) -> String {
    let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{query}")
}

/// The system's root certificates, found as the SDK's client finds them (`SSL_CERT_FILE`,
/// `SSL_CERT_DIR`, or the distribution's bundle). None found is logged, not fatal: every
/// https call then fails, and says why.
fn system_roots() -> rustls::RootCertStore {
    let native = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    let (added, ignored) = roots.add_parsable_certificates(native.certs);
    if added == 0 {
        tracing::warn!(errors = ?native.errors, ignored, "no trusted root certificates found: outbound HTTPS will fail");
    }
    roots
}

/// rustls on ring, trusting `roots`.
fn tls_config(roots: rustls::RootCertStore) -> rustls::ClientConfig {
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;
    use axum::routing::get;
    use rustls::pki_types::pem::PemObject;

    /// A local server: `/echo` answers the query and the Authorization it got, `/big` more
    /// than `MAX_BODY`, `/slow` never.
    async fn server() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route(
                "/echo",
                get(|query: axum::extract::RawQuery, headers: HeaderMap| async move {
                    let auth = headers.get(AUTHORIZATION).map(|v| v.to_str().unwrap().to_string());
                    axum::Json(serde_json::json!({"query": query.0, "authorization": auth}))
                }),
            )
            .route("/big", get(|| async { vec![b'x'; MAX_BODY + 1] }))
            .route("/missing", get(|| async { (StatusCode::NOT_FOUND, "no") }))
            .route("/slow", get(std::future::pending::<String>));
        tokio::spawn(async move { axum::serve(listener, app).await });
        address
    }

    #[tokio::test]
    async fn a_get_sends_its_query_and_bearer_and_reads_the_answer() {
        let base = server().await;
        let client = Client::default();
        let url = with_query(&format!("{base}/echo"), &[("access_token", "ya29.a/b+c d&e")]);
        let response = client.get(&url, Some("ya29.token")).await.unwrap();
        assert_eq!(response.status, StatusCode::OK);
        let body: serde_json::Value = response.json().unwrap();
        assert_eq!(body["query"], "access_token=ya29.a%2Fb%2Bc+d%26e");
        assert_eq!(body["authorization"], "Bearer ya29.token");

        let plain = client.get(&format!("{base}/echo?x=1"), None).await.unwrap().json::<serde_json::Value>().unwrap();
        assert_eq!(plain, serde_json::json!({"query": "x=1", "authorization": null}));
        assert_eq!(client.get(&format!("{base}/missing"), None).await.unwrap().status, StatusCode::NOT_FOUND);
    }

    /// An https server for `localhost`, with a certificate our test CA issued
    /// (`shared/testdata/tls`), that answers every request with its request line.
    async fn tls_server() -> u16 {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let chain = CertificateDer::pem_slice_iter(include_bytes!("../testdata/tls/server.pem"));
        let key = PrivateKeyDer::from_pem_slice(include_bytes!("../testdata/tls/server.key")).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain.collect::<Result<_, _>>().unwrap(), key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                    let mut request = Vec::new();
                    let mut buffer = [0; 1024];
                    while !request.ends_with(b"\r\n\r\n") {
                        match tls.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buffer[..n]),
                        }
                    }
                    let line = String::from_utf8_lossy(&request).lines().next().unwrap_or_default().to_string();
                    let body = serde_json::json!({ "request": line }).to_string();
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                        body.len()
                    );
                    _ = tls.write_all(format!("{head}{body}").as_bytes()).await;
                    _ = tls.shutdown().await;
                });
            }
        });
        port
    }

    #[tokio::test]
    async fn https_is_verified_against_the_trusted_roots() {
        let port = tls_server().await;
        let url = format!("https://localhost:{port}/certs?x=1");
        let mut roots = rustls::RootCertStore::empty();
        let ca = rustls::pki_types::CertificateDer::from_pem_slice(include_bytes!("../testdata/tls/ca.pem")).unwrap();
        roots.add(ca).unwrap();
        let trusting = Client { roots: Some(roots), ..Client::default() };
        let response = trusting.get(&url, None).await.unwrap();
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.json::<serde_json::Value>().unwrap()["request"], "GET /certs?x=1 HTTP/1.1");

        // The system's roots do not include the test CA: no request is sent.
        let error = Client::default().get(&url, None).await.unwrap_err();
        assert!(matches!(error, Error::Send(_)), "{error}");
        assert!(format!("{error:?}").contains("UnknownIssuer"), "{error:?}");
    }

    #[test]
    fn a_query_joins_the_one_the_url_has() {
        assert_eq!(with_query("https://g.example/t?a=1", &[("b", "2")]), "https://g.example/t?a=1&b=2");
    }

    #[tokio::test]
    async fn answers_too_large_or_too_slow_and_bad_tokens_are_errors() {
        let base = server().await;
        let client = Client::default();
        assert!(matches!(client.get(&format!("{base}/big"), None).await, Err(Error::Body(_))));
        assert!(matches!(client.get(&format!("{base}/echo"), Some("a\nb")).await, Err(Error::Request(_))));
        let closed = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap()
        };
        assert!(matches!(client.get(&format!("http://{closed}/"), None).await, Err(Error::Send(_))));

        let impatient = Client { timeout: Duration::from_millis(200), ..Client::default() };
        assert!(matches!(impatient.get(&format!("{base}/slow"), None).await, Err(Error::Timeout(_))));
    }
}
