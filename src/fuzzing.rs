//! Entry points for the fuzz targets in `fuzz/` and for their replay test `tests/fuzz_corpus.rs`:
//! both call these functions, so the targets and the tests cannot drift apart. Each takes
//! arbitrary bytes, drives one parser the way its session does, and panics only when an
//! invariant breaks (a parser panicking on its own is the bug being looked for).
//!
//! Stateful parsers (framers, the DATA reader) are fed the input in chunks at points chosen by
//! the input itself (see [`split`]), and the result must not depend on where the chunks break:
//! TCP segments arrive split anywhere.

use std::net::{IpAddr, Ipv4Addr};

/// Splits `data` into a payload and its chunks. If the first byte is below 8 it is a count `n`
/// and the next `n` bytes are chunk lengths (a byte `b` means `b + 1` octets), applied in turn
/// until the payload runs out; otherwise (any text seed) the whole input is one chunk.
pub fn split(data: &[u8]) -> (&[u8], Vec<&[u8]>) {
    let (lens, payload) = match data.first() {
        Some(&n) if n < 8 => {
            let n = usize::from(n).min(data.len() - 1);
            (&data[1..1 + n], &data[1 + n..])
        }
        _ => (&data[..0], data),
    };
    if lens.is_empty() {
        return (payload, vec![payload]);
    }
    let mut chunks = Vec::new();
    let mut rest = payload;
    for &b in lens.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (head, tail) = rest.split_at((usize::from(b) + 1).min(rest.len()));
        chunks.push(head);
        rest = tail;
    }
    (payload, chunks)
}

/// SMTP command lines: the session's line buffer, then the command, BDAT and AUTH parsers on
/// every complete line.
pub fn smtp_command(data: &[u8]) {
    use crate::smtp::wire::{self, InputBuffer, Line};
    let (payload, chunks) = split(data);
    let run = |chunks: &[&[u8]]| {
        let mut input = InputBuffer::new();
        let mut lines = Vec::new();
        for chunk in chunks {
            input.extend(chunk);
            loop {
                match input.next_line(512) {
                    Line::Complete(line) => {
                        assert!(line.len() <= 512, "line over the limit");
                        let parsed = wire::parse_command(&line).map_err(|e| e.reply());
                        let _ = wire::parse_bdat(&line);
                        let _ = wire::is_auth_command(&line);
                        let _ = wire::sanitize(&String::from_utf8_lossy(&line));
                        lines.push((line, format!("{parsed:?}")));
                    }
                    Line::TooLong => lines.push((Vec::new(), "too long".into())),
                    Line::Incomplete => break,
                }
            }
        }
        lines
    };
    assert_eq!(
        run(&chunks),
        run(&[payload]),
        "SMTP lines depend on chunking"
    );
}

/// The DATA and BDAT body reader: the outcome must not depend on how the body was split, and
/// normalisation (bare CR/LF to CRLF) at most doubles it.
pub fn smtp_data(data: &[u8]) {
    use crate::smtp::data::{DataOutcome, DataReader};
    let (payload, chunks) = split(data);
    let run_data = |chunks: &[&[u8]]| {
        let mut reader = DataReader::new(4096, 200);
        let mut consumed = 0;
        for chunk in chunks {
            match reader.feed(chunk) {
                Some(n) => {
                    assert!(n <= chunk.len());
                    return (reader.finish(), consumed + n);
                }
                None => consumed += chunk.len(),
            }
        }
        (DataOutcome::TooBig, usize::MAX) // no end marker: never finished
    };
    let (whole, end) = run_data(&[payload]);
    let (split_outcome, split_end) = run_data(&chunks);
    assert_eq!(whole, split_outcome, "DATA outcome depends on chunking");
    assert_eq!(end, split_end, "DATA end marker depends on chunking");
    if let DataOutcome::Message(m) = &whole {
        assert!(m.len() <= 2 * payload.len() + 2, "DATA output grew");
    }
    let run_bdat = |chunks: &[&[u8]]| {
        let mut reader = DataReader::new_chunked(4096, 200);
        for chunk in chunks {
            reader.feed_chunk(chunk);
        }
        reader.finish()
    };
    let bdat = run_bdat(&chunks);
    assert_eq!(
        bdat,
        run_bdat(&[payload]),
        "BDAT outcome depends on chunking"
    );
    if let DataOutcome::Message(m) = &bdat {
        assert!(m.len() <= 2 * payload.len() + 2, "BDAT output grew");
    }
}

