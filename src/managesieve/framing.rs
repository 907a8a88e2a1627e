//! Command framing for ManageSieve (RFC 5804 §1.2, §4): a command is one or more lines, where a
//! line may end with a literal announcement `{n+}` (or the synchronizing form `{n}`, which some
//! clients send; ManageSieve has no continuation request, so both are read straight on) followed
//! by `n` octets and the rest of the command.
//!
//! Sans-I/O: the session [`feed`](Framer::feed)s bytes as they arrive and calls
//! [`next_frame`](Framer::next_frame) until it returns `Ok(None)` (more input needed).
//!
//! Bounds: the command text (everything but literal octets) is limited to `max_line`; the
//! literal octets of one command to `max_literal` (the largest script plus some slack). A command
//! over either bound is read to its end without being kept and comes out as
//! [`Frame::Oversized`], so the session can refuse it and go on. Literal octets that are dropped
//! that way are counted; past `max_skip` in one command the client is not a ManageSieve client
//! in good faith and [`next_frame`](Framer::next_frame) fails, after which the session says BYE.

/// How many bytes of a skipped line are kept to find a literal announcement at its end.
const TAIL: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete command, its lines and literal octets exactly as received.
    Command(Vec<u8>),
    /// A command read to its end but not kept.
    Oversized(Oversize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oversize {
    /// The command text was longer than `max_line`.
    Line,
    /// A literal of this many octets went past `max_literal`.
    Literal(u64),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("literal of {size} octets is too large to be read")]
pub struct TooLarge {
    pub size: u64,
}

#[derive(Debug)]
enum State {
    /// Reading command text up to the next LF.
    Line,
    /// Reading `remaining` literal octets (kept unless the command is oversized).
    Literal { remaining: u64 },
    /// Skipping the rest of an over-long line; `tail` holds its last bytes.
    SkipLine { tail: Vec<u8> },
}

/// Assembles complete ManageSieve commands from a byte stream.
#[derive(Debug)]
pub struct Framer {
    input: Vec<u8>,
    command: Vec<u8>,
    /// Bytes of command text (not literal octets) in the current command.
    text_len: usize,
    /// Literal octets kept in the current command.
    literal_len: u64,
    /// Literal octets dropped in the current command.
    skipped: u64,
    oversize: Option<Oversize>,
    state: State,
    max_line: usize,
    max_literal: u64,
    max_skip: u64,
}

impl Framer {
    pub fn new(max_line: usize, max_literal: u64, max_skip: u64) -> Self {
        Framer {
            input: Vec::new(),
            command: Vec::new(),
            text_len: 0,
            literal_len: 0,
            skipped: 0,
            oversize: None,
            state: State::Line,
            max_line,
            max_literal,
            max_skip,
        }
    }

    pub fn feed(&mut self, data: &[u8]) {
        self.input.extend_from_slice(data);
    }

    /// Drops everything buffered (after STARTTLS, where pipelined plaintext must not survive
    /// the upgrade, RFC 5804 §2.2) and starts afresh.
    pub fn take_buffered(&mut self) -> Vec<u8> {
        self.reset();
        std::mem::take(&mut self.input)
    }

    fn reset(&mut self) {
        self.command.clear();
        self.text_len = 0;
        self.literal_len = 0;
        self.skipped = 0;
        self.oversize = None;
        self.state = State::Line;
    }

    /// The next complete command, `Ok(None)` when more input is needed.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, TooLarge> {
        loop {
            match &mut self.state {
                State::Literal { remaining } => {
                    let n = usize::try_from(*remaining)
                        .unwrap_or(usize::MAX)
                        .min(self.input.len());
                    if self.oversize.is_none() {
                        self.command.extend(self.input.drain(..n));
                    } else {
                        self.input.drain(..n);
                    }
                    *remaining -= n as u64;
                    if *remaining > 0 {
                        return Ok(None);
                    }
                    self.state = State::Line;
                }
                State::SkipLine { tail } => {
                    let Some(i) = memchr(&self.input, b'\n') else {
                        keep_tail(tail, &self.input);
                        self.input.clear();
                        return Ok(None);
                    };
                    keep_tail(tail, &self.input[..=i]);
                    self.input.drain(..=i);
                    let announced = literal_announcement(tail);
                    if let Some(frame) = self.end_of_line(announced)? {
                        return Ok(Some(frame));
                    }
                }
                State::Line => {
                    let Some(i) = memchr(&self.input, b'\n') else {
                        if self.text_len + self.input.len() > self.max_line {
                            self.too_long();
                            let mut tail = Vec::new();
                            keep_tail(&mut tail, &self.input);
                            self.input.clear();
                            self.state = State::SkipLine { tail };
                        }
                        return Ok(None);
                    };
                    if self.text_len + i + 1 > self.max_line {
                        self.too_long();
                        let mut tail = Vec::new();
                        keep_tail(&mut tail, &self.input[..=i]);
                        self.input.drain(..=i);
                        let announced = literal_announcement(&tail);
                        if let Some(frame) = self.end_of_line(announced)? {
                            return Ok(Some(frame));
                        }
                        continue;
                    }
                    let line: Vec<u8> = self.input.drain(..=i).collect();
                    self.text_len += line.len();
                    let announced = literal_announcement(&line);
                    if self.oversize.is_none() {
                        self.command.extend_from_slice(&line);
                    }
                    if let Some(frame) = self.end_of_line(announced)? {
                        return Ok(Some(frame));
                    }
                }
            }
        }
    }

    fn too_long(&mut self) {
        if self.oversize.is_none() {
            self.oversize = Some(Oversize::Line);
        }
        self.command.clear();
    }

    /// A line of the command ended: either a literal follows, or the command is complete.
    fn end_of_line(&mut self, announced: Option<u64>) -> Result<Option<Frame>, TooLarge> {
        let Some(size) = announced else {
            let frame = match self.oversize {
                None => Frame::Command(std::mem::take(&mut self.command)),
                Some(o) => Frame::Oversized(o),
            };
            self.reset();
            return Ok(Some(frame));
        };
        if self.oversize.is_none() && self.literal_len.saturating_add(size) <= self.max_literal {
            self.literal_len += size;
        } else {
            if self.oversize.is_none() {
                self.oversize = Some(Oversize::Literal(size));
                self.command.clear();
            }
            self.skipped = self.skipped.saturating_add(size);
            if self.skipped > self.max_skip {
                self.reset();
                self.input.clear();
                return Err(TooLarge { size });
            }
        }
        self.state = State::Literal { remaining: size };
        Ok(None)
    }
}

fn memchr(buf: &[u8], c: u8) -> Option<usize> {
    buf.iter().position(|&b| b == c)
}

fn keep_tail(tail: &mut Vec<u8>, more: &[u8]) {
    tail.extend_from_slice(&more[more.len().saturating_sub(TAIL)..]);
    if tail.len() > TAIL {
        tail.drain(..tail.len() - TAIL);
    }
}

/// If `line` (ending in LF) ends with `{n}` or `{n+}` before its line break, `n`.
pub(super) fn literal_announcement(line: &[u8]) -> Option<u64> {
    let line = line.strip_suffix(b"\n")?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_suffix(b"}")?;
    let line = line.strip_suffix(b"+").unwrap_or(line);
    let open = line.iter().rposition(|&c| c == b'{')?;
    let digits = &line[open + 1..];
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framer() -> Framer {
        Framer::new(64, 100, 1000)
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
}
