//! The selected mailbox as this session knows it: sequence numbers ↔ UIDs and the modseq of
//! each message, and the untagged updates (EXISTS, EXPUNGE, FETCH FLAGS) that bring the client
//! up to date with the store (RFC 9051 §5.2, §7.5.1).

use super::response::{Status, tagged, untagged, write_flag_list};
use super::session::{Session, State};
use crate::store::{Mailbox, MessageMeta};

pub(super) struct Selected {
    pub mailbox: Mailbox,
    pub read_only: bool,
    /// UIDs in sequence order: `uids[seq - 1]`.
    pub uids: Vec<u32>,
    /// Modseq of each message when the client last heard about it, parallel to `uids`.
    pub modseqs: Vec<u64>,
    /// The mailbox's highest modseq when last synchronised: equal means nothing changed.
    pub highest_modseq: u64,
    /// RFC 5182 SEARCHRES saved result (UIDs).
    pub saved: Option<Vec<u32>>,
}

impl Selected {
    pub fn new(mailbox: Mailbox, read_only: bool, messages: &[MessageMeta]) -> Selected {
        Selected {
            highest_modseq: mailbox.highest_modseq,
            mailbox,
            read_only,
            uids: messages.iter().map(|m| m.uid).collect(),
            modseqs: messages.iter().map(|m| m.modseq).collect(),
            saved: None,
        }
    }

    pub fn seq_of(&self, uid: u32) -> Option<u32> {
        self.uids.binary_search(&uid).ok().map(|i| i as u32 + 1)
    }

    /// Notes that the client has been told about `meta` (after STORE or FETCH FLAGS).
    pub fn seen_modseq(&mut self, meta: &MessageMeta) {
        if let Ok(i) = self.uids.binary_search(&meta.uid) {
            self.modseqs[i] = self.modseqs[i].max(meta.modseq);
        }
    }
}

impl Session {
    /// Brings the selected mailbox up to date and queues untagged responses. EXPUNGE responses
    /// are only allowed when `expunges` is set: never during FETCH, STORE or SEARCH, whose
    /// sequence numbers the client is still using (RFC 9051 §7.5.1).
    pub(super) async fn sync(&mut self, expunges: bool) {
        let rev2 = self.rev2;
        let (condstore, qresync) = (self.condstore, self.qresync);
        let State::Selected(_, selected) = &mut self.state else {
            return;
        };
        let read = match self.store.read() {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "sync: cannot read the store");
                return;
            }
        };
        let mailbox = match read.mailbox_by_id(selected.mailbox.id) {
            Ok(Some(m)) => m,
            Ok(None) => {
                // Deleted by another session: RFC 9051 leaves this to the server; closing the
                // connection is what clients handle best.
                self.out.extend(untagged(
                    "BYE [NONEXISTENT] The selected mailbox was deleted",
                ));
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "sync: cannot read the mailbox");
                return;
            }
        };
        if mailbox.highest_modseq == selected.highest_modseq {
            return;
        }
        let messages = match read.messages(mailbox.id) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "sync: cannot read messages");
                return;
            }
        };
        let mut out = Vec::new();
        let current: std::collections::HashMap<u32, &MessageMeta> =
            messages.iter().map(|m| (m.uid, m)).collect();

        // Expunged messages, highest sequence number first so that each number is still valid
        // when the client applies it.
        let mut removed_any = false;
        // RFC 7162 §3.2.7: after ENABLE QRESYNC, one VANISHED replaces the EXPUNGEs.
        let mut vanished = Vec::new();
        if expunges {
            for i in (0..selected.uids.len()).rev() {
                if !current.contains_key(&selected.uids[i]) {
                    if qresync {
                        vanished.push(selected.uids[i]);
                    } else {
                        out.extend(untagged(&format!("{} EXPUNGE", i + 1)));
                    }
                    selected.uids.remove(i);
                    selected.modseqs.remove(i);
                    removed_any = true;
                }
            }
        }
        if !vanished.is_empty() {
            vanished.reverse();
            let set = super::sequence::encode_uid_set(&vanished);
            out.extend(untagged(&format!("VANISHED {set}")));
        }
        // Flag changes of messages the client knows.
        for (i, uid) in selected.uids.iter().enumerate() {
            if let Some(meta) = current.get(uid)
                && meta.modseq > selected.modseqs[i]
            {
                let mut line = format!("* {} FETCH (UID {uid} FLAGS ", i + 1).into_bytes();
                write_flag_list(&mut line, &meta.flags);
                if condstore {
                    line.extend_from_slice(format!(" MODSEQ ({})", meta.modseq).as_bytes());
                }
                line.extend_from_slice(b")\r\n");
                out.extend(line);
                selected.modseqs[i] = meta.modseq;
            }
        }
        // New messages.
        let last = selected.uids.last().copied().unwrap_or(0);
        let mut added = false;
        for meta in messages.iter().filter(|m| m.uid > last) {
            selected.uids.push(meta.uid);
            selected.modseqs.push(meta.modseq);
            added = true;
        }
        if added || removed_any {
            out.extend(untagged(&format!("{} EXISTS", selected.uids.len())));
            if added && !rev2 {
                out.extend(untagged("0 RECENT"));
            }
        }
        // Only when everything was reported may we skip the next sync.
        let pending_expunge = selected.uids.len() != messages.len();
        if !pending_expunge {
            selected.highest_modseq = mailbox.highest_modseq;
        } else if condstore && !out.is_empty() && selected.highest_modseq > 0 {
            // RFC 7162 erratum 1810: MODSEQs were sent while an expunge is held back, so a
            // HIGHESTMODSEQ below that expunge tells the client where to resume from.
            out.extend(super::response::untagged_status(
                Status::Ok,
                Some(&format!("HIGHESTMODSEQ {}", selected.highest_modseq)),
                "Expunges pending",
            ));
        }
        selected.mailbox = mailbox;
        self.out.extend(out);
    }

    /// Replies NO when no mailbox is selected; returns whether one is.
    pub(super) fn require_selected(&mut self, tag: &str) -> bool {
        if matches!(self.state, State::Selected(..)) {
            true
        } else {
            self.send(tagged(tag, Status::Bad, None, "No mailbox selected"));
            false
        }
    }

    pub(super) fn selected(&self) -> Option<&Selected> {
        match &self.state {
            State::Selected(_, s) => Some(s),
            _ => None,
        }
    }

    pub(super) fn selected_mut(&mut self) -> Option<&mut Selected> {
        match &mut self.state {
            State::Selected(_, s) => Some(s),
            _ => None,
        }
    }
}
