//! Commands of the authenticated state that work on mailboxes: SELECT/EXAMINE, CREATE, DELETE,
//! RENAME, (UN)SUBSCRIBE, LIST/LSUB, STATUS, NAMESPACE, ENABLE, APPEND, CLOSE/UNSELECT.

use chrono::Utc;

use super::command::{CommandBody, ListReturn, ListSelection, StatusItem};
use super::response::{Status, tagged, untagged, untagged_status, write_mailbox};
use super::selected::Selected;
use super::session::{Session, State};
use super::utf7;
use crate::store::mailboxes::{DELIMITER, MailboxCounts, canonical_name};
use crate::store::{Mailbox, StoreError};

impl Session {
    /// A mailbox name from the client, in our internal UTF-8 form.
    pub(super) fn mailbox_name(&self, name: &str) -> String {
        let name = if self.utf8 {
            name.to_string()
        } else {
            // Names that are not valid modified UTF-7 are taken as they are.
            utf7::decode(name).unwrap_or_else(|| name.to_string())
        };
        canonical_name(&name)
    }

    /// A mailbox name for the client.
    pub(super) fn wire_name(&self, name: &str) -> String {
        if self.utf8 {
            name.to_string()
        } else {
            utf7::encode(name)
        }
    }

    pub(super) async fn dispatch_authenticated(
        &mut self,
        tag: &str,
        body: CommandBody,
    ) -> std::io::Result<()> {
        match body {
            CommandBody::Enable(caps) => {
                let mut enabled = Vec::new();
                for cap in caps {
                    if cap.eq_ignore_ascii_case("IMAP4rev2") && !self.rev2 {
                        self.rev2 = true;
                        enabled.push("IMAP4rev2");
                    } else if cap.eq_ignore_ascii_case("UTF8=ACCEPT") && !self.utf8 {
                        self.utf8 = true;
                        enabled.push("UTF8=ACCEPT");
                    } else if cap.eq_ignore_ascii_case("CONDSTORE") && !self.condstore {
                        self.enable_condstore();
                        enabled.push("CONDSTORE");
                    } else if cap.eq_ignore_ascii_case("QRESYNC") && !self.qresync {
                        // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE.
                        self.qresync = true;
                        self.enable_condstore();
                        enabled.push("QRESYNC");
                    }
                }
                self.send(untagged(
                    format!("ENABLED {}", enabled.join(" ")).trim_end(),
                ));
                self.send(tagged(tag, Status::Ok, None, "ENABLE completed"));
            }
            CommandBody::Select {
                mailbox,
                condstore,
                qresync,
            } => {
                self.select_with_params(tag, &mailbox, false, condstore, qresync)
                    .await
            }
            CommandBody::Examine {
                mailbox,
                condstore,
                qresync,
            } => {
                self.select_with_params(tag, &mailbox, true, condstore, qresync)
                    .await
            }
            CommandBody::Create { mailbox } => {
                let name = self.mailbox_name(&mailbox);
                let account_id = self.account_id();
                // CREATE does not subscribe (RFC 9051 §6.3.4, §6.3.7): clients that show only
                // subscribed folders SUBSCRIBE after creating one; folders the server makes
                // itself (Sieve `:create`, imports, the defaults) are subscribed.
                match self
                    .store
                    .write(move |tx| tx.create_mailbox(account_id, &name, None, false))
                    .await
                {
                    // RFC 8474 §4.1.
                    Ok(created) => {
                        let id = super::objectid::mailbox_id(&created);
                        let code = format!("MAILBOXID ({id})");
                        self.send(tagged(tag, Status::Ok, Some(&code), "CREATE completed"))
                    }
                    Err(e) => self.store_error(tag, &e),
                }
            }
            CommandBody::Delete { mailbox } => {
                let name = self.mailbox_name(&mailbox);
                if self.selected().is_some_and(|s| s.mailbox.name == name) {
                    // Deleting the selected mailbox: leave it first, like Dovecot.
                    self.state = State::Authenticated(self.take_account());
                }
                let account_id = self.account_id();
                match self
                    .store
                    .write(move |tx| tx.delete_mailbox(account_id, &name))
                    .await
                {
                    Ok(()) => self.send(tagged(tag, Status::Ok, None, "DELETE completed")),
                    Err(e) => self.store_error(tag, &e),
                }
            }
            CommandBody::Rename { from, to } => {
                let (from, to) = (self.mailbox_name(&from), self.mailbox_name(&to));
                let account_id = self.account_id();
                match self
                    .store
                    .write(move |tx| tx.rename_mailbox(account_id, &from, &to))
                    .await
                {
                    Ok(()) => self.send(tagged(tag, Status::Ok, None, "RENAME completed")),
                    Err(e) => self.store_error(tag, &e),
                }
            }
            CommandBody::Subscribe { mailbox } => self.subscribe(tag, &mailbox, true).await,
            CommandBody::Unsubscribe { mailbox } => self.subscribe(tag, &mailbox, false).await,
            CommandBody::List {
                reference,
                patterns,
                selection,
                returns,
            } => self.list(tag, &reference, &patterns, selection, returns, false),
            CommandBody::Lsub { reference, pattern } => {
                let selection = ListSelection {
                    subscribed: true,
                    ..Default::default()
                };
                self.list(
                    tag,
                    &reference,
                    &[pattern],
                    selection,
                    ListReturn::default(),
                    true,
                )
            }
            CommandBody::Namespace => {
                self.send(untagged(&format!(
                    "NAMESPACE ((\"\" \"{DELIMITER}\")) NIL NIL"
                )));
                self.send(tagged(tag, Status::Ok, None, "NAMESPACE completed"));
            }
            CommandBody::Status { mailbox, items } => {
                let name = self.mailbox_name(&mailbox);
                match self.status_line(&name, &items) {
                    Ok(Some(line)) => {
                        self.send(line);
                        self.send(tagged(tag, Status::Ok, None, "STATUS completed"));
                    }
                    Ok(None) => self.send(tagged(
                        tag,
                        Status::No,
                        Some("NONEXISTENT"),
                        "No such mailbox",
                    )),
                    Err(e) => self.store_error(tag, &e),
                }
            }
            CommandBody::Append {
                mailbox,
                flags,
                date,
                message,
            } => self.append(tag, &mailbox, flags, date, message).await,
            CommandBody::Check => {
                if self.require_selected(tag) {
                    self.sync(true).await;
                    self.send(tagged(tag, Status::Ok, None, "CHECK completed"));
                }
            }
            CommandBody::Close | CommandBody::Unselect => {
                let is_close = matches!(body, CommandBody::Close);
                if !self.require_selected(tag) {
                    return Ok(());
                }
                if is_close
                    && let Some(sel) = self.selected()
                    && !sel.read_only
                {
                    // CLOSE expunges silently (RFC 9051 §6.4.1).
                    let id = sel.mailbox.id;
                    if let Err(e) = self.store.write(move |tx| tx.expunge(id, None)).await {
                        tracing::warn!(error = %e, "CLOSE: expunge failed");
                    }
                }
                self.state = State::Authenticated(self.take_account());
                self.send(tagged(
                    tag,
                    Status::Ok,
                    None,
                    &format!("{} completed", body.name()),
                ));
            }
            CommandBody::MultiAppend { mailbox, messages } => {
                self.multiappend(tag, &mailbox, messages).await
            }
            body @ (CommandBody::GetQuota { .. }
            | CommandBody::GetQuotaRoot { .. }
            | CommandBody::SetQuota { .. }) => self.quota_command(tag, body),
            body @ (CommandBody::Fetch { .. }
            | CommandBody::Store { .. }
            | CommandBody::Search { .. }
            | CommandBody::Sort { .. }
            | CommandBody::Thread { .. }
            | CommandBody::Copy { .. }
            | CommandBody::Move { .. }
            | CommandBody::Expunge { .. }
            | CommandBody::CancelUpdate(_)) => {
                if self.require_selected(tag) {
                    self.dispatch_selected(tag, body).await?;
                }
            }
            other => {
                self.send(tagged(
                    tag,
                    Status::Bad,
                    None,
                    &format!("{} not valid here", other.name()),
                ));
            }
        }
        Ok(())
    }

