//! The `dns` import: lookups for plugins granted `dns` (`[plugin.NAME] grants = ["dns"]`),
//! through a resolver configured like the server's (`[dns]`), for reputation lists (DNSBL,
//! URIBL).
//!
//! A plugin call runs on a blocking thread under a CPU bound, so lookups must neither need the
//! caller's runtime nor wait without bound: they go to one resolver thread with its own small
//! tokio runtime (started at the first lookup that misses the cache), and the call waits for the
//! answers with a timeout. The names of one request are resolved in parallel. Answers — "no such
//! name" included — are cached for their TTL (at most an hour) in a bounded cache shared by all
//! plugins and messages; failures for a short while, so a dead list does not slow every message.
//! Each call gets a budget of names (`[plugins] dns_budget`), counted whether cached or not.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use mail_auth::hickory_resolver::net::{DnsError, NetError, NoRecords};
use mail_auth::hickory_resolver::proto::rr::{Name, RData, RecordType};

use crate::config::Config;

/// Longest answer cached for: reputation data changes, and TTLs of lists are minutes.
const MAX_TTL: Duration = Duration::from_secs(3600);
/// How long "no such name" is kept when the answer carries no SOA (RFC 2308 §5 would take it
/// from the SOA): about what DNSBLs publish.
const DEFAULT_NEGATIVE_TTL: Duration = Duration::from_secs(60);
/// How long a timeout or failure is remembered.
const FAILURE_TTL: Duration = Duration::from_secs(30);
/// Records kept of one answer, and bytes of one TXT record: a plugin needs a few short answers.
const MAX_RECORDS: usize = 16;
const MAX_TXT: usize = 512;
/// Requests waiting for the resolver thread; more fail at once (`failed`) rather than queue.
const QUEUE: usize = 256;
/// Longest accepted name (RFC 1035 §2.3.4: 255 octets on the wire, 253 as text).
const MAX_NAME: usize = 253;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    A,
    Txt,
}

/// Why a name has no answer, as the WIT `dns-error` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Denied,
    Budget,
    InvalidName,
    Timeout,
    Failed,
}

pub type Answer = Result<Arc<[String]>, Failure>;

struct Job {
    kind: Kind,
    names: Vec<String>,
    reply: std::sync::mpsc::SyncSender<Vec<(Answer, Instant)>>,
}

/// The resolver and the cache, shared by every call of a plugin host.
pub struct PluginDns {
    config: crate::config::DnsConfig,
    timeout: Duration,
    budget: u32,
    cache: Mutex<Cache>,
    worker: OnceLock<Option<tokio::sync::mpsc::Sender<Job>>>,
    /// Names sent to the resolver (cache misses), for tests and statistics.
    sent: AtomicU64,
}

impl std::fmt::Debug for PluginDns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginDns")
            .field("budget", &self.budget)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl PluginDns {
    pub fn new(config: &Config) -> PluginDns {
        PluginDns {
            config: config.dns.clone(),
            timeout: Duration::from_millis(config.plugins.dns_timeout_ms.max(1)),
            budget: config.plugins.dns_budget,
            cache: Mutex::new(Cache::new(config.dns.cache_size.clamp(16, 1 << 20) as usize)),
            worker: OnceLock::new(),
            sent: AtomicU64::new(0),
        }
    }

    /// The state of one call: `granted` plugins resolve, others are denied.
    pub fn call(self: &Arc<Self>, granted: bool) -> DnsCall {
        DnsCall {
            shared: granted.then(|| self.clone()),
            left: self.budget,
            waited: Duration::ZERO,
        }
    }

    /// Names sent to the resolver so far (lookups that missed the cache).
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    fn worker(&self) -> Option<&tokio::sync::mpsc::Sender<Job>> {
        self.worker
            .get_or_init(|| start_worker(&self.config, self.timeout))
            .as_ref()
    }

    /// Resolves `names` (valid, lower case, distinct) through the resolver thread.
    fn resolve(&self, kind: Kind, names: Vec<String>) -> Vec<(Answer, Instant)> {
        let n = names.len();
        let failed = |f: Failure| vec![(Err(f), Instant::now() + FAILURE_TTL); n];
        let Some(tx) = self.worker() else {
            return failed(Failure::Failed);
        };
        let (reply, rx) = std::sync::mpsc::sync_channel(1);
        self.sent.fetch_add(n as u64, Ordering::Relaxed);
        match tx.try_send(Job { kind, names, reply }) {
            Ok(()) => {}
            Err(tokio::sync::mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!("plugin DNS resolver busy; lookups failed");
                return failed(Failure::Failed);
            }
            // The resolver could not be set up (logged once when it failed).
            Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => {
                return failed(Failure::Failed);
            }
        }
        // The thread bounds each lookup by `timeout`; the margin covers its scheduling.
        match rx.recv_timeout(self.timeout + Duration::from_millis(500)) {
            Ok(answers) if answers.len() == n => answers,
            _ => failed(Failure::Timeout),
        }
    }
}

