//! The delivery plan: what the pipeline decided for one message.

use crate::store::{AccountId, KvWrite};

/// The message-level decision. Per-recipient outcomes live in the plan's lists.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Verdict {
    #[default]
    Accept,
    /// Refuse at end of DATA (`554 5.7.x`).
    Reject {
        code: u16,
        enhanced: String,
        text: String,
    },
    /// Ask the client to retry later (`451 4.x.y`).
    TempFail {
        code: u16,
        enhanced: String,
        text: String,
    },
    /// Accept and drop.
    Discard,
}

/// One local copy of the message.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LocalDelivery {
    /// The envelope recipient this copy is for.
    pub recipient: String,
    pub account_id: AccountId,
    /// Target folder; INBOX unless a stage files it elsewhere.
    pub mailbox: String,
    /// IMAP flags to set on the stored copy.
    pub flags: Vec<String>,
    /// Create `mailbox` if it does not exist (Sieve `fileinto :create`); otherwise a missing
    /// folder falls back to INBOX.
    pub create: bool,
    /// This copy's content when a stage changed it (Sieve editheader); `None`: the message.
    pub content: Option<Vec<u8>>,
    /// The plugins' tags and score for this recipient, when they differ from the message's.
    pub tags: Vec<String>,
    pub score: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeliveryPlan {
    pub verdict: Verdict,
    pub deliveries: Vec<LocalDelivery>,
    /// Remote recipients, for the outbound queue.
    pub outbound: Vec<String>,
    /// Recipients accepted at RCPT TO that could not be resolved at the end of DATA.
    pub undeliverable: Vec<String>,
    /// Header fields stages add to the top of the message, in order.
    pub add_headers: Vec<(String, String)>,
    /// Spam score summed over the plugins (for Sieve's `spamtest`, later).
    pub score: f64,
    /// Tags the plugins gave the message ("spam", "promotion", …).
    pub tags: Vec<String>,
    /// Recipients a plugin rejected or discarded at the end of DATA, with the reason. (One
    /// DATA reply covers every recipient, so these are dropped, not refused.)
    pub dropped: Vec<(String, String)>,
    /// Recipients whose copy goes to Junk because the message failed the sender's DMARC
    /// policy; applied after the plugins, so no folder suggestion takes it out again.
    pub quarantined: Vec<String>,
    /// Messages Sieve sends (redirect, vacation, notify, DSNs), for the outbound queue.
    pub messages: Vec<crate::sieve::OutMessage>,
    /// Plugins' key-value writes, committed in the same store write as the delivery.
    pub plugin_kv: Vec<KvWrite>,
    /// Redirects to remote targets: (the redirecting address, its remote targets). Turned into
    /// `messages` with an SRS envelope sender once the stages accepted the message.
    pub redirects: Vec<(String, Vec<String>)>,
    /// At least one plugin judged the message (so `score` is theirs: Sieve's `spamtest`).
    pub plugins_ran: bool,
    /// Why the verdict refuses the message, for the metrics; `stages::run` fills it from the
    /// deciding stage when that stage did not say.
    pub refused: Option<crate::metrics::Refused>,
    /// What the stages noted for the message trace (`mailsift trace`).
    pub trace: TraceNotes,
}

/// The stages' notes for the message trace (`store::trace`), gathered as they run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TraceNotes {
    pub subject: Option<String>,
    pub stages: Vec<crate::store::trace::TraceStage>,
    pub plugins: Vec<crate::store::trace::TracePlugin>,
    pub sieve: Vec<crate::store::trace::TraceSieve>,
}

impl Verdict {
    /// The decision as the trace shows it; `None` for accept.
    pub fn describe(&self) -> Option<String> {
        match self {
            Verdict::Accept => None,
            Verdict::Reject {
                code,
                enhanced,
                text,
            } => Some(format!("reject {code} {enhanced} {text}")),
            Verdict::TempFail {
                code,
                enhanced,
                text,
            } => Some(format!("tempfail {code} {enhanced} {text}")),
            Verdict::Discard => Some("discard".into()),
        }
    }
}

impl DeliveryPlan {
    /// The stored message: added header fields, then the message as received (`raw` is
    /// returned as it is when there are none).
    pub fn apply_headers(&self, mut raw: Vec<u8>) -> Vec<u8> {
        if self.add_headers.is_empty() {
            return raw;
        }
        if raw.capacity() - raw.len() < self.fields_len() {
            return self.with_headers(&raw);
        }
        // The buffer has room (the SMTP session leaves some behind a message): the message
        // moves back within it (one move) instead of being copied into a new allocation.
        let mut fields = Vec::with_capacity(self.fields_len());
        self.write_fields(&mut fields);
        raw.splice(0..0, fields);
        raw
    }

    /// Octets of the added header fields.
    fn fields_len(&self) -> usize {
        self.add_headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 4)
            .sum()
    }

    /// [`DeliveryPlan::apply_headers`] of a message the caller keeps: one copy, made here.
    pub fn with_headers(&self, raw: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.fields_len() + raw.len());
        self.write_fields(&mut out);
        out.extend_from_slice(raw);
        out
    }

    /// The added header fields, one per line.
    fn write_fields(&self, out: &mut Vec<u8>) {
        for (name, value) in &self.add_headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            // Values come from stages (later, plugins): CR/LF would forge header lines.
            out.extend(
                value
                    .bytes()
                    .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
            );
            out.extend_from_slice(b"\r\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_place_match_the_copy() {
        let mut plan = DeliveryPlan::default();
        let raw = b"Received: x\r\n\r\nbody\r\n".to_vec();
        assert_eq!(plan.apply_headers(raw.clone()), raw);
        plan.add_headers = vec![
            ("X-A".into(), "1".into()),
            ("X-B".into(), "two\r\nInjected: yes".into()),
        ];
        let copied = plan.with_headers(&raw);
        assert_eq!(
            copied,
            b"X-A: 1\r\nX-B: two  Injected: yes\r\nReceived: x\r\n\r\nbody\r\n"
        );
        // Without room: a new buffer; with room: the same allocation.
        let mut tight = raw.clone();
        tight.shrink_to_fit();
        assert_eq!(plan.apply_headers(tight), copied);
        let mut roomy = Vec::with_capacity(raw.len() + 100);
        roomy.extend_from_slice(&raw);
        let at = roomy.as_ptr();
        let out = plan.apply_headers(roomy);
        assert_eq!((out.as_ptr(), &out), (at, &copied));
    }
}
