//! `mailsift setup DOMAIN`: the operator's first hour. Writes a production config (standard
//! ports, data in /var/lib/mailsift, logs to standard error, which systemd sends to the journal),
//! creates the domain, its DKIM key and a first account (its password printed once), and prints
//! every DNS record to publish; `mailsift doctor DOMAIN` then checks them.
//!
//! The install layout it assumes is the one README.md's "Installing on a server" documents and
//! `contrib/mailsift.service` uses: keep the three in step (a test checks them).

use std::fmt::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;

use crate::admin::{AdminReply, AdminRequest};
use crate::config::Config;

/// Where `setup` writes the config without `--config`.
pub const DEFAULT_CONFIG: &str = "/etc/mailsift/mailsift.toml";
/// The data directory of a production install (the unit's `StateDirectory=`).
pub const DEFAULT_DATA_DIR: &str = "/var/lib/mailsift";

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// The mail domain, e.g. example.org.
    pub domain: String,
    /// This server's name (default mail.DOMAIN): the MX target and TLS name.
    #[arg(long, value_name = "NAME")]
    pub hostname: Option<String>,
    /// The data directory (store, certificates, plugins, admin socket).
    #[arg(long, value_name = "DIR", default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// The first account: a local part (at DOMAIN) or a full address.
    #[arg(long, value_name = "NAME", default_value = "admin")]
    pub account: String,
    /// This server's public addresses (repeat for IPv4 and IPv6), for the A/AAAA records;
    /// without it the records are printed as a hint to fill in.
    #[arg(long = "ip", value_name = "ADDR")]
    pub ips: Vec<IpAddr>,
    /// Overwrite an existing config file.
    #[arg(long)]
    pub force: bool,
}

/// One DNS record to publish, in zone-file syntax, with what it is for.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// `MX`, `A`, `TXT`, `SRV`, `CNAME`, …
    pub kind: &'static str,
    pub name: String,
    /// The record's data as a zone file writes it (TXT: the quoted strings).
    pub value: String,
    /// The whole line, `NAME 3600 IN TYPE DATA`.
    pub zone: String,
    pub purpose: String,
}

#[derive(Debug, Serialize)]
struct Report {
    config: PathBuf,
    data_dir: PathBuf,
    domain: String,
    hostname: String,
    account: String,
    /// Printed once: `setup` keeps only its hash.
    password: Option<String>,
    dkim_selector: String,
    records: Vec<Record>,
    notes: Vec<String>,
}

fn fqdn(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}

fn record(kind: &'static str, name: &str, value: String, purpose: &str) -> Record {
    Record {
        kind,
        name: fqdn(name),
        zone: format!("{} 3600 IN {kind} {value}", fqdn(name)),
        value,
        purpose: purpose.to_string(),
    }
}

/// A TXT value as zone-file strings: at most 255 octets each (RFC 1035 §3.3.14); receivers
/// join them (RFC 7208 §3.3, RFC 6376 §3.6.2.2).
pub fn txt_strings(value: &str) -> String {
    let mut parts = Vec::new();
    let mut rest = value;
    while !rest.is_empty() {
        let mut cut = rest.len().min(255);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        parts.push(format!("\"{}\"", &rest[..cut]));
        rest = &rest[cut..];
    }
    if parts.is_empty() {
        parts.push("\"\"".into());
    }
    parts.join(" ")
}