/// One call's access: denied, or granted with what is left of the budget.
pub struct DnsCall {
    shared: Option<Arc<PluginDns>>,
    left: u32,
    /// Time spent waiting for answers: not the plugin's CPU time.
    pub waited: Duration,
}

impl DnsCall {
    /// No access (for `info` and for plugins without the grant).
    pub fn denied() -> DnsCall {
        DnsCall {
            shared: None,
            left: 0,
            waited: Duration::ZERO,
        }
    }

    /// Answers for `names`, in order. Never fails as a whole: each name gets its answer or its
    /// reason.
    pub fn lookup(&mut self, kind: Kind, names: &[String]) -> Vec<Answer> {
        let Some(shared) = self.shared.clone() else {
            return vec![Err(Failure::Denied); names.len()];
        };
        let mut out: Vec<Answer> = Vec::with_capacity(names.len());
        // Names to resolve, and the positions in `out` waiting for each.
        let mut misses: Vec<(String, Vec<usize>)> = Vec::new();
        let now = Instant::now();
        {
            let cache = shared.cache.lock().unwrap_or_else(|e| e.into_inner());
            for name in names {
                if self.left == 0 {
                    out.push(Err(Failure::Budget));
                    continue;
                }
                self.left -= 1;
                let Some(name) = normalize(name) else {
                    out.push(Err(Failure::InvalidName));
                    continue;
                };
                if let Some(answer) = cache.get(kind, &name, now) {
                    out.push(answer);
                    continue;
                }
                let at = out.len();
                out.push(Err(Failure::Failed));
                match misses.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, slots)) => slots.push(at),
                    None => misses.push((name, vec![at])),
                }
            }
        }
        if misses.is_empty() {
            return out;
        }
        let started = Instant::now();
        let answers = shared.resolve(kind, misses.iter().map(|(n, _)| n.clone()).collect());
        self.waited += started.elapsed();
        let mut cache = shared.cache.lock().unwrap_or_else(|e| e.into_inner());
        for ((name, slots), (answer, until)) in misses.into_iter().zip(answers) {
            for at in slots {
                if let Some(slot) = out.get_mut(at) {
                    *slot = answer.clone();
                }
            }
            cache.insert(kind, name, answer, until);
        }
        out
    }
}

/// The name in lower case without its final dot, if it is a valid domain name of at least two
/// labels (RFC 1035 §2.3.4 lengths; letters, digits, `-` and `_`, which DNSBL-style names and
/// service labels use).
pub fn normalize(name: &str) -> Option<String> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() || name.len() > MAX_NAME {
        return None;
    }
    let mut labels = 0;
    for label in name.split('.') {
        labels += 1;
        if label.is_empty()
            || label.len() > 63
            || !label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return None;
        }
    }
    (labels >= 2).then(|| name.to_ascii_lowercase())
}

/// Answers by (kind, name) with their expiry. When full, expired entries go first, then the
/// tenth that expires soonest: bounded memory, amortised cost.
struct Cache {
    map: HashMap<(Kind, String), (Answer, Instant)>,
    capacity: usize,
}

impl Cache {
    fn new(capacity: usize) -> Cache {
        Cache {
            map: HashMap::new(),
            capacity,
        }
    }

    fn get(&self, kind: Kind, name: &str, now: Instant) -> Option<Answer> {
        // The tuple key needs an owned String; names are short.
        match self.map.get(&(kind, name.to_string())) {
            Some((answer, until)) if *until > now => Some(answer.clone()),
            _ => None,
        }
    }

