//! DNS reputation lists, without the DNS: which names to look up for a message and what the
//! answers are worth. Two kinds of list:
//!
//! * **DNSBL** (RFC 5782 §2.1): the client's IP address, reversed — IPv4 octets
//!   (`192.0.2.99` → `99.2.0.192.ZONE`), IPv6 nibbles (§2.4) — under the list's zone;
//! * **URIBL / SURBL style** (RFC 5782 §2.2): the registered domain of each link host
//!   (`http://www.shop.example.com/x` → `example.com.ZONE`), or a link's reversed IPv4 address.
//!
//! A listed name answers A records in 127.0.0.0/8 (RFC 5782 §2.3); multi-lists encode several
//! lists in the last octet as a bitmask. Answers of 127.255.255.x are the list refusing the query
//! (e.g. through a public resolver), and any answer outside 127/8 is a resolver that rewrites
//! NXDOMAIN: neither ever counts.
//!
//! Lists are configured as `ZONE[=CODE|&MASK][:WEIGHT]`, comma-separated, e.g.
//! `zen.example:3.0, zen.example=127.0.0.10:1.0, multi.example&8:2.5`. Several entries may share
//! a zone (one query, each entry scored); each entry counts once per message however many of its
//! names are listed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Which part of a message an entry checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dnsbl,
    Uribl,
}

/// Which answers an entry counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// Any answer in 127.0.0.0/8 (except the 127.255.255.x refusals).
    Any,
    /// This exact answer.
    Exact(Ipv4Addr),
    /// An answer whose last octet has any of these bits.
    Mask(u8),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub filter: Filter,
    pub weight: f64,
    /// `DNSBL_ZEN_EXAMPLE`, `URIBL_MULTI_EXAMPLE_8`, … for the explanation.
    pub rule: String,
}

/// One zone and what its answers are worth.
#[derive(Debug, Clone, PartialEq)]
pub struct List {
    pub kind: Kind,
    pub zone: String,
    pub entries: Vec<Entry>,
}

/// Default weight of an entry without `:WEIGHT`.
pub const DEFAULT_WEIGHT: f64 = 1.0;
/// Default most link domains checked per message (`uribl_max_domains`).
pub const DEFAULT_MAX_DOMAINS: usize = 8;
/// Most entries parsed from a setting: more is a configuration error, not a plan.
const MAX_ENTRIES: usize = 32;

/// Domains whose links say nothing about a message (everyone links them): never looked up, so
/// that the budget goes to the links that matter.
const COMMON_DOMAINS: &[&str] = &[
    "google.com",
    "gmail.com",
    "youtube.com",
    "facebook.com",
    "instagram.com",
    "twitter.com",
    "x.com",
    "linkedin.com",
    "microsoft.com",
    "outlook.com",
    "apple.com",
    "icloud.com",
    "amazon.com",
    "wikipedia.org",
    "w3.org",
    "schema.org",
    "github.com",
    "mozilla.org",
];

/// The reputation settings, from the plugin's config keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub lists: Vec<List>,
    /// Most link domains looked up per message.
    pub max_domains: usize,
    /// Also check private, loopback and link-local client addresses (tests).
    pub check_private: bool,
    /// Registered domains never looked up (besides [`COMMON_DOMAINS`]).
    pub skip: Vec<String>,
}

impl Settings {
    /// Reads `dnsbl`, `uribl`, `uribl_max_domains`, `uribl_skip` and `dnsbl_private` through
    /// `get`. Returns the settings and one message per unusable entry.
    pub fn from_config(get: impl Fn(&str) -> Option<String>) -> (Settings, Vec<String>) {
        let mut errors = Vec::new();
        let mut lists = Vec::new();
        for (key, kind) in [("dnsbl", Kind::Dnsbl), ("uribl", Kind::Uribl)] {
            if let Some(spec) = get(key) {
                let (l, e) = parse_lists(&spec, kind);
                lists.extend(l);
                errors.extend(e.into_iter().map(|e| format!("{key}: {e}")));
            }
        }
        let max_domains = match get("uribl_max_domains") {
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) => n.min(100),
                Err(_) => {
                    errors.push(format!("uribl_max_domains: {v:?} is not a number"));
                    DEFAULT_MAX_DOMAINS
                }
            },
            None => DEFAULT_MAX_DOMAINS,
        };
        let check_private = get("dnsbl_private").is_some_and(|v| v.trim() == "true");
        let skip = get("uribl_skip")
            .map(|v| {
                v.split([',', ' '])
                    .map(|d| d.trim().trim_end_matches('.').to_ascii_lowercase())
                    .filter(|d| !d.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        (
            Settings {
                lists,
                max_domains,
                check_private,
                skip,
            },
            errors,
        )
    }

    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }
}

