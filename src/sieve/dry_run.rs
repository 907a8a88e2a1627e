//! `mailsift sieve test`: runs a script on a message outside the server, on a scratch store
//! holding only the recipient's account, and reports the actions it would take.

use serde::Serialize;

use super::{SieveOutcome, SieveRunner, run::RecipientContext};
use crate::config::Config;
use crate::store::Store;

#[derive(Debug, Serialize)]
pub struct Action {
    pub action: String,
    pub detail: String,
}

/// The actions a script takes for `to`, as printable lines.
pub fn dry_run(
    config: &Config,
    script: &str,
    raw: &[u8],
    from: &str,
    to: &str,
    tags: &[String],
    score: Option<f64>,
) -> Result<Vec<Action>, String> {
    super::check_script(script.as_bytes(), &config.sieve.limits).map_err(|e| e.to_string())?;
    if crate::mime::too_deep(raw) {
        return Err(crate::mime::TOO_DEEP_TEXT.to_string());
    }
    let message = mail_parser::MessageParser::default()
        .parse(raw)
        .ok_or("the message does not parse")?;
    let scratch = std::env::temp_dir().join(format!("mailsift-sieve-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let result = (|| {
        let store = Store::open(&scratch.join("db")).map_err(|e| e.to_string())?;
        let account = crate::directory::split_lookup(to)
            .map(|(l, d)| (format!("{}@{d}", l.split('+').next().unwrap_or(&l)), d))
            .ok_or_else(|| format!("\"{to}\" is not an address"))?;
        let (address, domain) = account.clone();
        let id = store
            .write_blocking(move |tx| {
                tx.add_domain(&domain)?;
                Ok(tx.add_account(&address)?.id)
            })
            .map_err(|e| e.to_string())?;
        let read = store.read().map_err(|e| e.to_string())?;
        let runner = SieveRunner::new(config).map_err(|e| e.to_string())?;
        let outcome = runner.run(
            &RecipientContext {
                account_id: id,
                account: &account.0,
                recipient: to,
                mail_from: from,
                message: &message,
                raw,
                spam_score: score,
                tags,
                auth: None,
                read: &read,
                now: chrono::Utc::now().timestamp(),
                seen_before: &[],
            },
            Some(script),
        );
        Ok(describe(&outcome))
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn describe(o: &SieveOutcome) -> Vec<Action> {
    let mut out = Vec::new();
    let mut push = |a: &str, d: String| {
        out.push(Action {
            action: a.into(),
            detail: d,
        })
    };
    for e in &o.errors {
        push("error", e.clone());
    }
    if let Some(r) = &o.reject {
        push("reject", r.clone());
    }
    if o.discard && o.filings.is_empty() {
        push("discard", String::new());
    }
    for f in &o.filings {
        let folder = match &f.folder {
            Some(f) => f.clone(),
            None if o.explicit => "INBOX".into(),
            None => "INBOX (or the plugins' suggested folder: implicit keep)".into(),
        };
        let mut d = folder;
        if f.create {
            d.push_str(" (created if missing)");
        }
        if !f.flags.is_empty() {
            d.push_str(&format!(" flags {}", f.flags.join(" ")));
        }
        if f.content.is_some() {
            d.push_str(" (headers edited)");
        }
        push(
            if f.folder.is_some() {
                "fileinto"
            } else {
                "keep"
            },
            d,
        );
    }
    for m in &o.outbound {
        let kind = if m.mail_from.is_empty() {
            "send (vacation/notify)"
        } else {
            "redirect"
        };
        push(kind, m.to.join(", "));
    }
    out
}
