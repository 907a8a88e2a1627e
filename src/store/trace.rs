//! The message trace: for each message the pipeline judged, every stage's verdict (sender
//! authentication, each plugin, Sieve, the folder per recipient, the outcome), so that
//! `mailsift trace QUEUE-ID` can say why a message landed where it did.
//!
//! Bounded and rotating: records are numbered in arrival order (`TRACE`), found by queue id
//! through `TRACE_IDS`, and the oldest are dropped once there are more than the cap
//! (`[store] trace_records`). A delivered message's record is written in the delivery's own
//! store write; a refused one in a deferred write folded into the next commit.

use redb::{ReadableTable, ReadableTableMetadata};
use serde::{Deserialize, Serialize};

use super::{ReadTx, Result, Tx, schema};

/// Text fields kept short: a record is a few hundred bytes, whatever a plugin or client sends.
const MAX_TEXT: usize = 300;
/// Entries per list (plugins, recipients, actions): a message to 1000 recipients stays small.
const MAX_ITEMS: usize = 64;

/// Sender authentication as the pipeline saw it (RFC 8601 result names).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceAuth {
    pub spf: String,
    pub spf_domain: String,
    /// One per DKIM signature: `pass (d=example.org s=sel)`.
    pub dkim: Vec<String>,
    pub arc: String,
    pub dmarc: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dmarc_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_domain: Option<String>,
}

/// One stage's run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceStage {
    pub name: String,
    pub elapsed_us: u64,
    /// What the stage decided for the whole message (reject, tempfail, discard), if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided: Option<String>,
}

/// One plugin's verdict on the message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TracePlugin {
    pub name: String,
    /// `continue`, `reject 554 5.7.1 …`, `tempfail …`, `discard` or `failed: …`.
    pub decision: String,
    pub score: f64,
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    /// Recipients the plugin decided differently for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub per_recipient: Vec<String>,
    pub elapsed_us: u64,
}

/// What the Sieve scripts did for one recipient.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceSieve {
    pub recipient: String,
    /// `keep`, `fileinto "Junk"`, `discard`, `reject: …`, `redirect <a@b>`, `error: …`.
    pub actions: Vec<String>,
}

/// Where one recipient's copy went.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceFolder {
    pub recipient: String,
    pub folder: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
    /// The plugins' score and tags for this recipient, when they differ from the message's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// Everything recorded about one message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceRecord {
    pub queue_id: String,
    /// Unix seconds.
    pub time: i64,
    pub client_ip: String,
    pub helo: String,
    pub mail_from: String,
    pub recipients: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticated_as: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub size: u64,
    /// `None`: not checked (authenticated or trusted client, or checks off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<TraceAuth>,
    pub stages: Vec<TraceStage>,
    pub plugins: Vec<TracePlugin>,
    /// The plugins' summed score and tags.
    pub score: f64,
    pub tags: Vec<String>,
    pub sieve: Vec<TraceSieve>,
    pub folders: Vec<TraceFolder>,
    /// Recipients dropped by a stage, with why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<(String, String)>,
    /// Remote recipients queued for outbound delivery.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outbound: Vec<String>,
    /// `delivered`, `discarded` or `refused`.
    pub outcome: String,
    /// The SMTP reply of a refusal (`554 5.7.1 …`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
}

