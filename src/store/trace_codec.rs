//! The stored form of a trace record (issue 19: cheaper than JSON on every delivery).
//!
//! Version 1: the byte `1`, then the fields in declaration order — integers as LEB128 varints
//! (`time` zig-zagged), scores as 8 little-endian bytes, texts as a varint length and UTF-8,
//! options as a 0/1 byte and the value, lists as a varint count and the items. No field names
//! and no escaping: a default pipeline's record is about a third of its JSON and is written
//! without scanning every text for quotes.
//!
//! Version 0 is the JSON of earlier releases: it begins with `{`, which is never a version
//! byte, so records written before this change still read (`decode`). A new field needs a new
//! version byte; decoding never panics and refuses trailing or missing bytes as corrupt.

use super::trace::{TraceAuth, TraceFolder, TracePlugin, TraceRecord, TraceSieve, TraceStage};
use super::{Result, StoreError};

const V1: u8 = 1;

/// The stored bytes of `record`.
pub(super) fn encode(record: &TraceRecord) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(512));
    w.0.push(V1);
    w.record(record);
    w.0
}

/// A stored record, of either version.
pub(super) fn decode(bytes: &[u8]) -> Result<TraceRecord> {
    match bytes.first() {
        Some(&V1) => {
            let mut r = Reader { bytes, pos: 1 };
            let record = r.record()?;
            if r.pos != bytes.len() {
                return Err(corrupt("trailing bytes"));
            }
            Ok(record)
        }
        // Version 0: JSON (`{`), as written before.
        _ => super::decode("trace", bytes),
    }
}

fn corrupt(why: &str) -> StoreError {
    StoreError::Corrupt {
        table: "trace",
        message: why.to_string(),
    }
}

struct Writer(Vec<u8>);

impl Writer {
    fn uint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn int(&mut self, v: i64) {
        self.uint(((v << 1) ^ (v >> 63)) as u64);
    }