/// Parses `ZONE[=CODE|&MASK][:WEIGHT], …`; entries of one zone are grouped into one list.
pub fn parse_lists(spec: &str, kind: Kind) -> (Vec<List>, Vec<String>) {
    let mut lists: Vec<List> = Vec::new();
    let mut errors = Vec::new();
    for item in spec
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .take(MAX_ENTRIES)
    {
        match parse_entry(item, kind) {
            Ok((zone, entry)) => match lists.iter_mut().find(|l| l.zone == zone) {
                Some(l) => l.entries.push(entry),
                None => lists.push(List {
                    kind,
                    zone,
                    entries: vec![entry],
                }),
            },
            Err(e) => errors.push(format!("{item:?}: {e}")),
        }
    }
    (lists, errors)
}

fn parse_entry(item: &str, kind: Kind) -> Result<(String, Entry), String> {
    let (rest, weight) = match item.rsplit_once(':') {
        Some((r, w)) => {
            let w: f64 = w
                .trim()
                .parse()
                .map_err(|_| format!("weight {w:?} is not a number"))?;
            if !w.is_finite() || w.abs() > 100.0 {
                return Err("weight must be between -100 and 100".into());
            }
            (r.trim(), w)
        }
        None => (item, DEFAULT_WEIGHT),
    };
    let (zone, filter, suffix) = if let Some((z, code)) = rest.split_once('=') {
        let ip: Ipv4Addr = code
            .trim()
            .parse()
            .map_err(|_| format!("{code:?} is not an IPv4 answer such as 127.0.0.2"))?;
        (z, Filter::Exact(ip), format!("_{}", ip.octets()[3]))
    } else if let Some((z, mask)) = rest.split_once('&') {
        let m: u8 = mask
            .trim()
            .parse()
            .ok()
            .filter(|m| *m > 0)
            .ok_or_else(|| format!("mask {mask:?} is not a number from 1 to 255"))?;
        (z, Filter::Mask(m), format!("_M{m}"))
    } else {
        (rest, Filter::Any, String::new())
    };
    let zone = zone.trim().trim_end_matches('.').to_ascii_lowercase();
    if !valid_host(&zone) {
        return Err(format!("{zone:?} is not a DNS zone"));
    }
    let prefix = match kind {
        Kind::Dnsbl => "DNSBL",
        Kind::Uribl => "URIBL",
    };
    let rule = format!(
        "{prefix}_{}{suffix}",
        zone.to_ascii_uppercase().replace(['.', '-'], "_")
    );
    Ok((
        zone,
        Entry {
            filter,
            weight,
            rule,
        },
    ))
}

/// One name to look up and the list it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The full name: `2.0.0.127.zen.example`.
    pub name: String,
    /// Index into [`Settings::lists`].
    pub list: usize,
    /// What was checked: the client IP or the link domain, for the explanation.
    pub subject: String,
}

