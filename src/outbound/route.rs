//! Where mail for a domain goes: a configured route, the smart host, or the domain's MX hosts
//! (RFC 5321 §5.1) through the configured resolver.

use std::net::{IpAddr, SocketAddr};

use mail_auth::MessageAuthenticator;

use crate::config::OutboundConfig;

/// One host to try, with its addresses in the order to try them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    /// The host name (for SNI and logs); an IP literal when configured so.
    pub name: String,
    pub addrs: Vec<SocketAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Hops(Vec<Hop>),
    /// The domain cannot receive mail: its recipients fail at once, with this reason.
    Permanent(String),
    /// DNS could not answer now: retry later.
    Temporary(String),
}

/// Most MX hosts tried per attempt: a hostile zone must not make one attempt endless.
const MAX_HOPS: usize = 8;

pub async fn resolve(
    domain: &str,
    config: &OutboundConfig,
    dns: &MessageAuthenticator,
    smart_host: bool,
) -> Route {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    if let Some(target) = config.routes.get(&domain) {
        return static_hop(target, dns).await;
    }
    if smart_host && let Some(target) = &config.smart_host {
        return static_hop(target, dns).await;
    }
    let mx = match dns
        .mx_lookup(
            domain.as_str(),
            None::<&mail_auth::common::cache::NoCache<_, _>>,
        )
        .await
    {
        Ok(set) => set.rrset,
        Err(mail_auth::Error::Dns(mail_auth::DnsError::RecordNotFound(
            mail_auth::hickory_resolver::proto::op::ResponseCode::NXDomain,
        ))) => {
            return Route::Permanent(format!("5.1.2 domain {domain} does not exist"));
        }
        Err(mail_auth::Error::Dns(mail_auth::DnsError::RecordNotFound(_))) => {
            // RFC 5321 §5.1: no MX records, the domain itself is the implicit MX.
            return match host_addrs(&domain, 25, dns).await {
                Ok(addrs) if addrs.is_empty() => {
                    Route::Permanent(format!("5.1.2 domain {domain} has no mail server"))
                }
                Ok(addrs) => Route::Hops(vec![Hop {
                    name: domain.clone(),
                    addrs,
                }]),
                Err(e) => Route::Temporary(e),
            };
        }
        Err(e) => return Route::Temporary(format!("4.4.3 MX lookup for {domain}: {e}")),
    };
    // RFC 7505 §3: a single MX of "." says the domain accepts no mail.
    let names: Vec<(u16, String)> = mx
        .iter()
        .flat_map(|m| {
            m.exchanges
                .iter()
                .map(move |e| (m.preference, e.to_string()))
        })
        .collect();
    if names.iter().any(|(_, e)| e.is_empty() || e == ".") {
        return Route::Permanent(format!(
            "5.1.10 domain {domain} accepts no mail (null MX, RFC 7505)"
        ));
    }
    let mut hops = Vec::new();
    let mut last_error = None;
    for (_, name) in names.into_iter().take(MAX_HOPS) {
        match host_addrs(&name, 25, dns).await {
            Ok(addrs) if !addrs.is_empty() => hops.push(Hop {
                name: name.trim_end_matches('.').to_string(),
                addrs,
            }),
            Ok(_) => {}
            Err(e) => last_error = Some(e),
        }
    }
    if hops.is_empty() {
        return Route::Temporary(
            last_error.unwrap_or_else(|| format!("4.4.4 no address for the MX hosts of {domain}")),
        );
    }
    Route::Hops(hops)
}

/// `host:port` (or `host`, port 25) from the configuration.
async fn static_hop(target: &str, dns: &MessageAuthenticator) -> Route {
    if let Ok(addr) = target.parse::<SocketAddr>() {
        return Route::Hops(vec![Hop {
            name: addr.ip().to_string(),
            addrs: vec![addr],
        }]);
    }
    let (host, port) = match target.rsplit_once(':') {
        Some((h, p)) => match p.parse::<u16>() {
            Ok(p) => (h, p),
            Err(_) => return Route::Temporary(format!("4.3.5 bad route `{target}`")),
        },
        None => (target, 25),
    };
    if let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
        return Route::Hops(vec![Hop {
            name: ip.to_string(),
            addrs: vec![SocketAddr::new(ip, port)],
        }]);
    }
    match host_addrs(host, port, dns).await {
        Ok(addrs) if !addrs.is_empty() => Route::Hops(vec![Hop {
            name: host.to_string(),
            addrs,
        }]),
        Ok(_) => Route::Temporary(format!("4.4.4 no address for {host}")),
        Err(e) => Route::Temporary(e),
    }
}

/// A host's IPv6 and IPv4 addresses (both families tried; RFC 5321 §5.2). Empty when the name
/// has none; an error when DNS failed.
pub(crate) async fn host_addrs(
    host: &str,
    port: u16,
    dns: &MessageAuthenticator,
) -> Result<Vec<SocketAddr>, String> {
    let no_cache4 = None::<&mail_auth::common::cache::NoCache<_, _>>;
    let no_cache6 = None::<&mail_auth::common::cache::NoCache<_, _>>;
    let v4 = dns.ipv4_lookup(host, no_cache4).await;
    let v6 = dns.ipv6_lookup(host, no_cache6).await;
    let mut out = Vec::new();
    let mut failed = None;
    match v6 {
        Ok(set) => out.extend(
            set.rrset
                .iter()
                .map(|ip| SocketAddr::new((*ip).into(), port)),
        ),
        Err(mail_auth::Error::Dns(mail_auth::DnsError::RecordNotFound(_))) => {}
        Err(e) => failed = Some(format!("4.4.3 address lookup for {host}: {e}")),
    }
    match v4 {
        Ok(set) => out.extend(
            set.rrset
                .iter()
                .map(|ip| SocketAddr::new((*ip).into(), port)),
        ),
        Err(mail_auth::Error::Dns(mail_auth::DnsError::RecordNotFound(_))) => {}
        Err(e) => failed = Some(format!("4.4.3 address lookup for {host}: {e}")),
    }
    match (out.is_empty(), failed) {
        (true, Some(e)) => Err(e),
        _ => Ok(out),
    }
}
