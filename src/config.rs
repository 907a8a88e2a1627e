//! The server configuration: a TOML file turned into typed, validated values.
//!
//! Every key has a development default, so `mailsift serve` with no file runs a usable server on
//! unprivileged loopback ports. `mailsift.example.toml` at the top of the repository documents every
//! key; a test keeps it parseable.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use crate::values::DmarcAction;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    Parse { path: String, message: String },
    #[error("invalid config file {path}: key `{key}`: {message}")]
    Invalid {
        path: String,
        key: String,
        message: String,
    },
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The name this server answers with in greetings, Received headers and certificates.
    pub hostname: String,
    /// Where the redb file, generated certificates and the admin socket live.
    pub data_dir: PathBuf,
    #[serde(rename = "listener")]
    pub listeners: Vec<ListenerConfig>,
    pub tls: TlsConfig,
    pub limits: Limits,
    /// `[auth_throttle]`: delays and bans after failed logins, bound on concurrent hashing.
    pub auth_throttle: AuthThrottleConfig,
    /// `[submission]`: sender rules, outgoing checks and sending limits of logged-in users.
    pub submission: SubmissionConfig,
    pub log: LogConfig,
    /// The WebAssembly plugin host: folder and default limits.
    pub plugins: PluginsConfig,
    /// Per-plugin settings, keyed by the plugin's name (its file stem): `[plugin.NAME]`.
    #[serde(rename = "plugin")]
    pub plugin: BTreeMap<String, PluginConfig>,
    /// The DNS resolver used for SPF, DKIM, DMARC and `mailsift doctor`.
    pub dns: DnsConfig,
    /// `[outbound]`: delivery of queued mail to remote servers.
    pub outbound: OutboundConfig,
    /// SPF, DKIM, DMARC and ARC checks on inbound mail.
    pub sender_auth: SenderAuthConfig,
    /// Sieve: the administrator's scripts and the limits on users' scripts.
    pub sieve: SieveConfig,
    /// `[srs]`: the Sender Rewriting Scheme for forwarded mail.
    pub srs: SrsConfig,
    /// The mail store: memory it may keep.
    pub store: StoreConfig,
    /// `[accounts]`: defaults of every account (storage quota).
    pub accounts: AccountsConfig,
    /// `[acme]`: certificates from an ACME CA (RFC 8555), obtained and renewed by the server.
    pub acme: AcmeConfig,
    /// `[http]`: the HTTP listeners (autoconfig, `/metrics`, `/healthz`, ACME HTTP-01).
    pub http: HttpConfig,
    /// `[reports]`: users' phishing and spam reports (ARF, RFC 5965) to the abuse address.
    pub reports: ReportsConfig,
    /// `[import]`: copying mailboxes from another provider over IMAP (`mailsift import`).
    pub import: ImportConfig,
}

/// `[http]`: settings shared by every `protocol = "http"` listener.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Client networks allowed to read `/metrics`; others get 403. Default: loopback only.
    pub metrics_networks: Vec<ipnet::IpNet>,
    /// Seconds a client may take to send a request's headers (from the connection or the end
    /// of the previous request); slower clients (slowloris) are cut off.
    pub header_timeout: u64,
    /// Seconds a client may take to send a request body (the autodiscover POST).
    pub body_timeout: u64,
    /// Largest request body accepted, in bytes (larger: 413).
    pub max_body_size: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            metrics_networks: vec![
                "127.0.0.0/8".parse().expect("valid network"),
                "::1/128".parse().expect("valid network"),
            ],
            header_timeout: 10,
            body_timeout: 10,
            // An autodiscover request is a few hundred bytes.
            max_body_size: 64 * 1024,
        }
    }
}

/// `[acme]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AcmeConfig {
    pub enabled: bool,
    /// The CA's directory URL.
    pub directory: String,
    /// Contact email(s) given to the CA (expiry notices): one string or a list, with or
    /// without `mailto:`; empty: none.
    #[serde(deserialize_with = "one_or_many")]
    pub contact: Vec<String>,
    /// Names on the certificate; empty: `[hostname]`.
    pub domains: Vec<String>,
    pub challenge: AcmeChallenge,
    /// Renew when the certificate expires in fewer days than this.
    pub renew_before_days: u32,
    /// A PEM root certificate to trust for the CA's own HTTPS instead of the system's roots
    /// (test CAs such as pebble).
    pub ca_file: Option<PathBuf>,
}

impl Default for AcmeConfig {
    fn default() -> Self {
        AcmeConfig {
            enabled: false,
            directory: "https://acme-v02.api.letsencrypt.org/directory".into(),
            contact: Vec::new(),
            domains: Vec::new(),
            challenge: AcmeChallenge::TlsAlpn01,
            renew_before_days: 30,
            ca_file: None,
        }
    }
}

impl AcmeConfig {
    /// The names to certify: `domains`, or the hostname.
    pub fn names(&self, hostname: &str) -> Vec<String> {
        if self.domains.is_empty() {
            vec![hostname.to_ascii_lowercase()]
        } else {
            self.domains
                .iter()
                .map(|d| d.to_ascii_lowercase())
                .collect()
        }
    }
}

/// `key = "a"` or `key = ["a", "b"]`.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) if s.is_empty() => Vec::new(),
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// How the CA checks that we control a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum AcmeChallenge {
    /// RFC 8737: a TLS handshake on port 443 (an implicit-TLS listener).
    #[serde(rename = "tls-alpn-01")]
    TlsAlpn01,
    /// RFC 8555 §8.3: `/.well-known/acme-challenge/` on port 80 (the HTTP listener).
    #[serde(rename = "http-01")]
    Http01,
}

/// `[reports]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportsConfig {
    /// Where users' reports go (a local account, or a remote address through the outbound
    /// queue). Empty: `abuse@` the primary local domain (the one `hostname` is in, else the
    /// first by name).
    pub abuse_address: String,
    /// Moving or copying a message into this folder reports it as phishing (empty: off). Not
    /// created with accounts: a user (or client) creates it.
    pub phishing_folder: String,
    /// The same, reporting spam (Feedback-Type `abuse`; empty: off).
    pub spam_folder: String,
    /// Reports one account may send per hour (sliding window); further reports still move the
    /// message to Junk and teach the spam filter, but send nothing. 0 sends none.
    pub max_per_hour: u32,
}

impl Default for ReportsConfig {
    fn default() -> Self {
        ReportsConfig {
            abuse_address: String::new(),
            phishing_folder: "Report phishing".into(),
            spam_folder: "Report spam".into(),
            max_per_hour: 20,
        }
    }
}

/// `[import]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImportConfig {
    /// Import jobs running at once; the others wait, queued.
    pub max_concurrent: usize,
    /// A source account with more folders than this is refused (each folder is a mailbox here).
    pub max_folders: usize,
    /// Seconds the remote server may take to connect, log in or answer one command.
    pub timeout_secs: u64,
    /// Connection attempts of one job before it fails (a dropped connection resumes from the
    /// last checkpoint).
    pub max_attempts: u32,
}

impl Default for ImportConfig {
    fn default() -> Self {
        ImportConfig {
            max_concurrent: 2,
            max_folders: 500,
            timeout_secs: 120,
            max_attempts: 3,
        }
    }
}

