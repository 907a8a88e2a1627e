//! Checks one inbound message: SPF for MAIL FROM (HELO for the null sender, RFC 7208 §2.3–2.4),
//! every DKIM signature (RFC 6376), ARC (RFC 8617) and DMARC with alignment (RFC 7489), all with
//! mail-auth; the outcome as an owned `AuthReport` with our Authentication-Results value.

use std::net::IpAddr;
use std::time::Duration;

use mail_auth::dmarc::Policy;
use mail_auth::dmarc::verify::DmarcParameters;
use mail_auth::spf::verify::SpfParameters;
use mail_auth::{
    AuthenticatedMessage, AuthenticationResults, DkimResult, DmarcResult, MessageAuthenticator,
    Parameters, SpfResult,
};
use serde::Serialize;

use super::AuthError;
use crate::config::{Config, SenderAuthConfig};

/// A method's result, with the RFC 8601 §2.7 names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    None,
    Pass,
    Fail,
    SoftFail,
    Neutral,
    TempError,
    PermError,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::None => "none",
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::SoftFail => "softfail",
            Outcome::Neutral => "neutral",
            Outcome::TempError => "temperror",
            Outcome::PermError => "permerror",
        }
    }
}

/// The DMARC policy the sender's domain published (after `sp`/`np` and `t=y`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PublishedPolicy {
    None,
    Quarantine,
    Reject,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DkimCheck {
    pub outcome: Outcome,
    /// The signing domain (`d=`), when the signature could be parsed.
    pub domain: Option<String>,
    pub selector: Option<String>,
}

/// What sender authentication found for one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthReport {
    pub spf: Outcome,
    /// The domain SPF checked: MAIL FROM's, or HELO's for the null sender.
    pub spf_domain: String,
    pub dkim: Vec<DkimCheck>,
    pub arc: Outcome,
    pub dmarc: Outcome,
    /// The RFC5322.From domain DMARC evaluated.
    pub from_domain: Option<String>,
    /// The policy the From domain publishes, when it has a DMARC record.
    pub dmarc_policy: Option<PublishedPolicy>,
    /// Our Authentication-Results value (without the field name), on one line.
    pub header: String,
}

impl AuthReport {
    /// Signing domains of the DKIM signatures that verified.
    pub fn dkim_pass_domains(&self) -> Vec<String> {
        self.dkim
            .iter()
            .filter(|d| d.outcome == Outcome::Pass)
            .filter_map(|d| d.domain.clone())
            .collect()
    }

    /// One DKIM result for the message: pass if any signature passed, else the first failure.
    pub fn dkim_summary(&self) -> Outcome {
        if self.dkim.iter().any(|d| d.outcome == Outcome::Pass) {
            return Outcome::Pass;
        }
        self.dkim.first().map_or(Outcome::None, |d| d.outcome)
    }

    /// The method whose DNS lookup failed, when that leaves the message's authenticity
    /// undecided. A DMARC pass decides it whatever else failed to resolve.
    pub fn temp_error(&self) -> Option<&'static str> {
        if self.dmarc == Outcome::Pass {
            return None;
        }
        if self.dmarc == Outcome::TempError {
            return Some("DMARC");
        }
        if self.spf == Outcome::TempError {
            return Some("SPF");
        }
        if self.dkim.iter().any(|d| d.outcome == Outcome::TempError) {
            return Some("DKIM");
        }
        None
    }

    /// The published policy when the message fails DMARC.
    pub fn dmarc_failure(&self) -> Option<PublishedPolicy> {
        if self.dmarc == Outcome::Fail {
            self.dmarc_policy
        } else {
            None
        }
    }
}

/// The session facts sender authentication needs.
pub struct Inbound<'a> {
    pub client_ip: IpAddr,
    pub helo: &'a str,
    /// MAIL FROM, empty for the null sender.
    pub mail_from: &'a str,
    pub raw: &'a [u8],
}

