//! `mailsift trace`: a message's trace as people read it, one block per stage.

use std::fmt::Write;

use crate::store::TraceRecord;

fn date(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

fn ms(us: u64) -> String {
    format!("{:.2} ms", us as f64 / 1000.0)
}

pub fn render(t: &TraceRecord) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "message    {}  ({})", t.queue_id, date(t.time));
    let _ = writeln!(
        o,
        "from       <{}>  client {} (HELO {}){}",
        t.mail_from,
        t.client_ip,
        t.helo,
        t.authenticated_as
            .as_ref()
            .map(|a| format!(", logged in as {a}"))
            .unwrap_or_default()
    );
    let _ = writeln!(o, "to         {}", t.recipients.join(", "));
    if let Some(s) = &t.subject {
        let _ = writeln!(o, "subject    {s}");
    }
    let _ = writeln!(o, "size       {} bytes", t.size);

    let _ = writeln!(o, "\nsender authentication");
    match &t.auth {
        None => {
            let _ = writeln!(
                o,
                "  not checked (logged-in or trusted client, or checks off)"
            );
        }
        Some(a) => {
            let _ = writeln!(o, "  SPF      {} (domain {})", a.spf, a.spf_domain);
            if a.dkim.is_empty() {
                let _ = writeln!(o, "  DKIM     none (no signature)");
            }
            for d in &a.dkim {
                let _ = writeln!(o, "  DKIM     {d}");
            }
            let _ = writeln!(o, "  ARC      {}", a.arc);
            let _ = writeln!(
                o,
                "  DMARC    {}{}{}",
                a.dmarc,
                a.from_domain
                    .as_ref()
                    .map(|d| format!(" (From domain {d})"))
                    .unwrap_or_default(),
                a.dmarc_policy
                    .as_ref()
                    .map(|p| format!(", policy p={p}"))
                    .unwrap_or_default()
            );
        }
    }

    let _ = writeln!(o, "\nstages");
    for s in &t.stages {
        let _ = writeln!(
            o,
            "  {:<18} {:>10}{}",
            s.name,
            ms(s.elapsed_us),
            s.decided
                .as_ref()
                .map(|d| format!("  decided: {d}"))
                .unwrap_or_default()
        );
    }

    let _ = writeln!(o, "\nplugins");
    if t.plugins.is_empty() {
        let _ = writeln!(o, "  none ran");
    }
    for p in &t.plugins {
        let _ = writeln!(
            o,
            "  {:<18} {:<9} score {:+.2}  {}",
            p.name,
            p.decision,
            p.score,
            ms(p.elapsed_us)
        );
        if !p.tags.is_empty() {
            let _ = writeln!(o, "  {:<18} tags {}", "", p.tags.join(", "));
        }
        if let Some(f) = &p.folder {
            let _ = writeln!(o, "  {:<18} suggests folder {f}", "");
        }
        if let Some(e) = &p.explanation {
            let _ = writeln!(o, "  {:<18} why: {e}", "");
        }
        for r in &p.per_recipient {
            let _ = writeln!(o, "  {:<18} for {r}", "");
        }
    }
    let _ = writeln!(
        o,
        "  total score {:+.2}{}",
        t.score,
        if t.tags.is_empty() {
            String::new()
        } else {
            format!(", tags {}", t.tags.join(", "))
        }
    );

    let _ = writeln!(o, "\nsieve");
    if t.sieve.is_empty() {
        let _ = writeln!(o, "  no script ran");
    }
    for s in &t.sieve {
        let _ = writeln!(o, "  {}: {}", s.recipient, s.actions.join("; "));
    }

    let _ = writeln!(o, "\nfolders");
    if t.folders.is_empty() {
        let _ = writeln!(o, "  none (no local copy)");
    }
    for f in &t.folders {
        let _ = writeln!(
            o,
            "  {} → {}{}{}",
            f.recipient,
            f.folder,
            if f.flags.is_empty() {
                String::new()
            } else {
                format!(" (flags {})", f.flags.join(" "))
            },
            match (f.score, f.tags.is_empty()) {
                (None, true) => String::new(),
                (score, _) => format!(
                    "  [score {:+.2}{}]",
                    score.unwrap_or(t.score),
                    if f.tags.is_empty() {
                        String::new()
                    } else {
                        format!(", tags {}", f.tags.join(", "))
                    }
                ),
            }
        );
    }
    for (r, why) in &t.dropped {
        let _ = writeln!(o, "  {r} dropped: {why}");
    }
    if !t.outbound.is_empty() {
        let _ = writeln!(o, "  queued for {}", t.outbound.join(", "));
    }

    let _ = writeln!(
        o,
        "\noutcome    {}{}",
        t.outcome,
        t.reply
            .as_ref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default()
    );
    o
}

/// One line per message, newest first.
pub fn render_recent(rows: &[TraceRecord]) -> String {
    let mut o = String::new();
    if rows.is_empty() {
        o.push_str("No message traced yet\n");
    }
    for t in rows {
        let folders: Vec<&str> = t.folders.iter().map(|f| f.folder.as_str()).collect();
        let _ = writeln!(
            o,
            "{}  {}  {:<10} <{}> → {}  {}",
            t.queue_id,
            date(t.time),
            t.outcome,
            t.mail_from,
            t.recipients.join(", "),
            if folders.is_empty() {
                t.reply.clone().unwrap_or_default()
            } else {
                folders.join(", ")
            }
        );
    }
    o
}
