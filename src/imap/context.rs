//! CONTEXT=SEARCH (RFC 5267 §4): `RETURN (PARTIAL low:high)` windows of a result and
//! `RETURN (UPDATE)` searches the server keeps and re-evaluates, telling the client with
//! `ESEARCH ... ADDTO`/`REMOVEFROM` as messages arrive, change flags or are expunged, until
//! CANCELUPDATE or the mailbox is closed.

use super::command::{SearchKey, SearchReturn};
use super::response::{Status, tagged, untagged_status, write_string};
use super::session::Session;
use crate::store::MessageMeta;

/// UPDATE searches kept per session: each is re-evaluated on every change of the mailbox, so
/// their number is bounded; beyond it the server answers `NOUPDATE` (RFC 5267 §4.3).
pub(super) const MAX_UPDATES: usize = 10;

/// One search the client asked to be kept up to date.
#[derive(Debug)]
pub(super) struct UpdateSearch {
    pub tag: String,
    pub criteria: SearchKey,
    /// The result the client knows, as UIDs, ascending.
    pub uids: Vec<u32>,
    /// A UID SEARCH: updates carry UIDs and the UID indicator; for a SEARCH they carry
    /// message sequence numbers (RFC 5267 §4.3, RFC 4731 §3.1's UID indicator).
    pub uid: bool,
    /// Messages with a higher modseq are re-evaluated at the next sync.
    pub modseq: u64,
}

/// Does `key` depend on more than the message itself (sequence numbers, `*`, `$`)? Such a
/// search is re-evaluated over the whole mailbox on every change.
fn positional(key: &SearchKey) -> bool {
    match key {
        SearchKey::And(keys) => keys.iter().any(positional),
        SearchKey::Or(a, b) => positional(a) || positional(b),
        SearchKey::Not(k) => positional(k),
        SearchKey::SequenceSet(_) | SearchKey::Uid(_) => true,
        _ => false,
    }
}

/// The part of `results` at the 1-based positions `low..=high` (RFC 5267 §4.4); negative
/// positions count from the end, `-1` being the last (RFC 9394 §3.1).
pub fn partial_slice(results: &[u32], low: i32, high: i32) -> &[u32] {
    let len = results.len();
    let (start, end) = if low > 0 {
        let start = (low as usize - 1).min(len);
        let end = (high.max(low) as usize).min(len);
        (start, end.max(start))
    } else {
        // -a:-b with a <= b in magnitude: from the b-th last to the a-th last.
        let (a, b) = (low.unsigned_abs() as usize, high.unsigned_abs() as usize);
        let start = len.saturating_sub(b.max(a));
        let end = len.saturating_sub(a.min(b).saturating_sub(1));
        (start, end.max(start))
    };
    results.get(start..end).unwrap_or(&[])
}

/// Appends ` PARTIAL (low:high set)` (or `NIL` when the window is empty) for a PARTIAL in
/// `returns`. Search results are a compressed set; sorted ones keep their order.
pub fn write_partial(out: &mut Vec<u8>, returns: &[SearchReturn], results: &[u32], sorted: bool) {
    for r in returns {
        if let SearchReturn::Partial(low, high) = *r {
            let window = partial_slice(results, low, high);
            out.extend_from_slice(format!(" PARTIAL ({low}:{high} ").as_bytes());
            if window.is_empty() {
                out.extend_from_slice(b"NIL");
            } else if sorted {
                out.extend_from_slice(super::sort::ordered_set(window).as_bytes());
            } else {
                out.extend_from_slice(super::sequence::encode_uid_set(window).as_bytes());
            }
            out.push(b')');
        }
    }
}

/// (removed, added) between two ascending UID lists.
pub fn diff(old: &[u32], new: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let removed = old
        .iter()
        .copied()
        .filter(|u| new.binary_search(u).is_err())
        .collect();
    let added = new
        .iter()
        .copied()
        .filter(|u| old.binary_search(u).is_err())
        .collect();
    (removed, added)
}

