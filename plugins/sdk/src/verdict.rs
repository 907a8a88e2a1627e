//! Builders for [`Verdict`] and [`Decision`].
//!
//! ```no_run
//! # use mailsift_plugin_sdk::prelude::*;
//! # let _: [Verdict; 4] = [
//! Verdict::continue_with().header("X-Scanned", "yes").score(2.5).tag("promotion").folder("Promotions"),
//! Verdict::reject(554, "5.7.0", "Message refused"),
//! Verdict::tempfail(451, "4.7.1", "Try again later"),
//! Verdict::continue_with().for_recipient("bob@example.org", Decision::reject(550, "5.7.1", "No")),
//! # ];
//! ```
//!
//! The annotation methods (`header`, `score`, `tag`, `folder`, `explain`) only apply to a
//! `continue` decision and are ignored on reject / tempfail / discard. Reply codes are passed
//! through as given: use 5xx with a `5.x.x` enhanced code for `reject` and 4xx with `4.x.x` for
//! `tempfail`; the server validates them.

use crate::{Annotations, Decision, HeaderField, RecipientDecision, Reply, Verdict};

impl Default for Annotations {
    fn default() -> Self {
        Annotations {
            score: 0.0,
            tags: Vec::new(),
            add_headers: Vec::new(),
            folder: None,
            explanation: None,
        }
    }
}

impl Reply {
    pub fn new(code: u16, enhanced: impl Into<String>, text: impl Into<String>) -> Self {
        Reply {
            code,
            enhanced: enhanced.into(),
            text: text.into(),
        }
    }
}

impl Default for Decision {
    fn default() -> Self {
        Decision::continue_with()
    }
}

impl Decision {
    /// Let the message (or recipient) through, with no annotations yet.
    pub fn continue_with() -> Self {
        Decision::Continue(Annotations::default())
    }

    /// Refuse permanently, e.g. `Decision::reject(550, "5.7.1", "Recipient refused")`.
    pub fn reject(code: u16, enhanced: impl Into<String>, text: impl Into<String>) -> Self {
        Decision::Reject(Reply::new(code, enhanced, text))
    }

    /// Ask the sender to retry later, e.g. `Decision::tempfail(451, "4.7.1", "Greylisted")`.
    pub fn tempfail(code: u16, enhanced: impl Into<String>, text: impl Into<String>) -> Self {
        Decision::Tempfail(Reply::new(code, enhanced, text))
    }

    /// Accept and drop silently.
    pub fn discard() -> Self {
        Decision::Discard
    }

    /// The annotations, if this is a `continue` decision.
    pub fn annotations(&self) -> Option<&Annotations> {
        match self {
            Decision::Continue(a) => Some(a),
            _ => None,
        }
    }

    /// The annotations to modify, if this is a `continue` decision.
    pub fn annotations_mut(&mut self) -> Option<&mut Annotations> {
        match self {
            Decision::Continue(a) => Some(a),
            _ => None,
        }
    }

    fn annotate(mut self, f: impl FnOnce(&mut Annotations)) -> Self {
        if let Some(a) = self.annotations_mut() {
            f(a);
        }
        self
    }

    /// Add a header field to the stored message.
    pub fn header(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let field = HeaderField {
            name: name.into(),
            value: value.into(),
        };
        self.annotate(|a| a.add_headers.push(field))
    }

    /// Add `delta` to the spam score (may be negative). Calls add up.
    pub fn score(self, delta: f64) -> Self {
        self.annotate(|a| a.score += delta)
    }

    /// Add a tag (duplicates are ignored).
    pub fn tag(self, tag: impl Into<String>) -> Self {
        let tag = tag.into();
        self.annotate(|a| {
            if !a.tags.contains(&tag) {
                a.tags.push(tag)
            }
        })
    }

    /// Suggest a folder, e.g. "Junk" or "Promotions".
    pub fn folder(self, folder: impl Into<String>) -> Self {
        let folder = folder.into();
        self.annotate(|a| a.folder = Some(folder))
    }

    /// Say why, for logs and `mailsift plugin test`. Calls are joined with "; ".
    pub fn explain(self, why: impl Into<String>) -> Self {
        let why = why.into();
        self.annotate(|a| {
            a.explanation = Some(match a.explanation.take() {
                Some(prev) if !prev.is_empty() => format!("{prev}; {why}"),
                _ => why,
            })
        })
    }