    pub(super) fn account_id(&self) -> u64 {
        self.account().map(|a| a.id).unwrap_or_default()
    }

    fn take_account(&mut self) -> crate::store::Account {
        match std::mem::replace(&mut self.state, State::NotAuthenticated) {
            State::Authenticated(a) | State::Selected(a, _) => a,
            State::NotAuthenticated => crate::store::Account {
                id: 0,
                address: String::new(),
                created: 0,
                blocked: false,
                sending: Default::default(),
                quota: None,
            },
        }
    }

    pub(super) async fn select(&mut self, tag: &str, mailbox: &str, read_only: bool) {
        let name = self.mailbox_name(mailbox);
        let account = self.take_account();
        // A failed SELECT leaves no mailbox selected (RFC 9051 §6.3.2).
        self.state = State::Authenticated(account.clone());
        // The messages from the shared view of the mailbox (never older than the last commit):
        // thousands of sessions selecting one large mailbox read and allocate its metadata
        // once, not once each, and the session keeps none of it (`Selected` is built from it).
        let loaded = self
            .store
            .read()
            .and_then(|read| read.mailbox(account.id, &name))
            .and_then(|found| match found {
                Some(mailbox) => self.store.mailbox_view(mailbox.id),
                None => Ok(None),
            });
        let view = match loaded {
            Ok(Some(x)) => x,
            Ok(None) => {
                self.send(tagged(
                    tag,
                    Status::No,
                    Some("NONEXISTENT"),
                    "No such mailbox",
                ));
                return;
            }
            Err(e) => {
                self.store_error(tag, &e);
                return;
            }
        };
        let (mailbox, messages) = (&view.mailbox, &view.messages);
        let mut selected = Selected::new(mailbox.clone(), read_only, messages);
        self.send(selected.flags_lines());
        if !self.rev2 {
            // RFC 3501 §2.3.2: SELECT claims the messages no session has seen as recent;
            // EXAMINE shows them without claiming.
            let up_to = messages.last().map_or(0, |m| m.uid);
            let before = if read_only || up_to <= mailbox.recent_uid {
                mailbox.recent_uid
            } else {
                let id = mailbox.id;
                match self.store.write(move |tx| tx.claim_recent(id, up_to)).await {
                    Ok(before) => before,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot claim recent messages");
                        up_to
                    }
                }
            };
            selected.mark_recent(before, up_to);
        }
        self.send(untagged(&format!("{} EXISTS", messages.len())));
        if !self.rev2 {
            self.send(untagged(&format!("{} RECENT", selected.recent_count())));
            if let Some(i) = messages.iter().position(|m| !m.has_flag("\\Seen")) {
                self.send(untagged_status(
                    Status::Ok,
                    Some(&format!("UNSEEN {}", i + 1)),
                    "First unseen",
                ));
            }
        }
        self.send(untagged_status(
            Status::Ok,
            Some(&format!("UIDVALIDITY {}", mailbox.uidvalidity)),
            "UIDs valid",
        ));
        self.send(untagged_status(
            Status::Ok,
            Some(&format!("UIDNEXT {}", mailbox.uid_next)),
            "Predicted next UID",
        ));
        // RFC 8474 §4.2.
        let id = super::objectid::mailbox_id(mailbox);
        self.send(untagged_status(
            Status::Ok,
            Some(&format!("MAILBOXID ({id})")),
            "Ok",
        ));
        if self.rev2 {
            // RFC 9051 §6.3.2: the mailbox's LIST response.
            let mut line = b"* LIST () \"/\" ".to_vec();
            write_mailbox(&mut line, &self.wire_name(&mailbox.name), self.utf8);
            line.extend_from_slice(b"\r\n");
            self.send(line);
        }
        let code = if read_only { "READ-ONLY" } else { "READ-WRITE" };
        let verb = if read_only { "EXAMINE" } else { "SELECT" };
        self.state = State::Selected(account, Box::new(selected));
        self.select_modseq_responses();
        self.send(tagged(
            tag,
            Status::Ok,
            Some(code),
            &format!("{verb} completed"),
        ));
    }

    async fn subscribe(&mut self, tag: &str, mailbox: &str, subscribed: bool) {
        let name = self.mailbox_name(mailbox);
        let account_id = self.account_id();
        let verb = if subscribed {
            "SUBSCRIBE"
        } else {
            "UNSUBSCRIBE"
        };
        match self
            .store
            .write(move |tx| tx.set_subscribed(account_id, &name, subscribed))
            .await
        {
            Ok(()) => self.send(tagged(tag, Status::Ok, None, &format!("{verb} completed"))),
            Err(e) => self.store_error(tag, &e),
        }
    }

    fn status_line(&self, name: &str, items: &[StatusItem]) -> Result<Option<Vec<u8>>, StoreError> {
        let read = self.store.read()?;
        let Some(mailbox) = read.mailbox(self.account_id(), name)? else {
            return Ok(None);
        };
        let counts = read.counts(mailbox.id)?;
        Ok(Some(self.render_status(&mailbox, &counts, items)))
    }

    fn render_status(
        &self,
        mailbox: &Mailbox,
        counts: &MailboxCounts,
        items: &[StatusItem],
    ) -> Vec<u8> {
        let mut out = b"* STATUS ".to_vec();
        write_mailbox(&mut out, &self.wire_name(&mailbox.name), self.utf8);
        out.extend_from_slice(b" (");
        let values: Vec<String> = items
            .iter()
            .map(|item| {
                let v = match item {
                    StatusItem::Messages => counts.messages as u64,
                    StatusItem::Recent if self.rev2 => 0,
                    StatusItem::Recent => counts.recent as u64,
                    StatusItem::UidNext => mailbox.uid_next as u64,
                    StatusItem::UidValidity => mailbox.uidvalidity as u64,
                    StatusItem::Unseen => counts.unseen as u64,
                    StatusItem::Deleted => counts.deleted as u64,
                    StatusItem::Size => counts.size,
                    StatusItem::HighestModSeq => mailbox.highest_modseq,
                    // RFC 9208 §4.2: in units of 1024 octets, as STORAGE.
                    StatusItem::DeletedStorage => counts.deleted_size.div_ceil(1024),
                    StatusItem::MailboxId => {
                        let id = super::objectid::mailbox_id(mailbox);
                        return format!("MAILBOXID ({id})");
                    }
                };
                format!("{} {v}", item.as_str())
            })
            .collect();
        out.extend_from_slice(values.join(" ").as_bytes());
        out.extend_from_slice(b")\r\n");
        out
    }

    fn list(
        &mut self,
        tag: &str,
        reference: &str,
        patterns: &[String],
        selection: ListSelection,
        returns: ListReturn,
        lsub: bool,
    ) {
        let verb = if lsub { "LSUB" } else { "LIST" };
        // `LIST "" ""` asks for the delimiter (RFC 9051 §6.3.9).
        if patterns.len() == 1 && patterns[0].is_empty() {
            self.send(untagged(&format!(
                "{verb} (\\Noselect) \"{DELIMITER}\" \"\""
            )));
            self.send(tagged(tag, Status::Ok, None, &format!("{verb} completed")));
            return;
        }
        let read = self.store.read();
        let listed = read.and_then(|read| {
            let mailboxes = read.mailboxes(self.account_id())?;
            let nodes = read.mailbox_nodes(self.account_id())?;
            let mut counts = Vec::new();
            if returns.status.is_some() {
                for m in &mailboxes {
                    counts.push(read.counts(m.id)?);
                }
            }
            Ok((mailboxes, nodes, counts))
        });
        let (mailboxes, nodes, counts) = match listed {
            Ok(x) => x,
            Err(e) => {
                self.store_error(tag, &e);
                return;
            }
        };
        let patterns: Vec<String> = patterns
            .iter()
            .map(|p| {
                let p = if self.utf8 {
                    p.clone()
                } else {
                    utf7::decode(p).unwrap_or_else(|| p.clone())
                };
                let reference = if self.utf8 {
                    reference.to_string()
                } else {
                    utf7::decode(reference).unwrap_or_else(|| reference.to_string())
                };
                format!("{reference}{p}")
            })
            .collect();
        let tree = NameTree::new(&mailboxes, &nodes);
        let subscribed_only = selection.subscribed || lsub;
        let mut out = Vec::new();
        for (name, entry) in &tree.names {
            if !patterns.iter().any(|p| pattern_matches(p, name)) {
                continue;
            }
            let listed = if subscribed_only {
                entry.subscribed
            } else {
                entry.exists()
            };
            // RFC 5258 §3.5 RECURSIVEMATCH, and LSUB's `%` parents (RFC 3501 §6.3.9): a name
            // with subscribed descendants that the patterns do not list themselves. Computed
            // only when asked for: it looks at every name below.
            let child_subscribed = || {
                subscribed_only
                    && tree.has_subscribed_inferior(name, |n| {
                        !patterns.iter().any(|p| pattern_matches(p, n))
                    })
            };
            let recursive = selection.recursive_match && child_subscribed();
            // A `%` at the end of a pattern also returns the levels above matching names
            // (RFC 3501 §6.3.8, §6.3.9).
            let percent_parent = !listed
                && !recursive
                && patterns
                    .iter()
                    .any(|p| p.ends_with('%') && pattern_matches(p, name))
                && if subscribed_only {
                    child_subscribed()
                } else {
                    tree.has_children(name)
                };
            if !(listed || percent_parent || recursive) {
                continue;
            }
            if selection.special_use
                && entry
                    .mailbox
                    .is_none_or(|i| mailboxes[i].special_use.is_none())
            {
                continue;
            }
            let mut attrs: Vec<&str> = Vec::new();
            if lsub {
                if !listed || !entry.exists() || entry.noselect {
                    attrs.push("\\Noselect");
                }
            } else {
                if !entry.exists() && !tree.has_children(name) {
                    // A subscription that outlived its mailbox (RFC 5258 §3.4: implies
                    // \Noselect).
                    attrs.push("\\NonExistent");
                } else if !entry.exists() || entry.noselect {
                    attrs.push("\\Noselect");
                }
                if entry.exists() || tree.has_children(name) {
                    attrs.push(if tree.has_children(name) {
                        "\\HasChildren"
                    } else {
                        "\\HasNoChildren"
                    });
                }
                if (returns.subscribed || selection.subscribed) && entry.subscribed {
                    attrs.push("\\Subscribed");
                }
                // Special-use attributes are sent always (RFC 6154 §2 allows it), which
                // clients that never ask with RETURN (SPECIAL-USE) rely on.
                if let Some(su) = entry
                    .mailbox
                    .and_then(|i| mailboxes[i].special_use.as_deref())
                {
                    attrs.push(su);
                }
            }
            let mut line = format!("* {verb} ({}) \"{DELIMITER}\" ", attrs.join(" ")).into_bytes();
            write_mailbox(&mut line, &self.wire_name(name), self.utf8);
            if recursive && !lsub {
                line.extend_from_slice(b" (\"CHILDINFO\" (\"SUBSCRIBED\"))");
            }
            line.extend_from_slice(b"\r\n");
            out.extend(line);
            // RFC 5819: STATUS only for selectable mailboxes.
            if let Some(items) = &returns.status
                && let Some(i) = entry.mailbox.filter(|_| !entry.noselect)
                && let Some(c) = counts.get(i)
            {
                out.extend(self.render_status(&mailboxes[i], c, items));
            }
        }
        self.out.extend(out);
        self.send(tagged(tag, Status::Ok, None, &format!("{verb} completed")));
    }

    /// The destination of COPY/MOVE/APPEND; replies `NO [TRYCREATE]` when it does not exist
    /// (RFC 9051 §6.3.12), so that clients offer to create it.
    pub(super) fn target_mailbox(&mut self, tag: &str, mailbox: &str) -> Option<Mailbox> {
        let name = self.mailbox_name(mailbox);
        match self
            .store
            .read()
            .and_then(|r| r.mailbox(self.account_id(), &name))
        {
            Ok(Some(m)) => Some(m),
            Ok(None) => {
                self.send(tagged(
                    tag,
                    Status::No,
                    Some("TRYCREATE"),
                    "No such mailbox",
                ));
                None
            }
            Err(e) => {
                self.store_error(tag, &e);
                None
            }
        }
    }

    async fn append(
        &mut self,
        tag: &str,
        mailbox: &str,
        flags: Vec<String>,
        date: Option<chrono::DateTime<chrono::FixedOffset>>,
        message: Vec<u8>,
    ) {
        let Some(target) = self.target_mailbox(tag, mailbox) else {
            return;
        };
        if message.is_empty() {
            self.send(tagged(tag, Status::No, None, "Empty message"));
            return;
        }
        let internal_date = date
            .map(|d| d.timestamp())
            .unwrap_or_else(|| Utc::now().timestamp());
        let offset = date.map_or(0, |d| d.offset().local_minus_utc());
        let id = target.id;
        match self
            .store
            .write(move |tx| tx.append_in_zone(id, &message, &flags, internal_date, offset))
            .await
        {
            Ok((uidvalidity, uid)) => {
                self.sync(true).await;
                self.send(tagged(
                    tag,
                    Status::Ok,
                    Some(&format!("APPENDUID {uidvalidity} {uid}")),
                    "APPEND completed",
                ));
            }
            Err(e) => self.store_error(tag, &e),
        }
    }
}

