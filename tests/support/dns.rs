//! An authoritative DNS server for tests, on 127.0.0.1 (UDP and TCP on the same free port), with
//! zones the test writes: TXT, MX and A records, names that never answer (timeouts) and names
//! that answer SERVFAIL. Messages are encoded with hickory-proto, the resolver's own library.
//! It runs on its own thread and runtime, so blocking tests and spawned processes can use it.
//!
//! Negative answers are a real authoritative server's: NXDOMAIN for a name with no records at
//! or below it, NODATA (NOERROR, no answer) for one that exists, both with the zone's SOA in the
//! authority section (RFC 2308 §2.1, §2.2, §3), whose TTL and MINIMUM (`negative_ttl`, default
//! 60 s like the positive answers) is how long a resolver may keep the negative answer. The zone
//! of a name is its last two labels (`signed.test` for `_dmarc.signed.test`).

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use mail_auth::hickory_resolver::proto::op::{Message, MessageType, ResponseCode};
use mail_auth::hickory_resolver::proto::rr::rdata::{A, MX, SOA, TXT};
use mail_auth::hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Default)]
struct Zones {
    txt: HashMap<String, Vec<String>>,
    mx: HashMap<String, Vec<(u16, String)>>,
    a: HashMap<String, Vec<Ipv4Addr>>,
    /// Queries for these names (and their subdomains) are never answered.
    blackhole: HashSet<String>,
    servfail: HashSet<String>,
    /// The SOA's TTL and MINIMUM in negative answers; `None`: negative answers carry no SOA
    /// (as a broken server's: RFC 2308 §5, a resolver should not cache them).
    negative_ttl: Option<u32>,
    /// Every query received, as `name TYPE`.
    log: Vec<String>,
}

pub struct DnsServer {
    pub addr: SocketAddr,
    zones: Arc<Mutex<Zones>>,
}

fn key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl DnsServer {
    pub fn start() -> DnsServer {
        DnsServer::start_on(0)
    }

    /// Like `start`, on a given port (`0`: a free one); benches/smtp_load.rs serves a zone on a
    /// port the benchmark chose. Panics if that port is taken for UDP or TCP.
    #[allow(dead_code)]
    pub fn start_on(port: u16) -> DnsServer {
        let zones = Arc::new(Mutex::new(Zones {
            negative_ttl: Some(60),
            ..Zones::default()
        }));
        let (tx, rx) = std::sync::mpsc::channel();
        let z = zones.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                // The UDP port the kernel picks may be taken for TCP by another test: try
                // again with a fresh port rather than fail.
                let mut bound = None;
                for _ in 0..if port == 0 { 50 } else { 1 } {
                    let udp = tokio::net::UdpSocket::bind(("127.0.0.1", port))
                        .await
                        .expect("udp");
                    let addr = udp.local_addr().expect("addr");
                    if let Ok(tcp) = tokio::net::TcpListener::bind(addr).await {
                        bound = Some((udp, tcp, addr));
                        break;
                    }
                }
                let (udp, tcp, addr) = bound.expect("a port free for both UDP and TCP");
                tx.send(addr).expect("report address");
                let udp = Arc::new(udp);
                let zt = z.clone();
                tokio::spawn(async move {
                    while let Ok((mut stream, _)) = tcp.accept().await {
                        let z = zt.clone();
                        tokio::spawn(async move {
                            loop {
                                let mut len = [0u8; 2];
                                if stream.read_exact(&mut len).await.is_err() {
                                    return;
                                }
                                let mut buf = vec![0; u16::from_be_bytes(len) as usize];
                                if stream.read_exact(&mut buf).await.is_err() {
                                    return;
                                }
                                if let Some(resp) = answer(&z, &buf) {
                                    let mut out = (resp.len() as u16).to_be_bytes().to_vec();
                                    out.extend_from_slice(&resp);
                                    if stream.write_all(&out).await.is_err() {
                                        return;
                                    }
                                }
                            }
                        });
                    }
                });
                let mut buf = vec![0u8; 4096];
                loop {
                    let Ok((n, peer)) = udp.recv_from(&mut buf).await else {
                        continue;
                    };
                    if let Some(resp) = answer(&z, &buf[..n]) {
                        let _ = udp.send_to(&resp, peer).await;
                    }
                }
            });
        });
        let addr = rx.recv().expect("DNS server started");
        DnsServer { addr, zones }
    }

    pub fn txt(&self, name: &str, value: &str) -> &Self {
        let mut z = self.zones.lock().unwrap();
        z.txt.entry(key(name)).or_default().push(value.to_string());
        self
    }

    pub fn mx(&self, name: &str, preference: u16, exchange: &str) -> &Self {
        let mut z = self.zones.lock().unwrap();
        z.mx.entry(key(name))
            .or_default()
            .push((preference, exchange.to_string()));
        self
    }

    pub fn a(&self, name: &str, ip: Ipv4Addr) -> &Self {
        let mut z = self.zones.lock().unwrap();
        z.a.entry(key(name)).or_default().push(ip);
        self
    }

    /// Never answer queries for `name` or any name under it.
    pub fn blackhole(&self, name: &str) -> &Self {
        self.zones.lock().unwrap().blackhole.insert(key(name));
        self
    }

    pub fn servfail(&self, name: &str) -> &Self {
        self.zones.lock().unwrap().servfail.insert(key(name));
        self
    }

    /// The TTL of negative answers (their SOA's TTL and MINIMUM); `None`: no SOA at all.
    #[allow(dead_code)]
    pub fn negative_ttl(&self, ttl: Option<u32>) -> &Self {
        self.zones.lock().unwrap().negative_ttl = ttl;
        self
    }

    /// The queries received so far, as `name TYPE` (`1.0.0.127.zen.test A`).
    #[allow(dead_code)]
    pub fn queries(&self) -> Vec<String> {
        self.zones.lock().unwrap().log.clone()
    }
}

