//! The selected mailbox as this session knows it: sequence numbers ↔ UIDs and the modseq of
//! each message, and the untagged updates (EXISTS, EXPUNGE, FETCH FLAGS) that bring the client
//! up to date with the store (RFC 9051 §5.2, §7.5.1).

use super::response::{Status, tagged, untagged, untagged_status, write_flag_list};
use super::session::{Session, State};
use crate::store::{Mailbox, MessageMeta};

/// The system flags, always in FLAGS and PERMANENTFLAGS.
const SYSTEM_FLAGS: &str = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

/// Distinct keywords a client may bring into one mailbox with STORE: each new one is announced
/// to every session with the whole list (RFC 3501 §7.2.6), so their number stays bounded.
pub(super) const MAX_KEYWORDS: usize = 1000;

/// Keywords announced even before any message carries them (spam training, forwarding, MDN,
/// reporting phishing: RFC 5788 registry).
const DEFAULT_KEYWORDS: [&str; 5] = ["$Junk", "$NotJunk", "$Forwarded", "$MDNSent", "$Phishing"];

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
    /// Keywords the client was told about in FLAGS: a FETCH may show no other (RFC 3501
    /// §7.2.6), so a new one is announced first.
    pub keywords: Vec<String>,
    /// UIDs that are `\Recent` in this session (RFC 3501 §2.3.2), ascending; always empty in
    /// IMAP4rev2 sessions (RFC 9051 dropped \Recent).
    pub recent: Vec<u32>,
    /// RFC 5267 §4.3 searches kept up to date (CONTEXT=SEARCH).
    pub updates: Vec<super::context::UpdateSearch>,
}

impl Selected {
    pub fn new(mailbox: Mailbox, read_only: bool, messages: &[MessageMeta]) -> Selected {
        let mut selected = Selected {
            highest_modseq: mailbox.highest_modseq,
            mailbox,
            read_only,
            uids: messages.iter().map(|m| m.uid).collect(),
            modseqs: messages.iter().map(|m| m.modseq).collect(),
            saved: None,
            keywords: DEFAULT_KEYWORDS.iter().map(|k| k.to_string()).collect(),
            recent: Vec::new(),
            updates: Vec::new(),
        };
        for m in messages {
            selected.learn_keywords(&m.flags);
        }
        selected
    }

    /// Adds the keywords of `flags` not announced yet; returns whether there were any.
    fn learn_keywords(&mut self, flags: &[String]) -> bool {
        let mut new = false;
        for f in flags {
            if !f.starts_with('\\') && !self.keywords.iter().any(|k| k.eq_ignore_ascii_case(f)) {
                self.keywords.push(f.clone());
                new = true;
            }
        }
        new
    }

    /// How many of `flags` would be new keywords here.
    pub fn new_keywords(&self, flags: &[String]) -> usize {
        flags
            .iter()
            .filter(|f| !f.starts_with('\\'))
            .filter(|f| !self.keywords.iter().any(|k| k.eq_ignore_ascii_case(f)))
            .count()
    }

    /// The untagged FLAGS and `OK [PERMANENTFLAGS]` responses for the keywords known so far.
    pub fn flags_lines(&self) -> Vec<u8> {
        let mut flags = SYSTEM_FLAGS.to_string();
        for k in &self.keywords {
            flags.push(' ');
            flags.push_str(k);
        }
        let mut out = untagged(&format!("FLAGS ({flags})"));
        let permanent = if self.read_only {
            "PERMANENTFLAGS ()".to_string()
        } else if self.keywords.len() >= MAX_KEYWORDS {
            // No room for new keywords: no `\*` (RFC 3501 §7.1).
            format!("PERMANENTFLAGS ({flags})")
        } else {
            format!("PERMANENTFLAGS ({flags} \\*)")
        };
        out.extend(untagged_status(
            Status::Ok,
            Some(&permanent),
            "Flags permitted",
        ));
        out
    }

    /// Before a FETCH shows `flags`: the FLAGS responses to send first when they hold a keyword
    /// the client has not been told about (RFC 3501 §7.2.6), else nothing.
    pub fn announce(&mut self, flags: &[String]) -> Vec<u8> {
        if self.learn_keywords(flags) {
            self.flags_lines()
        } else {
            Vec::new()
        }
    }

    /// The flags of `meta` as this session shows them: with `\Recent` when it is recent here.
    pub fn shown_flags(&self, meta: &MessageMeta) -> Vec<String> {
        let mut flags = meta.flags.clone();
        if self.is_recent(meta.uid) {
            flags.push("\\Recent".to_string());
        }
        flags
    }

    pub fn is_recent(&self, uid: u32) -> bool {
        self.recent.binary_search(&uid).is_ok()
    }

    /// Marks the UIDs above `claimed_before` (up to `up_to`) that the session knows as recent.
    pub fn mark_recent(&mut self, claimed_before: u32, up_to: u32) {
        for &uid in &self.uids {
            if uid > claimed_before && uid <= up_to && !self.is_recent(uid) {
                self.recent.push(uid);
            }
        }
        self.recent.sort_unstable();
    }