/// `[accounts]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountsConfig {
    /// Storage quota of an account without its own (`mailsift account quota`), in MiB;
    /// 0 = unlimited. Enforced on delivery (452 4.2.2) and IMAP APPEND/COPY (RFC 9208).
    pub default_quota_mb: u64,
    /// Aliases an account may have at most (`mailsift alias add`).
    pub max_aliases: usize,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        AccountsConfig {
            default_quota_mb: 0,
            max_aliases: crate::directory::aliases::DEFAULT_MAX_ALIASES,
        }
    }
}

/// `[store]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// MiB of database pages the store keeps in memory (read cache and write buffer).
    pub cache_mb: usize,
    /// Message traces kept for `mailsift trace` (the oldest dropped first; 0: none).
    pub trace_records: usize,
}

/// `[store] trace_records` by default: about a few MB of store.
pub const DEFAULT_TRACE_RECORDS: usize = 10_000;

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            // redb's own default is 1 GiB, which one `FETCH 1:* BODY[]` over a large mailbox
            // fills and keeps (BENCHMARKS.md).
            cache_mb: 64,
            trace_records: DEFAULT_TRACE_RECORDS,
        }
    }
}

impl StoreConfig {
    pub fn cache_bytes(&self) -> usize {
        self.cache_mb.saturating_mul(1024 * 1024)
    }
}

/// `[srs]`: forwarded mail's envelope sender is rewritten (SRS0/SRS1) under the forwarding
/// account's domain; bounces to such addresses are verified and sent back (`src/srs.rs`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SrsConfig {
    pub enabled: bool,
    /// The HMAC secret. Empty: a random secret generated on first start and kept in the store.
    pub secret: String,
    /// Former secrets whose addresses are still accepted (rotation grace list).
    pub previous_secrets: Vec<String>,
    /// Days an SRS address stays valid for bounces.
    pub max_age_days: u32,
}

impl Default for SrsConfig {
    fn default() -> Self {
        SrsConfig {
            enabled: true,
            secret: String::new(),
            previous_secrets: Vec::new(),
            // libsrs2's and postsrsd's default.
            max_age_days: 21,
        }
    }
}

/// `[sieve]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SieveConfig {
    /// Run before every user's script (e.g. a site-wide policy). Relative to the config file's
    /// folder when relative.
    pub before: Option<PathBuf>,
    /// Run after the user's script when it took no explicit filing action. Default: the
    /// built-in copy of `sieve/default.sieve` (spam → Junk, promotions → Promotions, social →
    /// SocialNetworks).
    pub after: Option<PathBuf>,
    #[serde(flatten)]
    pub limits: crate::values::SieveLimits,
}

/// `[outbound]`: how the delivery task sends queued mail to other servers.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutboundConfig {
    /// Run the delivery task. Off: mail for remote recipients waits in the queue.
    pub enabled: bool,
    /// Per-domain destination override, `"example.org" = "host:port"` (no MX lookup).
    pub routes: BTreeMap<String, String>,
    /// Relay every remote message through this `host:port` instead of the MX hosts.
    pub smart_host: Option<String>,
    /// AUTH PLAIN credentials for the smart host (sent only over TLS).
    pub smart_host_user: Option<String>,
    pub smart_host_password: Option<String>,
    /// Seconds before the first retry; each further retry waits twice as long ...
    pub retry_initial: u64,
    /// ... up to this many seconds.
    pub retry_max: u64,
    /// Seconds after which an undelivered message is given up and bounced (default 5 days).
    pub expire_after: u64,
    /// Seconds after which the sender is told once that delivery is delayed (default 4 h).
    pub delay_warning_after: u64,
    /// Connections at the same time to one destination domain.
    pub max_per_destination: usize,
    /// Messages in delivery at the same time.
    pub max_concurrent: usize,
    /// Seconds for connecting and for each reply of the remote server.
    pub timeout: u64,
    /// Longest wait between scans of the queue. A safety net only: the delivery task is woken
    /// when mail is queued and when the next entry falls due.
    pub scan_interval: u64,
    /// Honour MTA-STS policies (RFC 8461) of recipient domains.
    pub mta_sts: bool,
    /// Extra CA certificates (PEM) trusted for MTA-STS, besides the system's.
    pub mta_sts_ca_file: Option<PathBuf>,
    /// HTTPS port of `mta-sts.DOMAIN` policy hosts: 443 (other values are for tests).
    pub mta_sts_port: u16,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        OutboundConfig {
            enabled: true,
            routes: BTreeMap::new(),
            smart_host: None,
            smart_host_user: None,
            smart_host_password: None,
            retry_initial: 60,
            retry_max: 3600,
            expire_after: 5 * 24 * 3600,
            delay_warning_after: 4 * 3600,
            max_per_destination: 4,
            max_concurrent: 32,
            timeout: 300,
            scan_interval: 60,
            mta_sts: true,
            mta_sts_ca_file: None,
            mta_sts_port: 443,
        }
    }
}

impl OutboundConfig {
    fn validate(&self, invalid: &dyn Fn(&str, &str) -> ConfigError) -> Result<(), ConfigError> {
        // `host:port`, `host` (port 25), `[v6]:port` or `ip:port`: caught here rather than as
        // deliveries that fail for days.
        let target_ok = |t: &str| {
            if t.parse::<SocketAddr>().is_ok() {
                return true;
            }
            let (host, port) = match t.rsplit_once(':') {
                Some((h, p)) => (h, p.parse::<u16>().is_ok_and(|p| p != 0)),
                None => (t, true),
            };
            port && !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        };
        for (domain, target) in &self.routes {
            if domain != &domain.to_ascii_lowercase() {
                return Err(invalid(
                    &format!("outbound.routes.{domain}"),
                    "write the domain in lower case",
                ));
            }
            if !target_ok(target) {
                return Err(invalid(
                    &format!("outbound.routes.{domain}"),
                    "must be `host:port` or `host`",
                ));
            }
        }
        if let Some(target) = &self.smart_host
            && !target_ok(target)
        {
            return Err(invalid(
                "outbound.smart_host",
                "must be `host:port` or `host`",
            ));
        }
        if self.smart_host_user.is_some() != self.smart_host_password.is_some() {
            return Err(invalid(
                "outbound.smart_host_user",
                "set both `smart_host_user` and `smart_host_password`, or neither",
            ));
        }
        if self.retry_initial == 0 || self.retry_max < self.retry_initial {
            return Err(invalid(
                "outbound.retry_initial",
                "must be at least 1 and at most `retry_max`",
            ));
        }
        if self.max_per_destination == 0 || self.max_concurrent == 0 || self.timeout == 0 {
            return Err(invalid(
                "outbound",
                "`max_per_destination`, `max_concurrent` and `timeout` must be at least 1",
            ));
        }
        Ok(())
    }
}

/// `[dns]`: which nameservers to ask, how long to wait, how much to cache.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DnsConfig {
    /// Nameservers as `ip:port` (or `ip`, port 53). Empty: the system's (/etc/resolv.conf).
    pub nameservers: Vec<String>,
    /// Milliseconds to wait for one answer.
    pub timeout_ms: u64,
    /// Tries per nameserver before the lookup fails (and the message is tempfailed).
    pub attempts: usize,
    /// Answers kept in the resolver's cache (each for its TTL).
    pub cache_size: u64,
}

