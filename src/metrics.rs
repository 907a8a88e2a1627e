//! Server-wide counters, gauges and histograms, rendered for `/metrics` in the Prometheus /
//! OpenMetrics text format (served by the HTTP listener, `src/http/`).
//!
//! One process-wide registry: protocol sessions, the pipeline, the plugin host and the outbound
//! queue record into [`global()`]; gauges that describe the store (queue size and age, store
//! size) and the process (resident memory) are read at scrape time by [`render`] so that they
//! never go stale.
//!
//! Recording is an atomic add on a handle made once (the label sets are closed enums, made when
//! the registry is), so it costs nothing a session would notice and cannot fail. Labels never
//! carry addresses or users' folder names: every label's set of values is bounded (plugin names
//! by the plugin folder, which only the administrator fills).

use std::sync::OnceLock;
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::store::Store;

/// One label, both parts static: no allocation to look a handle up.
type Label = [(&'static str, &'static str); 1];
/// The plugin label: plugin names come from the folder at run time.
type PluginLabel = [(&'static str, String); 1];
type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// One plugin's series in the global registry (handles to the same values as the families').
#[derive(Clone)]
pub struct PluginSeries {
    calls: Counter,
    seconds: Histogram,
    label: PluginLabel,
}

/// Why a message (or one recipient of it) was refused: the `reason` label of
/// `mailsift_messages_refused_total`. A closed set, so the label's cardinality is fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refused {
    /// RCPT TO of a remote address by a client that did not log in (RFC 5321 §3.6.2).
    Relay,
    /// No such recipient here (or a forged or expired SRS address).
    UnknownUser,
    /// The `lists` plugin: the sender is on a block list.
    BlockList,
    /// The `spam` plugin, inbound, or the outgoing spam check of submitted mail.
    Spam,
    /// The sender's domain publishes DMARC `p=reject` and the message failed it.
    Dmarc,
    /// The recipient's mailbox is full.
    Quota,
    /// A logged-in sender's hourly or daily sending limit.
    RateLimit,
    /// MAIL FROM on the submission port before AUTH.
    AuthRequired,
    /// Larger than `max_message_size` (SIZE, DATA or BDAT).
    TooBig,
    /// Any other plugin's rejection (end of DATA or `check-recipient`).
    PluginReject,
    /// A logged-in user sending as an address that is not theirs, or without a From header.
    Sender,
    /// Not a message we can take: empty, lines too long, MIME nested too deep.
    Malformed,
    /// A Sieve script's `reject`/`ereject`.
    Sieve,
    /// A temporary failure on our side (DNS, the store, a plugin that failed): 4xx, retried.
    Temporary,
    Other,
}

impl Refused {
    pub const ALL: [Refused; 15] = [
        Refused::Relay,
        Refused::UnknownUser,
        Refused::BlockList,
        Refused::Spam,
        Refused::Dmarc,
        Refused::Quota,
        Refused::RateLimit,
        Refused::AuthRequired,
        Refused::TooBig,
        Refused::PluginReject,
        Refused::Sender,
        Refused::Malformed,
        Refused::Sieve,
        Refused::Temporary,
        Refused::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Refused::Relay => "relay",
            Refused::UnknownUser => "unknown_user",
            Refused::BlockList => "block_list",
            Refused::Spam => "spam",
            Refused::Dmarc => "dmarc",
            Refused::Quota => "quota",
            Refused::RateLimit => "rate_limit",
            Refused::AuthRequired => "auth_required",
            Refused::TooBig => "too_big",
            Refused::PluginReject => "plugin_reject",
            Refused::Sender => "sender",
            Refused::Malformed => "malformed",
            Refused::Sieve => "sieve",
            Refused::Temporary => "temporary",
            Refused::Other => "other",
        }
    }

    /// A plugin's rejection, by the plugin's name: the bundled spam and list plugins have
    /// their own reasons, every other plugin shares one (its name is not a bounded label).
    pub fn by_plugin(name: &str) -> Refused {
        match name {
            "spam" => Refused::Spam,
            "lists" => Refused::BlockList,
            _ => Refused::PluginReject,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The class of the folder a copy was delivered to: the `folder` label. Users' own folders
/// are all `other`, so neither their names nor their number reach the label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FolderClass {
    Inbox,
    Junk,
    Promotions,
    Social,
    Other,
}

impl FolderClass {
    pub const ALL: [FolderClass; 5] = [
        FolderClass::Inbox,
        FolderClass::Junk,
        FolderClass::Promotions,
        FolderClass::Social,
        FolderClass::Other,
    ];

    /// The class of a mailbox by its name and RFC 6154 special use. The names are those the
    /// bundled plugins and the default Sieve script file into (README, "Promotions and social
    /// networks").
    pub fn of(name: &str, special_use: Option<&str>) -> FolderClass {
        if name.eq_ignore_ascii_case("INBOX") {
            FolderClass::Inbox
        } else if special_use.is_some_and(|s| s.eq_ignore_ascii_case("\\Junk"))
            || name.eq_ignore_ascii_case("Junk")
        {
            FolderClass::Junk
        } else if name.eq_ignore_ascii_case("Promotions") {
            FolderClass::Promotions
        } else if name.eq_ignore_ascii_case("SocialNetworks") {
            FolderClass::Social
        } else {
            FolderClass::Other
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FolderClass::Inbox => "inbox",
            FolderClass::Junk => "junk",
            FolderClass::Promotions => "promotions",
            FolderClass::Social => "social",
            FolderClass::Other => "other",
        }
    }
}

/// What one outbound delivery run did for one recipient: the `result` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboundResult {
    Delivered,
    /// A temporary failure: tried again later.
    Deferred,
    /// A permanent failure (or expiry): the sender gets a DSN.
    Bounced,
}

impl OutboundResult {
    pub const ALL: [OutboundResult; 3] = [
        OutboundResult::Delivered,
        OutboundResult::Deferred,
        OutboundResult::Bounced,
    ];

    pub fn label(self) -> &'static str {
        match self {
            OutboundResult::Delivered => "delivered",
            OutboundResult::Deferred => "deferred",
            OutboundResult::Bounced => "bounced",
        }
    }
}

