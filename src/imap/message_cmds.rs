//! Commands of the selected state: FETCH, STORE, SEARCH, COPY, MOVE, EXPUNGE (and their UID
//! forms, RFC 9051 §6.4.9; UIDPLUS RFC 4315; MOVE RFC 6851).

use super::command::{CommandBody, FetchAttr, SearchReturn, SequenceSet, StoreMode};
use super::fetch::{FetchMeta, needs_raw, render_fetch, sets_seen};
use super::response::{Status, tagged, untagged_status};
use super::search::{SearchContext, charset_supported, matches, render_esearch, render_search};
use super::sequence::{encode_uid_set, resolve_seq_set, resolve_uid_set};
use super::session::Session;
use crate::store::{FlagOp, MessageMeta};

/// Messages whose metadata one FETCH batch reads in one store read.
const FETCH_BATCH: usize = 256;

/// Content bytes read at once during a FETCH (at least one message, however large).
const FETCH_GROUP_BYTES: u64 = 4 * 1024 * 1024;

/// Splits off the front of `rest` whose contents fit in `FETCH_GROUP_BYTES` (at least one
/// message); without contents the whole batch is one group.
fn take_group<'a>(rest: &mut &'a [MessageMeta], want_raw: bool) -> &'a [MessageMeta] {
    let mut n = 0;
    let mut bytes = 0u64;
    while let Some(meta) = rest.get(n) {
        if want_raw && n > 0 && bytes.saturating_add(meta.size) > FETCH_GROUP_BYTES {
            break;
        }
        bytes = bytes.saturating_add(meta.size);
        n += 1;
    }
    let (group, tail) = rest.split_at(n);
    *rest = tail;
    group
}

