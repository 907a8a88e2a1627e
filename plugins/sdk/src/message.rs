//! Helpers on [`Message`]: case-insensitive header lookup, sender shortcuts and attachment
//! walking with the chain of enclosing attached messages.

use crate::addr::EmailAddress;
use crate::{Attachment, Header, Message};

/// Attached messages nest at most this deep when following `parent` links; deeper (or cyclic)
/// chains from a malformed list are cut off.
const MAX_DEPTH: usize = 64;

/// All header fields named `name` (ASCII case-insensitive), in message order.
pub fn headers_named<'a>(
    headers: &'a [Header],
    name: &'a str,
) -> impl Iterator<Item = &'a Header> + 'a {
    headers.iter().filter(move |h| is_named(h, name))
}

fn is_named(h: &Header, name: &str) -> bool {
    h.name.trim().eq_ignore_ascii_case(name.trim())
}

fn first<'a>(headers: &'a [Header], name: &str) -> Option<&'a Header> {
    headers.iter().find(|h| is_named(h, name))
}

impl Message {
    /// The decoded value of the first header field named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        first(&self.headers, name).map(|h| h.value.as_str())
    }

    /// The raw (undecoded, unfolded) value of the first header field named `name`.
    pub fn header_raw(&self, name: &str) -> Option<&str> {
        first(&self.headers, name).map(|h| h.raw.as_str())
    }

    /// The decoded values of every header field named `name`, in message order
    /// (e.g. all `Received` fields, topmost first).
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|h| is_named(h, name))
            .map(|h| h.value.as_str())
            .collect()
    }

    /// Every header field named `name`, with both raw and decoded values.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Header> + 'a {
        headers_named(&self.headers, name)
    }

    /// True if the message has at least one header field named `name`.
    pub fn has_header(&self, name: &str) -> bool {
        first(&self.headers, name).is_some()
    }

    /// The subject, or "" if there is none.
    pub fn subject_str(&self) -> &str {
        self.subject.as_deref().unwrap_or("")
    }

    /// The queue id, for log lines.
    pub fn queue_id(&self) -> &str {
        &self.envelope.queue_id
    }

    /// The envelope sender (MAIL FROM) parsed; `None` for the null sender.
    pub fn envelope_sender(&self) -> Option<EmailAddress> {
        EmailAddress::parse(&self.envelope.mail_from)
    }

    /// The envelope recipients parsed (unparseable ones are skipped).
    pub fn envelope_recipients(&self) -> Vec<EmailAddress> {
        self.envelope
            .recipients
            .iter()
            .filter_map(|r| EmailAddress::parse(r))
            .collect()
    }

    /// The first `From:` mailbox parsed.
    pub fn from_address(&self) -> Option<EmailAddress> {
        self.from.iter().find_map(|a| a.parsed())
    }

    /// Walk every attachment (including parts nested in attached messages), with its chain of
    /// enclosing attached messages and a path such as `invoice.zip` or `fwd.eml/invoice.zip`.
    pub fn walk_attachments(&self) -> impl Iterator<Item = AttachmentRef<'_>> + '_ {
        (0..self.attachments.len()).map(move |i| self.attachment_ref(i).expect("index in range"))
    }

    /// The attachment at `index` with its parent chain, or `None` if out of range.
    pub fn attachment_ref(&self, index: usize) -> Option<AttachmentRef<'_>> {
        let attachment = self.attachments.get(index)?;
        let mut parents = Vec::new();
        let mut current = index;
        while let Some(p) = self.attachments[current].parent {
            let p = p as usize;
            // Stop on out-of-range, self or cyclic links, and absurd depth.
            if p >= self.attachments.len()
                || p == index
                || parents.contains(&p)
                || parents.len() >= MAX_DEPTH
            {
                break;
            }
            parents.push(p);
            current = p;
        }
        parents.reverse();
        Some(AttachmentRef {
            index,
            attachment,
            parents,
            message: self,
        })
    }

    /// Shorthand for `attachment_ref(index).map(|a| a.path())`.
    pub fn attachment_path(&self, index: usize) -> Option<String> {
        self.attachment_ref(index).map(|a| a.path())
    }
}

/// One attachment seen through [`Message::walk_attachments`].
#[derive(Clone, Debug)]
pub struct AttachmentRef<'a> {
    /// Its index in `message.attachments`.
    pub index: usize,
    pub attachment: &'a Attachment,
    /// Indices of the enclosing attached messages, outermost first.
    pub parents: Vec<usize>,
    message: &'a Message,
}

impl<'a> AttachmentRef<'a> {
    /// How many attached messages enclose this one (0 = directly in the message).
    pub fn depth(&self) -> usize {
        self.parents.len()
    }

    /// The enclosing attached messages, outermost first.
    pub fn parent_chain(&self) -> impl Iterator<Item = &'a Attachment> + '_ {
        self.parents
            .iter()
            .map(move |&p| &self.message.attachments[p])
    }

    /// A display name: the filename, or `part-N` (`message-N.eml` for an attached message
    /// without a filename), where N is the index.
    pub fn name(&self) -> String {
        display_name(self.attachment, self.index)
    }

    /// The names of the enclosing messages and this attachment joined by `/`, e.g. `invoice.zip`,
    /// `fwd.eml/invoice.zip`, `message-0.eml/part-1`.
    pub fn path(&self) -> String {
        let mut parts: Vec<String> = self
            .parents
            .iter()
            .map(|&p| display_name(&self.message.attachments[p], p))
            .collect();
        parts.push(self.name());
        parts.join("/")
    }
}

