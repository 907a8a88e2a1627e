//! One literal framer for every protocol that sends commands as lines with `{n}` / `{n+}`
//! literals: IMAP (RFC 9051 §4.3, RFC 7888 LITERAL+ / LITERAL-) and ManageSieve (RFC 5804 §4,
//! the same literal syntax).
//!
//! Sans-I/O: the session [`feed`](LiteralFramer::feed)s bytes as they arrive and calls
//! [`next_frame`](LiteralFramer::next_frame) until it returns `Ok(None)` (more input needed).
//!
//! Bounds, all per command:
//! - the command text (everything but literal octets) is at most `max_line` octets;
//! - the sum of all its literals is at most `max_literals`, or `max_upload` for the protocol's
//!   upload command (IMAP APPEND), and at most `max_literals_before_login` until the session
//!   says the client has logged in: an unauthenticated client needs literals only for its
//!   credentials, so it cannot make the server buffer large ones.
//!
//! Over a bound, what can be done depends on who is sending:
//! - a synchronising literal `{n}` in a dialect with continuation requests (IMAP): the client
//!   waits for `+` and sends nothing more of this command, so the command is refused
//!   ([`Frame::Refused`]) and the session goes on;
//! - otherwise the octets are already on their way. Once logged in, up to `max_skip` of them are
//!   read without being kept and the command is refused at its end; before login, or past
//!   `max_skip`, [`next_frame`](LiteralFramer::next_frame) fails with [`Fatal`]: the session says
//!   BYE and closes at once, buffering nothing (RFC 7888 §4).
//!
//! An over-long line is skipped to its end without being kept (only its last bytes, to see
//! whether it announces a literal) and the command is refused.

/// How many bytes of a skipped line are kept to find a literal announcement at its end.
const TAIL: usize = 32;
/// How many bytes of a command's first line are kept for the session to name it in a refusal
/// (an IMAP tag); a longer tag is not echoed at all.
pub const HEAD: usize = 80;

/// What differs between protocols.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    /// A synchronising literal `{n}` waits for a continuation request (IMAP, RFC 9051 §7.5).
    /// Without them (ManageSieve) both forms are read straight on.
    pub continuation: bool,
    /// The command whose literals may reach `max_upload`: the index of its name among the
    /// space-separated words of the first line, and the name (case-insensitive).
    pub upload: Option<(usize, &'static str)>,
}

/// IMAP: continuation requests for `{n}`; APPEND (`tag APPEND ...`) uploads a message.
pub const IMAP: Dialect = Dialect {
    continuation: true,
    upload: Some((1, "APPEND")),
};