/// Every record the domain needs: mail routing (MX, A/AAAA), authentication (SPF, DKIM,
/// DMARC), client configuration (RFC 6186 SRV, RFC 8314 §5.1, RFC 5804 §1.8, autoconfig and
/// autodiscover names). MTA-STS and TLS-RPT are left out: this server does not serve an
/// MTA-STS policy for its own domains.
pub fn records(
    domain: &str,
    hostname: &str,
    ips: &[IpAddr],
    dkim: Option<(&str, &str)>,
) -> Vec<Record> {
    let host = fqdn(hostname);
    let mut r = vec![record(
        "MX",
        domain,
        format!("10 {host}"),
        "where other servers deliver the domain's mail",
    )];
    for ip in ips {
        let kind = if ip.is_ipv4() { "A" } else { "AAAA" };
        r.push(record(
            kind,
            hostname,
            ip.to_string(),
            "this server's address",
        ));
    }
    r.push(record(
        "TXT",
        domain,
        txt_strings(&format!("v=spf1 mx a:{hostname} -all")),
        "SPF: this server may send the domain's mail",
    ));
    if let Some((name, value)) = dkim {
        r.push(record(
            "TXT",
            name,
            txt_strings(value),
            "DKIM: the public key of this server's signatures",
        ));
    }
    r.push(record(
        "TXT",
        &format!("_dmarc.{domain}"),
        txt_strings(&format!(
            "v=DMARC1; p=quarantine; rua=mailto:postmaster@{domain}"
        )),
        "DMARC: what receivers do with mail forged in the domain's name",
    ));
    for (service, priority, port, what) in [
        (
            "_submissions._tcp",
            0,
            465,
            "mail submission over TLS (RFC 8314)",
        ),
        (
            "_submission._tcp",
            0,
            587,
            "mail submission, STARTTLS (RFC 6186)",
        ),
        ("_imaps._tcp", 0, 993, "IMAP over TLS (RFC 6186)"),
        ("_imap._tcp", 0, 143, "IMAP, STARTTLS (RFC 6186)"),
        ("_pop3s._tcp", 10, 995, "POP3 over TLS (RFC 6186)"),
        ("_pop3._tcp", 10, 110, "POP3, STARTTLS (RFC 6186)"),
        ("_sieve._tcp", 0, 4190, "ManageSieve (RFC 5804)"),
    ] {
        r.push(record(
            "SRV",
            &format!("{service}.{domain}"),
            format!("{priority} 1 {port} {host}"),
            what,
        ));
    }
    r.push(record(
        "CNAME",
        &format!("autoconfig.{domain}"),
        host.clone(),
        "Thunderbird autoconfig (served by the HTTP listener)",
    ));
    r.push(record(
        "CNAME",
        &format!("autodiscover.{domain}"),
        host.clone(),
        "Outlook autodiscover (served by the HTTP listener)",
    ));
    r
}

/// The production config `setup` writes.
pub fn config_text(domain: &str, hostname: &str, data_dir: &Path) -> String {
    let data_dir = data_dir.display().to_string().replace('\\', "\\\\");
    let mut c = String::new();
    let _ = write!(
        c,
        r#"# Mailsift, written by `mailsift setup {domain}`. Every key, with its default, is described
# in mailsift.example.toml; README.md "Installing on a server" describes this layout.

hostname = "{hostname}"
data_dir = "{data_dir}"              # store, certificates (tls/), plugins (plugins/), admin socket

[log]
level = "info"                       # to standard error: under systemd, the journal
                                     # (journalctl -u mailsift); RUST_LOG overrides it

[store]
trace_records = 10000                # messages `mailsift trace QUEUE-ID` can explain

[tls]
# With neither cert nor key, a self-signed certificate for {hostname} is made in
# {data_dir}/tls/ on first start. Use a CA-signed one (or the [acme] section below):
# cert = "/etc/mailsift/tls/fullchain.pem"
# key = "/etc/mailsift/tls/privkey.pem"

# Certificates from an ACME CA (RFC 8555; README "Certificates (ACME)"), obtained and renewed
# by the server and swapped in without a restart. Until the MX/A records point here and ports 443
# (TLS-ALPN-01) or 80 (HTTP-01) are reachable, attempts fail, are logged and retried with back-off.
[acme]
enabled = true
directory = "https://acme-v02.api.letsencrypt.org/directory"
contact = ["mailto:postmaster@{domain}"]
domains = ["{hostname}"]
challenge = "tls-alpn-01"            # or "http-01" (needs the HTTP listener on port 80)
renew_before_days = 30
# ca_file = ""                       # the CA's root, for a private ACME CA

[[listener]]
name = "smtp"
protocol = "smtp"                    # the MX: mail from other servers
address = "0.0.0.0:25"
tls = "starttls"

[[listener]]
name = "submission"
protocol = "submission"              # your users sending mail
address = "0.0.0.0:587"
tls = "starttls"

[[listener]]
name = "submissions"
protocol = "submission"
address = "0.0.0.0:465"
tls = "implicit"

[[listener]]
name = "imap"
protocol = "imap"
address = "0.0.0.0:143"
tls = "starttls"

[[listener]]
name = "imaps"
protocol = "imap"
address = "0.0.0.0:993"
tls = "implicit"

[[listener]]
name = "pop3"
protocol = "pop3"
address = "0.0.0.0:110"
tls = "starttls"

[[listener]]
name = "pop3s"
protocol = "pop3"
address = "0.0.0.0:995"
tls = "implicit"

[[listener]]
name = "managesieve"
protocol = "managesieve"
address = "0.0.0.0:4190"
tls = "starttls"

# HTTP: autoconfig/autodiscover for mail clients, /metrics (loopback only by default), /healthz,
# ACME HTTP-01.
[[listener]]
name = "http"
protocol = "http"
address = "0.0.0.0:80"
tls = "none"

[[listener]]
name = "https"
protocol = "http"
address = "0.0.0.0:443"
tls = "implicit"
"#
    );
    c
}

