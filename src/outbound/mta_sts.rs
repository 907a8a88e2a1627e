//! MTA-STS (RFC 8461): a domain that publishes `_mta-sts.DOMAIN TXT "v=STSv1; id=…"` and a
//! policy at `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` says which MX hosts may receive its
//! mail and whether TLS with a valid certificate is required (`mode: enforce`). Policies are
//! fetched over HTTPS with a validated certificate, without redirects (§3.3), and cached for
//! their `max_age` (at most a day here, so that a changed policy is seen).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mail_auth::MessageAuthenticator;
use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::config::OutboundConfig;

/// Largest policy body read (RFC 8461 §3.3: 64 KiB).
const MAX_POLICY: usize = 64 * 1024;
const FETCH_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest a policy is cached here, whatever its `max_age`.
const MAX_CACHE: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Enforce,
    Testing,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub mode: Mode,
    /// MX patterns: `mx.example.org` or `*.example.org` (one label).
    pub mx: Vec<String>,
    pub max_age: u64,
}

impl Policy {
    /// RFC 8461 §4.1: the MX host matches a pattern exactly or by a one-label wildcard.
    pub fn allows(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.mx.iter().any(|p| match p.strip_prefix("*.") {
            Some(suffix) => host
                .split_once('.')
                .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
            None => *p == host,
        })
    }
}

/// Parses a policy body (RFC 8461 §3.2). `None` when it is not a valid STSv1 policy.
pub fn parse(body: &str) -> Option<Policy> {
    let (mut version, mut mode, mut max_age) = (false, None, None);
    let mut mx = Vec::new();
    for line in body.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "version" => version = value == "STSv1",
            "mode" => {
                mode = match value {
                    "enforce" => Some(Mode::Enforce),
                    "testing" => Some(Mode::Testing),
                    "none" => Some(Mode::None),
                    _ => return None,
                }
            }
            "max_age" => max_age = value.parse::<u64>().ok(),
            "mx" => mx.push(value.trim_end_matches('.').to_ascii_lowercase()),
            _ => {}
        }
    }
    let mode = mode?;
    if !version || (mode != Mode::None && mx.is_empty()) {
        return None;
    }
    Some(Policy {
        mode,
        mx,
        max_age: max_age?,
    })
}

pub struct MtaSts {
    enabled: bool,
    port: u16,
    connector: TlsConnector,
    cache: Mutex<HashMap<String, (Option<Policy>, Instant)>>,
}