impl Default for DnsConfig {
    fn default() -> Self {
        DnsConfig {
            nameservers: Vec::new(),
            timeout_ms: 5000,
            attempts: 2,
            cache_size: 8192,
        }
    }
}

impl DnsConfig {
    /// The configured nameservers as socket addresses (port 53 when none is given).
    pub fn nameserver_addrs(&self) -> Result<Vec<SocketAddr>, String> {
        self.nameservers
            .iter()
            .map(|s| {
                s.parse::<SocketAddr>()
                    .or_else(|_| {
                        s.parse::<std::net::IpAddr>()
                            .map(|ip| SocketAddr::new(ip, 53))
                    })
                    .map_err(|_| {
                        format!("`{s}` is not an address such as 192.0.2.53 or 192.0.2.53:53")
                    })
            })
            .collect()
    }
}

/// `[sender_auth]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SenderAuthConfig {
    /// False: no checks, no Authentication-Results header (forged ones are still removed).
    pub enabled: bool,
    /// Clients in these networks are not checked as inbound (like authenticated sessions).
    pub trusted_networks: Vec<ipnet::IpNet>,
    /// Default handling of a DMARC failure when the sender publishes `p=reject`; a domain can
    /// override it with `mailsift domain policy`.
    pub dmarc_reject: DmarcAction,
    /// Default handling of a DMARC failure when the sender publishes `p=quarantine`.
    pub dmarc_quarantine: DmarcAction,
    /// The DKIM selector of keys generated for our domains (`mailsift domain dkim`).
    pub dkim_selector: String,
}

impl Default for SenderAuthConfig {
    fn default() -> Self {
        SenderAuthConfig {
            enabled: true,
            // The local host: cron jobs and local scripts hand mail to localhost.
            trusted_networks: vec![
                "127.0.0.0/8".parse().expect("valid network"),
                "::1/128".parse().expect("valid network"),
            ],
            dmarc_reject: DmarcAction::Reject,
            dmarc_quarantine: DmarcAction::Quarantine,
            dkim_selector: "mailsift".into(),
        }
    }
}

/// What happens to a message when a plugin traps, times out or hits its memory cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    /// Fail open: skip this plugin's verdict and go on.
    Accept,
    /// Fail closed: answer `451 4.7.0` so the sender retries later.
    Tempfail,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PluginsConfig {
    /// Set to false to run no plugin at all.
    pub enabled: bool,
    /// The folder watched for `*.wasm` components. Default: `<data_dir>/plugins`, next to the
    /// database, so one data directory is a complete, self-contained server.
    pub dir: Option<PathBuf>,
    /// Default CPU budget per call, in milliseconds of the plugin's own work: counted in
    /// WebAssembly fuel (`plugins::FUEL_PER_MS` per millisecond), so a busy machine or a slow
    /// host call does not use it up. A wall-clock backstop of 10× (at least 5 s) remains.
    pub cpu_ms: u64,
    /// Default cap on a plugin's linear memory, in MiB.
    pub memory_mb: u64,
    /// Default failure policy.
    pub on_error: OnError,
    /// Names a plugin granted `dns` may look up in one call (one message), cached or not.
    pub dns_budget: u32,
    /// Milliseconds to wait for one plugin DNS lookup (the names of one request in parallel).
    pub dns_timeout_ms: u64,
    /// Calls one instance of a plugin that declares itself stateless (WIT 0.1.3 `traits`) may
    /// serve, one at a time, before it is replaced by a fresh one. 0 or 1: a fresh instance
    /// for every call, as for any other plugin.
    pub reuse_calls: u32,
    /// How `cpu_ms` is counted: the CPU time of the thread running the call (`time`, the
    /// default: no metering in the plugin's compiled code) or WebAssembly fuel (`fuel`: the
    /// same count on any machine, about a tenth slower; `mailsift plugin test` always uses it).
    pub cpu_meter: CpuMeter,
    /// MiB of plugins' key-value reads kept in memory (a trained spam model reads one key per
    /// token of every message); every write of a key invalidates it. 0: no cache.
    pub kv_cache_mb: usize,
    /// MiB of the filter of stored plugin keys (`store/kv_filter.rs`): a read of a key the
    /// filter knows is absent (half of a trained model's token reads) skips the store. Fixed
    /// memory; past ~2 million keys per 4 MiB it saves less. 0: off.
    pub kv_filter_mb: usize,
}

impl PluginsConfig {
    pub fn kv_cache_bytes(&self) -> usize {
        self.kv_cache_mb.saturating_mul(1024 * 1024)
    }

    pub fn kv_filter_bytes(&self) -> usize {
        self.kv_filter_mb.saturating_mul(1024 * 1024)
    }
}

/// How a plugin call's CPU budget is counted (`[plugins] cpu_meter`). Either way it is the
/// plugin's work, not wall time: a descheduled thread or a wait in an import does not use it up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CpuMeter {
    /// CPU time of the thread running the call, read at each epoch tick (10 ms): the bound
    /// holds to within a tick, and the host's work inside the plugin's imports counts too.
    Time,
    /// wasmtime fuel (`plugins::FUEL_PER_MS` per ms): deterministic, but counted in every
    /// basic block of the plugin's compiled code.
    Fuel,
}

impl Default for PluginsConfig {
    fn default() -> Self {
        PluginsConfig {
            enabled: true,
            dir: None,
            cpu_ms: 50,
            memory_mb: 64,
            on_error: OnError::Accept,
            dns_budget: 20,
            dns_timeout_ms: 2000,
            reuse_calls: 1000,
            cpu_meter: CpuMeter::Time,
            kv_cache_mb: crate::store::DEFAULT_KV_CACHE_BYTES / (1024 * 1024),
            kv_filter_mb: crate::store::DEFAULT_KV_FILTER_BYTES / (1024 * 1024),
        }
    }
}

/// A host capability beyond the ones every plugin has (`[plugin.NAME] grants`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Grant {
    /// DNS lookups through the server's resolver (the WIT `dns` interface).
    Dns,
}

/// `[plugin.NAME]`: every key optional; unset ones take the `[plugins]` defaults.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PluginConfig {
    /// Plugins run in ascending order; plugins without a section run after all configured ones,
    /// by file name.
    pub order: Option<i64>,
    pub cpu_ms: Option<u64>,
    pub memory_mb: Option<u64>,
    pub on_error: Option<OnError>,
    /// False keeps the file in the folder but never runs it.
    pub enabled: Option<bool>,
    /// Capabilities granted beyond log, kv, config and lists, e.g. `["dns"]`. None by default.
    pub grants: Vec<Grant>,
    /// The plugin's own settings, readable through its `config` import.
    pub config: BTreeMap<String, toml::Value>,
}

/// Built-in limits and failure policy of a plugin that ships with Mailsift, applied between the
/// `[plugins]` defaults and the user's `[plugin.NAME]` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundledPluginDefaults {
    pub cpu_ms: u64,
    pub memory_mb: u64,
    pub on_error: OnError,
}

/// Plugins bundled with Mailsift (`plugins/<name>/`), by file stem.
pub const BUNDLED_PLUGINS: &[&str] = &["attachments"];

