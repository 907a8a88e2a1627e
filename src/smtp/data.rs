//! The DATA body reader (RFC 5321 §4.1.1.4, §4.5.2), without I/O: feed it bytes as they arrive.
//!
//! Own code instead of `smtp_proto::DataReceiver`: that receiver ends correctly only at
//! CRLF.CRLF, but it keeps bare CR/LF as they are, and has no size or line-length limit; both
//! limits must be enforced while reading so that an oversized body never sits in memory.
//!
//! Choices:
//! - End of data is only `CRLF . CRLF` with real CRLF pairs, the initial line start counting as
//!   after a CRLF. `LF . LF`, `LF . CRLF`, `CRLF . LF`, `CR . CR` end nothing ("SMTP smuggling":
//!   a server that ended there would read the rest as new commands of a forged transaction).
//! - RFC 5321 §2.3.8 forbids bare CR and bare LF in SMTP text, and RFC 5322 §2.3 in messages.
//!   Rejecting them outright breaks real (if sloppy) senders, so both are normalised to CRLF:
//!   the stored message then has only CRLF line ends, and nothing downstream (our own outbound
//!   relay, another MTA, a client) can interpret a leftover bare CR/LF as a line end differently
//!   from us.
//! - Dot-unstuffing (§4.5.2) applies at the start of lines that follow a real CRLF: a leading
//!   `.` followed by any byte other than CR or LF is removed. A `.` that is the whole line but
//!   ended by a bare CR or LF is kept as data.
//! - Line length (§4.5.3.1.6) is counted on the wire, stuffing dot included, without the CRLF.
//!   The bound is `limits.max_line_length`, by default far above the RFC's 998 (see config.rs):
//!   real mail has longer lines, and memory is bounded by the message size anyway.
//!
//! The same reader takes BDAT chunks (RFC 3030, [`DataReader::new_chunked`]): no dot
//! transparency and no end marker (chunk sizes frame the data), the same normalisation and
//! limits, so that a message stores the same whichever way it came.

use super::spool::MessageBuffer;

/// How reading a body ended.
#[derive(Debug, PartialEq, Eq)]
pub enum DataOutcome {
    /// The unstuffed message with CRLF line endings.
    Message(Vec<u8>),
    /// More than the size limit (the rest was read and discarded).
    TooBig,
    /// A line longer than the line limit (the rest was read and discarded).
    LineTooLong,
    /// The message could not be spooled to disk (see `spool.rs`).
    SpoolFailed(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a line that followed a real CRLF (or the start of the body).
    LineStart,
    /// Saw `.` at a line start.
    Dot,
    /// Saw `.` CR at a line start.
    DotCr,
    /// Inside a line.
    Mid,
    /// Saw a CR that may start a CRLF.
    Cr,
}

pub struct DataReader {
    /// DATA (dot transparency and end marker) rather than BDAT chunks.
    dot_transparency: bool,
    max_size: u64,
    max_line: usize,
    state: State,
    out: MessageBuffer,
    size: u64,
    line_len: usize,
    too_big: bool,
    line_too_long: bool,
    done: bool,
}

impl DataReader {
    /// A reader for DATA.
    pub fn new(max_size: u64, max_line: usize) -> DataReader {
        DataReader {
            dot_transparency: true,
            max_size,
            max_line,
            state: State::LineStart,
            out: MessageBuffer::memory(),
            size: 0,
            line_len: 0,
            too_big: false,
            line_too_long: false,
            done: false,
        }
    }

    /// Keeps the message in `buffer` (in memory within a budget, else on disk).
    pub fn with_buffer(mut self, buffer: MessageBuffer) -> DataReader {
        self.out = buffer;
        self
    }

    /// A reader for BDAT chunks: feed each chunk with [`DataReader::feed_chunk`].
    pub fn new_chunked(max_size: u64, max_line: usize) -> DataReader {
        DataReader {
            dot_transparency: false,
            ..DataReader::new(max_size, max_line)
        }
    }

    /// Octets of message so far (after normalisation, which never shrinks it), counted on
    /// across BDAT chunks.
    pub fn received(&self) -> u64 {
        self.size
    }

    /// True once a limit was exceeded: the rest is only being discarded.
    pub fn failed(&self) -> bool {
        self.too_big || self.line_too_long
    }

    fn emit(&mut self, bytes: &[u8]) {
        self.size += bytes.len() as u64;
        if self.size > self.max_size {
            self.too_big = true;
            self.out.clear();
        }
        if !self.failed() {
            self.out.extend(bytes);
        }
    }

    /// Counts `n` octets of line content (on the wire).
    fn count_line(&mut self, n: usize) {
        self.line_len += n;
        if self.line_len > self.max_line && !self.line_too_long {
            self.line_too_long = true;
            self.out.clear();
        }
    }

    fn line_break(&mut self) {
        self.emit(b"\r\n");
        self.line_len = 0;
    }

