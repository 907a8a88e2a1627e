//! The delivery task: scans the queue, delivers due entries (per recipient domain, bounded per
//! destination and overall), and records the results with any DSN in one write.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mail_auth::MessageAuthenticator;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use super::OutboundError;
use super::client::{Client, ClientError, SessionParams};
use super::dsn::{self, DsnInput, DsnKind, DsnRecipient};
use super::route::{self, Route};
use crate::config::{Config, OutboundConfig};
use crate::metrics::OutboundResult;
use crate::store::{
    AttemptRecord, AttemptStatus, QueueNotice, QueueUpdate, QueuedMessage, RcptStatus, Store,
};

/// Seconds to wait before the next attempt after `attempts` earlier runs: `initial` doubling
/// at each run, never more than `max`.
pub fn backoff(attempts: u32, initial: u64, max: u64) -> u64 {
    let factor = 1u64.checked_shl(attempts.min(62)).unwrap_or(u64::MAX);
    initial.saturating_mul(factor).min(max).max(1)
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn domain_of(address: &str) -> String {
    address
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('.').to_ascii_lowercase())
        .unwrap_or_default()
}

pub struct Outbound {
    store: Store,
    config: OutboundConfig,
    hostname: String,
    dns: MessageAuthenticator,
    /// Entries being delivered now: a scan never starts one twice.
    in_flight: Mutex<HashSet<u64>>,
    /// One semaphore per destination domain (`max_per_destination` connections).
    destinations: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// Entries in delivery at once (`max_concurrent`).
    slots: Arc<Semaphore>,
    /// Idle sessions per destination domain, with when they went idle.
    pool: Mutex<HashMap<String, Vec<(Client, Instant)>>>,
    mta_sts: super::mta_sts::MtaSts,
}

/// How long an idle session is kept for the destination's next message. Servers wait at least
/// 5 minutes for a command (RFC 5321 §4.5.3.2.7); a short idle time keeps their slots free.
const POOL_IDLE: Duration = Duration::from_secs(10);
/// Idle sessions kept over all destinations.
const POOL_MAX: usize = 256;

/// Removes an entry from the in-flight set when its delivery ends, however it ends.
struct InFlight {
    outbound: Arc<Outbound>,
    id: u64,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Ok(mut set) = self.outbound.in_flight.lock() {
            set.remove(&self.id);
        }
    }
}

impl Outbound {
    pub fn new(store: Store, config: &Config) -> Result<Arc<Outbound>, OutboundError> {
        Ok(Arc::new(Outbound {
            store,
            config: config.outbound.clone(),
            hostname: config.hostname.clone(),
            dns: crate::auth::authenticator(&config.dns)?,
            in_flight: Mutex::new(HashSet::new()),
            destinations: Mutex::new(HashMap::new()),
            slots: Arc::new(Semaphore::new(config.outbound.max_concurrent.max(1))),
            pool: Mutex::new(HashMap::new()),
            mta_sts: super::mta_sts::MtaSts::new(&config.outbound),
        }))
    }

