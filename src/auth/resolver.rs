//! The DNS resolver behind SPF, DKIM, DMARC and `doctor`: hickory's, as configured in `[dns]`.
//!
//! Caching is hickory's own (answers kept for their TTL, `cache_size` entries), negative answers
//! included (RFC 2308 §5: for the SOA's MINIMUM / TTL, within the bounds below); timeouts and
//! attempts are per nameserver. A lookup that fails for any reason other than "no such record"
//! surfaces as a temporary error, which the caller turns into `451 4.4.3`.

use std::time::Duration;

/// Negative answers (NXDOMAIN, NODATA) are kept at most this long whatever their SOA says:
/// RFC 2308 §5 finds one to three hours sensible and a day problematic (BIND's `max-ncache-ttl`
/// is 3 h too), and it keeps a record published after a long negative TTL from staying unseen.
const NEGATIVE_MAX_TTL: Duration = Duration::from_secs(3 * 3600);

/// ...and at least this long. A negative answer without an SOA (a broken or misconfigured
/// server: RFC 2308 §3 requires the SOA) SHOULD NOT be cached (§5), and hickory would ask again
/// for every message: under load a sender whose DNS omits the SOA then costs a round trip per
/// lookup per message (three per message for SPF and DMARC's tree walk) at thousands of
/// messages a second. A two-second floor, as MTAs under load do, turns that into one query per
/// name every two seconds while a record published meanwhile is still seen within two seconds;
/// it also applies to an SOA that says 0.
const NEGATIVE_MIN_TTL: Duration = Duration::from_secs(2);

use mail_auth::MessageAuthenticator;
use mail_auth::hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts,
};
use mail_auth::hickory_resolver::system_conf::read_system_conf;

use super::AuthError;
use crate::config::DnsConfig;

pub fn authenticator(config: &DnsConfig) -> Result<MessageAuthenticator, AuthError> {
    let addrs = config.nameserver_addrs().map_err(AuthError::Config)?;
    let (resolver_config, mut opts) = if addrs.is_empty() {
        match read_system_conf() {
            Ok(conf) => conf,
            // The server still starts: every lookup then fails, so inbound mail that needs
            // checking is tempfailed (never passed) until DNS is configured.
            Err(e) => {
                tracing::error!(error = %e, "cannot read the system's DNS configuration; set [dns] nameservers");
                (
                    ResolverConfig::from_name_servers(Vec::new()),
                    ResolverOpts::default(),
                )
            }
        }
    } else {
        let servers = addrs
            .iter()
            .map(|addr| {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                NameServerConfig::new(addr.ip(), true, vec![udp, tcp])
            })
            .collect();
        (
            ResolverConfig::from_name_servers(servers),
            ResolverOpts::default(),
        )
    };
    opts.timeout = Duration::from_millis(config.timeout_ms);
    opts.attempts = config.attempts;
    opts.cache_size = config.cache_size;
    opts.negative_min_ttl = Some(NEGATIVE_MIN_TTL);
    opts.negative_max_ttl = Some(NEGATIVE_MAX_TTL);
    // Names in mail are absolute: never try them under a local search domain.
    opts.ndots = 0;
    // A truncated or failed UDP answer is retried over TCP (large TXT records: DKIM keys).
    opts.try_tcp_on_error = true;
    MessageAuthenticator::new(resolver_config, opts)
        .map_err(|e| AuthError::Config(format!("cannot set up the DNS resolver: {e}")))
}
