//! SASL PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login), decoded once for every
//! protocol. Sans-I/O: a protocol reads the client's responses in its own framing (an SMTP line,
//! an IMAP line, a ManageSieve string), feeds the base64 text to [`Exchange::step`], and sends
//! the returned challenge or failure in its own words.
//!
//! One semantics everywhere: `*` cancels (RFC 4954 §4, RFC 9051 §6.2.2, RFC 5804 §2.1); `=` is an
//! empty response (RFC 4959); an authorization identity is accepted only when empty or equal
//! (ignoring case) to the authentication identity, since nobody may act for someone else here;
//! every part must be valid UTF-8 (RFC 4616 §2, no lossy conversion); authcid and password must
//! not be empty.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

/// Why an exchange ended without credentials. Each protocol maps these to its own reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SaslError {
    /// The client sent `*`.
    #[error("authentication cancelled")]
    Cancelled,
    #[error("invalid base64")]
    Base64,
    /// Wrong number of NUL separators, or an empty authcid or password.
    #[error("malformed SASL message")]
    Malformed,
    #[error("invalid UTF-8 in the SASL message")]
    Utf8,
    /// The authorization identity names someone else: an authorization failure, not a syntax error.
    #[error("cannot act as another user")]
    Authzid,
}

impl SaslError {
    /// Client syntax errors (as opposed to a cancel or a refused identity).
    pub fn is_syntax(self) -> bool {
        matches!(
            self,
            SaslError::Base64 | SaslError::Malformed | SaslError::Utf8
        )
    }
}

/// The mechanisms this server offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    Plain,
    Login,
}

impl Mechanism {
    /// Mechanism names are case-insensitive (RFC 4422 §3.1).
    pub fn from_name(name: &str) -> Option<Mechanism> {
        if name.eq_ignore_ascii_case("PLAIN") {
            Some(Mechanism::Plain)
        } else if name.eq_ignore_ascii_case("LOGIN") {
            Some(Mechanism::Login)
        } else {
            None
        }
    }
}

/// What the client proved it knows; the directory checks it.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub authcid: String,
    pub password: String,
}

// Never print a password, not even in a debug log.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("authcid", &self.authcid)
            .finish_non_exhaustive()
    }
}

/// The next thing to send, or the end of the exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send this challenge, base64-encoded as [`Step::encoded`] gives it, and read one response.
    Challenge(&'static str),
    Done(Credentials),
}

impl Step {
    /// The challenge in base64, as SMTP `334`, IMAP `+` and ManageSieve strings carry it.
    pub fn encoded(challenge: &str) -> String {
        BASE64.encode(challenge)
    }
}

/// One SASL exchange, from the mechanism name to the credentials.
#[derive(Debug)]
pub struct Exchange {
    mechanism: Mechanism,
    /// LOGIN: the username once received.
    username: Option<String>,
}

impl Exchange {
    pub fn new(mechanism: Mechanism) -> Exchange {
        Exchange {
            mechanism,
            username: None,
        }
    }

    /// Starts the exchange. `initial` is the initial response (RFC 4954 §4, RFC 4959, RFC 5804
    /// §2.1) as sent, still base64; `None` when the client sent none.
    pub fn start(&mut self, initial: Option<&[u8]>) -> Result<Step, SaslError> {
        match initial {
            Some(text) => self.respond(text),
            None => Ok(match self.mechanism {
                // An empty challenge; the client answers with its PLAIN message.
                Mechanism::Plain => Step::Challenge(""),
                Mechanism::Login => Step::Challenge("Username:"),
            }),
        }
    }

    /// One client response (base64 text; surrounding whitespace and CRLF are ignored).
    pub fn respond(&mut self, text: &[u8]) -> Result<Step, SaslError> {
        let payload = decode_response(text)?;
        match self.mechanism {
            Mechanism::Plain => decode_plain(&payload).map(Step::Done),
            Mechanism::Login => {
                let value = String::from_utf8(payload).map_err(|_| SaslError::Utf8)?;
                if value.is_empty() || value.contains('\0') {
                    return Err(SaslError::Malformed);
                }
                match self.username.take() {
                    None => {
                        self.username = Some(value);
                        Ok(Step::Challenge("Password:"))
                    }
                    Some(authcid) => Ok(Step::Done(Credentials {
                        authcid,
                        password: value,
                    })),
                }
            }
        }
    }
}

