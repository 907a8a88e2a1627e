//! Mailsift's bundled `attachments` plugin: the glue between the plugin SDK and
//! `mailsift-attachments-core`, which holds every check. This file only reads the settings,
//! hands the message's parts to the core and turns its findings into a verdict:
//!
//! * a blocked extension (anywhere, inside zip, tar, gzip, 7z and RAR archives too) →
//!   `554 5.7.0 attachment "PATH" has a blocked extension (.exe)`, e.g. `archive.7z/evil.exe`;
//! * a suspicious archive → the same reject (`suspicious_archives = "reject"`, the default) or
//!   the tag `suspicious-archive` and `suspicious_score` (`"tag"`);
//! * executable content under any name → the tag `executable` and `executable_score` (default),
//!   or a reject (`executable_content = "reject"`);
//! * encrypted archive members → the tag `encrypted-archive`.
//!
//! Whatever is found and not rejected is listed in an `X-Mailsift-Attachments` header field.
//! Settings (`[plugin.attachments.config]`, see the README's "Bundled plugins" section):
//! `blocked_extensions`, `extra_extensions`, `max_depth`, `max_members`, `max_inflated_bytes`,
//! `max_expanded_bytes`, `suspicious_archives`, `executable_content`, `executable_score`,
//! `suspicious_score`.

use mailsift_attachments_core::{self as core, Finding, Kind, Part, Policy, Report};
use mailsift_plugin_sdk::prelude::*;

/// Tags and header name: stable, other filters (Sieve's `virustest`, later) read them.
pub const TAG_EXECUTABLE: &str = "executable";
pub const TAG_SUSPICIOUS: &str = "suspicious-archive";
pub const TAG_ENCRYPTED: &str = "encrypted-archive";
pub const HEADER: &str = "X-Mailsift-Attachments";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Reject,
    Tag,
}

#[derive(Clone, Debug, PartialEq)]
struct Settings {
    policy: Policy,
    suspicious: Action,
    executable: Action,
    executable_score: f64,
    suspicious_score: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            policy: Policy::default(),
            suspicious: Action::Reject,
            executable: Action::Tag,
            executable_score: 3.0,
            suspicious_score: 3.0,
        }
    }
}

/// `67108864`, `64M`, `64 MiB`, `512k`, `1G` → bytes.
fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n: u64 = s[..digits].parse().ok()?;
    let shift = match s[digits..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return None,
    };
    n.checked_mul(1 << shift)
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', ' '])
        .filter_map(core::names::canonical_extension)
        .collect()
}

impl Settings {
    /// Reads the settings through `get` (the config import). A bad value keeps the default
    /// and is reported in the returned warnings: a typo must not switch a check off.
    fn parse(get: &dyn Fn(&str) -> Option<String>) -> (Settings, Vec<String>) {
        let mut s = Settings::default();
        let mut warnings = Vec::new();
        let mut bad = |key: &str, raw: &str, want: &str| {
            warnings.push(format!(
                "config {key} = {raw:?}: expected {want}; using the default"
            ))
        };
        if let Some(list) = get("blocked_extensions") {
            s.policy.blocked_extensions = split_list(&list);
        }
        if let Some(extra) = get("extra_extensions") {
            for e in split_list(&extra) {
                if !s.policy.blocked_extensions.contains(&e) {
                    s.policy.blocked_extensions.push(e);
                }
            }
        }
        if let Some(raw) = get("max_depth") {
            match raw.trim().parse::<u32>() {
                Ok(n) if (1..=16).contains(&n) => s.policy.max_depth = n,
                _ => bad("max_depth", &raw, "a number from 1 to 16"),
            }
        }
        if let Some(raw) = get("max_members") {
            match raw.trim().parse::<u64>() {
                Ok(n) if n >= 1 => s.policy.max_members = n,
                _ => bad("max_members", &raw, "a positive number"),
            }
        }
        for (key, field) in [
            ("max_inflated_bytes", &mut s.policy.max_inflated_bytes),
            ("max_expanded_bytes", &mut s.policy.max_expanded_bytes),
        ] {
            if let Some(raw) = get(key) {
                match parse_size(&raw) {
                    Some(n) if n >= 1024 => *field = n,
                    _ => bad(
                        key,
                        &raw,
                        "a size of at least 1024 bytes, e.g. 67108864 or 64M",
                    ),
                }
            }
        }
        for (key, field) in [
            ("suspicious_archives", &mut s.suspicious),
            ("executable_content", &mut s.executable),
        ] {
            if let Some(raw) = get(key) {
                match raw.trim().to_ascii_lowercase().as_str() {
                    "reject" => *field = Action::Reject,
                    "tag" => *field = Action::Tag,
                    _ => bad(key, &raw, "\"reject\" or \"tag\""),
                }
            }
        }
        for (key, field) in [
            ("executable_score", &mut s.executable_score),
            ("suspicious_score", &mut s.suspicious_score),
        ] {
            if let Some(raw) = get(key) {
                match raw.trim().parse::<f64>() {
                    Ok(x) if x.is_finite() => *field = x,
                    _ => bad(key, &raw, "a number"),
                }
            }
        }
        (s, warnings)
    }