    /// Number of recent messages still in the mailbox (the RECENT response).
    pub fn recent_count(&self) -> usize {
        self.recent.len()
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
        let claim = self.claim_recent().await;
        let (condstore, qresync) = (self.condstore, self.qresync);
        let State::Selected(_, selected) = &mut self.state else {
            return;
        };
        // One shared read per change: thousands of IDLE sessions on one mailbox wake together.
        let view = match self.store.mailbox_view(selected.mailbox.id) {
            Ok(Some(v)) => v,
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
        let mailbox = view.mailbox.clone();
        if mailbox.highest_modseq == selected.highest_modseq {
            return;
        }
        let messages = &view.messages;
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
        if removed_any {
            let uids = &selected.uids;
            selected.recent.retain(|u| uids.binary_search(u).is_ok());
        }
        if !vanished.is_empty() {
            vanished.reverse();
            let set = super::sequence::encode_uid_set(&vanished);
            out.extend(untagged(&format!("VANISHED {set}")));
        }
        // Flag changes of messages the client knows, each after the FLAGS response that
        // announces a new keyword (RFC 3501 §7.2.6).
        for i in 0..selected.uids.len() {
            let uid = selected.uids[i];
            if let Some(meta) = current.get(&uid)
                && meta.modseq > selected.modseqs[i]
            {
                out.extend(selected.announce(&meta.flags));
                let mut line = format!("* {} FETCH (UID {uid} FLAGS ", i + 1).into_bytes();
                write_flag_list(&mut line, &selected.shown_flags(meta));
                if condstore {
                    line.extend_from_slice(format!(" MODSEQ ({})", meta.modseq).as_bytes());
                }
                line.extend_from_slice(b")\r\n");
                out.extend(line);
                selected.modseqs[i] = meta.modseq;
            }
        }
        // New messages; their keywords are announced before EXISTS, so that a client that
        // fetches them sees no unknown keyword.
        let last = selected.uids.last().copied().unwrap_or(0);
        let mut added = false;
        for meta in messages.iter().filter(|m| m.uid > last) {
            selected.uids.push(meta.uid);
            selected.modseqs.push(meta.modseq);
            out.extend(selected.announce(&meta.flags));
            added = true;
        }
        if !rev2 {
            match claim {
                Some((before, up_to)) => selected.mark_recent(before, up_to),
                // EXAMINE shows what no session claimed yet, without claiming it.
                None if selected.read_only => selected.mark_recent(mailbox.recent_uid, u32::MAX),
                None => {}
            }
        }
        if added || removed_any {
            out.extend(untagged(&format!("{} EXISTS", selected.uids.len())));
            if !rev2 {
                out.extend(untagged(&format!("{} RECENT", selected.recent_count())));
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
        self.context_updates(messages);
    }

    /// An IMAP4rev1 session with the mailbox selected read-write claims the messages that
    /// arrived since it last looked as its `\Recent` ones (RFC 3501 §2.3.2), in one write so
    /// that no other session claims them too. Returns (highest UID claimed before, up to).
    async fn claim_recent(&mut self) -> Option<(u32, u32)> {
        if self.rev2 {
            return None;
        }
        let sel = self.selected()?;
        if sel.read_only {
            return None;
        }
        let (id, known) = (sel.mailbox.id, sel.uids.last().copied().unwrap_or(0));
        let view = self.store.mailbox_view(id).ok()??;
        let mailbox = &view.mailbox;
        let up_to = mailbox.uid_next.saturating_sub(1);
        // Nothing new, or another session claimed it all already (or is claiming it): no write
        // (many sessions idling on one mailbox must not each write on every delivery).
        if up_to <= known
            || mailbox.recent_uid >= up_to
            || !self.store.begin_recent_claim(mailbox, up_to)
        {
            return None;
        }
        match self.store.write(move |tx| tx.claim_recent(id, up_to)).await {
            Ok(before) => Some((before, up_to)),
            Err(e) => {
                tracing::warn!(error = %e, "cannot claim recent messages");
                None
            }
        }
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

#[cfg(test)]
mod tests {
    use super::Selected;
    use crate::store::{Mailbox, MessageMeta};

    fn meta(uid: u32, flags: &[&str]) -> MessageMeta {
        MessageMeta {
            uid,
            blob: String::new(),
            size: 1,
            internal_date: 0,
            flags: flags.iter().map(|f| f.to_string()).collect(),
            modseq: 1,
        }
    }

    fn selected(messages: &[MessageMeta]) -> Selected {
        let mailbox = Mailbox {
            id: 1,
            account_id: 1,
            name: "INBOX".into(),
            uidvalidity: 1,
            uid_next: 10,
            special_use: None,
            subscribed: true,
            highest_modseq: 1,
            recent_uid: 0,
        };
        Selected::new(mailbox, false, messages)
    }

    #[test]
    fn new_keywords_are_announced_once() {
        let mut sel = selected(&[meta(1, &["$Known", "\\Seen"])]);
        let flags = String::from_utf8(sel.flags_lines()).unwrap();
        assert!(flags.starts_with("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk"));
        assert!(flags.contains("$Known") && flags.contains("\\*)]"));
        assert!(
            sel.announce(&["$known".into(), "\\Flagged".into()])
                .is_empty()
        );
        let lines = String::from_utf8(sel.announce(&["$New".into()])).unwrap();
        assert!(lines.starts_with("* FLAGS (") && lines.contains("$New"));
        assert!(lines.contains("* OK [PERMANENTFLAGS ("));
        assert!(sel.announce(&["$New".into()]).is_empty());
    }

    #[test]
    fn recent_marks_only_the_claimed_range() {
        let mut sel = selected(&[meta(1, &[]), meta(2, &[]), meta(3, &[])]);
        sel.mark_recent(1, 2);
        assert_eq!(sel.recent, vec![2]);
        assert_eq!(
            sel.shown_flags(&meta(2, &["\\Seen"])),
            vec!["\\Seen", "\\Recent"]
        );
        assert!(sel.shown_flags(&meta(3, &[])).is_empty());
        sel.mark_recent(2, 3);
        assert_eq!(sel.recent_count(), 2);
    }
}
