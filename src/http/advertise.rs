//! The mail services a client should be configured with, derived from the configured listeners
//! and the addresses they actually bound: IMAP, POP3 and submission, implicit TLS first
//! (RFC 8314 §3.3 prefers it to STARTTLS), plain-text listeners never advertised.

use std::net::SocketAddr;

use crate::config::{ListenerConfig, Protocol, TlsMode};

/// How a client secures the connection: the autoconfig `socketType` words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (993, 995, 465).
    Implicit,
    /// STARTTLS on a plain connection (143, 110, 587).
    Starttls,
}

/// One service as a client reaches it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub security: Security,
}

/// Every advertised service, best first within each protocol.
#[derive(Clone, Debug, Default)]
pub struct Endpoints {
    pub imap: Vec<Endpoint>,
    pub pop3: Vec<Endpoint>,
    pub submission: Vec<Endpoint>,
}

impl Endpoints {
    /// Listeners bound to a loopback address advertise that address (only this machine can reach
    /// them, and `hostname` would not lead there); every other one advertises `hostname`, the
    /// name its certificate carries.
    pub fn from_listeners(hostname: &str, bound: &[(ListenerConfig, SocketAddr)]) -> Endpoints {
        let mut out = Endpoints::default();
        for (listener, addr) in bound {
            let security = match listener.tls {
                TlsMode::Implicit => Security::Implicit,
                TlsMode::Starttls => Security::Starttls,
                // Passwords never cross the network in clear text on our advice.
                TlsMode::None => continue,
            };
            let list = match listener.protocol {
                Protocol::Imap => &mut out.imap,
                Protocol::Pop3 => &mut out.pop3,
                Protocol::Submission => &mut out.submission,
                Protocol::Smtp | Protocol::Managesieve | Protocol::Http => continue,
            };
            let host = if addr.ip().is_loopback() {
                addr.ip().to_string()
            } else {
                hostname.to_string()
            };
            let endpoint = Endpoint {
                host,
                port: addr.port(),
                security,
            };
            if !list.contains(&endpoint) {
                list.push(endpoint);
            }
        }
        for list in [&mut out.imap, &mut out.pop3, &mut out.submission] {
            // Stable: the configuration's order stays within each kind.
            list.sort_by_key(|e| e.security != Security::Implicit);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(protocol: Protocol, tls: TlsMode, addr: &str) -> (ListenerConfig, SocketAddr) {
        let address: SocketAddr = addr.parse().unwrap();
        (
            ListenerConfig {
                name: None,
                protocol,
                address,
                tls,
                session_lifetime: None,
            },
            address,
        )
    }

    #[test]
    fn implicit_tls_first_plain_and_mx_left_out() {
        let bound = [
            l(Protocol::Imap, TlsMode::Starttls, "0.0.0.0:143"),
            l(Protocol::Imap, TlsMode::Implicit, "[::]:993"),
            l(Protocol::Imap, TlsMode::None, "0.0.0.0:1143"),
            l(Protocol::Smtp, TlsMode::Starttls, "0.0.0.0:25"),
            l(Protocol::Submission, TlsMode::Starttls, "127.0.0.1:587"),
            l(Protocol::Http, TlsMode::None, "0.0.0.0:80"),
        ];
        let e = Endpoints::from_listeners("mail.example.org", &bound);
        assert_eq!(
            e.imap,
            vec![
                Endpoint {
                    host: "mail.example.org".into(),
                    port: 993,
                    security: Security::Implicit
                },
                Endpoint {
                    host: "mail.example.org".into(),
                    port: 143,
                    security: Security::Starttls
                },
            ]
        );
        assert!(e.pop3.is_empty());
        assert_eq!(e.submission.len(), 1);
        assert_eq!(
            e.submission[0].host, "127.0.0.1",
            "loopback advertises itself"
        );
    }
}