impl Session {
    pub(super) async fn dispatch_selected(
        &mut self,
        tag: &str,
        body: CommandBody,
    ) -> std::io::Result<()> {
        match body {
            CommandBody::Fetch {
                uid,
                set,
                attrs,
                changed_since,
                vanished,
            } => {
                if !self.fetch_modifiers_ok(tag, uid, changed_since, vanished) {
                    return Ok(());
                }
                if attrs.contains(&FetchAttr::ModSeq) {
                    self.enable_condstore();
                }
                if let (true, Some(since)) = (vanished, changed_since) {
                    self.report_vanished_earlier(&set, since);
                }
                self.fetch(tag, uid, &set, attrs, changed_since).await?
            }
            CommandBody::Store {
                uid,
                set,
                op,
                unchanged_since,
            } => {
                if unchanged_since.is_some() {
                    // RFC 7162 §3.1: UNCHANGEDSINCE is a CONDSTORE enabling command.
                    self.enable_condstore();
                }
                let Some(uids) = self.resolve(tag, uid, &set) else {
                    return Ok(());
                };
                if !self.require_writable(tag) {
                    return Ok(());
                }
                let Some(mailbox_id) = self.selected().map(|s| s.mailbox.id) else {
                    return Ok(());
                };
                if op.mode != StoreMode::Remove
                    && let Some(sel) = self.selected()
                    && sel.keyword_count() + sel.new_keywords(&op.flags)
                        > super::selected::MAX_KEYWORDS
                    && sel.new_keywords(&op.flags) > 0
                {
                    self.send(tagged(
                        tag,
                        Status::No,
                        Some("LIMIT"),
                        "Too many keywords in this mailbox",
                    ));
                    return Ok(());
                }
                let flag_op = match op.mode {
                    StoreMode::Replace => FlagOp::Replace,
                    StoreMode::Add => FlagOp::Add,
                    StoreMode::Remove => FlagOp::Remove,
                };
                let flags = op.flags.clone();
                let target = uids.clone();
                // RFC 7162 §3.1.3: the test and the change in one transaction.
                let result = self
                    .store
                    .write(move |tx| match unchanged_since {
                        Some(since) => tx
                            .set_flags_unchanged_since(mailbox_id, &target, flag_op, &flags, since),
                        None => Ok((tx.set_flags(mailbox_id, &target, flag_op, &flags)?, vec![])),
                    })
                    .await;
                let (changed, modified) = match result {
                    Ok(c) => c,
                    Err(e) => {
                        self.store_error(tag, &e);
                        return Ok(());
                    }
                };
                let mut announce = Vec::new();
                if let Some(sel) = self.selected_mut() {
                    for meta in &changed {
                        sel.seen_modseq(meta);
                        // Also for .SILENT: the mailbox's keyword list changed (RFC 3501 §7.2.6).
                        announce.extend(sel.announce(&meta.flags));
                    }
                }
                self.out.extend(announce);
                let condstore = self.condstore;
                if !op.silent || condstore {
                    // The current flags of every message in the set (RFC 9051 §6.4.6); with
                    // CONDSTORE their MODSEQ, even for .SILENT (RFC 7162 §3.1.3), but nothing
                    // for messages that failed UNCHANGEDSINCE.
                    let metas = self.load_metas(&uids);
                    for meta in metas {
                        if modified.contains(&meta.uid)
                            || (op.silent && !changed.iter().any(|c| c.uid == meta.uid))
                        {
                            continue;
                        }
                        let Some(sel) = self.selected_mut() else {
                            continue;
                        };
                        let Some(seq) = sel.seq_of(meta.uid) else {
                            continue;
                        };
                        let mut items = Vec::new();
                        if uid || condstore {
                            items.push(format!("UID {}", meta.uid).into_bytes());
                        }
                        if !op.silent {
                            let mut flags = b"FLAGS ".to_vec();
                            super::response::write_flag_list(&mut flags, &sel.shown_flags(&meta));
                            items.push(flags);
                        }
                        if condstore {
                            items.push(format!("MODSEQ ({})", meta.modseq).into_bytes());
                        }
                        // A new keyword is announced before the FETCH shows it (RFC 3501 §7.2.6).
                        let mut line = sel.announce(&meta.flags);
                        line.extend_from_slice(format!("* {seq} FETCH (").as_bytes());
                        line.extend_from_slice(&items.join(&b' '));
                        line.extend_from_slice(b")\r\n");
                        self.out.extend(line);
                    }
                }
                self.sync(uid).await;
                if modified.is_empty() {
                    self.send(tagged(tag, Status::Ok, None, "STORE completed"));
                } else {
                    // RFC 7162 §3.1.3: the messages that changed since UNCHANGEDSINCE.
                    let shown: Vec<u32> = if uid {
                        modified
                    } else {
                        let sel = self.selected();
                        modified
                            .iter()
                            .filter_map(|u| sel.and_then(|s| s.seq_of(*u)))
                            .collect()
                    };
                    let code = format!("MODIFIED {}", encode_uid_set(&shown));
                    self.send(tagged(
                        tag,
                        Status::Ok,
                        Some(&code),
                        "Conditional STORE failed",
                    ));
                }
            }
            CommandBody::Search {
                uid,
                charset,
                returns,
                criteria,
            } => {
                if let Some(cs) = &charset
                    && !charset_supported(cs)
                {
                    self.send(tagged(
                        tag,
                        Status::No,
                        Some("BADCHARSET (UTF-8 US-ASCII)"),
                        "Unsupported charset",
                    ));
                    return Ok(());
                }
                let results = match self.search(&criteria, uid) {
                    Ok(r) => r,
                    Err(msg) => {
                        self.send(tagged(tag, Status::Bad, None, &msg));
                        return Ok(());
                    }
                };
                // RFC 7162 §3.1.5: a MODSEQ search enables CONDSTORE and reports the highest
                // modseq of what it found.
                let modseq = if super::condstore::uses_modseq(&criteria) {
                    self.enable_condstore();
                    self.search_modseq(&results, uid)
                } else {
                    None
                };
                match returns {
                    Some(returns) => {
                        if returns.contains(&SearchReturn::Save) {
                            let saved = self.to_uids(&results, uid);
                            if let Some(sel) = self.selected_mut() {
                                sel.saved = Some(saved);
                            }
                        }
                        let mut shown: Vec<SearchReturn> = returns
                            .iter()
                            .copied()
                            .filter(|r| !matches!(r, SearchReturn::Save | SearchReturn::Update))
                            .collect();
                        // RFC 5267 §4.3: UPDATE alone returns (and then updates) ALL.
                        if returns.contains(&SearchReturn::Update) {
                            if shown.is_empty() {
                                shown.push(SearchReturn::All);
                            }
                            let uids = self.to_uids(&results, uid);
                            // Only ALL results are kept up to date (ADDTO/REMOVEFROM).
                            let only_all = shown == [SearchReturn::All];
                            self.start_update(tag, &criteria, uids, uid, only_all);
                        }
                        // SAVE alone returns nothing (RFC 5182 §2.4).
                        if !(shown.is_empty() && returns.contains(&SearchReturn::Save)) {
                            let line = render_esearch(tag, uid, &shown, &results);
                            // RFC 4731 §3.2: with only MIN and/or MAX asked for, MODSEQ is the
                            // highest of the messages returned, not of every match.
                            let modseq = match modseq {
                                Some(_) if returns_only_min_max(&shown) => {
                                    let mut ends = Vec::new();
                                    if shown.contains(&SearchReturn::Min) {
                                        ends.extend(results.first().copied());
                                    }
                                    if shown.contains(&SearchReturn::Max) {
                                        ends.extend(results.last().copied());
                                    }
                                    self.search_modseq(&ends, uid)
                                }
                                other => other,
                            };
                            self.send(super::condstore::with_esearch_modseq(line, modseq));
                        }
                    }
                    None if self.rev2 => {
                        let line = render_esearch(tag, uid, &[], &results);
                        self.send(super::condstore::with_esearch_modseq(line, modseq))
                    }
                    None => self.send(render_search(&results, modseq)),
                }
                self.sync(uid).await;
                self.send(tagged(tag, Status::Ok, None, "SEARCH completed"));
            }
            CommandBody::Copy { uid, set, mailbox } => {
                self.copy_or_move(tag, uid, &set, &mailbox, false).await
            }
            CommandBody::Move { uid, set, mailbox } => {
                self.copy_or_move(tag, uid, &set, &mailbox, true).await
            }
            CommandBody::Expunge { uids } => {
                if !self.require_writable(tag) {
                    return Ok(());
                }
                let only = match &uids {
                    Some(set) => match self.resolve(tag, true, set) {
                        Some(u) => Some(u),
                        None => return Ok(()),
                    },
                    None => None,
                };
                let Some(mailbox_id) = self.selected().map(|s| s.mailbox.id) else {
                    return Ok(());
                };
                match self
                    .store
                    .write(move |tx| tx.expunge(mailbox_id, only.as_deref()))
                    .await
                {
                    Ok(_) => {
                        self.sync(true).await;
                        self.send(tagged(tag, Status::Ok, None, "EXPUNGE completed"));
                    }
                    Err(e) => self.store_error(tag, &e),
                }
            }
            body @ (CommandBody::Sort { .. } | CommandBody::Thread { .. }) => {
                self.sort_or_thread(tag, body).await
            }
            CommandBody::CancelUpdate(tags) => self.cancel_update(tag, &tags),
            other => self.send(tagged(
                tag,
                Status::Bad,
                None,
                &format!("{} not valid here", other.name()),
            )),
        }
        Ok(())
    }