    pub fn is_continue(&self) -> bool {
        matches!(self, Decision::Continue(_))
    }
}

impl Default for Verdict {
    fn default() -> Self {
        Verdict::continue_with()
    }
}

impl From<Decision> for Verdict {
    fn from(decision: Decision) -> Self {
        Verdict {
            decision,
            per_recipient: Vec::new(),
        }
    }
}

impl Verdict {
    /// Let the message through; chain `.header()`, `.score()`, `.tag()`, `.folder()`, `.explain()`.
    pub fn continue_with() -> Self {
        Decision::continue_with().into()
    }

    /// Refuse the message for every recipient, e.g. `Verdict::reject(554, "5.7.0", "Spam")`.
    pub fn reject(code: u16, enhanced: impl Into<String>, text: impl Into<String>) -> Self {
        Decision::reject(code, enhanced, text).into()
    }

    /// Ask the sender to retry later, e.g. `Verdict::tempfail(451, "4.7.1", "Try later")`.
    pub fn tempfail(code: u16, enhanced: impl Into<String>, text: impl Into<String>) -> Self {
        Decision::tempfail(code, enhanced, text).into()
    }

    /// Accept and drop silently.
    pub fn discard() -> Self {
        Decision::discard().into()
    }

    fn map(mut self, f: impl FnOnce(Decision) -> Decision) -> Self {
        self.decision = f(std::mem::take(&mut self.decision));
        self
    }

    /// See [`Decision::header`]; applies to the default decision.
    pub fn header(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.map(|d| d.header(name, value))
    }

    /// See [`Decision::score`].
    pub fn score(self, delta: f64) -> Self {
        self.map(|d| d.score(delta))
    }

    /// See [`Decision::tag`].
    pub fn tag(self, tag: impl Into<String>) -> Self {
        self.map(|d| d.tag(tag))
    }

    /// See [`Decision::folder`].
    pub fn folder(self, folder: impl Into<String>) -> Self {
        self.map(|d| d.folder(folder))
    }

    /// See [`Decision::explain`].
    pub fn explain(self, why: impl Into<String>) -> Self {
        self.map(|d| d.explain(why))
    }

    /// A different decision for one recipient (replaces an earlier one for the same address).
    pub fn for_recipient(mut self, recipient: impl Into<String>, decision: Decision) -> Self {
        let recipient = recipient.into();
        self.per_recipient.retain(|r| r.recipient != recipient);
        self.per_recipient.push(RecipientDecision {
            recipient,
            decision,
        });
        self
    }

    /// The annotations of the default decision, if it is `continue`.
    pub fn annotations(&self) -> Option<&Annotations> {
        self.decision.annotations()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_builder_collects_annotations() {
        let v = Verdict::continue_with()
            .header("X-A", "1")
            .score(2.0)
            .score(-0.5)
            .tag("spam")
            .tag("spam")
            .folder("Junk")
            .explain("one")
            .explain("two");
        let a = v.annotations().unwrap();
        assert_eq!(
            a.add_headers,
            vec![HeaderField {
                name: "X-A".into(),
                value: "1".into()
            }]
        );
        assert_eq!(a.score, 1.5);
        assert_eq!(a.tags, vec!["spam".to_string()]);
        assert_eq!(a.folder.as_deref(), Some("Junk"));
        assert_eq!(a.explanation.as_deref(), Some("one; two"));
        assert!(v.per_recipient.is_empty());
    }

    #[test]
    fn reject_and_tempfail_ignore_annotations() {
        let v = Verdict::reject(554, "5.7.0", "no")
            .header("X", "y")
            .score(3.0);
        assert_eq!(v.decision, Decision::Reject(Reply::new(554, "5.7.0", "no")));
        let t = Verdict::tempfail(451, "4.7.1", "later");
        assert_eq!(
            t.decision,
            Decision::Tempfail(Reply::new(451, "4.7.1", "later"))
        );
        assert_eq!(Verdict::discard().decision, Decision::Discard);
        assert_eq!(Verdict::default(), Verdict::continue_with());
    }

    #[test]
    fn per_recipient_replaces_same_address() {
        let v = Verdict::continue_with()
            .for_recipient("b@x", Decision::reject(550, "5.7.1", "a"))
            .for_recipient("b@x", Decision::discard());
        assert_eq!(v.per_recipient.len(), 1);
        assert_eq!(v.per_recipient[0].decision, Decision::Discard);
    }
}
