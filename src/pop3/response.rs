//! POP3 replies (RFC 1939 §3): status lines with optional RFC 2449 §8 response codes, and
//! multi-line bodies with dot-stuffing and CRLF line ends. Sans-I/O: everything is bytes for
//! the session to queue.

/// `+OK text`.
pub fn ok(text: &str) -> Vec<u8> {
    if text.is_empty() {
        return b"+OK\r\n".to_vec();
    }
    format!("+OK {}\r\n", clean(text)).into_bytes()
}

/// `-ERR [CODE] text` (RFC 2449 §8); `code` None for a plain `-ERR`.
pub fn err(code: Option<&str>, text: &str) -> Vec<u8> {
    match code {
        Some(code) => format!("-ERR [{code}] {}\r\n", clean(text)),
        None => format!("-ERR {}\r\n", clean(text)),
    }
    .into_bytes()
}

/// A status line never carries a line break or control characters from its text (a user name
/// echoed back, say).
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Writes message content as the lines of a multi-line response (RFC 1939 §3), chunk by chunk:
/// CRLF line ends (a bare LF or CR, as IMAP APPEND may have stored, becomes CRLF), a line
/// starting with `.` gets a second one, and [`finish`](Stuffer::finish) ends the last line if
/// needed and writes the terminating `.CRLF`.
#[derive(Debug)]
pub struct Stuffer {
    at_line_start: bool,
    /// The previous chunk ended in CR: an LF starting this one belongs to it.
    after_cr: bool,
}

impl Default for Stuffer {
    fn default() -> Self {
        Stuffer {
            at_line_start: true,
            after_cr: false,
        }
    }
}

impl Stuffer {
    pub fn push(&mut self, content: &[u8], out: &mut Vec<u8>) {
        out.reserve(content.len() + content.len() / 64);
        for &b in content {
            let after_cr = std::mem::take(&mut self.after_cr);
            match b {
                b'\n' if after_cr => {}
                b'\r' | b'\n' => {
                    out.extend_from_slice(b"\r\n");
                    self.at_line_start = true;
                    self.after_cr = b == b'\r';
                }
                _ => {
                    if self.at_line_start && b == b'.' {
                        out.push(b'.');
                    }
                    out.push(b);
                    self.at_line_start = false;
                }
            }
        }
    }

    pub fn finish(self, out: &mut Vec<u8>) {
        if !self.at_line_start {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b".\r\n");
    }
}

/// The octets `content` has once every line ends in CRLF (what RETR sends before dot-stuffing):
/// the stored size plus one for each bare LF or bare CR.
pub fn crlf_len(content: &[u8]) -> usize {
    let mut extra = 0;
    for (i, &b) in content.iter().enumerate() {
        let bare_lf = b == b'\n' && (i == 0 || content[i - 1] != b'\r');
        let bare_cr = b == b'\r' && content.get(i + 1) != Some(&b'\n');
        if bare_lf || bare_cr {
            extra += 1;
        }
    }
    content.len() + extra
}

/// The header and at most `lines` lines of the body (RFC 1939 §7 TOP), as stored.
pub fn top(content: &[u8], lines: u64) -> &[u8] {
    // The header ends at the first empty line (CRLF CRLF, or LF LF for bare-LF content).
    let mut pos = 0;
    let mut body_start = content.len();
    while pos < content.len() {
        let end = content[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(content.len(), |i| pos + i + 1);
        let line = &content[pos..end];
        pos = end;
        if line == b"\r\n" || line == b"\n" {
            body_start = pos;
            break;
        }
    }
    let mut end = body_start;
    let mut left = lines;
    while left > 0 && end < content.len() {
        end = content[end..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(content.len(), |i| end + i + 1);
        left -= 1;
    }
    &content[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stuffed(chunks: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut s = Stuffer::default();
        for c in chunks {
            s.push(c, &mut out);
        }
        s.finish(&mut out);
        out
    }

    #[test]
    fn dots_are_stuffed_and_lines_end_in_crlf() {
        assert_eq!(
            stuffed(&[b"Subject: x\r\n\r\n.\r\n..two\r\nend"]),
            b"Subject: x\r\n\r\n..\r\n...two\r\nend\r\n.\r\n"
        );
        // Bare LF, and a dot at the start of a chunk that starts a line.
        assert_eq!(stuffed(&[b"a\n", b".b\n"]), b"a\r\n..b\r\n.\r\n");
        // A CRLF split between chunks stays one line end.
        assert_eq!(stuffed(&[b"a\r", b"\n.b\r\n"]), b"a\r\n..b\r\n.\r\n");
        assert_eq!(stuffed(&[b"a\rb\n\n"]), b"a\r\nb\r\n\r\n.\r\n");
        assert_eq!(stuffed(&[b""]), b".\r\n");
    }

    #[test]
    fn top_takes_the_header_and_n_body_lines() {
        let msg = b"A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\nl3\r\n";
        assert_eq!(top(msg, 0), b"A: 1\r\nB: 2\r\n\r\n");
        assert_eq!(top(msg, 2), b"A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n");
        assert_eq!(top(msg, u64::MAX), &msg[..]);
        assert_eq!(top(b"A: 1\r\nno body", 3), b"A: 1\r\nno body");
    }

    #[test]
    fn size_counts_line_ends_as_sent() {
        assert_eq!(crlf_len(b"a\r\nb\r\n"), 6);
        assert_eq!(crlf_len(b"a\nb\n"), 6);
        assert_eq!(crlf_len(b"a\rb"), 4);
        assert_eq!(crlf_len(b""), 0);
    }

    #[test]
    fn status_lines_cannot_be_split() {
        assert_eq!(
            err(Some("AUTH"), "bad\r\nuser"),
            b"-ERR [AUTH] bad??user\r\n"
        );
        assert_eq!(ok("done"), b"+OK done\r\n");
    }
}