    /// Replies `NO [READ-ONLY]` when the mailbox was opened with EXAMINE; returns whether
    /// changes are allowed.
    fn require_writable(&mut self, tag: &str) -> bool {
        if self.selected().is_some_and(|s| s.read_only) {
            self.send(tagged(
                tag,
                Status::No,
                Some("READ-ONLY"),
                "Mailbox is read-only",
            ));
            return false;
        }
        true
    }

    /// Resolves a sequence or UID set to UIDs of the snapshot. Replies BAD and returns None on
    /// an invalid message number.
    fn resolve(&mut self, tag: &str, uid: bool, set: &SequenceSet) -> Option<Vec<u32>> {
        let sel = self.selected()?;
        let saved = sel.saved.as_deref();
        let indices = if uid {
            Ok(resolve_uid_set(set, &sel.uids, saved))
        } else {
            resolve_seq_set(set, &sel.uids, saved)
        };
        match indices {
            Ok(idx) => Some(idx.into_iter().filter_map(|i| sel.uids.get(i)).collect()),
            // An empty mailbox has nothing to match: an empty result, not an error, is what
            // clients that send `1:*` blindly expect.
            Err(super::sequence::SequenceError::Empty) => Some(Vec::new()),
            Err(e) => {
                self.send(tagged(tag, Status::Bad, None, &e.to_string()));
                None
            }
        }
    }