    fn float(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    fn text(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    fn opt<T: ?Sized>(&mut self, v: Option<&T>, f: impl FnOnce(&mut Self, &T)) {
        match v {
            None => self.0.push(0),
            Some(v) => {
                self.0.push(1);
                f(self, v);
            }
        }
    }

    fn list<T>(&mut self, items: &[T], mut f: impl FnMut(&mut Self, &T)) {
        self.uint(items.len() as u64);
        for item in items {
            f(self, item);
        }
    }

    fn texts(&mut self, items: &[String]) {
        self.list(items, |w, s| w.text(s));
    }

    fn record(&mut self, r: &TraceRecord) {
        self.text(&r.queue_id);
        self.int(r.time);
        self.text(&r.client_ip);
        self.text(&r.helo);
        self.text(&r.mail_from);
        self.texts(&r.recipients);
        self.opt(r.authenticated_as.as_deref(), Self::text);
        self.opt(r.subject.as_deref(), Self::text);
        self.uint(r.size);
        self.opt(r.auth.as_ref(), |w, a| {
            w.text(&a.spf);
            w.text(&a.spf_domain);
            w.texts(&a.dkim);
            w.text(&a.arc);
            w.text(&a.dmarc);
            w.opt(a.dmarc_policy.as_deref(), Self::text);
            w.opt(a.from_domain.as_deref(), Self::text);
        });
        self.list(&r.stages, |w, s| {
            w.text(&s.name);
            w.uint(s.elapsed_us);
            w.opt(s.decided.as_deref(), Self::text);
        });
        self.list(&r.plugins, |w, p| {
            w.text(&p.name);
            w.text(&p.decision);
            w.float(p.score);
            w.texts(&p.tags);
            w.opt(p.folder.as_deref(), Self::text);
            w.opt(p.explanation.as_deref(), Self::text);
            w.texts(&p.per_recipient);
            w.uint(p.elapsed_us);
        });
        self.float(r.score);
        self.texts(&r.tags);
        self.list(&r.sieve, |w, s| {
            w.text(&s.recipient);
            w.texts(&s.actions);
        });
        self.list(&r.folders, |w, f| {
            w.text(&f.recipient);
            w.text(&f.folder);
            w.texts(&f.flags);
            w.opt(f.score.as_ref(), |w, s| w.float(*s));
            w.texts(&f.tags);
        });
        self.list(&r.dropped, |w, (who, why)| {
            w.text(who);
            w.text(why);
        });
        self.texts(&r.outbound);
        self.text(&r.outcome);
        self.opt(r.reply.as_deref(), Self::text);
    }
}

struct Reader<'b> {
    bytes: &'b [u8],
    pos: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| corrupt("truncated"))?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&[u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| corrupt("truncated"))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn uint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(corrupt("varint too long"))
    }

    fn int(&mut self) -> Result<i64> {
        let v = self.uint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    fn float(&mut self) -> Result<f64> {
        let b: [u8; 8] = self.take(8)?.try_into().map_err(|_| corrupt("truncated"))?;
        Ok(f64::from_le_bytes(b))
    }

    fn len(&mut self) -> Result<usize> {
        usize::try_from(self.uint()?).map_err(|_| corrupt("length out of range"))
    }

    fn text(&mut self) -> Result<String> {
        let n = self.len()?;
        let bytes = self.take(n)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| corrupt("text is not UTF-8"))
    }

    fn opt<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<Option<T>> {
        match self.byte()? {
            0 => Ok(None),
            1 => f(self).map(Some),
            _ => Err(corrupt("bad option tag")),
        }
    }

    fn list<T>(&mut self, mut f: impl FnMut(&mut Self) -> Result<T>) -> Result<Vec<T>> {
        let n = self.len()?;
        // Every item takes at least one byte: a corrupt count cannot reserve more than that.
        let mut out = Vec::with_capacity(n.min(self.bytes.len() - self.pos));
        for _ in 0..n {
            out.push(f(self)?);
        }
        Ok(out)
    }

    fn texts(&mut self) -> Result<Vec<String>> {
        self.list(Self::text)
    }

    fn record(&mut self) -> Result<TraceRecord> {
        Ok(TraceRecord {
            queue_id: self.text()?,
            time: self.int()?,
            client_ip: self.text()?,
            helo: self.text()?,
            mail_from: self.text()?,
            recipients: self.texts()?,
            authenticated_as: self.opt(Self::text)?,
            subject: self.opt(Self::text)?,
            size: self.uint()?,
            auth: self.opt(|r| {
                Ok(TraceAuth {
                    spf: r.text()?,
                    spf_domain: r.text()?,
                    dkim: r.texts()?,
                    arc: r.text()?,
                    dmarc: r.text()?,
                    dmarc_policy: r.opt(Self::text)?,
                    from_domain: r.opt(Self::text)?,
                })
            })?,
            stages: self.list(|r| {
                Ok(TraceStage {
                    name: r.text()?,
                    elapsed_us: r.uint()?,
                    decided: r.opt(Self::text)?,
                })
            })?,
            plugins: self.list(|r| {
                Ok(TracePlugin {
                    name: r.text()?,
                    decision: r.text()?,
                    score: r.float()?,
                    tags: r.texts()?,
                    folder: r.opt(Self::text)?,
                    explanation: r.opt(Self::text)?,
                    per_recipient: r.texts()?,
                    elapsed_us: r.uint()?,
                })
            })?,
            score: self.float()?,
            tags: self.texts()?,
            sieve: self.list(|r| {
                Ok(TraceSieve {
                    recipient: r.text()?,
                    actions: r.texts()?,
                })
            })?,
            folders: self.list(|r| {
                Ok(TraceFolder {
                    recipient: r.text()?,
                    folder: r.text()?,
                    flags: r.texts()?,
                    score: r.opt(Self::float)?,
                    tags: r.texts()?,
                })
            })?,
            dropped: self.list(|r| Ok((r.text()?, r.text()?)))?,
            outbound: self.texts()?,
            outcome: self.text()?,
            reply: self.opt(Self::text)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field set, every option `Some`, every list non-empty, non-ASCII and quotes in texts.
    fn full() -> TraceRecord {
        TraceRecord {
            queue_id: "4ZABCDEF01".into(),
            time: -1_700_000_000,
            client_ip: "2001:db8::1".into(),
            helo: "mx.example.net".into(),
            mail_from: "\"a b\"@example.net".into(),
            recipients: vec!["nina@example.org".into(), "ömer@exämple.org".into()],
            authenticated_as: Some("nina@example.org".into()),
            subject: Some("Grüße \"quoted\" \\ back".into()),
            size: 300_000_000_000,
            auth: Some(TraceAuth {
                spf: "pass".into(),
                spf_domain: "example.net".into(),
                dkim: vec!["pass (d=example.net s=sel)".into(), "fail".into()],
                arc: "none".into(),
                dmarc: "pass".into(),
                dmarc_policy: Some("reject".into()),
                from_domain: Some("example.net".into()),
            }),
            stages: vec![TraceStage {
                name: "plugins".into(),
                elapsed_us: 1234,
                decided: Some("reject".into()),
            }],
            plugins: vec![TracePlugin {
                name: "spam".into(),
                decision: "reject 554 5.7.1 no".into(),
                score: -3.25,
                tags: vec!["spam".into()],
                folder: Some("Junk".into()),
                explanation: Some("tokens".into()),
                per_recipient: vec!["x@example.org".into()],
                elapsed_us: 99,
            }],
            score: 7.5,
            tags: vec!["spam".into(), "bulk".into()],
            sieve: vec![TraceSieve {
                recipient: "nina@example.org".into(),
                actions: vec!["fileinto \"Junk\"".into()],
            }],
            folders: vec![TraceFolder {
                recipient: "nina@example.org".into(),
                folder: "Junk".into(),
                flags: vec!["\\Seen".into()],
                score: Some(1.5),
                tags: vec!["t".into()],
            }],
            dropped: vec![("z@example.org".into(), "unknown user".into())],
            outbound: vec!["far@example.com".into()],
            outcome: "refused".into(),
            reply: Some("554 5.7.1 no".into()),
        }
    }

    #[test]
    fn version_1_round_trips_full_and_empty_records() {
        for record in [full(), TraceRecord::default()] {
            let bytes = encode(&record);
            assert_eq!(bytes[0], V1);
            assert_eq!(decode(&bytes).unwrap(), record);
        }
        assert!(encode(&full()).len() < super::super::encode(&full()).len());
    }

    /// Records stored as JSON before version 1 still read, with their omitted fields defaulted.
    #[test]
    fn version_0_json_still_decodes() {
        let record = full();
        let json = serde_json::to_vec(&record).unwrap();
        assert_eq!(json[0], b'{');
        assert_eq!(decode(&json).unwrap(), record);
        // As an earlier release wrote a delivered message's record (optional fields left out).
        let old = br#"{"queue_id":"Q1","time":5,"client_ip":"127.0.0.1","helo":"h","mail_from":"","recipients":["a@b"],"size":9,"stages":[],"plugins":[],"score":0.0,"tags":[],"sieve":[],"folders":[],"outcome":"delivered"}"#;
        let r = decode(old).unwrap();
        assert_eq!((r.queue_id.as_str(), r.size, r.auth), ("Q1", 9, None));
    }

    /// Corrupt bytes are an error, never a panic or a huge allocation.
    #[test]
    fn corrupt_bytes_are_refused() {
        let bytes = encode(&full());
        for cut in 1..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(decode(&long).is_err());
        // A huge list count.
        assert!(decode(&[V1, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f]).is_err());
        assert!(
            decode(&[
                V1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
            ])
            .is_err()
        );
        assert!(decode(&[]).is_err());
        assert!(decode(&[7]).is_err());
    }
}