impl std::ops::Deref for AttachmentRef<'_> {
    type Target = Attachment;
    fn deref(&self) -> &Attachment {
        self.attachment
    }
}

fn display_name(a: &Attachment, index: usize) -> String {
    match a.filename.as_deref().map(str::trim) {
        Some(f) if !f.is_empty() => f.to_string(),
        _ if a.is_message => format!("message-{index}.eml"),
        _ => format!("part-{index}"),
    }
}

impl Attachment {
    /// The filename's extension, lower-cased, without the dot (`Invoice.PDF` → `pdf`).
    pub fn extension(&self) -> Option<String> {
        let name = self.filename.as_deref()?;
        let (stem, ext) = name.trim().rsplit_once('.')?;
        if stem.is_empty() || ext.is_empty() {
            return None;
        }
        Some(ext.to_ascii_lowercase())
    }

    /// True if the declared content type is `content_type` (case-insensitive, parameters
    /// ignored); `"image/*"` matches any image type.
    pub fn is_type(&self, content_type: &str) -> bool {
        let declared = self.content_type.split(';').next().unwrap_or("").trim();
        match content_type.strip_suffix("/*") {
            Some(main) => declared
                .split_once('/')
                .is_some_and(|(m, _)| m.eq_ignore_ascii_case(main)),
            None => declared.eq_ignore_ascii_case(content_type),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{AuthResult, Envelope, SenderAuth};

    pub(crate) fn att(
        parent: Option<u32>,
        filename: Option<&str>,
        ct: &str,
        is_message: bool,
    ) -> Attachment {
        Attachment {
            parent,
            filename: filename.map(Into::into),
            content_type: ct.into(),
            size: 0,
            content: Vec::new(),
            inline: false,
            is_message,
        }
    }

    pub(crate) fn message(headers: &[(&str, &str)], attachments: Vec<Attachment>) -> Message {
        Message {
            envelope: Envelope {
                queue_id: "Q1".into(),
                mail_from: "Sender@Example.org".into(),
                recipients: vec!["a@x.org".into(), "bad".into()],
                client_ip: "192.0.2.1".into(),
                helo: "mx.example.org".into(),
                authenticated_user: None,
            },
            auth: SenderAuth {
                spf: AuthResult::None,
                spf_domain: None,
                dkim: AuthResult::None,
                dkim_domains: vec![],
                dmarc: AuthResult::None,
                from_domain: None,
            },
            headers: headers
                .iter()
                .map(|(n, v)| Header {
                    name: n.to_string(),
                    raw: format!("raw:{v}"),
                    value: v.to_string(),
                })
                .collect(),
            subject: None,
            from: vec![crate::Address {
                name: None,
                address: "Boss@Corp.Example".into(),
            }],
            to: vec![],
            cc: vec![],
            text_body: None,
            html_body: None,
            attachments,
            raw_size: 0,
        }
    }

    #[test]
    fn header_lookup_is_case_insensitive_and_returns_all() {
        let m = message(
            &[("Received", "one"), ("Subject", "hi"), ("RECEIVED", "two")],
            vec![],
        );
        assert_eq!(m.header("received"), Some("one"));
        assert_eq!(m.header_raw("SUBJECT"), Some("raw:hi"));
        assert_eq!(m.header_values("Received"), vec!["one", "two"]);
        assert!(m.has_header("subject"));
        assert!(!m.has_header("X-Nope"));
        assert_eq!(m.subject_str(), "");
        assert_eq!(m.envelope_sender().unwrap().domain, "example.org");
        assert_eq!(m.envelope_recipients().len(), 1);
        assert_eq!(m.from_address().unwrap().normalized(), "boss@corp.example");
    }

    #[test]
    fn attachment_paths_follow_parents() {
        let m = message(
            &[],
            vec![
                att(None, Some("invoice.zip"), "application/zip", false),
                att(None, Some("fwd.eml"), "message/rfc822", true),
                att(Some(1), Some("Nested.PDF"), "application/pdf", false),
                att(Some(1), None, "message/rfc822", true),
                att(Some(3), None, "image/png", false),
            ],
        );
        let paths: Vec<String> = m.walk_attachments().map(|a| a.path()).collect();
        assert_eq!(
            paths,
            vec![
                "invoice.zip",
                "fwd.eml",
                "fwd.eml/Nested.PDF",
                "fwd.eml/message-3.eml",
                "fwd.eml/message-3.eml/part-4"
            ]
        );
        let deep = m.attachment_ref(4).unwrap();
        assert_eq!(deep.depth(), 2);
        assert_eq!(
            deep.parent_chain()
                .map(|a| a.is_message)
                .collect::<Vec<_>>(),
            vec![true, true]
        );
        assert_eq!(m.attachments[2].extension().as_deref(), Some("pdf"));
        assert!(m.attachments[4].is_type("image/*"));
        assert!(m.attachments[0].is_type("Application/ZIP"));
        assert!(m.attachment_ref(9).is_none());
    }

    #[test]
    fn malformed_parent_links_do_not_loop() {
        let m = message(
            &[],
            vec![
                att(Some(1), None, "message/rfc822", true),
                att(Some(0), None, "message/rfc822", true),
                att(Some(7), None, "text/plain", false),
            ],
        );
        assert_eq!(m.attachment_path(0).unwrap(), "message-1.eml/message-0.eml");
        assert_eq!(m.attachment_path(2).unwrap(), "part-2");
    }
}