fn under(name: &str, set: &HashSet<String>) -> bool {
    set.iter()
        .any(|s| name == s || name.ends_with(&format!(".{s}")))
}

/// Splits a TXT value into character-strings of at most 255 octets (RFC 1035 §3.3).
fn chunks(value: &str) -> Vec<String> {
    value
        .as_bytes()
        .chunks(255)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect()
}

fn answer(zones: &Mutex<Zones>, request: &[u8]) -> Option<Vec<u8>> {
    let request = Message::from_vec(request).ok()?;
    let query = request.queries.first()?.clone();
    let qname = key(&query.name.to_ascii());
    let mut z = zones.lock().unwrap();
    // Bounded: the load benchmark's server answers millions of queries.
    if z.log.len() < 100_000 {
        z.log.push(format!("{qname} {}", query.query_type));
    }
    if under(&qname, &z.blackhole) {
        return None;
    }
    let mut response = Message::new(
        request.metadata.id,
        MessageType::Response,
        request.metadata.op_code,
    );
    response.metadata.authoritative = true;
    response.metadata.recursion_desired = request.metadata.recursion_desired;
    response.metadata.recursion_available = true;
    response.add_query(query.clone());
    response.edns = request.edns.clone();
    if under(&qname, &z.servfail) {
        response.metadata.response_code = ResponseCode::ServFail;
        return response.to_vec().ok();
    }
    let name = query.name.clone();
    let mut records = Vec::new();
    match query.query_type {
        RecordType::TXT => {
            for v in z.txt.get(&qname).into_iter().flatten() {
                records.push(Record::from_rdata(
                    name.clone(),
                    60,
                    RData::TXT(TXT::new(chunks(v))),
                ));
            }
        }
        RecordType::MX => {
            for (pref, exchange) in z.mx.get(&qname).into_iter().flatten() {
                let exchange = Name::from_ascii(format!("{}.", key(exchange))).ok()?;
                records.push(Record::from_rdata(
                    name.clone(),
                    60,
                    RData::MX(MX::new(*pref, exchange)),
                ));
            }
        }
        RecordType::A => {
            for ip in z.a.get(&qname).into_iter().flatten() {
                records.push(Record::from_rdata(name.clone(), 60, RData::A(A(*ip))));
            }
        }
        _ => {}
    }
    if records.is_empty() {
        // A name with records below it exists (an empty non-terminal, RFC 8020 §2): NODATA.
        let below = format!(".{qname}");
        let exists = z
            .txt
            .keys()
            .chain(z.mx.keys())
            .chain(z.a.keys())
            .any(|n| *n == qname || n.ends_with(&below));
        if !exists {
            response.metadata.response_code = ResponseCode::NXDomain;
        }
        if let Some(ttl) = z.negative_ttl {
            response.add_authority(soa(&qname, ttl)?);
        }
    }
    for r in records {
        response.add_answer(r);
    }
    response.to_vec().ok()
}

/// The SOA of `qname`'s zone (its last two labels), with `ttl` as its TTL and MINIMUM.
fn soa(qname: &str, ttl: u32) -> Option<Record> {
    let labels: Vec<&str> = qname.split('.').filter(|l| !l.is_empty()).collect();
    let zone = labels[labels.len().saturating_sub(2)..].join(".");
    let zone = Name::from_ascii(format!("{zone}.")).ok()?;
    let mname = Name::from_ascii("ns").ok()?.append_domain(&zone).ok()?;
    let rname = Name::from_ascii("hostmaster")
        .ok()?
        .append_domain(&zone)
        .ok()?;
    Some(Record::from_rdata(
        zone,
        ttl,
        RData::SOA(SOA::new(mname, rname, 1, 3600, 600, 86400, ttl)),
    ))
}
