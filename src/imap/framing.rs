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
//! Bounds: the command text (everything but literal bytes) and each literal are limited by
//! `limits.max_imap_command`, except literals of APPEND, limited by `limits.max_message_size`.

use super::parser::peek_tag;

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

#[derive(Debug)]
enum State {
    /// Reading command text up to the next LF.
    Line,
    /// Reading `remaining` literal bytes.
    Literal { remaining: usize },
    /// Skipping the rest of an over-long line.
    Discard,
}

/// Assembles complete IMAP commands from a byte stream.
#[derive(Debug)]
pub struct CommandFramer {
    /// Bytes received and not yet consumed.
    input: Vec<u8>,
    /// The command being assembled.
    command: Vec<u8>,
    /// Bytes of command text (not literal data) in `command`.
    text_len: usize,
    state: State,
    max_command: usize,
    max_append_literal: u64,
}

impl CommandFramer {
    /// `max_command` is `limits.max_imap_command`; `max_append_literal` is
    /// `limits.max_message_size`.
    pub fn new(max_command: usize, max_append_literal: u64) -> Self {
        CommandFramer {
            input: Vec::new(),
            command: Vec::new(),
            text_len: 0,
            state: State::Line,
            max_command,
            max_append_literal,
        }
    }

    /// Append received bytes.
    pub fn feed(&mut self, data: &[u8]) {
        self.input.extend_from_slice(data);
    }

    /// True when no partial command is buffered (useful to detect EOF in mid-command).
    pub fn is_idle(&self) -> bool {
        self.command.is_empty() && self.input.is_empty() && matches!(self.state, State::Line)
    }

    /// Take raw buffered bytes that are not part of a command (e.g. after STARTTLS, where any
    /// pipelined plaintext must be discarded, RFC 9051 §11.1), resetting the framer.
    pub fn take_buffered(&mut self) -> Vec<u8> {
        self.command.clear();
        self.text_len = 0;
        self.state = State::Line;
        std::mem::take(&mut self.input)
    }

    /// Read one bare line (AUTHENTICATE responses, IDLE's DONE), bounded by `max_command`.
    /// These lines never carry literals.
    pub fn next_line(&mut self) -> Result<Option<Vec<u8>>, FramingError> {
        if !self.command.is_empty() || !matches!(self.state, State::Line) {
            // Mid-command: finish it through next_frame first.
            return Ok(None);
        }
        match memchr(&self.input, b'\n') {
            Some(i) => {
                let line: Vec<u8> = self.input.drain(..=i).collect();
                if line.len() > self.max_command {
                    return Err(FramingError::LineTooLong { tag: None });
                }
                Ok(Some(line))
            }
            None if self.input.len() > self.max_command => {
                self.input.clear();
                self.state = State::Discard;
                Err(FramingError::LineTooLong { tag: None })
            }
            None => Ok(None),
        }
    }

    /// Produce the next frame, `Ok(None)` if more input is needed.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FramingError> {
        loop {
            match self.state {
                State::Discard => match memchr(&self.input, b'\n') {
                    Some(i) => {
                        self.input.drain(..=i);
                        self.state = State::Line;
                    }
                    None => {
                        self.input.clear();
                        return Ok(None);
                    }
                },
                State::Literal { remaining } => {
                    let n = remaining.min(self.input.len());
                    self.command.extend(self.input.drain(..n));
                    if n < remaining {
                        self.state = State::Literal {
                            remaining: remaining - n,
                        };
                        return Ok(None);
                    }
                    self.state = State::Line;
                }
                State::Line => {
                    let Some(i) = memchr(&self.input, b'\n') else {
                        if self.text_len + self.input.len() > self.max_command {
                            let tag = self.tag_of_partial();
                            self.reset();
                            self.input.clear();
                            self.state = State::Discard;
                            return Err(FramingError::LineTooLong { tag });
                        }
                        return Ok(None);
                    };
                    if self.text_len + i + 1 > self.max_command {
                        let tag = self.tag_of_partial();
                        self.reset();
                        self.input.drain(..=i);
                        return Err(FramingError::LineTooLong { tag });
                    }
                    self.command.extend(self.input.drain(..=i));
                    self.text_len += i + 1;
                    match literal_announcement(&self.command) {
                        None => {
                            self.text_len = 0;
                            return Ok(Some(Frame::Command(std::mem::take(&mut self.command))));
                        }
                        Some((size, non_sync)) => {
                            let limit = if self.is_append() {
                                self.max_append_literal
                            } else {
                                self.max_command as u64
                            };
                            if size > limit {
                                let tag = self.tag_of_partial();
                                self.reset();
                                return Err(FramingError::LiteralTooLarge {
                                    tag,
                                    size,
                                    fatal: non_sync,
                                });
                            }
                            // `size <= limit`, which fits in memory by configuration.
                            let remaining = usize::try_from(size).unwrap_or(usize::MAX);
                            self.state = State::Literal { remaining };
                            if !non_sync {
                                return Ok(Some(Frame::Continuation));
                            }
                        }
                    }
                }
            }
        }
    }

    fn reset(&mut self) {
        self.command.clear();
        self.text_len = 0;
        self.state = State::Line;
    }

    fn tag_of_partial(&self) -> Option<String> {
        if self.command.is_empty() {
            peek_tag(&self.input)
        } else {
            peek_tag(&self.command)
        }
    }

    /// Is the command being assembled an APPEND (`tag SP APPEND SP ...`)?
    fn is_append(&self) -> bool {
        let mut words = self.command.splitn(3, |&c| c == b' ');
        words.next();
        words
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case(b"APPEND"))
    }
}

fn memchr(buf: &[u8], c: u8) -> Option<usize> {
    buf.iter().position(|&b| b == c)
}

/// If `line` (which ends in LF) ends with `{n}` / `{n+}` before its CRLF, return `(n, is_non_sync)`.
fn literal_announcement(line: &[u8]) -> Option<(u64, bool)> {
    let line = line.strip_suffix(b"\n")?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_suffix(b"}")?;
    let (line, non_sync) = match line.strip_suffix(b"+") {
        Some(l) => (l, true),
        None => (line, false),
    };
    let open = line.iter().rposition(|&c| c == b'{')?;
    let digits = &line[open + 1..];
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some((n, non_sync))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framer() -> CommandFramer {
        CommandFramer::new(1024, 10_000)
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

        f.feed(b"b APPEND INBOX {10001}\r\nc NOOP\r\n");
        assert_eq!(
            f.next_frame(),
            Err(FramingError::LiteralTooLarge {
                tag: Some("b".into()),
                size: 10001,
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
        assert_eq!(
            f.next_frame(),
            Err(FramingError::LineTooLong {
                tag: Some("e".into())
            })
        );
        f.feed(b"AAAA\r\nf NOOP\r\n");
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
}