/// What became of a message handed to the pipeline: the `outcome` label of its latency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PipelineOutcome {
    Stored,
    Discarded,
    Refused,
}

impl PipelineOutcome {
    pub const ALL: [PipelineOutcome; 3] = [
        PipelineOutcome::Stored,
        PipelineOutcome::Discarded,
        PipelineOutcome::Refused,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PipelineOutcome::Stored => "stored",
            PipelineOutcome::Discarded => "discarded",
            PipelineOutcome::Refused => "refused",
        }
    }
}

/// The listener protocols sessions are counted for (`config::Protocol::name`). A protocol not
/// in the list (a later one) is still counted, through a slower lookup.
const PROTOCOLS: [&str; 5] = ["smtp", "submission", "imap", "pop3", "managesieve"];
/// Listener protocols that take mail.
const MAIL_PROTOCOLS: [&str; 2] = ["smtp", "submission"];

/// Handles made once for each value of a closed label set, so recording is one atomic add.
struct Fixed<M> {
    key: &'static str,
    family: Family<Label, M>,
    handles: Vec<(&'static str, M)>,
}

impl<M: prometheus_client::metrics::TypedMetric + Clone + Default> Fixed<M> {
    fn new(
        registry: &mut Registry,
        name: &str,
        help: &str,
        key: &'static str,
        values: &[&'static str],
    ) -> Fixed<M>
    where
        M: prometheus_client::encoding::EncodeMetric + std::fmt::Debug + Send + Sync + 'static,
    {
        let family = Family::<Label, M>::default();
        registry.register(name, help, family.clone());
        let handles = values
            .iter()
            .map(|v| (*v, family.get_or_create_owned(&[(key, *v)])))
            .collect();
        Fixed {
            key,
            family,
            handles,
        }
    }

    fn at(&self, i: usize) -> &M {
        &self.handles[i].1
    }

    /// The handle for `value`; one made now for a value outside the list.
    fn get(&self, value: &'static str) -> M {
        match self.handles.iter().find(|(v, _)| *v == value) {
            Some((_, m)) => m.clone(),
            None => self.family.get_or_create_owned(&[(self.key, value)]),
        }
    }
}

/// Pipeline latency buckets (seconds): 5 ms to a minute (sender authentication waits on DNS).
const PIPELINE_BUCKETS: [f64; 13] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];
/// Plugin call latency buckets (seconds): 100 µs to 5 s (a call's CPU budget is far below).
const PLUGIN_BUCKETS: [f64; 13] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0,
];