/// `local` or `local@domain` → the account's address at `domain`.
fn account_address(account: &str, domain: &str) -> String {
    if account.contains('@') {
        account.to_string()
    } else {
        format!("{account}@{domain}")
    }
}

async fn admin(
    store: &Option<crate::store::Store>,
    config: &Config,
    request: AdminRequest,
) -> anyhow::Result<AdminReply> {
    match store {
        Some(store) => Ok(crate::admin::execute(store, request).await?),
        None => super::run_admin(config, request).await,
    }
}

fn already_exists(e: &anyhow::Error) -> bool {
    e.to_string().contains("already exists")
}

pub async fn run(config_path: Option<&Path>, args: &SetupArgs, json: bool) -> anyhow::Result<()> {
    let domain = args
        .domain
        .trim()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    anyhow::ensure!(
        domain.contains('.') && !domain.contains(['/', ' ', '@']),
        "{domain}: expected a domain name such as example.org"
    );
    let hostname = args
        .hostname
        .clone()
        .unwrap_or_else(|| format!("mail.{domain}"))
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let path = config_path.map_or_else(|| PathBuf::from(DEFAULT_CONFIG), Path::to_path_buf);
    if path.exists() && !args.force {
        anyhow::bail!(
            "{} exists; not overwriting it (use --force to replace it)",
            path.display()
        );
    }
    let data_dir = std::path::absolute(&args.data_dir).unwrap_or_else(|_| args.data_dir.clone());
    let text = config_text(&domain, &hostname, &data_dir);
    // What is written must be what the server reads: checked before anything is touched.
    Config::parse(&text, &path.display().to_string())?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(&path, &text)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    let config = Config::load(Some(&path))?;
    std::fs::create_dir_all(config.plugin_dir())
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", config.plugin_dir().display()))?;

    // One store for every request (a store dropped and opened again at once can still be
    // locked by its closing writer); through the admin socket when a server already runs.
    let store = if config.admin_socket_path().exists() {
        None
    } else {
        Some(crate::store::Store::open_with(
            &config.db_path(),
            crate::store::StoreOptions {
                cache_bytes: config.store.cache_bytes(),
                kv_cache_bytes: config.plugins.kv_cache_bytes(),
                kv_filter_bytes: config.plugins.kv_filter_bytes(),
            },
        )?)
    };
    let mut notes = Vec::new();
    match admin(
        &store,
        &config,
        AdminRequest::DomainAdd {
            name: domain.clone(),
        },
    )
    .await
    {
        Ok(_) => {}
        Err(e) if already_exists(&e) => notes.push(format!("the domain {domain} existed already")),
        Err(e) => return Err(e),
    }
    let shown = admin(
        &store,
        &config,
        AdminRequest::DomainDkim {
            name: domain.clone(),
            selector: config.sender_auth.dkim_selector.clone(),
            rotate: false,
            algorithm: "rsa".into(),
        },
    )
    .await?;
    let dkim = match &shown {
        AdminReply::Domain(d) => d.dkim.clone(),
        _ => None,
    };
    let address = account_address(&args.account, &domain);
    let mut password = None;
    match admin(
        &store,
        &config,
        AdminRequest::AccountAdd {
            address: address.clone(),
        },
    )
    .await
    {
        Ok(_) => {
            let reply = admin(
                &store,
                &config,
                AdminRequest::PasswordAdd {
                    address: address.clone(),
                    device: "setup".into(),
                },
            )
            .await?;
            if let AdminReply::NewPassword(p) = reply {
                password = Some(p.password);
            }
        }
        Err(e) if already_exists(&e) => notes.push(format!(
            "the account {address} existed already: its passwords are unchanged \
             (`mailsift password add {address} --device NAME` makes one)"
        )),
        Err(e) => return Err(e),
    }
    if args.ips.is_empty() {
        notes.push(format!(
            "publish an A (and AAAA) record for {hostname} with this server's public addresses \
             (or run setup again with --ip ADDR)"
        ));
    }
    notes.push(format!(
        "ask your hosting provider to set the reverse DNS (PTR) of those addresses to {hostname}"
    ));
    notes.push(format!(
        "then check the records with `mailsift --config {} doctor {domain}`",
        path.display()
    ));
    let records = records(
        &domain,
        &hostname,
        &args.ips,
        dkim.as_ref()
            .map(|k| (k.record_name.as_str(), k.record_value.as_str())),
    );
    let report = Report {
        config: path,
        data_dir: config.data_dir.clone(),
        domain,
        hostname,
        account: address,
        password,
        dkim_selector: config.sender_auth.dkim_selector.clone(),
        records,
        notes,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report));
    }
    Ok(())
}

