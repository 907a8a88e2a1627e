//! Redirects and virtual addresses (`directory::redirects`), through the real pipeline and, for
//! remote targets, the real outbound worker delivering over SMTP on 127.0.0.1 to a capturing
//! server; and the bulk CSV import/export of addresses with its per-domain daily limit.

mod support;

use std::sync::Arc;

use mailsift::admin::{self, AdminReply, AdminRequest};
use mailsift::config::Config;
use mailsift::directory::bulk::{ImportReport, LineStatus};
use mailsift::directory::{Authenticated, Directory};
use mailsift::outbound::Outbound;
use mailsift::pipeline::RcptCheck;
use mailsift::smtp::backend::{Envelope, IncomingMessage, SmtpBackend};
use mailsift::smtp::delivery::MailBackend;
use mailsift::srs::Srs;
use mailsift::store::{Redirect, Store};
use tokio::net::TcpListener;

const SRS_SECRET: &[u8] = b"redirect-tests-secret";

struct World {
    _dir: tempfile::TempDir,
    config: Config,
    store: Store,
    backend: MailBackend,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        hostname: "mx.example.org".into(),
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    let store = Store::open(&config.db_path()).unwrap();
    store
        .write(|tx| {
            tx.add_domain("example.org")?;
            for a in ["alice", "bob", "carol"] {
                tx.add_account(&format!("{a}@example.org"))?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let mut backend = MailBackend::with_plugins(store.clone(), None);
    backend.pipeline.srs = Some(Arc::new(Srs::new(SRS_SECRET, &[], 21)));
    World {
        _dir: dir,
        config,
        store,
        backend,
    }
}

async fn admin(store: &Store, request: AdminRequest) -> Result<AdminReply, String> {
    admin::execute(store, request)
        .await
        .map_err(|e| e.to_string())
}

async fn redirect(
    store: &Store,
    address: &str,
    targets: &[&str],
    delete_after: bool,
) -> Result<AdminReply, String> {
    admin(
        store,
        AdminRequest::RedirectAdd {
            address: address.into(),
            targets: targets.iter().map(|t| t.to_string()).collect(),
            delete_after,
        },
    )
    .await
}

fn envelope(from: &str, to: &[&str]) -> Envelope {
    Envelope {
        queue_id: format!("Q{}", chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)),
        mail_from: from.into(),
        recipients: to.iter().map(|t| t.to_string()).collect(),
        helo: "client.test".into(),
        client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
        authenticated_as: None,
        tls: None,
    }
}

async fn send(w: &World, from: &str, to: &[&str], subject: &str) -> u16 {
    let raw = format!(
        "From: <{from}>\r\nTo: <{}>\r\nSubject: {subject}\r\nMessage-ID: <{subject}@test>\r\n\r\nbody\r\n",
        to[0]
    );
    w.backend
        .deliver(IncomingMessage {
            envelope: envelope(from, to),
            raw: raw.into_bytes(),
        })
        .await
        .code
}

/// Messages in an account's INBOX.
fn inbox(store: &Store, address: &str) -> usize {
    let r = store.read().unwrap();
    let a = r.account(address).unwrap().unwrap();
    let mb = r.mailbox(a.id, "INBOX").unwrap().unwrap();
    r.messages(mb.id).unwrap().len()
}

/// Delivers the queue with the real outbound worker to a capturing SMTP server that
/// `remote.test` is routed to; returns what it received.
async fn flush(w: &World) -> Vec<support::smtp_sink::Received> {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = w.config.clone();
    config.outbound.routes.insert(
        "remote.test".into(),
        listener.local_addr().unwrap().to_string(),
    );
    config.outbound.timeout = 10;
    let got = support::smtp_sink::sink(listener).await;
    let outbound = Outbound::new(w.store.clone(), &config).unwrap();
    for _ in 0..5 {
        for h in outbound.scan() {
            h.await.unwrap();
        }
        if w.store.read().unwrap().queue().unwrap().is_empty() {
            break;
        }
    }
    assert!(
        w.store.read().unwrap().queue().unwrap().is_empty(),
        "queue not delivered"
    );
    got.lock().unwrap().clone()
}

/// The address an SRS envelope sender of example.org stands for.
fn srs_original(sender: &str) -> Option<String> {
    let (local, domain) = sender.rsplit_once('@')?;
    (domain == "example.org").then_some(())?;
    Srs::new(SRS_SECRET, &[], 21)
        .reverse(local, chrono::Utc::now().timestamp())
        .ok()
}

#[tokio::test]
async fn local_target_gets_a_copy_and_the_account_keeps_one_unless_delete_after() {
    let w = world().await;
    redirect(&w.store, "alice@example.org", &["bob@example.org"], false)
        .await
        .unwrap();
    assert_eq!(
        send(&w, "sender@elsewhere.net", &["alice@example.org"], "one").await,
        250
    );
    assert_eq!(inbox(&w.store, "alice@example.org"), 1, "kept");
    assert_eq!(inbox(&w.store, "bob@example.org"), 1, "forwarded");
    // A subaddress of the account is forwarded as well.
    assert_eq!(
        send(
            &w,
            "sender@elsewhere.net",
            &["alice+news@example.org"],
            "two"
        )
        .await,
        250
    );
    assert_eq!(inbox(&w.store, "bob@example.org"), 2);

    // "Delete after redirecting": forwarded, not kept.
    redirect(&w.store, "alice@example.org", &["bob@example.org"], true)
        .await
        .unwrap();
    assert_eq!(
        send(&w, "sender@elsewhere.net", &["alice@example.org"], "three").await,
        250
    );
    assert_eq!(inbox(&w.store, "alice@example.org"), 2);
    assert_eq!(inbox(&w.store, "bob@example.org"), 3);

    // Removed: mail stays with alice again.
    admin(
        &w.store,
        AdminRequest::RedirectRemove {
            address: "alice@example.org".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        send(&w, "sender@elsewhere.net", &["alice@example.org"], "four").await,
        250
    );
    assert_eq!(inbox(&w.store, "alice@example.org"), 3);
    assert_eq!(inbox(&w.store, "bob@example.org"), 3);
    assert!(w.store.read().unwrap().queue().unwrap().is_empty());
}

#[tokio::test]
async fn virtual_address_forwards_to_several_local_and_remote_targets_with_srs() {
    let w = world().await;
    // Unknown before it is made.
    let env = envelope("sender@elsewhere.net", &[]);
    assert!(matches!(
        w.backend.pipeline.check_rcpt(&env, "team@example.org").await,
        RcptCheck::Refuse(r) if r.code == 550
    ));
    let reply = redirect(
        &w.store,
        "Team@Example.org",
        &[
            "bob@example.org",
            "carol@example.org",
            "x@remote.test",
            "<Y@Remote.test>",
        ],
        false,
    )
    .await
    .unwrap();
    let AdminReply::Redirect(row) = reply else {
        panic!("{reply:?}")
    };
    assert_eq!(row.kind, "virtual");
    assert_eq!(row.targets.len(), 4);
    assert_eq!(row.targets[3], "y@remote.test");
    assert_eq!(
        w.backend
            .pipeline
            .check_rcpt(&env, "team@example.org")
            .await,
        RcptCheck::Accept
    );
    assert_eq!(
        send(
            &w,
            "sender@elsewhere.net",
            &["team@example.org"],
            "hello-team"
        )
        .await,
        250
    );
    assert_eq!(inbox(&w.store, "bob@example.org"), 1);
    assert_eq!(inbox(&w.store, "carol@example.org"), 1);
    assert_eq!(inbox(&w.store, "alice@example.org"), 0);
    let queue = w.store.read().unwrap().queue().unwrap();
    assert_eq!(queue.len(), 1, "one queued message for the remote targets");
    assert_eq!(
        srs_original(&queue[0].mail_from).as_deref(),
        Some("sender@elsewhere.net"),
        "SRS0 sender: {}",
        queue[0].mail_from
    );
    let got = flush(&w).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].from.to_ascii_uppercase().starts_with("SRS0="),
        "{}",
        got[0].from
    );
    assert_eq!(
        srs_original(&got[0].from).as_deref(),
        Some("sender@elsewhere.net")
    );
    let mut to = got[0].to.clone();
    to.sort();
    assert_eq!(to, vec!["x@remote.test", "y@remote.test"]);
    assert!(got[0].data.contains("Subject: hello-team"));

    // The list shows it; a bounce to the SRS address would come back through us.
    let AdminReply::Redirects(rows) = admin(
        &w.store,
        AdminRequest::RedirectList {
            domain: Some("example.org".into()),
        },
    )
    .await
    .unwrap() else {
        panic!()
    };
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].address, "team@example.org");
}

