//! The SORT and THREAD commands of the selected state (RFC 5256; ESORT RFC 5267 §3).

use super::command::CommandBody;
use super::response::{Status, tagged};
use super::search::charset_supported;
use super::session::Session;
use super::sort::{SortInfo, SortKey, render_esort, render_sort, sort, sort_info};
use super::thread::thread;

impl Session {
    pub(super) async fn sort_or_thread(&mut self, tag: &str, body: CommandBody) {
        let (uid, charset, search) = match &body {
            CommandBody::Sort {
                uid,
                charset,
                search,
                ..
            }
            | CommandBody::Thread {
                uid,
                charset,
                search,
                ..
            } => (*uid, charset.as_str(), search),
            _ => return,
        };
        // RFC 5256 §3: UTF-8 and US-ASCII MUST be supported; others get BADCHARSET.
        if !charset_supported(charset) {
            self.send(tagged(
                tag,
                Status::No,
                Some("BADCHARSET (UTF-8 US-ASCII)"),
                "Unsupported charset",
            ));
            return;
        }
        let seqs = match self.search(search, false) {
            Ok(r) => r,
            Err(msg) => {
                self.send(tagged(tag, Status::Bad, None, &msg));
                return;
            }
        };
        // ARRIVAL and SIZE need only metadata, not the message.
        let want_raw = match &body {
            CommandBody::Sort { criteria, .. } => criteria
                .iter()
                .any(|c| !matches!(c.key, SortKey::Arrival | SortKey::Size)),
            _ => true,
        };
        let mut infos = match self.sort_infos(&seqs, uid, want_raw) {
            Ok(i) => i,
            Err(msg) => {
                self.send(tagged(tag, Status::No, Some("SERVERBUG"), &msg));
                return;
            }
        };
        match &body {
            CommandBody::Sort {
                criteria, returns, ..
            } => {
                sort(&mut infos, criteria);
                let nums: Vec<u32> = infos.iter().map(|i| i.num).collect();
                match returns {
                    Some(returns) => self.send(render_esort(tag, uid, returns, &nums)),
                    None => self.send(render_sort(&nums)),
                }
            }
            CommandBody::Thread { algorithm, .. } => self.send(thread(&infos, *algorithm)),
            _ => return,
        }
        self.sync(uid).await;
        self.send(tagged(
            tag,
            Status::Ok,
            None,
            &format!("{} completed", body.name()),
        ));
    }

    /// [`SortInfo`] of the messages with these sequence numbers (numbered by UID when `uid`).
    fn sort_infos(&self, seqs: &[u32], uid: bool, want_raw: bool) -> Result<Vec<SortInfo>, String> {
        let Some(sel) = self.selected() else {
            return Ok(Vec::new());
        };
        let read = self.store.read().map_err(|e| e.to_string())?;
        let mut out = Vec::with_capacity(seqs.len());
        for &seq in seqs {
            let Some(u) = sel.uids.get((seq as usize).wrapping_sub(1)) else {
                continue;
            };
            let Ok(Some(meta)) = read.message(sel.mailbox.id, u) else {
                continue;
            };
            let raw = if want_raw {
                self.store
                    .blobs()
                    .get(&meta.blob)
                    .ok()
                    .flatten()
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            let num = if uid { u } else { seq };
            out.push(sort_info(num, seq, meta.internal_date, meta.size, &raw));
        }
        Ok(out)
    }
}

/// The corpus of tests/corpus/imap-sort, run through the parser, the SEARCH evaluator and
/// SORT/THREAD without a network (the e2e test runs the same file over IMAP).
#[cfg(test)]
mod corpus_tests {
    use crate::imap::command::CommandBody;
    use crate::imap::parser::{parse_command, parse_date_time};
    use crate::imap::search::{SearchContext, matches};
    use crate::imap::sort::{SortInfo, render_esort, render_sort, sort, sort_info};
    use crate::imap::thread::thread;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/imap-sort");

    fn lines(name: &str) -> Vec<String> {
        std::fs::read_to_string(format!("{DIR}/{name}"))
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn corpus_orders() {
        let mut msgs = Vec::new();
        for line in lines("arrival.txt") {
            let (file, date) = line.split_once(' ').unwrap();
            let raw = std::fs::read(format!("{DIR}/{file}")).unwrap();
            let date = parse_date_time(date).unwrap().timestamp();
            msgs.push((raw, date));
        }
        let cases = lines("expected.txt");
        assert!(cases.len() >= 15);
        for case in cases {
            let (cmd, want) = case.split_once(" => ").unwrap();
            let body = parse_command(format!("t1 {cmd}\r\n").as_bytes())
                .unwrap()
                .body;
            let (uid, search) = match &body {
                CommandBody::Sort { uid, search, .. } | CommandBody::Thread { uid, search, .. } => {
                    (*uid, search.clone())
                }
                other => panic!("{other:?}"),
            };
            let n = msgs.len() as u32;
            let mut infos: Vec<SortInfo> = Vec::new();
            for (i, (raw, date)) in msgs.iter().enumerate() {
                let seq = i as u32 + 1;
                let ctx = SearchContext {
                    seq,
                    uid: seq,
                    internal_date: *date,
                    size: raw.len() as u64,
                    raw: Some(raw),
                    max_seq: n,
                    max_uid: n,
                    ..SearchContext::default()
                };
                if matches(&search, &ctx).unwrap() {
                    infos.push(sort_info(seq, seq, *date, raw.len() as u64, raw));
                }
            }
            let got = match &body {
                CommandBody::Sort {
                    criteria, returns, ..
                } => {
                    sort(&mut infos, criteria);
                    let nums: Vec<u32> = infos.iter().map(|i| i.num).collect();
                    match returns {
                        Some(r) => render_esort("t1", uid, r, &nums),
                        None => render_sort(&nums),
                    }
                }
                CommandBody::Thread { algorithm, .. } => thread(&infos, *algorithm),
                _ => unreachable!(),
            };
            let want = format!("{}\r\n", want.replace("{tag}", "t1"));
            assert_eq!(String::from_utf8(got).unwrap(), want, "{cmd}");
        }
    }
}
