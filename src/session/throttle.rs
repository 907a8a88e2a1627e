//! The authentication throttle, one instance shared by every listener (SMTP submission, IMAP,
//! ManageSieve): failed logins cost the client a growing delay, then a temporary ban.
//!
//! Two keys are counted, each over a fixed window:
//! - the client address (IPv6 by /64, since one host commonly owns a whole /64): after each
//!   failure the reply waits `base_delay · 2^(n-1)` (capped); after `ip_ban_after` failures the
//!   address is banned for `ban_secs`, and its logins are refused at once, without hashing;
//! - the account name as typed (whether or not it exists, so the throttle reveals nothing): the
//!   same growing delay on failures, and after `account_ban_after` failures from any addresses the
//!   account is closed for `ban_secs` — but only to addresses that have not logged in to it
//!   successfully lately. So an attacker spread over many addresses cannot keep guessing one
//!   account, yet cannot lock its owner out either: the owner's usual addresses still get in at
//!   once. (A new address of the owner must wait out the ban; that is the price.)
//!
//! A correct password is never delayed; only failures wait before their reply. Both maps are
//! capped at `max_tracked` entries: expired ones are pruned first, then the least recently seen.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::AuthThrottleConfig;

/// How long a successful login keeps an address "familiar" to an account.
const FAMILIAR_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// Familiar addresses remembered per account.
const FAMILIAR_MAX: usize = 8;

/// The verdict before a login attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go on and check the password.
    Proceed,
    /// Refuse now, without checking anything.
    Banned {
        scope: BanScope,
        retry_after: Duration,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BanScope {
    Address,
    Account,
}

/// The key of a client: IPv4 address, or the /64 of an IPv6 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct IpKey(IpAddr);

impl IpKey {
    fn new(ip: IpAddr) -> IpKey {
        match ip {
            IpAddr::V4(_) => IpKey(ip),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpKey(IpAddr::V4(v4)),
                None => {
                    let bits = u128::from(v6) & !((1u128 << 64) - 1);
                    IpKey(IpAddr::V6(bits.into()))
                }
            },
        }
    }
}

/// Failures of one key in the current window.
#[derive(Debug, Clone)]
struct Counter {
    failures: u32,
    window_start: Instant,
    banned_until: Option<Instant>,
    last_seen: Instant,
}

impl Counter {
    fn new(now: Instant) -> Counter {
        Counter {
            failures: 0,
            window_start: now,
            banned_until: None,
            last_seen: now,
        }
    }

    /// Starts a new window when the ban or the window is over.
    fn roll(&mut self, now: Instant, window: Duration) {
        let ban_over = self.banned_until.is_some_and(|until| now >= until);
        if ban_over || (self.banned_until.is_none() && now >= self.window_start + window) {
            *self = Counter::new(now);
        }
    }

    fn ban_left(&self, now: Instant) -> Option<Duration> {
        self.banned_until
            .and_then(|until| until.checked_duration_since(now))
            .filter(|d| !d.is_zero())
    }

    /// Still worth keeping: banned, or failures in an open window.
    fn active(&self, now: Instant, window: Duration) -> bool {
        self.ban_left(now).is_some() || (self.failures > 0 && now < self.window_start + window)
    }
}

#[derive(Debug, Clone)]
struct AccountEntry {
    counter: Counter,
    /// Addresses that logged in successfully, with when.
    familiar: Vec<(IpKey, Instant)>,
}

impl AccountEntry {
    fn is_familiar(&self, ip: IpKey, now: Instant) -> bool {
        self.familiar
            .iter()
            .any(|(k, t)| *k == ip && now.duration_since(*t) < FAMILIAR_FOR)
    }
}

#[derive(Default)]
struct State {
    ips: HashMap<IpKey, Counter>,
    /// Keyed by a keyed hash of the lower-cased name: fixed size whatever the client typed.
    accounts: HashMap<u64, AccountEntry>,
}

pub struct AuthThrottle {
    config: AuthThrottleConfig,
    hasher: std::collections::hash_map::RandomState,
    state: Mutex<State>,
}

impl AuthThrottle {
    pub fn new(config: AuthThrottleConfig) -> AuthThrottle {
        AuthThrottle {
            config,
            hasher: Default::default(),
            state: Mutex::new(State::default()),
        }
    }

    pub fn config(&self) -> &AuthThrottleConfig {
        &self.config
    }

    fn window(&self) -> Duration {
        Duration::from_secs(self.config.window_secs)
    }

    fn exempt(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        self.config.exempt.iter().any(|net| net.contains(&ip))
    }

