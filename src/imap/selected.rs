//! The selected mailbox as this session knows it: sequence numbers ↔ UIDs and how far flag
//! changes were reported, and the untagged updates (EXISTS, EXPUNGE, FETCH FLAGS) that bring the
//! client up to date with the store (RFC 9051 §5.2, §7.5.1).
//!
//! An idle session's state does not grow with the mailbox: the UIDs are runs (`UidMap`), and
//! instead of a modseq per message it keeps the modseq up to which changes were reported, plus
//! the few messages it told the client about since (its own STORE and FETCH FLAGS replies).

use super::response::{Status, tagged, untagged, untagged_status, write_flag_list};
use super::session::{Session, State};
use super::uidmap::UidMap;
use crate::store::{Mailbox, MessageMeta};
use std::collections::BTreeMap;

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
    /// UIDs in sequence order: message `seq` is `uids.get(seq - 1)`.
    pub uids: UidMap,
    /// The mailbox's highest modseq when last synchronised: equal means nothing changed.
    pub highest_modseq: u64,
    /// Every flag change up to this modseq was reported for the messages the client knows
    /// (RFC 7162 §3.1.1 modseqs only grow): a sync reports the messages above it.
    flags_modseq: u64,
    /// Messages above `flags_modseq` whose flags the client was already shown (by STORE or
    /// FETCH replies), with the modseq shown, so that a sync does not announce them twice.
    /// Emptied by each sync; holds only what changed since the last one.
    told: BTreeMap<u32, u64>,
    /// RFC 5182 SEARCHRES saved result (UIDs).
    pub saved: Option<Vec<u32>>,
    /// Keywords the client was told about in FLAGS beyond `DEFAULT_KEYWORDS`: a FETCH may
    /// show no other (RFC 3501 §7.2.6), so a new one is announced first.
    keywords: Vec<String>,
    /// UIDs that are `\Recent` in this session (RFC 3501 §2.3.2), ascending; always empty in
    /// IMAP4rev2 sessions (RFC 9051 dropped \Recent).
    pub recent: UidMap,
    /// RFC 5267 §4.3 searches kept up to date (CONTEXT=SEARCH).
    pub updates: Vec<super::context::UpdateSearch>,
}

impl Selected {
    pub fn new(mailbox: Mailbox, read_only: bool, messages: &[MessageMeta]) -> Selected {
        // `messages` were read with `mailbox` in one transaction: none is above its modseq.
        let mut selected = Selected {
            highest_modseq: mailbox.highest_modseq,
            flags_modseq: mailbox.highest_modseq,
            told: BTreeMap::new(),
            mailbox,
            read_only,
            uids: UidMap::from_ascending(messages.iter().map(|m| m.uid)),
            saved: None,
            keywords: Vec::new(),
            recent: UidMap::default(),
            updates: Vec::new(),
        };
        for m in messages {
            selected.learn_keywords(&m.flags);
        }
        selected
    }

    /// The keywords announced so far: the defaults (shared, static), then those learnt.
    fn keywords(&self) -> impl Iterator<Item = &str> {
        DEFAULT_KEYWORDS
            .iter()
            .copied()
            .chain(self.keywords.iter().map(String::as_str))
    }

    pub fn keyword_count(&self) -> usize {
        DEFAULT_KEYWORDS.len() + self.keywords.len()
    }

    fn knows_keyword(&self, flag: &str) -> bool {
        self.keywords().any(|k| k.eq_ignore_ascii_case(flag))
    }

