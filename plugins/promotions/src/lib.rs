//! The bundled promotions / social plugin. For each recipient:
//!
//! 1. nothing when the account turned the plugin off (`mailsift plugin set promotions --account
//!    ADDR enabled=false`) or allow-lists the authenticated sender (`lists::standing`);
//! 2. the sender's learnt category, if the user taught one by moving mail (see `learn`);
//! 3. otherwise the classifier of `promotions-core`.
//!
//! A promotion gets the tag `promotion` and the folder `Promotions`, a social notification the tag
//! `social` and the folder `SocialNetworks`; everything else is left alone (INBOX). The message
//! gets an `X-Mailsift-Category` header saying what was decided and why.
//!
//! Learning: moving a message from Promotions or SocialNetworks back to INBOX (class `personal`)
//! records that its sender's mail belongs in INBOX; moving one into Promotions or SocialNetworks
//! records that category. Keys `sender/ACCOUNT/ADDRESS` and `sender/ACCOUNT/DOMAIN`; the address
//! wins. The domain is not learnt for domains shared by unrelated senders (gmail.com,
//! substack.com, …), and a learnt domain files into Promotions/SocialNetworks only mail that
//! looks like bulk mail, so a colleague writing from a company whose newsletter was moved into
//! Promotions still reaches INBOX.
use mailsift_plugin_sdk::prelude::*;

// Every call runs in a fresh instance: a static arena spares the costly memory.grow calls
// (see the SDK's `arena` module).
mailsift_plugin_sdk::arena_allocator!(1 << 20);
use promotions_core::{classify, Category, Classification, Config, Email};

struct Promotions;

/// The plugin's settings from `[plugin.promotions.config]`, read with one host call.
struct Settings {
    core: Config,
    promotions_folder: String,
    social_folder: String,
}

/// Config keys this plugin reads (others are reported, to catch typos).
const KEYS: [&str; 7] = [
    "threshold",
    "social_domains",
    "social_domains_replace",
    "promotion_words",
    "transactional_words",
    "promotions_folder",
    "social_folder",
];

fn list(value: Option<&str>) -> Vec<String> {
    value
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn settings() -> Settings {
    let all = config::all();
    let get = |key: &str| all.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    for (k, _) in &all {
        if !KEYS.contains(&k.as_str()) {
            warn!(
                "unknown config key {k:?} in [plugin.promotions.config]; known: {}",
                KEYS.join(", ")
            );
        }
    }
    let threshold = match get("threshold").map(|v| v.trim().parse::<f64>()) {
        Some(Ok(t)) if t.is_finite() => t,
        Some(_) => {
            warn!(
                "config key \"threshold\" is not a number; using {}",
                promotions_core::DEFAULT_THRESHOLD
            );
            promotions_core::DEFAULT_THRESHOLD
        }
        None => promotions_core::DEFAULT_THRESHOLD,
    };
    let replace = matches!(
        get("social_domains_replace")
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref(),
        Some("true" | "yes" | "on" | "1")
    );
    let core = Config {
        threshold,
        ..Config::default()
    }
    .social_domains(&list(get("social_domains")), replace)
    .promotion_words(&list(get("promotion_words")))
    .transactional_words(&list(get("transactional_words")));
    Settings {
        core,
        promotions_folder: get("promotions_folder").unwrap_or("Promotions").to_string(),
        social_folder: get("social_folder").unwrap_or("SocialNetworks").to_string(),
    }
}

impl Settings {
    fn folder(&self, category: Category) -> Option<&str> {
        match category {
            Category::Promotion => Some(&self.promotions_folder),
            Category::Social => Some(&self.social_folder),
            Category::Inbox => None,
        }
    }
}

fn email(message: &Message) -> Email<'_> {
    Email {
        headers: message
            .headers
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_str()))
            .collect(),
        subject: message.subject_str(),
        from: message.from.first().map(|a| a.address.as_str()),
        text: message.text_body.as_deref(),
        html: message.html_body.as_deref(),
        attachment_types: message
            .attachments
            .iter()
            .map(|a| a.content_type.as_str())
            .collect(),
    }
}

/// The sender whose category is learnt: the From address (what the user sees), else MAIL FROM.
fn sender(message: &Message) -> Option<EmailAddress> {
    message.from_address().or_else(|| message.envelope_sender())
}

/// The key-value keys of a sender's learnt category for an account: the address's, and the
/// domain's unless the domain is shared by unrelated senders.
fn learnt_keys(account: &str, sender: &EmailAddress) -> (String, Option<String>) {
    let address = format!("sender/{account}/{}", sender.normalized());
    let domain = (!promotions_core::senders::is_shared_domain(&sender.domain))
        .then(|| format!("sender/{account}/{}", sender.domain));
    (address, domain)
}

/// A category the user taught for this sender.
#[derive(Debug, Clone, PartialEq)]
enum Learnt {
    Address(Category, String),
    Domain(Category, String),
}

