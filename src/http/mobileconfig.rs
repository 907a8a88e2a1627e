//! An Apple configuration profile for one address (`.mobileconfig`, an unsigned property list)
//! with one `com.apple.mail.managed` payload: iOS, iPadOS and macOS Mail set the account up from
//! it and ask only for the password. Apple's "Configuration Profile Reference", Mail payload.

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::address::EmailAddress;
use super::advertise::Endpoint;
use super::xml::escape;
use super::{AddressQuery, HttpState, plain};

pub async fn handle(
    State(state): State<Arc<HttpState>>,
    Query(query): Query<AddressQuery>,
) -> Response {
    let Some(text) = query.emailaddress.as_deref() else {
        return plain(
            StatusCode::BAD_REQUEST,
            "add ?emailaddress=you@example.org\n",
        );
    };
    let address = match super::hosted_address(&state, text) {
        Ok(address) => address,
        Err(response) => return response,
    };
    let Some(body) = document(&state, &address) else {
        return plain(
            StatusCode::NOT_FOUND,
            "this server offers no IMAP or POP3 over TLS with submission\n",
        );
    };
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-apple-aspen-config"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"mail.mobileconfig\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// A UUID (RFC 9562 layout, version 8: custom) derived from `parts`: the same address gets the
/// same identifiers, so installing a fresh profile replaces the old one instead of adding one.
fn stable_uuid(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for p in parts {
        hash.update(p.as_bytes());
        hash.update([0u8]);
    }
    let digest = hash.finalize();
    let mut b = [0u8; 16];
    for (dst, src) in b.iter_mut().zip(digest.iter()) {
        *dst = *src;
    }
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = hex::encode_upper(b);
    let part = |r: std::ops::Range<usize>| hex.get(r).unwrap_or_default().to_string();
    format!(
        "{}-{}-{}-{}-{}",
        part(0..8),
        part(8..12),
        part(12..16),
        part(16..20),
        part(20..32)
    )
}

/// Writes `<key>…</key>` and its value at one indentation level.
struct Plist {
    out: String,
    indent: &'static str,
}

impl Plist {
    fn string(&mut self, key: &str, value: &str) {
        let i = self.indent;
        let _ = writeln!(
            self.out,
            "{i}<key>{key}</key>\n{i}<string>{}</string>",
            escape(value)
        );
    }

    fn bool(&mut self, key: &str, value: bool) {
        let i = self.indent;
        let v = if value { "true" } else { "false" };
        let _ = writeln!(self.out, "{i}<key>{key}</key>\n{i}<{v}/>");
    }

    fn integer(&mut self, key: &str, value: u16) {
        let i = self.indent;
        let _ = writeln!(
            self.out,
            "{i}<key>{key}</key>\n{i}<integer>{value}</integer>"
        );
    }

    /// `Incoming…`/`Outgoing…` server keys. `UseSSL` is on for STARTTLS endpoints too (every
    /// advertised endpoint uses TLS): Mail then upgrades the connection before it authenticates;
    /// the payload has no separate STARTTLS key.
    fn server(&mut self, side: &str, e: &Endpoint, login: &str) {
        self.string(
            &format!("{side}MailServerAuthentication"),
            "EmailAuthPassword",
        );
        self.string(&format!("{side}MailServerHostName"), &e.host);
        self.integer(&format!("{side}MailServerPortNumber"), e.port);
        self.bool(&format!("{side}MailServerUseSSL"), true);
        self.string(&format!("{side}MailServerUsername"), login);
    }
}

/// The profile, or None when there is no incoming service over TLS or no submission service.
pub fn document(state: &HttpState, address: &EmailAddress) -> Option<String> {
    let e = &state.endpoints;
    // The Mail payload holds one incoming server: IMAP before POP3, each list best first.
    let (kind, incoming) = match (e.imap.first(), e.pop3.first()) {
        (Some(imap), _) => ("EmailTypeIMAP", imap),
        (None, Some(pop3)) => ("EmailTypePOP", pop3),
        (None, None) => return None,
    };
    let outgoing = e.submission.first()?;
    let email = address.as_string();
    let reversed: Vec<&str> = state.hostname.rsplit('.').collect();
    let identifier = format!("{}.mailsift.{}", reversed.join("."), address.domain);
    let profile_uuid = stable_uuid(&["profile", &state.hostname, &email]);
    let mail_uuid = stable_uuid(&["mail", &state.hostname, &email]);
    let mut p = Plist {
        out: String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
             <plist version=\"1.0\">\n<dict>\n\t<key>PayloadContent</key>\n\t<array>\n\t\t<dict>\n",
        ),
        indent: "\t\t\t",
    };
    p.string("EmailAccountDescription", &email);
    p.string("EmailAccountType", kind);
    p.string("EmailAddress", &email);
    p.server("Incoming", incoming, &email);
    p.server("Outgoing", outgoing, &email);
    p.bool("OutgoingPasswordSameAsIncomingPassword", true);
    p.string("PayloadDescription", &format!("Mail account {email}"));
    p.string("PayloadDisplayName", &email);
    p.string(
        "PayloadIdentifier",
        &format!("{identifier}.mail.{mail_uuid}"),
    );
    p.string("PayloadType", "com.apple.mail.managed");
    p.string("PayloadUUID", &mail_uuid);
    p.integer("PayloadVersion", 1);
    p.bool("PreventAppSheet", false);
    p.bool("PreventMove", false);
    p.bool("SMIMEEnabled", false);
    p.out.push_str("\t\t</dict>\n\t</array>\n");
    p.indent = "\t";
    p.string(
        "PayloadDescription",
        &format!("Sets up {email} on {}", state.hostname),
    );
    p.string("PayloadDisplayName", &format!("Mail: {email}"));
    p.string("PayloadIdentifier", &format!("{identifier}.{profile_uuid}"));
    p.bool("PayloadRemovalDisallowed", false);
    p.string("PayloadType", "Configuration");
    p.string("PayloadUUID", &profile_uuid);
    p.integer("PayloadVersion", 1);
    p.out.push_str("</dict>\n</plist>\n");
    Some(p.out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::tests::state;

    #[test]
    fn one_mail_payload_with_stable_uuids() {
        let (_dir, state) = state();
        let address = EmailAddress::parse("ann@example.org").unwrap();
        let doc = document(&state, &address).unwrap();
        assert!(
            doc.contains("<string>com.apple.mail.managed</string>"),
            "{doc}"
        );
        assert!(
            doc.contains("<key>IncomingMailServerPortNumber</key>\n\t\t\t<integer>993</integer>"),
            "{doc}"
        );
        assert!(
            doc.contains("<key>OutgoingMailServerPortNumber</key>\n\t\t\t<integer>587</integer>"),
            "{doc}"
        );
        assert_eq!(doc, document(&state, &address).unwrap());
        let other = document(&state, &EmailAddress::parse("bob@example.org").unwrap()).unwrap();
        assert_ne!(doc, other);
        let uuid = stable_uuid(&["x"]);
        assert_eq!(uuid.len(), 36);
        assert_eq!(uuid.as_bytes()[14], b'8', "{uuid}");
    }
}