    fn to_uids(&self, results: &[u32], uid: bool) -> Vec<u32> {
        if uid {
            return results.to_vec();
        }
        let Some(sel) = self.selected() else {
            return Vec::new();
        };
        results
            .iter()
            .filter_map(|&seq| sel.uids.get((seq as usize).checked_sub(1)?))
            .collect()
    }

    /// Current metadata of the given UIDs (those still present), in UID order.
    fn load_metas(&self, uids: &[u32]) -> Vec<MessageMeta> {
        let Some(sel) = self.selected() else {
            return Vec::new();
        };
        let Ok(read) = self.store.read() else {
            return Vec::new();
        };
        uids.iter()
            .filter_map(|&u| read.message(sel.mailbox.id, u).ok().flatten())
            .collect()
    }

    async fn fetch(
        &mut self,
        tag: &str,
        uid: bool,
        set: &SequenceSet,
        mut attrs: Vec<FetchAttr>,
        changed_since: Option<u64>,
    ) -> std::io::Result<()> {
        let Some(uids) = self.resolve(tag, uid, set) else {
            return Ok(());
        };
        // UID FETCH always returns the UID (RFC 9051 §6.4.9).
        if uid && !attrs.contains(&FetchAttr::Uid) {
            attrs.insert(0, FetchAttr::Uid);
        }
        let Some(sel) = self.selected() else {
            return Ok(());
        };
        let mailbox_id = sel.mailbox.id;
        // Fetching a body without PEEK sets \Seen first, and the new flags are reported
        // (RFC 9051 §6.4.5).
        if sets_seen(&attrs) && !sel.read_only {
            let target = uids.clone();
            let seen = vec!["\\Seen".to_string()];
            match self
                .store
                .write(move |tx| tx.set_flags(mailbox_id, &target, FlagOp::Add, &seen))
                .await
            {
                Ok(changed) => {
                    if !changed.is_empty() && !attrs.contains(&FetchAttr::Flags) {
                        attrs.push(FetchAttr::Flags);
                    }
                    if let Some(sel) = self.selected_mut() {
                        for meta in &changed {
                            sel.seen_modseq(meta);
                        }
                    }
                }
                Err(e) => {
                    self.store_error(tag, &e);
                    return Ok(());
                }
            }
        }
        // RFC 7162 §3.1.4: CHANGEDSINCE implies MODSEQ; with CONDSTORE, flags come with it.
        if (changed_since.is_some() || (self.condstore && attrs.contains(&FetchAttr::Flags)))
            && !attrs.contains(&FetchAttr::ModSeq)
        {
            attrs.push(FetchAttr::ModSeq);
        }
        if self.condstore && attrs.contains(&FetchAttr::Flags) && !attrs.contains(&FetchAttr::Uid) {
            attrs.insert(0, FetchAttr::Uid);
        }
        let want_raw = needs_raw(&attrs);
        // A FETCH by sequence number of a message another session expunged, which this session
        // was not yet told about (RFC 2180 §4.1): its UID is still known here and is given; for
        // anything else the command ends `NO [EXPUNGEISSUED]` (RFC 5530 §3), so the client
        // knows data is missing and syncs. UID FETCH ignores UIDs that are gone (RFC 9051
        // §6.4.9).
        let only_uid = attrs.iter().all(|a| *a == FetchAttr::Uid);
        let mut expunge_issued = false;
        // In batches: the metadata of a batch in one short read, then its contents in groups of
        // bounded size, each rendered and flushed before the next is read. No transaction is
        // held while the socket is written, so a client that stops reading pins nothing, and
        // memory is bounded by a batch, not by the mailbox.
        for chunk in uids.chunks(FETCH_BATCH) {
            let metas = match self
                .store
                .read()
                .and_then(|read| read.messages_by_uid(mailbox_id, chunk))
            {
                Ok(mut m) => {
                    if !uid && m.len() < chunk.len() {
                        // In the order asked (not necessarily ascending).
                        let present: std::collections::HashSet<u32> =
                            m.iter().map(|meta| meta.uid).collect();
                        let gone: Vec<u32> = chunk
                            .iter()
                            .copied()
                            .filter(|u| !present.contains(u))
                            .collect();
                        if only_uid {
                            self.uids_of_expunged(&gone);
                        } else {
                            expunge_issued = true;
                        }
                    }
                    if let Some(since) = changed_since {
                        m.retain(|meta| meta.modseq > since);
                    }
                    m
                }
                Err(e) => {
                    self.store_error(tag, &e);
                    return Ok(());
                }
            };
            // Messages missing here were expunged by another session meanwhile: nothing to show
            // (RFC 9051 §7.4.1 lets the server omit them).
            let mut rest = metas.as_slice();
            while !rest.is_empty() {
                let group = take_group(&mut rest, want_raw);
                let mut contents = if want_raw {
                    let ids: Vec<&str> = group.iter().map(|m| m.blob.as_str()).collect();
                    match self.store.blobs().get_many(&ids) {
                        Ok(c) => c,
                        Err(e) => {
                            self.store_error(tag, &e);
                            return Ok(());
                        }
                    }
                } else {
                    Vec::new()
                }
                .into_iter();
                for meta in group {
                    // Taken one by one, so each content is freed once rendered.
                    let raw = contents.next().flatten();
                    if !self.fetch_one(tag, meta, raw.as_deref(), want_raw, &attrs) {
                        return Ok(());
                    }
                    self.maybe_flush().await?;
                }
            }
        }
        self.sync(uid).await;
        if expunge_issued {
            self.send(tagged(
                tag,
                Status::No,
                Some("EXPUNGEISSUED"),
                "Some of the requested messages no longer exist",
            ));
        } else {
            self.send(tagged(tag, Status::Ok, None, "FETCH completed"));
        }
        Ok(())
    }

