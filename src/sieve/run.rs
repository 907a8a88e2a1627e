//! Running Sieve for one recipient: the administrator's `before` script, the user's active
//! script, and — only when neither took an explicit filing action — the `after` script
//! (default: `sieve/default.sieve`, filing by the plugins' tags). The result is a list of
//! filings (folder, flags, possibly an edited message), outgoing messages (redirect, vacation,
//! notify), a reject or a discard.
//!
//! What counts as an explicit filing action (RFC 5228 §2.10.2 cancels the implicit keep for
//! them): fileinto, discard, reject/ereject, redirect without `:copy`, and a `keep` the script
//! wrote. sieve-rs reports an explicit `keep` and the implicit keep alike, so a script is taken
//! to have kept explicitly when it contains the `keep` command and ends in a keep.

use std::collections::HashMap;
use std::sync::Arc;

use sieve::{Envelope, Event, Input, Recipient, Runtime, Script, Sieve, SpamStatus, VirusStatus};

use super::address::is_mailbox;
use super::cache::ScriptCache;
use super::identity::{forged_sender, is_script_made, own_identity};
use super::{SieveLimits, check_script};
use crate::store::{ListKind, ReadTx};

/// The built-in `after` script.
pub const DEFAULT_AFTER: &str = include_str!("../../sieve/default.sieve");

/// One copy to store.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filing {
    /// `None`: keep (INBOX, or the plugins' suggested folder when the keep is implicit).
    pub folder: Option<String>,
    pub flags: Vec<String>,
    /// Create the folder if missing (`fileinto :create`, RFC 5490 §3.2).
    pub create: bool,
    /// The message as edited by the script (editheader), when it differs.
    pub content: Option<Vec<u8>>,
}

/// A message a script sends (redirect, vacation, notify), for the outbound queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutMessage {
    pub mail_from: String,
    pub to: Vec<String>,
    pub raw: Vec<u8>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SieveOutcome {
    /// A script took an explicit filing action: the plugins' suggested folder does not apply.
    pub explicit: bool,
    pub filings: Vec<Filing>,
    pub discard: bool,
    pub reject: Option<String>,
    pub outbound: Vec<OutMessage>,
    /// Duplicate-tracking ids to remember: (key, expiry as unix seconds).
    pub seen_ids: Vec<(String, i64)>,
    /// Errors met (the message is kept when a script fails, RFC 5228 §2.10.6).
    pub errors: Vec<String>,
}

/// What the runner knows about the recipient and the message.
pub struct RecipientContext<'a> {
    pub account_id: u64,
    pub account: &'a str,
    /// The envelope recipient as given (may carry a +detail).
    pub recipient: &'a str,
    pub mail_from: &'a str,
    pub message: &'a mail_parser::Message<'a>,
    pub raw: &'a [u8],
    /// Sum of the plugins' scores, and whether any plugin ran.
    pub spam_score: Option<f64>,
    pub tags: &'a [String],
    /// Sender authentication results for the `environment` extension.
    pub auth: Option<&'a crate::auth::AuthReport>,
    pub read: &'a ReadTx,
    pub now: i64,
    /// Duplicate-tracking ids the runs for earlier recipients of this same message recorded
    /// (not yet in the store): a message to many subaddresses of one account answers a
    /// vacation or matches `duplicate` as one message would (RFC 5230 §4.2, RFC 7352 §3).
    pub seen_before: &'a [(String, i64)],
}