    fn account_key(&self, account: &str) -> u64 {
        self.hasher.hash_one(account.trim().to_lowercase())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves counters, not invariants: go on.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Before checking a password: is this client or account banned?
    pub fn check(&self, ip: IpAddr, account: &str) -> Verdict {
        self.check_at(ip, account, Instant::now())
    }

    fn check_at(&self, ip: IpAddr, account: &str, now: Instant) -> Verdict {
        if !self.config.enabled {
            return Verdict::Proceed;
        }
        let window = self.window();
        let key = IpKey::new(ip);
        let account_key = self.account_key(account);
        let mut state = self.lock();
        if !self.exempt(ip)
            && let Some(c) = state.ips.get_mut(&key)
        {
            c.roll(now, window);
            if let Some(left) = c.ban_left(now) {
                return Verdict::Banned {
                    scope: BanScope::Address,
                    retry_after: left,
                };
            }
        }
        if let Some(a) = state.accounts.get_mut(&account_key) {
            a.counter.roll(now, window);
            if let Some(left) = a.counter.ban_left(now)
                && !a.is_familiar(key, now)
            {
                return Verdict::Banned {
                    scope: BanScope::Account,
                    retry_after: left,
                };
            }
        }
        Verdict::Proceed
    }

    /// After a wrong password: counts it and returns how long to wait before replying.
    pub fn failure(&self, ip: IpAddr, account: &str) -> Duration {
        self.failure_at(ip, account, Instant::now())
    }

    fn failure_at(&self, ip: IpAddr, account: &str, now: Instant) -> Duration {
        if !self.config.enabled {
            return Duration::ZERO;
        }
        let window = self.window();
        let ban = Duration::from_secs(self.config.ban_secs);
        let max = self.config.max_tracked.max(1);
        let key = IpKey::new(ip);
        let account_key = self.account_key(account);
        let mut state = self.lock();
        let mut failures = 0;
        if !self.exempt(ip) {
            if !state.ips.contains_key(&key) && state.ips.len() >= max {
                prune(
                    &mut state.ips,
                    max,
                    now,
                    |c| c.active(now, window),
                    |c| c.last_seen,
                );
            }
            let c = state.ips.entry(key).or_insert_with(|| Counter::new(now));
            c.roll(now, window);
            c.last_seen = now;
            if c.banned_until.is_none() {
                c.failures = c.failures.saturating_add(1);
                if c.failures >= self.config.ip_ban_after.max(1) {
                    c.banned_until = Some(now + ban);
                    tracing::warn!(
                        client = %key.0,
                        failures = c.failures,
                        ban_secs = self.config.ban_secs,
                        "authentication: client address banned after repeated failed logins"
                    );
                }
            }
            failures = c.failures;
        }
        let a = account_entry(&mut state.accounts, account_key, max, now, window);
        a.counter.roll(now, window);
        a.counter.last_seen = now;
        if a.counter.banned_until.is_none() {
            a.counter.failures = a.counter.failures.saturating_add(1);
            if a.counter.failures >= self.config.account_ban_after.max(1) {
                a.counter.banned_until = Some(now + ban);
                tracing::warn!(
                    account = %crate::session::throttle::printable(account),
                    failures = a.counter.failures,
                    ban_secs = self.config.ban_secs,
                    "authentication: account closed to unfamiliar addresses after repeated failed logins"
                );
            }
        }
        self.delay(failures.max(a.counter.failures))
    }

    /// After a correct password: remembers the address as familiar to the account. Failure
    /// counts are left alone (a valid login of one account must not reset a guesser's count).
    pub fn success(&self, ip: IpAddr, account: &str) {
        self.success_at(ip, account, Instant::now())
    }

    fn success_at(&self, ip: IpAddr, account: &str, now: Instant) {
        if !self.config.enabled {
            return;
        }
        let window = self.window();
        let max = self.config.max_tracked.max(1);
        let key = IpKey::new(ip);
        let account_key = self.account_key(account);
        let mut state = self.lock();
        let a = account_entry(&mut state.accounts, account_key, max, now, window);
        a.counter.last_seen = now;
        a.familiar
            .retain(|(k, t)| *k != key && now.duration_since(*t) < FAMILIAR_FOR);
        if a.familiar.len() >= FAMILIAR_MAX {
            a.familiar.remove(0);
        }
        a.familiar.push((key, now));
    }

    /// `base · 2^(n-1)`, capped; nothing before the first failure.
    fn delay(&self, failures: u32) -> Duration {
        if failures == 0 {
            return Duration::ZERO;
        }
        let factor = 1u64 << (failures - 1).min(20);
        Duration::from_millis(
            self.config
                .base_delay_ms
                .saturating_mul(factor)
                .min(self.config.max_delay_ms),
        )
    }

    #[cfg(test)]
    fn tracked(&self) -> (usize, usize) {
        let state = self.lock();
        (state.ips.len(), state.accounts.len())
    }
}

/// The account's entry, made (room made first when the map is full) if it is new.
fn account_entry(
    accounts: &mut HashMap<u64, AccountEntry>,
    key: u64,
    max: usize,
    now: Instant,
    window: Duration,
) -> &mut AccountEntry {
    if !accounts.contains_key(&key) && accounts.len() >= max {
        prune(
            accounts,
            max,
            now,
            |a| a.counter.active(now, window) || !a.familiar.is_empty(),
            |a| a.counter.last_seen,
        );
    }
    accounts.entry(key).or_insert_with(|| AccountEntry {
        counter: Counter::new(now),
        familiar: Vec::new(),
    })
}

/// Makes room in a full map: drops what is no longer active, then the least recently seen
/// quarter. Rare (only when full), so a linear pass is fine.
fn prune<K: Clone + Eq + std::hash::Hash, V>(
    map: &mut HashMap<K, V>,
    max: usize,
    _now: Instant,
    active: impl Fn(&V) -> bool,
    last_seen: impl Fn(&V) -> Instant,
) {
    map.retain(|_, v| active(v));
    if map.len() >= max {
        let mut ages: Vec<(Instant, K)> =
            map.iter().map(|(k, v)| (last_seen(v), k.clone())).collect();
        ages.sort_by_key(|(t, _)| *t);
        let drop = map.len() - max * 3 / 4;
        for (_, k) in ages.into_iter().take(drop) {
            map.remove(&k);
        }
    }
}

/// A client-typed name for a log line: bounded, control characters replaced.
pub fn printable(name: &str) -> String {
    name.chars()
        .take(100)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> AuthThrottleConfig {
        AuthThrottleConfig {
            base_delay_ms: 100,
            max_delay_ms: 1000,
            ip_ban_after: 5,
            account_ban_after: 8,
            window_secs: 60,
            ban_secs: 120,
            max_tracked: 100,
            ..AuthThrottleConfig::default()
        }
    }

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn delay_grows_then_address_is_banned() {
        let t = AuthThrottle::new(config());
        let now = Instant::now();
        let delays: Vec<u64> = (0..4)
            .map(|_| t.failure_at(A, "alice@x", now).as_millis() as u64)
            .collect();
        assert_eq!(delays, [100, 200, 400, 800]);
        assert_eq!(t.check_at(A, "alice@x", now), Verdict::Proceed);
        assert_eq!(t.failure_at(A, "alice@x", now).as_millis(), 1000);
        assert!(matches!(
            t.check_at(A, "bob@x", now),
            Verdict::Banned {
                scope: BanScope::Address,
                ..
            }
        ));
        // Another address is not concerned; the ban ends and a new window starts.
        assert_eq!(t.check_at(B, "alice@x", now), Verdict::Proceed);
        let later = now + Duration::from_secs(121);
        assert_eq!(t.check_at(A, "alice@x", later), Verdict::Proceed);
        assert_eq!(t.failure_at(A, "alice@x", later).as_millis(), 100);
    }

    #[test]
    fn account_ban_spares_familiar_addresses() {
        let t = AuthThrottle::new(config());
        let now = Instant::now();
        t.success_at(B, "Alice@x", now);
        for i in 0..8u8 {
            let ip = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, i));
            t.failure_at(ip, "alice@x", now);
        }
        let stranger = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 9));
        assert!(matches!(
            t.check_at(stranger, "ALICE@x", now),
            Verdict::Banned {
                scope: BanScope::Account,
                ..
            }
        ));
        assert_eq!(t.check_at(B, "alice@x", now), Verdict::Proceed);
        assert_eq!(t.check_at(stranger, "carol@x", now), Verdict::Proceed);
    }

    #[test]
    fn ipv6_counts_by_prefix_and_exemptions_apply() {
        let t = AuthThrottle::new(AuthThrottleConfig {
            exempt: vec!["192.0.2.0/24".parse().unwrap()],
            ..config()
        });
        let now = Instant::now();
        for i in 0..5u16 {
            let ip: IpAddr = format!("2001:db8::{i}").parse().unwrap();
            t.failure_at(ip, &format!("u{i}@x"), now);
        }
        let same_64: IpAddr = "2001:db8::ffff".parse().unwrap();
        assert!(matches!(
            t.check_at(same_64, "z@x", now),
            Verdict::Banned { .. }
        ));
        for _ in 0..6 {
            t.failure_at(A, &format!("{}@x", rand::random::<u32>()), now);
        }
        assert_eq!(t.check_at(A, "new@x", now), Verdict::Proceed);
    }

    #[test]
    fn maps_stay_bounded() {
        let t = AuthThrottle::new(config());
        let now = Instant::now();
        for i in 0..5000u32 {
            let ip = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            t.failure_at(ip, &format!("user{i}@x"), now);
        }
        let (ips, accounts) = t.tracked();
        assert!(ips <= 100 && accounts <= 100, "{ips} {accounts}");
    }
}
