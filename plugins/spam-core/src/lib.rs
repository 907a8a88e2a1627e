//! The spam filter's logic, independent of WebAssembly so that it is tested, measured and tuned
//! natively: a tokenizer over the message view ([`tokenize`]), a Bayesian classifier with
//! Robinson's per-token probabilities and Fisher's chi-square combining ([`bayes`]), and rules
//! that need no training ([`rules`]). The plugin (`plugins/spam`) stores the counts in its
//! key-value store and calls into this crate.

pub mod bayes;
#[doc(hidden)]
pub mod fuzzing;
pub mod grams;
pub mod html;
pub mod logistic;
pub mod reputation;
pub mod rules;
pub mod score;
pub mod starting;
pub mod tokenize;

/// What the spam filter reads of a message (a borrowed subset of the plugin's view).
#[derive(Debug, Default, Clone)]
pub struct Input<'a> {
    /// (name, decoded value), in message order.
    pub headers: Vec<(&'a str, &'a str)>,
    pub subject: &'a str,
    /// `From:` addresses.
    pub from: Vec<&'a str>,
    pub text: Option<&'a str>,
    pub html: Option<&'a str>,
    /// (filename, content type) of attachments.
    pub attachments: Vec<(Option<&'a str>, &'a str)>,
    /// Sender authentication results by RFC 8601 name ("pass", "fail", …).
    pub spf: &'a str,
    pub dkim: &'a str,
    pub dmarc: &'a str,
}

impl<'a> Input<'a> {
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }

    pub fn headers_named(&self, name: &'a str) -> impl Iterator<Item = &'a str> + '_ {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}
