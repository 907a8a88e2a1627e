//! DNS reputation for the spam filter: the client's IP on the configured DNSBLs and the link
//! domains on the configured URIBLs (`mailsift_spam_core::reputation` builds the names and
//! scores the answers), looked up through the host's `dns` import. Off unless `dnsbl` or `uribl`
//! is set; the lookups need `grants = ["dns"]` in `[plugin.spam]`.

use std::net::Ipv4Addr;

use mailsift_plugin_sdk::prelude::*;
use mailsift_spam_core::reputation::{self, Outcome, Settings};
use mailsift_spam_core::rules::Hit;

/// What the lists say of `message` (nothing when none is configured or nothing resolves).
pub fn check(message: &Message) -> Outcome {
    let (settings, errors) = Settings::from_config(config::get);
    for e in errors {
        warn!("ignoring a reputation list setting: {e}");
    }
    if settings.is_empty() {
        return Outcome::default();
    }
    let queries = reputation::plan(
        &settings,
        &message.envelope.client_ip,
        message.text_body.as_deref(),
        message.html_body.as_deref(),
    );
    if queries.is_empty() {
        return Outcome::default();
    }
    let names: Vec<String> = queries.iter().map(|q| q.name.clone()).collect();
    let mut unanswered: Vec<&'static str> = Vec::new();
    let answers: Vec<Option<Vec<Ipv4Addr>>> = dns::lookup_a(&names)
        .into_iter()
        .map(|a| match a {
            Ok(addrs) => Some(addrs),
            Err(e) => {
                let name = dns::error_name(e);
                if !unanswered.contains(&name) {
                    unanswered.push(name);
                }
                None
            }
        })
        .collect();
    if unanswered.contains(&"denied") {
        warn!("dnsbl/uribl are set but the plugin may not use DNS: add grants = [\"dns\"] to [plugin.spam]");
    } else if !unanswered.is_empty() {
        debug!(
            "{}: some reputation lookups unanswered ({})",
            message.queue_id(),
            unanswered.join(", ")
        );
    }
    let outcome = reputation::score(&settings, &queries, &answers);
    for zone in &outcome.refused {
        warn!("{zone} refused a query (127.255.255.x): the resolver may not use this list");
    }
    if !outcome.details.is_empty() {
        info!(
            "{}: listed: {}",
            message.queue_id(),
            outcome.details.join(", ")
        );
    }
    outcome
}

/// The lists' hits as rule hits: they add their weight to the score and name themselves in
/// `X-Spam-Status` like any rule. Rule names must be `&'static str`: each distinct name is
/// leaked once and reused (`intern`), so an instance the server reuses for many calls does not
/// grow with them. The names come from the plugin's configured lists, never from the message,
/// so they are bounded by the configuration.
pub fn hits(outcome: &Outcome) -> Vec<Hit> {
    outcome
        .hits
        .iter()
        .map(|(name, weight)| Hit {
            name: intern(name),
            weight: *weight,
        })
        .collect()
}

fn intern(name: &str) -> &'static str {
    use std::sync::Mutex;
    static NAMES: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    // A poisoned lock cannot happen in a single-threaded guest; recover the data regardless.
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(known) = names.iter().find(|n| **n == name) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.push(leaked);
    leaked
}
