//! ARC sealing (RFC 8617 §5.1) of mail we forward: the next hop cannot verify SPF for the
//! original sender any more (and may see DKIM broken), so we attest what our checks found. The
//! set is one ARC-Authentication-Results (our results), ARC-Message-Signature and ARC-Seal,
//! signed by the forwarding domain's DKIM key. The results are computed again here, on the
//! message as it is forwarded: mail-auth's results type cannot be kept across the pipeline, and
//! the resolver's cache answers the repeated lookups.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mail_auth::arc::ArcSealer;
use mail_auth::common::crypto::{RsaKey, Sha256};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::spf::verify::SpfParameters;
use mail_auth::{AuthenticatedMessage, AuthenticationResults};

use super::{AuthError, Inbound, SenderAuth};
use crate::store::DkimKey;

/// Header fields the ARC-Message-Signature covers (as for DKIM, plus the DKIM signatures).
const SEALED_HEADERS: &[&str] = &[
    "From",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "Reply-To",
    "In-Reply-To",
    "References",
    "MIME-Version",
    "Content-Type",
    "DKIM-Signature",
];

impl SenderAuth {
    /// The ARC set (header fields with CRLFs) for `msg.raw`, forwarded by `domain` with `key`
    /// (RSA). An error when the message cannot be sealed: an incoming chain that already failed
    /// (mail-auth refuses to extend it, RFC 8617 §5.1.2), or an unusable key.
    pub async fn arc_seal(
        &self,
        key: &DkimKey,
        domain: &str,
        msg: &Inbound<'_>,
    ) -> Result<String, AuthError> {
        if key.algorithm != "rsa" {
            return Err(AuthError::Key(format!(
                "ARC sealing of {domain} needs an RSA key"
            )));
        }
        let auth = self.authenticator();
        let host = self.hostname();
        let parsed = AuthenticatedMessage::parse(msg.raw)
            .ok_or_else(|| AuthError::Key("message cannot be parsed for ARC".into()))?;
        let spf = if msg.mail_from.is_empty() {
            auth.verify_spf(SpfParameters::verify_ehlo(msg.client_ip, msg.helo, host))
                .await
        } else {
            auth.verify_spf(SpfParameters::verify_mail_from(
                msg.client_ip,
                msg.helo,
                host,
                msg.mail_from,
            ))
            .await
        };
        let dkim = auth.verify_dkim(&parsed).await;
        let arc = auth.verify_arc(&parsed).await;
        let mut results = AuthenticationResults::new(host)
            .with_dkim_results(&dkim, parsed.from.first().map_or("", String::as_str));
        results = if msg.mail_from.is_empty() {
            results.with_spf_ehlo_result(&spf, msg.client_ip, msg.helo)
        } else {
            results.with_spf_mailfrom_result(&spf, msg.client_ip, msg.mail_from, msg.helo)
        };
        if !parsed.as_headers.is_empty() {
            results = results.with_arc_result(&arc, msg.client_ip);
        }
        let der = STANDARD
            .decode(&key.private_key)
            .map_err(|e| AuthError::Key(format!("DKIM key of {domain}: {e}")))?;
        let rsa =
            RsaKey::<Sha256>::from_key_der(rustls_pki_types::PrivateKeyDer::Pkcs1(der.into()))
                .map_err(|e| AuthError::Key(format!("DKIM key of {domain}: {e}")))?;
        let set = ArcSealer::from_key(rsa)
            .domain(domain)
            .selector(&key.selector)
            .headers(SEALED_HEADERS.iter().copied())
            .seal(&parsed, &results, &arc)
            .map_err(|e| AuthError::Key(format!("cannot ARC-seal: {e}")))?;
        Ok(set.to_header())
    }
}
