//! Command framing (RFC 9051 §2.2, §4.3; RFC 7888 LITERAL+ / LITERAL-).
//!
//! Sans-I/O: the session [`feed`](CommandFramer::feed)s bytes as they arrive and calls
//! [`next_frame`](CommandFramer::next_frame) until it returns `Ok(None)` (need more input).
//! A command line ending in a synchronizing literal `{n}` yields
//! [`Frame::Continuation`]: the session must send `+ ...` before the client sends the literal
//! bytes. Non-synchronizing literals `{n+}` are read straight on. A complete command (lines and
//! literal bytes, exactly as received) comes out as [`Frame::Command`], ready for
//! [`crate::imap::parser::parse_command`].
//!
//! The framing itself is the session kit's ([`crate::session::literal`]); this module gives it
//! IMAP's bounds and replies. Bounds per command: the command text (everything but literal
//! bytes) is at most `limits.max_imap_command`; all its literals together at most
//! `limits.max_imap_command` too, except APPEND's, at most `limits.max_message_size` plus
//! `max_imap_command` (the mailbox name may be a literal as well); before login, at most
//! `limits.max_literal_before_login` (LOGIN credentials need no more).

use super::parser::peek_tag;
use crate::session::literal::{self, IMAP, LiteralFramer, LiteralLimits, Oversize};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete command, ending in CRLF, with its literals inline.
    Command(Vec<u8>),
    /// Send a continuation request (`+ Ready for literal data`) now; the literal follows.
    Continuation,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FramingError {
    /// A command line exceeded the limit. The framer skips to the end of that line; the session
    /// answers `TAG BAD` (or `* BAD`) and may go on.
    #[error("Command line too long")]
    LineTooLong { tag: Option<String> },
    /// A literal announced more bytes than allowed. For a synchronizing literal the client sends
    /// nothing more for this command (answer `TAG NO [TOOBIG]` / BAD and go on). For a
    /// non-synchronizing one the bytes are already coming: `fatal` is set and the session should
    /// answer `* BYE` and close (RFC 7888 §4).
    #[error("Literal too large")]
    LiteralTooLarge {
        tag: Option<String>,
        size: u64,
        fatal: bool,
    },
}

/// The longest tag echoed in a refusal; a longer one is answered with `*` (an 80 KB tag on an
/// over-long line must not come back to the client).
const MAX_TAG: usize = 64;

/// Assembles complete IMAP commands from a byte stream.
#[derive(Debug)]
pub struct CommandFramer {
    inner: LiteralFramer,
}

impl CommandFramer {
    /// `max_command` is `limits.max_imap_command`; `max_message_size` bounds APPEND;
    /// `max_before_login` is `limits.max_literal_before_login`.
    pub fn new(max_command: usize, max_message_size: u64, max_before_login: u64) -> Self {
        let limits = LiteralLimits {
            max_line: max_command,
            max_literals: max_command as u64,
            max_upload: max_message_size.saturating_add(max_command as u64),
            max_literals_before_login: max_before_login,
            // A LITERAL+ literal over the bound ends the session (RFC 7888 §4 allows either).
            max_skip: 0,
        };
        CommandFramer {
            inner: LiteralFramer::new(IMAP, limits),
        }
    }

    /// Lifts the pre-login literal bound once the client has logged in.
    pub fn set_logged_in(&mut self, logged_in: bool) {
        self.inner.set_logged_in(logged_in);
    }

    /// Append received bytes.
    pub fn feed(&mut self, data: &[u8]) {
        self.inner.feed(data);
    }

    /// True when no partial command is buffered (useful to detect EOF in mid-command).
    pub fn is_idle(&self) -> bool {
        self.inner.is_idle()
    }

    /// Take raw buffered bytes that are not part of a command (e.g. after STARTTLS, where any
    /// pipelined plaintext must be discarded, RFC 9051 §11.1), resetting the framer.
    pub fn take_buffered(&mut self) -> Vec<u8> {
        self.inner.take_buffered()
    }

    /// Read one bare line (AUTHENTICATE responses, IDLE's DONE), bounded by `max_command`.
    /// These lines never carry literals.
    pub fn next_line(&mut self) -> Result<Option<Vec<u8>>, FramingError> {
        self.inner
            .next_line()
            .map_err(|_| FramingError::LineTooLong { tag: None })
    }

