//! CONDSTORE and QRESYNC (RFC 7162): enabling, the HIGHESTMODSEQ of SELECT, the QRESYNC answer
//! of SELECT (VANISHED (EARLIER) and FETCH of changed messages), the VANISHED modifier of UID
//! FETCH, and the MODSEQ of SEARCH results. The per-message modseq and the remembered expunges
//! live in the store (`store::modseq`).

use super::command::{Qresync, SearchKey, SeqNum, SequenceSet};
use super::response::{Status, tagged, untagged, untagged_status, write_flag_list};
use super::sequence::{UidList, encode_uid_set};
use super::session::Session;
use crate::store::Vanished;

/// Inclusive UID ranges of a set, ascending and merged, with `*` standing for `star`; `$` is
/// the saved search result.
pub(super) fn uid_ranges(set: &SequenceSet, star: u32, saved: Option<&[u32]>) -> Vec<(u32, u32)> {
    let mut ranges: Vec<(u32, u32)> = match set {
        SequenceSet::Saved => saved.unwrap_or_default().iter().map(|&u| (u, u)).collect(),
        SequenceSet::Ranges(rs) => rs
            .iter()
            .map(|r| {
                let v = |n: SeqNum| match n {
                    SeqNum::Value(v) => v,
                    SeqNum::Star => star,
                };
                let (a, b) = (v(r.start), v(r.end));
                (a.min(b), a.max(b))
            })
            .collect(),
    };
    ranges.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        match out.last_mut() {
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn in_ranges(ranges: &[(u32, u32)], uid: u32) -> bool {
    let i = ranges.partition_point(|r| r.1 < uid);
    ranges.get(i).is_some_and(|r| r.0 <= uid)
}

/// The UIDs of `ranges` below `uid_next` that are not in `existing` (ascending), as ranges:
/// what may have vanished when the individual expunges are no longer remembered
/// (RFC 7162 §3.2.5.2). Never enumerates the ranges, so `1:4294967295` costs nothing.
fn missing_ranges<L: UidList + ?Sized>(
    ranges: &[(u32, u32)],
    existing: &L,
    uid_next: u32,
) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let last = match uid_next.checked_sub(1) {
        Some(l) if l >= 1 => l,
        _ => return out,
    };
    for &(a, b) in ranges {
        let (mut a, b) = (a.max(1), b.min(last));
        if a > b {
            continue;
        }
        for u in existing
            .indices_between(a, b)
            .filter_map(|i| existing.uid_at(i))
        {
            if u > a {
                out.push((a, u - 1));
            }
            a = u.saturating_add(1);
        }
        if a <= b && a != 0 {
            out.push((a, b));
        }
    }
    out
}

fn render_ranges(ranges: &[(u32, u32)]) -> String {
    ranges
        .iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}:{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Does the search use MODSEQ (a CONDSTORE enabling command, RFC 7162 §3.1.5)?
pub(super) fn uses_modseq(key: &SearchKey) -> bool {
    match key {
        SearchKey::ModSeq(_) => true,
        SearchKey::And(keys) => keys.iter().any(uses_modseq),
        SearchKey::Or(a, b) => uses_modseq(a) || uses_modseq(b),
        SearchKey::Not(k) => uses_modseq(k),
        _ => false,
    }
}

/// Adds ` MODSEQ n` to an ESEARCH response (RFC 7162 §3.1.5) before its CRLF.
pub(super) fn with_esearch_modseq(mut line: Vec<u8>, modseq: Option<u64>) -> Vec<u8> {
    if let Some(m) = modseq
        && line.ends_with(b"\r\n")
    {
        line.truncate(line.len() - 2);
        line.extend_from_slice(format!(" MODSEQ {m}\r\n").as_bytes());
    }
    line
}

impl Session {
    /// A CONDSTORE enabling command (RFC 7162 §3.1): from now on flag changes carry MODSEQ.
    /// Enabled with a mailbox selected, the client learns its HIGHESTMODSEQ at once (§3.1.2).
    pub(super) fn enable_condstore(&mut self) {
        if self.condstore {
            return;
        }
        self.condstore = true;
        if let Some(highest) = self.selected().map(|s| s.mailbox.highest_modseq) {
            self.send_highest_modseq(highest);
        }
    }

    fn send_highest_modseq(&mut self, highest: u64) {
        // A mailbox never changed by a modseq-aware store has none to offer (§3.1.2.2).
        let line = if highest == 0 {
            untagged_status(Status::Ok, Some("NOMODSEQ"), "No modseqs here")
        } else {
            untagged_status(
                Status::Ok,
                Some(&format!("HIGHESTMODSEQ {highest}")),
                "Highest",
            )
        };
        self.send(line);
    }

    /// SELECT/EXAMINE with RFC 7162 parameters; the plain ones go straight to `select`.
    pub(super) async fn select_with_params(
        &mut self,
        tag: &str,
        mailbox: &str,
        read_only: bool,
        condstore: bool,
        qresync: Option<Qresync>,
    ) {
        if qresync.is_some() && !self.qresync {
            // RFC 7162 §3.2.5: QRESYNC parameter without ENABLE QRESYNC.
            self.send(tagged(tag, Status::Bad, None, "ENABLE QRESYNC first"));
            return;
        }
        if self.qresync && self.selected().is_some() {
            // RFC 7162 §3.2.11: the boundary between the old mailbox's responses and the new.
            self.send(untagged_status(
                Status::Ok,
                Some("CLOSED"),
                "Previous mailbox closed",
            ));
        }
        if condstore {
            self.condstore = true;
        }
        self.pending_qresync = qresync;
        self.select(tag, mailbox, read_only).await;
        self.pending_qresync = None;
    }

    /// Called by `select` before its tagged OK: `[HIGHESTMODSEQ]` (RFC 7162 §3.1.2.1, sent on
    /// every SELECT) and, for SELECT (QRESYNC ...), what changed since the client's modseq.
    pub(super) fn select_modseq_responses(&mut self) {
        let Some(sel) = self.selected() else {
            return;
        };
        let highest = sel.mailbox.highest_modseq;
        let uidvalidity = sel.mailbox.uidvalidity;
        self.send_highest_modseq(highest);
        let Some(q) = self.pending_qresync.take() else {
            return;
        };
        // A different UIDVALIDITY: the client must start over; nothing to add (§3.2.5).
        if q.uidvalidity != uidvalidity || highest == 0 {
            return;
        }
        self.qresync_report(&q);
    }

    /// RFC 7162 §3.2.5.1: `VANISHED (EARLIER)` for the known UIDs expunged since `q.modseq`,
    /// then `FETCH (UID FLAGS MODSEQ)` for the known messages changed since then.
    fn qresync_report(&mut self, q: &Qresync) {
        let Some(sel) = self.selected() else {
            return;
        };
        let mailbox_id = sel.mailbox.id;
        let uid_next = sel.mailbox.uid_next;
        let star = uid_next.saturating_sub(1);
        let known = match &q.known_uids {
            Some(set) => uid_ranges(set, star, None),
            None => vec![(1, star.max(1))],
        };
        // The session keeps no modseq per message: the shared view of the mailbox (the same
        // read every session's sync uses) says which messages changed since the client's.
        let changed: Vec<u32> = match self.store.mailbox_view(mailbox_id) {
            Ok(Some(view)) => view
                .messages
                .iter()
                .filter(|m| m.modseq > q.modseq && in_ranges(&known, m.uid))
                .filter(|m| sel.uids.contains(m.uid))
                .map(|m| m.uid)
                .collect(),
            Ok(None) => Vec::new(),
            Err(e) => {
                tracing::warn!(error = %e, "QRESYNC: cannot read the mailbox");
                return;
            }
        };
        let present = sel.uids.clone();
        let read = match self.store.read() {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "QRESYNC: cannot read the store");
                return;
            }
        };
        let vanished = match read.vanished_since(mailbox_id, q.modseq) {
            Ok(Vanished::Known(uids)) => {
                let uids: Vec<u32> = uids
                    .into_iter()
                    .filter(|u| in_ranges(&known, *u) && !present.contains(*u))
                    .collect();
                encode_uid_set(&uids)
            }
            Ok(Vanished::Forgotten) => render_ranges(&missing_ranges(&known, &present, uid_next)),
            Err(e) => {
                tracing::warn!(error = %e, "QRESYNC: cannot read expunges");
                return;
            }
        };
        let metas = read
            .messages_by_uid(mailbox_id, &changed)
            .unwrap_or_default();
        drop(read);
        if !vanished.is_empty() {
            self.send(untagged(&format!("VANISHED (EARLIER) {vanished}")));
        }
        for meta in metas {
            let Some(seq) = self.selected().and_then(|s| s.seq_of(meta.uid)) else {
                continue;
            };
            let mut line = format!("* {seq} FETCH (UID {} FLAGS ", meta.uid).into_bytes();
            write_flag_list(&mut line, &meta.flags);
            line.extend_from_slice(format!(" MODSEQ ({}))\r\n", meta.modseq).as_bytes());
            self.out.extend(line);
            if let Some(sel) = self.selected_mut() {
                sel.seen_modseq(&meta);
            }
        }
    }

    /// Checks the RFC 7162 modifiers of a FETCH; replies BAD and returns false when they are
    /// not allowed. `VANISHED` needs UID FETCH, CHANGEDSINCE and ENABLE QRESYNC (§3.2.6).
    pub(super) fn fetch_modifiers_ok(
        &mut self,
        tag: &str,
        uid: bool,
        changed_since: Option<u64>,
        vanished: bool,
    ) -> bool {
        if vanished && !(uid && changed_since.is_some() && self.qresync) {
            self.send(tagged(
                tag,
                Status::Bad,
                None,
                "VANISHED needs UID FETCH, CHANGEDSINCE and ENABLE QRESYNC",
            ));
            return false;
        }
        if changed_since.is_some() {
            self.enable_condstore();
        }
        true
    }

    /// UID FETCH ... (CHANGEDSINCE n VANISHED): the UIDs of the set expunged since `n`, as
    /// `VANISHED (EARLIER)`, before the FETCH responses (RFC 7162 §3.2.6).
    pub(super) fn report_vanished_earlier(&mut self, set: &SequenceSet, since: u64) {
        let Some(sel) = self.selected() else {
            return;
        };
        let mailbox_id = sel.mailbox.id;
        let uid_next = sel.mailbox.uid_next;
        let star = sel.uids.last().unwrap_or(0);
        let ranges = uid_ranges(set, star, sel.saved.as_deref());
        let present = sel.uids.clone();
        let vanished = match self
            .store
            .read()
            .and_then(|r| r.vanished_since(mailbox_id, since))
        {
            Ok(Vanished::Known(uids)) => {
                let uids: Vec<u32> = uids
                    .into_iter()
                    .filter(|u| in_ranges(&ranges, *u) && !present.contains(*u))
                    .collect();
                encode_uid_set(&uids)
            }
            Ok(Vanished::Forgotten) => render_ranges(&missing_ranges(&ranges, &present, uid_next)),
            Err(e) => {
                tracing::warn!(error = %e, "VANISHED: cannot read expunges");
                return;
            }
        };
        if !vanished.is_empty() {
            self.send(untagged(&format!("VANISHED (EARLIER) {vanished}")));
        }
    }

    /// The highest modseq of the messages a MODSEQ search found (RFC 7162 §3.1.5), `results`
    /// being sequence numbers or UIDs.
    pub(super) fn search_modseq(&self, results: &[u32], uid: bool) -> Option<u64> {
        let sel = self.selected()?;
        let uids: Vec<u32> = if uid {
            results.to_vec()
        } else {
            results
                .iter()
                .filter_map(|&n| sel.uids.get((n as usize).checked_sub(1)?))
                .collect()
        };
        // The current modseqs, as the search itself saw them (not what the client was told).
        let metas = self
            .store
            .read()
            .and_then(|r| r.messages_by_uid(sel.mailbox.id, &uids))
            .ok()?;
        metas.iter().map(|m| m.modseq).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::command::SeqRange;

    fn set(ranges: &[(u32, u32)]) -> SequenceSet {
        SequenceSet::Ranges(
            ranges
                .iter()
                .map(|&(a, b)| SeqRange {
                    start: SeqNum::Value(a),
                    end: SeqNum::Value(b),
                })
                .collect(),
        )
    }

    #[test]
    fn ranges_merge_and_answer_membership() {
        let r = uid_ranges(&set(&[(5, 3), (7, 9), (6, 6), (20, 20)]), 100, None);
        assert_eq!(r, vec![(3, 9), (20, 20)]);
        assert!(in_ranges(&r, 3) && in_ranges(&r, 9) && in_ranges(&r, 20));
        assert!(!in_ranges(&r, 2) && !in_ranges(&r, 10) && !in_ranges(&r, 21));
    }

    #[test]
    fn missing_uids_without_enumerating() {
        let r = vec![(1, u32::MAX)];
        assert_eq!(
            render_ranges(&missing_ranges(&r, &[2, 3, 7][..], 10)),
            "1,4:6,8:9"
        );
        assert_eq!(render_ranges(&missing_ranges(&r, &[0u32; 0][..], 1)), "");
        assert_eq!(
            render_ranges(&missing_ranges(&[(3, 4), (9, 12)], &[4, 9][..], 11)),
            "3,10"
        );
    }

    #[test]
    fn modseq_in_nested_search_keys() {
        assert!(uses_modseq(&SearchKey::Not(Box::new(SearchKey::ModSeq(3)))));
        assert!(!uses_modseq(&SearchKey::And(vec![])));
    }
}