/// The built-in settings of a bundled plugin. `attachments` holds a copy of a large message
/// (up to `max_message_size`, 50 MB by default) plus archives it unpacks to look into, so it
/// needs more than the 64 MiB default; it fails closed, because a crash or a cap hit must not
/// let an executable through (the sender gets 451 and retries); its CPU bound leaves room for
/// inflating its full 64 MiB inspection budget (see BENCHMARKS.md).
pub fn bundled_plugin_defaults(name: &str) -> Option<BundledPluginDefaults> {
    match name {
        "attachments" => Some(BundledPluginDefaults {
            cpu_ms: 2000,
            memory_mb: 256,
            on_error: OnError::Tempfail,
        }),
        // Learning rewrites the counts of every token of a message: a large one needs more
        // than the default 50 ms (seen once in the 4,230 messages of the corpus evaluation).
        // A failing spam check lets the message through: spam is an annoyance, not a danger.
        "spam" => Some(BundledPluginDefaults {
            cpu_ms: 500,
            memory_mb: 128,
            on_error: OnError::Accept,
        }),
        _ => None,
    }
}

/// Limits and policy of one plugin after layering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PluginLimits {
    pub cpu_ms: u64,
    pub memory_mb: u64,
    pub on_error: OnError,
}

/// Largest `cpu_ms` and `memory_mb` accepted: above these a "filter" is a batch job.
pub const MAX_PLUGIN_CPU_MS: u64 = 60_000;
pub const MAX_PLUGIN_MEMORY_MB: u64 = 4096;
/// Largest `[plugins] dns_budget`: reputation checks need a few dozen names, not thousands.
pub const MAX_PLUGIN_DNS_BUDGET: u32 = 1000;
/// Largest `[plugins] kv_filter_mb`: 1 GiB of filter holds ~500 million keys.
pub const MAX_PLUGIN_KV_FILTER_MB: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// Server-to-server mail (the MX role): no authentication, local recipients only.
    Smtp,
    /// Message submission by users (RFC 6409): authentication required before MAIL FROM.
    Submission,
    Imap,
    Pop3,
    Managesieve,
    /// HTTP/1.1 (plain, or HTTPS with `tls = "implicit"`): autoconfig, autodiscover, Apple
    /// profiles, `/metrics`, `/healthz`, ACME HTTP-01 answers.
    Http,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Smtp => "smtp",
            Protocol::Submission => "submission",
            Protocol::Imap => "imap",
            Protocol::Pop3 => "pop3",
            Protocol::Managesieve => "managesieve",
            Protocol::Http => "http",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain text only. Authentication is then refused except from loopback clients.
    None,
    /// Plain text with the STARTTLS upgrade offered.
    Starttls,
    /// TLS from the first byte (ports 465, 993, 995).
    Implicit,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ListenerConfig {
    /// A label for logs and for `listeners.json`; defaults to the protocol name.
    #[serde(default)]
    pub name: Option<String>,
    pub protocol: Protocol,
    /// `IP:port`; port 0 picks a free port (the chosen one is written to `listeners.json`).
    pub address: SocketAddr,
    pub tls: TlsMode,
    /// Longest a session on this listener may last, in seconds; overrides the protocol's
    /// `[limits]` `*_session_lifetime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_lifetime: Option<u64>,
}

impl ListenerConfig {
    pub fn label(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| self.protocol.name().to_string())
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// PEM certificate chain. With neither `cert` nor `key`, a self-signed certificate for
    /// `localhost` and `hostname` is generated in `data_dir/tls/` on first start.
    pub cert: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest message accepted, in bytes (advertised with SMTP SIZE, RFC 1870).
    pub max_message_size: u64,
    /// Longest SMTP text line in a message, in octets without CRLF. RFC 5321 §4.5.3.1.6 says
    /// 998, but real mail (HTML on one line, unwrapped base64) goes past it, and Postfix takes
    /// any length (it stores long lines in `line_length_limit` pieces and joins them again), so
    /// the default is a generous 1 MiB: it refuses only degenerate input, while memory stays
    /// bounded by `max_message_size` whatever the line length.
    pub max_line_length: usize,
    /// Recipients per SMTP transaction (RFC 5321 §4.5.3.1.8 asks for at least 100).
    pub max_recipients: usize,
    /// Simultaneous connections per listener.
    pub max_connections: usize,
    /// Seconds an SMTP server waits for the next command (RFC 5321 §4.5.3.2.7: 5 minutes).
    pub smtp_command_timeout: u64,
    /// Seconds an SMTP server waits for more DATA (RFC 5321 §4.5.3.2.6 asks 10 minutes for the end).
    pub smtp_data_timeout: u64,
    /// Seconds of inactivity before an IMAP session is logged out (RFC 9051 §5.4: at least 30 min);
    /// also bounds a logged-in ManageSieve or POP3 session's inactivity (RFC 1939 §3: 10 min at
    /// least).
    pub imap_idle_timeout: u64,
    /// Seconds of inactivity before a client that never logged in is disconnected.
    pub unauthenticated_timeout: u64,
    /// Failed authentications in one connection before it is closed.
    pub max_auth_failures: u32,
    /// Largest IMAP command or literal, in bytes (APPEND literals are bounded by max_message_size).
    pub max_imap_command: usize,
    /// Simultaneous connections from one client address to one listener (IPv6: per /64).
    pub max_connections_per_ip: usize,
    /// Client networks (`"10.0.0.0/8"`, `"192.0.2.7/32"`) not counted by
    /// `max_connections_per_ip`. Empty: the cap applies to every address, loopback included.
    pub connection_limit_exempt: Vec<ipnet::IpNet>,
    /// Seconds a command (line and literals) may take to arrive once its first byte came.
    pub command_timeout: u64,
    /// Octets per second that a large upload (DATA, BDAT, APPEND, PUTSCRIPT) must keep up to
    /// earn time beyond `command_timeout` / `smtp_data_timeout`.
    pub min_transfer_rate: u64,
    /// Seconds one write to a client may take; a client that stops reading is dropped.
    pub write_timeout: u64,
    /// Seconds a TLS handshake (implicit TLS or STARTTLS) may take.
    pub tls_handshake_timeout: u64,
    /// Longest SMTP (MX or submission) session, in seconds.
    pub smtp_session_lifetime: u64,
    /// Longest IMAP session, in seconds.
    pub imap_session_lifetime: u64,
    /// Longest ManageSieve session, in seconds.
    pub managesieve_session_lifetime: u64,
    /// Longest HTTP connection (all its keep-alive requests), in seconds.
    pub http_session_lifetime: u64,
    /// Literal octets one IMAP or ManageSieve command may carry before the client has logged
    /// in (all its literals together): credentials need a few hundred bytes.
    pub max_literal_before_login: u64,
    /// An SMTP message being received goes to a file in `data_dir/spool/` once it is larger
    /// than this many bytes...
    pub spool_message_above: u64,
    /// ...or once all messages being received would hold more than this many bytes of memory.
    pub spool_memory_budget: u64,
}

