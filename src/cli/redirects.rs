//! `mailsift redirect …`, `mailsift account import-csv|export-csv` and `mailsift domain set`:
//! requests and how their replies are shown.

use std::path::Path;

use clap::Subcommand;

use crate::admin::{AdminReply, AdminRequest};
use crate::directory::bulk::LineStatus;

#[derive(Debug, Subcommand)]
pub enum RedirectCommand {
    /// Forward mail to ADDRESS to one or several local or remote TARGETs (remote ones through
    /// the outbound queue, with SRS). ADDRESS is an account (its mail is also kept, unless
    /// --delete-after) or a new virtual address with no mailbox (forward only). Replaces the
    /// address's redirect if it has one.
    Add {
        address: String,
        #[arg(required = true, num_args = 1..)]
        targets: Vec<String>,
        /// An account keeps no copy of what is forwarded ("delete after redirecting").
        #[arg(long)]
        delete_after: bool,
    },
    /// Remove ADDRESS's redirect (a virtual address then no longer exists).
    Remove { address: String },
    /// List redirects, optionally of one domain.
    List {
        #[arg(long)]
        domain: Option<String>,
    },
}

/// `--new-addresses-per-day`: a number or `unlimited`.
#[derive(Debug, Clone, Copy)]
pub struct PerDay(pub Option<u32>);

pub fn parse_per_day(text: &str) -> Result<PerDay, String> {
    match text.to_ascii_lowercase().as_str() {
        "unlimited" | "none" => Ok(PerDay(None)),
        n => n
            .parse::<u32>()
            .ok()
            .filter(|&n| n < u32::MAX)
            .map(|n| PerDay(Some(n)))
            .ok_or_else(|| format!("{text}: expected a number or `unlimited`")),
    }
}

pub fn request(command: &RedirectCommand) -> AdminRequest {
    match command {
        RedirectCommand::Add {
            address,
            targets,
            delete_after,
        } => AdminRequest::RedirectAdd {
            address: address.clone(),
            targets: targets.clone(),
            delete_after: *delete_after,
        },
        RedirectCommand::Remove { address } => AdminRequest::RedirectRemove {
            address: address.clone(),
        },
        RedirectCommand::List { domain } => AdminRequest::RedirectList {
            domain: domain.clone(),
        },
    }
}

/// The request of `account import-csv FILE` (`-`: standard input).
pub fn import_request(file: &Path, domain: &str) -> anyhow::Result<AdminRequest> {
    let bytes = if file == Path::new("-") {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)?;
        buf
    } else {
        std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?
    };
    // Spreadsheets outside UTF-8 locales write Latin-1; addresses are ASCII, so a lossy
    // decoding only touches text that is refused anyway.
    Ok(AdminRequest::AccountImportCsv {
        domain: domain.to_string(),
        csv: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

fn print_row(r: &crate::admin::redirects::RedirectRow) {
    let keep = match (r.kind.as_str(), r.delete_after) {
        ("account", false) => "forwarded and kept",
        ("account", true) => "forwarded, not kept",
        _ => "virtual, forwarded",
    };
    println!("{:<40} -> {}  ({keep})", r.address, r.targets.join(", "));
}

/// Shows this module's replies; `false` for any other reply.
pub fn print(reply: &AdminReply) -> bool {
    match reply {
        AdminReply::Redirect(r) => print_row(r),
        AdminReply::RedirectRemoved(r) => println!("Removed the redirect of {}", r.address),
        AdminReply::Redirects(rows) => {
            if rows.is_empty() {
                println!("No redirects.");
            }
            for r in rows {
                print_row(r);
            }
        }
        AdminReply::NewAddressLimit(l) => println!(
            "{}: {} new addresses per 24 hours ({} created in the last 24 hours)",
            l.domain,
            l.per_day.map_or("unlimited".to_string(), |n| n.to_string()),
            l.created_last_24h
        ),
        AdminReply::CsvExport(e) => print!("{}", e.csv),
        AdminReply::CsvImport(report) => {
            for l in &report.lines {
                match l.status {
                    LineStatus::Header => println!("line {:>4}: header, not read", l.line),
                    LineStatus::Created => {
                        let mut what = String::new();
                        if !l.redirect.is_empty() {
                            what.push_str(&format!(" redirect to {}", l.redirect.join(", ")));
                            if l.delete_after {
                                what.push_str(" (not kept)");
                            }
                        }
                        match (&l.password, &l.reason) {
                            (Some(p), _) => what.push_str(&format!("; password {p}")),
                            (None, Some(r)) => what.push_str(&format!("; {r}")),
                            (None, None) => {}
                        }
                        println!("line {:>4}: created {}{what}", l.line, l.address);
                    }
                    LineStatus::Refused => println!(
                        "line {:>4}: refused {}: {}",
                        l.line,
                        l.address,
                        l.reason.as_deref().unwrap_or("")
                    ),
                }
            }
            println!(
                "{} created, {} refused in {}. The passwords are shown only now.",
                report.created, report.refused, report.domain
            );
        }
        _ => return false,
    }
    true
}
