//! The HTTP listener (`protocol = "http"`): mail client self-configuration (Thunderbird
//! autoconfig, Outlook autodiscover, Apple profiles), `/metrics`, `/healthz` and the answers to
//! ACME HTTP-01 challenges. axum routes on hyper's HTTP/1.1 server, over the connection the
//! accept loop hands over (plain, or already through our rustls acceptor for HTTPS), so the
//! listener shares the other protocols' connection caps, TLS handshake timeout and lifetime.
//!
//! Hostile clients: headers must arrive within `[http] header_timeout` (slowloris), bodies are
//! capped in size and time, header buffers are bounded, and the whole connection ends at the
//! listener's session lifetime.

mod acme;
pub mod address;
pub mod advertise;
mod autoconfig;
mod autodiscover;
mod health;
mod metrics;
mod mobileconfig;
mod xml;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;

use crate::acme::challenges::Http01Challenges;
use crate::config::{Config, HttpConfig};
use crate::net::Conn;
use crate::store::Store;
use address::EmailAddress;

pub use advertise::Endpoints;

/// hyper's smallest allowed read buffer is 8 KiB; 16 KiB holds any real request head while a
/// client piling up headers is refused early (431/400) instead of filling 400 KiB.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// After the lifetime ends, an answer being written gets this long to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What every request handler reads: built once per server, shared by every HTTP listener.
pub struct HttpState {
    pub store: Store,
    pub hostname: String,
    pub endpoints: Endpoints,
    pub http: HttpConfig,
    /// Answers the ACME client publishes for HTTP-01 validation (RFC 8555 §8.3).
    pub challenges: Http01Challenges,
}

/// The client's address, put into each request by [`serve_connection`].
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub SocketAddr);

/// Everything the HTTP listeners serve.
#[derive(Clone)]
pub struct HttpService {
    router: Router,
    header_timeout: Duration,
}

impl HttpService {
    /// Builds the routes. `bound` is every listener with the address it actually bound (the
    /// real port when the configuration says port 0), from which the documents are generated.
    pub fn new(
        config: &Config,
        store: Store,
        bound: &[(crate::config::ListenerConfig, SocketAddr)],
        challenges: Http01Challenges,
    ) -> HttpService {
        let state = Arc::new(HttpState {
            store,
            hostname: config.hostname.clone(),
            endpoints: Endpoints::from_listeners(&config.hostname, bound),
            http: config.http.clone(),
            challenges,
        });
        HttpService {
            router: router(state),
            header_timeout: Duration::from_secs(config.http.header_timeout),
        }
    }
}

fn router(state: Arc<HttpState>) -> Router {
    Router::new()
        .route(
            "/.well-known/autoconfig/mail/config-v1.1.xml",
            get(autoconfig::handle),
        )
        .route("/mail/config-v1.1.xml", get(autoconfig::handle))
        // Outlook asks with either spelling; paths are case-sensitive in axum.
        .route("/autodiscover/autodiscover.xml", post(autodiscover::handle))
        .route("/Autodiscover/Autodiscover.xml", post(autodiscover::handle))
        .route("/apple/mail.mobileconfig", get(mobileconfig::handle))
        .route("/metrics", get(metrics::handle))
        .route("/healthz", get(health::handle))
        .route("/.well-known/acme-challenge/{token}", get(acme::handle))
        .fallback(|| async { plain(StatusCode::NOT_FOUND, "not found\n") })
        .with_state(state)
}

/// A short text answer (errors, the challenge answer, health).
pub(crate) fn plain(status: StatusCode, body: impl Into<String>) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        body.into(),
    )
        .into_response()
}

/// Serves HTTP/1.1 on one accepted connection until the client leaves, a request head is too
/// slow, or `lifetime` ends.
pub async fn serve_connection(
    conn: Conn,
    peer: SocketAddr,
    service: HttpService,
    lifetime: Duration,
) {
    let router = service.router.layer(axum::Extension(Peer(peer)));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(service.header_timeout)
        .max_buf_size(MAX_HEAD_BYTES);
    let conn = builder.serve_connection(TokioIo::new(conn), TowerToHyperService::new(router));
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "http connection ended");
            }
        }
        _ = tokio::time::sleep(lifetime) => {
            tracing::debug!(%peer, "http session lifetime reached");
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, conn).await;
        }
    }
}

/// `?emailaddress=` of the autoconfig and profile requests.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct AddressQuery {
    emailaddress: Option<String>,
}

/// The address a client asked for, when it is valid and in a domain this server hosts: 400 for
/// garbage, 404 for a domain that is not ours (its users are configured elsewhere).
pub(crate) fn hosted_address(state: &HttpState, text: &str) -> Result<EmailAddress, Response> {
    let Some(address) = EmailAddress::parse(text) else {
        return Err(plain(StatusCode::BAD_REQUEST, "invalid e-mail address\n"));
    };
    let hosted = state
        .store
        .read()
        .and_then(|r| r.domain(&address.domain))
        .map_err(|e| {
            tracing::warn!(error = %e, "cannot read the domains");
            plain(StatusCode::SERVICE_UNAVAILABLE, "try again later\n")
        })?;
    if hosted.is_none() {
        return Err(plain(
            StatusCode::NOT_FOUND,
            "not a domain of this server\n",
        ));
    }
    Ok(address)
}

/// Every domain this server hosts, by name.
pub(crate) fn hosted_domains(state: &HttpState) -> Result<Vec<String>, Response> {
    state
        .store
        .read()
        .and_then(|r| r.domains())
        .map(|domains| domains.into_iter().map(|d| d.name).collect())
        .map_err(|e| {
            tracing::warn!(error = %e, "cannot read the domains");
            plain(StatusCode::SERVICE_UNAVAILABLE, "try again later\n")
        })
}

/// The answer to a client refused by the connection caps.
pub const BUSY_RESPONSE: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 10\r\n\r\n";

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::{ListenerConfig, Protocol, TlsMode};

    /// A state advertising IMAP 993/143, POP3 995 and submission 587 on mail.example.org.
    pub fn state() -> (tempfile::TempDir, HttpState) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("m.redb")).unwrap();
        let l = |protocol, tls, port: u16| {
            let address = SocketAddr::from(([0, 0, 0, 0], port));
            (
                ListenerConfig {
                    name: None,
                    protocol,
                    address,
                    tls,
                    session_lifetime: None,
                },
                address,
            )
        };
        let bound = [
            l(Protocol::Imap, TlsMode::Starttls, 143),
            l(Protocol::Imap, TlsMode::Implicit, 993),
            l(Protocol::Pop3, TlsMode::Implicit, 995),
            l(Protocol::Submission, TlsMode::Starttls, 587),
        ];
        let state = HttpState {
            store,
            hostname: "mail.example.org".into(),
            endpoints: Endpoints::from_listeners("mail.example.org", &bound),
            http: HttpConfig::default(),
            challenges: Http01Challenges::new(),
        };
        (dir, state)
    }
}