/// One base64 response: `*` is a cancel, `=` (or nothing) the empty response.
pub fn decode_response(text: &[u8]) -> Result<Vec<u8>, SaslError> {
    let text = text.trim_ascii();
    if text == b"*" {
        return Err(SaslError::Cancelled);
    }
    if text.is_empty() || text == b"=" {
        return Ok(Vec::new());
    }
    BASE64.decode(text).map_err(|_| SaslError::Base64)
}

/// A decoded PLAIN message (RFC 4616 §2): `[authzid] NUL authcid NUL passwd`.
pub fn decode_plain(payload: &[u8]) -> Result<Credentials, SaslError> {
    let mut parts = payload.split(|&b| b == 0);
    let (Some(authzid), Some(authcid), Some(passwd), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(SaslError::Malformed);
    };
    let utf8 = |b: &[u8]| std::str::from_utf8(b).map(str::to_string);
    let (Ok(authzid), Ok(authcid), Ok(password)) = (utf8(authzid), utf8(authcid), utf8(passwd))
    else {
        return Err(SaslError::Utf8);
    };
    if authcid.is_empty() || password.is_empty() {
        return Err(SaslError::Malformed);
    }
    if !authzid.is_empty() && authzid.to_lowercase() != authcid.to_lowercase() {
        return Err(SaslError::Authzid);
    }
    Ok(Credentials { authcid, password })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(raw: &[u8]) -> Result<Step, SaslError> {
        Exchange::new(Mechanism::Plain).start(Some(BASE64.encode(raw).as_bytes()))
    }

    fn done(user: &str, pass: &str) -> Result<Step, SaslError> {
        Ok(Step::Done(Credentials {
            authcid: user.into(),
            password: pass.into(),
        }))
    }

    #[test]
    fn plain_messages() {
        assert_eq!(plain(b"\0alice\0secret"), done("alice", "secret"));
        assert_eq!(plain(b"Alice\0alice\0secret"), done("alice", "secret"));
        assert_eq!(plain(b"bob\0alice\0secret"), Err(SaslError::Authzid));
        assert_eq!(plain(b"\0alice\0sec\0ret"), Err(SaslError::Malformed));
        assert_eq!(plain(b"alice\0secret"), Err(SaslError::Malformed));
        assert_eq!(plain(b"\0\0secret"), Err(SaslError::Malformed));
        assert_eq!(plain(b"\0alice\0"), Err(SaslError::Malformed));
        assert_eq!(plain(b"\0al\xffice\0secret"), Err(SaslError::Utf8));
        assert_eq!(plain(b"\xff\0alice\0secret"), Err(SaslError::Utf8));
        assert_eq!(plain(b"\0alice\0s\xc3"), Err(SaslError::Utf8));
        let mut x = Exchange::new(Mechanism::Plain);
        assert_eq!(x.start(Some(b"!!!")), Err(SaslError::Base64));
        assert_eq!(x.start(Some(b"=")), Err(SaslError::Malformed));
    }

    #[test]
    fn plain_with_a_challenge() {
        let mut x = Exchange::new(Mechanism::Plain);
        assert_eq!(x.start(None), Ok(Step::Challenge("")));
        assert_eq!(x.respond(b"*\r\n"), Err(SaslError::Cancelled));
        let line = format!("{}\r\n", BASE64.encode(b"\0alice\0secret"));
        assert_eq!(x.respond(line.as_bytes()), done("alice", "secret"));
    }

    #[test]
    fn login_exchange() {
        let mut x = Exchange::new(Mechanism::Login);
        assert_eq!(x.start(None), Ok(Step::Challenge("Username:")));
        assert_eq!(
            x.respond(BASE64.encode("alice").as_bytes()),
            Ok(Step::Challenge("Password:"))
        );
        assert_eq!(
            x.respond(BASE64.encode("pw").as_bytes()),
            done("alice", "pw")
        );

        let mut x = Exchange::new(Mechanism::Login);
        assert_eq!(
            x.start(Some(BASE64.encode("alice").as_bytes())),
            Ok(Step::Challenge("Password:"))
        );
        assert_eq!(x.respond(b"="), Err(SaslError::Malformed));
        let mut x = Exchange::new(Mechanism::Login);
        assert_eq!(
            x.start(Some(BASE64.encode(b"\xffx").as_bytes())),
            Err(SaslError::Utf8)
        );
        assert_eq!(Mechanism::from_name("login"), Some(Mechanism::Login));
        assert_eq!(Mechanism::from_name("CRAM-MD5"), None);
    }
}