    fn rejects(&self, kind: &Kind) -> bool {
        match kind {
            Kind::BlockedExtension(_) => true,
            Kind::Suspicious { .. } => self.suspicious == Action::Reject,
            Kind::Executable(_) => self.executable == Action::Reject,
            Kind::Encrypted => false,
        }
    }
}

/// The verdict for a scan: the first finding that rejects (in the order they were met) names
/// the reply; otherwise tags, score and the header field.
fn verdict(report: &Report, settings: &Settings) -> Verdict {
    if let Some(f) = report.first(|k| settings.rejects(k)) {
        return Verdict::reject(554, "5.7.0", f.text());
    }
    if report.findings.is_empty() {
        return Verdict::continue_with();
    }
    let mut v = Verdict::continue_with();
    if report.any(|k| matches!(k, Kind::Executable(_))) {
        v = v.tag(TAG_EXECUTABLE).score(settings.executable_score);
    }
    if report.any(|k| matches!(k, Kind::Suspicious { .. })) {
        v = v.tag(TAG_SUSPICIOUS).score(settings.suspicious_score);
    }
    if report.any(|k| matches!(k, Kind::Encrypted)) {
        v = v.tag(TAG_ENCRYPTED);
    }
    let mut value = report
        .findings
        .iter()
        .map(Finding::text)
        .collect::<Vec<_>>()
        .join("; ");
    if report.omitted > 0 {
        value.push_str(&format!("; and {} more", report.omitted));
    }
    v.explain(value.clone()).header(HEADER, value)
}

fn parts(message: &Message) -> Vec<Part<'_>> {
    message
        .attachments
        .iter()
        .map(|a| Part {
            parent: a.parent.map(|p| p as usize),
            filename: a.filename.as_deref(),
            content_type: &a.content_type,
            content: &a.content,
            is_message: a.is_message,
        })
        .collect()
}

struct Attachments;

impl Plugin for Attachments {
    fn info() -> PluginInfo {
        plugin_info!()
    }

    // Stateless (WIT 0.1.3): nothing is kept in memory from one message to the next and
    // nothing is leaked per call, so the server may reuse an instance for many calls.
    fn traits() -> PluginTraits {
        PluginTraits::STATELESS
    }

    fn filter(message: &Message) -> Verdict {
        if message.attachments.is_empty() {
            // Nothing to check (most mail): no settings read, no scan (issue 19). The settings'
            // warnings are logged with the next message that has parts; the debug line is the
            // one a scan of no parts gives.
            debug!(
                "{}: 0 parts, 0 archives, 0 members, 0 bytes inflated, 0 findings",
                message.queue_id()
            );
            return Verdict::continue_with();
        }
        // One host call for the whole table instead of one per key (ten per message; issue 19).
        let config = config::all();
        let get = |key: &str| {
            config
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        let (settings, warnings) = Settings::parse(&get);
        for w in warnings {
            warn!("{w}");
        }
        let report = core::scan(&parts(message), &settings.policy);
        let verdict = verdict(&report, &settings);
        let queue = message.queue_id();
        debug!(
            "{queue}: {} parts, {} archives, {} members, {} bytes inflated, {} findings",
            message.attachments.len(),
            report.archives,
            report.members,
            report.inflated,
            report.findings.len()
        );
        if let Decision::Reject(r) = &verdict.decision {
            info!("{queue}: rejected: {}", r.text);
        } else if !report.findings.is_empty() {
            info!(
                "{queue}: {}",
                report
                    .findings
                    .iter()
                    .map(Finding::text)
                    .collect::<Vec<_>>()
                    .join("; ")
            );
        }
        verdict
    }
}

export_plugin!(Attachments);

#[cfg(test)]
mod tests {
    use super::*;
    use mailsift_attachments_core::{Executable, Suspicion};