    /// Produce the next frame, `Ok(None)` if more input is needed.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FramingError> {
        match self.inner.next_frame() {
            Ok(None) => Ok(None),
            Ok(Some(literal::Frame::Command(c))) => Ok(Some(Frame::Command(c))),
            Ok(Some(literal::Frame::Continuation)) => Ok(Some(Frame::Continuation)),
            Ok(Some(literal::Frame::Refused(r))) => Err(match r.reason {
                Oversize::Line => FramingError::LineTooLong {
                    tag: tag_of(&r.head),
                },
                Oversize::Literal(size) => FramingError::LiteralTooLarge {
                    tag: tag_of(&r.head),
                    size,
                    fatal: false,
                },
            }),
            Err(f) => Err(FramingError::LiteralTooLarge {
                tag: tag_of(&f.head),
                size: f.size,
                fatal: true,
            }),
        }
    }
}

/// The tag at the start of a command, if it is a valid tag of at most [`MAX_TAG`] octets.
fn tag_of(head: &[u8]) -> Option<String> {
    let end = head
        .iter()
        .position(|&c| matches!(c, b' ' | b'\r' | b'\n'))?;
    if end > MAX_TAG {
        return None;
    }
    peek_tag(head.get(..=end)?)
}

#[cfg(test)]
fn literal_announcement(line: &[u8]) -> Option<(u64, bool)> {
    literal::literal_announcement(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A logged-in client's framer: commands up to 1024 octets, messages up to 10,000.
    fn framer() -> CommandFramer {
        let mut f = CommandFramer::new(1024, 10_000, 100);
        f.set_logged_in(true);
        f
    }

    #[test]
    fn plain_commands_and_pipelining() {
        let mut f = framer();
        f.feed(b"a NOOP\r\nb CAPA");
        assert_eq!(
            f.next_frame().unwrap(),
            Some(Frame::Command(b"a NOOP\r\n".to_vec()))
        );
        assert_eq!(f.next_frame().unwrap(), None);
        f.feed(b"BILITY\r\n");
        assert_eq!(
            f.next_frame().unwrap(),
            Some(Frame::Command(b"b CAPABILITY\r\n".to_vec()))
        );
        assert!(f.is_idle());
    }

    #[test]
    fn synchronizing_literal() {
        let mut f = framer();
        f.feed(b"a LOGIN {4}\r\n");
        assert_eq!(f.next_frame().unwrap(), Some(Frame::Continuation));
        assert_eq!(f.next_frame().unwrap(), None);
        f.feed(b"fr");
        assert_eq!(f.next_frame().unwrap(), None);
        f.feed(b"ed {2}\r\n");
        assert_eq!(f.next_frame().unwrap(), Some(Frame::Continuation));
        f.feed(b"pw\r\n");
        let Some(Frame::Command(cmd)) = f.next_frame().unwrap() else {
            panic!()
        };
        assert_eq!(cmd, b"a LOGIN {4}\r\nfred {2}\r\npw\r\n");
        let parsed = crate::imap::parser::parse_command(&cmd).unwrap();
        assert!(matches!(
            parsed.body,
            crate::imap::command::CommandBody::Login { .. }
        ));
    }

    #[test]
    fn non_sync_literal_and_literal_containing_braces() {
        let mut f = framer();
        f.feed(b"a APPEND INBOX {12+}\r\nx {3}\r\n\r\nabc\r\nb NOOP\r\n");
        let Some(Frame::Command(cmd)) = f.next_frame().unwrap() else {
            panic!()
        };
        assert_eq!(cmd, b"a APPEND INBOX {12+}\r\nx {3}\r\n\r\nabc\r\n");
        assert_eq!(
            f.next_frame().unwrap(),
            Some(Frame::Command(b"b NOOP\r\n".to_vec()))
        );
    }

    #[test]
    fn limits() {
        let mut f = framer();
        // APPEND literal may exceed max_command but not max_message_size.
        f.feed(b"a APPEND INBOX {5000}\r\n");
        assert_eq!(f.next_frame().unwrap(), Some(Frame::Continuation));
        f.feed(&vec![b'x'; 5000]);
        f.feed(b"\r\n");
        assert!(matches!(f.next_frame().unwrap(), Some(Frame::Command(c)) if c.len() > 5000));

        // The bound is the message size plus room for a mailbox name literal.
        f.feed(b"b APPEND INBOX {11025}\r\nc NOOP\r\n");
        assert_eq!(
            f.next_frame(),
            Err(FramingError::LiteralTooLarge {
                tag: Some("b".into()),
                size: 11025,
                fatal: false
            })
        );
        assert_eq!(
            f.next_frame().unwrap(),
            Some(Frame::Command(b"c NOOP\r\n".to_vec()))
        );

        f.feed(b"d LOGIN {2000+}\r\n");
        assert!(matches!(
            f.next_frame(),
            Err(FramingError::LiteralTooLarge { fatal: true, .. })
        ));

        let mut f = framer();
        let mut long = b"e SEARCH ".to_vec();
        long.extend(vec![b'A'; 2000]);
        f.feed(&long);
        // Skipped without being kept; refused once the line ends.
        assert_eq!(f.next_frame(), Ok(None));
        f.feed(b"AAAA\r\nf NOOP\r\n");
        assert_eq!(
            f.next_frame(),
            Err(FramingError::LineTooLong {
                tag: Some("e".into())
            })
        );
        assert_eq!(
            f.next_frame().unwrap(),
            Some(Frame::Command(b"f NOOP\r\n".to_vec()))
        );
        // Over-long line that arrives whole.
        let mut long = b"g SEARCH ".to_vec();
        long.extend(vec![b'A'; 2000]);
        long.extend(b"\r\nh NOOP\r\n");
        f.feed(&long);
        assert!(matches!(
            f.next_frame(),
            Err(FramingError::LineTooLong { .. })
        ));
        assert_eq!(
            f.next_frame().unwrap(),
            Some(Frame::Command(b"h NOOP\r\n".to_vec()))
        );
    }

    #[test]
    fn bare_lines() {
        let mut f = framer();
        f.feed(b"AGZyZWQAc2VjcmV0\r\nDONE\r\n");
        assert_eq!(
            f.next_line().unwrap(),
            Some(b"AGZyZWQAc2VjcmV0\r\n".to_vec())
        );
        assert_eq!(f.next_line().unwrap(), Some(b"DONE\r\n".to_vec()));
        assert_eq!(f.next_line().unwrap(), None);
    }

    #[test]
    fn announcement_detection() {
        assert_eq!(literal_announcement(b"a LOGIN {4}\r\n"), Some((4, false)));
        assert_eq!(literal_announcement(b"a LOGIN {4+}\n"), Some((4, true)));
        assert_eq!(literal_announcement(b"a LOGIN {}\r\n"), None);
        assert_eq!(literal_announcement(b"a LOGIN {x}\r\n"), None);
        assert_eq!(literal_announcement(b"a LOGIN 4}\r\n"), None);
        assert_eq!(
            literal_announcement(b"a X {99999999999999999999}\r\n"),
            None
        );
    }

    #[derive(Debug, PartialEq)]
    enum Want {
        Cmd(Vec<u8>),
        Cont,
        LineTooLong(Option<&'static str>),
        TooLarge(Option<&'static str>, u64, bool),
    }

    fn x(n: usize) -> Vec<u8> {
        vec![b'x'; n]
    }

    /// Feeds all of `input` at once and collects frames until more input is needed or the
    /// session would close.
    fn run(f: &mut CommandFramer, input: &[u8]) -> Vec<Want> {
        f.feed(input);
        let mut out = Vec::new();
        loop {
            match f.next_frame() {
                Ok(None) => return out,
                Ok(Some(Frame::Command(c))) => out.push(Want::Cmd(c)),
                Ok(Some(Frame::Continuation)) => out.push(Want::Cont),
                Err(FramingError::LineTooLong { tag }) => out.push(Want::LineTooLong(
                    tag.map(|t| &*Box::leak(t.into_boxed_str())),
                )),
                Err(FramingError::LiteralTooLarge { tag, size, fatal }) => {
                    out.push(Want::TooLarge(
                        tag.map(|t| &*Box::leak(t.into_boxed_str())),
                        size,
                        fatal,
                    ));
                    if fatal {
                        return out;
                    }
                }
            }
        }
    }

    fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    /// Literal bounds, data-driven: (case, logged in, input, frames expected).
    #[test]
    fn literal_caps() {
        let login = cat(&[b"a LOGIN {4+}\r\nfred {6}\r\n", b"secret\r\n"]);
        let cases: Vec<(&str, bool, Vec<u8>, Vec<Want>)> = vec![
            (
                "credentials fit the pre-login bound",
                false,
                login.clone(),
                vec![Want::Cont, Want::Cmd(login.clone())],
            ),
            (
                "pre-login: a synchronising literal over the bound is refused politely",
                false,
                b"a APPEND INBOX {101}\r\nb NOOP\r\n".to_vec(),
                vec![
                    Want::TooLarge(Some("a"), 101, false),
                    Want::Cmd(b"b NOOP\r\n".to_vec()),
                ],
            ),
            (
                "pre-login: a LITERAL+ APPEND of 50 MB ends the session at its announcement",
                false,
                cat(&[b"a APPEND INBOX {52428800+}\r\n", &x(5000)]),
                vec![Want::TooLarge(Some("a"), 52428800, true)],
            ),
            (
                "pre-login: the bound is on all literals of the command together",
                false,
                cat(&[b"a LOGIN {60+}\r\n", &x(60), b" {60+}\r\n", &x(60), b"\r\n"]),
                vec![Want::TooLarge(Some("a"), 60, true)],
            ),
            (
                "logged in: APPEND may reach the message size",
                true,
                cat(&[b"a APPEND INBOX {9000+}\r\n", &x(9000), b"\r\n"]),
                vec![Want::Cmd(cat(&[
                    b"a APPEND INBOX {9000+}\r\n",
                    &x(9000),
                    b"\r\n",
                ]))],
            ),
            (
                "logged in: other commands' literals together at most max_command",
                true,
                cat(&[
                    b"a SEARCH TEXT {600+}\r\n",
                    &x(600),
                    b" TEXT {600}\r\nb NOOP\r\n",
                ]),
                vec![
                    Want::TooLarge(Some("a"), 600, false),
                    Want::Cmd(b"b NOOP\r\n".to_vec()),
                ],
            ),
            (
                "logged in: the same with LITERAL+ cannot be refused politely",
                true,
                cat(&[b"a SEARCH TEXT {600+}\r\n", &x(600), b" TEXT {600+}\r\n"]),
                vec![Want::TooLarge(Some("a"), 600, true)],
            ),
            (
                "a huge tag on an over-long line is not echoed",
                true,
                cat(&[&x(80_000), b" NOOP\r\nb NOOP\r\n"]),
                vec![Want::LineTooLong(None), Want::Cmd(b"b NOOP\r\n".to_vec())],
            ),
            (
                "a tag longer than 64 octets is not echoed",
                true,
                cat(&[&x(65), b" SEARCH ", &x(2000), b"\r\n"]),
                vec![Want::LineTooLong(None)],
            ),
            (
                "a short tag is",
                true,
                cat(&[&x(64), b" SEARCH ", &x(2000), b"\r\n"]),
                vec![Want::LineTooLong(Some(
                    &*String::from_utf8(x(64)).unwrap().leak(),
                ))],
            ),
            (
                "an over-long line announcing LITERAL+ ends the session",
                true,
                cat(&[b"c SEARCH ", &x(2000), b" {5+}\r\n"]),
                vec![Want::TooLarge(Some("c"), 5, true)],
            ),
        ];
        for (case, logged_in, input, want) in cases {
            let mut f = CommandFramer::new(1024, 10_000, 100);
            f.set_logged_in(logged_in);
            assert_eq!(run(&mut f, &input), want, "{case}");
            // The same, fed one byte at a time.
            let mut f = CommandFramer::new(1024, 10_000, 100);
            f.set_logged_in(logged_in);
            let mut got = Vec::new();
            for b in &input {
                got.extend(run(&mut f, std::slice::from_ref(b)));
                if matches!(got.last(), Some(Want::TooLarge(_, _, true))) {
                    break;
                }
            }
            assert_eq!(got, want, "{case} (byte by byte)");
        }
    }
}