/// What an account's key-value data says: whether it turned the plugin off, and what it taught
/// about the sender. One host call for all of it.
fn account_data(account: &str, sender: Option<&EmailAddress>) -> (bool, Option<Learnt>) {
    let mut keys = vec![settings::key(account, "enabled")];
    if let Some(s) = sender {
        let (address, domain) = learnt_keys(account, s);
        keys.push(address);
        keys.extend(domain);
    }
    let values = kv::get_many(&keys);
    let text = |i: usize| {
        values
            .get(i)
            .and_then(|v| v.as_deref())
            .and_then(|b| std::str::from_utf8(b).ok())
    };
    // The same rule as `settings::enabled`.
    let enabled = !matches!(
        text(0).map(|v| v.trim().to_ascii_lowercase()).as_deref(),
        Some("false" | "off" | "no" | "0")
    );
    let learnt = sender.and_then(|s| {
        match (
            text(1).and_then(Category::parse),
            text(2).and_then(Category::parse),
        ) {
            (Some(c), _) => Some(Learnt::Address(c, s.normalized())),
            (None, Some(c)) => Some(Learnt::Domain(c, s.domain.clone())),
            (None, None) => None,
        }
    });
    (enabled, learnt)
}

/// What was decided for one recipient.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// The account turned the plugin off.
    Off,
    /// The recipient allow-lists the authenticated sender.
    Allowed(String),
    Learnt(Category, String),
    Classified(Category),
}

impl Outcome {
    fn category(&self) -> Category {
        match self {
            Outcome::Off | Outcome::Allowed(_) => Category::Inbox,
            Outcome::Learnt(c, _) | Outcome::Classified(c) => *c,
        }
    }

    fn decision(&self, settings: &Settings) -> Decision {
        let category = self.category();
        match settings.folder(category) {
            Some(f) => Decision::continue_with().tag(category.as_str()).folder(f),
            None => Decision::continue_with(),
        }
    }

    /// The `X-Mailsift-Category` value when this is every recipient's outcome.
    fn describe(&self, classification: &Classification) -> Option<String> {
        match self {
            Outcome::Off => None,
            Outcome::Allowed(entry) => Some(format!("inbox (allow-listed: {entry})")),
            Outcome::Learnt(c, by) => Some(format!(
                "{} (learnt from the user's moves: {by})",
                c.as_str()
            )),
            Outcome::Classified(_) => Some(classification.summary()),
        }
    }
}

impl Plugin for Promotions {
    fn info() -> PluginInfo {
        plugin_info!().hook(Hook::Learn)
    }

    // Stateless (WIT 0.1.3): nothing is kept in memory from one message to the next and
    // nothing is leaked per call, so the server may reuse an instance for many calls.
    fn traits() -> PluginTraits {
        PluginTraits::STATELESS
    }

    fn filter(message: &Message) -> Verdict {
        let settings = settings();
        let classification = classify(&email(message), &settings.core);
        let sender = sender(message);
        let mut outcomes: Vec<(String, Outcome)> = Vec::new();
        for rcpt in &message.envelope.recipients {
            let (enabled, learnt) = match settings::account_of(rcpt) {
                Some(account) => account_data(&account, sender.as_ref()),
                None => (true, None),
            };
            let outcome = if !enabled {
                Outcome::Off
            } else if let Standing::Allowed(m) = lists::standing(message, rcpt) {
                Outcome::Allowed(m.entry)
            } else {
                match learnt {
                    Some(Learnt::Address(c, by)) => Outcome::Learnt(c, by),
                    // A learnt domain files as promotion/social only mail that looks like bulk
                    // mail (see the crate docs); INBOX always.
                    Some(Learnt::Domain(c, by))
                        if c == Category::Inbox || classification.score >= 1.0 =>
                    {
                        Outcome::Learnt(c, by)
                    }
                    _ => Outcome::Classified(classification.category),
                }
            };
            debug!("{}: <{}>: {:?}", message.queue_id(), rcpt, outcome);
            outcomes.push((rcpt.clone(), outcome));
        }
        let Some((_, first)) = outcomes.first() else {
            return Verdict::continue_with();
        };
        if outcomes.iter().all(|(_, o)| o == first) {
            // One outcome for everybody: a message-level decision, so the tag reaches the message.
            let mut verdict = Verdict::from(first.decision(&settings));
            if let Some(why) = first.describe(&classification) {
                verdict = verdict
                    .header("X-Mailsift-Category", why.clone())
                    .explain(why);
            }
            return verdict;
        }
        // The stored message is shared by its recipients: the header says what the classifier
        // found; folders and tags are per recipient.
        let summary = format!("{}; varies by recipient", classification.summary());
        let mut verdict = Verdict::continue_with()
            .header("X-Mailsift-Category", summary.clone())
            .explain(summary);
        for (rcpt, outcome) in &outcomes {
            verdict = verdict.for_recipient(rcpt.clone(), outcome.decision(&settings));
        }
        verdict
    }

    fn learn(message: &Message, class: LearnClass) {
        let category = match class {
            LearnClass::Personal => Category::Inbox,
            LearnClass::Promotion => Category::Promotion,
            LearnClass::Social => Category::Social,
            LearnClass::Spam | LearnClass::Ham => return,
        };
        let Some(sender) = sender(message) else {
            debug!("{}: no sender to learn from", message.queue_id());
            return;
        };
        for rcpt in &message.envelope.recipients {
            let Some(account) = settings::account_of(rcpt) else {
                continue;
            };
            let (address, domain) = learnt_keys(&account, &sender);
            for key in std::iter::once(&address).chain(domain.as_ref()) {
                kv::set_string(key, category.as_str());
            }
            info!(
                "{}: {}: mail from {} now goes to {}",
                message.queue_id(),
                account,
                sender.normalized(),
                category.as_str()
            );
        }
    }
}

export_plugin!(Promotions);
