//! The SORT and THREAD commands of the selected state (RFC 5256; ESORT RFC 5267 §3).

use super::command::CommandBody;
use super::response::{Status, tagged};
use super::search::charset_supported;
use super::session::Session;
use super::sort::{SortInfo, render_esort, render_sort, sort, sort_info};
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
        let mut infos = match self.sort_infos(&seqs, uid) {
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
    fn sort_infos(&self, seqs: &[u32], uid: bool) -> Result<Vec<SortInfo>, String> {
        let Some(sel) = self.selected() else {
            return Ok(Vec::new());
        };
        let read = self.store.read().map_err(|e| e.to_string())?;
        let mut out = Vec::with_capacity(seqs.len());
        for &seq in seqs {
            let Some(&u) = sel.uids.get(seq.saturating_sub(1) as usize) else {
                continue;
            };
            let Ok(Some(meta)) = read.message(sel.mailbox.id, u) else {
                continue;
            };
            let raw = self
                .store
                .blobs()
                .get(&meta.blob)
                .ok()
                .flatten()
                .unwrap_or_default();
            let num = if uid { u } else { seq };
            out.push(sort_info(num, seq, meta.internal_date, meta.size, &raw));
        }
        Ok(out)
    }
}