fn render(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "Wrote {}", r.config.display());
    let _ = writeln!(o, "Data directory {}", r.data_dir.display());
    let _ = writeln!(
        o,
        "Domain {} with DKIM selector {}",
        r.domain, r.dkim_selector
    );
    match &r.password {
        Some(p) => {
            let _ = writeln!(o, "Account {}", r.account);
            let _ = writeln!(o, "Password (shown once, for the device \"setup\"): {p}");
        }
        None => {
            let _ = writeln!(o, "Account {}", r.account);
        }
    }
    let _ = writeln!(o, "\nPublish these DNS records:\n");
    for rec in &r.records {
        let _ = writeln!(o, "; {}", rec.purpose);
        let _ = writeln!(o, "{}", rec.zone);
    }
    if !r.notes.is_empty() {
        let _ = writeln!(o);
        for n in &r.notes {
            let _ = writeln!(o, "Note: {n}.");
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_txt_values_are_split_into_255_octet_strings() {
        let v = "a".repeat(600);
        let s = txt_strings(&v);
        let parts: Vec<&str> = s.split(' ').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].len(), 257);
        let joined: String = parts.iter().map(|p| p.trim_matches('"')).collect();
        assert_eq!(joined, v);
    }

    #[test]
    fn the_written_config_parses() {
        let text = config_text(
            "example.org",
            "mail.example.org",
            Path::new(DEFAULT_DATA_DIR),
        );
        let c = Config::parse(&text, "setup").unwrap();
        assert_eq!(c.hostname, "mail.example.org");
        assert_eq!(c.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
        let ports: Vec<u16> = c.listeners.iter().map(|l| l.address.port()).collect();
        assert_eq!(ports, [25, 587, 465, 143, 993, 110, 995, 4190, 80, 443]);
        assert!(c.acme.enabled);
        assert_eq!(c.acme.domains, ["mail.example.org"]);
    }
}