/// The names to look up for a message, most useful first: every DNSBL for the client, then each
/// link domain (first seen first) on every URIBL. The plugin host's budget may cut the tail.
pub fn plan(
    settings: &Settings,
    client_ip: &str,
    text: Option<&str>,
    html: Option<&str>,
) -> Vec<Query> {
    let mut out = Vec::new();
    let dnsbls: Vec<usize> = indices(settings, Kind::Dnsbl);
    let client = client_ip.trim().parse::<IpAddr>().ok().map(canonical);
    if let Some(ip) = client.filter(|ip| settings.check_private || public(*ip)) {
        let reversed = reverse(ip);
        for i in dnsbls {
            out.push(Query {
                name: format!("{reversed}.{}", settings.lists[i].zone),
                list: i,
                subject: ip.to_string(),
            });
        }
    }
    let uribls: Vec<usize> = indices(settings, Kind::Uribl);
    if !uribls.is_empty() {
        for target in link_targets(text, html, settings) {
            for &i in &uribls {
                out.push(Query {
                    name: format!("{}.{}", target.label, settings.lists[i].zone),
                    list: i,
                    subject: target.shown.clone(),
                });
            }
        }
    }
    out
}

fn indices(settings: &Settings, kind: Kind) -> Vec<usize> {
    (0..settings.lists.len())
        .filter(|&i| settings.lists[i].kind == kind)
        .collect()
}

/// What the answers add up to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub score: f64,
    /// Rule names of the entries that hit, in configuration order.
    pub rules: Vec<String>,
    /// The same with their weights.
    pub hits: Vec<(String, f64)>,
    /// `dnsbl` and/or `uribl`.
    pub tags: Vec<String>,
    /// `RULE (subject)` for the log.
    pub details: Vec<String>,
    /// Zones that refused a query (127.255.255.x): the resolver is not allowed to use them.
    pub refused: Vec<String>,
}

/// Scores `answers` (the A records of each query, `None` when the lookup failed).
pub fn score(settings: &Settings, queries: &[Query], answers: &[Option<Vec<Ipv4Addr>>]) -> Outcome {
    let mut out = Outcome::default();
    // (list, entry) hits, each once.
    let mut hit: Vec<(usize, usize, String)> = Vec::new();
    for (q, answer) in queries.iter().zip(answers) {
        let Some(list) = settings.lists.get(q.list) else {
            continue;
        };
        for a in answer.iter().flatten() {
            let [first, second, third, last] = a.octets();
            if first != 127 {
                continue;
            }
            if (second, third) == (255, 255) {
                if !out.refused.contains(&list.zone) {
                    out.refused.push(list.zone.clone());
                }
                continue;
            }
            for (e, entry) in list.entries.iter().enumerate() {
                let matches = match entry.filter {
                    Filter::Any => true,
                    Filter::Exact(ip) => ip == *a,
                    Filter::Mask(m) => last & m != 0,
                };
                if matches && !hit.iter().any(|(l, x, _)| (*l, *x) == (q.list, e)) {
                    hit.push((q.list, e, q.subject.clone()));
                }
            }
        }
    }
    hit.sort_by_key(|(l, e, _)| (*l, *e));
    for (l, e, subject) in hit {
        let list = &settings.lists[l];
        let entry = &list.entries[e];
        out.score += entry.weight;
        out.rules.push(entry.rule.clone());
        out.hits.push((entry.rule.clone(), entry.weight));
        out.details.push(format!("{} ({subject})", entry.rule));
        let tag = match list.kind {
            Kind::Dnsbl => "dnsbl",
            Kind::Uribl => "uribl",
        };
        if !out.tags.iter().any(|t| t == tag) {
            out.tags.push(tag.to_string());
        }
    }
    out.score = (out.score * 10.0).round() / 10.0;
    out
}

/// IPv4-mapped IPv6 addresses are IPv4 for lists.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// Whether an address is on the public internet (lists know nothing of the others).
fn public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                // Shared address space (RFC 6598).
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // Unique local fc00::/7 and link-local fe80::/10.
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// The reversed form of an address: octets for IPv4, nibbles for IPv6 (RFC 5782 §2.1, §2.4).
pub fn reverse(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => reverse_v4(v4),
        IpAddr::V6(v6) => reverse_v6(v6),
    }
}

fn reverse_v4(v4: Ipv4Addr) -> String {
    let [a, b, c, d] = v4.octets();
    format!("{d}.{c}.{b}.{a}")
}

