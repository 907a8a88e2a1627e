//! Server responses (RFC 5804 §1.3, §4): `OK`, `NO` or `BYE`, an optional response code in
//! parentheses, and a human-readable string; strings go out quoted when they can and as literals
//! `{n}` otherwise.

/// The longest quoted string (RFC 5804 §4: `*1024QUOTED-CHAR`).
const MAX_QUOTED: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    No,
    Bye,
}

/// `bytes` as a ManageSieve string: quoted when short, valid UTF-8 and free of CR, LF and NUL;
/// otherwise a literal.
pub fn string(bytes: &[u8]) -> Vec<u8> {
    let quotable = bytes.len() <= MAX_QUOTED
        && std::str::from_utf8(bytes).is_ok()
        && !bytes.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0));
    if quotable {
        let mut out = Vec::with_capacity(bytes.len() + 2);
        out.push(b'"');
        for &b in bytes {
            if b == b'"' || b == b'\\' {
                out.push(b'\\');
            }
            out.push(b);
        }
        out.push(b'"');
        out
    } else {
        let mut out = format!("{{{}}}\r\n", bytes.len()).into_bytes();
        out.extend_from_slice(bytes);
        out
    }
}

/// A response line: `OK (CODE) "text"`. Line breaks in `text` become spaces, so a message is
/// always one quoted string when it is short enough.
pub fn response(status: Status, code: Option<&str>, text: &str) -> Vec<u8> {
    response_bytes(status, code.map(str::as_bytes), text)
}

/// `OK (TAG <tag>) "text"` (RFC 5804 §2.14): the tag goes back as the very octets received, so
/// when it is sent as a literal (invalid UTF-8, CR/LF) the announced `{n}` is what follows.
pub fn ok_with_tag(tag: &[u8], text: &str) -> Vec<u8> {
    let mut code = b"TAG ".to_vec();
    code.extend(string(tag));
    response_bytes(Status::Ok, Some(&code), text)
}

fn response_bytes(status: Status, code: Option<&[u8]>, text: &str) -> Vec<u8> {
    let mut out = match status {
        Status::Ok => b"OK".to_vec(),
        Status::No => b"NO".to_vec(),
        Status::Bye => b"BYE".to_vec(),
    };
    if let Some(code) = code {
        out.extend_from_slice(b" (");
        out.extend_from_slice(code);
        out.push(b')');
    }
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    out.push(b' ');
    out.extend(string(text.as_bytes()));
    out.extend_from_slice(b"\r\n");
    out
}

pub fn ok(text: &str) -> Vec<u8> {
    response(Status::Ok, None, text)
}

pub fn no(text: &str) -> Vec<u8> {
    response(Status::No, None, text)
}

pub fn no_code(code: &str, text: &str) -> Vec<u8> {
    response(Status::No, Some(code), text)
}

pub fn bye(text: &str) -> Vec<u8> {
    response(Status::Bye, None, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings() {
        assert_eq!(string(b"main"), b"\"main\"");
        assert_eq!(string(b"a \"b\" \\c"), b"\"a \\\"b\\\" \\\\c\"");
        assert_eq!(string(b""), b"\"\"");
        assert_eq!(string(b"keep;\r\n"), b"{7}\r\nkeep;\r\n");
        assert_eq!(string(b"\xff"), b"{1}\r\n\xff");
        let long = vec![b'x'; 1025];
        assert!(string(&long).starts_with(b"{1025}\r\n"));
        assert_eq!(string(&long[..1024]).len(), 1026);
    }

    #[test]
    fn responses() {
        assert_eq!(ok("Done"), b"OK \"Done\"\r\n");
        assert_eq!(
            no_code("QUOTA/MAXSIZE", "Too big"),
            b"NO (QUOTA/MAXSIZE) \"Too big\"\r\n"
        );
        assert_eq!(
            response(Status::Ok, Some("TAG \"x\""), "Done"),
            b"OK (TAG \"x\") \"Done\"\r\n"
        );
        assert_eq!(no("line 1\r\nline 2"), b"NO \"line 1  line 2\"\r\n");
        assert_eq!(bye("Bye"), b"BYE \"Bye\"\r\n");
    }

    /// The announced literal length is the number of octets that follow, whatever they are.
    #[test]
    fn tag_echo_literal_length_is_exact() {
        for tag in [
            &b"\xff\xfe"[..],
            b"caf\xc3\xa9 \xe9t\xe9",
            b"a\r\nb",
            b"\xc3",
            &[0x80; 2000][..],
        ] {
            let out = ok_with_tag(tag, "Done");
            let rest = out.strip_prefix(b"OK (TAG {").unwrap();
            let close = rest.iter().position(|&c| c == b'}').unwrap();
            let n: usize = std::str::from_utf8(&rest[..close])
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(n, tag.len());
            let literal = &rest[close + 3..close + 3 + n];
            assert_eq!(literal, tag);
            assert_eq!(&rest[close + 3 + n..], b") \"Done\"\r\n");
        }
        assert_eq!(
            ok_with_tag(b"abc", "Done"),
            b"OK (TAG \"abc\") \"Done\"\r\n"
        );
    }
}
