//! `mailsift doctor DOMAIN`: checks, through the configured resolver, that a domain's DNS sends
//! its mail here and lets receivers authenticate it — MX, SPF, our DKIM key, DMARC — and says for
//! each problem what is wrong and the exact record to publish.

use std::net::IpAddr;

use mail_auth::common::cache::NoCache;
use mail_auth::common::parse::TxtRecordParser;
use mail_auth::dmarc::Dmarc;
use mail_auth::hickory_resolver::proto::rr::{Name, RData};
use mail_auth::spf::Spf;
use mail_auth::spf::verify::SpfParameters;
use mail_auth::{DnsError, Error as MailAuthError, IpLookupStrategy, MX, MessageAuthenticator};
use mail_auth::{RecordSet, SpfResult};
use serde::Serialize;

use super::dkim_key;
use crate::store::DkimKey;

/// One problem found, with the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// "mx", "spf", "dkim" or "dmarc".
    pub check: &'static str,
    /// A stable identifier for scripts, e.g. "spf-multiple".
    pub code: &'static str,
    /// What is wrong, in a sentence.
    pub problem: String,
    /// The exact record to publish (zone-file syntax), when one fixes it.
    pub publish: Option<String>,
}

/// A check that passed, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Passed {
    pub check: &'static str,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub domain: String,
    pub hostname: String,
    pub ok: bool,
    pub passed: Vec<Passed>,
    pub findings: Vec<Finding>,
}

impl Report {
    /// Human-readable text, one block per check.
    pub fn render(&self) -> String {
        let mut out = format!(
            "DNS check of {} (mail server {})\n",
            self.domain, self.hostname
        );
        for p in &self.passed {
            out.push_str(&format!(
                "  ok    {:<5} {}\n",
                p.check.to_uppercase(),
                p.detail
            ));
        }
        for f in &self.findings {
            out.push_str(&format!(
                "  FAIL  {:<5} {} [{}]\n",
                f.check.to_uppercase(),
                f.problem,
                f.code
            ));
            if let Some(record) = &f.publish {
                out.push_str(&format!("        publish: {record}\n"));
            }
        }
        if self.ok {
            out.push_str("No problem found.\n");
        } else {
            out.push_str(&format!("{} problem(s) found.\n", self.findings.len()));
        }
        out
    }
}

/// What `doctor` needs to know about this server.
pub struct Server<'a> {
    pub hostname: &'a str,
    /// This domain's DKIM key, if one was made (`mailsift domain dkim`).
    pub dkim: Option<&'a DkimKey>,
    /// The optional second, Ed25519 key (`mailsift domain dkim --algorithm ed25519`): checked
    /// too when there is one.
    pub dkim_ed25519: Option<&'a DkimKey>,
}

pub async fn check(auth: &MessageAuthenticator, domain: &str, server: &Server<'_>) -> Report {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let mut r = Report {
        domain: domain.clone(),
        hostname: server.hostname.to_string(),
        ok: true,
        passed: Vec::new(),
        findings: Vec::new(),
    };
    check_mx(auth, &domain, server.hostname, &mut r).await;
    check_spf(auth, &domain, server.hostname, &mut r).await;
    check_dkim(auth, &domain, server.dkim, &mut r).await;
    if let Some(key) = server.dkim_ed25519 {
        check_dkim_key(auth, &domain, key, "Ed25519 ", &mut r).await;
    }
    check_dmarc(auth, &domain, &mut r).await;
    r.ok = r.findings.is_empty();
    r
}

impl Report {
    fn fail(
        &mut self,
        check: &'static str,
        code: &'static str,
        problem: String,
        publish: Option<String>,
    ) {
        self.findings.push(Finding {
            check,
            code,
            problem,
            publish,
        });
    }

    fn pass(&mut self, check: &'static str, detail: String) {
        self.passed.push(Passed { check, detail });
    }
}

/// The TXT records at `name`, each with its strings joined (RFC 7208 §3.3); empty when the name
/// or the type does not exist.
async fn txt_records(auth: &MessageAuthenticator, name: &str) -> Result<Vec<String>, String> {
    let fqdn = format!("{}.", name.trim_end_matches('.'));
    let name =
        Name::from_str_relaxed(fqdn.as_str()).map_err(|e| format!("bad name {name}: {e}"))?;
    match auth.resolver().txt_lookup(name).await {
        Ok(lookup) => Ok(lookup
            .answers()
            .iter()
            .filter_map(|record| match &record.data {
                RData::TXT(txt) => Some(
                    txt.txt_data
                        .iter()
                        .map(|s| String::from_utf8_lossy(s).into_owned())
                        .collect::<String>(),
                ),
                _ => None,
            })
            .collect()),
        Err(e) => match MailAuthError::from(e) {
            MailAuthError::Dns(DnsError::RecordNotFound(_)) => Ok(Vec::new()),
            e => Err(e.to_string()),
        },
    }
}

