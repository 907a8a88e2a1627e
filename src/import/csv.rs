//! The batch file of `mailsift import csv`: one import per line, at most `MAX_BATCH` lines.
//!
//! Columns, with this header line first:
//! `address,host,port,security,user,password` — the local account to import into, the remote
//! IMAP server, its port, `tls` (implicit TLS, usually 993) or `starttls` (usually 143), the
//! remote login name and its password. `port` may be empty (993 for tls, 143 for starttls).

use super::admin::{ImportSpec, MAX_BATCH};
use crate::store::import::ImportSecurity;

const HEADER: [&str; 6] = ["address", "host", "port", "security", "user", "password"];

/// The specs of a batch file, or what is wrong with it (with the line number); nothing is
/// queued from a file with an error.
pub fn parse(text: &[u8], ca_pem: Option<&str>) -> Result<Vec<ImportSpec>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("line 1: {e}"))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    if header != HEADER {
        return Err(format!(
            "line 1: the header must be `{}` (got `{}`)",
            HEADER.join(","),
            header.join(",")
        ));
    }
    let mut out = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let record = record.map_err(|e| format!("line {line}: {e}"))?;
        if out.len() == MAX_BATCH {
            return Err(format!(
                "line {line}: more than {MAX_BATCH} imports in one batch; split the file"
            ));
        }
        let field = |i: usize| record.get(i).unwrap_or("").to_string();
        let security = match field(3).to_ascii_lowercase().as_str() {
            "tls" | "ssl" | "imaps" => ImportSecurity::Tls,
            "starttls" => ImportSecurity::Starttls,
            other => {
                return Err(format!(
                    "line {line}: security must be tls or starttls, not \"{other}\""
                ));
            }
        };
        let port = match field(2).as_str() {
            "" => default_port(security),
            p => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("line {line}: \"{p}\" is not a port"))?,
        };
        out.push(ImportSpec {
            into: field(0),
            host: field(1),
            port,
            security,
            user: field(4),
            password: field(5),
            ca_pem: ca_pem.map(str::to_string),
        });
    }
    if out.is_empty() {
        return Err("the file has no import lines".into());
    }
    Ok(out)
}

pub fn default_port(security: ImportSecurity) -> u16 {
    match security {
        ImportSecurity::Tls => 993,
        ImportSecurity::Starttls => 143,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_files() {
        let specs = parse(
            b"address,host,port,security,user,password\n\
              a@example.org, imap.example.net ,993,tls,a1,pw,1\n",
            None,
        );
        assert!(specs.is_err(), "a seventh column is refused");
        let specs = parse(
            b"Address,Host,Port,Security,User,Password\n\
              a@example.org,imap.example.net,,tls,a1,\"p,w\"\n\
              b@example.org,imap.example.net,1143,STARTTLS,b1,pw\n",
            None,
        )
        .expect("valid");
        assert_eq!(specs.len(), 2);
        assert_eq!(specs[0].port, 993);
        assert_eq!(specs[0].password, "p,w");
        assert_eq!(specs[1].security, ImportSecurity::Starttls);
        assert_eq!(specs[1].port, 1143);
        let bad = parse(
            b"address,host,port,security,user,password\na@x,h,1,plain,u,p\n",
            None,
        )
        .expect_err("plain is refused");
        assert!(bad.starts_with("line 2:"), "{bad}");
        let mut many = String::from("address,host,port,security,user,password\n");
        for i in 0..26 {
            many.push_str(&format!("u{i}@example.org,h,993,tls,u,p\n"));
        }
        let err = parse(many.as_bytes(), None).expect_err("26 lines");
        assert!(err.contains("more than 25"), "{err}");
        assert!(parse(b"address,host\n", None).is_err());
    }
}