/// The IMAP framer, then the command parser on every framed command. A framer never yields more
/// bytes than it was fed, the commands do not depend on chunking, and parsing is a function of
/// the bytes.
pub fn imap_command(data: &[u8]) {
    use crate::imap::framing::{CommandFramer, Frame, FramingError};
    use crate::imap::parser;
    let (payload, chunks) = split(data);
    let run = |chunks: &[&[u8]]| {
        let mut framer = CommandFramer::new(1024, 4096, 256);
        let mut fed = 0usize;
        let mut yielded = 0usize;
        let mut commands = Vec::new();
        'feed: for chunk in chunks {
            framer.feed(chunk);
            fed += chunk.len();
            loop {
                match framer.next_frame() {
                    Ok(None) => break,
                    Ok(Some(Frame::Continuation)) => {}
                    Ok(Some(Frame::Command(c))) => {
                        yielded += c.len();
                        assert!(yielded <= fed, "framer yielded more than it was fed");
                        let parsed = parser::parse_command(&c);
                        assert_eq!(
                            format!("{parsed:?}"),
                            format!("{:?}", parser::parse_command(&c)),
                            "IMAP parse not deterministic"
                        );
                        let _ = parser::peek_tag(&c);
                        let _ = parser::is_idle_done(&c);
                        // After a first command the client may be logged in: lifts the
                        // pre-login literal bound, as LOGIN does.
                        framer.set_logged_in(true);
                        commands.push(c);
                    }
                    Err(FramingError::LiteralTooLarge { fatal: true, .. }) => break 'feed,
                    Err(_) => {}
                }
            }
        }
        commands
    };
    assert_eq!(
        run(&chunks),
        run(&[payload]),
        "IMAP commands depend on chunking"
    );
    // IMAP's parser also reads dates and flags directly.
    let text = String::from_utf8_lossy(payload);
    let _ = parser::parse_date_time(&text);
    let _ = parser::normalize_flag(&text);
}

/// The ManageSieve framer, then the command, tokenizer and SASL parsers on every command. The
/// commands must not depend on chunking (no continuation requests in this dialect).
pub fn managesieve_command(data: &[u8]) {
    use crate::managesieve::framing::{Frame, Framer};
    use crate::managesieve::parser;
    let (payload, chunks) = split(data);
    let run = |chunks: &[&[u8]]| {
        let mut framer = Framer::new(1024, 4096, 8192, 256);
        let mut fed = 0usize;
        let mut yielded = 0usize;
        let mut out = Vec::new();
        'feed: for chunk in chunks {
            framer.feed(chunk);
            fed += chunk.len();
            loop {
                match framer.next_frame() {
                    Ok(None) => break,
                    Ok(Some(Frame::Command(c))) => {
                        yielded += c.len();
                        assert!(yielded <= fed, "framer yielded more than it was fed");
                        let parsed = parser::parse_command(&c);
                        let _ = parser::tokenize(&c);
                        let _ = parser::parse_sasl_response(&c);
                        framer.set_logged_in(true);
                        out.push(format!("{parsed:?}"));
                    }
                    Ok(Some(Frame::Oversized(o))) => out.push(format!("{o:?}")),
                    Err(_) => break 'feed,
                }
            }
        }
        out
    };
    assert_eq!(
        run(&chunks),
        run(&[payload]),
        "ManageSieve frames depend on chunking"
    );
}

/// POP3 command lines (RFC 1939), each line alone.
pub fn pop3_command(data: &[u8]) {
    for line in data.split_inclusive(|&b| b == b'\n') {
        if let Ok(c) = crate::pop3::command::parse(line) {
            let _ = c.name();
        }
    }
    let _ = crate::pop3::command::parse(data);
}

/// The message view plugins receive, built from arbitrary MIME exactly as the pipeline does.
pub fn plugin_view(data: &[u8]) {
    let env = crate::values::Envelope {
        queue_id: "FUZZ".into(),
        mail_from: "a@example.org".into(),
        recipients: vec!["b@example.net".into()],
        helo: "client.example.org".into(),
        client_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        authenticated_as: None,
        tls: None,
    };
    let parsed = mail_parser::MessageParser::default().parse(data);
    let m = crate::plugins::view::message(&env, data, parsed.as_ref(), None);
    assert_eq!(m.raw_size, data.len() as u64);
    let _ = crate::plugins::view::decode_encoded_words(&String::from_utf8_lossy(data));
}

/// Sieve compilation with the default limits (a script from ManageSieve PUTSCRIPT).
pub fn sieve_compile(data: &[u8]) {
    let limits = crate::values::SieveLimits::default();
    if let Err(e) = crate::sieve::compile::check_script(data, &limits) {
        let _ = e.to_string();
    }
}

/// Config parsing and validation from arbitrary TOML text.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = crate::config::Config::parse(text, "fuzz.toml") {
        let _ = e.to_string();
    }
}

/// A fuzz target's entry function.
pub type Entry = fn(&[u8]);

/// Every entry point by its fuzz target name (for the replay test).
pub const TARGETS: &[(&str, Entry)] = &[
    ("smtp_command", smtp_command),
    ("smtp_data", smtp_data),
    ("imap_command", imap_command),
    ("managesieve_command", managesieve_command),
    ("pop3_command", pop3_command),
    ("plugin_view", plugin_view),
    ("sieve_compile", sieve_compile),
    ("config", config),
];

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn split_points_come_from_the_input() {
        assert_eq!(
            split(b"NOOP\r\n"),
            (&b"NOOP\r\n"[..], vec![&b"NOOP\r\n"[..]])
        );
        let (payload, chunks) = split(b"\x02\x00\x01abcdef");
        assert_eq!(payload, b"abcdef");
        assert_eq!(chunks, vec![&b"a"[..], b"bc", b"d", b"ef"]);
        assert_eq!(split(b"\x05").0, b"");
    }
}