pub struct SieveRunner {
    runtime: Runtime,
    hostname: String,
    limits: SieveLimits,
    /// Compiled once and shared with every run (sieve-rs takes a script as `Arc<Sieve>`; a
    /// `&Sieve` would be deep-copied per run), with whether the text has a `keep` command.
    before: Option<Loaded>,
    after: Loaded,
    /// Rewrites the envelope sender of redirected mail (`None`: kept as it is).
    srs: Option<std::sync::Arc<crate::srs::Srs>>,
    /// Users' scripts (the active one, and those it includes), compiled once per text.
    user_scripts: ScriptCache<Result<Arc<Loaded>, String>>,
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct SieveConfigError {
    pub path: String,
    pub message: String,
}

/// Extension lists bound to the allow/block lists (RFC 6134).
pub const LIST_ALLOW: &str = "mailsift:allow";
pub const LIST_BLOCK: &str = "mailsift:block";

impl SieveRunner {
    pub fn new(config: &crate::config::Config) -> Result<SieveRunner, SieveConfigError> {
        let limits = config.sieve.limits;
        let load = |path: &std::path::Path| -> Result<Loaded, SieveConfigError> {
            let text = std::fs::read_to_string(path).map_err(|e| SieveConfigError {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            let script = check_script(text.as_bytes(), &limits).map_err(|e| SieveConfigError {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            Ok(Loaded::new(script, &text))
        };
        let before = config.sieve.before.as_deref().map(load).transpose()?;
        let after = match config.sieve.after.as_deref() {
            Some(p) => load(p)?,
            None => Loaded::new(
                check_script(DEFAULT_AFTER.as_bytes(), &limits).map_err(|e| SieveConfigError {
                    path: "sieve/default.sieve (built in)".into(),
                    message: e.to_string(),
                })?,
                DEFAULT_AFTER,
            ),
        };
        let mut runtime = Runtime::new()
            .with_cpu_limit(limits.cpu)
            .with_max_nested_includes(limits.max_includes)
            .with_max_redirects(limits.max_redirects)
            .with_max_out_messages(limits.max_out_messages)
            .with_valid_ext_list(LIST_ALLOW)
            .with_valid_ext_list(LIST_BLOCK)
            .with_valid_notification_uri("mailto")
            .with_local_hostname(config.hostname.clone());
        // RFC 5183 §4 items that do not change from message to message: held by the runtime,
        // which sieve-rs consults when a run has not set the name itself (each per-run value is
        // two allocations).
        runtime.set_env_variable("domain", config.hostname.clone());
        runtime.set_env_variable("host", config.hostname.clone());
        runtime.set_env_variable("name", "Mailsift");
        runtime.set_env_variable("version", env!("CARGO_PKG_VERSION"));
        runtime.set_env_variable("phase", "during");
        Ok(SieveRunner {
            runtime,
            hostname: config.hostname.clone(),
            limits,
            before,
            after,
            srs: None,
            user_scripts: ScriptCache::new(super::cache::DEFAULT_BUDGET),
        })
    }

    /// Redirected mail leaves with an SRS envelope sender under the forwarding account's domain.
    pub fn with_srs(mut self, srs: Option<std::sync::Arc<crate::srs::Srs>>) -> SieveRunner {
        self.srs = srs;
        self
    }

    pub fn srs(&self) -> Option<&crate::srs::Srs> {
        self.srs.as_deref()
    }

    pub fn hostname(&self) -> &str {
        &self.hostname
    }

    pub fn limits(&self) -> &SieveLimits {
        &self.limits
    }

    /// Runs the scripts for one recipient. `user` is the user's active script (text).
    pub fn run(&self, ctx: &RecipientContext<'_>, user: Option<&str>) -> SieveOutcome {
        let mut out = SieveOutcome::default();
        let mut implicit_flags = Vec::new();
        let mut implicit_content = None;
        let mut ran = Vec::new();
        if let Some(before) = &self.before {
            ran.push(self.run_one(ctx, before, &mut out));
        }
        if let Some(text) = user {
            match self.user_script(text) {
                Ok(script) => ran.push(self.run_one(ctx, &script, &mut out)),
                Err(e) => out
                    .errors
                    .push(format!("the active script does not compile: {e}")),
            }
        }
        for r in ran {
            if let Some(flags) = r.implicit_keep_flags {
                implicit_flags.extend(flags);
            }
            if r.implicit_content.is_some() {
                implicit_content = r.implicit_content;
            }
        }
        if !out.explicit {
            let first = out.filings.len();
            let r = self.run_one(ctx, &self.after, &mut out);
            if let Some(flags) = r.implicit_keep_flags {
                implicit_flags.extend(flags);
            }
            // Flags the user's script set (imap4flags) travel with the `after` script's filing.
            for f in &mut out.filings[first..] {
                f.flags.extend(implicit_flags.iter().cloned());
            }
        }
        if !out.explicit && !out.discard {
            // The implicit keep (RFC 5228 §2.10.2), with any flags the scripts set.
            implicit_flags.sort();
            implicit_flags.dedup();
            out.filings.push(Filing {
                folder: None,
                flags: implicit_flags,
                create: false,
                content: implicit_content,
            });
        }
        out
    }

    fn run_one(
        &self,
        ctx: &RecipientContext<'_>,
        script: &Loaded,
        out: &mut SieveOutcome,
    ) -> OneRun {
        let mut instance = self.runtime.filter_parsed(ctx.message.clone());
        instance.set_envelope(Envelope::From, ctx.mail_from);
        instance.set_envelope(Envelope::To, ctx.recipient);
        instance.set_user_address(ctx.account);
        instance.set_spam_status(match ctx.spam_score {
            None => SpamStatus::Unknown,
            Some(s) if s < 1.0 => SpamStatus::Ham,
            Some(s) if s >= 10.0 => SpamStatus::Spam,
            Some(s) => SpamStatus::MaybeSpam((s / 10.0).clamp(0.2, 0.99)),
        });
        let has_tag = |t: &str| ctx.tags.iter().any(|x| x.eq_ignore_ascii_case(t));
        instance.set_virus_status(if has_tag("virus") {
            VirusStatus::Virus
        } else if has_tag("executable") {
            VirusStatus::MaybeVirus
        } else if ctx.spam_score.is_some() {
            VirusStatus::Clean
        } else {
            VirusStatus::Unknown
        });
        // The plugins' verdict and sender authentication (the RFC 5183 items are the runtime's).
        instance.set_env_variable("vnd.mailsift.tags", ctx.tags.join(" "));
        instance.set_env_variable(
            "vnd.mailsift.score",
            format!("{:.1}", ctx.spam_score.unwrap_or(0.0)),
        );
        if let Some(a) = ctx.auth {
            instance.set_env_variable("vnd.mailsift.spf", a.spf.name());
            instance.set_env_variable("vnd.mailsift.dkim", a.dkim_summary().name());
            instance.set_env_variable("vnd.mailsift.dmarc", a.dmarc.name());
        }
        let mentions_keep = script.mentions_keep;
        let mut created: HashMap<usize, Vec<u8>> = HashMap::new();
        let mut result = OneRun::default();
        let mut input = Input::script("script", Arc::clone(&script.sieve));
        let mut keeps = 0;
        while let Some(event) = instance.run(input) {
            input = Input::True;
            let event = match event {
                Ok(e) => e,
                Err(e) => {
                    out.errors.push(format!("{e:?}"));
                    break;
                }
            };
            match event {
                Event::IncludeScript { name, optional } => {
                    input = match self.include(ctx, &name) {
                        Some(s) => Input::script(name, s),
                        None if optional => Input::False,
                        None => {
                            out.errors.push(format!("include: no script {name:?}"));
                            Input::False
                        }
                    };
                }
                Event::MailboxExists { mailboxes, .. } => {
                    let exists = mailboxes.iter().all(|m| {
                        let name = match m {
                            sieve::Mailbox::Name(n) => n.as_str(),
                            sieve::Mailbox::Id(n) => n.as_str(),
                        };
                        ctx.read
                            .mailbox(ctx.account_id, name)
                            .ok()
                            .flatten()
                            .is_some()
                    });
                    input = exists.into();
                }
                Event::ListContains { lists, values, .. } => {
                    let found = lists.iter().any(|list| {
                        let kind = match list.as_str() {
                            LIST_ALLOW => ListKind::Allow,
                            LIST_BLOCK => ListKind::Block,
                            _ => return false,
                        };
                        values.iter().any(|v| {
                            let domain = ctx.account.rsplit_once('@').map_or("", |(_, d)| d);
                            ctx.read
                                .list_matches(ctx.account, domain, v)
                                .map(|m| m.iter().any(|m| m.kind == kind))
                                .unwrap_or(false)
                        })
                    });
                    input = found.into();
                }
                Event::DuplicateId { id, expiry, .. } => {
                    let key = duplicate_key(ctx.account, &id);
                    let seen = ctx
                        .read
                        .plugin_kv_get("sieve", &key)
                        .ok()
                        .flatten()
                        .and_then(|v| String::from_utf8(v).ok())
                        .and_then(|v| v.parse::<i64>().ok())
                        .is_some_and(|until| until > ctx.now)
                        || out.seen_ids.iter().any(|(k, _)| *k == key)
                        || ctx.seen_before.iter().any(|(k, _)| *k == key);
                    out.seen_ids.push((key, ctx.now + expiry as i64));
                    input = seen.into();
                }
                Event::SetEnvelope { .. } | Event::Function { .. } => input = Input::False,
                Event::CreatedMessage {
                    message_id,
                    message,
                } => {
                    created.insert(message_id, message);
                }
                Event::Keep { flags, message_id } => {
                    keeps += 1;
                    let content = created.get(&message_id).cloned();
                    if mentions_keep {
                        out.explicit = true;
                        out.filings.push(Filing {
                            folder: None,
                            flags,
                            create: false,
                            content,
                        });
                    } else {
                        result.implicit_keep_flags = Some(flags);
                        if content.is_some() {
                            result.implicit_content = content;
                        }
                    }
                }
                Event::Discard => {
                    out.explicit = true;
                    out.discard = true;
                }
                Event::Reject { reason, .. } => {
                    out.explicit = true;
                    out.reject = Some(reason);
                }
                Event::FileInto {
                    folder,
                    flags,
                    create,
                    message_id,
                    ..
                } => {
                    out.explicit = true;
                    out.filings.push(Filing {
                        folder: Some(folder),
                        flags,
                        create,
                        content: created.get(&message_id).cloned(),
                    });
                }
                Event::SendMessage {
                    recipient,
                    message_id,
                    ..
                } => {
                    let to = match recipient {
                        Recipient::Address(a) | Recipient::List(a) => vec![a],
                        Recipient::Group(g) => g,
                    };
                    // RFC 5228 §4.2: the address must be valid. A run-time error, so the
                    // message is kept (§2.10.6) instead of queued for a path like
                    // `bob@example.org/INBOX` or a string with CR LF.
                    if let Some(bad) = to.iter().find(|a| !is_mailbox(a)) {
                        out.errors
                            .push(format!("redirect: {bad:?} is not a valid address"));
                        continue;
                    }
                    let (mut raw, auto) = match created.get(&message_id) {
                        Some(m) => (m.clone(), true),
                        None => (ctx.raw.to_vec(), false),
                    };
                    if auto && is_script_made(&raw) {
                        raw = own_identity(&raw, &allowed_senders(ctx), ctx.account);
                    } else if auto
                        && let Some(field) = forged_sender(ctx.raw, &raw, &allowed_senders(ctx))
                    {
                        // editheader made the redirected copy claim another's name: a run-time
                        // error, so the message is kept (RFC 5228 §2.10.6).
                        out.errors.push(format!(
                            "redirect: the script set {field:?}, not the account's"
                        ));
                        continue;
                    }
                    if auto
                        && is_auto_reply(&raw)
                        && !auto_reply_allowed(ctx.message, ctx.mail_from)
                    {
                        tracing::info!(to = ?to, "vacation reply suppressed (list, bulk, automatic or null-sender mail)");
                        continue;
                    }
                    // Vacation replies and notifications go out with the null sender
                    // (RFC 5230 §5); a redirect keeps the original sender (RFC 5228 §4.2).
                    out.outbound.push(OutMessage {
                        mail_from: if auto {
                            String::new()
                        } else {
                            ctx.mail_from.to_string()
                        },
                        to,
                        raw,
                    });
                }
                Event::Notify {
                    from,
                    message,
                    method,
                    ..
                } => {
                    if let Some(to) = method.strip_prefix("mailto:") {
                        let to = to.split('?').next().unwrap_or("").to_string();
                        // RFC 5436 §2.1: a mailto recipient is an address (RFC 6068); it also
                        // becomes the notification's `To` header, so nothing else may pass.
                        if !is_mailbox(&to) {
                            out.errors
                                .push(format!("notify: {to:?} is not a valid address"));
                            continue;
                        }
                        let subject = ctx.message.subject().unwrap_or("");
                        let raw = format!(
                            "From: {}\r\nTo: {to}\r\nSubject: {}\r\nAuto-Submitted: auto-notified\r\n\r\n{}\r\n",
                            from.as_deref().unwrap_or(ctx.account),
                            if message.is_empty() {
                                format!("New mail: {subject}")
                            } else {
                                message.clone()
                            },
                            if message.is_empty() {
                                format!("New mail for {}: {subject}", ctx.account)
                            } else {
                                message
                            },
                        );
                        out.outbound.push(OutMessage {
                            mail_from: String::new(),
                            to: vec![to],
                            raw: own_identity(raw.as_bytes(), &allowed_senders(ctx), ctx.account),
                        });
                    }
                }
            }
        }
        // A script that ended without any keep (redirect, discard…) made an explicit choice.
        if keeps == 0 && result.implicit_keep_flags.is_none() && out.errors.is_empty() {
            out.explicit = true;
        }
        result
    }

    /// `include :personal "name"` (RFC 6609): the account's stored scripts. Global scripts are
    /// not offered.
    fn include(&self, ctx: &RecipientContext<'_>, name: &Script) -> Option<Arc<Sieve>> {
        match name {
            Script::Personal(n) => {
                let s = ctx.read.sieve_script(ctx.account_id, n).ok()??;
                self.user_script(&s.content).ok().map(|l| l.sieve.clone())
            }
            Script::Global(_) => None,
        }
    }

    /// A user's script compiled, from the cache when its text was compiled before.
    fn user_script(&self, text: &str) -> Result<Arc<Loaded>, String> {
        self.user_scripts.get_or_compile(text, |text| {
            check_script(text.as_bytes(), &self.limits)
                .map(|script| Arc::new(Loaded::new(script, text)))
                .map_err(|e| e.to_string())
        })
    }

    /// Users' compiled scripts kept: how many, and their weight in bytes.
    pub fn user_scripts_cached(&self) -> (usize, usize) {
        self.user_scripts.usage()
    }
}

/// A compiled script and whether its text has the `keep` command (`mentions_keep`).
struct Loaded {
    sieve: Arc<Sieve>,
    mentions_keep: bool,
}

impl Loaded {
    fn new(sieve: Sieve, text: &str) -> Loaded {
        Loaded {
            sieve: Arc::new(sieve),
            mentions_keep: mentions_keep(text),
        }
    }
}

#[derive(Default)]
struct OneRun {
    implicit_keep_flags: Option<Vec<String>>,
    /// The message as edited (editheader) when the script ended in the implicit keep.
    implicit_content: Option<Vec<u8>>,
}

/// The addresses the recipient's account may send as (its own at least).
fn allowed_senders(ctx: &RecipientContext<'_>) -> Vec<String> {
    ctx.read
        .account(ctx.account)
        .ok()
        .flatten()
        .and_then(|a| crate::directory::senders::allowed_senders(ctx.read, &a).ok())
        .unwrap_or_else(|| vec![ctx.account.to_ascii_lowercase()])
}

/// True when `raw` (a message a script made) is an automatic reply (a vacation response).
fn is_auto_reply(raw: &[u8]) -> bool {
    mail_parser::MessageParser::new()
        .parse_headers(raw)
        .and_then(|m| {
            m.header_raw("Auto-Submitted")
                .map(|v| v.trim().to_ascii_lowercase().starts_with("auto-replied"))
        })
        .unwrap_or(false)
}

/// Whether an automatic reply may answer `message` (RFC 3834 §2, RFC 5230 §4.5): never the null
/// sender, never mail that was itself automatic (`Auto-Submitted` other than `no`), mailing-list
/// traffic (`List-*` fields, RFC 2369/2919) or bulk mail (`Precedence: bulk/list/junk`).
/// sieve-rs checks most of these; this is the whole rule in one place (it misses `list`/`junk`).
pub fn auto_reply_allowed(message: &mail_parser::Message<'_>, mail_from: &str) -> bool {
    if mail_from.trim().is_empty() {
        return false;
    }
    let Some(part) = message.parts.first() else {
        return false;
    };
    for h in &part.headers {
        let name = h.name.as_str();
        let value = || {
            message
                .raw_message
                .get(h.offset_start as usize..h.offset_end as usize)
                .map(|v| String::from_utf8_lossy(v).trim().to_ascii_lowercase())
                .unwrap_or_default()
        };
        let lower = name.to_ascii_lowercase();
        if lower.starts_with("list-") {
            return false;
        }
        match lower.as_str() {
            // RFC 3834 §5.1: "no", possibly followed by a comment or parameters.
            "auto-submitted" => {
                let v = value();
                let keyword = v.split([';', '(', ' ', '\t']).next().unwrap_or("");
                if keyword != "no" {
                    return false;
                }
            }
            "precedence" if matches!(value().as_str(), "bulk" | "list" | "junk") => return false,
            _ => {}
        }
    }
    true
}

/// The key under which a `duplicate` id is remembered (per account).
pub fn duplicate_key(account: &str, id: &str) -> String {
    let h = id.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    });
    format!("dup/{account}/{h:016x}")
}

/// True when the script text contains the `keep` command (outside strings and comments).
pub fn mentions_keep(script: &str) -> bool {
    let b = script.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b':')
                {
                    i += 1;
                }
                let word = &script[start..i];
                if word.eq_ignore_ascii_case("text:") {
                    // A multi-line string runs to a line holding only "." (RFC 5228 §2.4.2).
                    while i < b.len() {
                        let line_end = script[i..].find('\n').map_or(b.len(), |e| i + e + 1);
                        let line = script[i..line_end].trim_end();
                        i = line_end;
                        if line == "." {
                            break;
                        }
                    }
                    continue;
                }
                if word.eq_ignore_ascii_case("keep") {
                    return true;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_is_found_only_as_a_command() {
        assert!(mentions_keep("if true { keep; }"));
        assert!(mentions_keep("KEEP;"));
        assert!(!mentions_keep("# keep\nfileinto \"keep\"; /* keep */"));
        assert!(!mentions_keep("vacation text:\nkeep calm\n.\n;"));
        assert!(!mentions_keep(
            "if header :contains \"subject\" \"x\" { discard; } # keeper"
        ));
        assert!(!mentions_keep("set \"keeper\" \"1\";"));
    }

    /// Runs `user` (or only the built-in scripts) for nina with the given tags and score.
    fn run_for(user: Option<&str>, tags: &[&str], score: Option<f64>) -> SieveOutcome {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("db")).unwrap();
        let id = store
            .write_blocking(|tx| {
                tx.add_domain("example.org")?;
                Ok(tx.add_account("nina@example.org")?.id)
            })
            .unwrap();
        let read = store.read().unwrap();
        let config = crate::config::Config {
            hostname: "mx.example.org".into(),
            ..crate::config::Config::default()
        };
        let runner = SieveRunner::new(&config).unwrap();
        let raw = b"From: a@example.net\r\nSubject: hi\r\n\r\nbody\r\n";
        let message = mail_parser::MessageParser::default().parse(raw).unwrap();
        let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
        runner.run(
            &RecipientContext {
                account_id: id,
                account: "nina@example.org",
                recipient: "nina+x@example.org",
                mail_from: "a@example.net",
                message: &message,
                raw,
                spam_score: score,
                tags: &tags,
                auth: None,
                read: &read,
                now: 1_700_000_000,
                seen_before: &[],
            },
            user,
        )
    }

    /// One runner across messages, as the server keeps it: the active script and the script it
    /// includes are compiled once, a replaced script (another text) applies to the very next
    /// message, and a script that does not compile keeps failing with its error.
    #[test]
    fn users_scripts_are_compiled_once_and_a_replaced_one_applies_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("db")).unwrap();
        let include = "require \"fileinto\"; fileinto \"Included\";";
        let id = store
            .write_blocking(move |tx| {
                tx.add_domain("example.org")?;
                let id = tx.add_account("nina@example.org")?.id;
                tx.sieve_put(id, "other", include, 10)?;
                Ok(id)
            })
            .unwrap();
        let config = crate::config::Config {
            hostname: "mx.example.org".into(),
            ..crate::config::Config::default()
        };
        let runner = SieveRunner::new(&config).unwrap();
        let raw = b"From: a@example.net\r\nSubject: hi\r\n\r\nbody\r\n";
        let message = mail_parser::MessageParser::default().parse(raw).unwrap();
        let run = |user: &str| {
            let read = store.read().unwrap();
            let outcome = runner.run(
                &RecipientContext {
                    account_id: id,
                    account: "nina@example.org",
                    recipient: "nina@example.org",
                    mail_from: "a@example.net",
                    message: &message,
                    raw,
                    spam_score: None,
                    tags: &[],
                    auth: None,
                    read: &read,
                    now: 1_700_000_000,
                    seen_before: &[],
                },
                Some(user),
            );
            let folders: Vec<Option<String>> =
                outcome.filings.iter().map(|f| f.folder.clone()).collect();
            (folders, outcome.errors)
        };
        let first = "require \"fileinto\"; fileinto \"First\";";
        for _ in 0..3 {
            assert_eq!(run(first), (vec![Some("First".into())], vec![]));
        }
        assert_eq!(runner.user_scripts_cached().0, 1, "compiled once");
        let second = "require \"fileinto\"; fileinto \"Second\";";
        assert_eq!(run(second), (vec![Some("Second".into())], vec![]));
        let including = "require \"include\"; include :personal \"other\";";
        for _ in 0..2 {
            assert_eq!(run(including), (vec![Some("Included".into())], vec![]));
        }
        // first, second, the including script and the included one.
        assert_eq!(runner.user_scripts_cached().0, 4);
        for _ in 0..2 {
            let (folders, errors) = run("fileinto \"x\";");
            assert_eq!(folders, vec![None], "kept, as a failing script does");
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(errors[0].starts_with("the active script does not compile"));
        }
        assert_eq!(runner.user_scripts_cached().0, 5);
    }

