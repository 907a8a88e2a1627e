//! Merging the verdicts of all plugins, in order: the first reject or tempfail wins (later
//! plugins are not called); scores add; tags and header fields accumulate; the last folder
//! suggestion wins. Per-recipient decisions are merged per recipient the same way.
//!
//! Everything a plugin says that reaches the SMTP client or the stored message is sanitised
//! here: reply codes into the class they claim, enhanced codes checked, no CR/LF anywhere.

use std::collections::BTreeMap;

use super::types;

/// An SMTP reply decided by a plugin (already sanitised).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reply {
    pub code: u16,
    pub enhanced: String,
    pub text: String,
}

impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.code, self.enhanced, self.text)
    }
}

/// Message-level outcome.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Decision {
    #[default]
    Continue,
    Reject(Reply),
    Tempfail(Reply),
    Discard,
}

/// What the plugins decided for one recipient, when it differs from the message's decision.
#[derive(Debug, Clone, PartialEq)]
pub enum RcptOutcome {
    Reject(Reply),
    Tempfail(Reply),
    Discard,
    /// Continue with a folder of its own and extra score/tags.
    Continue {
        folder: Option<String>,
        score: f64,
        tags: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Merged {
    pub decision: Decision,
    /// The plugin whose decision ended the run (reject, tempfail, discard or its failure).
    pub decided_by: Option<String>,
    pub score: f64,
    pub tags: Vec<String>,
    pub add_headers: Vec<(String, String)>,
    pub folder: Option<String>,
    /// (plugin, explanation), for logs.
    pub explanations: Vec<(String, String)>,
    /// (plugin, its message-level score): the outgoing spam check reads the spam plugin's.
    pub plugin_scores: Vec<(String, f64)>,
    /// Keyed by the recipient as given in RCPT TO, lower-cased.
    pub per_recipient: BTreeMap<String, RcptOutcome>,
    /// The first plugin that rejected a recipient (the refusal's reason in the metrics).
    pub rcpt_rejected_by: Option<String>,
}

/// One plugin's verdict as the message trace shows it (texts sanitised like the rest).
pub fn trace(
    plugin: &str,
    v: &types::Verdict,
    elapsed_us: u64,
) -> crate::store::trace::TracePlugin {
    let describe = |d: &types::Decision| match d {
        types::Decision::Continue(a) => {
            let mut s = "continue".to_string();
            if a.score.is_finite() && a.score != 0.0 {
                s.push_str(&format!(" score {:+.2}", a.score));
            }
            if !a.tags.is_empty() {
                let tags: Vec<String> = a.tags.iter().take(8).map(|t| clean_text(t, 64)).collect();
                s.push_str(&format!(" tags {}", tags.join(",")));
            }
            if let Some(f) = a.folder.as_deref().and_then(clean_folder) {
                s.push_str(&format!(" folder {f}"));
            }
            if let Some(e) = &a.explanation {
                s.push_str(&format!(" ({})", clean_text(e, 200)));
            }
            s
        }
        types::Decision::Reject(r) => format!("reject {}", reject_reply(r)),
        types::Decision::Tempfail(r) => format!("tempfail {}", tempfail_reply(r)),
        types::Decision::Discard => "discard".to_string(),
    };
    let mut t = crate::store::trace::TracePlugin {
        name: plugin.to_string(),
        decision: match &v.decision {
            // The annotations have fields of their own.
            types::Decision::Continue(_) => "continue".to_string(),
            d => describe(d),
        },
        elapsed_us,
        ..Default::default()
    };
    if let types::Decision::Continue(a) = &v.decision {
        t.score = if a.score.is_finite() { a.score } else { 0.0 };
        t.tags = a
            .tags
            .iter()
            .take(MAX_TAGS)
            .map(|t| clean_text(t, 64))
            .collect();
        t.folder = a.folder.as_deref().and_then(clean_folder);
        t.explanation = a.explanation.as_deref().map(|e| clean_text(e, 300));
    }
    t.per_recipient = v
        .per_recipient
        .iter()
        .take(16)
        .map(|rd| {
            format!(
                "{}: {}",
                clean_text(&rd.recipient, 100),
                describe(&rd.decision)
            )
        })
        .collect();
    t
}

pub struct Merger {
    merged: Merged,
    recipients: Vec<String>,
}

/// At most this many header fields per plugin, and this long: a plugin cannot bloat mail.
const MAX_HEADERS: usize = 32;
const MAX_HEADER_VALUE: usize = 2000;
const MAX_TAGS: usize = 64;

impl Merger {
    pub fn new(recipients: &[String]) -> Merger {
        Merger {
            merged: Merged::default(),
            recipients: recipients.iter().map(|r| r.to_ascii_lowercase()).collect(),
        }
    }

    /// Adds one plugin's verdict. Returns true when the message is decided and no further
    /// plugin needs to run.
    pub fn add(&mut self, plugin: &str, verdict: types::Verdict) -> bool {
        let m = &mut self.merged;
        match verdict.decision {
            types::Decision::Continue(a) => {
                if let Some(e) = &a.explanation {
                    m.explanations
                        .push((plugin.to_string(), clean_text(e, 300)));
                }
                if a.score.is_finite() {
                    m.score += a.score;
                    m.plugin_scores.push((plugin.to_string(), a.score));
                }
                for tag in a.tags.into_iter().take(MAX_TAGS) {
                    let tag = clean_text(&tag, 64);
                    if !tag.is_empty() && !m.tags.contains(&tag) {
                        m.tags.push(tag);
                    }
                }
                for h in a.add_headers.into_iter().take(MAX_HEADERS) {
                    match header_field(&h.name, &h.value) {
                        Some(field) => m.add_headers.push(field),
                        None => {
                            tracing::warn!(plugin, name = %h.name.escape_debug(), "plugin header field ignored: not a valid field name")
                        }
                    }
                }
                if let Some(folder) = a.folder.as_deref().and_then(clean_folder) {
                    m.folder = Some(folder);
                }
            }
            types::Decision::Reject(r) => {
                m.decision = Decision::Reject(reject_reply(&r));
                m.decided_by = Some(plugin.to_string());
                return true;
            }
            types::Decision::Tempfail(r) => {
                m.decision = Decision::Tempfail(tempfail_reply(&r));
                m.decided_by = Some(plugin.to_string());
                return true;
            }
            types::Decision::Discard => {
                m.decision = Decision::Discard;
                m.decided_by = Some(plugin.to_string());
                return true;
            }
        }
        for rd in verdict.per_recipient {
            let rcpt = rd.recipient.to_ascii_lowercase();
            if !self.recipients.contains(&rcpt) {
                continue;
            }
            let previous = m.per_recipient.get(&rcpt);
            if matches!(
                previous,
                Some(RcptOutcome::Reject(_) | RcptOutcome::Tempfail(_) | RcptOutcome::Discard)
            ) {
                continue;
            }
            let outcome = match rd.decision {
                types::Decision::Reject(r) => {
                    m.rcpt_rejected_by.get_or_insert_with(|| plugin.to_string());
                    RcptOutcome::Reject(reject_reply(&r))
                }
                types::Decision::Tempfail(r) => RcptOutcome::Tempfail(tempfail_reply(&r)),
                types::Decision::Discard => RcptOutcome::Discard,
                types::Decision::Continue(a) => {
                    let (mut folder, mut score, mut tags) = match previous {
                        Some(RcptOutcome::Continue {
                            folder,
                            score,
                            tags,
                        }) => (folder.clone(), *score, tags.clone()),
                        _ => (None, 0.0, Vec::new()),
                    };
                    if let Some(f) = a.folder.as_deref().and_then(clean_folder) {
                        folder = Some(f);
                    }
                    if a.score.is_finite() {
                        score += a.score;
                    }
                    for tag in a.tags.into_iter().take(MAX_TAGS) {
                        let tag = clean_text(&tag, 64);
                        if !tag.is_empty() && !tags.contains(&tag) {
                            tags.push(tag);
                        }
                    }
                    RcptOutcome::Continue {
                        folder,
                        score,
                        tags,
                    }
                }
            };
            m.per_recipient.insert(rcpt, outcome);
        }
        false
    }

    /// A plugin with `on_error = "tempfail"` failed: the message gets 451 4.7.0.
    pub fn fail_closed(&mut self, plugin: &str) {
        self.merged.decision = Decision::Tempfail(fail_closed_reply());
        self.merged.decided_by = Some(plugin.to_string());
    }

    pub fn finish(self) -> Merged {
        self.merged
    }
}

/// The reply for a fail-closed plugin failure.
pub fn fail_closed_reply() -> Reply {
    Reply {
        code: 451,
        enhanced: "4.7.0".into(),
        text: "Temporary failure in a content filter, try again later".into(),
    }
}

/// The refusal a `check-recipient` decision means, if any (continue and discard accept).
pub fn recipient_refusal(d: &types::Decision) -> Option<Reply> {
    match d {
        types::Decision::Reject(r) => Some(reject_reply(r)),
        types::Decision::Tempfail(r) => Some(tempfail_reply(r)),
        types::Decision::Continue(_) | types::Decision::Discard => None,
    }
}

pub fn reject_reply(r: &types::Reply) -> Reply {
    Reply {
        code: if (550..=559).contains(&r.code) || r.code == 554 {
            r.code
        } else {
            550
        },
        enhanced: enhanced_code(&r.enhanced, '5').unwrap_or_else(|| "5.7.1".into()),
        text: non_empty(
            clean_text(&r.text, 200),
            "Message refused by a content filter",
        ),
    }
}

pub fn tempfail_reply(r: &types::Reply) -> Reply {
    Reply {
        // 421 would tell the client the connection closes; it does not.
        code: if (450..=459).contains(&r.code) {
            r.code
        } else {
            451
        },
        enhanced: enhanced_code(&r.enhanced, '4').unwrap_or_else(|| "4.7.0".into()),
        text: non_empty(
            clean_text(&r.text, 200),
            "Temporary failure, try again later",
        ),
    }
}

fn non_empty(s: String, default: &str) -> String {
    if s.trim().is_empty() {
        default.to_string()
    } else {
        s
    }
}

/// `class.subject.detail` with the class the reply code has (RFC 3463).
fn enhanced_code(s: &str, class: char) -> Option<String> {
    let parts: Vec<&str> = s.trim().split('.').collect();
    let ok = parts.len() == 3
        && parts[0].len() == 1
        && parts[0].starts_with(class)
        && parts[1..]
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    ok.then(|| s.trim().to_string())
}

/// Printable ASCII only (SMTP replies and header values must not carry CR/LF or controls),
/// bounded length.
fn clean_text(s: &str, max: usize) -> String {
    // One allocation: the kept characters are ASCII, trimmed in place (the same as collecting
    // then `trim().to_string()`: only spaces can be at either end).
    let mut out = String::with_capacity(s.len().min(max));
    out.extend(
        s.chars()
            .map(|c| {
                if c.is_ascii_graphic() || c == ' ' {
                    c
                } else {
                    ' '
                }
            })
            .take(max),
    );
    out.truncate(out.trim_end().len());
    let lead = out.len() - out.trim_start().len();
    out.drain(..lead);
    out
}

/// A header field a plugin may add: RFC 5322 field-name, value without CR/LF; non-ASCII values
/// are allowed (SMTPUTF8 mail), control characters are not.
fn header_field(name: &str, value: &str) -> Option<(String, String)> {
    let name_ok = !name.is_empty()
        && name.len() <= 76
        && name.bytes().all(|b| (33..=126).contains(&b) && b != b':');
    if !name_ok {
        return None;
    }
    let value: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_HEADER_VALUE)
        .collect();
    Some((name.to_string(), value.trim().to_string()))
}

fn clean_folder(f: &str) -> Option<String> {
    let f = f.trim();
    let ok = !f.is_empty() && f.len() <= 200 && !f.chars().any(char::is_control);
    ok.then(|| f.to_string())
}

/// JSON for `mailsift plugin test`.
pub fn decision_json(d: &types::Decision) -> serde_json::Value {
    use serde_json::json;
    match d {
        types::Decision::Continue(a) => json!({
            "decision": "continue",
            "score": a.score,
            "tags": a.tags,
            "add_headers": a.add_headers.iter().map(|h| json!([h.name, h.value])).collect::<Vec<_>>(),
            "folder": a.folder,
            "explanation": a.explanation,
        }),
        types::Decision::Reject(r) => json!({
            "decision": "reject", "smtp": reject_reply(r).to_string(),
        }),
        types::Decision::Tempfail(r) => json!({
            "decision": "tempfail", "smtp": tempfail_reply(r).to_string(),
        }),
        types::Decision::Discard => json!({ "decision": "discard" }),
    }
}

pub fn verdict_json(v: &types::Verdict) -> serde_json::Value {
    let mut out = decision_json(&v.decision);
    if !v.per_recipient.is_empty()
        && let Some(obj) = out.as_object_mut()
    {
        obj.insert(
            "per_recipient".into(),
            v.per_recipient
                .iter()
                .map(|r| serde_json::json!({ "recipient": r.recipient, "decision": decision_json(&r.decision) }))
                .collect(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-allocation `clean_text` gives what collecting then trimming gave.
    #[test]
    fn clean_text_matches_collect_then_trim() {
        let reference = |s: &str, max: usize| -> String {
            s.chars()
                .map(|c| {
                    if c.is_ascii_graphic() || c == ' ' {
                        c
                    } else {
                        ' '
                    }
                })
                .take(max)
                .collect::<String>()
                .trim()
                .to_string()
        };
        for s in [
            "",
            "   ",
            "plain",
            "  both ends  ",
            "\r\nX-Injected: 1\t",
            "caf\u{e9} \u{2003}wide\u{3000}",
            "\u{2003}\u{2003}x\u{85}",
            "a\u{0}b\u{7f}c",
        ] {
            for max in [0, 1, 3, 8, 200] {
                assert_eq!(clean_text(s, max), reference(s, max), "{s:?} {max}");
            }
        }
    }

    fn cont(
        score: f64,
        tags: &[&str],
        headers: &[(&str, &str)],
        folder: Option<&str>,
    ) -> types::Verdict {
        types::Verdict {
            decision: types::Decision::Continue(types::Annotations {
                score,
                tags: tags.iter().map(|t| t.to_string()).collect(),
                add_headers: headers
                    .iter()
                    .map(|(n, v)| types::HeaderField {
                        name: n.to_string(),
                        value: v.to_string(),
                    })
                    .collect(),
                folder: folder.map(str::to_string),
                explanation: None,
            }),
            per_recipient: Vec::new(),
        }
    }

    fn reply(code: u16, enhanced: &str, text: &str) -> types::Reply {
        types::Reply {
            code,
            enhanced: enhanced.into(),
            text: text.into(),
        }
    }

    #[test]
    fn annotations_accumulate_and_last_folder_wins() {
        let mut m = Merger::new(&["a@x".into()]);
        assert!(!m.add("p1", cont(2.5, &["spam"], &[("X-A", "1")], Some("Junk"))));
        assert!(!m.add(
            "p2",
            cont(
                -1.0,
                &["spam", "promo"],
                &[("X-B", "2")],
                Some("Promotions")
            )
        ));
        assert!(!m.add(
            "p3",
            cont(
                f64::NAN,
                &[],
                &[("Bad Name", "x"), ("X-C", "a\r\nInjected: 1")],
                None
            )
        ));
        let r = m.finish();
        assert_eq!(r.decision, Decision::Continue);
        assert_eq!(r.score, 1.5);
        assert_eq!(r.tags, vec!["spam", "promo"]);
        assert_eq!(r.folder.as_deref(), Some("Promotions"));
        assert_eq!(
            r.add_headers,
            vec![
                ("X-A".to_string(), "1".to_string()),
                ("X-B".into(), "2".into()),
                ("X-C".into(), "a  Injected: 1".into())
            ]
        );
    }

    #[test]
    fn first_reject_wins_and_replies_are_sanitised() {
        let mut m = Merger::new(&[]);
        assert!(!m.add("p1", cont(1.0, &[], &[], None)));
        let v = types::Verdict {
            decision: types::Decision::Reject(reply(250, "2.0.0", "go\r\naway")),
            per_recipient: Vec::new(),
        };
        assert!(m.add("p2", v));
        let r = m.finish();
        assert_eq!(r.decided_by.as_deref(), Some("p2"));
        assert_eq!(
            r.decision,
            Decision::Reject(Reply {
                code: 550,
                enhanced: "5.7.1".into(),
                text: "go  away".into()
            })
        );
        let t = tempfail_reply(&reply(421, "4.7.1", ""));
        assert_eq!((t.code, t.enhanced.as_str()), (451, "4.7.1"));
        assert!(!t.text.is_empty());
        let t = tempfail_reply(&reply(452, "5.1.1", "x"));
        assert_eq!((t.code, t.enhanced.as_str()), (452, "4.7.0"));
        let r = reject_reply(&reply(554, "5.7.999", "no"));
        assert_eq!((r.code, r.enhanced.as_str()), (554, "5.7.999"));
        assert_eq!(reject_reply(&reply(554, "5.7.1000", "")).enhanced, "5.7.1");
    }

    #[test]
    fn per_recipient_first_decision_wins() {
        let mut m = Merger::new(&["a@x".into(), "b@x".into()]);
        let mut v = cont(0.0, &[], &[], None);
        v.per_recipient = vec![
            types::RecipientDecision {
                recipient: "A@x".into(),
                decision: types::Decision::Reject(reply(550, "5.1.1", "no a")),
            },
            types::RecipientDecision {
                recipient: "stranger@x".into(),
                decision: types::Decision::Discard,
            },
        ];
        m.add("p1", v);
        let mut v = cont(0.0, &[], &[], None);
        v.per_recipient = vec![
            types::RecipientDecision {
                recipient: "a@x".into(),
                decision: types::Decision::Discard,
            },
            types::RecipientDecision {
                recipient: "b@x".into(),
                decision: types::Decision::Continue(types::Annotations {
                    score: 3.0,
                    tags: vec!["t".into()],
                    add_headers: Vec::new(),
                    folder: Some("Junk".into()),
                    explanation: None,
                }),
            },
        ];
        m.add("p2", v);
        let r = m.finish();
        assert!(matches!(
            r.per_recipient.get("a@x"),
            Some(RcptOutcome::Reject(_))
        ));
        assert_eq!(
            r.per_recipient.get("b@x"),
            Some(&RcptOutcome::Continue {
                folder: Some("Junk".into()),
                score: 3.0,
                tags: vec!["t".into()]
            })
        );
        assert!(!r.per_recipient.contains_key("stranger@x"));
    }

    #[test]
    fn fail_closed_is_451() {
        let mut m = Merger::new(&[]);
        m.fail_closed("p");
        let r = m.finish();
        match r.decision {
            Decision::Tempfail(r) => assert_eq!((r.code, r.enhanced.as_str()), (451, "4.7.0")),
            other => panic!("{other:?}"),
        }
    }
}