/// `* ESEARCH (TAG "t") UID REMOVEFROM (0 set)` and `... ADDTO (0 set)` (RFC 5267 §4.3), or
/// without `UID` and with sequence numbers for a SEARCH. For an unsorted search the position
/// is 0: the client keeps the result in ascending order. `removed` and `added` ascend.
pub fn render_updates(tag: &str, uid: bool, removed: &[u32], added: &[u32]) -> Vec<u8> {
    let mut out = Vec::new();
    let indicator = if uid { " UID" } else { "" };
    for (word, set) in [("REMOVEFROM", removed), ("ADDTO", added)] {
        if set.is_empty() {
            continue;
        }
        out.extend_from_slice(b"* ESEARCH (TAG ");
        write_string(&mut out, tag.as_bytes());
        out.extend_from_slice(
            format!(
                "){indicator} {word} (0 {})\r\n",
                super::sequence::encode_uid_set(set)
            )
            .as_bytes(),
        );
    }
    out
}

/// Before expunged messages are reported (`gone`: their 0-based positions and UIDs, ascending,
/// in the numbering the client still has), REMOVEFROM for the SEARCH (not UID SEARCH) results
/// that held them, in that numbering: after the EXPUNGE responses those numbers mean other
/// messages (RFC 5267 §4.3). UID SEARCH results learn it with the next update, as UIDs.
pub(super) fn removals_before_expunge(
    updates: &mut [UpdateSearch],
    gone: &[(usize, u32)],
) -> Vec<u8> {
    let mut out = Vec::new();
    for update in updates.iter_mut().filter(|u| !u.uid) {
        let seqs: Vec<u32> = gone
            .iter()
            .filter(|(_, u)| update.uids.binary_search(u).is_ok())
            .map(|&(i, _)| i as u32 + 1)
            .collect();
        if seqs.is_empty() {
            continue;
        }
        update
            .uids
            .retain(|u| gone.binary_search_by_key(u, |&(_, g)| g).is_err());
        out.extend(render_updates(&update.tag, false, &seqs, &[]));
    }
    out
}

impl Session {
    /// Keeps a `RETURN (UPDATE)` search, or answers `* OK [NOUPDATE "tag"]` when the session
    /// already keeps [`MAX_UPDATES`] of them, the tag is in use, or the search asked for more
    /// than ALL (MIN/MAX/COUNT/PARTIAL updates are not offered) (RFC 5267 §4.3).
    pub(super) fn start_update(
        &mut self,
        tag: &str,
        criteria: &SearchKey,
        uids: Vec<u32>,
        uid: bool,
        supported: bool,
    ) {
        let Some(sel) = self.selected_mut() else {
            return;
        };
        if !supported
            || sel.updates.len() >= MAX_UPDATES
            || sel.updates.iter().any(|u| u.tag == tag)
        {
            let mut code = b"NOUPDATE ".to_vec();
            write_string(&mut code, tag.as_bytes());
            let code = String::from_utf8_lossy(&code).into_owned();
            self.send(untagged_status(
                Status::Ok,
                Some(&code),
                "This search is not kept up to date",
            ));
            return;
        }
        let modseq = sel.highest_modseq;
        sel.updates.push(UpdateSearch {
            tag: tag.to_string(),
            criteria: criteria.clone(),
            uids,
            uid,
            modseq,
        });
    }