    fn insert(&mut self, kind: Kind, name: String, answer: Answer, until: Instant) {
        let now = Instant::now();
        if until <= now {
            return;
        }
        if self.map.len() >= self.capacity {
            self.map.retain(|_, (_, u)| *u > now);
        }
        if self.map.len() >= self.capacity {
            let mut expiries: Vec<Instant> = self.map.values().map(|(_, u)| *u).collect();
            let cut = (self.capacity / 10).max(1).min(expiries.len() - 1);
            let (_, pivot, _) = expiries.select_nth_unstable(cut);
            let pivot = *pivot;
            self.map.retain(|_, (_, u)| *u > pivot);
        }
        self.map.insert((kind, name), (answer, until));
    }
}

/// Starts the resolver thread; `None` (every lookup fails) when it cannot start.
fn start_worker(
    config: &crate::config::DnsConfig,
    timeout: Duration,
) -> Option<tokio::sync::mpsc::Sender<Job>> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Job>(QUEUE);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the plugin DNS runtime");
            return None;
        }
    };
    let config = config.clone();
    let spawned = std::thread::Builder::new()
        .name("plugin-dns".into())
        .spawn(move || {
            runtime.block_on(async move {
                // Built inside the runtime that drives its connections.
                let resolver = match crate::auth::authenticator(&config) {
                    Ok(r) => Arc::new(r),
                    Err(e) => {
                        // Dropping `rx` makes every lookup fail (`failed`).
                        tracing::error!(error = %e, "plugin DNS resolver unavailable");
                        return;
                    }
                };
                // Ends when the host (the last sender) is dropped.
                while let Some(job) = rx.recv().await {
                    let resolver = resolver.clone();
                    tokio::spawn(async move {
                        let mut set = tokio::task::JoinSet::new();
                        for (i, name) in job.names.into_iter().enumerate() {
                            let resolver = resolver.clone();
                            set.spawn(async move {
                                (i, resolve_one(&resolver, job.kind, &name, timeout).await)
                            });
                        }
                        let mut answers = Vec::new();
                        while let Some(done) = set.join_next().await {
                            if let Ok(a) = done {
                                answers.push(a);
                            }
                        }
                        answers.sort_by_key(|(i, _)| *i);
                        let _ = job
                            .reply
                            .send(answers.into_iter().map(|(_, a)| a).collect());
                    });
                }
            });
        });
    match spawned {
        Ok(_) => Some(tx),
        Err(e) => {
            tracing::error!(error = %e, "cannot start the plugin DNS thread");
            None
        }
    }
}

