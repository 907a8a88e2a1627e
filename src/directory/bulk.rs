//! Bulk creation of addresses from a CSV file, and its export, with the reference service's
//! columns: the local part; optionally an address to redirect to; optionally `1` = delete the
//! messages after redirecting. As there, the first line is the template's header and is not
//! read. The separator is the one the header uses (`,`, `;` or a tab: spreadsheets write `;`
//! where the decimal mark is a comma). Each line is answered (created, or refused and why);
//! a created address gets a generated device password, shown once in the report.
//!
//! At most a domain's limit of new addresses (default 50) are created per 24 hours, counting
//! every address created in the domain by any means (`store::redirects`).

use serde::{Deserialize, Serialize};

use super::redirects::check_rule;
use super::{DirectoryError, create_device_password, normalize_domain, normalize_new_account};
use crate::store::{ReadTx, Redirect, Store};

/// The header `export` writes (any header is accepted on import).
pub const HEADER: [&str; 3] = ["local_part", "redirect", "delete_after_redirect"];
/// Lines read from one file (the admin socket bounds its size as well).
pub const MAX_LINES: usize = 10_000;
/// The device name of the password made for each created address.
pub const DEVICE: &str = "csv-import";

/// What happened to one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    Created,
    Refused,
    /// The first line: the template's header.
    Header,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLine {
    /// Line number in the file (1 is the header).
    pub line: u64,
    /// The address (or what the line gave, when refused before it was one).
    pub address: String,
    pub status: LineStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redirect: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delete_after: bool,
    /// The generated device password: shown in this report only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub domain: String,
    /// New addresses allowed per 24 hours (`None`: unlimited).
    pub limit: Option<u32>,
    pub created: usize,
    pub refused: usize,
    pub lines: Vec<ImportLine>,
}

/// The separator the header line uses.
fn separator(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|&c| first.bytes().filter(|&b| b == c).count())
        .filter(|&c| first.bytes().any(|b| b == c))
        .unwrap_or(b',')
}

/// The file's records: (line number, trimmed fields), the header included.
fn records(text: &str) -> Result<Vec<(u64, Vec<String>)>, DirectoryError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(separator(text))
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| DirectoryError::Invalid(format!("CSV: {e}")))?;
        if out.len() >= MAX_LINES {
            return Err(DirectoryError::Invalid(format!(
                "more than {MAX_LINES} lines: split the file"
            )));
        }
        // The line a record starts on, from its byte offset. After a CRLF the reader puts the
        // next record's start on the LF (and counts its line one behind), hence `..=start`.
        let start = record.position().map_or(0, |p| p.byte() as usize);
        let line = text
            .as_bytes()
            .get(..=start.min(text.len().saturating_sub(1)))
            .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count()) as u64
            + 1;
        out.push((line, record.iter().map(|f| f.trim().to_string()).collect()));
    }
    Ok(out)
}

/// One line's address, redirect targets and delete flag, or why it is refused.
fn read_line(domain: &str, fields: &[String]) -> Result<(String, Vec<String>, bool), String> {
    let get = |i: usize| fields.get(i).map_or("", String::as_str);
    if let Some(extra) = fields.iter().skip(3).find(|f| !f.is_empty()) {
        return Err(format!(
            "unexpected fourth column \"{extra}\" (columns: local part, redirect, 1 = delete after redirecting)"
        ));
    }
    let local = get(0);
    if local.is_empty() {
        return Err("the local part (first column) is empty".into());
    }
    let full = match local.rsplit_once('@') {
        Some((l, d)) if d.eq_ignore_ascii_case(domain) => format!("{l}@{domain}"),
        Some(_) => return Err(format!("{local} is not an address of {domain}")),
        None => format!("{local}@{domain}"),
    };
    let address = normalize_new_account(&full).map_err(|e| e.to_string())?;
    let targets: Vec<String> = get(1).split_whitespace().map(str::to_string).collect();
    let delete_after = match get(2) {
        "" | "0" => false,
        "1" => true,
        other => {
            return Err(format!(
                "the third column must be empty or 1 (delete after redirecting), not \"{other}\""
            ));
        }
    };
    if delete_after && targets.is_empty() {
        return Err("1 (delete after redirecting) needs a redirect address".into());
    }
    Ok((address, targets, delete_after))
}

/// Creates the addresses of a CSV file in `domain`; the report answers every line.
pub async fn import(
    store: &Store,
    domain: &str,
    text: &str,
) -> Result<ImportReport, DirectoryError> {
    let domain = normalize_domain(domain)?;
    if store.read()?.domain(&domain)?.is_none() {
        return Err(DirectoryError::Invalid(format!(
            "{domain} is not one of our domains"
        )));
    }
    let mut report = ImportReport {
        limit: store.read()?.new_address_limit(&domain)?,
        domain: domain.clone(),
        created: 0,
        refused: 0,
        lines: Vec::new(),
    };
    for (i, (line, fields)) in records(text)?.into_iter().enumerate() {
        if i == 0 {
            report.lines.push(ImportLine {
                line,
                address: fields.join(","),
                status: LineStatus::Header,
                reason: None,
                redirect: Vec::new(),
                delete_after: false,
                password: None,
            });
            continue;
        }
        if fields.iter().all(String::is_empty) {
            continue;
        }
        let mut entry = ImportLine {
            line,
            address: fields.first().cloned().unwrap_or_default(),
            status: LineStatus::Refused,
            reason: None,
            redirect: Vec::new(),
            delete_after: false,
            password: None,
        };
        match create_one(store, &domain, &fields).await {
            Ok((address, redirect, delete_after)) => {
                entry.address = address;
                entry.redirect = redirect;
                entry.delete_after = delete_after;
                match create_device_password(store, &entry.address, DEVICE).await {
                    Ok(p) => entry.password = Some(p),
                    Err(e) => entry.reason = Some(format!("created without a password: {e}")),
                }
                entry.status = LineStatus::Created;
                report.created += 1;
            }
            Err(why) => {
                entry.reason = Some(why);
                report.refused += 1;
            }
        }
        tracing::info!(line, address = %entry.address, status = ?entry.status, reason = entry.reason.as_deref().unwrap_or(""), "CSV import");
        report.lines.push(entry);
    }
    Ok(report)
}