/// One name LIST may show: a mailbox, a `\Noselect` node, a subscription of a name that no
/// longer exists, or only a level of the hierarchy above such names.
#[derive(Default)]
struct NameEntry {
    /// Index into the mailbox list.
    mailbox: Option<usize>,
    noselect: bool,
    subscribed: bool,
}

impl NameEntry {
    fn exists(&self) -> bool {
        self.mailbox.is_some() || self.noselect
    }
}

/// Every name of an account with its hierarchy levels, in name order.
struct NameTree {
    names: std::collections::BTreeMap<String, NameEntry>,
}

impl NameTree {
    fn new(mailboxes: &[Mailbox], nodes: &[(String, crate::store::mailboxes::NameNode)]) -> Self {
        let mut names: std::collections::BTreeMap<String, NameEntry> = Default::default();
        for (i, m) in mailboxes.iter().enumerate() {
            let e = names.entry(m.name.clone()).or_default();
            e.mailbox = Some(i);
            e.subscribed |= m.subscribed;
        }
        for (name, node) in nodes {
            let e = names.entry(name.clone()).or_default();
            e.noselect |= node.noselect && e.mailbox.is_none();
            e.subscribed |= node.subscribed;
        }
        // The levels above every name, so that `%` and RECURSIVEMATCH can reach them.
        let all: Vec<String> = names.keys().cloned().collect();
        for name in all {
            let mut end = 0;
            while let Some(i) = name[end..].find(DELIMITER) {
                end += i;
                names.entry(name[..end].to_string()).or_default();
                end += DELIMITER.len_utf8();
            }
        }
        NameTree { names }
    }

