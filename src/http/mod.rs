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

    /// An HTTP listener on a real loopback socket, served as `server.rs` serves it.
    async fn listen(
        http: HttpConfig,
        challenges: Http01Challenges,
    ) -> (tempfile::TempDir, SocketAddr) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("m.redb")).unwrap();
        let config = Config {
            data_dir: dir.path().to_path_buf(),
            http,
            ..Config::default()
        };
        let service = HttpService::new(&config, store, &[], challenges);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((tcp, peer)) = listener.accept().await {
                tokio::spawn(serve_connection(
                    Conn::Plain(tcp),
                    peer,
                    service.clone(),
                    Duration::from_secs(30),
                ));
            }
        });
        (dir, addr)
    }

    /// One request on a fresh connection; the whole answer as text.
    async fn fetch(addr: SocketAddr, request: &[u8]) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        // The server may answer and close before it has read everything (413, 431): what it
        // said is still in our receive buffer.
        let _ = tcp.write_all(request).await;
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            match tokio::time::timeout_at(deadline, tcp.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => out.extend_from_slice(&buf[..n]),
                Ok(_) => break,
                Err(_) => panic!("no end of answer in 10 s"),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    fn get(path: &str) -> Vec<u8> {
        format!("GET {path} HTTP/1.1\r\nHost: mail.example.org\r\nConnection: close\r\n\r\n")
            .into_bytes()
    }

    #[tokio::test]
    async fn serves_published_acme_challenges_only() {
        let challenges = Http01Challenges::new();
        let (_dir, addr) = listen(HttpConfig::default(), challenges.clone()).await;
        let path = "/.well-known/acme-challenge/LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0";
        assert!(fetch(addr, &get(path)).await.starts_with("HTTP/1.1 404"));
        // The ACME client publishes into the same object the listener was handed.
        assert!(challenges.insert(
            "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0",
            "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI",
        ));
        let answer = fetch(addr, &get(path)).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(
            answer.ends_with(
                "\r\n\r\nLoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"
            ),
            "{answer}"
        );
        for other in [
            "/.well-known/acme-challenge/other",
            "/.well-known/acme-challenge/..%2F..%2Fetc",
            "/.well-known/acme-challenge/",
        ] {
            let answer = fetch(addr, &get(other)).await;
            assert!(answer.starts_with("HTTP/1.1 404"), "{other}: {answer}");
        }
        challenges.remove("LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0");
        assert!(fetch(addr, &get(path)).await.starts_with("HTTP/1.1 404"));
    }

    #[tokio::test]
    async fn a_slow_request_head_is_cut_off() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let http = HttpConfig {
            header_timeout: 1,
            ..HttpConfig::default()
        };
        let (_dir, addr) = listen(http, Http01Challenges::new()).await;
        let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let started = std::time::Instant::now();
        tcp.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
        // A header line every 200 ms: each byte arrives in time, the head never completes.
        let mut closed = false;
        for i in 0..40 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if tcp
                .write_all(format!("X-Slow-{i}: y\r\n").as_bytes())
                .await
                .is_err()
            {
                closed = true;
                break;
            }
            let mut buf = [0u8; 512];
            match tokio::time::timeout(Duration::from_millis(1), tcp.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => {
                    closed = true;
                    break;
                }
                Ok(Ok(_)) => {
                    // A 408 answer; the connection closes right after it.
                }
                Err(_) => {}
            }
        }
        assert!(closed, "the trickling client was never cut off");
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(900) && took < Duration::from_secs(4),
            "{took:?}"
        );
    }

    #[tokio::test]
    async fn hostile_input_gets_an_error_not_a_crash() {
        let (_dir, addr) = listen(HttpConfig::default(), Http01Challenges::new()).await;
        let huge_head = format!(
            "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
            "a".repeat(64 * 1024)
        );
        let big_body = format!(
            "POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\nConnection: close\r\n\r\n{}",
            "<".repeat(200_000)
        );
        let cases: Vec<Vec<u8>> = vec![
            b"\x00\xff\xfe garbage\r\n\r\n".to_vec(),
            b"GET /mail/config-v1.1.xml?emailaddress=%FF%FE HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
            b"GET /mail/config-v1.1.xml?emailaddress=a%40b%40c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
            b"GET /apple/mail.mobileconfig?emailaddress=%3Cscript%3E HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
            b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\nConnection: close\r\n\r\n\xff\xfe<<>>&;;".to_vec(),
            b"POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n".to_vec(),
            huge_head.into_bytes(),
            big_body.into_bytes(),
        ];
        for case in cases {
            let answer = fetch(addr, &case).await;
            // Refused as the client's fault (4xx), or the connection closed; never a 5xx.
            assert!(
                answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
                "{:?} → {answer}",
                String::from_utf8_lossy(&case[..case.len().min(80)])
            );
        }
        let answer = fetch(addr, &get("/healthz")).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
}