    /// `* n FETCH (UID u)` for messages expunged elsewhere that this session still numbers.
    fn uids_of_expunged(&mut self, gone: &[u32]) {
        let Some(sel) = self.selected() else {
            return;
        };
        let lines: Vec<u8> = gone
            .iter()
            .filter_map(|&u| Some(format!("* {} FETCH (UID {u})\r\n", sel.seq_of(u)?)))
            .collect::<String>()
            .into_bytes();
        self.out.extend(lines);
    }

    /// Renders one message of a FETCH into the output. Returns false when the command ended
    /// with an error reply.
    fn fetch_one(
        &mut self,
        tag: &str,
        meta: &MessageMeta,
        raw: Option<&[u8]>,
        want_raw: bool,
        attrs: &[FetchAttr],
    ) -> bool {
        let Some(sel) = self.selected_mut() else {
            return true;
        };
        let Some(seq) = sel.seq_of(meta.uid) else {
            return true;
        };
        // A keyword the client has not been told about is announced first (RFC 3501 §7.2.6).
        let shows_flags = attrs.contains(&FetchAttr::Flags);
        let flags = if shows_flags {
            let announce = sel.announce(&meta.flags);
            let flags = sel.shown_flags(meta);
            self.out.extend(announce);
            flags
        } else {
            Vec::new()
        };
        if raw.is_none() && want_raw {
            // Either expunged since the metadata was read (the last reference released the
            // content), which is no error, or a store that lost a blob.
            let still_there = self
                .selected()
                .and_then(|s| self.store.read().ok()?.message(s.mailbox.id, meta.uid).ok())
                .flatten()
                .is_some();
            if still_there {
                tracing::error!(uid = meta.uid, blob = %meta.blob, "message content missing");
            }
            return true;
        }
        let fm = FetchMeta {
            seq,
            uid: meta.uid,
            flags: &flags,
            internal_date: meta.internal_date,
            internal_date_offset: meta.internal_date_offset,
            size: meta.size,
            modseq: meta.modseq,
        };
        match render_fetch(&fm, raw, attrs) {
            // Moved rather than copied when nothing is pending: one large message is then in
            // memory once as its response, not twice.
            Ok(line) if self.out.is_empty() => self.out = line,
            Ok(line) => self.out.extend(line),
            Err(e) => {
                // RFC 3516 §4.2: BINARY of an encoding we cannot decode is `NO [UNKNOWN-CTE]`.
                let code =
                    matches!(e, super::fetch::FetchError::UnknownCte).then_some("UNKNOWN-CTE");
                self.send(tagged(tag, Status::No, code, &e.to_string()));
                return false;
            }
        }
        if attrs.contains(&FetchAttr::Flags)
            && let Some(sel) = self.selected_mut()
        {
            sel.seen_modseq(meta);
        }
        true
    }