    /// The RFC 5183 items are held by the runtime (set once), the plugins' by each run: a script
    /// sees both, and the same values as when every run set them.
    #[test]
    fn environment_items_reach_every_run() {
        let script = format!(
            "require [\"environment\", \"fileinto\", \"relational\", \"comparator-i;ascii-numeric\"];\n\
             if allof (environment :is \"domain\" \"mx.example.org\",\n\
                       environment :is \"host\" \"mx.example.org\",\n\
                       environment :is \"name\" \"Mailsift\",\n\
                       environment :is \"version\" \"{}\",\n\
                       environment :is \"phase\" \"during\",\n\
                       environment :is \"vnd.mailsift.tags\" \"ham news\",\n\
                       environment :is \"vnd.mailsift.score\" \"0.5\") {{ fileinto \"All\"; }}\n",
            env!("CARGO_PKG_VERSION")
        );
        for _ in 0..2 {
            let out = run_for(Some(&script), &["ham", "news"], Some(0.5));
            assert!(out.errors.is_empty(), "{:?}", out.errors);
            assert_eq!(out.filings.len(), 1);
            assert_eq!(out.filings[0].folder.as_deref(), Some("All"));
            assert!(out.explicit);
        }
    }

    /// The built-in `after` script (shared by every run, not copied per run) files by tags.
    #[test]
    fn default_script_files_by_tags() {
        let folder = |tags: &[&str]| {
            let out = run_for(None, tags, Some(1.0));
            assert!(out.errors.is_empty());
            assert_eq!(out.filings.len(), 1);
            (out.filings[0].folder.clone(), out.explicit)
        };
        assert_eq!(folder(&["ham"]), (None, false));
        assert_eq!(folder(&["spam"]), (Some("Junk".into()), true));
        assert_eq!(folder(&["promotion"]), (Some("Promotions".into()), true));
        assert_eq!(
            folder(&["x", "SOCIAL"]),
            (Some("SocialNetworks".into()), true)
        );
        // A user script with an explicit keep, then the built-in script does not run.
        let out = run_for(Some("keep;"), &["spam"], Some(12.0));
        assert_eq!(out.filings.len(), 1);
        assert_eq!(out.filings[0].folder, None);
        assert!(out.explicit);
    }
}

