//! Command framing for ManageSieve (RFC 5804 §1.2, §4): a command is one or more lines, where a
//! line may end with a literal announcement `{n+}` (or the synchronizing form `{n}`, which some
//! clients send; ManageSieve has no continuation request, so both are read straight on) followed
//! by `n` octets and the rest of the command.
//!
//! Sans-I/O: the session [`feed`](Framer::feed)s bytes as they arrive and calls
//! [`next_frame`](Framer::next_frame) until it returns `Ok(None)` (more input needed).
//!
//! The framing itself is the session kit's ([`crate::session::literal`]), shared with IMAP.
//! Bounds: the command text (everything but literal octets) is limited to `max_line`; the
//! literal octets of one command to `max_literal` (the largest script plus some slack), and to
//! `max_before_login` before login. A command over either bound is read to its end without being
//! kept and comes out as [`Frame::Oversized`], so the session can refuse it and go on. Literal
//! octets that are dropped that way are counted; past `max_skip` in one command, or at all
//! before login, the client is not a ManageSieve client in good faith and
//! [`next_frame`](Framer::next_frame) fails, after which the session says BYE.

use crate::session::literal::{self, LiteralFramer, LiteralLimits, MANAGESIEVE};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete command, its lines and literal octets exactly as received.
    Command(Vec<u8>),
    /// A command read to its end but not kept.
    Oversized(Oversize),
}

pub use crate::session::literal::Oversize;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("literal of {size} octets is too large to be read")]
pub struct TooLarge {
    pub size: u64,
}

/// Assembles complete ManageSieve commands from a byte stream.
#[derive(Debug)]
pub struct Framer {
    inner: LiteralFramer,
}

impl Framer {
    /// `max_before_login` bounds the literals of a command before login (SASL responses); a
    /// literal over it closes the connection, since the client is already sending it.
    pub fn new(max_line: usize, max_literal: u64, max_skip: u64, max_before_login: u64) -> Self {
        let limits = LiteralLimits {
            max_line,
            max_literals: max_literal,
            max_upload: max_literal,
            max_literals_before_login: max_before_login,
            max_skip,
        };
        Framer {
            inner: LiteralFramer::new(MANAGESIEVE, limits),
        }
    }

    /// Lifts the pre-login literal bound once the client has logged in (and restores it after
    /// UNAUTHENTICATE).
    pub fn set_logged_in(&mut self, logged_in: bool) {
        self.inner.set_logged_in(logged_in);
    }

    pub fn feed(&mut self, data: &[u8]) {
        self.inner.feed(data);
    }

    /// Drops everything buffered (after STARTTLS, where pipelined plaintext must not survive
    /// the upgrade, RFC 5804 §2.2) and starts afresh.
    pub fn take_buffered(&mut self) -> Vec<u8> {
        self.inner.take_buffered()
    }

    /// The next complete command, `Ok(None)` when more input is needed.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, TooLarge> {
        match self.inner.next_frame() {
            Ok(None) => Ok(None),
            Ok(Some(literal::Frame::Command(c))) => Ok(Some(Frame::Command(c))),
            Ok(Some(literal::Frame::Refused(r))) => Ok(Some(Frame::Oversized(r.reason))),
            // No continuation requests in this dialect: never produced.
            Ok(Some(literal::Frame::Continuation)) => Ok(None),
            Err(f) => Err(TooLarge { size: f.size }),
        }
    }
}