pub struct SenderAuth {
    authenticator: MessageAuthenticator,
    /// Parsed SPF, DKIM key and DMARC records until their TTL (`txt_cache.rs`).
    txt_cache: super::txt_cache::TxtCache,
    hostname: String,
    config: SenderAuthConfig,
    /// Bound on all lookups of one message together (each is bounded by the resolver too).
    deadline: Duration,
}

impl SenderAuth {
    pub fn new(config: &Config) -> Result<SenderAuth, AuthError> {
        let authenticator = super::resolver::authenticator(&config.dns)?;
        // SPF alone may need 10 lookups (RFC 7208 §4.6.4); beyond about that many timeouts
        // in a row the sender is better told to retry.
        let per_lookup = config.dns.timeout_ms * config.dns.attempts as u64;
        Ok(SenderAuth {
            authenticator,
            txt_cache: super::txt_cache::TxtCache::new(
                usize::try_from(config.dns.cache_size).unwrap_or(usize::MAX),
            ),
            hostname: config.hostname.clone(),
            config: config.sender_auth.clone(),
            deadline: Duration::from_millis((per_lookup * 6).clamp(1_000, 120_000)),
        })
    }

    pub fn config(&self) -> &SenderAuthConfig {
        &self.config
    }

    pub fn hostname(&self) -> &str {
        &self.hostname
    }

    pub fn authenticator(&self) -> &MessageAuthenticator {
        &self.authenticator
    }

    /// True when a message from this session is not checked as inbound mail: checks are off,
    /// the user authenticated, or the client is in a trusted network.
    pub fn exempt(&self, client_ip: IpAddr, authenticated: bool) -> bool {
        !self.config.enabled
            || authenticated
            || self
                .config
                .trusted_networks
                .iter()
                .any(|n| n.contains(&client_ip))
    }

    /// Runs every check. Never fails: DNS trouble shows as `temperror` results (and in
    /// `AuthReport::temp_error`), including when all lookups together take too long.
    pub async fn check(&self, msg: &Inbound<'_>) -> AuthReport {
        let parsed = AuthenticatedMessage::parse(msg.raw);
        self.check_parsed(msg, parsed.as_ref()).await
    }

    /// [`SenderAuth::check`] of a message already parsed for it (`pipeline::Received`: from the
    /// pipeline's one parse, with the body hashes of its signatures). `None`: no header section.
    pub async fn check_parsed(
        &self,
        msg: &Inbound<'_>,
        parsed: Option<&AuthenticatedMessage<'_>>,
    ) -> AuthReport {
        match tokio::time::timeout(self.deadline, self.check_inner(msg, parsed)).await {
            Ok(report) => report,
            Err(_) => {
                tracing::warn!(deadline = ?self.deadline, "sender authentication timed out");
                let spf_domain = spf_domain(msg).to_string();
                AuthReport {
                    header: format!(
                        "{}; spf=temperror (lookups timed out) smtp.mailfrom={}",
                        self.hostname,
                        if msg.mail_from.is_empty() {
                            "<>"
                        } else {
                            msg.mail_from
                        }
                    ),
                    spf: Outcome::TempError,
                    spf_domain,
                    dkim: Vec::new(),
                    arc: Outcome::None,
                    dmarc: Outcome::TempError,
                    from_domain: None,
                    dmarc_policy: None,
                }
            }
        }
    }