    fn below<'a>(&'a self, name: &str) -> impl Iterator<Item = (&'a String, &'a NameEntry)> + 'a {
        let prefix = format!("{name}{DELIMITER}");
        self.names
            .range(prefix.clone()..)
            .take_while(move |(n, _)| n.starts_with(&prefix))
    }

    /// \HasChildren: a mailbox or `\Noselect` node below the name.
    fn has_children(&self, name: &str) -> bool {
        self.below(name).any(|(_, e)| e.exists())
    }

    /// A subscribed name below `name` for which `unlisted` holds.
    fn has_subscribed_inferior(&self, name: &str, unlisted: impl Fn(&str) -> bool) -> bool {
        self.below(name).any(|(n, e)| e.subscribed && unlisted(n))
    }
}

/// LIST pattern matching (RFC 9051 §6.3.9): `*` matches anything, `%` anything but the
/// hierarchy delimiter. INBOX matches case-insensitively.
pub(super) fn pattern_matches(pattern: &str, name: &str) -> bool {
    let pattern = canonical_pattern(pattern);
    matches_from(pattern.as_bytes(), name.as_bytes())
}

fn canonical_pattern(pattern: &str) -> String {
    if pattern.len() >= 5 && pattern[..5].eq_ignore_ascii_case("INBOX") {
        let rest = &pattern[5..];
        if rest.is_empty()
            || rest.starts_with(DELIMITER)
            || rest.starts_with('*')
            || rest.starts_with('%')
        {
            return format!("INBOX{rest}");
        }
    }
    pattern.to_string()
}

