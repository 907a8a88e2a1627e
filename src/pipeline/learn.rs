//! The learner: turns users' classifying actions (training events recorded by the store with
//! the IMAP COPY/MOVE/STORE that made them) into calls of the plugins' `learn` hook.
//!
//! It runs in the background, off the IMAP session: a user's MOVE never waits for a plugin, and
//! events survive a restart (they are rows in the store until learnt). The plugins' key-value
//! writes and the removal of the learnt events are committed in one store write, so an event is
//! learnt once, not twice, across a crash.

use std::sync::Arc;
use std::time::Duration;

use super::Envelope;
use crate::plugins::{PluginHost, types::LearnClass, view};
use crate::store::{Store, StoreError, TrainingAction, TrainingEvent};

/// Events learnt per store write.
const BATCH: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Inbox,
    Junk,
    Promotions,
    Social,
    Trash,
    Other,
}

fn role(name: &str, special_use: Option<&str>) -> Role {
    match special_use {
        Some(u) if u.eq_ignore_ascii_case("\\Junk") => return Role::Junk,
        Some(u) if u.eq_ignore_ascii_case("\\Trash") => return Role::Trash,
        _ => {}
    }
    let n = name.to_ascii_lowercase();
    match n.as_str() {
        "inbox" => Role::Inbox,
        "junk" => Role::Junk,
        "promotions" => Role::Promotions,
        "socialnetworks" => Role::Social,
        _ => Role::Other,
    }
}

/// What a user's action says about a message (none, one or two classes).
pub fn classes(action: &TrainingAction) -> Vec<LearnClass> {
    match action {
        TrainingAction::Flagged { keyword, .. } if keyword.eq_ignore_ascii_case("$Junk") => {
            vec![LearnClass::Spam]
        }
        TrainingAction::Flagged { keyword, .. } if keyword.eq_ignore_ascii_case("$NotJunk") => {
            vec![LearnClass::Ham]
        }
        TrainingAction::Flagged { .. } => Vec::new(),
        TrainingAction::Moved {
            from,
            from_use,
            to,
            to_use,
        } => {
            let (from, to) = (role(from, from_use.as_deref()), role(to, to_use.as_deref()));
            if from == to {
                return Vec::new();
            }
            let mut out = Vec::new();
            match (from, to) {
                (_, Role::Junk) => out.push(LearnClass::Spam),
                // Deleting spam from Junk says nothing about it.
                (Role::Junk, Role::Trash) => {}
                (Role::Junk, _) => out.push(LearnClass::Ham),
                _ => {}
            }
            match to {
                Role::Promotions => out.push(LearnClass::Promotion),
                Role::Social => out.push(LearnClass::Social),
                Role::Inbox if matches!(from, Role::Promotions | Role::Social) => {
                    out.push(LearnClass::Personal)
                }
                _ => {}
            }
            out
        }
    }
}

/// Learns every pending event, in batches; returns how many events were consumed.
pub fn learn_pending(store: &Store, host: &PluginHost) -> Result<usize, StoreError> {
    let mut total = 0;
    loop {
        let events = store.read()?.training_events(BATCH)?;
        if events.is_empty() {
            return Ok(total);
        }
        let mut writes = Vec::new();
        let mut done = Vec::with_capacity(events.len());
        for (seq, event) in &events {
            writes.extend(learn_one(store, host, *seq, event)?);
            done.push(*seq);
        }
        total += done.len();
        store.write_blocking(move |tx| {
            tx.plugin_kv_apply(&writes)?;
            tx.training_done(&done)
        })?;
    }
}

fn learn_one(
    store: &Store,
    host: &PluginHost,
    seq: u64,
    event: &TrainingEvent,
) -> Result<Vec<crate::store::KvWrite>, StoreError> {
    let classes = classes(&event.action);
    if classes.is_empty() {
        return Ok(Vec::new());
    }
    let read = store.read()?;
    let (Some(account), Some(raw)) = (
        read.account_by_id(event.account_id)?,
        store.blobs().get(&event.blob)?,
    ) else {
        // The account was removed meanwhile: nothing to learn for it.
        return Ok(Vec::new());
    };
    drop(read);
    let envelope = Envelope {
        queue_id: format!("learn-{seq}"),
        mail_from: String::new(),
        recipients: vec![account.address.clone()],
        helo: String::new(),
        client_ip: std::net::IpAddr::from([0, 0, 0, 0]),
        authenticated_as: None,
        tls: None,
    };
    let parsed = crate::mime::parse(&raw);
    let message = view::message(&envelope, &raw, parsed.as_ref(), None);
    let mut writes = Vec::new();
    let _span = tracing::info_span!("learn", queue_id = %envelope.queue_id).entered();
    for class in classes {
        tracing::info!(account = %account.address, class = ?class, "learning from the user's action");
        writes.extend(host.learn(&message, class));
    }
    Ok(writes)
}

/// Runs until the process ends: learns pending events whenever the store changes (a MOVE or a
/// STORE commits) and every few seconds.
pub async fn run_learner(store: Store, host: Arc<PluginHost>) {
    let mut changes = store.subscribe();
    loop {
        let (s, h) = (store.clone(), host.clone());
        match tokio::task::spawn_blocking(move || learn_pending(&s, &h)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::debug!(events = n, "learnt from users' actions"),
            Ok(Err(e)) => tracing::warn!(error = %e, "learner: store error; retrying later"),
            Err(e) => tracing::error!(error = %e, "learner task failed"),
        }
        // Wake on the next change (the learner's own write is one: harmless) or after a while;
        // changes of a burst of commits wake it once.
        super::next_round(&mut changes, Duration::from_secs(5)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moved(from: &str, to: &str) -> TrainingAction {
        let u = |n: &str| {
            (n == "Junk")
                .then(|| "\\Junk".to_string())
                .or_else(|| (n == "Trash").then(|| "\\Trash".to_string()))
        };
        TrainingAction::Moved {
            from: from.into(),
            from_use: u(from),
            to: to.into(),
            to_use: u(to),
        }
    }

    #[test]
    fn actions_map_to_classes() {
        use LearnClass::*;
        assert_eq!(classes(&moved("INBOX", "Junk")), vec![Spam]);
        assert_eq!(classes(&moved("Archive", "Junk")), vec![Spam]);
        assert_eq!(classes(&moved("Junk", "INBOX")), vec![Ham]);
        assert_eq!(classes(&moved("Junk", "Trash")), Vec::<LearnClass>::new());
        assert_eq!(classes(&moved("Junk", "Promotions")), vec![Ham, Promotion]);
        assert_eq!(classes(&moved("INBOX", "SocialNetworks")), vec![Social]);
        assert_eq!(classes(&moved("Promotions", "INBOX")), vec![Personal]);
        assert_eq!(classes(&moved("SocialNetworks", "INBOX")), vec![Personal]);
        assert_eq!(
            classes(&moved("INBOX", "Archive")),
            Vec::<LearnClass>::new()
        );
        let flag = |k: &str| TrainingAction::Flagged {
            keyword: k.into(),
            mailbox: "INBOX".into(),
        };
        assert_eq!(classes(&flag("$Junk")), vec![Spam]);
        assert_eq!(classes(&flag("$notjunk")), vec![Ham]);
        assert_eq!(classes(&flag("$Important")), Vec::<LearnClass>::new());
    }
}
