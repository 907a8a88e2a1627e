//! Thunderbird autoconfig ("clientConfig" version 1.1): the document Thunderbird fetches from
//! `autoconfig.DOMAIN/mail/config-v1.1.xml?emailaddress=…` or
//! `DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml`.
//! Format: <https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat>.

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::advertise::{Endpoint, Security};
use super::xml::escape;
use super::{AddressQuery, HttpState};

pub async fn handle(
    State(state): State<Arc<HttpState>>,
    Query(query): Query<AddressQuery>,
) -> Response {
    let domains = match query.emailaddress.as_deref() {
        Some(text) => match super::hosted_address(&state, text) {
            Ok(address) => vec![address.domain],
            Err(response) => return response,
        },
        // Without an address (the .well-known form may come without one), every domain we serve.
        None => match super::hosted_domains(&state) {
            Ok(domains) => domains,
            Err(response) => return response,
        },
    };
    let body = document(&state, &domains);
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// The clientConfig for `domains` (the first is the provider's id; `hostname` when none).
pub fn document(state: &HttpState, domains: &[String]) -> String {
    let id = domains.first().unwrap_or(&state.hostname);
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<clientConfig version=\"1.1\">\n");
    let _ = writeln!(x, "  <emailProvider id=\"{}\">", escape(id));
    for d in domains {
        let _ = writeln!(x, "    <domain>{}</domain>", escape(d));
    }
    if domains.is_empty() {
        let _ = writeln!(x, "    <domain>{}</domain>", escape(&state.hostname));
    }
    let _ = writeln!(x, "    <displayName>{}</displayName>", escape(id));
    let _ = writeln!(x, "    <displayShortName>{}</displayShortName>", escape(id));
    let e = &state.endpoints;
    for endpoint in &e.imap {
        server(&mut x, "incomingServer", "imap", endpoint);
    }
    for endpoint in &e.pop3 {
        server(&mut x, "incomingServer", "pop3", endpoint);
    }
    for endpoint in &e.submission {
        server(&mut x, "outgoingServer", "smtp", endpoint);
    }
    x.push_str("  </emailProvider>\n</clientConfig>\n");
    x
}

fn server(x: &mut String, element: &str, kind: &str, e: &Endpoint) {
    let socket = match e.security {
        Security::Implicit => "SSL",
        Security::Starttls => "STARTTLS",
    };
    let _ = write!(
        x,
        "    <{element} type=\"{kind}\">\n      <hostname>{}</hostname>\n      <port>{}</port>\n      \
         <socketType>{socket}</socketType>\n      <authentication>password-cleartext</authentication>\n      \
         <username>%EMAILADDRESS%</username>\n    </{element}>\n",
        escape(&e.host),
        e.port,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::tests::state;

    #[test]
    fn lists_each_service_with_its_socket_type() {
        let (_dir, state) = state();
        let doc = document(&state, &["example.org".to_string()]);
        assert!(doc.contains("<emailProvider id=\"example.org\">"), "{doc}");
        assert!(doc.contains("<incomingServer type=\"imap\">\n      <hostname>mail.example.org</hostname>\n      <port>993</port>\n      <socketType>SSL</socketType>"), "{doc}");
        assert!(doc.contains("<outgoingServer type=\"smtp\">\n      <hostname>mail.example.org</hostname>\n      <port>587</port>\n      <socketType>STARTTLS</socketType>"), "{doc}");
        assert!(doc.contains("<incomingServer type=\"pop3\">"), "{doc}");
        assert!(doc.find("993").unwrap() < doc.find("143").unwrap());
    }
}
