//! MULTIAPPEND (RFC 3502): several messages in one APPEND, stored in one store transaction so
//! that either all are appended or none (§6.3.11). Their literals together are bounded by the
//! framing's APPEND limit (`limits.max_message_size`), and the quota check of each message sees
//! the ones before it in the same transaction, so `[OVERQUOTA]` applies to the total.

use chrono::{DateTime, FixedOffset, Utc};

use super::response::{Status, tagged};
use super::session::Session;

/// Most messages accepted in one APPEND (each costs a UID and a store insert).
pub const MAX_MESSAGES: usize = 1000;

/// One `append-message`: flags, optional INTERNALDATE and the message bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendMessage {
    pub flags: Vec<String>,
    pub date: Option<DateTime<FixedOffset>>,
    pub message: Vec<u8>,
}

impl Session {
    pub(super) async fn multiappend(
        &mut self,
        tag: &str,
        mailbox: &str,
        messages: Vec<AppendMessage>,
    ) {
        let Some(target) = self.target_mailbox(tag, mailbox) else {
            return;
        };
        if messages.iter().any(|m| m.message.is_empty()) {
            self.send(tagged(tag, Status::No, None, "Empty message"));
            return;
        }
        let now = Utc::now().timestamp();
        let id = target.id;
        let result = self
            .store
            .write(move |tx| {
                let mut uids = Vec::with_capacity(messages.len());
                let mut validity = 0;
                for m in &messages {
                    let date = m.date.map(|d| d.timestamp()).unwrap_or(now);
                    let offset = m.date.map_or(0, |d| d.offset().local_minus_utc());
                    let (v, uid) = tx.append_in_zone(id, &m.message, &m.flags, date, offset)?;
                    validity = v;
                    uids.push(uid);
                }
                Ok((validity, uids))
            })
            .await;
        match result {
            Ok((uidvalidity, uids)) => {
                self.sync(true).await;
                // RFC 4315 §3: APPENDUID with the set of new UIDs.
                let set = super::sequence::encode_uid_set(&uids);
                self.send(tagged(
                    tag,
                    Status::Ok,
                    Some(&format!("APPENDUID {uidvalidity} {set}")),
                    "APPEND completed",
                ));
            }
            Err(e) => self.store_error(tag, &e),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::imap::command::CommandBody;
    use crate::imap::parser::parse_command;

    #[test]
    fn parses_several_messages() {
        let c = parse_command(
            b"a APPEND Drafts (\\Seen) {2}\r\nab \"01-Feb-2024 10:00:00 +0000\" {1+}\r\nc {0}\r\n\r\n",
        )
        .unwrap();
        match c.body {
            CommandBody::MultiAppend { mailbox, messages } => {
                assert_eq!(mailbox, "Drafts");
                assert_eq!(messages.len(), 3);
                assert_eq!(messages[0].message, b"ab");
                assert_eq!(messages[0].flags, vec!["\\Seen".to_string()]);
                assert!(messages[1].date.is_some());
                assert_eq!(messages[1].message, b"c");
                assert!(messages[2].message.is_empty());
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_command(b"a APPEND x {1}\r\nz\r\n").unwrap().body,
            CommandBody::Append { .. }
        ));
        assert!(parse_command(b"a APPEND x {1}\r\nz \"bad\" {1}\r\ny\r\n").is_err());
        assert!(parse_command(b"a APPEND x {1}\r\nz (\\Seen)\r\n").is_err());
    }
}
