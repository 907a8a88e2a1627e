//! The mail that tells the account an import ended: how many messages were copied, per folder,
//! or why it failed. Delivered straight into its INBOX (not through the SMTP pipeline).

use mail_builder::MessageBuilder;
use mail_builder::headers::raw::Raw;

use crate::store::import::{ImportJob, ImportState};

/// The message (RFC 5322; `Auto-Submitted: auto-generated`, RFC 3834, so no one answers it).
pub fn build(job: &ImportJob, hostname: &str, now: i64) -> Vec<u8> {
    let copied = job.copied();
    let source = format!("{} on {}", job.source.user, job.source.host);
    let subject = match job.state {
        ImportState::Done => format!("Import finished: {copied} messages copied from {source}"),
        ImportState::Cancelled => {
            format!("Import cancelled: {copied} messages copied from {source}")
        }
        _ => format!("Import failed: {copied} messages copied from {source}"),
    };
    let mut body = String::new();
    body.push_str(&format!(
        "The import of {source} into {} {}.\r\n\r\n",
        job.address,
        match job.state {
            ImportState::Done => "is finished",
            ImportState::Cancelled => "was cancelled",
            _ => "failed",
        }
    ));
    body.push_str(&format!("Messages copied: {copied}\r\n"));
    let duplicates = job.duplicates();
    if duplicates > 0 {
        body.push_str(&format!(
            "Already here from an earlier import (not copied again): {duplicates}\r\n"
        ));
    }
    let skipped = job.skipped();
    if skipped > 0 {
        body.push_str(&format!(
            "Not copied (larger than the server's maximum message size, or unreadable): {skipped}\r\n"
        ));
    }
    if let Some(error) = &job.error {
        body.push_str(&format!("\r\nError: {error}\r\n"));
    }
    body.push_str("\r\nFolders (source -> here: copied of total):\r\n");
    for f in &job.folders {
        body.push_str(&format!(
            "  {} -> {}: {} of {}\r\n",
            super::folders::decode_mutf7(&f.source).unwrap_or_else(|| f.source.clone()),
            f.target,
            f.copied,
            f.total
        ));
    }
    let from = format!("mailer-daemon@{hostname}");
    MessageBuilder::new()
        .from(("Mail import", from.as_str()))
        .to(job.address.as_str())
        .subject(subject)
        .date(now)
        .header("Auto-Submitted", Raw::new("auto-generated"))
        .text_body(body)
        .write_to_vec()
        .unwrap_or_default()
}