fn fqdn(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}

async fn check_mx(auth: &MessageAuthenticator, domain: &str, hostname: &str, r: &mut Report) {
    let publish = Some(format!("{} 3600 IN MX 10 {}", fqdn(domain), fqdn(hostname)));
    let mx = auth
        .mx_lookup(domain, None::<&NoCache<Box<str>, RecordSet<MX>>>)
        .await;
    match mx {
        Ok(set) if !set.rrset.is_empty() => {
            let targets: Vec<String> = set
                .rrset
                .iter()
                .flat_map(|mx| mx.exchanges.iter())
                .map(|e| e.trim_end_matches('.').to_string())
                .collect();
            if targets.iter().any(|t| t.eq_ignore_ascii_case(hostname)) {
                r.pass("mx", format!("{domain} receives mail at {hostname}"));
            } else {
                r.fail(
                    "mx",
                    "mx-elsewhere",
                    format!(
                        "the MX records of {domain} point to {}, not to this server ({hostname})",
                        targets.join(", ")
                    ),
                    publish,
                );
            }
        }
        Ok(_) | Err(MailAuthError::Dns(DnsError::RecordNotFound(_))) => r.fail(
            "mx",
            "mx-missing",
            format!(
                "{domain} has no MX record, so other servers do not know where to deliver its mail"
            ),
            publish,
        ),
        Err(e) => r.fail(
            "mx",
            "dns-error",
            format!("cannot look up the MX records of {domain}: {e}"),
            None,
        ),
    }
}

fn is_spf(record: &str) -> bool {
    let lower = record.trim_start().to_ascii_lowercase();
    lower == "v=spf1" || lower.starts_with("v=spf1 ")
}

/// `record` with `a:HOSTNAME` added before its final `all`/`redirect`, or a fresh record.
fn spf_with_us(record: Option<&str>, hostname: &str) -> String {
    let ours = format!("a:{hostname}");
    let Some(record) = record else {
        return format!("v=spf1 mx {ours} -all");
    };
    let mut terms: Vec<&str> = record.split_whitespace().collect();
    let pos = terms
        .iter()
        .position(|t| {
            let t = t.to_ascii_lowercase();
            t.trim_start_matches(['+', '-', '~', '?']) == "all" || t.starts_with("redirect=")
        })
        .unwrap_or(terms.len());
    terms.insert(pos, &ours);
    terms.join(" ")
}

async fn check_spf(auth: &MessageAuthenticator, domain: &str, hostname: &str, r: &mut Report) {
    let records = match txt_records(auth, domain).await {
        Ok(txt) => txt.into_iter().filter(|t| is_spf(t)).collect::<Vec<_>>(),
        Err(e) => {
            r.fail(
                "spf",
                "dns-error",
                format!("cannot look up the TXT records of {domain}: {e}"),
                None,
            );
            return;
        }
    };
    let zone = |value: &str| format!("{} 3600 IN TXT \"{value}\"", fqdn(domain));
    match records.len() {
        0 => {
            r.fail(
                "spf",
                "spf-missing",
                format!("{domain} publishes no SPF record, so receivers cannot tell this server may send its mail"),
                Some(zone(&spf_with_us(None, hostname))),
            );
            return;
        }
        1 => {}
        n => {
            // RFC 7208 §4.5: more than one record is a permanent error for every receiver.
            r.fail(
                "spf",
                "spf-multiple",
                format!("{domain} publishes {n} SPF records; receivers treat that as an error (RFC 7208 §4.5). Keep exactly one"),
                Some(zone(&spf_with_us(Some(&records[0]), hostname))),
            );
            return;
        }
    }
    let record = &records[0];
    if let Err(e) = Spf::parse(record.as_bytes()) {
        r.fail(
            "spf",
            "spf-invalid",
            format!("the SPF record of {domain} does not parse ({e}): \"{record}\""),
            Some(zone(&spf_with_us(None, hostname))),
        );
        return;
    }
    // Does the record let this server's addresses send as the domain?
    let ips = match auth
        .ip_lookup(
            hostname,
            IpLookupStrategy::Ipv4thenIpv6,
            10,
            None::<&NoCache<Box<str>, RecordSet<std::net::Ipv4Addr>>>,
            None::<&NoCache<Box<str>, RecordSet<std::net::Ipv6Addr>>>,
        )
        .await
    {
        Ok(ips) if !ips.is_empty() => ips,
        _ => {
            r.fail(
                "spf",
                "hostname-unresolvable",
                format!("this server's hostname {hostname} has no address in DNS, so SPF cannot be checked against it"),
                None,
            );
            return;
        }
    };
    let sender = format!("postmaster@{domain}");
    let mut denied: Vec<IpAddr> = Vec::new();
    for ip in &ips {
        let out = auth
            .verify_spf(SpfParameters::verify_mail_from(
                *ip, hostname, hostname, &sender,
            ))
            .await;
        if out.result() != SpfResult::Pass {
            denied.push(*ip);
        }
    }
    if denied.is_empty() {
        r.pass("spf", format!("\"{record}\" authorises {}", join_ips(&ips)));
    } else {
        r.fail(
            "spf",
            "spf-not-authorized",
            format!(
                "the SPF record of {domain} (\"{record}\") does not authorise this server ({hostname}, {})",
                join_ips(&denied)
            ),
            Some(zone(&spf_with_us(Some(record), hostname))),
        );
    }
}