/// `s` cut to `MAX_TEXT` characters, without control characters.
pub fn clip(s: &str) -> String {
    s.chars()
        .take(MAX_TEXT)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Whether `clip` would change `s`.
fn needs_clip(s: &str) -> bool {
    (s.len() > MAX_TEXT && s.chars().nth(MAX_TEXT).is_some()) || s.chars().any(char::is_control)
}

/// `clip` in place, copying only a text that needs it (most are short and clean already).
fn clip_in_place(s: &mut String) {
    if needs_clip(s) {
        *s = clip(s);
    }
}

impl TraceRecord {
    /// Whether `bound` would change anything: a record already within its bounds (nearly
    /// every one) is stored without a copy. Checks what `bound` changes, field for field.
    pub fn is_bounded(&self) -> bool {
        fn long<T>(v: &[T]) -> bool {
            v.len() > MAX_ITEMS
        }
        let mut texts = [&self.queue_id, &self.helo, &self.mail_from]
            .into_iter()
            .chain(&self.recipients)
            .chain(&self.subject)
            .chain(&self.reply)
            .chain(self.dropped.iter().map(|(_, why)| why));
        !(long(&self.recipients)
            || long(&self.stages)
            || long(&self.plugins)
            || long(&self.tags)
            || long(&self.sieve)
            || long(&self.folders)
            || long(&self.dropped)
            || long(&self.outbound)
            || texts.any(|t| needs_clip(t))
            || self.plugins.iter().any(|p| {
                long(&p.tags)
                    || long(&p.per_recipient)
                    || needs_clip(&p.decision)
                    || p.explanation.as_deref().is_some_and(needs_clip)
            })
            || self
                .sieve
                .iter()
                .any(|s| long(&s.actions) || s.actions.iter().any(|a| needs_clip(a)))
            || self.folders.iter().any(|f| long(&f.tags) || long(&f.flags)))
    }

    /// Caps every list and text, so that one record's size is bounded whatever the message.
    pub fn bound(&mut self) {
        fn cap<T>(v: &mut Vec<T>) {
            v.truncate(MAX_ITEMS);
        }
        cap(&mut self.recipients);
        cap(&mut self.stages);
        cap(&mut self.plugins);
        cap(&mut self.tags);
        cap(&mut self.sieve);
        cap(&mut self.folders);
        cap(&mut self.dropped);
        cap(&mut self.outbound);
        for s in [&mut self.queue_id, &mut self.helo, &mut self.mail_from] {
            clip_in_place(s);
        }
        for r in &mut self.recipients {
            clip_in_place(r);
        }
        if let Some(s) = &mut self.subject {
            clip_in_place(s);
        }
        for p in &mut self.plugins {
            cap(&mut p.tags);
            cap(&mut p.per_recipient);
            clip_in_place(&mut p.decision);
            if let Some(e) = &mut p.explanation {
                clip_in_place(e);
            }
        }
        for s in &mut self.sieve {
            cap(&mut s.actions);
            for a in &mut s.actions {
                clip_in_place(a);
            }
        }
        for f in &mut self.folders {
            cap(&mut f.tags);
            cap(&mut f.flags);
        }
        for (_, why) in &mut self.dropped {
            clip_in_place(why);
        }
        if let Some(r) = &mut self.reply {
            clip_in_place(r);
        }
    }
}

impl Tx<'_> {
    /// Appends a record and drops the oldest beyond `cap` (0 keeps none). A queue id recorded
    /// again (it should not be) points to the newest record.
    pub fn trace_append(&mut self, record: &TraceRecord, cap: usize) -> Result<()> {
        if cap == 0 {
            return Ok(());
        }
        // Both at once: taken out of the cache while in use, put back at the end.
        let (mut hot, txn) = self.hot()?;
        let hot = &mut *hot;
        let mut table = match hot.trace.take() {
            Some(t) => t,
            None => txn.open_table(schema::TRACE)?,
        };
        let mut ids = match hot.trace_ids.take() {
            Some(t) => t,
            None => txn.open_table(schema::TRACE_IDS)?,
        };
        let seq = table.last()?.map_or(0, |(k, _)| k.value()) + 1;
        let bounded;
        let record = if record.is_bounded() {
            record
        } else {
            let mut copy = record.clone();
            copy.bound();
            bounded = copy;
            &bounded
        };
        // Version 1, binary (`trace_codec.rs`); older JSON records still read.
        let value = super::trace_codec::encode(record);
        table.insert(seq, (record.queue_id.as_str(), value.as_slice()))?;
        ids.insert(record.queue_id.as_str(), seq)?;
        // Rotation: the oldest go until `cap` are left (the length is kept by redb, so no walk
        // to the first record is needed to know); usually one record out for one in, more
        // when the cap was lowered.
        let excess = table.len()?.saturating_sub(cap as u64);
        for _ in 0..excess {
            let Some((k, v)) = table.pop_first()? else {
                break;
            };
            let (old_seq, old_id) = (k.value(), v.value().0.to_string());
            drop((k, v));
            // One lookup: out with the index entry, back in the rare case that it points to a
            // newer record of the same queue id.
            let newer = ids
                .remove(old_id.as_str())?
                .map(|s| s.value())
                .filter(|&s| s != old_seq);
            if let Some(newer) = newer {
                ids.insert(old_id.as_str(), newer)?;
            }
        }
        // Kept open for the batch's next delivery.
        hot.trace = Some(table);
        hot.trace_ids = Some(ids);
        hot.open = true;
        Ok(())
    }
}