fn reverse_v6(v6: Ipv6Addr) -> String {
    let mut labels = Vec::with_capacity(32);
    for byte in v6.octets().iter().rev() {
        labels.push(format!("{:x}", byte & 0x0f));
        labels.push(format!("{:x}", byte >> 4));
    }
    labels.join(".")
}

/// A link to look up: the label put before the zone, and what the explanation shows.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    label: String,
    shown: String,
}

/// The distinct registered domains (and IPv4 hosts) of the links in the bodies, first seen
/// first, at most `max_domains`, without skipped ones.
fn link_targets(text: Option<&str>, html: Option<&str>, settings: &Settings) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    for body in [html, text].into_iter().flatten() {
        for host in link_hosts(body) {
            if out.len() >= settings.max_domains {
                return out;
            }
            let target = match host.parse::<Ipv4Addr>() {
                Ok(v4) => {
                    if !settings.check_private && !public(IpAddr::V4(v4)) {
                        continue;
                    }
                    Target {
                        label: reverse_v4(v4),
                        shown: host.clone(),
                    }
                }
                Err(_) => {
                    if !valid_host(&host) || !tld_is_alphabetic(&host) {
                        continue;
                    }
                    let domain = registered_domain(&host).to_string();
                    if COMMON_DOMAINS.contains(&domain.as_str()) || settings.skip.contains(&domain)
                    {
                        continue;
                    }
                    Target {
                        label: domain.clone(),
                        shown: domain,
                    }
                }
            };
            if !out.contains(&target) {
                out.push(target);
            }
        }
    }
    out
}

/// Hosts of `http://` and `https://` URLs anywhere in `body` (text, or HTML attributes and
/// text alike), lower case, without user info, port or final dot.
fn link_hosts(body: &str) -> impl Iterator<Item = String> + '_ {
    let bytes = body.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            // Find "http" case-insensitively, then "://" or "s://".
            let start = at;
            let rest = bytes.get(start..)?;
            let i = rest
                .windows(4)
                .position(|w| w.eq_ignore_ascii_case(b"http"))?;
            let mut p = start + i + 4;
            if bytes.get(p).is_some_and(|b| b.eq_ignore_ascii_case(&b's')) {
                p += 1;
            }
            at = p;
            if bytes.get(p..p + 3) != Some(b"://") {
                continue;
            }
            p += 3;
            let end = bytes
                .get(p..)?
                .iter()
                .position(|b| {
                    matches!(
                        b,
                        b'/' | b'?' | b'#' | b'\\' | b'"' | b'\'' | b'<' | b'>' | b'(' | b')'
                    ) || b.is_ascii_whitespace()
                })
                .map_or(bytes.len(), |n| p + n);
            at = end;
            // The authority is ASCII up to here or it is skipped (IDN hosts are not looked up).
            let Some(authority) = body.get(p..end) else {
                continue;
            };
            let host = authority.rsplit('@').next().unwrap_or("");
            let host = host.split(':').next().unwrap_or("").trim_end_matches('.');
            if !host.is_empty() && host.len() <= 253 {
                return Some(host.to_ascii_lowercase());
            }
        }
        None
    })
}