/// Store write buckets (seconds): 50 µs to 2.5 s (a commit waits on fdatasync).
const STORE_BUCKETS: [f64; 13] = [
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5,
];
/// Writes folded into one commit.
const BATCH_BUCKETS: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 512.0];

/// The phases of a store write (`store::writer`), for `mailsift_store_seconds`.
const STORE_PHASES: [&str; 3] = ["queue", "run", "commit"];
/// The phases of a message in the pipeline (`Pipeline::process`), for
/// `mailsift_pipeline_phase_seconds`.
const PIPELINE_PHASES: [&str; 3] = ["auth", "stages", "deliver"];

fn pipeline_histogram() -> Histogram {
    Histogram::new(PIPELINE_BUCKETS)
}

fn plugin_histogram() -> Histogram {
    Histogram::new(PLUGIN_BUCKETS)
}

/// Every metric the server records. Fields are cheap atomics; record from anywhere.
pub struct Metrics {
    registry: Registry,
    /// 1, with the version as a label: lets a dashboard see which build is running.
    pub build_info: Family<Vec<(String, String)>, Gauge>,
    received: Fixed<Counter>,
    refused: Fixed<Counter>,
    delivered: Fixed<Counter>,
    pipeline_seconds: Vec<Histogram>,
    plugin_calls: Family<PluginLabel, Counter>,
    plugin_errors: Family<PluginLabel, Counter>,
    plugin_seconds: HistogramFamily<PluginLabel>,
    /// queue (a write's wait for the writer), run (a batch's writes), commit (with fdatasync).
    store_seconds: Vec<Histogram>,
    store_batch_writes: Histogram,
    /// auth (parse and sender authentication), stages (plugins and Sieve, waits for a slot
    /// included), deliver (the store write to its commit).
    pipeline_phase_seconds: Vec<Histogram>,
    outbound: Fixed<Counter>,
    sessions_total: Fixed<Counter>,
    sessions_open: Fixed<Gauge>,
    login_failures: Fixed<Counter>,
    queue_messages: Gauge,
    queue_oldest_seconds: Gauge,
    store_bytes: Gauge,
    resident_bytes: Gauge,
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("mailsift");
        let build_info = Family::<Vec<(String, String)>, Gauge>::default();
        registry.register(
            "build_info",
            "The running build (value is always 1)",
            build_info.clone(),
        );
        build_info
            .get_or_create(&vec![(
                "version".to_string(),
                env!("CARGO_PKG_VERSION").to_string(),
            )])
            .set(1);
        let r = &mut registry;
        let received = Fixed::new(
            r,
            "messages_received",
            "Messages received to the end of DATA and handed to the pipeline, by listener protocol",
            "protocol",
            &MAIL_PROTOCOLS,
        );
        let reasons: Vec<&'static str> = Refused::ALL.iter().map(|x| x.label()).collect();
        let refused = Fixed::new(
            r,
            "messages_refused",
            "Refusals: of a recipient at RCPT TO, of a sender at MAIL FROM, or of a message at the end of DATA, by reason",
            "reason",
            &reasons,
        );
        let folders: Vec<&'static str> = FolderClass::ALL.iter().map(|x| x.label()).collect();
        let delivered = Fixed::new(
            r,
            "messages_delivered",
            "Copies stored in local mailboxes, by folder class",
            "folder",
            &folders,
        );
        let pipeline_family: HistogramFamily<Label> =
            Family::new_with_constructor(pipeline_histogram);
        r.register(
            "pipeline_seconds",
            "Time from the end of DATA to the pipeline's answer (sender authentication, stages, store commit), by outcome",
            pipeline_family.clone(),
        );
        let pipeline_seconds = PipelineOutcome::ALL
            .iter()
            .map(|o| pipeline_family.get_or_create_owned(&[("outcome", o.label())]))
            .collect();
        let plugin_calls = Family::<PluginLabel, Counter>::default();
        r.register(
            "plugin_calls",
            "Calls into a plugin (any hook)",
            plugin_calls.clone(),
        );
        let plugin_errors = Family::<PluginLabel, Counter>::default();
        r.register(
            "plugin_errors",
            "Plugin calls that failed (trap, CPU or memory limit, bad result)",
            plugin_errors.clone(),
        );
        let plugin_seconds: HistogramFamily<PluginLabel> =
            Family::new_with_constructor(plugin_histogram);
        r.register(
            "plugin_call_seconds",
            "Duration of plugin calls",
            plugin_seconds.clone(),
        );
        let store_family: HistogramFamily<Label> =
            Family::new_with_constructor(|| Histogram::new(STORE_BUCKETS));
        r.register(
            "store_seconds",
            "Store writes by phase: queue (a write's wait for the writer thread), run (a group commit's writes), commit (a group commit's commit, fdatasync included)",
            store_family.clone(),
        );
        let store_seconds = STORE_PHASES
            .iter()
            .map(|p| store_family.get_or_create_owned(&[("phase", *p)]))
            .collect();
        let store_batch_writes = Histogram::new(BATCH_BUCKETS);
        r.register(
            "store_batch_writes",
            "Writes folded into one store commit",
            store_batch_writes.clone(),
        );
        let phase_family: HistogramFamily<Label> =
            Family::new_with_constructor(|| Histogram::new(STORE_BUCKETS));
        r.register(
            "pipeline_phase_seconds",
            "A stored message's time in the pipeline by phase: auth (parse, sender authentication), stages (plugins, Sieve, waits for a plugin slot), deliver (store write to its commit)",
            phase_family.clone(),
        );
        let pipeline_phase_seconds = PIPELINE_PHASES
            .iter()
            .map(|p| phase_family.get_or_create_owned(&[("phase", *p)]))
            .collect();
        let results: Vec<&'static str> = OutboundResult::ALL.iter().map(|x| x.label()).collect();
        let outbound = Fixed::new(
            r,
            "outbound_recipients",
            "Outbound delivery results per recipient and run: delivered, deferred (retried later) or bounced",
            "result",
            &results,
        );
        let sessions_total = Fixed::new(
            r,
            "sessions",
            "Sessions (connections) started, by listener protocol",
            "protocol",
            &PROTOCOLS,
        );
        let sessions_open = Fixed::new(
            r,
            "sessions_open",
            "Sessions open now, by listener protocol",
            "protocol",
            &PROTOCOLS,
        );
        let login_failures = Fixed::new(
            r,
            "login_failures",
            "Logins refused for a wrong user name or password, by listener protocol",
            "protocol",
            &PROTOCOLS,
        );
        let queue_messages = Gauge::default();
        r.register(
            "queue_messages",
            "Messages in the outbound queue",
            queue_messages.clone(),
        );
        let queue_oldest_seconds = Gauge::default();
        r.register(
            "queue_oldest_age_seconds",
            "Age of the oldest message in the outbound queue (0 when empty)",
            queue_oldest_seconds.clone(),
        );
        let store_bytes = Gauge::default();
        r.register(
            "store_size_bytes",
            "Size of the store file (redb)",
            store_bytes.clone(),
        );
        let resident_bytes = Gauge::default();
        r.register(
            "process_resident_memory_bytes",
            "Resident memory of the server process",
            resident_bytes.clone(),
        );
        Metrics {
            registry,
            build_info,
            received,
            refused,
            delivered,
            pipeline_seconds,
            plugin_calls,
            plugin_errors,
            plugin_seconds,
            store_seconds,
            store_batch_writes,
            pipeline_phase_seconds,
            outbound,
            sessions_total,
            sessions_open,
            login_failures,
            queue_messages,
            queue_oldest_seconds,
            store_bytes,
            resident_bytes,
        }
    }

    /// One group commit of the store writer: each write's wait in the queue, the time its
    /// writes ran, and its commit's (fdatasync included).
    pub fn store_batch(
        &self,
        waits: impl Iterator<Item = Duration>,
        run: Duration,
        commit: Duration,
    ) {
        let mut writes = 0u32;
        for wait in waits {
            self.store_seconds[0].observe(wait.as_secs_f64());
            writes += 1;
        }
        self.store_seconds[1].observe(run.as_secs_f64());
        self.store_seconds[2].observe(commit.as_secs_f64());
        self.store_batch_writes.observe(f64::from(writes));
    }

    /// A stored message's phases in the pipeline: parse and sender authentication, the
    /// stages, the delivery's store write.
    pub fn pipeline_phases(&self, auth: Duration, stages: Duration, deliver: Duration) {
        for (h, took) in self
            .pipeline_phase_seconds
            .iter()
            .zip([auth, stages, deliver])
        {
            h.observe(took.as_secs_f64());
        }
    }

    /// A message received whole over a listener of `protocol` ("smtp", "submission").
    pub fn received(&self, protocol: &'static str) {
        self.received.get(protocol).inc();
    }

    pub fn refused(&self, reason: Refused) {
        self.refused.at(reason.index()).inc();
    }

    /// Copies committed to local mailboxes.
    pub fn delivered(&self, folder: FolderClass, copies: u64) {
        let i = FolderClass::ALL
            .iter()
            .position(|f| *f == folder)
            .unwrap_or(FolderClass::ALL.len() - 1);
        self.delivered.at(i).inc_by(copies);
    }

    pub fn pipeline(&self, outcome: PipelineOutcome, took: Duration) {
        let i = PipelineOutcome::ALL
            .iter()
            .position(|o| *o == outcome)
            .unwrap_or(0);
        self.pipeline_seconds[i].observe(took.as_secs_f64());
    }

    /// The call counter and duration histogram of plugin `name`, looked up once so that a
    /// call does not hash the label again (see [`Metrics::plugin_call_on`]).
    pub fn plugin_series(&self, name: &str) -> PluginSeries {
        let label = [("plugin", name.to_string())];
        PluginSeries {
            calls: self.plugin_calls.get_or_create_owned(&label),
            seconds: self.plugin_seconds.get_or_create_owned(&label),
            label,
        }
    }

    /// [`Metrics::plugin_call`] on series looked up before.
    pub fn plugin_call_on(&self, series: &PluginSeries, took: Duration, failed: bool) {
        series.calls.inc();
        if failed {
            self.plugin_errors.get_or_create(&series.label).inc();
        }
        series.seconds.observe(took.as_secs_f64());
    }

    /// One call into plugin `name`.
    pub fn plugin_call(&self, name: &str, took: Duration, failed: bool) {
        let label = [("plugin", name.to_string())];
        self.plugin_calls.get_or_create(&label).inc();
        if failed {
            self.plugin_errors.get_or_create(&label).inc();
        }
        self.plugin_seconds
            .get_or_create(&label)
            .observe(took.as_secs_f64());
    }

    pub fn outbound(&self, result: OutboundResult, recipients: u64) {
        let i = OutboundResult::ALL
            .iter()
            .position(|o| *o == result)
            .unwrap_or(0);
        self.outbound.at(i).inc_by(recipients);
    }

    /// A session of `protocol` starts; it counts as open until the guard is dropped.
    pub fn session(&self, protocol: &'static str) -> SessionGuard {
        self.sessions_total.get(protocol).inc();
        let open = self.sessions_open.get(protocol);
        open.inc();
        SessionGuard { open }
    }

    /// A login refused for wrong credentials over a listener of `protocol`.
    pub fn login_failed(&self, protocol: &'static str) {
        self.login_failures.get(protocol).inc();
    }

    /// Reads the gauges that describe the store and the process, now.
    fn read_gauges(&self, store: &Store) {
        match store.read().and_then(|r| r.queue_stats()) {
            Ok(stats) => {
                self.queue_messages.set(clamp(stats.messages));
                let now = chrono::Utc::now().timestamp();
                let age = stats.oldest_created.map_or(0, |c| now.saturating_sub(c));
                self.queue_oldest_seconds.set(age.max(0));
            }
            Err(e) => tracing::warn!(error = %e, "metrics: cannot read the queue"),
        }
        if let Some(size) = store.file_size() {
            self.store_bytes.set(clamp(size));
        }
        if let Some(rss) = crate::memory::resident_bytes() {
            self.resident_bytes.set(clamp(rss));
        }
    }
}