#[cfg(test)]
mod cost {
    //! What one recipient's Sieve run costs (the default configuration: no `before` script,
    //! no user script, the built-in `after`), counted under valgrind at two run counts:
    //!
    //!     MAILSIFT_SIEVE_RUNS=N valgrind --tool=dhat|callgrind LIB_TEST_BIN \
    //!         --exact sieve::run::cost::default_run_cost --test-threads=1
    use super::*;
    use crate::store::Store;

    #[test]
    fn default_run_cost() {
        let n: usize = std::env::var("MAILSIFT_SIEVE_RUNS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3);
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let id = store
            .write_blocking(|tx| {
                tx.add_domain("example.org")?;
                Ok(tx.add_account("nina@example.org")?.id)
            })
            .unwrap();
        let read = store.read().unwrap();
        let runner = SieveRunner::new(&crate::config::Config::default()).unwrap();
        let body = "x".repeat(76) + "\r\n";
        let raw = format!(
            "From: Sender <sender@example.net>\r\nTo: nina@example.org\r\nSubject: hello\r\n\
             Message-ID: <1@example.net>\r\nDate: Mon, 7 Dec 2026 07:00:00 +0000\r\n\
             MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}",
            body.repeat(66)
        );
        let message = mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .unwrap();
        let tags = vec!["ham".to_string()];
        for _ in 0..n {
            let out = runner.run(
                &RecipientContext {
                    account_id: id,
                    account: "nina@example.org",
                    recipient: "nina@example.org",
                    mail_from: "sender@example.net",
                    message: &message,
                    raw: raw.as_bytes(),
                    spam_score: Some(0.5),
                    tags: &tags,
                    auth: None,
                    read: &read,
                    now: 1_700_000_000,
                    seen_before: &[],
                },
                None,
            );
            assert_eq!(out.filings.len(), 1);
            assert!(out.errors.is_empty());
        }
    }
}