impl MtaSts {
    pub fn new(config: &OutboundConfig) -> MtaSts {
        MtaSts {
            enabled: config.mta_sts,
            port: config.mta_sts_port,
            connector: TlsConnector::from(Arc::new(verified_config(config))),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The connector that checks certificates (policy fetches, and MX hosts under `enforce`).
    pub fn verified(&self) -> TlsConnector {
        self.connector.clone()
    }

    /// The domain's policy, from the cache or fetched. `None`: no (valid) policy.
    pub async fn policy(&self, domain: &str, dns: &MessageAuthenticator) -> Option<Policy> {
        if !self.enabled {
            return None;
        }
        if let Ok(cache) = self.cache.lock()
            && let Some((policy, until)) = cache.get(domain)
            && Instant::now() < *until
        {
            return policy.clone();
        }
        let policy = self.discover(domain, dns).await;
        let keep = policy
            .as_ref()
            .map(|p| Duration::from_secs(p.max_age).min(MAX_CACHE))
            // No policy: asked again in an hour.
            .unwrap_or(Duration::from_secs(3600));
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() > 10_000 {
                cache.clear();
            }
            cache.insert(domain.to_string(), (policy.clone(), Instant::now() + keep));
        }
        policy
    }

    async fn discover(&self, domain: &str, dns: &MessageAuthenticator) -> Option<Policy> {
        let txt = dns
            .txt_raw_lookup(format!("_mta-sts.{domain}").as_str())
            .await
            .ok()?;
        if !txt.starts_with(b"v=STSv1") {
            return None;
        }
        let host = format!("mta-sts.{domain}");
        let addrs = super::route::host_addrs(&host, self.port, dns).await.ok()?;
        for addr in addrs {
            match tokio::time::timeout(FETCH_TIMEOUT, self.fetch(&host, addr)).await {
                Ok(Ok(body)) => {
                    let policy = parse(&body);
                    if policy.is_none() {
                        tracing::warn!(%domain, "MTA-STS policy is not valid; ignored");
                    }
                    return policy;
                }
                Ok(Err(e)) => {
                    tracing::debug!(%domain, %addr, error = %e, "MTA-STS policy fetch failed")
                }
                Err(_) => tracing::debug!(%domain, %addr, "MTA-STS policy fetch timed out"),
            }
        }
        None
    }

    async fn fetch(&self, host: &str, addr: SocketAddr) -> std::io::Result<String> {
        let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
        let name = ServerName::try_from(host.to_string()).map_err(|_| bad("bad host name"))?;
        let tcp = TcpStream::connect(addr).await?;
        let mut tls = self.connector.connect(name, tcp).await?;
        tls.write_all(
            format!(
                "GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        )
        .await?;
        let mut response = Vec::new();
        (&mut tls)
            .take((MAX_POLICY + 8192) as u64)
            .read_to_end(&mut response)
            .await?;
        let text = String::from_utf8_lossy(&response);
        let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| bad("no body"))?;
        let mut lines = head.lines();
        let status = lines.next().unwrap_or("");
        // §3.3: only a 200 counts; redirects are not followed.
        if status.split_whitespace().nth(1) != Some("200") {
            return Err(bad("status is not 200"));
        }
        let chunked = lines.any(|l| {
            l.split_once(':').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("transfer-encoding")
                    && v.trim().eq_ignore_ascii_case("chunked")
            })
        });
        let body = if chunked {
            dechunk(body)
        } else {
            body.to_string()
        };
        if body.len() > MAX_POLICY {
            return Err(bad("policy too large"));
        }
        Ok(body)
    }
}

/// HTTP/1.1 chunked transfer coding, enough for a policy body.
fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let size =
            usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let Some(chunk) = tail.get(..size) else {
            out.push_str(tail);
            break;
        };
        out.push_str(chunk);
        rest = tail.get(size..).unwrap_or("").trim_start_matches("\r\n");
    }
    out
}

/// Roots: the system's bundle and `mta_sts_ca_file` (for a private CA, and tests).
fn verified_config(config: &OutboundConfig) -> rustls::ClientConfig {
    let mut roots = RootCertStore::empty();
    let mut files: Vec<std::path::PathBuf> = [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/cert.pem",
    ]
    .iter()
    .map(std::path::PathBuf::from)
    .filter(|p| p.exists())
    .take(1)
    .collect();
    files.extend(config.mta_sts_ca_file.clone());
    for file in files {
        match CertificateDer::pem_file_iter(&file) {
            Ok(certs) => {
                let certs: Vec<_> = certs.filter_map(Result::ok).collect();
                let (added, _) = roots.add_parsable_certificates(certs);
                tracing::debug!(file = %file.display(), added, "trusted roots for MTA-STS");
            }
            Err(e) => {
                tracing::warn!(file = %file.display(), error = %e, "cannot read CA certificates")
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    match rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
    {
        Ok(b) => b.with_root_certificates(roots).with_no_client_auth(),
        Err(_) => rustls::ClientConfig::builder()
            .with_root_certificates(RootCertStore::empty())
            .with_no_client_auth(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies() {
        let p = parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.org\r\nmx: *.example.net\r\nmax_age: 86400\r\n")
            .expect("valid");
        assert_eq!(p.mode, Mode::Enforce);
        assert!(p.allows("mail.example.org."));
        assert!(p.allows("mx1.example.net"));
        assert!(!p.allows("a.b.example.net"), "one label only");
        assert!(!p.allows("example.net"));
        assert!(!p.allows("other.example.org"));
        assert!(
            parse("version: STSv1\nmode: enforce\nmax_age: 1\n").is_none(),
            "no mx"
        );
        assert!(parse("version: STSv2\nmode: none\nmax_age: 1\n").is_none());
        assert!(parse("version: STSv1\nmode: strict\nmx: a\nmax_age: 1\n").is_none());
        assert_eq!(dechunk("5\r\nhello\r\n3\r\n, w\r\n0\r\n\r\n"), "hello, w");
    }
}
