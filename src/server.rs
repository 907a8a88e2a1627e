//! `mailsift serve`: opens the store, binds every listener, and hands each connection to its
//! protocol's session. Connections per listener and per client address are bounded
//! (`session::conn_limits`); a session's failure ends only that connection.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tracing::Instrument;

use crate::admin;
use crate::config::{Config, ListenerConfig, Protocol, TlsMode};
use crate::directory::Directory;
use crate::net::Conn;
use crate::session::conn_limits::PerIpLimit;
use crate::session::io::Kit;
use crate::session::revoke::Revoker;
use crate::store::{Store, StoreError};
use crate::{http, imap, managesieve, plugins, pop3, smtp, tls};

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("cannot listen on {address} ({label}): {source}")]
    Bind {
        label: String,
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("listener {0}: protocol {1} is not available yet in this version")]
    Unsupported(String, &'static str),
    #[error(transparent)]
    Plugins(#[from] plugins::PluginError),
    #[error("sender authentication: {0}")]
    Auth(#[from] crate::auth::AuthError),
    #[error("sieve script {0}")]
    Sieve(#[from] crate::sieve::run::SieveConfigError),
    #[error("outbound delivery: {0}")]
    Outbound(#[from] crate::outbound::OutboundError),
    #[error("admin socket {path}: {source}")]
    Admin {
        path: String,
        source: std::io::Error,
    },
}

/// Everything a connection handler needs, shared by all listeners.
struct Shared {
    store: Store,
    directory: Directory,
    smtp_backend: Arc<smtp::delivery::MailBackend>,
    /// Ends logged-in sessions whose account is blocked or device password removed.
    revoker: Revoker,
    /// Memory budget of messages being received over SMTP, with their spill folder.
    spool: Arc<smtp::spool::Spool>,
    /// One POP3 session per account, across the POP3 listeners (110 and 995).
    pop3_locks: pop3::MaildropLocks,
}

/// Runs the server until SIGINT/SIGTERM.
pub async fn serve(config: Config) -> Result<(), ServerError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| ServerError::DataDir {
        path: config.data_dir.display().to_string(),
        source,
    })?;
    let store = Store::open_with(
        &config.db_path(),
        crate::store::StoreOptions {
            cache_bytes: config.store.cache_bytes(),
            kv_cache_bytes: config.plugins.kv_cache_bytes(),
            kv_filter_bytes: config.plugins.kv_filter_bytes(),
        },
    )?;
    crate::memory::start_trimmer();
    let needs_tls = config.listeners.iter().any(|l| l.tls != TlsMode::None);
    // One certificate resolver for every TLS listener, replaceable while running (ACME
    // renewals, replaced `[tls]` files).
    let certificates = if needs_tls || config.acme.enabled {
        Some(tls::Certificates::load(&config)?)
    } else {
        None
    };
    let acceptor = certificates.as_ref().map(|c| c.acceptor());
    // Pending HTTP-01 answers, shared by the ACME client and the HTTP listener.
    let http01 = crate::acme::challenges::Http01Challenges::new();
    let acme_client = match &certificates {
        Some(certs) if config.acme.enabled => Some(crate::acme::AcmeClient::new(
            config.acme.clone(),
            &config.hostname,
            &config.data_dir,
            certs.clone(),
            http01.clone(),
        )),
        Some(certs) => {
            if let (Some(cert), Some(key)) = (&config.tls.cert, &config.tls.key) {
                tokio::spawn(certs.clone().watch_files(
                    cert.clone(),
                    key.clone(),
                    std::time::Duration::from_secs(2),
                ));
            }
            None
        }
        None => None,
    };

    let plugins = start_plugins(&config, &store)?;
    // Dropping the handle would stop the folder watcher: keep it for the server's lifetime.
    let _watcher = plugins
        .as_ref()
        .map(|p| p.spawn_watcher(std::time::Duration::from_millis(250)));

    // Users' classifying actions (moves into/out of Junk, …) reach the plugins' `learn` hook.
    if let Some(host) = &plugins {
        tokio::spawn(crate::pipeline::learn::run_learner(
            store.clone(),
            host.clone(),
        ));
    }
    let sender_auth = Arc::new(crate::auth::SenderAuth::new(&config)?);
    let mut smtp_backend =
        smtp::delivery::MailBackend::with_plugins(store.clone(), plugins.clone());
    smtp_backend.pipeline.sender_auth = Some(sender_auth);
    let srs = crate::pipeline::outgoing::srs_from_config(&config.srs, &store).await?;
    smtp_backend.pipeline.srs = srs.clone();
    smtp_backend.pipeline.sieve = Some(Arc::new(
        crate::sieve::SieveRunner::new(&config)?.with_srs(srs),
    ));
    smtp_backend.pipeline.submission = Arc::new(config.submission.clone());
    smtp_backend.pipeline.hostname = config.hostname.clone();
    smtp_backend.pipeline.trace_records = config.store.trace_records;
    let spool_dir = config.data_dir.join("spool");
    let spool = smtp::spool::Spool::new(
        spool_dir.clone(),
        config.limits.spool_message_above,
        config.limits.spool_memory_budget,
    )
    .map_err(|source| ServerError::DataDir {
        path: spool_dir.display().to_string(),
        source,
    })?;
    // Mail for remote recipients leaves through the outbound queue's delivery task.
    if config.outbound.enabled {
        let outbound = crate::outbound::Outbound::new(store.clone(), &config)?;
        tokio::spawn(outbound.run());
    }
    // The default quota lives in the store, so every transaction and the offline CLI apply it.
    let default_quota = config.accounts.default_quota_mb.saturating_mul(1 << 20);
    store
        .write(move |tx| tx.set_default_quota(default_quota))
        .await
        .map_err(ServerError::from)?;
    // Users' phishing/spam reports: the store records one when a message enters a report folder
    // (so it must know them before any session starts); the reporter acts on them.
    let report_folders = crate::pipeline::report::Reporter::folders(&config.reports);
    store
        .write(move |tx| tx.set_report_folders(&report_folders))
        .await
        .map_err(ServerError::from)?;
    tokio::spawn(crate::pipeline::report::run_reporter(Arc::new(
        crate::pipeline::report::Reporter::new(
            store.clone(),
            config.reports.clone(),
            config.hostname.clone(),
        ),
    )));
    // Imports from other providers (`mailsift import`): queued and interrupted jobs resume.
    tokio::spawn(crate::import::Importer::new(store.clone(), &config).run());
    // Likewise what recipient resolution needs: the primary domain, the default postmaster.
    let address_defaults = crate::store::AddressDefaults {
        hostname: config.hostname.clone(),
        postmaster: config.submission.postmaster.trim().to_ascii_lowercase(),
    };
    store
        .write(move |tx| tx.set_address_defaults(&address_defaults))
        .await
        .map_err(ServerError::from)?;
    let revoker = Revoker::new(store.clone());
    tokio::spawn(revoker.clone().run());
    // One authentication throttle and one bound on argon2 work for every listener.
    crate::directory::set_hash_concurrency(config.auth_throttle.max_concurrent_hashes);
    let throttle = Arc::new(crate::session::throttle::AuthThrottle::new(
        config.auth_throttle.clone(),
    ));
    let directory = Directory::with_throttle(store.clone(), throttle);
    smtp_backend.directory = directory.clone();
    let shared = Arc::new(Shared {
        spool: Arc::new(spool),
        revoker,
        directory,
        smtp_backend: Arc::new(smtp_backend),
        store: store.clone(),
        pop3_locks: pop3::MaildropLocks::default(),
    });

    let mut bound = BTreeMap::new();
    let mut listeners = Vec::new();
    for l in &config.listeners {
        let listener = bind_listener(l.address).map_err(|source| ServerError::Bind {
            label: l.label(),
            address: l.address,
            source,
        })?;
        let local = listener.local_addr().map_err(|source| ServerError::Bind {
            label: l.label(),
            address: l.address,
            source,
        })?;
        tracing::info!(listener = %l.label(), protocol = l.protocol.name(), address = %local, tls = ?l.tls, "listening");
        bound.insert(l.label(), local.to_string());
        listeners.push((l.clone(), listener, local));
    }
    // Built from the addresses actually bound, so documents carry the real ports.
    let bound_listeners: Vec<_> = listeners.iter().map(|(l, _, a)| (l.clone(), *a)).collect();
    let http_service =
        http::HttpService::new(&config, store.clone(), &bound_listeners, http01.clone());

    let admin_path = config.admin_socket_path();
    let admin_listener = admin::socket::bind(&admin_path).map_err(|source| ServerError::Admin {
        path: admin_path.display().to_string(),
        source,
    })?;
    tokio::spawn(admin::socket::serve(
        admin_listener,
        store.clone(),
        plugins.clone(),
    ));

    // Written last: its presence tells scripts and tests that every socket is ready.
    let listeners_file = config.listeners_file();
    let json = serde_json::to_string_pretty(&bound).unwrap_or_default();
    std::fs::write(&listeners_file, json).map_err(|source| ServerError::DataDir {
        path: listeners_file.display().to_string(),
        source,
    })?;

    let config = Arc::new(config);
    for (l, listener, _) in listeners {
        let shared = shared.clone();
        let config = config.clone();
        let acceptor = acceptor.clone();
        let http_service = http_service.clone();
        tokio::spawn(accept_loop(
            listener,
            l,
            config,
            acceptor,
            shared,
            http_service,
        ));
    }
    // Started once the listeners accept: TLS-ALPN-01 validation connects to them.
    if let Some(client) = acme_client {
        tokio::spawn(client.run());
    }
    tracing::info!(hostname = %config.hostname, data_dir = %config.data_dir.display(), "Mailsift is running");

    shutdown_signal().await;
    tracing::info!("shutting down");
    let _ = std::fs::remove_file(&admin_path);
    let _ = std::fs::remove_file(&listeners_file);
    Ok(())
}

/// A listening socket as `TcpListener::bind` makes it (SO_REUSEADDR on Unix, the same backlog),
/// with TCP_NODELAY set: replies go out when written, not held back for the ACK of the
/// previous one. Linux copies the option to every accepted socket, which saves a
/// `setsockopt(2)` per connection (`accept_loop` sets it per connection elsewhere).
fn bind_listener(address: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if address.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.set_nodelay(true)?;
    socket.bind(address)?;
    // mio's (and so `TcpListener::bind`'s) backlog.
    socket.listen(128)
}

/// Loads the plugin folder (compiling what the cache lacks). A broken plugin is logged and
/// skipped; only an engine that cannot start stops the server.
fn start_plugins(
    config: &Config,
    store: &Store,
) -> Result<Option<Arc<plugins::PluginHost>>, ServerError> {
    if !config.plugins.enabled {
        tracing::info!("plugins disabled");
        return Ok(None);
    }
    let host = plugins::PluginHost::new(config, Arc::new(plugins::StoreKv(store.clone())))?;
    // Created so that the folder to drop plugins into is there to be found.
    if let Err(e) = std::fs::create_dir_all(host.dir()) {
        tracing::warn!(dir = %host.dir().display(), error = %e, "cannot create the plugin folder");
    }
    host.load_all();
    Ok(Some(Arc::new(host)))
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

async fn accept_loop(
    listener: TcpListener,
    l: ListenerConfig,
    config: Arc<Config>,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    http_service: http::HttpService,
) {
    let limit = Arc::new(Semaphore::new(config.limits.max_connections));
    let per_ip = PerIpLimit::new(
        config.limits.max_connections_per_ip,
        config.limits.connection_limit_exempt.clone(),
    );
    let handshake_timeout = std::time::Duration::from_secs(config.limits.tls_handshake_timeout);
    let lifetime = std::time::Duration::from_secs(config.limits.session_lifetime(&l));
    let kit = Kit {
        lifetime,
        revoker: Some(shared.revoker.clone()),
    };
    let label = l.label();
    let smtp_config = Arc::new(smtp::SessionConfig {
        hostname: config.hostname.clone(),
        protocol: l.protocol,
        tls_mode: l.tls,
        tls_acceptor: acceptor.clone(),
        limits: config.limits.clone(),
        kit: kit.clone(),
        spool: Some(shared.spool.clone()),
        received_shows_client_ip: config.submission.received_shows_client_ip,
    });
    let imap_config = Arc::new(imap::ImapConfig {
        hostname: config.hostname.clone(),
        tls_mode: l.tls,
        tls_acceptor: acceptor.clone(),
        limits: config.limits.clone(),
        kit: kit.clone(),
    });
    let sieve_config = Arc::new(managesieve::ManageSieveConfig {
        hostname: config.hostname.clone(),
        tls_mode: l.tls,
        tls_acceptor: acceptor.clone(),
        limits: config.limits.clone(),
        sieve: config.sieve.limits,
        kit: kit.clone(),
    });
    let pop3_config = Arc::new(pop3::Pop3Config {
        hostname: config.hostname.clone(),
        tls_mode: l.tls,
        tls_acceptor: acceptor.clone(),
        limits: config.limits.clone(),
        kit,
        locks: shared.pop3_locks.clone(),
    });
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                // EMFILE and friends: back off instead of spinning.
                tracing::warn!(listener = %label, error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let Some(ip_slot) = per_ip.try_acquire(peer.ip()) else {
            tracing::warn!(listener = %label, %peer, "per-address connection limit reached; refusing");
            tokio::spawn(refuse_busy(tcp, l.protocol));
            continue;
        };
        let permit = match limit.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                tracing::warn!(listener = %label, %peer, "connection limit reached; refusing");
                tokio::spawn(refuse_busy(tcp, l.protocol));
                continue;
            }
        };
        let span = tracing::info_span!("conn", listener = %label);
        let shared = shared.clone();
        let acceptor = acceptor.clone();
        let (protocol, tls_mode) = (l.protocol, l.tls);
        let smtp_config = smtp_config.clone();
        let imap_config = imap_config.clone();
        let sieve_config = sieve_config.clone();
        let pop3_config = pop3_config.clone();
        let http_service = http_service.clone();
        tokio::spawn(
            async move {
                let _permit = (permit, ip_slot);
                // Counted open until the connection ends, whatever ends it.
                let _session = crate::metrics::global().session(protocol.name());
                // Inherited from the listener on Linux (`bind_listener`).
                #[cfg(not(target_os = "linux"))]
                let _ = tcp.set_nodelay(true);
                let conn = match (tls_mode, &acceptor) {
                    (TlsMode::Implicit, Some(acceptor)) => {
                        let handshake = Box::pin(tokio::time::timeout(
                            handshake_timeout,
                            Conn::accept_tls(tcp, acceptor),
                        ))
                        .await;
                        match handshake {
                            Ok(Ok(conn)) => conn,
                            Ok(Err(e)) => {
                                tracing::debug!(error = %e, "TLS handshake failed");
                                return;
                            }
                            Err(_) => {
                                tracing::debug!("TLS handshake timed out");
                                return;
                            }
                        }
                    }
                    _ => Conn::Plain(tcp),
                };
                // Boxed futures: the task would otherwise be as large as the handshake and the
                // largest protocol's session together (~10 KiB), for each of 10,000 idle IMAP
                // clients (issue 16).
                match protocol {
                    Protocol::Smtp | Protocol::Submission => {
                        Box::pin(smtp::run_session(
                            conn,
                            peer,
                            smtp_config,
                            shared.smtp_backend.clone(),
                        ))
                        .await
                    }
                    Protocol::Imap => {
                        Box::pin(imap::run_session(
                            conn,
                            peer,
                            imap_config,
                            shared.store.clone(),
                            shared.directory.clone(),
                        ))
                        .await
                    }
                    Protocol::Managesieve => {
                        Box::pin(managesieve::run_session(
                            conn,
                            peer,
                            sieve_config,
                            shared.store.clone(),
                            shared.directory.clone(),
                        ))
                        .await
                    }
                    Protocol::Pop3 => {
                        Box::pin(pop3::run_session(
                            conn,
                            peer,
                            pop3_config,
                            shared.store.clone(),
                            shared.directory.clone(),
                        ))
                        .await
                    }
                    Protocol::Http => {
                        Box::pin(http::serve_connection(conn, peer, http_service, lifetime)).await
                    }
                }
            }
            .instrument(span),
        );
    }
}

/// Tells a client over the connection limit to come back later, in its protocol's words.
async fn refuse_busy(mut tcp: TcpStream, protocol: Protocol) {
    use tokio::io::AsyncWriteExt;
    let line: &[u8] = match protocol {
        Protocol::Smtp | Protocol::Submission => {
            b"421 4.7.0 Too many connections, try again later\r\n"
        }
        Protocol::Imap => b"* BYE Too many connections, try again later\r\n",
        Protocol::Pop3 => b"-ERR [SYS/TEMP] Too many connections\r\n",
        Protocol::Managesieve => b"BYE \"Too many connections\"\r\n",
        Protocol::Http => http::BUSY_RESPONSE,
    };
    // A client that does not read must not keep this task.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), tcp.write_all(line)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-connection `setsockopt(2)` is skipped on Linux because accepted sockets inherit
    /// TCP_NODELAY from the listener: this fails if they ever stop doing so.
    #[tokio::test]
    async fn accepted_sockets_have_nodelay() {
        let listener = bind_listener("127.0.0.1:0".parse().unwrap()).unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (accepted, _) = listener.accept().await.unwrap();
        #[cfg(not(target_os = "linux"))]
        accepted.set_nodelay(true).unwrap();
        assert!(accepted.nodelay().unwrap());
        drop(client);
    }
}
