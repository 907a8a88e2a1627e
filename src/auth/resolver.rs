//! The DNS resolver behind SPF, DKIM, DMARC and `doctor`: hickory's, as configured in `[dns]`.
//!
//! Caching is hickory's own (answers kept for their TTL, `cache_size` entries); timeouts and
//! attempts are per nameserver. A lookup that fails for any reason other than "no such record"
//! surfaces as a temporary error, which the caller turns into `451 4.4.3`.

use std::time::Duration;

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
    // Names in mail are absolute: never try them under a local search domain.
    opts.ndots = 0;
    // A truncated or failed UDP answer is retried over TCP (large TXT records: DKIM keys).
    opts.try_tcp_on_error = true;
    MessageAuthenticator::new(resolver_config, opts)
        .map_err(|e| AuthError::Config(format!("cannot set up the DNS resolver: {e}")))
}