impl Limits {
    /// The session lifetime of `listener`: its own `session_lifetime`, or its protocol's default.
    pub fn session_lifetime(&self, listener: &ListenerConfig) -> u64 {
        listener
            .session_lifetime
            .unwrap_or(match listener.protocol {
                Protocol::Smtp | Protocol::Submission => self.smtp_session_lifetime,
                Protocol::Imap | Protocol::Pop3 => self.imap_session_lifetime,
                Protocol::Managesieve => self.managesieve_session_lifetime,
                Protocol::Http => self.http_session_lifetime,
            })
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_size: 50 * 1024 * 1024,
            max_line_length: 1024 * 1024,
            max_recipients: 100,
            max_connections: 1000,
            smtp_command_timeout: 300,
            smtp_data_timeout: 600,
            imap_idle_timeout: 1800,
            unauthenticated_timeout: 60,
            max_auth_failures: 5,
            max_imap_command: 64 * 1024,
            max_connections_per_ip: 50,
            connection_limit_exempt: Vec::new(),
            command_timeout: 60,
            min_transfer_rate: 1024,
            write_timeout: 60,
            tls_handshake_timeout: 30,
            smtp_session_lifetime: 1800,
            imap_session_lifetime: 12 * 3600,
            managesieve_session_lifetime: 3600,
            http_session_lifetime: 300,
            max_literal_before_login: 8 * 1024,
            spool_message_above: 4 * 1024 * 1024,
            spool_memory_budget: 256 * 1024 * 1024,
        }
    }
}

/// `[auth_throttle]`: the authentication throttle shared by every listener (see
/// `session::throttle`). Applies to loopback clients too unless listed in `exempt`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthThrottleConfig {
    /// Off: no delays and no bans (argon2 stays bounded by `max_concurrent_hashes`).
    pub enabled: bool,
    /// Delay before answering the first failure of a client or account, in ms; doubles with
    /// each further failure in the window.
    pub base_delay_ms: u64,
    /// Cap of that delay, in ms.
    pub max_delay_ms: u64,
    /// Failures are counted over this many seconds.
    pub window_secs: u64,
    /// Failures from one client address (IPv6: its /64) in the window before it is banned.
    pub ip_ban_after: u32,
    /// Failures for one account (from any address) in the window before the account is closed to
    /// addresses that have not logged in to it successfully lately.
    pub account_ban_after: u32,
    /// Length of a ban, in seconds.
    pub ban_secs: u64,
    /// Client addresses and accounts tracked (each map); the least recently seen are dropped.
    pub max_tracked: usize,
    /// Client networks never delayed or banned per address (a webmail or proxy in front);
    /// per-account limits still apply to them.
    pub exempt: Vec<ipnet::IpNet>,
    /// argon2 verifications running at once (each takes ~19 MiB); 0 = number of CPUs.
    pub max_concurrent_hashes: usize,
}

impl Default for AuthThrottleConfig {
    fn default() -> Self {
        AuthThrottleConfig {
            enabled: true,
            base_delay_ms: 250,
            max_delay_ms: 8000,
            window_secs: 600,
            ip_ban_after: 10,
            account_ban_after: 30,
            ban_secs: 900,
            max_tracked: 65536,
            exempt: Vec::new(),
            max_concurrent_hashes: 0,
        }
    }
}

/// The largest hourly message limit: an account's record keeps that many send times.
pub const MAX_MESSAGES_PER_HOUR: u32 = 10_000;

/// `[submission]`: what logged-in users (the submission listeners) may send.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SubmissionConfig {
    /// Show the client's IP address in the Received header of submitted mail. Off: the
    /// header names only the client's EHLO name, so a user's home or office address does
    /// not travel with every message.
    pub received_shows_client_ip: bool,
    /// The plugins that judge submitted mail (by name); the others are inbound filters.
    pub plugins: Vec<String>,
    /// Submitted mail the spam plugin scores at or above this is refused (550 5.7.1) and
    /// the account is flagged. 0 turns the check off.
    pub spam_threshold: f64,
    /// Messages an account may submit per hour (sliding window); 0 = no limit.
    pub messages_per_hour: u32,
    /// Recipients an account may send to per day (sliding 24 hours); 0 = no limit.
    pub recipients_per_day: u32,
    /// An account is flagged after this many refusals by its limits (or the spam check)
    /// within 24 hours (counted at most once a minute).
    pub flag_after: u32,
    /// Who is told when submitted mail is refused as spam: a notice into this address's
    /// mailbox (a local account; a remote address gets it through the outbound queue). Empty:
    /// `postmaster@` the primary local domain (the one `hostname` is in, else the first).
    pub postmaster: String,
    /// Seconds between two notices about the same account (later refusals are only logged
    /// meanwhile); 0 sends none.
    pub notice_interval: u64,
}

impl Default for SubmissionConfig {
    fn default() -> Self {
        SubmissionConfig {
            received_shows_client_ip: false,
            plugins: vec!["attachments".into(), "spam".into()],
            // Both learnt models certain (5 + 5) and no rule against it: conservative,
            // because a false positive stops a user's legitimate mail.
            spam_threshold: 10.0,
            messages_per_hour: 100,
            recipients_per_day: 1000,
            flag_after: 3,
            postmaster: String::new(),
            notice_interval: 3600,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter such as `info` or `mailsift=debug,info`; `RUST_LOG` overrides it.
    pub level: String,
    /// Milliseconds between writes of the buffered log lines (`logging`); 0 writes each line
    /// as it is logged, from the thread that logs it.
    pub flush_ms: u64,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".into(),
            flush_ms: 5,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            hostname: "localhost".into(),
            data_dir: PathBuf::from("./data"),
            listeners: default_listeners(),
            tls: TlsConfig::default(),
            limits: Limits::default(),
            auth_throttle: AuthThrottleConfig::default(),
            submission: SubmissionConfig::default(),
            log: LogConfig::default(),
            plugins: PluginsConfig::default(),
            plugin: BTreeMap::new(),
            dns: DnsConfig::default(),
            outbound: OutboundConfig::default(),
            sender_auth: SenderAuthConfig::default(),
            sieve: SieveConfig::default(),
            srs: SrsConfig::default(),
            store: StoreConfig::default(),
            accounts: AccountsConfig::default(),
            acme: AcmeConfig::default(),
            http: HttpConfig::default(),
            reports: ReportsConfig::default(),
            import: ImportConfig::default(),
        }
    }
}

/// Development listeners: the standard services on unprivileged loopback ports, so that a first
/// run needs no root and exposes nothing to the network.
pub fn default_listeners() -> Vec<ListenerConfig> {
    let l = |name: &str, protocol, port: u16, tls| ListenerConfig {
        name: Some(name.to_string()),
        protocol,
        address: SocketAddr::from(([127, 0, 0, 1], port)),
        tls,
        session_lifetime: None,
    };
    vec![
        l("smtp", Protocol::Smtp, 2525, TlsMode::Starttls),
        l("submission", Protocol::Submission, 5870, TlsMode::Starttls),
        l("submissions", Protocol::Submission, 4650, TlsMode::Implicit),
        l("imap", Protocol::Imap, 1143, TlsMode::Starttls),
        l("imaps", Protocol::Imap, 9930, TlsMode::Implicit),
        l("pop3", Protocol::Pop3, 1100, TlsMode::Starttls),
        l("pop3s", Protocol::Pop3, 9950, TlsMode::Implicit),
        l(
            "managesieve",
            Protocol::Managesieve,
            4190,
            TlsMode::Starttls,
        ),
        l("http", Protocol::Http, 8080, TlsMode::None),
    ]
}