    /// Re-evaluates the kept searches for the messages that changed since each was last
    /// evaluated (`messages`: the mailbox now, ascending UIDs) and queues ADDTO/REMOVEFROM.
    /// Called from `sync`, where unsolicited responses are allowed (RFC 5267 §4.3).
    pub(super) fn context_updates(&mut self, messages: &[MessageMeta]) {
        let count = self.selected().map_or(0, |s| s.updates.len());
        let highest = messages.iter().map(|m| m.modseq).max().unwrap_or(0);
        for i in 0..count {
            let Some((criteria, since)) = self
                .selected()
                .and_then(|s| s.updates.get(i))
                .map(|u| (u.criteria.clone(), u.modseq))
            else {
                return;
            };
            // Keys on sequence numbers, `*` or `$` can change for untouched messages.
            let only: Option<Vec<u32>> = (!positional(&criteria)).then(|| {
                messages
                    .iter()
                    .filter(|m| m.modseq > since)
                    .map(|m| m.uid)
                    .collect()
            });
            let Ok(matched) = self.search_in(&criteria, true, only.as_deref()) else {
                continue;
            };
            let Some(update) = self.selected_mut().and_then(|s| s.updates.get_mut(i)) else {
                return;
            };
            let new: Vec<u32> = match &only {
                None => matched,
                Some(touched) => {
                    let gone = |u: &u32| messages.binary_search_by_key(u, |m| m.uid).is_err();
                    let mut new: Vec<u32> = update
                        .uids
                        .iter()
                        .copied()
                        .filter(|u| !gone(u) && touched.binary_search(u).is_err())
                        .chain(matched)
                        .collect();
                    new.sort_unstable();
                    new.dedup();
                    new
                }
            };
            let (removed, added) = diff(&update.uids, &new);
            update.uids = new;
            update.modseq = highest;
            let (tag, uid) = (update.tag.clone(), update.uid);
            let lines = if uid {
                render_updates(&tag, true, &removed, &added)
            } else {
                // Sequence numbers as the client knows them now: an added message was
                // announced (EXISTS) before this; a removed one not yet reported expunged
                // keeps its number until then.
                let Some(sel) = self.selected() else {
                    return;
                };
                let seqs = |uids: &[u32]| -> Vec<u32> {
                    uids.iter().filter_map(|&u| sel.seq_of(u)).collect()
                };
                render_updates(&tag, false, &seqs(&removed), &seqs(&added))
            };
            self.out.extend(lines);
        }
    }

    /// `CANCELUPDATE "tag" *(SP "tag")` (RFC 5267 §4.3).
    pub(super) fn cancel_update(&mut self, tag: &str, tags: &[String]) {
        let Some(sel) = self.selected_mut() else {
            return;
        };
        if tags
            .iter()
            .any(|t| !sel.updates.iter().any(|u| &u.tag == t))
        {
            self.send(tagged(tag, Status::Bad, None, "Unknown search tag"));
            return;
        }
        sel.updates.retain(|u| !tags.contains(&u.tag));
        self.send(tagged(tag, Status::Ok, None, "CANCELUPDATE completed"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_windows() {
        let r = [2, 4, 6, 8, 10];
        assert_eq!(partial_slice(&r, 1, 2), &[2, 4]);
        assert_eq!(partial_slice(&r, 2, 2), &[4]);
        assert_eq!(partial_slice(&r, 4, 100), &[8, 10]);
        assert_eq!(partial_slice(&r, 6, 9), &[] as &[u32]);
        assert_eq!(partial_slice(&r, -1, -2), &[8, 10]);
        assert_eq!(partial_slice(&r, -5, -9), &[2]);
        assert_eq!(partial_slice(&r, -6, -9), &[] as &[u32]);
        assert_eq!(partial_slice(&[], 1, 5), &[] as &[u32]);
    }

    #[test]
    fn partial_rendering() {
        let mut out = Vec::new();
        write_partial(
            &mut out,
            &[SearchReturn::Partial(1, 3)],
            &[5, 6, 7, 9],
            false,
        );
        assert_eq!(out, b" PARTIAL (1:3 5:7)");
        out.clear();
        write_partial(&mut out, &[SearchReturn::Partial(1, 3)], &[9, 5, 7], true);
        assert_eq!(out, b" PARTIAL (1:3 9,5,7)");
        out.clear();
        write_partial(&mut out, &[SearchReturn::Partial(10, 20)], &[1], false);
        assert_eq!(out, b" PARTIAL (10:20 NIL)");
    }

    #[test]
    fn addto_removefrom() {
        let (removed, added) = diff(&[1, 3, 5, 7], &[3, 5, 8, 9]);
        assert_eq!(removed, vec![1, 7]);
        assert_eq!(added, vec![8, 9]);
        let lines = render_updates("B1", true, &removed, &added);
        assert_eq!(
            String::from_utf8_lossy(&lines),
            "* ESEARCH (TAG \"B1\") UID REMOVEFROM (0 1,7)\r\n* ESEARCH (TAG \"B1\") UID ADDTO (0 8:9)\r\n"
        );
        assert!(render_updates("x", true, &[], &[]).is_empty());
        assert_eq!(
            render_updates("B2", false, &[2], &[5, 6]),
            b"* ESEARCH (TAG \"B2\") REMOVEFROM (0 2)\r\n* ESEARCH (TAG \"B2\") ADDTO (0 5:6)\r\n"
        );
    }
}
