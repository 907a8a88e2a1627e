//! Rules that need no training, each with a name (shown in the `X-Spam-Status` header) and a
//! weight added to the score. Weights are small next to the classifier's 0–10: rules tip unsure
//! messages and stand alone before any training.

use crate::tokenize::base_domain;
use crate::{html, Input};

/// A rule that fired.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub name: &'static str,
    pub weight: f64,
}

fn domain_of(addr: &str) -> Option<String> {
    let a = addr.trim().trim_matches(['<', '>']);
    a.rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches(['.', '>']).to_ascii_lowercase())
}

fn url_host(url: &str) -> Option<String> {
    let rest = url.trim().split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?.rsplit('@').next()?;
    Some(host.split(':').next()?.to_ascii_lowercase())
}

/// Every rule that fires on `input`.
pub fn check(input: &Input<'_>) -> Vec<Hit> {
    let mut hits = Vec::new();
    let mut hit = |name, weight| hits.push(Hit { name, weight });
    // Sender authentication (the server's results, RFC 8601 names).
    if input.dmarc == "fail" {
        hit("DMARC_FAIL", 2.0);
    }
    match input.spf {
        "fail" => hit("SPF_FAIL", 1.0),
        "softfail" => hit("SPF_SOFTFAIL", 0.5),
        _ => {}
    }
    if input.dkim == "fail" {
        hit("DKIM_INVALID", 1.0);
    }
    // Header sanity (RFC 5322 §3.6: Date and originator are required; Message-ID should be).
    if input.header("Date").is_none() {
        hit("MISSING_DATE", 1.0);
    }
    if input.header("Message-ID").is_none() {
        hit("MISSING_MID", 0.5);
    }
    let from_domain = input.from.first().and_then(|f| domain_of(f));
    if let (Some(from), Some(reply)) = (&from_domain, input.header("Reply-To").and_then(domain_of))
    {
        if base_domain(from) != base_domain(&reply) {
            hit("FROM_REPLYTO_DIFFER", 0.5);
        }
    }
    // A Received field claiming a big provider from a host that is not it.
    if input.headers_named("Received").any(|r| {
        let l = r.to_ascii_lowercase();
        l.starts_with("from ") && {
            let helo = l[5..].split_whitespace().next().unwrap_or("");
            ["gmail.com", "yahoo.com", "hotmail.com", "outlook.com"].contains(&helo)
        }
    }) {
        hit("FORGED_RCVD_HELO", 1.0);
    }
    // Body structure.
    if input.html.is_some() && input.text.is_none() {
        hit("HTML_ONLY", 0.5);
    }
    if let Some(h) = input.html {
        let parsed = html::parse(h);
        // A link whose visible text is a URL on another domain than its target.
        let tricked = parsed.links.iter().any(|l| {
            let shown = l.text.trim();
            (shown.starts_with("http://")
                || shown.starts_with("https://")
                || shown.starts_with("www."))
                && match (
                    url_host(&l.href),
                    url_host(&format!(
                        "http://{}",
                        shown
                            .trim_start_matches("http://")
                            .trim_start_matches("https://")
                    )),
                ) {
                    (Some(a), Some(b)) => base_domain(&a) != base_domain(&b),
                    _ => false,
                }
        });
        if tricked {
            hit("URL_TEXT_MISMATCH", 1.5);
        }
        if parsed
            .links
            .iter()
            .any(|l| url_host(&l.href).is_some_and(|h| h.parse::<std::net::IpAddr>().is_ok()))
        {
            hit("URL_NUMERIC_IP", 1.0);
        }
    }
    let subject_letters: Vec<char> = input
        .subject
        .chars()
        .filter(|c| c.is_alphabetic())
        .collect();
    if subject_letters.len() >= 10 && subject_letters.iter().all(|c| c.is_uppercase()) {
        hit("SUBJ_ALL_CAPS", 1.0);
    }
    if input.subject.contains("!!!") || input.subject.contains("$$$") {
        hit("SUBJ_SHOUTING", 0.5);
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(i: &Input<'_>) -> Vec<&'static str> {
        check(i).into_iter().map(|h| h.name).collect()
    }

    #[test]
    fn rules_fire() {
        let i = Input {
            headers: vec![
                ("From", "a@bank.example"),
                ("Reply-To", "x@collector.example"),
                ("Received", "from gmail.com (unknown [198.51.100.7]) by mx"),
            ],
            subject: "URGENT ACCOUNT NOTICE!!!",
            from: vec!["a@bank.example"],
            html: Some("<a href=\"http://198.51.100.7/login\">https://bank.example/login</a>"),
            spf: "fail",
            dkim: "none",
            dmarc: "fail",
            ..Input::default()
        };
        assert_eq!(
            names(&i),
            [
                "DMARC_FAIL",
                "SPF_FAIL",
                "MISSING_DATE",
                "MISSING_MID",
                "FROM_REPLYTO_DIFFER",
                "FORGED_RCVD_HELO",
                "HTML_ONLY",
                "URL_TEXT_MISMATCH",
                "URL_NUMERIC_IP",
                "SUBJ_ALL_CAPS",
                "SUBJ_SHOUTING"
            ]
        );
        let clean = Input {
            headers: vec![
                ("Date", "x"),
                ("Message-ID", "<a@b>"),
                ("From", "a@b.example"),
            ],
            subject: "Lunch tomorrow?",
            from: vec!["a@b.example"],
            text: Some("see you"),
            spf: "pass",
            dkim: "pass",
            dmarc: "pass",
            ..Input::default()
        };
        assert!(names(&clean).is_empty());
    }
}