    /// Evaluates a search over the snapshot; returns sequence numbers or UIDs, ascending.
    pub(super) fn search(
        &self,
        criteria: &super::command::SearchKey,
        uid: bool,
    ) -> Result<Vec<u32>, String> {
        self.search_in(criteria, uid, None)
    }

    /// [`Self::search`] over only the UIDs in `only` (ascending) when given.
    pub(super) fn search_in(
        &self,
        criteria: &super::command::SearchKey,
        uid: bool,
        only: Option<&[u32]>,
    ) -> Result<Vec<u32>, String> {
        let Some(sel) = self.selected() else {
            return Ok(Vec::new());
        };
        let read = self.store.read().map_err(|e| e.to_string())?;
        let want_raw = super::search::needs_raw(criteria);
        let max_seq = sel.uids.len() as u32;
        let max_uid = sel.uids.last().unwrap_or(0);
        let mut out = Vec::new();
        // (sequence number, UID) of the messages to test, in order.
        let targets: Vec<(u32, u32)> = sel
            .uids
            .iter()
            .enumerate()
            .filter(|(_, u)| only.is_none_or(|o| o.binary_search(u).is_ok()))
            .map(|(i, u)| (i as u32 + 1, u))
            .collect();
        // Metadata in batches and contents in groups of bounded size, each read at once (as
        // FETCH does), instead of one store lookup and one blob transaction per message.
        for chunk in targets.chunks(FETCH_BATCH) {
            let uids: Vec<u32> = chunk.iter().map(|&(_, u)| u).collect();
            // Messages expunged meanwhile are simply absent (as before: skipped).
            let metas = read
                .messages_by_uid(sel.mailbox.id, &uids)
                .map_err(|e| e.to_string())?;
            let mut rest = metas.as_slice();
            let mut seqs = chunk.iter().copied();
            while !rest.is_empty() {
                let group = take_group(&mut rest, want_raw);
                let contents: Vec<Option<Vec<u8>>> = if want_raw {
                    let ids: Vec<&str> = group.iter().map(|m| m.blob.as_str()).collect();
                    // A failed read leaves the contents out (as the per-message read did).
                    self.store
                        .blobs()
                        .get_many(&ids)
                        .unwrap_or_else(|_| vec![None; ids.len()])
                } else {
                    Vec::new()
                };
                let mut contents = contents.into_iter();
                for meta in group {
                    let raw = contents.next().flatten();
                    // `metas` keeps the order of `chunk`, minus the absent ones.
                    let Some((seq, u)) = seqs.find(|&(_, u)| u == meta.uid) else {
                        continue;
                    };
                    if want_raw && raw.is_none() {
                        // Expunged by another session after the snapshot was taken (its
                        // content went with its last reference): it matches nothing, as if
                        // expunged before (RFC 2180 §4.1), instead of the whole command
                        // failing with BAD.
                        continue;
                    }
                    let ctx = SearchContext {
                        seq,
                        uid: u,
                        flags: &meta.flags,
                        internal_date: meta.internal_date,
                        internal_date_offset: meta.internal_date_offset,
                        size: meta.size,
                        raw: raw.as_deref(),
                        recent: sel.is_recent(u),
                        modseq: meta.modseq,
                        max_seq,
                        max_uid,
                        saved: sel.saved.as_deref(),
                    };
                    if matches(criteria, &ctx).map_err(|e| e.to_string())? {
                        out.push(if uid { u } else { seq });
                    }
                }
            }
        }
        Ok(out)
    }