    /// Adds the keywords of `flags` not announced yet; returns whether there were any.
    fn learn_keywords(&mut self, flags: &[String]) -> bool {
        let mut new = false;
        for f in flags {
            if !f.starts_with('\\') && !self.knows_keyword(f) {
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
            .filter(|f| !self.knows_keyword(f))
            .count()
    }

    /// The untagged FLAGS and `OK [PERMANENTFLAGS]` responses for the keywords known so far.
    pub fn flags_lines(&self) -> Vec<u8> {
        let mut flags = SYSTEM_FLAGS.to_string();
        for k in self.keywords() {
            flags.push(' ');
            flags.push_str(k);
        }
        let mut out = untagged(&format!("FLAGS ({flags})"));
        let permanent = if self.read_only {
            "PERMANENTFLAGS ()".to_string()
        } else if self.keyword_count() >= MAX_KEYWORDS {
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
        self.recent.contains(uid)
    }

    /// Marks the UIDs above `claimed_before` (up to `up_to`) that the session knows as recent.
    pub fn mark_recent(&mut self, claimed_before: u32, up_to: u32) {
        let Some(lo) = claimed_before.checked_add(1) else {
            return;
        };
        let range = self.uids.index_range(lo, up_to);
        let Some(first) = self.uids.get(range.start) else {
            return;
        };
        if range.is_empty() {
            return;
        }
        let new = range.filter_map(|i| self.uids.get(i));
        if self.recent.last().is_none_or(|last| first > last) {
            // The usual case: a claim above everything recent so far.
            for uid in new {
                self.recent.push(uid);
            }
        } else {
            let mut all: Vec<u32> = self.recent.iter().chain(new).collect();
            all.sort_unstable();
            all.dedup();
            self.recent = UidMap::from_ascending(all);
        }
    }

    /// Number of recent messages still in the mailbox (the RECENT response).
    pub fn recent_count(&self) -> usize {
        self.recent.len()
    }

    pub fn seq_of(&self, uid: u32) -> Option<u32> {
        self.uids.position(uid).map(|i| i as u32 + 1)
    }

    /// Notes that the client has been told about `meta` (after STORE or FETCH FLAGS).
    pub fn seen_modseq(&mut self, meta: &MessageMeta) {
        if meta.modseq > self.flags_modseq && self.uids.contains(meta.uid) {
            let told = self.told.entry(meta.uid).or_insert(0);
            *told = (*told).max(meta.modseq);
        }
    }

    /// Whether a sync must show the flags of `meta` (a message the client knows).
    fn flags_unreported(&self, meta: &MessageMeta) -> bool {
        meta.modseq > self.flags_modseq && self.told.get(&meta.uid).is_none_or(|&t| t < meta.modseq)
    }

    /// Bytes this state holds on the heap beyond the struct, for the mailbox-size-independent
    /// part (what an idle session costs); the SEARCHRES result and CONTEXT searches are the
    /// client's own and not counted.
    #[cfg(test)]
    pub fn heap_size(&self) -> usize {
        self.uids.heap_size()
            + self.recent.heap_size()
            + self.told.len() * 48
            + self.keywords.capacity() * std::mem::size_of::<String>()
            + self.keywords.iter().map(String::capacity).sum::<usize>()
            + self.mailbox.name.capacity()
            + self
                .mailbox
                .special_use
                .as_ref()
                .map_or(0, String::capacity)
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
        // Ascending by UID, as the store keeps them.
        let messages = &view.messages;
        let mut out = Vec::new();

        // Expunged messages: those the session knows that the store no longer has, found by
        // walking both ascending lists (no per-sync index of the mailbox).
        let mut removed_any = false;
        if expunges {
            let mut gone: Vec<(usize, u32)> = Vec::new();
            let mut present = messages.iter().map(|m| m.uid).peekable();
            for (i, uid) in selected.uids.iter().enumerate() {
                while present.next_if(|&u| u < uid).is_some() {}
                if present.next_if_eq(&uid).is_none() {
                    gone.push((i, uid));
                }
            }
            if !gone.is_empty() {
                out.extend(super::context::removals_before_expunge(
                    &mut selected.updates,
                    &gone,
                ));
                if qresync {
                    // RFC 7162 §3.2.7: after ENABLE QRESYNC, one VANISHED replaces the EXPUNGEs.
                    let uids: Vec<u32> = gone.iter().map(|&(_, u)| u).collect();
                    let set = super::sequence::encode_uid_set(&uids);
                    out.extend(untagged(&format!("VANISHED {set}")));
                } else {
                    // Highest sequence number first so that each number is still valid when
                    // the client applies it.
                    for &(i, _) in gone.iter().rev() {
                        out.extend(untagged(&format!("{} EXPUNGE", i + 1)));
                    }
                }
                let is_gone = |u: u32| gone.binary_search_by_key(&u, |&(_, g)| g).is_ok();
                selected.uids.retain(|u| !is_gone(u));
                selected.recent.retain(|u| !is_gone(u));
                selected.told.retain(|u, _| !is_gone(*u));
                removed_any = true;
            }
        }
        // Flag changes of messages the client knows, in sequence order, each after the FLAGS
        // response that announces a new keyword (RFC 3501 §7.2.6). Only messages above the
        // modseq reported so far can have changed.
        for meta in messages.iter() {
            if !selected.flags_unreported(meta) {
                continue;
            }
            let Some(seq) = selected.seq_of(meta.uid) else {
                // New (reported below with EXISTS) or expunged.
                continue;
            };
            out.extend(selected.announce(&meta.flags));
            let mut line = format!("* {seq} FETCH (UID {} FLAGS ", meta.uid).into_bytes();
            write_flag_list(&mut line, &selected.shown_flags(meta));
            if condstore {
                line.extend_from_slice(format!(" MODSEQ ({})", meta.modseq).as_bytes());
            }
            line.extend_from_slice(b")\r\n");
            out.extend(line);
        }
        // Everything in the view is reported now (new messages below are known as they are).
        let reported = messages
            .iter()
            .map(|m| m.modseq)
            .fold(mailbox.highest_modseq, u64::max);
        selected.flags_modseq = selected.flags_modseq.max(reported);
        let flags_modseq = selected.flags_modseq;
        selected.told.retain(|_, m| *m > flags_modseq);
        // New messages; their keywords are announced before EXISTS, so that a client that
        // fetches them sees no unknown keyword.
        let last = selected.uids.last().unwrap_or(0);
        let mut added = false;
        for meta in messages.iter().filter(|m| m.uid > last) {
            selected.uids.push(meta.uid);
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
        let (id, known) = (sel.mailbox.id, sel.uids.last().unwrap_or(0));
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
            internal_date_offset: 0,
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
        assert_eq!(sel.recent.iter().collect::<Vec<_>>(), vec![2]);
        assert_eq!(
            sel.shown_flags(&meta(2, &["\\Seen"])),
            vec!["\\Seen", "\\Recent"]
        );
        assert!(sel.shown_flags(&meta(3, &[])).is_empty());
        sel.mark_recent(2, 3);
        assert_eq!(sel.recent_count(), 2);
    }

    #[test]
    fn an_idle_session_on_a_large_mailbox_holds_a_few_kb() {
        // 10,000 messages with a few expunged ones (gaps) and keywords from the defaults.
        let messages: Vec<MessageMeta> = (1..=10_050u32)
            .filter(|u| u % 1_000 != 7)
            .take(10_000)
            .map(|u| {
                let mut m = meta(u, &["\\Seen", "$Junk"]);
                m.modseq = u64::from(u);
                m
            })
            .collect();
        let mut sel = selected(&messages);
        sel.mark_recent(9_000, u32::MAX);
        assert_eq!(sel.uids.len(), 10_000);
        assert!(sel.recent_count() > 900);
        let bytes = sel.heap_size();
        assert!(bytes < 4096, "{bytes} bytes for an idle session");
        // A per-message array (the former `Vec<u32>` of UIDs alone) would be 40,000 bytes.
        assert!(bytes * 10 < 40_000);
    }

    #[test]
    fn flags_told_by_the_session_are_not_announced_again() {
        let mut sel = selected(&[meta(1, &[]), meta(2, &[])]);
        let mut changed = meta(2, &["\\Seen"]);
        changed.modseq = 5;
        assert!(sel.flags_unreported(&changed));
        sel.seen_modseq(&changed);
        assert!(!sel.flags_unreported(&changed));
        // A later change by someone else is news again.
        changed.modseq = 6;
        assert!(sel.flags_unreported(&changed));
        // Unknown messages are not recorded.
        let mut other = meta(9, &[]);
        other.modseq = 7;
        sel.seen_modseq(&other);
        assert!(!sel.told.contains_key(&9));
    }
}
