//! The ACME client (RFC 8555 §7): an account, an order for the configured names, a challenge
//! answer per name, a CSR, the certificate, and the swap into the TLS listeners. Runs for the
//! server's lifetime: obtains a missing certificate, renews a close-to-expiry one, retries with
//! back-off on failure.

use std::time::Duration;

use chrono::Utc;
use instant_acme::{
    Account, AuthorizationStatus, ChallengeType, Identifier, NewAccount, NewOrder, OrderStatus,
    RetryPolicy,
};

use super::challenges::Http01Challenges;
use super::state::{AcmeState, StoredAccount};
use super::{AcmeError, CertInfo};
use crate::config::{AcmeChallenge, AcmeConfig};
use crate::tls::{Certificates, certified_key_from_pem};

/// How often a valid certificate is looked at again (its expiry, the configured names).
const RECHECK: Duration = Duration::from_secs(12 * 3600);
/// First wait after a failed attempt (a CA briefly unreachable); doubles up to [`MAX_BACKOFF`],
/// which keeps repeated failed validations well inside CA rate limits.
const FIRST_BACKOFF: Duration = Duration::from_secs(15);
const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);
/// Longest one whole order may take before it counts as failed.
const ORDER_TIMEOUT: Duration = Duration::from_secs(600);

pub struct AcmeClient {
    config: AcmeConfig,
    names: Vec<String>,
    state: AcmeState,
    certs: Certificates,
    http01: Http01Challenges,
}

impl AcmeClient {
    /// Puts a stored certificate in service at once, so a restart does not fall back to the
    /// self-signed one while the first check runs.
    pub fn new(
        config: AcmeConfig,
        hostname: &str,
        data_dir: &std::path::Path,
        certs: Certificates,
        http01: Http01Challenges,
    ) -> AcmeClient {
        let client = AcmeClient {
            names: config.names(hostname),
            config,
            state: AcmeState::new(data_dir),
            certs,
            http01,
        };
        if let Some((chain, key)) = client.state.certificate() {
            match certified_key_from_pem(&chain, &key) {
                Ok(key) => client.certs.replace(key),
                Err(e) => {
                    tracing::warn!(error = %e, "stored ACME certificate not usable; ordering a new one")
                }
            }
        }
        client
    }