    async fn check_inner(
        &self,
        msg: &Inbound<'_>,
        parsed: Option<&AuthenticatedMessage<'_>>,
    ) -> AuthReport {
        let auth = &self.authenticator;
        let txt = &self.txt_cache;
        let host = self.hostname.as_str();
        let helo = msg.helo;
        let spf_domain = spf_domain(msg);
        let spf = if msg.mail_from.is_empty() {
            auth.verify_spf(
                Parameters::new(SpfParameters::verify_ehlo(msg.client_ip, helo, host))
                    .with_txt_cache(txt),
            )
            .await
        } else {
            auth.verify_spf(
                Parameters::new(SpfParameters::verify_mail_from(
                    msg.client_ip,
                    helo,
                    host,
                    msg.mail_from,
                ))
                .with_txt_cache(txt),
            )
            .await
        };
        let mut results = AuthenticationResults::new(host);
        let (dkim, arc, dmarc, from_domain, dmarc_policy) = match parsed {
            Some(message) => {
                let dkim = auth
                    .verify_dkim(Parameters::new(message).with_txt_cache(txt))
                    .await;
                let arc = auth
                    .verify_arc(Parameters::new(message).with_txt_cache(txt))
                    .await;
                let dmarc = auth
                    .verify_dmarc(
                        Parameters::new(DmarcParameters::new(message, &dkim, spf_domain, &spf))
                            .with_txt_cache(txt),
                    )
                    .await;
                let header_from = message.from.first().map(String::as_str).unwrap_or("");
                results = results.with_dkim_results(&dkim, header_from);
                let dkim_checks = dkim
                    .iter()
                    .map(|d| DkimCheck {
                        outcome: dkim_outcome(d.result()),
                        domain: d.signature().map(|s| s.d.to_ascii_lowercase()),
                        selector: d.signature().map(|s| s.s.clone()),
                    })
                    .collect::<Vec<_>>();
                results = if msg.mail_from.is_empty() {
                    results.with_spf_ehlo_result(&spf, msg.client_ip, helo)
                } else {
                    results.with_spf_mailfrom_result(&spf, msg.client_ip, msg.mail_from, helo)
                };
                let has_arc = !message.as_headers.is_empty() || !message.ams_headers.is_empty();
                if has_arc {
                    results = results.with_arc_result(&arc, msg.client_ip);
                }
                let dmarc_applies = !dmarc.domain().is_empty();
                if dmarc_applies {
                    results = results.with_dmarc_result(&dmarc);
                }
                let policy = dmarc.dmarc_record().map(|_| match dmarc.policy() {
                    Policy::Reject => PublishedPolicy::Reject,
                    Policy::Quarantine => PublishedPolicy::Quarantine,
                    Policy::None | Policy::Unspecified => PublishedPolicy::None,
                });
                (
                    dkim_checks,
                    if has_arc {
                        dkim_outcome(arc.result())
                    } else {
                        Outcome::None
                    },
                    dmarc_outcome(&dmarc.result()),
                    dmarc_applies.then(|| dmarc.domain().to_ascii_lowercase()),
                    policy,
                )
            }
            None => {
                results = if msg.mail_from.is_empty() {
                    results.with_spf_ehlo_result(&spf, msg.client_ip, helo)
                } else {
                    results.with_spf_mailfrom_result(&spf, msg.client_ip, msg.mail_from, helo)
                };
                (Vec::new(), Outcome::None, Outcome::None, None, None)
            }
        };
        let mut header = one_line(&results.to_string());
        const NEUTRAL_BODY: &str = "dkim=neutral (body hash did not verify)";
        if header.contains(NEUTRAL_BODY) {
            header = header.replace(NEUTRAL_BODY, "dkim=fail (body hash did not verify)");
        }
        if dkim.is_empty() {
            // RFC 8601 §2.7.1: say that there was nothing to verify.
            header.push_str("; dkim=none (no signatures)");
        }
        if from_domain.is_none() {
            header.push_str("; dmarc=none");
        }
        AuthReport {
            spf: spf_outcome(spf.result()),
            spf_domain: spf_domain.to_ascii_lowercase(),
            dkim,
            arc,
            dmarc: if from_domain.is_some() {
                dmarc
            } else {
                Outcome::None
            },
            from_domain,
            dmarc_policy,
            header,
        }
    }
}

/// MAIL FROM's domain, or the HELO name for the null sender (RFC 7208 §2.4).
fn spf_domain<'a>(msg: &Inbound<'a>) -> &'a str {
    msg.mail_from
        .rsplit_once('@')
        .map_or(msg.helo, |(_, domain)| domain)
}

/// mail-auth folds the header with CRLF TAB; our header writer puts fields on one line: each
/// CRLF TAB, then each other CR or LF, becomes one space. One pass, one allocation.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['\r', '\n']) {
        out.push_str(&rest[..i]);
        out.push(' ');
        // `i` is the index of an ASCII byte: the slices below are on char boundaries.
        rest = match rest[i..].strip_prefix("\r\n\t") {
            Some(after) => after,
            None => &rest[i + 1..],
        };
    }
    out.push_str(rest);
    out
}