    /// Works the queue until the process ends: a scan, then a wait until the store signals a
    /// new due entry (`Store::queue_signal`: fresh mail, `queue retry`, a delivery recorded),
    /// the next entry falls due, or `scan_interval` passes, whichever comes first.
    pub async fn run(self: Arc<Self>) {
        let interval = Duration::from_secs(self.config.scan_interval.max(1));
        let signal = self.store.queue_signal();
        loop {
            self.reap_pool();
            drop(self.scan());
            let wait = self.next_wait(interval);
            tokio::select! {
                _ = signal.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// How long to wait before the next scan: until the next entry falls due, at most
    /// `interval`, and at most the pool's idle time while sessions are kept (so they are closed
    /// on time). Entries already due are in delivery (or waiting for a slot): their end
    /// signals.
    fn next_wait(&self, interval: Duration) -> Duration {
        let mut wait = interval;
        if self.pool.lock().is_ok_and(|p| !p.is_empty()) {
            wait = wait.min(POOL_IDLE);
        }
        match self.store.read().and_then(|r| r.queue_next_due()) {
            Ok(Some(due)) => {
                let ahead = due.saturating_sub(now());
                if ahead > 0 {
                    wait = wait.min(Duration::from_secs(ahead.unsigned_abs()));
                }
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "cannot read the outbound queue"),
        }
        wait
    }

    /// Starts the delivery of every due entry not already in delivery, as far as slots allow.
    /// Reads only due entries (the store's next-attempt index). Returns their tasks (which run
    /// on whether awaited or not; tests await them).
    pub fn scan(self: &Arc<Self>) -> Vec<tokio::task::JoinHandle<()>> {
        let free = self.slots.available_permits();
        if free == 0 {
            return Vec::new();
        }
        // Due entries already in delivery are read too (and skipped): read enough past them.
        let busy = self.in_flight.lock().map(|s| s.len()).unwrap_or(0);
        let now = now();
        let queue = match self
            .store
            .read()
            .and_then(|r| r.queue_due(now, free.saturating_add(busy).saturating_add(1)))
        {
            Ok(q) => q,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the outbound queue");
                return Vec::new();
            }
        };
        let mut started = Vec::new();
        for entry in queue {
            if entry.next_attempt > now {
                continue;
            }
            let Ok(permit) = self.slots.clone().try_acquire_owned() else {
                break;
            };
            {
                let Ok(mut set) = self.in_flight.lock() else {
                    return started;
                };
                if !set.insert(entry.id) {
                    continue;
                }
            }
            let guard = InFlight {
                outbound: self.clone(),
                id: entry.id,
            };
            let this = self.clone();
            let span = tracing::info_span!("outbound", queue_id = %entry.queue_id);
            started.push(tokio::spawn(tracing::Instrument::instrument(
                async move {
                    let recorded = {
                        let _permit = permit;
                        let _guard = guard;
                        this.clone().work(entry).await
                    };
                    // The slot is free again (a scan may have left due entries behind) and the
                    // entry's next attempt has moved: the task rescans and recomputes its wait.
                    if recorded {
                        this.store.queue_signal().notify_one();
                    }
                },
                span,
            )));
        }
        started
    }

    /// An idle session to `domain` that has not been idle too long.
    fn take_pooled(&self, domain: &str) -> Option<Client> {
        let mut pool = self.pool.lock().ok()?;
        let list = pool.get_mut(domain)?;
        while let Some((client, since)) = list.pop() {
            if since.elapsed() < POOL_IDLE {
                return Some(client);
            }
            tokio::spawn(client.quit());
        }
        pool.remove(domain);
        None
    }

    /// Keeps a session for the destination's next message, within the pool's bounds.
    fn park(&self, domain: &str, client: Client) {
        let Ok(mut pool) = self.pool.lock() else {
            tokio::spawn(client.quit());
            return;
        };
        let total: usize = pool.values().map(Vec::len).sum();
        let list = pool.entry(domain.to_string()).or_default();
        if total >= POOL_MAX || list.len() >= self.config.max_per_destination.max(1) {
            tokio::spawn(client.quit());
            return;
        }
        list.push((client, Instant::now()));
    }

    /// Closes the sessions idle for too long (at each scan).
    fn reap_pool(&self) {
        let Ok(mut pool) = self.pool.lock() else {
            return;
        };
        for list in pool.values_mut() {
            let (keep, stale): (Vec<_>, Vec<_>) = std::mem::take(list)
                .into_iter()
                .partition(|(_, since)| since.elapsed() < POOL_IDLE);
            *list = keep;
            for (client, _) in stale {
                tokio::spawn(client.quit());
            }
        }
        pool.retain(|_, list| !list.is_empty());
    }

    fn destination(&self, domain: &str) -> Arc<Semaphore> {
        let limit = self.config.max_per_destination.max(1);
        match self.destinations.lock() {
            Ok(mut map) => {
                // Bounded: semaphores nobody holds are dropped once the map grows.
                if map.len() > 4096 {
                    map.retain(|_, s| s.available_permits() < limit);
                }
                map.entry(domain.to_string())
                    .or_insert_with(|| Arc::new(Semaphore::new(limit)))
                    .clone()
            }
            Err(_) => Arc::new(Semaphore::new(limit)),
        }
    }

    /// One delivery run of one entry, then its results committed. False when nothing was
    /// recorded (the entry stays due and is tried at the next scan, not at once, so a failing
    /// store cannot spin the task).
    async fn work(self: Arc<Self>, entry: QueuedMessage) -> bool {
        let (raw, missing) = match self.store.blobs().get(&entry.blob) {
            Ok(Some(raw)) => (Arc::new(raw), false),
            // Cannot happen while the entry holds its blob reference; if it does, the entry
            // can never be sent: failed (and reported) rather than retried forever.
            Ok(None) => {
                tracing::error!(blob = %entry.blob, "queued message content is missing");
                (Arc::new(Vec::new()), true)
            }
            Err(e) => {
                // Tried again at the next scan.
                tracing::error!(error = %e, "cannot read queued message content");
                return false;
            }
        };
        let states = entry.rcpt_states();
        let now = now();
        let mut attempts = Vec::new();
        // Destination slots stay taken until the results are committed: the deliveries a crash
        // can repeat (accepted remotely, not yet recorded) are at most the destination's limit.
        let mut permits = Vec::new();
        let expire_at = entry
            .created
            .saturating_add(i64::try_from(self.config.expire_after).unwrap_or(i64::MAX));
        if missing {
            for s in states.iter().filter(|s| s.status == RcptStatus::Pending) {
                attempts.push(AttemptRecord {
                    time: now,
                    recipient: s.address.clone(),
                    result: "4.3.0 message content missing from the store".into(),
                    status: AttemptStatus::Permanent,
                });
            }
        } else if now >= expire_at {
            // RFC 5321 §4.5.4.1: give up after the configured time, and say so.
            for s in states.iter().filter(|s| s.status == RcptStatus::Pending) {
                let last = if s.reply.is_empty() {
                    String::new()
                } else {
                    format!("; last error: {}", s.reply)
                };
                attempts.push(AttemptRecord {
                    time: now,
                    recipient: s.address.clone(),
                    result: format!("4.4.7 message expired in the queue{last}"),
                    status: AttemptStatus::Permanent,
                });
            }
        } else {
            let mut by_domain: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for s in states.iter().filter(|s| s.status == RcptStatus::Pending) {
                by_domain
                    .entry(domain_of(&s.address))
                    .or_default()
                    .push(s.address.clone());
            }
            let mut runs = JoinSet::new();
            for (domain, rcpts) in by_domain {
                let this = self.clone();
                let from = entry.mail_from.clone();
                let raw = raw.clone();
                runs.spawn(tracing::Instrument::instrument(
                    async move { this.deliver_domain(domain, rcpts, from, raw).await },
                    tracing::Span::current(),
                ));
            }
            while let Some(done) = runs.join_next().await {
                match done {
                    Ok((mut results, permit)) => {
                        attempts.append(&mut results);
                        permits.extend(permit);
                    }
                    Err(e) => tracing::error!(error = %e, "a delivery run failed"),
                }
            }
        }
        for a in &attempts {
            tracing::info!(rcpt = %a.recipient, status = ?a.status, result = %a.result, "delivery attempt");
        }
        let results = recipient_results(&attempts);
        let update = self.update_for(&entry, &states, attempts, &raw, now);
        let id = entry.id;
        let recorded = match self
            .store
            .write(move |tx| tx.queue_record(id, &update))
            .await
        {
            Ok(_) => {
                let metrics = crate::metrics::global();
                for (result, n) in results {
                    metrics.outbound(result, n);
                }
                true
            }
            Err(e) => {
                // Not recorded: the entry stays as it was and is tried again at the next scan.
                tracing::error!(error = %e, "cannot record the delivery results");
                false
            }
        };
        drop(permits);
        recorded
    }

    /// The store update for a run: results, next attempt, and the DSNs they call for.
    fn update_for(
        &self,
        entry: &QueuedMessage,
        states: &[crate::store::RcptState],
        attempts: Vec<AttemptRecord>,
        raw: &[u8],
        now: i64,
    ) -> QueueUpdate {
        let failed: Vec<DsnRecipient> = attempts
            .iter()
            .filter(|a| a.status == AttemptStatus::Permanent)
            .map(dsn_recipient)
            .collect();
        let settled: HashSet<&str> = attempts
            .iter()
            .filter(|a| a.status != AttemptStatus::Temporary)
            .map(|a| a.recipient.as_str())
            .collect();
        let delayed: Vec<DsnRecipient> = attempts
            .iter()
            .filter(|a| {
                a.status == AttemptStatus::Temporary && !settled.contains(a.recipient.as_str())
            })
            .map(dsn_recipient)
            .collect();
        let still_pending = states
            .iter()
            .any(|s| s.status == RcptStatus::Pending && !settled.contains(s.address.as_str()));
        let mut notices = Vec::new();
        let mut warned = false;
        // Never to the null sender: DSNs and other automatic mail must not bounce (RFC 3464 §2,
        // RFC 5321 §6.1), which also ends any loop since our DSNs are sent from `<>`.
        if !entry.mail_from.is_empty() {
            if !failed.is_empty() {
                notices.extend(self.notice(entry, DsnKind::Failed, &failed, raw, now));
            }
            let warn_at = entry
                .created
                .saturating_add(i64::try_from(self.config.delay_warning_after).unwrap_or(i64::MAX));
            if still_pending && !entry.warned && now >= warn_at && !delayed.is_empty() {
                notices.extend(self.notice(entry, DsnKind::Delayed, &delayed, raw, now));
                warned = true;
            }
        }
        let wait = backoff(
            entry.attempts,
            self.config.retry_initial,
            self.config.retry_max,
        );
        QueueUpdate {
            attempts,
            next_attempt: now.saturating_add(i64::try_from(wait).unwrap_or(i64::MAX)),
            warned,
            notices,
        }
    }

    /// A DSN to the entry's sender: into a local account's INBOX, or queued for a remote one.
    fn notice(
        &self,
        entry: &QueuedMessage,
        kind: DsnKind,
        recipients: &[DsnRecipient],
        raw: &[u8],
        now: i64,
    ) -> Option<QueueNotice> {
        let to = entry.mail_from.as_str();
        let retry_until = entry
            .created
            .saturating_add(i64::try_from(self.config.expire_after).unwrap_or(i64::MAX));
        let report = dsn::build(&DsnInput {
            kind,
            hostname: &self.hostname,
            queue_id: &entry.queue_id,
            to,
            arrival: entry.created,
            now,
            retry_until: Some(retry_until),
            recipients,
            original: raw,
        });
        let domain = domain_of(to);
        let local = self
            .store
            .read()
            .and_then(|r| Ok((r.domain(&domain)?.is_some(), r)));
        match local {
            Ok((true, r)) => {
                let address = to.to_ascii_lowercase();
                // A subaddress (`user+tag@`) reports to its account.
                let base = match address.split_once('@') {
                    Some((local, d)) => match local.split_once('+') {
                        Some((user, _)) => format!("{user}@{d}"),
                        None => address.clone(),
                    },
                    None => address.clone(),
                };
                match r
                    .account(&address)
                    .ok()
                    .flatten()
                    .or_else(|| r.account(&base).ok().flatten())
                {
                    Some(account) => Some(QueueNotice::Local {
                        account_id: account.id,
                        raw: report,
                    }),
                    None => {
                        tracing::warn!(sender = %to, "no local account for the sender; DSN dropped");
                        None
                    }
                }
            }
            Ok((false, _)) => Some(QueueNotice::Enqueue {
                queue_id: format!(
                    "{}.{}{}",
                    entry.queue_id,
                    match kind {
                        DsnKind::Failed => "bounce",
                        DsnKind::Delayed => "delay",
                    },
                    entry.attempts + 1
                ),
                to: to.to_string(),
                raw: report,
            }),
            Err(e) => {
                tracing::error!(error = %e, "cannot read the store; DSN queued for the sender");
                Some(QueueNotice::Enqueue {
                    queue_id: format!("{}.dsn{}", entry.queue_id, entry.attempts + 1),
                    to: to.to_string(),
                    raw: report,
                })
            }
        }
    }

    /// Delivers to the recipients of one domain: route, then hosts in order until one answers.
    async fn deliver_domain(
        self: Arc<Self>,
        domain: String,
        rcpts: Vec<String>,
        from: String,
        raw: Arc<Vec<u8>>,
    ) -> (Vec<AttemptRecord>, Option<OwnedSemaphorePermit>) {
        let semaphore = self.destination(&domain);
        let Ok(permit) = semaphore.acquire_owned().await else {
            let results = all(&rcpts, "4.3.0 delivery stopped", AttemptStatus::Temporary);
            return (results, None);
        };
        let results = self.deliver_routed(&domain, &rcpts, &from, &raw).await;
        (results, Some(permit))
    }

    async fn deliver_routed(
        &self,
        domain: &str,
        rcpts: &[String],
        from: &str,
        raw: &[u8],
    ) -> Vec<AttemptRecord> {
        if domain.is_empty() {
            return all(
                rcpts,
                "5.1.3 recipient address has no domain",
                AttemptStatus::Permanent,
            );
        }
        // An idle session to this destination first (connection reuse); QUIT, which the results
        // never wait for, is sent when it is dropped from the pool.
        while let Some(client) = self.take_pooled(domain) {
            let t = transaction(client, from, rcpts, raw, true).await;
            if let Some(results) = t.results {
                if let Some(client) = t.client {
                    self.park(domain, client);
                }
                return results;
            }
        }
        let routed = self.config.routes.contains_key(domain);
        let smart = self.config.smart_host.is_some() && !routed;
        let mut hops = match route::resolve(domain, &self.config, &self.dns, smart).await {
            Route::Permanent(reason) => return all(rcpts, &reason, AttemptStatus::Permanent),
            Route::Temporary(reason) => return all(rcpts, &reason, AttemptStatus::Temporary),
            Route::Hops(hops) => hops,
        };
        // MTA-STS (RFC 8461 §5) applies to MX delivery, not to routes the administrator set.
        let mut require_tls = None;
        if !routed
            && !smart
            && let Some(policy) = self.mta_sts.policy(domain, &self.dns).await
        {
            use super::mta_sts::Mode;
            let allowed = hops.iter().filter(|h| policy.allows(&h.name)).count();
            match policy.mode {
                Mode::Enforce => {
                    hops.retain(|h| policy.allows(&h.name));
                    if hops.is_empty() {
                        return all(
                            rcpts,
                            &format!("4.7.5 no MX host of {domain} matches its MTA-STS policy"),
                            AttemptStatus::Temporary,
                        );
                    }
                    require_tls = Some(self.mta_sts.verified());
                }
                Mode::Testing if allowed < hops.len() => {
                    tracing::warn!(%domain, "MX hosts outside the MTA-STS policy (testing mode; delivering)");
                }
                _ => {}
            }
        }
        let auth = match (
            smart,
            &self.config.smart_host_user,
            &self.config.smart_host_password,
        ) {
            (true, Some(u), Some(p)) => Some((u.as_str(), p.as_str())),
            _ => None,
        };
        let mut last_error = String::from("4.4.1 no host to connect to");
        for hop in &hops {
            for addr in &hop.addrs {
                let server_name = hop
                    .name
                    .parse::<std::net::IpAddr>()
                    .is_err()
                    .then_some(hop.name.as_str());
                let params = SessionParams {
                    helo: &self.hostname,
                    server_name,
                    timeout: Duration::from_secs(self.config.timeout.max(1)),
                    auth,
                    require_tls: require_tls.clone(),
                };
                match Client::connect(*addr, &params).await {
                    Ok(client) => {
                        let t = transaction(client, from, rcpts, raw, false).await;
                        if let Some(client) = t.client {
                            self.park(domain, client);
                        }
                        // A new session always decides (results are `None` only when reused).
                        return t.results.unwrap_or_else(|| {
                            all(rcpts, "4.4.2 session lost", AttemptStatus::Temporary)
                        });
                    }
                    Err(e) => {
                        tracing::debug!(host = %hop.name, %addr, error = %e, "cannot open a session");
                        last_error = match &e {
                            ClientError::Refused(r) => format!("{r} (from {} [{addr}])", hop.name),
                            _ => format!("4.4.1 {} [{addr}]: {e}", hop.name),
                        };
                    }
                }
            }
        }
        all(rcpts, &last_error, AttemptStatus::Temporary)
    }
}

fn all(rcpts: &[String], result: &str, status: AttemptStatus) -> Vec<AttemptRecord> {
    let time = now();
    rcpts
        .iter()
        .map(|r| AttemptRecord {
            time,
            recipient: r.clone(),
            result: result.to_string(),
            status,
        })
        .collect()
}

fn classify(reply: &super::client::Reply) -> AttemptStatus {
    if reply.is_positive() {
        AttemptStatus::Delivered
    } else if reply.is_permanent() {
        AttemptStatus::Permanent
    } else {
        AttemptStatus::Temporary
    }
}

/// One SMTP transaction: per-recipient replies to RCPT, then DATA for those accepted.
/// How a transaction ended: the results (`None`: a reused connection was found closed before
/// anything was decided, so the caller opens a new one) and the session when it can carry the
/// next message.
struct Transaction {
    results: Option<Vec<AttemptRecord>>,
    client: Option<Client>,
}

impl Transaction {
    fn done(results: Vec<AttemptRecord>) -> Transaction {
        Transaction {
            results: Some(results),
            client: None,
        }
    }
}

async fn transaction(
    mut client: Client,
    from: &str,
    rcpts: &[String],
    raw: &[u8],
    reused: bool,
) -> Transaction {
    let eight_bit = !raw.is_ascii();
    let utf8 = !from.is_ascii() || rcpts.iter().any(|r| !r.is_ascii());
    if let Err(e) = client.mail_from(from, raw.len(), eight_bit, utf8).await {
        if reused && !matches!(e, ClientError::Refused(_)) {
            // The server closed the idle session (RFC 5321 §4.5.3.2.7): not this message's fault.
            return Transaction {
                results: None,
                client: None,
            };
        }
        let status = if e.is_permanent() {
            AttemptStatus::Permanent
        } else {
            AttemptStatus::Temporary
        };
        client.quit().await;
        return Transaction::done(all(rcpts, &e.to_string(), status));
    }
    let mut out = Vec::with_capacity(rcpts.len());
    let mut accepted = Vec::new();
    for (i, rcpt) in rcpts.iter().enumerate() {
        match client.rcpt_to(rcpt).await {
            Ok(reply) if reply.is_positive() => accepted.push(rcpt.clone()),
            Ok(reply) => out.extend(all(
                std::slice::from_ref(rcpt),
                &reply.to_string(),
                classify(&reply),
            )),
            Err(e) => {
                // The session broke: everyone not yet refused is tried again later.
                let mut rest = accepted;
                rest.extend(rcpts.iter().skip(i).cloned());
                out.extend(all(&rest, &format!("4.4.2 {e}"), AttemptStatus::Temporary));
                return Transaction::done(out);
            }
        }
    }
    if accepted.is_empty() {
        client.quit().await;
        return Transaction::done(out);
    }
    match client.data(raw).await {
        Ok(reply) => {
            out.extend(all(&accepted, &reply.to_string(), classify(&reply)));
            // A completed transaction leaves the session ready for the next MAIL FROM
            // (RFC 5321 §3.3): the caller may keep it for the destination's next message.
            let client = if reply.code == 250 {
                Some(client)
            } else {
                tokio::spawn(client.quit());
                None
            };
            Transaction {
                results: Some(out),
                client,
            }
        }
        Err(e) => Transaction::done({
            out.extend(all(
                &accepted,
                &format!("4.4.2 {e}"),
                AttemptStatus::Temporary,
            ));
            out
        }),
    }
}

/// A recipient's DSN line from its attempt: a remote reply (`550 5.1.1 …`) or our own reason
/// (`5.1.10 …`).
fn dsn_recipient(a: &AttemptRecord) -> DsnRecipient {
    let code = a
        .result
        .get(..3)
        .filter(|c| c.bytes().all(|b| b.is_ascii_digit()) && a.result.get(3..4) == Some(" "))
        .and_then(|c| c.parse::<u16>().ok());
    match code {
        Some(code) => DsnRecipient {
            address: a.recipient.clone(),
            status: dsn::status_of(code, a.result.get(4..).unwrap_or("")),
            diagnostic: a.result.clone(),
            remote: true,
        },
        None => {
            let class = if a.status == AttemptStatus::Permanent {
                5
            } else {
                4
            };
            let first = a.result.split_whitespace().next().unwrap_or("");
            let status = dsn::status_of(class * 100, first);
            // Our own permanent reasons may carry a 4.x.x code (expiry: 4.4.7, RFC 3463).
            let status = if status.ends_with(".0.0")
                && first.starts_with("4.")
                && first.split('.').count() == 3
            {
                first.to_string()
            } else {
                status
            };
            DsnRecipient {
                address: a.recipient.clone(),
                status,
                diagnostic: a.result.clone(),
                remote: false,
            }
        }
    }
}

/// What a run did for each recipient, counted (`metrics`): delivered, bounced, or deferred when
/// its only answers were temporary (a recipient may have several attempts in a run, one per MX).
fn recipient_results(attempts: &[AttemptRecord]) -> [(OutboundResult, u64); 3] {
    let mut outcome: BTreeMap<&str, OutboundResult> = BTreeMap::new();
    for a in attempts {
        let result = match a.status {
            AttemptStatus::Delivered => OutboundResult::Delivered,
            AttemptStatus::Permanent => OutboundResult::Bounced,
            AttemptStatus::Temporary => OutboundResult::Deferred,
        };
        let slot = outcome
            .entry(a.recipient.as_str())
            .or_insert(OutboundResult::Deferred);
        if *slot == OutboundResult::Deferred {
            *slot = result;
        }
    }
    let count = |r| outcome.values().filter(|v| **v == r).count() as u64;
    [
        (OutboundResult::Delivered, count(OutboundResult::Delivered)),
        (OutboundResult::Deferred, count(OutboundResult::Deferred)),
        (OutboundResult::Bounced, count(OutboundResult::Bounced)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        assert_eq!(backoff(0, 60, 3600), 60);
        assert_eq!(backoff(1, 60, 3600), 120);
        assert_eq!(backoff(5, 60, 3600), 1920);
        assert_eq!(backoff(6, 60, 3600), 3600);
        assert_eq!(backoff(500, 60, 3600), 3600);
    }

    #[test]
    fn each_recipient_counts_once_per_run() {
        let a = |rcpt: &str, status| AttemptRecord {
            time: 0,
            recipient: rcpt.into(),
            result: String::new(),
            status,
        };
        let attempts = [
            // First MX answered 451, the second took it.
            a("a@example.com", AttemptStatus::Temporary),
            a("a@example.com", AttemptStatus::Delivered),
            a("b@example.com", AttemptStatus::Temporary),
            a("b@example.com", AttemptStatus::Temporary),
            a("c@example.com", AttemptStatus::Permanent),
            a("d@example.com", AttemptStatus::Delivered),
        ];
        assert_eq!(
            recipient_results(&attempts),
            [
                (OutboundResult::Delivered, 2),
                (OutboundResult::Deferred, 1),
                (OutboundResult::Bounced, 1),
            ]
        );
    }

    #[test]
    fn dsn_status_from_replies_and_reasons() {
        let a = |result: &str, status| AttemptRecord {
            time: 0,
            recipient: "x@example.com".into(),
            result: result.into(),
            status,
        };
        assert_eq!(
            dsn_recipient(&a("550 5.1.1 no such user", AttemptStatus::Permanent)).status,
            "5.1.1"
        );
        assert_eq!(
            dsn_recipient(&a("5.1.10 null MX", AttemptStatus::Permanent)).status,
            "5.1.10"
        );
        assert_eq!(
            dsn_recipient(&a("4.4.7 expired", AttemptStatus::Permanent)).status,
            "4.4.7"
        );
        assert_eq!(
            dsn_recipient(&a("451 try later", AttemptStatus::Temporary)).status,
            "4.0.0"
        );
    }
}
