//! POP3 commands off the wire (RFC 1939 §3, RFC 2449, RFC 2595 §4, RFC 5034 §4). Sans-I/O: a
//! line as the framer gives it (CRLF included) becomes a [`Command`] or a [`ParseError`] that
//! the session answers with `-ERR`.
//!
//! RFC 1939 §3: a keyword of three or four characters, case-insensitive, then arguments
//! separated by single spaces. Message numbers are decimal without a sign; anything else is a
//! syntax error, never a panic or a wrap-around.

/// One client command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Capa,
    Stls,
    /// `USER name` (RFC 1939 §7).
    User(String),
    /// `PASS secret`: everything after the first space, spaces included (RFC 1939 §7: a server
    /// may treat spaces in the argument as part of the password).
    Pass(String),
    /// `AUTH` without a mechanism lists them (the pre-CAPA convention fetchmail still uses);
    /// otherwise RFC 5034 §4, with the optional initial response still in base64.
    Auth {
        mechanism: Option<String>,
        initial_response: Option<String>,
    },
    Stat,
    List(Option<u32>),
    Uidl(Option<u32>),
    Retr(u32),
    Top {
        msg: u32,
        lines: u64,
    },
    Dele(u32),
    Rset,
    Noop,
    Quit,
}

impl Command {
    /// The keyword, for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Capa => "CAPA",
            Command::Stls => "STLS",
            Command::User(_) => "USER",
            Command::Pass(_) => "PASS",
            Command::Auth { .. } => "AUTH",
            Command::Stat => "STAT",
            Command::List(_) => "LIST",
            Command::Uidl(_) => "UIDL",
            Command::Retr(_) => "RETR",
            Command::Top { .. } => "TOP",
            Command::Dele(_) => "DELE",
            Command::Rset => "RSET",
            Command::Noop => "NOOP",
            Command::Quit => "QUIT",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("unknown command")]
    Unknown,
    #[error("command is not valid UTF-8")]
    Utf8,
    #[error("{0}")]
    Syntax(&'static str),
}

/// Arguments may be up to 40 characters (RFC 1939 §3); user names and SASL initial responses
/// get more room (RFC 5034 lifts the limit for AUTH), bounded by the framer's line length.
const MAX_NUMBER_DIGITS: usize = 10;

fn number(arg: &str) -> Result<u32, ParseError> {
    if arg.is_empty() || arg.len() > MAX_NUMBER_DIGITS || !arg.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseError::Syntax("invalid message number"));
    }
    arg.parse()
        .map_err(|_| ParseError::Syntax("invalid message number"))
}