fn spf_outcome(r: SpfResult) -> Outcome {
    match r {
        SpfResult::Pass => Outcome::Pass,
        SpfResult::Fail => Outcome::Fail,
        SpfResult::SoftFail => Outcome::SoftFail,
        SpfResult::Neutral => Outcome::Neutral,
        SpfResult::TempError => Outcome::TempError,
        SpfResult::PermError => Outcome::PermError,
        SpfResult::None => Outcome::None,
    }
}

fn dkim_outcome(r: &DkimResult) -> Outcome {
    match r {
        // RFC 6376 §6.1.3: a body that does not match its hash is a failed verification
        // (PERMFAIL), "fail" in RFC 8601 §2.7.1 terms; mail-auth, like Gmail, says "neutral".
        DkimResult::Neutral(mail_auth::Error::Dkim(
            mail_auth::dkim::DkimError::FailedBodyHashMatch,
        )) => Outcome::Fail,
        DkimResult::Pass => Outcome::Pass,
        DkimResult::Neutral(_) => Outcome::Neutral,
        DkimResult::Fail(_) => Outcome::Fail,
        DkimResult::PermError(_) => Outcome::PermError,
        DkimResult::TempError(_) => Outcome::TempError,
        DkimResult::None => Outcome::None,
    }
}

fn dmarc_outcome(r: &DmarcResult) -> Outcome {
    match r {
        DmarcResult::Pass => Outcome::Pass,
        DmarcResult::Fail(_) => Outcome::Fail,
        DmarcResult::TempError(_) => Outcome::TempError,
        DmarcResult::PermError(_) => Outcome::PermError,
        DmarcResult::None => Outcome::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(spf: Outcome, dkim: &[Outcome], dmarc: Outcome) -> AuthReport {
        AuthReport {
            spf,
            spf_domain: "example.com".into(),
            dkim: dkim
                .iter()
                .map(|&outcome| DkimCheck {
                    outcome,
                    domain: Some("example.com".into()),
                    selector: Some("s".into()),
                })
                .collect(),
            arc: Outcome::None,
            dmarc,
            from_domain: Some("example.com".into()),
            dmarc_policy: Some(PublishedPolicy::Reject),
            header: String::new(),
        }
    }

    #[test]
    fn dns_failures_are_temporary_unless_dmarc_passed() {
        use Outcome::*;
        assert_eq!(report(TempError, &[], None).temp_error(), Some("SPF"));
        assert_eq!(report(Pass, &[TempError], None).temp_error(), Some("DKIM"));
        assert_eq!(report(Pass, &[], TempError).temp_error(), Some("DMARC"));
        assert_eq!(report(TempError, &[Pass], Pass).temp_error(), Option::None);
        assert_eq!(report(Fail, &[Fail], Fail).temp_error(), Option::None);
    }

    #[test]
    fn one_line_is_the_two_replacements() {
        let old = |s: &str| s.replace("\r\n\t", " ").replace(['\r', '\n'], " ");
        for s in [
            "",
            "a",
            "mx; spf=pass\r\n\tdkim=none",
            "\r\n\t\r\n\t",
            "\r\r\n\t\n",
            "a\r\nb\n\tc\r\td\r",
            "é\r\n\tü\nß",
            "\r\n",
            "x\r\n\t",
        ] {
            assert_eq!(one_line(s), old(s), "{s:?}");
        }
    }

    #[test]
    fn summaries() {
        use Outcome::*;
        let r = report(Fail, &[Fail, Pass], Fail);
        assert_eq!(r.dkim_summary(), Pass);
        assert_eq!(r.dkim_pass_domains(), vec!["example.com"]);
        assert_eq!(r.dmarc_failure(), Some(PublishedPolicy::Reject));
        assert_eq!(report(Pass, &[], Pass).dmarc_failure(), Option::None);
        assert_eq!(report(Pass, &[], Pass).dkim_summary(), None);
    }
}