/// ManageSieve: no continuation requests; every command has the same literal bound.
pub const MANAGESIEVE: Dialect = Dialect {
    continuation: false,
    upload: None,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiteralLimits {
    /// Command text per command, literal octets excluded.
    pub max_line: usize,
    /// Literal octets per command, all literals together.
    pub max_literals: u64,
    /// Literal octets per upload command (see [`Dialect::upload`]).
    pub max_upload: u64,
    /// Literal octets per command before the client has logged in.
    pub max_literals_before_login: u64,
    /// Literal octets of a refused command read and dropped (after login) before the
    /// connection is given up instead. 0: never skip, an over-bound literal is fatal.
    pub max_skip: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete command, its lines and literal octets exactly as received.
    Command(Vec<u8>),
    /// A synchronising literal was accepted: send a continuation request now (IMAP).
    Continuation,
    /// A command refused as a whole; the session answers it and goes on.
    Refused(Refusal),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The first bytes of the command's first line (at most [`HEAD`]), to find its tag.
    pub head: Vec<u8>,
    pub reason: Oversize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oversize {
    /// The command text was longer than `max_line`.
    Line,
    /// A literal of this many octets went past the literal bound.
    Literal(u64),
}

/// A literal the client is sending that will not be read: say BYE and close.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("literal of {size} octets is too large to be read")]
pub struct Fatal {
    /// The first bytes of the command's first line (at most [`HEAD`]).
    pub head: Vec<u8>,
    pub size: u64,
}

/// A bare line over `max_line` (see [`LiteralFramer::next_line`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("line too long")]
pub struct LineTooLong;

#[derive(Debug)]
enum State {
    /// Reading command text up to the next LF.
    Line,
    /// Reading `remaining` literal octets (kept unless the command is oversized).
    Literal { remaining: u64 },
    /// Skipping the rest of an over-long command line; `tail` holds its last bytes.
    SkipLine { tail: Vec<u8> },
    /// Skipping the rest of an over-long bare line, silently (already reported).
    Discard,
}

/// Assembles complete commands from a byte stream; see the module documentation.
#[derive(Debug)]
pub struct LiteralFramer {
    dialect: Dialect,
    limits: LiteralLimits,
    logged_in: bool,
    input: Vec<u8>,
    command: Vec<u8>,
    /// The first bytes of the current command's first line.
    head: Vec<u8>,
    /// Still inside the current command's first line.
    first_line: bool,
    /// Bytes of command text (not literal octets) in the current command.
    text_len: usize,
    /// Literal octets accepted in the current command.
    literal_len: u64,
    /// Literal octets dropped in the current command.
    skipped: u64,
    oversize: Option<Oversize>,
    state: State,
}

impl LiteralFramer {
    pub fn new(dialect: Dialect, limits: LiteralLimits) -> Self {
        LiteralFramer {
            dialect,
            limits,
            logged_in: false,
            input: Vec::new(),
            command: Vec::new(),
            head: Vec::new(),
            first_line: true,
            text_len: 0,
            literal_len: 0,
            skipped: 0,
            oversize: None,
            state: State::Line,
        }
    }

    /// The session tells the framer whether the client is logged in: the pre-login literal
    /// bound applies until it is (and again after a ManageSieve UNAUTHENTICATE).
    pub fn set_logged_in(&mut self, logged_in: bool) {
        self.logged_in = logged_in;
    }

    pub fn feed(&mut self, data: &[u8]) {
        self.input.extend_from_slice(data);
    }

    /// True when no partial command is buffered.
    pub fn is_idle(&self) -> bool {
        self.command.is_empty()
            && self.input.is_empty()
            && self.text_len == 0
            && matches!(self.state, State::Line)
    }

    /// Drops everything buffered (after STARTTLS, where pipelined plaintext must not survive
    /// the upgrade: RFC 9051 §11.1, RFC 5804 §2.2) and starts afresh; returns what was dropped.
    pub fn take_buffered(&mut self) -> Vec<u8> {
        self.reset();
        std::mem::take(&mut self.input)
    }

    fn reset(&mut self) {
        self.command.clear();
        self.head.clear();
        self.first_line = true;
        self.text_len = 0;
        self.literal_len = 0;
        self.skipped = 0;
        self.oversize = None;
        self.state = State::Line;
    }

    /// One bare line (an IMAP AUTHENTICATE response, IDLE's DONE), which never carries
    /// literals, bounded by `max_line`. `Ok(None)` when more input is needed or a command is
    /// being assembled. An over-long line is reported once and skipped to its end.
    pub fn next_line(&mut self) -> Result<Option<Vec<u8>>, LineTooLong> {
        if let State::Discard = self.state {
            match memchr(&self.input, b'\n') {
                Some(i) => {
                    self.input.drain(..=i);
                    self.state = State::Line;
                }
                None => {
                    self.input.clear();
                    return Ok(None);
                }
            }
        }
        if !self.command.is_empty() || self.text_len > 0 || !matches!(self.state, State::Line) {
            return Ok(None);
        }
        match memchr(&self.input, b'\n') {
            Some(i) => {
                let line: Vec<u8> = self.input.drain(..=i).collect();
                if line.len() > self.limits.max_line {
                    return Err(LineTooLong);
                }
                Ok(Some(line))
            }
            None if self.input.len() > self.limits.max_line => {
                self.input.clear();
                self.state = State::Discard;
                Err(LineTooLong)
            }
            None => Ok(None),
        }
    }

    /// The next frame, `Ok(None)` when more input is needed.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, Fatal> {
        loop {
            match &mut self.state {
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
                    let n = usize::try_from(*remaining)
                        .unwrap_or(usize::MAX)
                        .min(self.input.len());
                    *remaining -= n as u64;
                    let done = *remaining == 0;
                    if self.oversize.is_none() {
                        self.command.extend(self.input.drain(..n));
                    } else {
                        self.input.drain(..n);
                    }
                    if !done {
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
                    let announced = literal_announcement(tail);
                    self.input.drain(..=i);
                    if let Some(frame) = self.end_of_line(announced)? {
                        return Ok(Some(frame));
                    }
                }
                State::Line => {
                    let end = memchr(&self.input, b'\n');
                    let available = end.map_or(self.input.len(), |i| i + 1);
                    self.note_head(available);
                    let Some(i) = end else {
                        if self.text_len + self.input.len() > self.limits.max_line {
                            self.too_long();
                            let mut tail = Vec::new();
                            keep_tail(&mut tail, &self.input);
                            self.input.clear();
                            self.state = State::SkipLine { tail };
                        }
                        return Ok(None);
                    };
                    self.first_line = false;
                    if self.text_len + i + 1 > self.limits.max_line {
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
                    self.text_len += i + 1;
                    let announced = literal_announcement(&self.input[..=i]);
                    if self.oversize.is_none() {
                        self.command.extend(self.input.drain(..=i));
                    } else {
                        self.input.drain(..=i);
                    }
                    if let Some(frame) = self.end_of_line(announced)? {
                        return Ok(Some(frame));
                    }
                }
            }
        }
    }

    /// Keeps the first bytes of the command's first line (its tag, for the session). Until its
    /// LF arrives the first line is all still in `input`, so its head is `input`'s first bytes.
    fn note_head(&mut self, available: usize) {
        if self.first_line && self.head.len() < HEAD {
            let n = available.min(HEAD).min(self.input.len());
            self.head.clear();
            self.head.extend_from_slice(&self.input[..n]);
        }
    }

    fn too_long(&mut self) {
        if self.oversize.is_none() {
            self.oversize = Some(Oversize::Line);
        }
        self.command = Vec::new();
        self.first_line = false;
    }

    fn budget(&self) -> u64 {
        let upload = self.dialect.upload.is_some_and(|(index, name)| {
            self.head
                .split(|&c| c == b' ')
                .nth(index)
                .is_some_and(|w| w.eq_ignore_ascii_case(name.as_bytes()))
        });
        let budget = if upload {
            self.limits.max_upload
        } else {
            self.limits.max_literals
        };
        if self.logged_in {
            budget
        } else {
            budget.min(self.limits.max_literals_before_login)
        }
    }

    /// A line of the command ended: either a literal follows, or the command is complete.
    fn end_of_line(&mut self, announced: Option<(u64, bool)>) -> Result<Option<Frame>, Fatal> {
        let Some((size, non_sync)) = announced else {
            let frame = match self.oversize {
                None => Frame::Command(std::mem::take(&mut self.command)),
                Some(reason) => Frame::Refused(Refusal {
                    head: std::mem::take(&mut self.head),
                    reason,
                }),
            };
            self.reset();
            return Ok(Some(frame));
        };
        let waits_for_continuation = self.dialect.continuation && !non_sync;
        if self.oversize.is_none() && self.literal_len.saturating_add(size) <= self.budget() {
            self.literal_len += size;
            self.state = State::Literal { remaining: size };
            return Ok(waits_for_continuation.then_some(Frame::Continuation));
        }
        let reason = *self.oversize.get_or_insert(Oversize::Literal(size));
        if waits_for_continuation {
            // The client sends nothing more of this command until it sees `+`.
            let head = std::mem::take(&mut self.head);
            self.reset();
            return Ok(Some(Frame::Refused(Refusal { head, reason })));
        }
        // The octets are coming. Before login nothing of the kind is read (RFC 7888 §4).
        self.command = Vec::new();
        self.skipped = self.skipped.saturating_add(size);
        if !self.logged_in || self.skipped > self.limits.max_skip {
            let head = std::mem::take(&mut self.head);
            self.reset();
            self.input = Vec::new();
            return Err(Fatal { head, size });
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

/// If `line` (ending in LF) ends with `{n}` or `{n+}` before its line break, `(n, is_non_sync)`.
/// A number too large for 64 bits is no announcement (the line is then an ordinary one, which
/// the protocol parser refuses).
pub fn literal_announcement(line: &[u8]) -> Option<(u64, bool)> {
    let line = line.strip_suffix(b"\n")?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_suffix(b"}")?;
    let (line, non_sync) = match line.strip_suffix(b"+") {
        Some(l) => (l, true),
        None => (line, false),
    };
    let open = line.iter().rposition(|&c| c == b'{')?;
    let digits = line.get(open + 1..)?;
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some((n, non_sync))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: LiteralLimits = LiteralLimits {
        max_line: 200,
        max_literals: 1000,
        max_upload: 5000,
        max_literals_before_login: 100,
        max_skip: 2000,
    };

    fn frames(f: &mut LiteralFramer, input: &[u8]) -> Vec<Result<Frame, Fatal>> {
        f.feed(input);
        let mut out = Vec::new();
        loop {
            match f.next_frame() {
                Ok(None) => return out,
                Ok(Some(frame)) => out.push(Ok(frame)),
                Err(e) => {
                    out.push(Err(e));
                    return out;
                }
            }
        }
    }

    fn refused(head: &[u8], reason: Oversize) -> Result<Frame, Fatal> {
        Ok(Frame::Refused(Refusal {
            head: head.to_vec(),
            reason,
        }))
    }

    /// (case, dialect, logged in, input, frames expected).
    type Case = (
        &'static str,
        Dialect,
        bool,
        Vec<u8>,
        Vec<Result<Frame, Fatal>>,
    );

    #[test]
    fn caps_per_dialect() {
        let l = |n| vec![b'L'; n];
        let cmd = |parts: &[&[u8]]| Ok(Frame::Command(parts.concat()));
        let cases: Vec<Case> = vec![
            (
                "IMAP before login: under the cap",
                IMAP,
                false,
                [b"a X {60+}\r\n", &l(60)[..], b"\r\n"].concat(),
                vec![cmd(&[b"a X {60+}\r\n", &l(60), b"\r\n"])],
            ),
            (
                "IMAP before login: the total of two literals is over it",
                IMAP,
                false,
                [b"a X {60+}\r\n", &l(60)[..], b" {60+}\r\n"].concat(),
                vec![Err(Fatal {
                    head: b"a X {60+}\r\n".to_vec(),
                    size: 60,
                })],
            ),
            (
                "IMAP before login: a synchronising one is refused and the session goes on",
                IMAP,
                false,
                b"a APPEND x {101}\r\nb Y\r\n".to_vec(),
                vec![
                    refused(b"a APPEND x {101}\r\n", Oversize::Literal(101)),
                    cmd(&[b"b Y\r\n"]),
                ],
            ),
            (
                "IMAP logged in: upload command has the larger bound",
                IMAP,
                true,
                [b"a append x {4000}\r\n", &l(4000)[..], b"\r\n"].concat(),
                vec![
                    Ok(Frame::Continuation),
                    cmd(&[b"a append x {4000}\r\n", &l(4000), b"\r\n"]),
                ],
            ),
            (
                "IMAP logged in: other commands the smaller one, over all literals",
                IMAP,
                true,
                [b"a X {600+}\r\n", &l(600)[..], b" {600}\r\n"].concat(),
                vec![refused(b"a X {600+}\r\n", Oversize::Literal(600))],
            ),
            (
                "ManageSieve before login: nothing over the cap is read",
                MANAGESIEVE,
                false,
                b"PUTSCRIPT \"a\" {101}\r\n".to_vec(),
                vec![Err(Fatal {
                    head: b"PUTSCRIPT \"a\" {101}\r\n".to_vec(),
                    size: 101,
                })],
            ),
            (
                "ManageSieve logged in: skipped up to max_skip, refused at the end",
                MANAGESIEVE,
                true,
                [b"X {1500}\r\n", &l(1500)[..], b"\r\nNOOP\r\n"].concat(),
                vec![
                    refused(b"X {1500}\r\n", Oversize::Literal(1500)),
                    cmd(&[b"NOOP\r\n"]),
                ],
            ),
            (
                "over-long line: only its head is kept",
                IMAP,
                true,
                [&l(300)[..], b"\r\nb Y\r\n"].concat(),
                vec![refused(&l(HEAD), Oversize::Line), cmd(&[b"b Y\r\n"])],
            ),
        ];
        for (case, dialect, logged_in, input, want) in cases {
            let mut f = LiteralFramer::new(dialect, LIMITS);
            f.set_logged_in(logged_in);
            assert_eq!(frames(&mut f, &input), want, "{case}");
        }
    }
}