    /// Consumes input. Returns `Some(n)` when the end-of-data marker was found after `n` bytes of
    /// `input` (the rest belongs to the next command); `None` when all of `input` was consumed.
    pub fn feed(&mut self, input: &[u8]) -> Option<usize> {
        let mut i = 0;
        while i < input.len() {
            if self.done {
                return Some(i);
            }
            let b = input[i];
            match self.state {
                State::LineStart => match b {
                    b'.' if self.dot_transparency => {
                        self.count_line(1);
                        self.state = State::Dot;
                        i += 1;
                    }
                    _ => self.state = State::Mid, // reprocess b
                },
                State::Dot => match b {
                    b'\r' => {
                        self.state = State::DotCr;
                        i += 1;
                    }
                    b'\n' => {
                        // `.` LF: not the end (smuggling); the dot is the line's data.
                        self.emit(b".");
                        self.state = State::Mid; // reprocess the bare LF
                    }
                    _ => {
                        // Stuffed dot: drop it, the rest of the line is data.
                        self.state = State::Mid;
                    }
                },
                State::DotCr => {
                    if b == b'\n' {
                        self.done = true;
                        i += 1;
                        return Some(i);
                    }
                    // `.` CR x: the CR is bare; keep the dot, normalise the CR.
                    self.emit(b".");
                    self.line_break();
                    self.state = State::Mid; // reprocess b
                }
                State::Mid => {
                    // Copy the run of ordinary bytes at once.
                    let rest = &input[i..];
                    let run = rest
                        .iter()
                        .position(|&c| c == b'\r' || c == b'\n')
                        .unwrap_or(rest.len());
                    if run > 0 {
                        self.count_line(run);
                        // The usual line, ended by CRLF: its octets and the CRLF in one copy
                        // (the same as the run, then `Cr` and the line break, one at a time).
                        if rest.get(run..run + 2) == Some(b"\r\n".as_slice()) {
                            self.emit(rest.get(..run + 2).unwrap_or(rest));
                            self.line_len = 0;
                            self.state = State::LineStart;
                            i += run + 2;
                        } else {
                            self.emit(&rest[..run]);
                            i += run;
                        }
                        continue;
                    }
                    i += 1;
                    if b == b'\r' {
                        self.state = State::Cr;
                    } else {
                        // Bare LF: a line break, but not one after which `.` is special.
                        self.line_break();
                    }
                }
                State::Cr => {
                    if b == b'\n' {
                        self.line_break();
                        self.state = State::LineStart;
                        i += 1;
                    } else {
                        // Bare CR: normalised to a line break; reprocess b inside the new line.
                        self.line_break();
                        self.state = State::Mid;
                    }
                }
            }
        }
        if self.done { Some(i) } else { None }
    }

    /// Consumes one BDAT chunk (or part of one).
    pub fn feed_chunk(&mut self, input: &[u8]) {
        // Without dot transparency no end marker exists: all input is consumed.
        let _ = self.feed(input);
    }

    /// The outcome; for DATA call once `feed` returned `Some`, for BDAT after the LAST chunk.
    pub fn finish(self) -> DataOutcome {
        match self.finish_with_head() {
            (DataOutcome::Message(mut m), head) if head > 0 => {
                m.drain(..head);
                DataOutcome::Message(m)
            }
            (outcome, _) => outcome,
        }
    }

