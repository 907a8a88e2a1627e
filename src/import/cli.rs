//! `mailsift import …`: hands import jobs to the running server through the admin socket (or,
//! with the server stopped, queues them in the store for its next start) and shows progress.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::admin::{ImportJobRow, ImportQueued, ImportRequest, ImportSpec};
use crate::admin::{AdminReply, AdminRequest};
use crate::config::Config;
use crate::store::import::ImportSecurity;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Copy every folder of a remote IMAP account into a local account, in the background
    /// (flags and dates kept; `import status` shows progress).
    Imap(ImapArgs),
    /// Queue a batch of imports from a CSV file (header `address,host,port,security,user,password`,
    /// at most 25 lines).
    Csv {
        file: PathBuf,
        /// PEM certificates to trust besides the system's (a private CA), for every line.
        #[arg(long, value_name = "PATH")]
        ca_file: Option<PathBuf>,
    },
    /// Progress of every import (or of one): folders, messages copied of total, state, error.
    Status { id: Option<u64> },
    /// Stop an import; its password is deleted at once.
    Cancel { id: u64 },
}

#[derive(Debug, Args)]
pub struct ImapArgs {
    /// The remote IMAP server.
    #[arg(long)]
    host: String,
    /// Its port (default 993 with --tls, 143 with --starttls).
    #[arg(long)]
    port: Option<u16>,
    /// TLS from the first byte (IMAPS).
    #[arg(
        long,
        conflicts_with = "starttls",
        required_unless_present = "starttls"
    )]
    tls: bool,
    /// A plain connection upgraded with STARTTLS before login.
    #[arg(long)]
    starttls: bool,
    /// The remote login name.
    #[arg(long)]
    user: String,
    /// Read the remote password from the first line of standard input (never from the command
    /// line, where other users could see it).
    #[arg(long, required = true)]
    password_stdin: bool,
    /// The local account to import into.
    #[arg(long, value_name = "ADDRESS")]
    into: String,
    /// PEM certificates to trust besides the system's (a private CA).
    #[arg(long, value_name = "PATH")]
    ca_file: Option<PathBuf>,
}

fn read_ca(path: Option<&Path>) -> anyhow::Result<Option<String>> {
    path.map(|p| std::fs::read_to_string(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display())))
        .transpose()
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    anyhow::ensure!(!password.is_empty(), "no password on standard input");
    Ok(password)
}

pub async fn run(config: &Config, command: &ImportCommand, json: bool) -> anyhow::Result<()> {
    let request = match command {
        ImportCommand::Imap(a) => {
            let security = if a.starttls {
                ImportSecurity::Starttls
            } else {
                ImportSecurity::Tls
            };
            ImportRequest::Start {
                jobs: vec![ImportSpec {
                    into: a.into.clone(),
                    host: a.host.clone(),
                    port: a.port.unwrap_or(super::csv::default_port(security)),
                    security,
                    user: a.user.clone(),
                    password: read_password()?,
                    ca_pem: read_ca(a.ca_file.as_deref())?,
                }],
            }
        }
        ImportCommand::Csv { file, ca_file } => {
            let text =
                std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let ca = read_ca(ca_file.as_deref())?;
            let jobs = super::csv::parse(&text, ca.as_deref())
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            ImportRequest::Start { jobs }
        }
        ImportCommand::Status { id } => ImportRequest::Status { id: *id },
        ImportCommand::Cancel { id } => ImportRequest::Cancel { id: *id },
    };
    let starting = matches!(request, ImportRequest::Start { .. });
    let server_up = config.admin_socket_path().exists();
    let reply = crate::cli::run_admin(config, AdminRequest::Import(request)).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&reply.to_json())?);
    } else {
        print(&reply);
        if starting && !server_up {
            println!("The server is not running: the imports start when it starts.");
        }
    }
    if let AdminReply::ImportQueued(lines) = &reply
        && lines.iter().any(|l| l.error.is_some())
    {
        std::process::exit(1);
    }
    Ok(())
}

/// Renders the import replies for people.
pub fn print(reply: &AdminReply) {
    match reply {
        AdminReply::ImportQueued(lines) => print_queued(lines),
        AdminReply::ImportJobs(rows) => print_jobs(rows),
        _ => {}
    }
}

fn print_queued(lines: &[ImportQueued]) {
    for l in lines {
        match (&l.job, &l.error) {
            (Some(id), _) => println!(
                "{}: import {id} queued into {} (see `mailsift import status {id}`)",
                l.line, l.into
            ),
            (None, Some(e)) => println!("{}: refused for {}: {e}", l.line, l.into),
            (None, None) => {}
        }
    }
}

fn print_jobs(rows: &[ImportJobRow]) {
    if rows.is_empty() {
        println!("No imports");
    }
    for r in rows {
        println!(
            "import {}: {} -> {}  {}  folders {}/{}  messages {}/{}  duplicates {}  skipped {}",
            r.id,
            r.source,
            r.into,
            r.state,
            r.folders_done,
            r.folders,
            r.copied,
            r.total,
            r.duplicates,
            r.skipped
        );
        if r.credentials_kept {
            println!("  the remote password is kept until the import ends");
        }
        if let Some(e) = &r.error {
            println!("  error: {e}");
        }
        if rows.len() == 1 {
            for f in &r.folder_list {
                println!(
                    "  {} -> {}: {}/{}{}",
                    f.source,
                    f.target,
                    f.copied,
                    f.total,
                    if f.done { " done" } else { "" }
                );
            }
        }
    }
}
