//! DNS lookups through the server's resolver, for reputation lists (DNSBL, URIBL). Works only
//! when the administrator grants the plugin `dns` (`[plugin.NAME] grants = ["dns"]`); otherwise
//! every name fails with [`DnsError::Denied`] and nothing is sent. Each call into the plugin may
//! ask for a limited number of names ([`DnsError::Budget`] beyond it), so ask for the most useful
//! first. The names of one request are resolved in parallel: batch them.
//!
//! ```no_run
//! # use mailsift_plugin_sdk::prelude::*;
//! let answers = dns::lookup_a(&["2.0.0.127.zen.example".to_string()]);
//! if let Ok(addrs) = &answers[0] { /* listed when not empty */ }
//! ```

use std::net::Ipv4Addr;

use crate::bindings::mailsift::plugin::dns as host;

pub use host::DnsError;

/// The A records of each name (in order), parsed. A name that does not exist gives an empty list.
pub fn lookup_a(names: &[String]) -> Vec<Result<Vec<Ipv4Addr>, DnsError>> {
    host::lookup_a(names)
        .into_iter()
        .map(|r| r.map(|addrs| addrs.iter().filter_map(|a| a.parse().ok()).collect()))
        .collect()
}

/// The TXT records of each name (in order), each record's strings joined.
pub fn lookup_txt(names: &[String]) -> Vec<Result<Vec<String>, DnsError>> {
    host::lookup_txt(names)
}

/// A short name for an error, for logs and explanations.
pub fn error_name(e: DnsError) -> &'static str {
    match e {
        DnsError::Denied => "denied",
        DnsError::Budget => "budget",
        DnsError::InvalidName => "invalid-name",
        DnsError::Timeout => "timeout",
        DnsError::Failed => "failed",
    }
}