    /// [`DataReader::finish`] for a buffer made [`MessageBuffer::with_head`]: a
    /// `Message` holds the head's octets (the number returned), then the message.
    pub fn finish_with_head(mut self) -> (DataOutcome, usize) {
        if self.state == State::Cr {
            // A BDAT message ending in a bare CR: normalised like any other.
            self.line_break();
        }
        if self.too_big {
            (DataOutcome::TooBig, 0)
        } else if self.line_too_long {
            (DataOutcome::LineTooLong, 0)
        } else {
            match self.out.into_vec_with_head() {
                Ok((message, head)) => (DataOutcome::Message(message), head),
                Err(e) => (DataOutcome::SpoolFailed(e.to_string()), 0),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `chunks` one at a time; returns the outcome and the bytes left after the marker.
    fn read(chunks: &[&[u8]], max_size: u64, max_line: usize) -> Option<(DataOutcome, Vec<u8>)> {
        let mut r = DataReader::new(max_size, max_line);
        for (k, chunk) in chunks.iter().enumerate() {
            if let Some(n) = r.feed(chunk) {
                let mut rest = chunk[n..].to_vec();
                for c in &chunks[k + 1..] {
                    rest.extend_from_slice(c);
                }
                return Some((r.finish(), rest));
            }
        }
        None
    }

    fn message(chunks: &[&[u8]]) -> Vec<u8> {
        match read(chunks, 1 << 20, 998) {
            Some((DataOutcome::Message(m), _)) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn simple_body_and_rest() {
        let (out, rest) = read(&[b"Subject: x\r\n\r\nhello\r\n.\r\nQUIT\r\n"], 1000, 998).unwrap();
        assert_eq!(
            out,
            DataOutcome::Message(b"Subject: x\r\n\r\nhello\r\n".to_vec())
        );
        assert_eq!(rest, b"QUIT\r\n");
    }

    #[test]
    fn empty_body() {
        assert_eq!(message(&[b".\r\n"]), b"");
    }

    #[test]
    fn dot_unstuffing() {
        assert_eq!(
            message(&[b"..hidden\r\n...\r\n.x\r\n.\r\n"]),
            b".hidden\r\n..\r\nx\r\n"
        );
    }

    #[test]
    fn marker_split_across_reads() {
        let chunks: &[&[u8]] = &[b"a\r", b"\n", b".", b"\r", b"\n"];
        assert_eq!(message(chunks), b"a\r\n");
        let chunks: &[&[u8]] = &[b"a\r\n.", b".b\r\n.\r", b"\nNOOP"];
        let (out, rest) = read(chunks, 100, 998).unwrap();
        assert_eq!(out, DataOutcome::Message(b"a\r\n.b\r\n".to_vec()));
        assert_eq!(rest, b"NOOP");
    }

    #[test]
    fn smuggling_variants_do_not_end_data() {
        for evil in [
            &b"x\n.\nMAIL FROM:<a@b>\r\n"[..],
            b"x\n.\r\nMAIL FROM:<a@b>\r\n",
            b"x\r\n.\nMAIL FROM:<a@b>\r\n",
            b"x\r.\rMAIL FROM:<a@b>\r\n",
            b"x\r.\r\nMAIL FROM:<a@b>\r\n",
        ] {
            let mut r = DataReader::new(1000, 998);
            assert_eq!(r.feed(evil), None, "{evil:?} ended the data");
            assert_eq!(r.feed(b".\r\n"), Some(3));
            match r.finish() {
                DataOutcome::Message(m) => {
                    // Normalised: no bare CR or LF survives, the smuggled command is body text.
                    assert!(m.ends_with(b"MAIL FROM:<a@b>\r\n"), "{m:?}");
                    for (k, &c) in m.iter().enumerate() {
                        if c == b'\n' {
                            assert_eq!(m[k - 1], b'\r');
                        }
                        if c == b'\r' {
                            assert_eq!(m.get(k + 1), Some(&b'\n'));
                        }
                    }
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn bare_lf_and_cr_normalised() {
        assert_eq!(message(&[b"a\nb\rc\r\r\n.\r\n"]), b"a\r\nb\r\nc\r\n\r\n");
        // `.` after a bare LF is data, not stuffing.
        assert_eq!(message(&[b"a\n.b\r\n.\r\n"]), b"a\r\n.b\r\n");
    }

    #[test]
    fn size_limit_reads_to_end() {
        let mut body = vec![b'x'; 50];
        body.extend_from_slice(b"\r\n");
        let chunks: Vec<&[u8]> = vec![&body, &body, &body, b".\r\nNOOP\r\n"];
        let (out, rest) = read(&chunks, 100, 998).unwrap();
        assert_eq!(out, DataOutcome::TooBig);
        assert_eq!(rest, b"NOOP\r\n");
        // Exactly at the limit is fine.
        let (out, _) = read(&[&body[..], b".\r\n"], 52, 998).unwrap();
        assert!(matches!(out, DataOutcome::Message(_)));
    }

    #[test]
    fn chunked_has_no_transparency_and_normalises_across_chunks() {
        let mut r = DataReader::new_chunked(1000, 998);
        r.feed_chunk(b"..a\r");
        r.feed_chunk(b"\n.\r\nb\nc\r");
        assert_eq!(
            r.finish(),
            DataOutcome::Message(b"..a\r\n.\r\nb\r\nc\r\n".to_vec())
        );
        let mut r = DataReader::new_chunked(10, 998);
        r.feed_chunk(b"0123456789");
        assert!(!r.failed());
        r.feed_chunk(b"x");
        assert!(r.failed());
        assert_eq!(r.finish(), DataOutcome::TooBig);
    }

    #[test]
    fn long_line_reads_to_end() {
        let long = vec![b'y'; 1200];
        let chunks: Vec<&[u8]> = vec![b"ok\r\n", &long, b"\r\n.\r\nQUIT\r\n"];
        let (out, rest) = read(&chunks, 1 << 20, 998).unwrap();
        assert_eq!(out, DataOutcome::LineTooLong);
        assert_eq!(rest, b"QUIT\r\n");
        // 998 octets is allowed (the stuffing dot counts, as it is on the wire).
        let line = vec![b'z'; 998];
        assert!(matches!(
            read(&[&line[..], b"\r\n.\r\n"], 1 << 20, 998),
            Some((DataOutcome::Message(_), _))
        ));
        let mut stuffed = vec![b'.'];
        stuffed.extend_from_slice(&line);
        assert!(matches!(
            read(&[&stuffed[..], b"\r\n.\r\n"], 1 << 20, 998),
            Some((DataOutcome::LineTooLong, _))
        ));
    }
}