    /// Forever: check, then sleep until the next check or retry.
    pub async fn run(self) {
        let mut failures: u32 = 0;
        loop {
            let wait = match tokio::time::timeout(ORDER_TIMEOUT, self.check()).await {
                Ok(Ok(wait)) => {
                    failures = 0;
                    wait
                }
                Ok(Err(e)) => {
                    failures = failures.saturating_add(1);
                    let wait = backoff(failures);
                    tracing::error!(error = %e, retry_in_secs = wait.as_secs(), "ACME certificate not obtained");
                    wait
                }
                Err(_) => {
                    failures = failures.saturating_add(1);
                    let wait = backoff(failures);
                    tracing::error!(retry_in_secs = wait.as_secs(), "ACME order timed out");
                    wait
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Orders a certificate when none covers the names or the one we have is due for renewal;
    /// returns how long to wait before looking again.
    async fn check(&self) -> Result<Duration, AcmeError> {
        let renew_before = chrono::Duration::days(i64::from(self.config.renew_before_days));
        if let Some(info) = self.state.certificate_info()
            && info.covers(&self.names)
        {
            let due = info.not_after - renew_before;
            let left = due - Utc::now();
            if left > chrono::Duration::zero() {
                return Ok(left.to_std().unwrap_or(RECHECK).min(RECHECK));
            }
            tracing::info!(not_after = %info.not_after, "ACME certificate due for renewal");
        }
        self.obtain().await?;
        Ok(RECHECK)
    }

    async fn account(&self) -> Result<Account, AcmeError> {
        // An empty `ca_file = ""` means none.
        let root = self
            .config
            .ca_file
            .as_ref()
            .filter(|p| !p.as_os_str().is_empty());
        let builder = || match root {
            Some(root) => Account::builder_with_root(root),
            None => Account::builder(),
        };
        if let Some(stored) = self.state.account(&self.config.directory)? {
            return Ok(builder()?.from_credentials(stored.credentials).await?);
        }
        let contacts: Vec<String> = self
            .config
            .contact
            .iter()
            .map(|c| {
                if c.starts_with("mailto:") {
                    c.clone()
                } else {
                    format!("mailto:{c}")
                }
            })
            .collect();
        let contacts: Vec<&str> = contacts.iter().map(String::as_str).collect();
        let new = NewAccount {
            contact: &contacts,
            terms_of_service_agreed: true,
            only_return_existing: false,
        };
        let (account, credentials) = builder()?
            .create(&new, self.config.directory.clone(), None)
            .await?;
        self.state.save_account(&StoredAccount {
            directory: self.config.directory.clone(),
            credentials,
        })?;
        tracing::info!(directory = %self.config.directory, "ACME account created");
        Ok(account)
    }

    async fn obtain(&self) -> Result<(), AcmeError> {
        let account = self.account().await?;
        let identifiers: Vec<Identifier> = self
            .names
            .iter()
            .map(|n| Identifier::Dns(n.clone()))
            .collect();
        let mut order = account.new_order(&NewOrder::new(&identifiers)).await?;
        let mut published = Published::new(self);
        let mut authorizations = order.authorizations();
        while let Some(authz) = authorizations.next().await {
            let mut authz = authz?;
            match authz.status {
                AuthorizationStatus::Pending => {}
                AuthorizationStatus::Valid => continue,
                other => return Err(AcmeError::Order(format!("authorization is {other:?}"))),
            }
            let kind = match self.config.challenge {
                AcmeChallenge::TlsAlpn01 => ChallengeType::TlsAlpn01,
                AcmeChallenge::Http01 => ChallengeType::Http01,
            };
            let mut challenge = authz
                .challenge(kind.clone())
                .ok_or_else(|| AcmeError::Order(format!("the CA offers no {kind:?} challenge")))?;
            let name = challenge.identifier().to_string();
            let key_auth = challenge.key_authorization();
            match self.config.challenge {
                AcmeChallenge::TlsAlpn01 => {
                    self.certs
                        .add_alpn_challenge(&name, key_auth.digest().as_ref())?;
                    published.alpn.push(name.clone());
                }
                AcmeChallenge::Http01 => {
                    if !self.http01.insert(&challenge.token, key_auth.as_str()) {
                        return Err(AcmeError::Order("too many pending challenges".into()));
                    }
                    published.tokens.push(challenge.token.clone());
                }
            }
            challenge.set_ready().await?;
            tracing::info!(%name, challenge = ?kind, "ACME challenge ready");
        }
        let status = order.poll_ready(&RetryPolicy::default()).await?;
        if status != OrderStatus::Ready {
            return Err(AcmeError::Order(format!("order is {status:?}")));
        }
        drop(published);

        // RFC 8555 §7.4: the CSR names the identifiers; the subject is left empty.
        let key = rcgen::KeyPair::generate().map_err(|e| AcmeError::Order(e.to_string()))?;
        let mut params = rcgen::CertificateParams::new(self.names.clone())
            .map_err(|e| AcmeError::Order(e.to_string()))?;
        params.distinguished_name = rcgen::DistinguishedName::new();
        let csr = params
            .serialize_request(&key)
            .map_err(|e| AcmeError::Order(e.to_string()))?;
        order.finalize_csr(csr.der()).await?;
        let chain = order.poll_certificate(&RetryPolicy::default()).await?;
        let key_pem = key.serialize_pem();
        let certified = certified_key_from_pem(chain.as_bytes(), key_pem.as_bytes())?;
        self.state
            .save_certificate(chain.as_bytes(), key_pem.as_bytes())?;
        self.certs.replace(certified);
        let not_after = CertInfo::from_pem(chain.as_bytes()).map(|i| i.not_after);
        tracing::info!(names = ?self.names, ?not_after, "ACME certificate installed");
        Ok(())
    }
}

/// Challenge answers in flight; withdrawn when the order is decided either way.
struct Published<'a> {
    client: &'a AcmeClient,
    alpn: Vec<String>,
    tokens: Vec<String>,
}

impl<'a> Published<'a> {
    fn new(client: &'a AcmeClient) -> Self {
        Published {
            client,
            alpn: Vec::new(),
            tokens: Vec::new(),
        }
    }
}

impl Drop for Published<'_> {
    fn drop(&mut self) {
        for name in &self.alpn {
            self.client.certs.remove_alpn_challenge(name);
        }
        for token in &self.tokens {
            self.client.http01.remove(token);
        }
    }
}

fn backoff(failures: u32) -> Duration {
    let factor = 1u32 << failures.saturating_sub(1).min(16);
    FIRST_BACKOFF.saturating_mul(factor).min(MAX_BACKOFF)
}

/// `mailsift acme status`: the stored certificate's names and expiry.
pub fn status_text(config: &crate::config::Config) -> String {
    let state = AcmeState::new(&config.data_dir);
    let mut out = format!(
        "ACME {} (directory {}, challenge {:?}, names {})\n",
        if config.acme.enabled {
            "enabled"
        } else {
            "disabled"
        },
        config.acme.directory,
        config.acme.challenge,
        config.acme.names(&config.hostname).join(", ")
    );
    match state.certificate_info() {
        Some(info) => {
            let days = (info.not_after - Utc::now()).num_days();
            out.push_str(&format!(
                "certificate {}: {}\nexpires {} ({days} days)\n",
                state.cert_path().display(),
                info.names.join(", "),
                info.not_after.format("%Y-%m-%d %H:%M:%S UTC"),
            ));
        }
        None => out.push_str("no ACME certificate yet\n"),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_secs(15));
        assert_eq!(backoff(2), Duration::from_secs(30));
        assert_eq!(backoff(30), MAX_BACKOFF);
        assert_eq!(backoff(u32::MAX), MAX_BACKOFF);
    }

    #[test]
    fn acme_config_keys_and_defaults() {
        use crate::config::Config;
        let c = Config::parse("hostname = \"Mail.Example.org\"\n", "t").unwrap();
        assert!(!c.acme.enabled);
        assert_eq!(c.acme.challenge, AcmeChallenge::TlsAlpn01);
        assert_eq!(c.acme.renew_before_days, 30);
        assert!(c.acme.directory.contains("letsencrypt.org"));
        assert_eq!(c.acme.names(&c.hostname), vec!["mail.example.org"]);
        let c = Config::parse(
            "[acme]\nenabled = true\nchallenge = \"http-01\"\ndomains = [\"a.example\", \"B.example\"]\n",
            "t",
        )
        .unwrap();
        assert_eq!(c.acme.challenge, AcmeChallenge::Http01);
        assert_eq!(c.acme.names("x"), vec!["a.example", "b.example"]);
        // `contact` as one string or a list (the `mailsift setup` template writes a list).
        let one = Config::parse("[acme]\ncontact = \"a@example.org\"\n", "t").unwrap();
        assert_eq!(one.acme.contact, vec!["a@example.org"]);
        let many = Config::parse(
            "[acme]\ncontact = [\"mailto:a@example.org\"]\nca_file = \"\"\n",
            "t",
        )
        .unwrap();
        assert_eq!(many.acme.contact, vec!["mailto:a@example.org"]);
        assert!(Config::parse("[acme]\nchallenge = \"dns-01\"\n", "t").is_err());
        let text = status_text(&c);
        assert!(text.contains("no ACME certificate yet"), "{text}");
    }
}