/// Checks one line and creates its account (and redirect) in one store write, within the
/// domain's limit of new addresses.
async fn create_one(
    store: &Store,
    domain: &str,
    fields: &[String],
) -> Result<(String, Vec<String>, bool), String> {
    let (address, targets, delete_after) = read_line(domain, fields)?;
    let targets = if targets.is_empty() {
        targets
    } else {
        let read = store.read().map_err(|e| e.to_string())?;
        check_rule(&read, &address, &targets).map_err(|e| e.to_string())?
    };
    let (a, t, d) = (address.clone(), targets.clone(), domain.to_string());
    let created = store
        .write(move |tx| {
            if tx.address_taken_tx(&a)? {
                return Ok(Err(format!("{a} already exists")));
            }
            if let Some(limit) = tx.new_address_limit_tx(&d)? {
                let since = chrono::Utc::now().timestamp() - crate::store::redirects::CREATION_WINDOW_SECS;
                if tx.addresses_created_since_tx(&d, since)? >= u64::from(limit) {
                    return Ok(Err(format!(
                        "{d} already has {limit} new addresses in the last 24 hours (an administrator can lift this: mailsift domain set {d} --new-addresses-per-day N|unlimited)"
                    )));
                }
            }
            tx.add_account(&a)?;
            if !t.is_empty() {
                tx.redirect_set(&Redirect {
                    address: a.clone(),
                    targets: t.clone(),
                    delete_after,
                    created: chrono::Utc::now().timestamp(),
                })?;
            }
            Ok(Ok(()))
        })
        .await
        .map_err(|e| e.to_string())?;
    created.map(|()| (address, targets, delete_after))
}

/// The domain's addresses in the import format: accounts (with their redirect) and virtual
/// addresses (a redirect with nothing kept: `1`), by address. Passwords are never exported.
pub fn export(read: &ReadTx, domain: &str) -> Result<String, DirectoryError> {
    let domain = normalize_domain(domain)?;
    if read.domain(&domain)?.is_none() {
        return Err(DirectoryError::Invalid(format!(
            "{domain} is not one of our domains"
        )));
    }
    let mut rows: Vec<(String, String, &'static str)> = Vec::new();
    let redirects = read.redirects(Some(&domain))?;
    let local = |a: &str| a.rsplit_once('@').map_or(a, |(l, _)| l).to_string();
    for account in read.accounts(Some(&domain))? {
        let r = redirects.iter().find(|r| r.address == account.address);
        rows.push((
            local(&account.address),
            r.map(|r| r.targets.join(" ")).unwrap_or_default(),
            if r.is_some_and(|r| r.delete_after) {
                "1"
            } else {
                ""
            },
        ));
    }
    for r in &redirects {
        if read.account(&r.address)?.is_none() {
            rows.push((local(&r.address), r.targets.join(" "), "1"));
        }
    }
    rows.sort();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| DirectoryError::Invalid(format!("CSV: {e}"));
    writer.write_record(HEADER).map_err(csv_error)?;
    for (l, r, d) in &rows {
        writer
            .write_record([l.as_str(), r.as_str(), d])
            .map_err(csv_error)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| DirectoryError::Invalid(format!("CSV: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(s: &[&str]) -> Vec<String> {
        s.iter().map(|f| f.to_string()).collect()
    }

    #[test]
    fn reads_lines_like_the_reference_template() {
        assert_eq!(
            read_line("example.org", &fields(&["John"])).unwrap(),
            ("john@example.org".into(), vec![], false)
        );
        assert_eq!(
            read_line("example.org", &fields(&["ann", "ann@else.net", "1"])).unwrap(),
            ("ann@example.org".into(), vec!["ann@else.net".into()], true)
        );
        assert!(read_line("example.org", &fields(&["bob", "", "1"])).is_err());
        assert!(read_line("example.org", &fields(&["bob", "x@y.net", "yes"])).is_err());
        assert!(read_line("example.org", &fields(&["bob@other.net"])).is_err());
        assert!(read_line("example.org", &fields(&["postmaster"])).is_err());
        assert!(read_line("example.org", &fields(&["a b"])).is_err());
        assert!(read_line("example.org", &fields(&["", "x@y.net"])).is_err());
    }

    #[test]
    fn the_header_gives_the_separator() {
        assert_eq!(separator("adresse;redirection;supprimer\nx;;\n"), b';');
        assert_eq!(separator("a,b,c\n"), b',');
        assert_eq!(separator("a\tb\tc\n"), b'\t');
        assert_eq!(separator("address\n"), b',');
        let r = records("h1;h2;h3\r\njohn;john@x.net;1\r\n\"q;t\";;\r\n").unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[1], (2, fields(&["john", "john@x.net", "1"])));
        assert_eq!(r[2].1[0], "q;t");
    }
}