impl ReadTx {
    /// The record of one message, by queue id.
    pub fn trace(&self, queue_id: &str) -> Result<Option<TraceRecord>> {
        let ids = self.txn().open_table(schema::TRACE_IDS)?;
        let Some(seq) = ids.get(queue_id)?.map(|s| s.value()) else {
            return Ok(None);
        };
        let table = self.txn().open_table(schema::TRACE)?;
        match table.get(seq)? {
            Some(v) => Ok(Some(super::trace_codec::decode(v.value().1)?)),
            None => Ok(None),
        }
    }

    /// The newest `limit` records, newest first.
    pub fn trace_recent(&self, limit: usize) -> Result<Vec<TraceRecord>> {
        let table = self.txn().open_table(schema::TRACE)?;
        let mut out = Vec::new();
        for entry in table.iter()?.rev().take(limit) {
            let (_, v) = entry?;
            out.push(super::trace_codec::decode(v.value().1)?);
        }
        Ok(out)
    }

    /// Records kept now.
    pub fn trace_count(&self) -> Result<u64> {
        let table = self.txn().open_table(schema::TRACE)?;
        Ok(match (table.first()?, table.last()?) {
            (Some((first, _)), Some((last, _))) => last.value() - first.value() + 1,
            _ => 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn record(id: &str) -> TraceRecord {
        TraceRecord {
            queue_id: id.into(),
            outcome: "delivered".into(),
            ..TraceRecord::default()
        }
    }

    #[test]
    fn the_cap_rotates_the_oldest_out() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        for i in 0..25 {
            let r = record(&format!("Q{i:02}"));
            store
                .write_blocking(move |tx| tx.trace_append(&r, 10))
                .unwrap();
        }
        let read = store.read().unwrap();
        assert_eq!(read.trace_count().unwrap(), 10);
        assert!(read.trace("Q14").unwrap().is_none(), "rotated out");
        assert_eq!(read.trace("Q15").unwrap().unwrap().queue_id, "Q15");
        assert_eq!(read.trace("Q24").unwrap().unwrap().queue_id, "Q24");
        let recent: Vec<String> = read
            .trace_recent(3)
            .unwrap()
            .into_iter()
            .map(|r| r.queue_id)
            .collect();
        assert_eq!(recent, ["Q24", "Q23", "Q22"]);
        // The index shrank with the records.
        let ids = read.txn.open_table(schema::TRACE_IDS).unwrap();
        assert_eq!(ids.len().unwrap(), 10);
        drop(ids);
        drop(read);

        // A lowered cap drops several at once; 0 records nothing.
        let r = record("Q25");
        store
            .write_blocking(move |tx| tx.trace_append(&r, 4))
            .unwrap();
        let r = record("Q26");
        store
            .write_blocking(move |tx| tx.trace_append(&r, 0))
            .unwrap();
        let read = store.read().unwrap();
        assert_eq!(read.trace_count().unwrap(), 4);
        assert!(read.trace("Q21").unwrap().is_none());
        assert!(read.trace("Q22").unwrap().is_some());
        assert!(read.trace("Q26").unwrap().is_none());
    }

    #[test]
    fn a_deferred_write_rides_with_the_next_commit_or_goes_alone_soon() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let r = record("D1");
        store.write_deferred(move |tx| tx.trace_append(&r, 10));
        // The next ordinary write commits it.
        store
            .write_blocking(|tx| tx.add_domain("example.org").map(|_| ()))
            .unwrap();
        assert!(store.read().unwrap().trace("D1").unwrap().is_some());
        // Alone, it is committed within about a second.
        let r = record("D2");
        store.write_deferred(move |tx| tx.trace_append(&r, 10));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while store.read().unwrap().trace("D2").unwrap().is_none() {
            assert!(
                std::time::Instant::now() < deadline,
                "deferred write never committed"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        // A failing deferred write does not fail the write it rides with.
        store.write_deferred(|_| Err(crate::store::StoreError::Invalid("boom".into())));
        store
            .write_blocking(|tx| tx.add_domain("example.net").map(|_| ()))
            .unwrap();
    }

    /// `is_bounded` says false exactly where `bound` would change the record.
    #[test]
    fn is_bounded_agrees_with_bound() {
        let long = "é".repeat(MAX_TEXT + 1);
        let many = |n: usize| (0..n).map(|i| format!("t{i}")).collect::<Vec<_>>();
        type Case<'a> = Box<dyn Fn(&mut TraceRecord) + 'a>;
        let cases: Vec<Case> = vec![
            Box::new(|_| {}),
            Box::new(|r| r.helo = "é".repeat(MAX_TEXT)),
            Box::new(|r| r.helo = long.clone()),
            Box::new(|r| r.mail_from = "a\tb".into()),
            Box::new(|r| r.subject = Some("x\ny".into())),
            Box::new(|r| r.reply = Some(long.clone())),
            Box::new(|r| r.recipients = many(MAX_ITEMS)),
            Box::new(|r| r.recipients = many(MAX_ITEMS + 1)),
            Box::new(|r| r.outbound = many(MAX_ITEMS + 1)),
            Box::new(|r| r.dropped = vec![("a".into(), "why\r".into())]),
            Box::new(|r| {
                r.plugins = vec![TracePlugin {
                    explanation: Some(long.clone()),
                    ..TracePlugin::default()
                }]
            }),
            Box::new(|r| {
                r.plugins = vec![TracePlugin {
                    per_recipient: many(MAX_ITEMS + 1),
                    ..TracePlugin::default()
                }]
            }),
            Box::new(|r| {
                r.sieve = vec![TraceSieve {
                    recipient: "a".into(),
                    actions: vec!["keep\u{7}".into()],
                }]
            }),
            Box::new(|r| {
                r.folders = vec![TraceFolder {
                    flags: many(MAX_ITEMS + 1),
                    ..TraceFolder::default()
                }]
            }),
        ];
        for (i, case) in cases.iter().enumerate() {
            let mut r = record("Q");
            case(&mut r);
            let mut b = r.clone();
            b.bound();
            assert_eq!(r.is_bounded(), b == r, "case {i}");
            assert!(b.is_bounded(), "case {i} bounded");
        }
    }

    #[test]
    fn a_record_is_bounded() {
        let mut r = record("Q");
        r.recipients = (0..1000).map(|i| format!("r{i}@x")).collect();
        r.subject = Some("s\r\n".repeat(1000));
        r.bound();
        assert_eq!(r.recipients.len(), MAX_ITEMS);
        assert_eq!(r.subject.as_ref().unwrap().chars().count(), MAX_TEXT);
        assert!(!r.subject.unwrap().contains('\n'));
    }
}