impl Config {
    /// Loads `path`, or the development defaults when `path` is `None`.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        match path {
            None => Ok(Config::default()),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                let mut config = Config::parse(&text, &path.display().to_string())?;
                // A relative data_dir is relative to the config file, not to wherever the
                // server happens to be started from.
                if config.data_dir.is_relative()
                    && let Some(parent) = path.parent()
                {
                    config.data_dir = parent.join(&config.data_dir);
                }
                if let Some(parent) = path.parent() {
                    for p in [&mut config.sieve.before, &mut config.sieve.after]
                        .into_iter()
                        .flatten()
                    {
                        if p.is_relative() {
                            *p = parent.join(&*p);
                        }
                    }
                }
                Ok(config)
            }
        }
    }

    /// Parses and validates TOML text; `origin` names the file in error messages.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
        config.validate(origin)?;
        Ok(config)
    }

    fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        let invalid = |key: &str, message: &str| ConfigError::Invalid {
            path: origin.to_string(),
            key: key.to_string(),
            message: message.to_string(),
        };
        if self.hostname.is_empty()
            || !self
                .hostname
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            return Err(invalid(
                "hostname",
                "must be a DNS name such as mail.example.org",
            ));
        }
        if self.tls.cert.is_some() != self.tls.key.is_some() {
            return Err(invalid("tls", "set both `cert` and `key`, or neither"));
        }
        if self.acme.enabled && self.acme.renew_before_days == 0 {
            return Err(invalid("acme", "`renew_before_days` must be at least 1"));
        }
        let l = &self.limits;
        if l.max_message_size < 1024 {
            return Err(invalid(
                "limits.max_message_size",
                "must be at least 1024 bytes",
            ));
        }
        if l.max_line_length < 78 {
            return Err(invalid("limits.max_line_length", "must be at least 78"));
        }
        if l.max_recipients == 0 {
            return Err(invalid("limits.max_recipients", "must be at least 1"));
        }
        if l.max_connections == 0 {
            return Err(invalid("limits.max_connections", "must be at least 1"));
        }
        if l.max_connections_per_ip == 0 {
            return Err(invalid(
                "limits.max_connections_per_ip",
                "must be at least 1",
            ));
        }
        for (key, v) in [
            ("command_timeout", l.command_timeout),
            ("write_timeout", l.write_timeout),
            ("tls_handshake_timeout", l.tls_handshake_timeout),
            ("smtp_session_lifetime", l.smtp_session_lifetime),
            ("imap_session_lifetime", l.imap_session_lifetime),
            (
                "managesieve_session_lifetime",
                l.managesieve_session_lifetime,
            ),
            ("http_session_lifetime", l.http_session_lifetime),
        ] {
            if v == 0 {
                return Err(invalid(
                    &format!("limits.{key}"),
                    "must be at least 1 second",
                ));
            }
        }
        if l.max_imap_command < 1024 {
            return Err(invalid(
                "limits.max_imap_command",
                "must be at least 1024 bytes",
            ));
        }
        if l.max_literal_before_login < 1024 {
            return Err(invalid(
                "limits.max_literal_before_login",
                "must be at least 1024 bytes",
            ));
        }
        for (key, v) in [
            ("limits.smtp_command_timeout", l.smtp_command_timeout),
            ("limits.smtp_data_timeout", l.smtp_data_timeout),
            ("limits.imap_idle_timeout", l.imap_idle_timeout),
            ("limits.unauthenticated_timeout", l.unauthenticated_timeout),
        ] {
            if v == 0 {
                return Err(invalid(key, "must be at least 1 second"));
            }
        }
        self.validate_plugins(&invalid)?;
        self.validate_sender_auth(&invalid)?;
        let sub = &self.submission;
        if !sub.spam_threshold.is_finite() || sub.spam_threshold < 0.0 {
            return Err(invalid(
                "submission.spam_threshold",
                "must be a number, 0 or more (0 turns the check off)",
            ));
        }
        if sub.messages_per_hour > MAX_MESSAGES_PER_HOUR {
            return Err(invalid(
                "submission.messages_per_hour",
                &format!("at most {MAX_MESSAGES_PER_HOUR} (0 = no limit)"),
            ));
        }
        self.outbound.validate(&invalid)?;
        self.validate_http(&invalid)?;
        let mut seen = std::collections::HashSet::new();
        for (i, listener) in self.listeners.iter().enumerate() {
            if listener.address.port() != 0 && !seen.insert(listener.address) {
                return Err(invalid(
                    &format!("listener[{i}].address"),
                    &format!("{} is used by two listeners", listener.address),
                ));
            }
        }
        Ok(())
    }

    fn validate_http(
        &self,
        invalid: &dyn Fn(&str, &str) -> ConfigError,
    ) -> Result<(), ConfigError> {
        for (i, listener) in self.listeners.iter().enumerate() {
            // HTTP has no STARTTLS (RFC 2817 upgrades are not used by any client).
            if listener.protocol == Protocol::Http && listener.tls == TlsMode::Starttls {
                return Err(invalid(
                    &format!("listener[{i}].tls"),
                    "an http listener takes tls = \"none\" or \"implicit\" (HTTPS)",
                ));
            }
        }
        let h = &self.http;
        if h.header_timeout == 0 || h.body_timeout == 0 {
            return Err(invalid(
                "http",
                "`header_timeout` and `body_timeout` must be at least 1 second",
            ));
        }
        if h.max_body_size < 1024 {
            return Err(invalid("http.max_body_size", "must be at least 1024 bytes"));
        }
        Ok(())
    }

    fn validate_plugins(
        &self,
        invalid: &dyn Fn(&str, &str) -> ConfigError,
    ) -> Result<(), ConfigError> {
        let check = |key: &str, cpu: Option<u64>, mem: Option<u64>| {
            if let Some(cpu) = cpu
                && !(1..=MAX_PLUGIN_CPU_MS).contains(&cpu)
            {
                return Err(invalid(
                    &format!("{key}.cpu_ms"),
                    &format!("must be between 1 and {MAX_PLUGIN_CPU_MS}"),
                ));
            }
            if let Some(mem) = mem
                && !(1..=MAX_PLUGIN_MEMORY_MB).contains(&mem)
            {
                return Err(invalid(
                    &format!("{key}.memory_mb"),
                    &format!("must be between 1 and {MAX_PLUGIN_MEMORY_MB}"),
                ));
            }
            Ok(())
        };
        check(
            "plugins",
            Some(self.plugins.cpu_ms),
            Some(self.plugins.memory_mb),
        )?;
        if self.plugins.kv_filter_mb > MAX_PLUGIN_KV_FILTER_MB {
            return Err(invalid(
                "plugins.kv_filter_mb",
                &format!("must be at most {MAX_PLUGIN_KV_FILTER_MB}"),
            ));
        }
        if self.plugins.dns_budget > MAX_PLUGIN_DNS_BUDGET {
            return Err(invalid(
                "plugins.dns_budget",
                &format!("must be at most {MAX_PLUGIN_DNS_BUDGET}"),
            ));
        }
        if !(1..=30_000).contains(&self.plugins.dns_timeout_ms) {
            return Err(invalid(
                "plugins.dns_timeout_ms",
                "must be between 1 and 30000",
            ));
        }
        for (name, p) in &self.plugin {
            if !valid_plugin_name(name) {
                return Err(invalid(
                    &format!("plugin.{name}"),
                    "a plugin name is its file stem: letters, digits, `-` and `_` only",
                ));
            }
            check(&format!("plugin.{name}"), p.cpu_ms, p.memory_mb)?;
            for (key, value) in &p.config {
                if plugin_config_value(value).is_none() {
                    return Err(invalid(
                        &format!("plugin.{name}.config.{key}"),
                        "must be a string, number or boolean",
                    ));
                }
            }
        }
        Ok(())
    }

    fn validate_sender_auth(
        &self,
        invalid: &dyn Fn(&str, &str) -> ConfigError,
    ) -> Result<(), ConfigError> {
        self.dns
            .nameserver_addrs()
            .map_err(|m| invalid("dns.nameservers", &m))?;
        if !(1..=60_000).contains(&self.dns.timeout_ms) {
            return Err(invalid("dns.timeout_ms", "must be between 1 and 60000"));
        }
        if !(1..=10).contains(&self.dns.attempts) {
            return Err(invalid("dns.attempts", "must be between 1 and 10"));
        }
        if self.sender_auth.dmarc_quarantine == DmarcAction::Reject {
            return Err(invalid(
                "sender_auth.dmarc_quarantine",
                "must be \"quarantine\" or \"annotate\": a sender asking for quarantine is not refused",
            ));
        }
        let sel = &self.sender_auth.dkim_selector;
        if sel.is_empty()
            || !sel
                .split('.')
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        {
            return Err(invalid(
                "sender_auth.dkim_selector",
                "must be a DNS label such as mailsift or s2026",
            ));
        }
        Ok(())
    }

    /// A plugin's limits: its `[plugin.NAME]` keys win; then, for a bundled plugin, its
    /// built-in settings ([`bundled_plugin_defaults`]; its CPU and memory bounds never below the
    /// `[plugins]` ones, which are meant for unknown plugins); then the `[plugins]` defaults.
    pub fn plugin_limits(&self, name: &str) -> PluginLimits {
        let d = &self.plugins;
        let p = self.plugin.get(name);
        let base = match bundled_plugin_defaults(name) {
            Some(b) => PluginLimits {
                cpu_ms: b.cpu_ms.max(d.cpu_ms),
                memory_mb: b.memory_mb.max(d.memory_mb),
                on_error: b.on_error,
            },
            None => PluginLimits {
                cpu_ms: d.cpu_ms,
                memory_mb: d.memory_mb,
                on_error: d.on_error,
            },
        };
        PluginLimits {
            cpu_ms: p.and_then(|p| p.cpu_ms).unwrap_or(base.cpu_ms),
            memory_mb: p.and_then(|p| p.memory_mb).unwrap_or(base.memory_mb),
            on_error: p.and_then(|p| p.on_error).unwrap_or(base.on_error),
        }
    }

    /// The largest memory cap any plugin may get: configured ones and bundled plugins' (a
    /// bundled plugin may be dropped into the folder at any time).
    pub fn max_plugin_memory_mb(&self) -> u64 {
        self.plugin
            .keys()
            .map(String::as_str)
            .chain(BUNDLED_PLUGINS.iter().copied())
            .map(|name| self.plugin_limits(name).memory_mb)
            .chain([self.plugins.memory_mb])
            .max()
            .unwrap_or(self.plugins.memory_mb)
    }

    /// The plugin folder: `[plugins] dir`, relative to the data directory when relative.
    pub fn plugin_dir(&self) -> PathBuf {
        match &self.plugins.dir {
            Some(dir) if dir.is_absolute() => dir.clone(),
            Some(dir) => self.data_dir.join(dir),
            None => self.data_dir.join("plugins"),
        }
    }

    /// Where precompiled plugins are cached (safe to delete; rebuilt on start).
    pub fn plugin_cache_dir(&self) -> PathBuf {
        self.data_dir.join("plugin-cache")
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("mailsift.redb")
    }

    pub fn admin_socket_path(&self) -> PathBuf {
        self.data_dir.join("admin.sock")
    }

    /// Where the server writes the addresses it actually bound (useful with port 0).
    pub fn listeners_file(&self) -> PathBuf {
        self.data_dir.join("listeners.json")
    }
}

