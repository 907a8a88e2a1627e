//! Outlook autodiscover, the POX ("plain old XML") form: a POST of the request schema with the
//! user's `EMailAddress`, answered with the Outlook response schema 2006a (protocols IMAP, POP3,
//! SMTP). [MS-OXDSCLI] §2.2.3 and §2.2.4.

use std::fmt::Write;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::address::EmailAddress;
use super::advertise::{Endpoint, Security};
use super::xml::{element_text, escape};
use super::{HttpState, plain};

pub async fn handle(State(state): State<Arc<HttpState>>, body: Body) -> Response {
    let limit = state.http.max_body_size;
    let read = tokio::time::timeout(
        Duration::from_secs(state.http.body_timeout),
        axum::body::to_bytes(body, limit),
    )
    .await;
    let bytes = match read {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => return plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large\n"),
        Err(_) => return plain(StatusCode::REQUEST_TIMEOUT, "request body too slow\n"),
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return plain(StatusCode::BAD_REQUEST, "the request is not UTF-8\n");
    };
    let Some(given) = element_text(text, "EMailAddress") else {
        return plain(StatusCode::BAD_REQUEST, "no EMailAddress in the request\n");
    };
    let address = match super::hosted_address(&state, &given) {
        Ok(address) => address,
        Err(response) => return response,
    };
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml; charset=utf-8"),
        )],
        document(&state, &address),
    )
        .into_response()
}

pub fn document(state: &HttpState, address: &EmailAddress) -> String {
    let login = address.as_string();
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">\n  \
         <Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a\">\n    \
         <Account>\n      <AccountType>email</AccountType>\n      <Action>settings</Action>\n",
    );
    let e = &state.endpoints;
    // Outlook takes the first Protocol of each Type: the lists are best first already.
    for endpoint in &e.imap {
        protocol(&mut x, "IMAP", endpoint, &login);
    }
    for endpoint in &e.pop3 {
        protocol(&mut x, "POP3", endpoint, &login);
    }
    for endpoint in &e.submission {
        protocol(&mut x, "SMTP", endpoint, &login);
    }
    x.push_str("    </Account>\n  </Response>\n</Autodiscover>\n");
    x
}

fn protocol(x: &mut String, kind: &str, e: &Endpoint, login: &str) {
    // `Encryption` overrides `SSL`: "SSL" is implicit TLS, "TLS" is STARTTLS ([MS-OXDSCLI]
    // §2.2.4.1.1.2.14).
    let encryption = match e.security {
        Security::Implicit => "SSL",
        Security::Starttls => "TLS",
    };
    let _ = write!(
        x,
        "      <Protocol>\n        <Type>{kind}</Type>\n        <Server>{}</Server>\n        \
         <Port>{}</Port>\n        <DomainRequired>off</DomainRequired>\n        \
         <LoginName>{}</LoginName>\n        <SPA>off</SPA>\n        <SSL>on</SSL>\n        \
         <Encryption>{encryption}</Encryption>\n        <AuthRequired>on</AuthRequired>\n      \
         </Protocol>\n",
        escape(&e.host),
        e.port,
        escape(login),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::tests::state;

    #[test]
    fn one_protocol_per_service_with_the_login() {
        let (_dir, state) = state();
        let address = EmailAddress::parse("o'neil@example.org").unwrap();
        let doc = document(&state, &address);
        assert!(
            doc.contains("<LoginName>o&apos;neil@example.org</LoginName>"),
            "{doc}"
        );
        assert!(doc.contains("<Type>IMAP</Type>\n        <Server>mail.example.org</Server>\n        <Port>993</Port>"), "{doc}");
        assert!(doc.contains("<Port>143</Port>"), "{doc}");
        assert!(doc.contains("<Type>SMTP</Type>"), "{doc}");
        assert_eq!(doc.matches("<Protocol>").count(), 4, "{doc}");
    }
}