/// Wildcard matching by dynamic programming: O(pattern × name), so that a hostile pattern
/// such as `*a*a*a*a*b` cannot make the server backtrack exponentially.
fn matches_from(p: &[u8], n: &[u8]) -> bool {
    // row[j]: does the pattern prefix consumed so far match n[..j]?
    let mut row = vec![false; n.len() + 1];
    row[0] = true;
    for &c in p {
        let mut next = vec![false; n.len() + 1];
        match c {
            b'*' => {
                let mut any = false;
                for j in 0..=n.len() {
                    any |= row[j];
                    next[j] = any;
                }
            }
            b'%' => {
                let mut any = false;
                for j in 0..=n.len() {
                    if j > 0 && n[j - 1] == DELIMITER as u8 {
                        any = false;
                    }
                    any |= row[j];
                    next[j] = any;
                }
            }
            c => {
                for j in 1..=n.len() {
                    next[j] = row[j - 1] && n[j - 1] == c;
                }
            }
        }
        row = next;
    }
    row[n.len()]
}

#[cfg(test)]
mod tests {
    use super::pattern_matches;

    #[test]
    fn list_patterns() {
        assert!(pattern_matches("*", "INBOX"));
        assert!(pattern_matches("*", "Work/Projects"));
        assert!(pattern_matches("%", "Sent"));
        assert!(!pattern_matches("%", "Work/Projects"));
        assert!(pattern_matches("Work/%", "Work/Projects"));
        assert!(pattern_matches("inbox", "INBOX"));
        assert!(!pattern_matches("Sent", "sent"));
        assert!(pattern_matches("S*", "SocialNetworks"));
    }
}