/// A plugin's name is its file stem; restricted so it is safe in logs, paths and keys.
pub fn valid_plugin_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A `[plugin.NAME.config]` value as the plugin sees it (the config import speaks strings).
pub fn plugin_config_value(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// SECURITY.md's tables of limits state these defaults (`config/security_md.rs`).
#[cfg(test)]
mod security_md;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_plugins_have_their_own_defaults_under_the_users_settings() {
        let c = Config::parse("", "m.toml").unwrap();
        let a = c.plugin_limits("attachments");
        assert_eq!(
            (a.memory_mb, a.on_error),
            (256, OnError::Tempfail),
            "fails closed with room for a large message"
        );
        assert!(a.cpu_ms > c.plugins.cpu_ms);
        // Other plugins keep the [plugins] defaults.
        let other = c.plugin_limits("spamcheck");
        assert_eq!(
            (other.cpu_ms, other.memory_mb, other.on_error),
            (50, 64, OnError::Accept)
        );
        assert_eq!(c.max_plugin_memory_mb(), 256);
        // [plugin.attachments] wins; [plugins] only raises the bundled bounds.
        let c = Config::parse(
            "[plugins]\nmemory_mb = 512\non_error = \"accept\"\n[plugin.attachments]\nmemory_mb = 128\non_error = \"accept\"\n",
            "m.toml",
        )
        .unwrap();
        let a = c.plugin_limits("attachments");
        assert_eq!((a.memory_mb, a.on_error), (128, OnError::Accept));
        let c = Config::parse("[plugins]\nmemory_mb = 512\ncpu_ms = 5000\n", "m.toml").unwrap();
        let a = c.plugin_limits("attachments");
        assert_eq!(
            (a.cpu_ms, a.memory_mb, a.on_error),
            (5000, 512, OnError::Tempfail)
        );
        assert_eq!(c.max_plugin_memory_mb(), 512);
    }

    #[test]
    fn defaults_are_valid() {
        let c = Config::parse("", "test.toml").unwrap();
        assert_eq!(c.hostname, "localhost");
        assert_eq!(c.listeners.len(), 9);
        assert!(c.listeners.iter().any(|l| l.protocol == Protocol::Http
            && l.address.port() == 8080
            && l.tls == TlsMode::None));
        assert!(c.listeners.iter().any(|l| l.protocol == Protocol::Pop3
            && l.address.port() == 9950
            && l.tls == TlsMode::Implicit));
        assert!(
            c.listeners
                .iter()
                .any(|l| l.protocol == Protocol::Managesieve
                    && l.address.port() == 4190
                    && l.tls == TlsMode::Starttls)
        );
    }

    #[test]
    fn unknown_key_names_key_and_file() {
        let err = Config::parse("hostnme = \"x\"\n", "/etc/mailsift.toml").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("/etc/mailsift.toml"), "{msg}");
        assert!(msg.contains("hostnme"), "{msg}");
    }

    #[test]
    fn bad_value_names_key() {
        let err = Config::parse("[limits]\nmax_recipients = 0\n", "m.toml").unwrap_err();
        assert!(err.to_string().contains("limits.max_recipients"), "{err}");
        let err = Config::parse(
            "[[listener]]\nprotocol = \"imap\"\naddress = \"127.0.0.1:1\"\ntls = \"sometimes\"\n",
            "m.toml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("sometimes"), "{err}");
    }

    #[test]
    fn submission_section() {
        let c = Config::parse("", "m.toml").unwrap();
        assert!(!c.submission.received_shows_client_ip);
        assert_eq!(c.submission.plugins, ["attachments", "spam"]);
        let c = Config::parse(
            "[submission]\nmessages_per_hour = 5\nspam_threshold = 0\n",
            "m.toml",
        )
        .unwrap();
        assert_eq!(c.submission.messages_per_hour, 5);
        for bad in [
            "spam_threshold = -1",
            "messages_per_hour = 20000",
            "per_hour = 1",
        ] {
            let err = Config::parse(&format!("[submission]\n{bad}\n"), "m.toml").unwrap_err();
            assert!(
                err.to_string().contains("submission") || err.to_string().contains("per_hour"),
                "{err}"
            );
        }
    }

    #[test]
    fn outbound_section() {
        let c = Config::parse(
            "[outbound]\nretry_initial = 1\nretry_max = 8\n\n[outbound.routes]\n\"b.test\" = \"127.0.0.1:2525\"\n\"c.test\" = \"mx.c.test\"\n",
            "m.toml",
        )
        .unwrap();
        assert_eq!(c.outbound.routes.len(), 2);
        assert_eq!(c.outbound.expire_after, 5 * 24 * 3600);
        for (text, key) in [
            (
                "[outbound.routes]\n\"b.test\" = \"127.0.0.1:notaport\"\n",
                "outbound.routes.b.test",
            ),
            (
                "[outbound]\nsmart_host = \"relay:25\"\nsmart_host_user = \"u\"\n",
                "outbound.smart_host_user",
            ),
            ("[outbound]\nretry_initial = 0\n", "outbound.retry_initial"),
        ] {
            let err = Config::parse(text, "m.toml").unwrap_err();
            assert!(err.to_string().contains(key), "{err}");
        }
    }

    #[test]
    fn plugin_sections() {
        let c = Config::parse(
            "[plugins]\ncpu_ms = 20\non_error = \"tempfail\"\n\n[plugin.spam]\norder = 10\nmemory_mb = 32\n\n[plugin.spam.config]\nthreshold = 5\nmode = \"strict\"\n",
            "m.toml",
        )
        .unwrap();
        assert_eq!(c.plugins.cpu_ms, 20);
        assert_eq!(c.plugins.on_error, OnError::Tempfail);
        let spam = &c.plugin["spam"];
        assert_eq!(spam.order, Some(10));
        assert_eq!(spam.memory_mb, Some(32));
        assert_eq!(
            plugin_config_value(&spam.config["threshold"]).as_deref(),
            Some("5")
        );
        assert_eq!(c.plugin_dir(), c.data_dir.join("plugins"));

        let err = Config::parse("[plugin.spam]\ncpu_ms = 0\n", "m.toml").unwrap_err();
        assert!(err.to_string().contains("plugin.spam.cpu_ms"), "{err}");
        let err = Config::parse("[plugin.spam]\nordr = 1\n", "m.toml").unwrap_err();
        assert!(err.to_string().contains("ordr"), "{err}");
        let err = Config::parse("[plugin.\"a b\"]\n", "m.toml").unwrap_err();
        assert!(err.to_string().contains("file stem"), "{err}");
        let err = Config::parse("[plugin.x.config]\nk = [1]\n", "m.toml").unwrap_err();
        assert!(err.to_string().contains("plugin.x.config.k"), "{err}");
        let err = Config::parse("[plugins]\non_error = \"maybe\"\n", "m.toml").unwrap_err();
        assert!(err.to_string().contains("maybe"), "{err}");
    }

    #[test]
    fn plugin_grants_and_dns_limits() {
        let c = Config::parse(
            "[plugins]\ndns_budget = 5\n\n[plugin.spam]\ngrants = [\"dns\"]\n",
            "m.toml",
        )
        .unwrap();
        assert_eq!(c.plugin["spam"].grants, vec![Grant::Dns]);
        assert_eq!(c.plugins.dns_budget, 5);
        assert!(Config::default().plugin.is_empty(), "no grant by default");
        let err = Config::parse("[plugin.spam]\ngrants = [\"net\"]\n", "m.toml").unwrap_err();
        assert!(err.to_string().contains("net"), "{err}");
        let err = Config::parse("[plugins]\ndns_timeout_ms = 0\n", "m.toml").unwrap_err();
        assert!(err.to_string().contains("dns_timeout_ms"), "{err}");
        let err = Config::parse("[plugins]\ndns_budget = 100000\n", "m.toml").unwrap_err();
        assert!(err.to_string().contains("dns_budget"), "{err}");
        let err = Config::parse("[plugins]\nkv_filter_mb = 100000\n", "m.toml").unwrap_err();
        assert!(err.to_string().contains("kv_filter_mb"), "{err}");
        let c = Config::parse("[plugins]\nkv_filter_mb = 0\n", "m.toml").unwrap();
        assert_eq!(c.plugins.kv_filter_bytes(), 0);
        assert_eq!(
            Config::default().plugins.kv_filter_bytes(),
            crate::store::DEFAULT_KV_FILTER_BYTES
        );
    }

    #[test]
    fn example_config_parses() {
        let text = include_str!("../mailsift.example.toml");
        let c = Config::parse(text, "mailsift.example.toml").unwrap();
        assert!(
            c.listeners
                .iter()
                .any(|l| l.protocol == Protocol::Submission)
        );
        assert!(
            c.listeners
                .iter()
                .any(|l| l.protocol == Protocol::Managesieve && l.address.port() == 4190)
        );
        assert!(c.listeners.iter().any(|l| l.protocol == Protocol::Http));
    }

    #[test]
    fn http_section_and_listeners() {
        let c = Config::parse("", "m.toml").unwrap();
        assert_eq!(c.http.metrics_networks.len(), 2, "loopback only by default");
        assert_eq!(c.limits.http_session_lifetime, 300);
        let c = Config::parse(
            "[http]\nmetrics_networks = [\"10.0.0.0/8\"]\nheader_timeout = 2\n",
            "m.toml",
        )
        .unwrap();
        assert_eq!(c.http.header_timeout, 2);
        let err = Config::parse(
            "[[listener]]\nprotocol = \"http\"\naddress = \"127.0.0.1:1\"\ntls = \"starttls\"\n",
            "m.toml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("listener[0].tls"), "{err}");
        for bad in ["header_timeout = 0", "max_body_size = 10"] {
            let err = Config::parse(&format!("[http]\n{bad}\n"), "m.toml").unwrap_err();
            assert!(err.to_string().contains("http"), "{err}");
        }
    }
}