fn join_ips(ips: &[IpAddr]) -> String {
    ips.iter()
        .map(|ip| ip.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

async fn check_dkim(
    auth: &MessageAuthenticator,
    domain: &str,
    key: Option<&DkimKey>,
    r: &mut Report,
) {
    let Some(key) = key else {
        r.fail(
            "dkim",
            "dkim-no-key",
            format!("this server has no DKIM key for {domain}; make one with `mailsift domain dkim {domain}`"),
            None,
        );
        return;
    };
    check_dkim_key(auth, domain, key, "", r).await;
}

/// Checks that `key` is published at its selector (`kind` names it in messages: "" for the RSA
/// key, "Ed25519 " for the second one).
async fn check_dkim_key(
    auth: &MessageAuthenticator,
    domain: &str,
    key: &DkimKey,
    kind: &str,
    r: &mut Report,
) {
    let name = dkim_key::record_name(key, domain);
    let publish = Some(format!(
        "{} 3600 IN TXT \"{}\"",
        fqdn(&name),
        dkim_key::record_value(key)
    ));
    let records = match txt_records(auth, &name).await {
        Ok(records) => records,
        Err(e) => {
            r.fail(
                "dkim",
                "dns-error",
                format!("cannot look up {name}: {e}"),
                None,
            );
            return;
        }
    };
    match records.as_slice() {
        [] => r.fail(
            "dkim",
            "dkim-missing",
            format!("no {kind}DKIM key is published at {name}, so {kind}signatures from this server cannot be verified"),
            publish,
        ),
        [record] => match dkim_key::published_key(record) {
            Some(published) if dkim_key::matches(key, &published) => {
                r.pass("dkim", format!("the key at {name} is this server's {kind}key"))
            }
            _ => r.fail(
                "dkim",
                "dkim-mismatch",
                format!("the key published at {name} is not this server's {kind}DKIM key for {domain}"),
                publish,
            ),
        },
        _ => r.fail(
            "dkim",
            "dkim-mismatch",
            format!("{} records are published at {name}; publish exactly one, this server's {kind}key", records.len()),
            publish,
        ),
    }
}

fn is_dmarc(record: &str) -> bool {
    // RFC 7489 §6.6.3: records not starting with "v=DMARC1" are ignored.
    let compact: String = record
        .chars()
        .take(16)
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    compact.to_ascii_lowercase().starts_with("v=dmarc1")
}

/// Problems of a DMARC record that mail-auth would parse leniently: `Err((code, problem))`.
fn lint_dmarc(record: &str) -> Result<(), (&'static str, String)> {
    let mut tags = Vec::new();
    for (i, part) in record.split(';').enumerate() {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let Some((tag, value)) = part.split_once('=') else {
            return Err((
                "dmarc-malformed",
                format!("`{part}` is not a tag=value pair"),
            ));
        };
        let (tag, value) = (tag.trim(), value.trim());
        if tag.is_empty() || !tag.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(("dmarc-malformed", format!("`{tag}` is not a tag name")));
        }
        if i == 0 && !(tag == "v" && value == "DMARC1") {
            return Err((
                "dmarc-malformed",
                "the record must start with v=DMARC1".into(),
            ));
        }
        if value.contains(char::is_whitespace) && !matches!(tag, "rua" | "ruf") {
            return Err((
                "dmarc-malformed",
                format!("the value of `{tag}` contains a space: is a `;` missing?"),
            ));
        }
        tags.push((tag.to_ascii_lowercase(), value.to_string()));
    }
    // RFC 7489 §6.3: `p` is required and must be none, quarantine or reject.
    let valid = ["none", "quarantine", "reject"];
    match tags.iter().find(|(t, _)| t == "p") {
        None => {
            return Err((
                "dmarc-invalid-policy",
                "the record has no policy (p=)".into(),
            ));
        }
        Some((_, p)) if !valid.contains(&p.to_ascii_lowercase().as_str()) => {
            return Err((
                "dmarc-invalid-policy",
                format!("the policy p={p} is not one of none, quarantine, reject"),
            ));
        }
        _ => {}
    }
    if let Some((_, sp)) = tags.iter().find(|(t, _)| t == "sp")
        && !valid.contains(&sp.to_ascii_lowercase().as_str())
    {
        return Err((
            "dmarc-invalid-policy",
            format!("the subdomain policy sp={sp} is not one of none, quarantine, reject"),
        ));
    }
    Ok(())
}

async fn check_dmarc(auth: &MessageAuthenticator, domain: &str, r: &mut Report) {
    let name = format!("_dmarc.{domain}");
    let suggested = format!(
        "{} 3600 IN TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@{domain}\"",
        fqdn(&name)
    );
    let records = match txt_records(auth, &name).await {
        Ok(txt) => txt.into_iter().filter(|t| is_dmarc(t)).collect::<Vec<_>>(),
        Err(e) => {
            r.fail(
                "dmarc",
                "dns-error",
                format!("cannot look up {name}: {e}"),
                None,
            );
            return;
        }
    };
    match records.as_slice() {
        [] => r.fail(
            "dmarc",
            "dmarc-missing",
            format!("{domain} publishes no DMARC record at {name}, so receivers get no policy for mail forged in its name"),
            Some(suggested),
        ),
        [record] => {
            let problem = lint_dmarc(record).err().or_else(|| {
                Dmarc::parse(record.as_bytes())
                    .err()
                    .map(|e| ("dmarc-malformed", format!("the record does not parse ({e})")))
            });
            match problem {
                None => r.pass("dmarc", format!("\"{record}\"")),
                Some((code, why)) => r.fail(
                    "dmarc",
                    code,
                    format!("the DMARC record of {domain} is not valid: {why}: \"{record}\""),
                    Some(suggested),
                ),
            }
        }
        _ => r.fail(
            "dmarc",
            "dmarc-multiple",
            format!(
                "{domain} publishes {} DMARC records at {name}; receivers then apply none (RFC 7489 §6.6.3). Keep exactly one",
                records.len()
            ),
            Some(suggested),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spf_suggestions_keep_the_owners_record() {
        assert_eq!(spf_with_us(None, "mx.a.org"), "v=spf1 mx a:mx.a.org -all");
        assert_eq!(
            spf_with_us(Some("v=spf1 include:_spf.google.com ~all"), "mx.a.org"),
            "v=spf1 include:_spf.google.com a:mx.a.org ~all"
        );
        assert_eq!(
            spf_with_us(Some("v=spf1 redirect=_spf.a.org"), "mx.a.org"),
            "v=spf1 a:mx.a.org redirect=_spf.a.org"
        );
        assert!(is_spf("v=spf1 -all") && is_spf("V=SPF1") && !is_spf("v=spf10 -all"));
    }

    #[test]
    fn dmarc_lint() {
        assert!(lint_dmarc("v=DMARC1; p=reject; rua=mailto:a@b.org").is_ok());
        assert!(lint_dmarc("v=DMARC1;p=none").is_ok());
        assert_eq!(
            lint_dmarc("v=DMARC1; p=reject rua=mailto:a@b")
                .unwrap_err()
                .0,
            "dmarc-malformed"
        );
        assert_eq!(
            lint_dmarc("v=DMARC1; p=reject; rua").unwrap_err().0,
            "dmarc-malformed"
        );
        assert_eq!(
            lint_dmarc("p=reject; v=DMARC1").unwrap_err().0,
            "dmarc-malformed"
        );
        assert_eq!(
            lint_dmarc("v=DMARC1; p=block").unwrap_err().0,
            "dmarc-invalid-policy"
        );
        assert_eq!(
            lint_dmarc("v=DMARC1; rua=mailto:a@b").unwrap_err().0,
            "dmarc-invalid-policy"
        );
        assert_eq!(
            lint_dmarc("v=DMARC1; p=none; sp=drop").unwrap_err().0,
            "dmarc-invalid-policy"
        );
        assert!(is_dmarc("v=DMARC1; p=none") && is_dmarc(" v = DMARC1;") && !is_dmarc("v=spf1"));
    }
}