/// Letters, digits and `-` in dot-separated labels of 1 to 63, two labels at least.
fn valid_host(host: &str) -> bool {
    host.len() <= 253
        && host.split('.').count() >= 2
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn tld_is_alphabetic(host: &str) -> bool {
    host.rsplit('.')
        .next()
        .is_some_and(|t| t.starts_with("xn--") || t.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// Second-level labels under which country-code domains register (`example.co.uk`).
const REGISTRY_SECOND_LEVELS: &[&str] = &[
    "ac", "co", "com", "edu", "gob", "gov", "go", "gv", "info", "ltd", "me", "mil", "ne", "net",
    "nic", "nom", "or", "org", "plc", "sch",
];

/// The registered domain of a host, approximately (no public suffix list: too large for a
/// plugin): the last two labels, or three under a country code's common second levels.
pub fn registered_domain(host: &str) -> &str {
    let labels: Vec<&str> = host.rsplitn(4, '.').collect();
    let take = match labels.as_slice() {
        [tld, sld, _, ..] if tld.len() == 2 && REGISTRY_SECOND_LEVELS.contains(sld) => 3,
        _ => 2,
    };
    let mut end = 0;
    for (n, (i, _)) in host.rmatch_indices('.').enumerate() {
        if n + 1 == take {
            end = i + 1;
            break;
        }
    }
    host.get(end..).unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(dnsbl: &str, uribl: &str) -> Settings {
        let (s, errors) = Settings::from_config(|k| match k {
            "dnsbl" => Some(dnsbl.to_string()),
            "uribl" => Some(uribl.to_string()),
            _ => None,
        });
        assert!(errors.is_empty(), "{errors:?}");
        s
    }

    #[test]
    fn lists_parse_with_codes_masks_and_weights() {
        let (lists, errors) = parse_lists(
            "zen.example:3.0, zen.example=127.0.0.10:-1, multi.example&8:2.5, plain.example., bad zone:1, x.example:abc, y.example=1.2:1",
            Kind::Dnsbl,
        );
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert_eq!(lists.len(), 3);
        assert_eq!(lists[0].zone, "zen.example");
        assert_eq!(
            lists[0].entries,
            vec![
                Entry {
                    filter: Filter::Any,
                    weight: 3.0,
                    rule: "DNSBL_ZEN_EXAMPLE".into()
                },
                Entry {
                    filter: Filter::Exact(Ipv4Addr::new(127, 0, 0, 10)),
                    weight: -1.0,
                    rule: "DNSBL_ZEN_EXAMPLE_10".into()
                }
            ]
        );
        assert_eq!(lists[1].entries[0].filter, Filter::Mask(8));
        assert_eq!(lists[1].entries[0].rule, "DNSBL_MULTI_EXAMPLE_M8");
        assert_eq!(lists[2].zone, "plain.example");
        assert_eq!(lists[2].entries[0].weight, DEFAULT_WEIGHT);
        // Off unless configured.
        assert!(Settings::from_config(|_| None).0.is_empty());
    }

    #[test]
    fn dnsbl_names_reverse_the_client_address() {
        let s = settings("zen.example:3, other.example:1", "");
        let names = |ip: &str| -> Vec<String> {
            plan(&s, ip, None, None)
                .into_iter()
                .map(|q| q.name)
                .collect()
        };
        assert_eq!(
            names("192.0.2.99"),
            ["99.2.0.192.zen.example", "99.2.0.192.other.example"]
        );
        // RFC 5782 §2.4's example.
        assert_eq!(
            names("2001:db8:1:2:3:4:567:89ab")[0],
            "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.zen.example"
        );
        assert_eq!(names("::ffff:192.0.2.99")[0], "99.2.0.192.zen.example");
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "nonsense",
            "",
        ] {
            assert!(names(private).is_empty(), "{private}");
        }
        let mut t = s.clone();
        t.check_private = true;
        assert_eq!(
            plan(&t, "127.0.0.1", None, None)[0].name,
            "1.0.0.127.zen.example"
        );
    }

    #[test]
    fn uribl_names_are_registered_domains_of_links_deduplicated_and_capped() {
        let mut s = settings("", "multi.uribl.example:2.5, dbl.example:1");
        s.skip = vec!["mycompany.example".into()];
        let html = "<a href=\"https://WWW.Shop.Spammy.EXAMPLE:8080/buy?x=1\">buy</a> \
                    <a href='http://user:pw@login.spammy.example/'>x</a> \
                    <img src=\"HTTPS://cdn.images.co.uk/p.gif\"> https://www.google.com/x \
                    <a href=\"http://198.51.100.7/login\">y</a> <a href=\"http://10.0.0.1/\">z</a> \
                    https://intranet.mycompany.example/ http://ex&#97;mple.test/ https://%65vil.example/ \
                    https://bücher.example/ http:// https://";
        let text = "see http://other.example.net. and https://SHOP.spammy.example)";
        let q = plan(&s, "192.0.2.1", Some(text), Some(html));
        let names: Vec<&str> = q.iter().map(|q| q.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "spammy.example.multi.uribl.example",
                "spammy.example.dbl.example",
                "images.co.uk.multi.uribl.example",
                "images.co.uk.dbl.example",
                "7.100.51.198.multi.uribl.example",
                "7.100.51.198.dbl.example",
                "example.net.multi.uribl.example",
                "example.net.dbl.example",
            ]
        );
        assert_eq!(q[0].subject, "spammy.example");
        assert_eq!(q[4].subject, "198.51.100.7");
        s.max_domains = 2;
        assert_eq!(plan(&s, "192.0.2.1", Some(text), Some(html)).len(), 4);
        // 200 link domains: capped.
        let many: String = (0..200).map(|i| format!("http://d{i}.example/ ")).collect();
        s.max_domains = DEFAULT_MAX_DOMAINS;
        assert_eq!(
            plan(&s, "", Some(&many), None).len(),
            2 * DEFAULT_MAX_DOMAINS
        );
    }

    #[test]
    fn answers_score_once_per_entry_with_codes_and_refusals() {
        let s = settings(
            "zen.example:3, zen.example=127.0.0.10:1, zen.example&4:0.5",
            "multi.example&8:2.5, multi.example&2:1.5",
        );
        let q = plan(
            &s,
            "192.0.2.99",
            Some("http://a.example/ http://b.example/"),
            None,
        );
        assert_eq!(q.len(), 3);
        let ip = |s: &str| s.parse::<Ipv4Addr>().unwrap();
        // Listed with 127.0.0.4 on zen; both link domains listed on multi with bit 8.
        let out = score(
            &s,
            &q,
            &[
                Some(vec![ip("127.0.0.4")]),
                Some(vec![ip("127.0.0.8")]),
                Some(vec![ip("127.0.0.8")]),
            ],
        );
        assert_eq!(out.score, 3.0 + 0.5 + 2.5);
        assert_eq!(
            out.rules,
            [
                "DNSBL_ZEN_EXAMPLE",
                "DNSBL_ZEN_EXAMPLE_M4",
                "URIBL_MULTI_EXAMPLE_M8"
            ]
        );
        assert_eq!(out.tags, ["dnsbl", "uribl"]);
        assert_eq!(out.details[2], "URIBL_MULTI_EXAMPLE_M8 (a.example)");
        // Not listed, failed, refused, or a rewriting resolver: nothing.
        let out = score(
            &s,
            &q,
            &[
                Some(vec![ip("127.255.255.254")]),
                None,
                Some(vec![ip("198.51.100.1")]),
            ],
        );
        assert_eq!(out.score, 0.0);
        assert!(out.tags.is_empty());
        assert_eq!(out.refused, ["zen.example"]);
        assert_eq!(
            score(&s, &q, &[Some(vec![]), Some(vec![]), Some(vec![])]),
            Outcome::default()
        );
    }

    #[test]
    fn registered_domains() {
        for (host, want) in [
            ("www.shop.example.com", "example.com"),
            ("example.com", "example.com"),
            ("a.b.example.co.uk", "example.co.uk"),
            ("example.co.uk", "example.co.uk"),
            ("x.example.de", "example.de"),
            ("deep.a.b.c.example.com.au", "example.com.au"),
        ] {
            assert_eq!(registered_domain(host), want, "{host}");
        }
    }

    #[test]
    fn hostile_bodies_do_not_panic() {
        let s = settings("zen.example", "uribl.example");
        for body in [
            "http",
            "https:/",
            "http://",
            "HTTP://é",
            "http://\u{1F600}.example/",
            "hhttp://a.example",
            "http://@:",
            "http://a.example:99999999999",
        ] {
            let _ = plan(&s, "192.0.2.1", Some(body), Some(body));
        }
        let long = "http://".repeat(10_000) + &"a.".repeat(10_000);
        assert!(plan(&s, "", Some(&long), None).len() <= 2 * DEFAULT_MAX_DOMAINS);
    }
}