async fn resolve_one(
    resolver: &mail_auth::MessageAuthenticator,
    kind: Kind,
    name: &str,
    timeout: Duration,
) -> (Answer, Instant) {
    let failed = |f: Failure| (Err(f), Instant::now() + FAILURE_TTL);
    // Absolute: never tried under a search domain.
    let Ok(fqdn) = Name::from_ascii(format!("{name}.")) else {
        return failed(Failure::InvalidName);
    };
    let record_type = match kind {
        Kind::A => RecordType::A,
        Kind::Txt => RecordType::TXT,
    };
    let now = Instant::now();
    let lookup =
        match tokio::time::timeout(timeout, resolver.resolver().lookup(fqdn, record_type)).await {
            Err(_) => return failed(Failure::Timeout),
            Ok(Err(e)) => {
                return match &e {
                    NetError::Dns(DnsError::NoRecordsFound(NoRecords { negative_ttl, .. })) => {
                        let ttl = negative_ttl
                            .map(|s| Duration::from_secs(s.into()))
                            .unwrap_or(DEFAULT_NEGATIVE_TTL);
                        (Ok(Arc::from(Vec::new())), now + ttl.min(MAX_TTL))
                    }
                    NetError::Timeout => failed(Failure::Timeout),
                    _ => {
                        tracing::debug!(name, error = %e, "plugin DNS lookup failed");
                        failed(Failure::Failed)
                    }
                };
            }
            Ok(Ok(lookup)) => lookup,
        };
    let mut records = Vec::new();
    for record in lookup.answers() {
        if records.len() >= MAX_RECORDS {
            break;
        }
        match (&record.data, kind) {
            (RData::A(a), Kind::A) => records.push(a.0.to_string()),
            (RData::TXT(txt), Kind::Txt) => {
                let bytes: Vec<u8> = txt
                    .txt_data
                    .iter()
                    .flat_map(|s| s.iter().copied())
                    .collect();
                let mut text = String::from_utf8_lossy(&bytes).into_owned();
                if text.len() > MAX_TXT {
                    let mut end = MAX_TXT;
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    text.truncate(end);
                }
                records.push(text);
            }
            _ => {}
        }
    }
    let until = lookup.valid_until().min(now + MAX_TTL);
    (Ok(Arc::from(records)), until)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated_and_lowercased() {
        assert_eq!(
            normalize("2.0.0.127.Zen.Example.").as_deref(),
            Some("2.0.0.127.zen.example")
        );
        assert_eq!(
            normalize("_dmarc.example.org").as_deref(),
            Some("_dmarc.example.org")
        );
        for bad in [
            "",
            ".",
            "localhost",
            "a..b",
            ".a.b",
            "a b.c",
            "é.example",
            "a.b/c",
            &format!("{}.example", "x".repeat(64)),
            &format!("{}example", "a.".repeat(130)),
        ] {
            assert_eq!(normalize(bad), None, "{bad:?}");
        }
        let longest = format!("{}.{}", "a".repeat(63), vec!["b".repeat(63); 3].join("."));
        assert_eq!(longest.len(), 255);
        assert_eq!(normalize(&longest), None);
        assert!(normalize(&longest[2..]).is_some());
    }

    #[test]
    fn cache_respects_expiry_and_capacity() {
        let mut cache = Cache::new(20);
        let now = Instant::now();
        let ok = |s: &str| -> Answer { Ok(Arc::from(vec![s.to_string()])) };
        cache.insert(Kind::A, "gone.test".into(), ok("x"), now);
        assert!(
            cache.get(Kind::A, "gone.test", now).is_none(),
            "expired at once"
        );
        cache.insert(
            Kind::A,
            "a.test".into(),
            ok("127.0.0.2"),
            now + Duration::from_secs(60),
        );
        assert_eq!(cache.get(Kind::A, "a.test", now), Some(ok("127.0.0.2")));
        assert!(cache.get(Kind::Txt, "a.test", now).is_none(), "per kind");
        assert!(
            cache
                .get(Kind::A, "a.test", now + Duration::from_secs(61))
                .is_none()
        );
        for i in 0..1000 {
            cache.insert(
                Kind::A,
                format!("n{i}.test"),
                ok("x"),
                now + Duration::from_secs(100 + i),
            );
            assert!(cache.map.len() <= 20);
        }
        // The latest, longest-lived entries stay.
        assert!(cache.get(Kind::A, "n999.test", now).is_some());
    }

    #[test]
    fn denied_calls_and_budgets() {
        let mut config = Config::default();
        config.plugins.dns_budget = 3;
        // Nothing listens here: a lookup that reached the network would fail, not answer.
        config.dns.nameservers = vec!["127.0.0.1:9".into()];
        config.plugins.dns_timeout_ms = 200;
        let dns = Arc::new(PluginDns::new(&config));
        let names: Vec<String> = ["a.test", "b.test"].map(String::from).to_vec();
        let mut denied = dns.call(false);
        assert_eq!(
            denied.lookup(Kind::A, &names),
            vec![Err(Failure::Denied); 2]
        );
        assert_eq!(dns.sent(), 0, "a denied lookup sends nothing");
        let mut call = dns.call(true);
        let out = call.lookup(
            Kind::A,
            &[
                "bad name".to_string(),
                "x".into(),
                "a.test".into(),
                "b.test".into(),
            ],
        );
        assert_eq!(out[0], Err(Failure::InvalidName));
        assert_eq!(out[1], Err(Failure::InvalidName));
        assert!(matches!(out[2], Err(Failure::Failed | Failure::Timeout)));
        assert_eq!(out[3], Err(Failure::Budget));
        assert_eq!(dns.sent(), 1);
        assert_eq!(call.lookup(Kind::A, &names), vec![Err(Failure::Budget); 2]);
        // The failure is remembered: a new call gets it from the cache.
        let mut again = dns.call(true);
        assert!(matches!(
            again.lookup(Kind::A, &names[..1])[0],
            Err(Failure::Failed | Failure::Timeout)
        ));
        assert_eq!(dns.sent(), 1);
    }
}