/// Parses one command line (with or without its CRLF).
pub fn parse(line: &[u8]) -> Result<Command, ParseError> {
    let line = line
        .strip_suffix(b"\n")
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .unwrap_or(line);
    let line = std::str::from_utf8(line).map_err(|_| ParseError::Utf8)?;
    let (keyword, rest) = match line.split_once(' ') {
        Some((k, r)) => (k, Some(r)),
        None => (line, None),
    };
    if !(3..=4).contains(&keyword.len()) {
        return Err(ParseError::Unknown);
    }
    let keyword = keyword.to_ascii_uppercase();
    // PASS keeps its argument whole; other commands take space-separated words and tolerate
    // trailing spaces that some clients send.
    if keyword == "PASS" {
        return match rest {
            Some(secret) if !secret.is_empty() => Ok(Command::Pass(secret.to_string())),
            _ => Err(ParseError::Syntax("PASS needs a password")),
        };
    }
    let args: Vec<&str> = rest
        .map(|r| r.split(' ').filter(|a| !a.is_empty()).collect())
        .unwrap_or_default();
    let none = |c: Command| {
        if args.is_empty() {
            Ok(c)
        } else {
            Err(ParseError::Syntax("this command takes no argument"))
        }
    };
    let optional = |args: &[&str]| -> Result<Option<u32>, ParseError> {
        match args {
            [] => Ok(None),
            [n] => number(n).map(Some),
            _ => Err(ParseError::Syntax("too many arguments")),
        }
    };
    let one = |args: &[&str]| -> Result<u32, ParseError> {
        match args {
            [n] => number(n),
            [] => Err(ParseError::Syntax("a message number is needed")),
            _ => Err(ParseError::Syntax("too many arguments")),
        }
    };
    match keyword.as_str() {
        "CAPA" => none(Command::Capa),
        "STLS" => none(Command::Stls),
        "STAT" => none(Command::Stat),
        "RSET" => none(Command::Rset),
        "NOOP" => none(Command::Noop),
        "QUIT" => none(Command::Quit),
        "LIST" => optional(&args).map(Command::List),
        "UIDL" => optional(&args).map(Command::Uidl),
        "RETR" => one(&args).map(Command::Retr),
        "DELE" => one(&args).map(Command::Dele),
        "TOP" => match args.as_slice() {
            [msg, lines] => {
                let msg = number(msg)?;
                if lines.is_empty() || !lines.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(ParseError::Syntax("invalid line count"));
                }
                // A huge count means "the whole body": saturate instead of refusing.
                let lines = lines.parse().unwrap_or(u64::MAX);
                Ok(Command::Top { msg, lines })
            }
            _ => Err(ParseError::Syntax(
                "TOP needs a message number and a line count",
            )),
        },
        "USER" => match rest {
            Some(name) if !name.trim().is_empty() => Ok(Command::User(name.trim().to_string())),
            _ => Err(ParseError::Syntax("USER needs a name")),
        },
        "AUTH" => match args.as_slice() {
            [] => Ok(Command::Auth {
                mechanism: None,
                initial_response: None,
            }),
            [mechanism] => Ok(Command::Auth {
                mechanism: Some(mechanism.to_string()),
                initial_response: None,
            }),
            [mechanism, initial] => Ok(Command::Auth {
                mechanism: Some(mechanism.to_string()),
                initial_response: Some(initial.to_string()),
            }),
            _ => Err(ParseError::Syntax("too many arguments")),
        },
        _ => Err(ParseError::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_arguments() {
        assert_eq!(parse(b"capa\r\n"), Ok(Command::Capa));
        assert_eq!(parse(b"LIST\r\n"), Ok(Command::List(None)));
        assert_eq!(parse(b"list 3\r\n"), Ok(Command::List(Some(3))));
        assert_eq!(parse(b"UIDL 12 \r\n"), Ok(Command::Uidl(Some(12))));
        assert_eq!(parse(b"TOP 1 0\r\n"), Ok(Command::Top { msg: 1, lines: 0 }));
        assert_eq!(
            parse(b"TOP 1 99999999999999999999999\r\n"),
            Ok(Command::Top {
                msg: 1,
                lines: u64::MAX
            })
        );
        assert_eq!(
            parse(b"PASS with spaces \r\n"),
            Ok(Command::Pass("with spaces ".into()))
        );
        assert_eq!(
            parse(b"USER bob@example.org\r\n"),
            Ok(Command::User("bob@example.org".into()))
        );
        assert_eq!(
            parse(b"AUTH PLAIN =\r\n"),
            Ok(Command::Auth {
                mechanism: Some("PLAIN".into()),
                initial_response: Some("=".into())
            })
        );
        assert_eq!(
            parse(b"AUTH\n"),
            Ok(Command::Auth {
                mechanism: None,
                initial_response: None
            })
        );
    }

    #[test]
    fn hostile_input_is_an_error_not_a_panic() {
        for bad in [
            &b"RETR\r\n"[..],
            b"RETR -1\r\n",
            b"RETR 99999999999\r\n",
            b"RETR 4294967296\r\n",
            b"DELE 1 2\r\n",
            b"TOP 1\r\n",
            b"TOP 1 -5\r\n",
            b"STAT x\r\n",
            b"PASS\r\n",
            b"USER \r\n",
            b"\xff\xfe\r\n",
            b"XTND XMIT\r\n",
            b"\r\n",
            b"RE\r\n",
            b"RETRIEVE 1\r\n",
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        // Random lines built from command words, digits, spaces and noise never panic.
        let words: [&[u8]; 8] = [
            b"RETR", b"TOP", b"LIST", b"AUTH", b"PASS", b" ", b"9", b"\xc3",
        ];
        for _ in 0..20_000 {
            let mut line = Vec::new();
            for _ in 0..rand::random::<usize>() % 8 {
                if rand::random::<bool>() {
                    line.extend_from_slice(words[rand::random::<usize>() % words.len()]);
                } else {
                    line.push(rand::random::<u8>());
                }
            }
            let _ = parse(&line);
        }
    }
}