    fn settings(pairs: &[(&str, &str)]) -> (Settings, Vec<String>) {
        let map: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::parse(&move |k: &str| {
            map.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn settings_parse_and_bad_values_keep_defaults() {
        let (s, w) = settings(&[]);
        assert_eq!(s, Settings::default());
        assert!(w.is_empty());
        let (s, w) = settings(&[
            ("blocked_extensions", ".EXE, scr"),
            ("extra_extensions", "docm iso,exe"),
            ("max_depth", "6"),
            ("max_members", "50"),
            ("max_inflated_bytes", "16M"),
            ("max_expanded_bytes", "1 GiB"),
            ("suspicious_archives", "Tag"),
            ("executable_content", "reject"),
            ("executable_score", "7.5"),
        ]);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(
            s.policy.blocked_extensions,
            vec!["exe", "scr", "docm", "iso"]
        );
        assert_eq!((s.policy.max_depth, s.policy.max_members), (6, 50));
        assert_eq!(
            (s.policy.max_inflated_bytes, s.policy.max_expanded_bytes),
            (16 << 20, 1 << 30)
        );
        assert_eq!(
            (s.suspicious, s.executable, s.executable_score),
            (Action::Tag, Action::Reject, 7.5)
        );
        let (s, w) = settings(&[
            ("max_depth", "0"),
            ("suspicious_archives", "rejct"),
            ("max_inflated_bytes", "lots"),
            ("executable_score", "NaN"),
        ]);
        assert_eq!(s, Settings::default());
        assert_eq!(w.len(), 4, "{w:?}");
        assert!(
            w.iter()
                .any(|x| x.contains("suspicious_archives = \"rejct\"")),
            "{w:?}"
        );
    }

    fn report(kinds: &[Kind]) -> Report {
        Report {
            findings: kinds
                .iter()
                .enumerate()
                .map(|(i, k)| Finding {
                    path: format!("f{i}"),
                    kind: k.clone(),
                })
                .collect(),
            ..Report::default()
        }
    }

    fn reject_text(v: &Verdict) -> Option<String> {
        match &v.decision {
            Decision::Reject(r) => Some(format!("{} {} {}", r.code, r.enhanced, r.text)),
            _ => None,
        }
    }

    #[test]
    fn verdicts_follow_the_policy() {
        let exe = Kind::Executable(Executable::Pe);
        let sus = Kind::Suspicious {
            reason: Suspicion::TooDeep(4),
            message: false,
        };
        let blocked = Kind::BlockedExtension(".exe".into());
        let d = Settings::default();
        // Default: executables are tagged; the first rejecting finding names the reply.
        let r = report(&[exe.clone(), sus.clone(), blocked.clone()]);
        assert_eq!(
            reject_text(&verdict(&r, &d)).as_deref(),
            Some(
                "554 5.7.0 attachment \"f1\" is a suspicious archive (nested deeper than 4 levels)"
            )
        );
        let tagging = Settings {
            suspicious: Action::Tag,
            ..Settings::default()
        };
        assert_eq!(
            reject_text(&verdict(&r, &tagging)).as_deref(),
            Some("554 5.7.0 attachment \"f2\" has a blocked extension (.exe)")
        );
        let v = verdict(&report(&[exe.clone(), sus, Kind::Encrypted]), &tagging);
        let a = v.annotations().unwrap();
        assert_eq!(a.tags, vec![TAG_EXECUTABLE, TAG_SUSPICIOUS, TAG_ENCRYPTED]);
        assert_eq!(a.score, 6.0);
        assert_eq!(a.add_headers[0].name, HEADER);
        assert!(
            a.add_headers[0]
                .value
                .starts_with("attachment \"f0\" is an executable (Windows PE); "),
            "{}",
            a.add_headers[0].value
        );
        let strict = Settings {
            executable: Action::Reject,
            ..Settings::default()
        };
        assert_eq!(
            reject_text(&verdict(&report(&[exe]), &strict)).as_deref(),
            Some("554 5.7.0 attachment \"f0\" is an executable (Windows PE)")
        );
        // Nothing found: nothing added.
        let v = verdict(&Report::default(), &d);
        let a = v.annotations().unwrap();
        assert!(a.tags.is_empty() && a.add_headers.is_empty() && a.score == 0.0);
    }
}