fn clamp(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// An open session: counted in `mailsift_sessions_open` until dropped.
pub struct SessionGuard {
    open: Gauge,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.open.dec();
    }
}

/// The process-wide metrics.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// Shorthand for `global().refused(reason)`.
pub fn refused(reason: Refused) {
    global().refused(reason);
}

/// The text exposition of every metric, with the store's gauges read now: the queue's size
/// and oldest entry (O(1) and O(log n) reads of the queue table), the file's size, the
/// process's resident memory.
pub fn render(store: &Store) -> String {
    let metrics = global();
    metrics.read_gauges(store);
    let mut out = String::new();
    // Writing into a String cannot fail; an encoder error would only come from a metric type
    // the registry cannot express, which is a programming error caught by the tests.
    if encode(&mut out, &metrics.registry).is_err() {
        tracing::error!("cannot encode metrics");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample `name{labels}` in `text` (labels as written, e.g.
    /// `reason="relay"`); 0 when absent.
    fn sample(text: &str, name: &str, labels: &str) -> f64 {
        let head = if labels.is_empty() {
            format!("{name} ")
        } else {
            format!("{name}{{{labels}}} ")
        };
        text.lines()
            .find_map(|l| l.strip_prefix(&head))
            .map(|v| v.trim().parse().unwrap())
            .unwrap_or(0.0)
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("m.redb")).unwrap();
        (dir, store)
    }

    #[test]
    fn renders_build_info_and_eof() {
        let (_dir, store) = store();
        let text = render(&store);
        assert!(text.contains("mailsift_build_info{version="), "{text}");
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
    }

    #[test]
    fn every_closed_label_value_is_there_from_the_start() {
        let (_dir, store) = store();
        let text = render(&store);
        for r in Refused::ALL {
            let line = format!(
                "mailsift_messages_refused_total{{reason=\"{}\"}} ",
                r.label()
            );
            assert!(text.contains(&line), "{line} missing:\n{text}");
        }
        for f in FolderClass::ALL {
            let line = format!(
                "mailsift_messages_delivered_total{{folder=\"{}\"}} ",
                f.label()
            );
            assert!(text.contains(&line), "{line} missing");
        }
        for p in PROTOCOLS {
            assert!(text.contains(&format!("mailsift_sessions_open{{protocol=\"{p}\"}} ")));
            assert!(text.contains(&format!(
                "mailsift_login_failures_total{{protocol=\"{p}\"}} "
            )));
        }
        assert!(text.contains("# TYPE mailsift_pipeline_seconds histogram"));
    }

    // The registry is process-wide and unit tests run in parallel: each test below compares
    // before and after, and other tests only ever add.
    #[test]
    fn recorded_counters_move_in_render() {
        let (_dir, store) = store();
        let m = global();
        let before = render(&store);
        m.received("submission");
        m.received("submission");
        m.refused(Refused::Relay);
        refused(Refused::UnknownUser);
        m.delivered(FolderClass::Junk, 3);
        m.outbound(OutboundResult::Bounced, 2);
        m.login_failed("pop3");
        m.plugin_call("metrics-test-plugin", Duration::from_millis(3), true);
        // The plugin host's way: series looked up once, the same values.
        let series = m.plugin_series("metrics-test-plugin");
        m.plugin_call_on(&series, Duration::from_millis(1), false);
        m.pipeline(PipelineOutcome::Discarded, Duration::from_millis(20));
        let after = render(&store);
        let moved =
            |name: &str, labels: &str| sample(&after, name, labels) - sample(&before, name, labels);
        assert!(
            moved(
                "mailsift_messages_received_total",
                "protocol=\"submission\""
            ) >= 2.0
        );
        assert!(moved("mailsift_messages_refused_total", "reason=\"relay\"") >= 1.0);
        assert!(moved("mailsift_messages_refused_total", "reason=\"unknown_user\"") >= 1.0);
        assert!(moved("mailsift_messages_delivered_total", "folder=\"junk\"") >= 3.0);
        assert!(moved("mailsift_outbound_recipients_total", "result=\"bounced\"") >= 2.0);
        assert!(moved("mailsift_login_failures_total", "protocol=\"pop3\"") >= 1.0);
        // This plugin name is only used here: exact values.
        assert_eq!(
            sample(
                &after,
                "mailsift_plugin_calls_total",
                "plugin=\"metrics-test-plugin\""
            ),
            2.0
        );
        assert_eq!(
            sample(
                &after,
                "mailsift_plugin_errors_total",
                "plugin=\"metrics-test-plugin\""
            ),
            1.0
        );
        assert_eq!(
            sample(
                &after,
                "mailsift_plugin_call_seconds_count",
                "plugin=\"metrics-test-plugin\""
            ),
            2.0
        );
        let sum = sample(
            &after,
            "mailsift_plugin_call_seconds_sum",
            "plugin=\"metrics-test-plugin\"",
        );
        assert!((sum - 0.004).abs() < 1e-9, "{sum}");
        // 3 ms is above the 2.5 ms bucket, 1 ms within it.
        assert_eq!(
            sample(
                &after,
                "mailsift_plugin_call_seconds_bucket",
                "le=\"0.0025\",plugin=\"metrics-test-plugin\""
            ),
            1.0,
            "{after}"
        );
        assert!(moved("mailsift_pipeline_seconds_count", "outcome=\"discarded\"") >= 1.0);
    }

    #[test]
    fn sessions_open_while_the_guard_lives() {
        let (_dir, store) = store();
        let m = global();
        // A protocol name no other test uses, outside the fixed list: exact values.
        let guard = m.session("metrics-test");
        let second = m.session("metrics-test");
        let text = render(&store);
        assert_eq!(
            sample(&text, "mailsift_sessions_open", "protocol=\"metrics-test\""),
            2.0
        );
        drop(guard);
        drop(second);
        let text = render(&store);
        assert_eq!(
            sample(&text, "mailsift_sessions_open", "protocol=\"metrics-test\""),
            0.0
        );
        assert_eq!(
            sample(
                &text,
                "mailsift_sessions_total",
                "protocol=\"metrics-test\""
            ),
            2.0
        );
    }

    #[test]
    fn store_writes_and_pipeline_phases_are_timed() {
        let (_dir, store) = store();
        let count = |text: &str, name: &str, phase: &str| {
            sample(
                text,
                &format!("{name}_count"),
                &format!("phase=\"{phase}\""),
            )
        };
        let before = render(&store);
        // A write nobody else makes: a domain. Other tests write too, so "at least".
        store
            .write_blocking(|tx| tx.add_domain("metrics-phases.example").map(|_| ()))
            .unwrap();
        global().pipeline_phases(
            Duration::from_millis(1),
            Duration::from_millis(2),
            Duration::from_millis(3),
        );
        let after = render(&store);
        for phase in ["queue", "run", "commit"] {
            assert!(
                count(&after, "mailsift_store_seconds", phase)
                    >= count(&before, "mailsift_store_seconds", phase) + 1.0,
                "{phase}:\n{after}"
            );
        }
        assert!(
            sample(&after, "mailsift_store_batch_writes_count", "")
                >= sample(&before, "mailsift_store_batch_writes_count", "") + 1.0
        );
        for phase in ["auth", "stages", "deliver"] {
            assert!(
                count(&after, "mailsift_pipeline_phase_seconds", phase)
                    >= count(&before, "mailsift_pipeline_phase_seconds", phase) + 1.0,
                "{phase}:\n{after}"
            );
        }
    }

    #[test]
    fn store_gauges_are_read_at_scrape_time() {
        let (_dir, store) = store();
        let text = render(&store);
        assert_eq!(sample(&text, "mailsift_queue_messages", ""), 0.0);
        assert_eq!(sample(&text, "mailsift_queue_oldest_age_seconds", ""), 0.0);
        assert!(
            sample(&text, "mailsift_store_size_bytes", "") > 0.0,
            "{text}"
        );
        assert!(sample(&text, "mailsift_process_resident_memory_bytes", "") > 1e6);
        store
            .write_blocking(|tx| {
                tx.enqueue("Q1", "a@example.org", &["b@example.net".into()], b"x")
                    .map(|_| ())
            })
            .unwrap();
        store
            .write_blocking(|tx| {
                tx.enqueue("Q2", "a@example.org", &["c@example.net".into()], b"y")
                    .map(|_| ())
            })
            .unwrap();
        let text = render(&store);
        assert_eq!(sample(&text, "mailsift_queue_messages", ""), 2.0);
        assert!(sample(&text, "mailsift_queue_oldest_age_seconds", "") >= 0.0);
    }

    #[test]
    fn folder_classes_never_carry_user_names() {
        assert_eq!(FolderClass::of("INBOX", None), FolderClass::Inbox);
        assert_eq!(FolderClass::of("inbox", None), FolderClass::Inbox);
        assert_eq!(FolderClass::of("Junk", Some("\\Junk")), FolderClass::Junk);
        assert_eq!(FolderClass::of("Spam", Some("\\Junk")), FolderClass::Junk);
        assert_eq!(FolderClass::of("Promotions", None), FolderClass::Promotions);
        assert_eq!(FolderClass::of("SocialNetworks", None), FolderClass::Social);
        assert_eq!(FolderClass::of("Clients/ACME", None), FolderClass::Other);
        for (i, r) in Refused::ALL.iter().enumerate() {
            assert_eq!(r.index(), i, "{r:?}: its counter is another reason's");
        }
        assert_eq!(Refused::by_plugin("spam"), Refused::Spam);
        assert_eq!(Refused::by_plugin("lists"), Refused::BlockList);
        assert_eq!(Refused::by_plugin("my-filter"), Refused::PluginReject);
    }
}