#[tokio::test]
async fn loops_are_refused_when_set_and_bounded_at_delivery() {
    let w = world().await;
    let err = redirect(&w.store, "alice@example.org", &["alice@example.org"], false)
        .await
        .unwrap_err();
    assert!(err.contains("loop"), "{err}");
    redirect(&w.store, "alice@example.org", &["bob@example.org"], false)
        .await
        .unwrap();
    let err = redirect(
        &w.store,
        "bob@example.org",
        &["carol@example.org", "alice@example.org"],
        false,
    )
    .await
    .unwrap_err();
    assert!(err.contains("loop"), "{err}");
    // A virtual address pointing at a chain that comes back.
    redirect(&w.store, "v1@example.org", &["alice@example.org"], false)
        .await
        .unwrap();
    let err = redirect(&w.store, "alice@example.org", &["v1@example.org"], false)
        .await
        .unwrap_err();
    assert!(err.contains("loop"), "{err}");
    // Unknown local targets, too many targets and reserved names are refused.
    let err = redirect(&w.store, "v2@example.org", &["nobody@example.org"], false)
        .await
        .unwrap_err();
    assert!(err.contains("does not exist"), "{err}");
    let many: Vec<String> = (0..21).map(|i| format!("t{i}@remote.test")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let err = redirect(&w.store, "v2@example.org", &many, false)
        .await
        .unwrap_err();
    assert!(err.contains("at most 20"), "{err}");
    assert!(
        redirect(&w.store, "noreply@example.org", &["bob@example.org"], false)
            .await
            .is_err()
    );
    // Chains longer than the bound are refused.
    let mut previous = "bob@example.org".to_string();
    let mut refused = None;
    for i in 0..10 {
        let name = format!("chain{i}@example.org");
        match redirect(&w.store, &name, &[previous.as_str()], false).await {
            Ok(_) => previous = name,
            Err(e) => {
                refused = Some((i, e));
                break;
            }
        }
    }
    let (at, e) = refused.expect("a long chain is refused");
    assert!(e.contains("more than 5"), "{e}");
    assert!(at <= 6, "refused at link {at}");

    // A cycle written behind the checks' back (store level): delivery follows each address
    // once, delivers every kept copy and ends.
    w.store
        .write(|tx| {
            tx.redirect_set(&Redirect {
                address: "bob@example.org".into(),
                targets: vec!["carol@example.org".into()],
                delete_after: false,
                created: 0,
            })?;
            tx.redirect_set(&Redirect {
                address: "carol@example.org".into(),
                targets: vec!["alice@example.org".into()],
                delete_after: false,
                created: 0,
            })
        })
        .await
        .unwrap();
    assert_eq!(
        send(&w, "sender@elsewhere.net", &["alice@example.org"], "cycle").await,
        250
    );
    for a in ["alice", "bob", "carol"] {
        assert_eq!(inbox(&w.store, &format!("{a}@example.org")), 1, "{a}");
    }
    // A long chain of virtual addresses written directly: cut after the hop bound.
    w.store
        .write(|tx| {
            for i in 0..8 {
                tx.redirect_set(&Redirect {
                    address: format!("hop{i}@example.org"),
                    targets: vec![if i == 7 {
                        "carol@example.org".to_string()
                    } else {
                        format!("hop{}@example.org", i + 1)
                    }],
                    delete_after: true,
                    created: 0,
                })?;
            }
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(
        send(&w, "sender@elsewhere.net", &["hop0@example.org"], "long").await,
        250
    );
    assert_eq!(inbox(&w.store, "carol@example.org"), 1, "the chain was cut");
}

async fn import(store: &Store, csv: &str) -> ImportReport {
    match admin(
        store,
        AdminRequest::AccountImportCsv {
            domain: "example.org".into(),
            csv: csv.into(),
        },
    )
    .await
    .unwrap()
    {
        AdminReply::CsvImport(r) => r,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn csv_import_answers_every_line() {
    let w = world().await;
    let csv = "adresse;redirection;supprimer\r\n\
               John;;\r\n\
               ann;ann@remote.test;1\r\n\
               keep;bob@example.org\r\n\
               bad name;;\r\n\
               postmaster;;\r\n\
               bob;;\r\n\
               zed;;1\r\n\
               yan;x@remote.test;maybe\r\n\
               eve@other.org;;\r\n\
               ;;\r\n\
               loop;loop@example.org;\r\n\
               ghost;nobody@example.org;\r\n";
    let report = import(&w.store, csv).await;
    let by_line = |n: u64| report.lines.iter().find(|l| l.line == n).unwrap();
    assert_eq!(by_line(1).status, LineStatus::Header);
    assert_eq!((report.created, report.refused), (3, 8), "{report:#?}");
    for n in [2, 3, 4] {
        assert_eq!(by_line(n).status, LineStatus::Created, "{:?}", by_line(n));
        assert!(by_line(n).password.is_some());
    }
    assert_eq!(by_line(2).address, "john@example.org");
    assert_eq!(by_line(3).redirect, vec!["ann@remote.test"]);
    assert!(by_line(3).delete_after);
    let reason = |n: u64| by_line(n).reason.clone().unwrap_or_default();
    assert_eq!(by_line(5).status, LineStatus::Refused);
    assert!(reason(5).contains("may only contain"), "{}", reason(5));
    assert!(reason(6).contains("reserved"), "{}", reason(6));
    assert!(reason(7).contains("already exists"), "{}", reason(7));
    assert!(reason(8).contains("needs a redirect"), "{}", reason(8));
    assert!(reason(9).contains("empty or 1"), "{}", reason(9));
    assert!(
        reason(10).contains("not an address of example.org"),
        "{}",
        reason(10)
    );
    assert!(
        report.lines.iter().all(|l| l.line != 11),
        "an empty line is skipped"
    );
    assert!(reason(12).contains("loop"), "{}", reason(12));
    assert!(reason(13).contains("does not exist"), "{}", reason(13));
    for n in (5..=13).filter(|&n| n != 11) {
        assert!(by_line(n).password.is_none());
    }

    // The printed password logs in; the redirects work.
    let directory = Directory::new(w.store.clone());
    let password = by_line(2).password.clone().unwrap();
    assert!(matches!(
        directory
            .authenticate("john@example.org", &password)
            .await
            .unwrap(),
        Authenticated::Ok { .. }
    ));
    assert_eq!(
        send(&w, "sender@elsewhere.net", &["keep@example.org"], "k").await,
        250
    );
    assert_eq!(inbox(&w.store, "keep@example.org"), 1);
    assert_eq!(inbox(&w.store, "bob@example.org"), 1);
    assert_eq!(
        send(&w, "sender@elsewhere.net", &["ann@example.org"], "a").await,
        250
    );
    assert_eq!(
        inbox(&w.store, "ann@example.org"),
        0,
        "delete after redirecting"
    );
    let got = flush(&w).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, vec!["ann@remote.test"]);
    assert_eq!(
        srs_original(&got[0].from).as_deref(),
        Some("sender@elsewhere.net")
    );
}

#[tokio::test]
async fn the_51st_new_address_in_24_hours_is_refused_until_the_limit_is_lifted() {
    let w = world().await;
    // 3 accounts exist; a virtual address counts as well: 4.
    redirect(&w.store, "list@example.org", &["bob@example.org"], false)
        .await
        .unwrap();
    let mut csv = String::from("local_part,redirect,delete_after_redirect\n");
    for i in 0..47 {
        csv.push_str(&format!("user{i}\n"));
    }
    let report = import(&w.store, &csv).await;
    assert_eq!((report.created, report.refused), (46, 1), "{report:#?}");
    let last = report.lines.last().unwrap();
    assert_eq!(last.address, "user46");
    assert_eq!(last.status, LineStatus::Refused);
    assert!(
        last.reason
            .as_deref()
            .unwrap_or("")
            .contains("50 new addresses in the last 24 hours"),
        "{last:?}"
    );
    // Any other way of creating an address is counted too.
    assert_eq!(
        admin(
            &w.store,
            AdminRequest::DomainNewAddresses {
                name: "example.org".into(),
                per_day: Some(50)
            }
        )
        .await
        .unwrap(),
        AdminReply::NewAddressLimit(mailsift::admin::redirects::NewAddressLimit {
            domain: "example.org".into(),
            per_day: Some(50),
            created_last_24h: 50,
        })
    );
    // The administrator lifts the limit.
    admin(
        &w.store,
        AdminRequest::DomainNewAddresses {
            name: "example.org".into(),
            per_day: None,
        },
    )
    .await
    .unwrap();
    let report = import(&w.store, "header\nuser46\nuser47\n").await;
    assert_eq!((report.created, report.refused), (2, 0), "{report:#?}");
}

#[test]
fn export_round_trips_through_import_with_the_cli() {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let configs: Vec<_> = dirs
        .iter()
        .map(|d| {
            let path = d.path().join("mailsift.toml");
            std::fs::write(
                &path,
                "hostname = \"mx.example.org\"\ndata_dir = \"data\"\n",
            )
            .unwrap();
            path
        })
        .collect();
    let run = |i: usize, args: &[&str]| {
        let (code, out, err) = support::cli::mailsift(&configs[i], args);
        assert_eq!(code, 0, "{args:?}: {out} {err}");
        out
    };
    for i in 0..2 {
        run(i, &["domain", "add", "example.org"]);
    }
    let file = dirs[0].path().join("addresses.csv");
    std::fs::write(
        &file,
        "email;redirect;delete\njohn;;\nann;ann@remote.test;1\nkeep;john@example.org other@remote.test;\n",
    )
    .unwrap();
    let report = run(
        0,
        &[
            "account",
            "import-csv",
            file.to_str().unwrap(),
            "--domain",
            "example.org",
        ],
    );
    assert!(report.contains("3 created, 0 refused"), "{report}");
    assert!(report.contains("password"), "{report}");
    run(
        0,
        &[
            "redirect",
            "add",
            "team@example.org",
            "john@example.org",
            "ann@example.org",
        ],
    );
    let listed = run(0, &["redirect", "list", "--domain", "example.org"]);
    assert!(listed.contains("team@example.org"), "{listed}");
    let exported = run(0, &["account", "export-csv", "--domain", "example.org"]);
    assert_eq!(
        exported,
        "local_part,redirect,delete_after_redirect\n\
         ann,ann@remote.test,1\n\
         john,,\n\
         keep,john@example.org other@remote.test,\n\
         team,john@example.org ann@example.org,1\n"
    );
    assert!(!exported.contains("password"));
    // Into a second server: the same export. (The virtual address becomes an account that
    // keeps nothing; it must come after its targets, so the import order is the file's.)
    let file2 = dirs[1].path().join("export.csv");
    std::fs::write(&file2, &exported).unwrap();
    let report = run(
        1,
        &[
            "--json",
            "account",
            "import-csv",
            file2.to_str().unwrap(),
            "--domain",
            "example.org",
        ],
    );
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["refused"], 0, "{report}");
    let again = run(1, &["account", "export-csv", "--domain", "example.org"]);
    assert_eq!(again, exported);
}