/// If `line` (ending in LF) ends with `{n}` or `{n+}` before its line break, `n`.
#[cfg(test)]
pub(super) fn literal_announcement(line: &[u8]) -> Option<u64> {
    literal::literal_announcement(line).map(|(n, _)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A logged-in client's framer.
    fn framer() -> Framer {
        let mut f = Framer::new(64, 100, 1000, 50);
        f.set_logged_in(true);
        f
    }

    fn command(f: &mut Framer) -> Vec<u8> {
        match f.next_frame() {
            Ok(Some(Frame::Command(c))) => c,
            other => panic!("expected a command, got {other:?}"),
        }
    }

    #[test]
    fn lines_and_pipelining() {
        let mut f = framer();
        f.feed(b"NOOP\r\nLISTSCR");
        assert_eq!(command(&mut f), b"NOOP\r\n");
        assert_eq!(f.next_frame(), Ok(None));
        f.feed(b"IPTS\nLOGOUT\r\n");
        assert_eq!(command(&mut f), b"LISTSCRIPTS\n");
        assert_eq!(command(&mut f), b"LOGOUT\r\n");
        assert_eq!(f.next_frame(), Ok(None));
    }

    #[test]
    fn literals_in_pieces_both_forms() {
        let mut f = framer();
        f.feed(b"PUTSCRIPT {3+}\r\nabc {7}\r\nkee");
        assert_eq!(f.next_frame(), Ok(None));
        f.feed(b"p;\r\n");
        assert_eq!(f.next_frame(), Ok(None));
        f.feed(b"\r\nNOOP\r\n");
        assert_eq!(
            command(&mut f),
            b"PUTSCRIPT {3+}\r\nabc {7}\r\nkeep;\r\n\r\n"
        );
        assert_eq!(command(&mut f), b"NOOP\r\n");
    }

    #[test]
    fn a_literal_may_contain_what_looks_like_an_announcement() {
        let mut f = framer();
        f.feed(b"CHECKSCRIPT {8+}\r\nx {99+}\n\r\nNOOP\r\n");
        assert_eq!(command(&mut f), b"CHECKSCRIPT {8+}\r\nx {99+}\n\r\n");
        assert_eq!(command(&mut f), b"NOOP\r\n");
    }

    #[test]
    fn oversized_literal_is_skipped_and_reported() {
        let mut f = framer();
        f.feed(b"PUTSCRIPT \"a\" {150+}\r\n");
        f.feed(&[b'x'; 150]);
        f.feed(b"\r\nNOOP\r\n");
        assert_eq!(
            f.next_frame(),
            Ok(Some(Frame::Oversized(Oversize::Literal(150))))
        );
        assert_eq!(command(&mut f), b"NOOP\r\n");
        // Two literals that fit alone but not together.
        f.feed(b"X {60+}\r\n");
        f.feed(&[b'y'; 60]);
        f.feed(b" {60+}\r\n");
        f.feed(&[b'z'; 60]);
        f.feed(b"\r\n");
        assert_eq!(
            f.next_frame(),
            Ok(Some(Frame::Oversized(Oversize::Literal(60))))
        );
        assert_eq!(f.next_frame(), Ok(None));
    }

    #[test]
    fn too_much_to_skip_is_fatal() {
        let mut f = framer();
        f.feed(b"PUTSCRIPT \"a\" {5000+}\r\n");
        assert_eq!(f.next_frame(), Err(TooLarge { size: 5000 }));
    }

    #[test]
    fn long_lines_are_skipped_even_when_they_announce_a_literal() {
        let mut f = framer();
        let mut long = b"PUTSCRIPT \"".to_vec();
        long.extend([b'n'; 100]);
        f.feed(&long);
        assert_eq!(f.next_frame(), Ok(None));
        f.feed(b"\" {4+}\r\nkeep\r\nNOOP\r\n");
        assert_eq!(f.next_frame(), Ok(Some(Frame::Oversized(Oversize::Line))));
        assert_eq!(command(&mut f), b"NOOP\r\n");
        // The same, arriving whole.
        let mut whole = long.clone();
        whole.extend(b"\" {4+}\r\nkeep\r\nNOOP\r\n");
        f.feed(&whole);
        assert_eq!(f.next_frame(), Ok(Some(Frame::Oversized(Oversize::Line))));
        assert_eq!(command(&mut f), b"NOOP\r\n");
    }

    #[test]
    fn starttls_drops_pipelined_input() {
        let mut f = framer();
        f.feed(b"STARTTLS\r\nAUTHENTICATE \"PLAIN\" {10+}\r\nab");
        assert_eq!(command(&mut f), b"STARTTLS\r\n");
        assert_eq!(f.take_buffered(), b"AUTHENTICATE \"PLAIN\" {10+}\r\nab");
        f.feed(b"NOOP\r\n");
        assert_eq!(command(&mut f), b"NOOP\r\n");
    }

    #[test]
    fn announcements() {
        assert_eq!(literal_announcement(b"PUTSCRIPT \"a\" {12+}\r\n"), Some(12));
        assert_eq!(literal_announcement(b"X {0}\n"), Some(0));
        assert_eq!(literal_announcement(b"X {}\r\n"), None);
        assert_eq!(literal_announcement(b"X {1a}\r\n"), None);
        assert_eq!(literal_announcement(b"X 12}\r\n"), None);
        assert_eq!(literal_announcement(b"X {12+}"), None);
        assert_eq!(literal_announcement(b"X {99999999999999999999}\r\n"), None);
    }

    #[test]
    fn before_login_only_small_literals() {
        let mut f = Framer::new(64, 100, 1000, 50);
        // A SASL response fits.
        f.feed(b"AUTHENTICATE \"PLAIN\" {8+}\r\nAGEAc2Vj\r\n");
        assert_eq!(
            command(&mut f),
            b"AUTHENTICATE \"PLAIN\" {8+}\r\nAGEAc2Vj\r\n"
        );
        // Over the pre-login bound: not skipped, the connection ends (the octets are coming).
        f.feed(b"PUTSCRIPT \"a\" {60+}\r\n");
        assert_eq!(f.next_frame(), Err(TooLarge { size: 60 }));
        // All literals of a command count together.
        let mut f = Framer::new(64, 100, 1000, 50);
        f.feed(b"X {30+}\r\n");
        f.feed(&[b'a'; 30]);
        f.feed(b" {30+}\r\n");
        assert_eq!(f.next_frame(), Err(TooLarge { size: 30 }));
        // After login the same command is read; after UNAUTHENTICATE the bound is back.
        let mut f = Framer::new(64, 100, 1000, 50);
        f.set_logged_in(true);
        f.feed(b"X {60+}\r\n");
        f.feed(&[b'a'; 60]);
        f.feed(b"\r\n");
        assert!(matches!(f.next_frame(), Ok(Some(Frame::Command(_)))));
        f.set_logged_in(false);
        f.feed(b"X {60+}\r\n");
        assert_eq!(f.next_frame(), Err(TooLarge { size: 60 }));
    }
}