    async fn copy_or_move(
        &mut self,
        tag: &str,
        uid: bool,
        set: &SequenceSet,
        mailbox: &str,
        is_move: bool,
    ) {
        let Some(uids) = self.resolve(tag, uid, set) else {
            return;
        };
        let verb = if is_move { "MOVE" } else { "COPY" };
        if is_move && !self.require_writable(tag) {
            return;
        }
        let Some(target) = self.target_mailbox(tag, mailbox) else {
            return;
        };
        let Some(source) = self.selected().map(|s| s.mailbox.clone()) else {
            return;
        };
        if uids.is_empty() {
            self.send(tagged(
                tag,
                Status::Ok,
                None,
                &format!("{verb} completed (nothing to do)"),
            ));
            return;
        }
        let target_id = target.id;
        let result = self
            .store
            .write(move |tx| {
                if is_move {
                    tx.move_messages(&source, &uids, target_id)
                } else {
                    tx.copy_messages(source.id, &uids, target_id)
                }
            })
            .await;
        match result {
            Ok(r) if r.source_uids.is_empty() && uid => {
                // RFC 9051 §6.4.9: UIDs that no longer exist are ignored, so a UID COPY/MOVE
                // of only such UIDs succeeds without doing anything; the expunges are reported.
                self.sync(true).await;
                self.send(tagged(
                    tag,
                    Status::Ok,
                    None,
                    &format!("{verb} completed (nothing to do)"),
                ));
            }
            Ok(r) if r.source_uids.is_empty() => {
                // Every message was expunged by another session meanwhile: RFC 5530 §3's code
                // tells the client to sync (NOOP) rather than treat it as a failure of its own.
                self.send(tagged(
                    tag,
                    Status::No,
                    Some("EXPUNGEISSUED"),
                    "The messages no longer exist",
                ));
            }
            Ok(r) => {
                let code = format!(
                    "COPYUID {} {} {}",
                    r.uidvalidity,
                    encode_uid_set(&r.source_uids),
                    encode_uid_set(&r.target_uids)
                );
                if is_move {
                    // RFC 6851 §4.3: COPYUID in an untagged OK, then the EXPUNGEs.
                    self.send(untagged_status(Status::Ok, Some(&code), "Moved"));
                    self.sync(true).await;
                    self.send(tagged(tag, Status::Ok, None, "MOVE completed"));
                } else {
                    self.sync(uid).await;
                    self.send(tagged(tag, Status::Ok, Some(&code), "COPY completed"));
                }
            }
            Err(e) => self.store_error(tag, &e),
        }
    }
}

/// Whether an ESEARCH asks only for MIN and/or MAX (RFC 4731 §3.2's MODSEQ rule).
fn returns_only_min_max(shown: &[SearchReturn]) -> bool {
    !shown.is_empty()
        && shown
            .iter()
            .all(|r| matches!(r, SearchReturn::Min | SearchReturn::Max))
}

#[cfg(test)]
mod tests {
    use super::{FETCH_GROUP_BYTES, take_group};
    use crate::store::MessageMeta;

    fn meta(uid: u32, size: u64) -> MessageMeta {
        MessageMeta {
            uid,
            blob: String::new(),
            size,
            internal_date: 0,
            internal_date_offset: 0,
            flags: Vec::new(),
            modseq: 1,
        }
    }

    #[test]
    fn fetch_groups_are_bounded_by_bytes_but_never_empty() {
        let big = FETCH_GROUP_BYTES * 2;
        let metas = vec![
            meta(1, big),
            meta(2, FETCH_GROUP_BYTES / 2),
            meta(3, FETCH_GROUP_BYTES / 2),
            meta(4, 1),
        ];
        let mut rest = metas.as_slice();
        let sizes: Vec<Vec<u32>> = std::iter::from_fn(|| {
            (!rest.is_empty()).then(|| take_group(&mut rest, true).iter().map(|m| m.uid).collect())
        })
        .collect();
        assert_eq!(sizes, vec![vec![1], vec![2, 3], vec![4]]);
        // Without contents, the batch is one group whatever the sizes.
        let mut rest = metas.as_slice();
        assert_eq!(take_group(&mut rest, false).len(), 4);
        assert!(rest.is_empty());
    }
}
