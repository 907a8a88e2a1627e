//! Parsing a framed ManageSieve command (RFC 5804 §4): an atom naming the command, then
//! arguments separated by spaces — strings (quoted with `\"` and `\\` escapes, or literals
//! `{n+}`/`{n}` CRLF octets) and numbers — up to the final CRLF.

/// One argument as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// A quoted string or a literal.
    Str(Vec<u8>),
    /// A bare word: a number (HAVESPACE) or a client's unquoted mechanism name.
    Atom(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Authenticate {
        mechanism: String,
        initial_response: Option<Vec<u8>>,
    },
    StartTls,
    Logout,
    Capability,
    HaveSpace {
        name: String,
        size: u64,
    },
    PutScript {
        name: String,
        script: Vec<u8>,
    },
    ListScripts,
    SetActive {
        name: String,
    },
    GetScript {
        name: String,
    },
    DeleteScript {
        name: String,
    },
    RenameScript {
        from: String,
        to: String,
    },
    CheckScript {
        script: Vec<u8>,
    },
    Noop {
        tag: Option<Vec<u8>>,
    },
    Unauthenticate,
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Authenticate { .. } => "AUTHENTICATE",
            Command::StartTls => "STARTTLS",
            Command::Logout => "LOGOUT",
            Command::Capability => "CAPABILITY",
            Command::HaveSpace { .. } => "HAVESPACE",
            Command::PutScript { .. } => "PUTSCRIPT",
            Command::ListScripts => "LISTSCRIPTS",
            Command::SetActive { .. } => "SETACTIVE",
            Command::GetScript { .. } => "GETSCRIPT",
            Command::DeleteScript { .. } => "DELETESCRIPT",
            Command::RenameScript { .. } => "RENAMESCRIPT",
            Command::CheckScript { .. } => "CHECKSCRIPT",
            Command::Noop { .. } => "NOOP",
            Command::Unauthenticate => "UNAUTHENTICATE",
        }
    }
}

/// Splits a complete command (as framed) into its name and arguments.
pub fn tokenize(buf: &[u8]) -> Result<(String, Vec<Arg>), String> {
    let mut p = Cursor { buf, pos: 0 };
    p.skip_spaces();
    let name = match p.token()? {
        Some(Arg::Atom(a)) => a.to_ascii_uppercase(),
        Some(Arg::Str(_)) => return Err("a command starts with its name".into()),
        None => return Err("empty command".into()),
    };
    let mut args = Vec::new();
    loop {
        let spaced = p.skip_spaces();
        match p.peek() {
            None => break,
            Some(b'\r' | b'\n') => {
                p.end_of_line()?;
                if p.pos != buf.len() {
                    return Err("text after the end of the command".into());
                }
                break;
            }
            Some(_) if !spaced => return Err("arguments are separated by spaces".into()),
            Some(_) => {}
        }
        if let Some(arg) = p.token()? {
            args.push(arg);
        }
    }
    Ok((name, args))
}

/// Parses a complete command.
pub fn parse_command(buf: &[u8]) -> Result<Command, String> {
    let (name, args) = tokenize(buf)?;
    let mut args = args.into_iter();
    let command = match name.as_str() {
        "AUTHENTICATE" => {
            let mechanism = match args.next() {
                Some(Arg::Str(s)) => String::from_utf8(s).map_err(|_| "bad mechanism name")?,
                Some(Arg::Atom(a)) => a,
                None => return Err("AUTHENTICATE needs a SASL mechanism".into()),
            };
            let initial_response = match args.next() {
                None => None,
                Some(Arg::Str(s)) => Some(s),
                Some(Arg::Atom(a)) => Some(a.into_bytes()),
            };
            Command::Authenticate {
                mechanism,
                initial_response,
            }
        }
        "STARTTLS" => Command::StartTls,
        "LOGOUT" => Command::Logout,
        "CAPABILITY" => Command::Capability,
        "LISTSCRIPTS" => Command::ListScripts,
        "UNAUTHENTICATE" => Command::Unauthenticate,
        "NOOP" => Command::Noop {
            tag: match args.next() {
                None => None,
                Some(Arg::Str(s)) => Some(s),
                Some(Arg::Atom(_)) => return Err("NOOP takes a string".into()),
            },
        },
        "HAVESPACE" => {
            let name = script_name(args.next(), "HAVESPACE")?;
            let size = match args.next() {
                Some(Arg::Atom(n)) if n.bytes().all(|b| b.is_ascii_digit()) => n
                    .parse::<u64>()
                    .map_err(|_| "HAVESPACE: the size is too large a number".to_string())?,
                _ => return Err("HAVESPACE needs a script name and a size".into()),
            };
            Command::HaveSpace { name, size }
        }
        "PUTSCRIPT" => {
            let name = script_name(args.next(), "PUTSCRIPT")?;
            let script = string(args.next(), "PUTSCRIPT needs a name and a script")?;
            Command::PutScript { name, script }
        }
        "CHECKSCRIPT" => Command::CheckScript {
            script: string(args.next(), "CHECKSCRIPT needs a script")?,
        },
        "SETACTIVE" => Command::SetActive {
            name: script_name(args.next(), "SETACTIVE")?,
        },
        "GETSCRIPT" => Command::GetScript {
            name: script_name(args.next(), "GETSCRIPT")?,
        },
        "DELETESCRIPT" => Command::DeleteScript {
            name: script_name(args.next(), "DELETESCRIPT")?,
        },
        "RENAMESCRIPT" => Command::RenameScript {
            from: script_name(args.next(), "RENAMESCRIPT")?,
            to: script_name(args.next(), "RENAMESCRIPT")?,
        },
        _ => return Err(format!("unknown command {name}")),
    };
    if args.next().is_some() {
        return Err(format!("too many arguments for {}", command.name()));
    }
    Ok(command)
}

/// A SASL response from the client during AUTHENTICATE: one string on its own line; `None` when
/// the client cancels with `"*"` (RFC 5804 §2.1).
pub fn parse_sasl_response(buf: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut p = Cursor { buf, pos: 0 };
    p.skip_spaces();
    let value = match p.token()? {
        Some(Arg::Str(s)) => s,
        // A few clients send the base64 bare; it contains no spaces.
        Some(Arg::Atom(a)) => a.into_bytes(),
        None => Vec::new(),
    };
    p.skip_spaces();
    p.end_of_line()?;
    if p.pos != buf.len() {
        return Err("one string expected".into());
    }
    Ok(if value == b"*" { None } else { Some(value) })
}

fn string(arg: Option<Arg>, missing: &str) -> Result<Vec<u8>, String> {
    match arg {
        Some(Arg::Str(s)) => Ok(s),
        _ => Err(missing.to_string()),
    }
}

fn script_name(arg: Option<Arg>, command: &str) -> Result<String, String> {
    match arg {
        Some(Arg::Str(s)) => {
            String::from_utf8(s).map_err(|_| "script names are UTF-8 (RFC 5804 §1.6)".into())
        }
        _ => Err(format!("{command} needs a script name as a string")),
    }
}

struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Skips spaces; true when there were some.
    fn skip_spaces(&mut self) -> bool {
        let start = self.pos;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        self.pos > start
    }

    /// CRLF (or a bare LF).
    fn end_of_line(&mut self) -> Result<(), String> {
        if self.peek() == Some(b'\r') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'\n') => {
                self.pos += 1;
                Ok(())
            }
            None => Ok(()),
            Some(_) => Err("stray carriage return".into()),
        }
    }

    fn token(&mut self) -> Result<Option<Arg>, String> {
        match self.peek() {
            None | Some(b'\r' | b'\n') => Ok(None),
            Some(b'"') => self.quoted().map(|s| Some(Arg::Str(s))),
            Some(b'{') => self.literal().map(|s| Some(Arg::Str(s))),
            Some(_) => {
                let start = self.pos;
                while let Some(c) = self.peek() {
                    if matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'{' | b'(' | b')')
                        || c < 0x20
                        || c == 0x7f
                    {
                        break;
                    }
                    self.pos += 1;
                }
                if self.pos == start {
                    return Err(format!(
                        "unexpected character {:?}",
                        char::from(self.buf[start])
                    ));
                }
                let atom = std::str::from_utf8(&self.buf[start..self.pos])
                    .map_err(|_| "bad characters in the command".to_string())?;
                Ok(Some(Arg::Atom(atom.to_string())))
            }
        }
    }

    fn quoted(&mut self) -> Result<Vec<u8>, String> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None | Some(b'\r' | b'\n') => return Err("unterminated quoted string".into()),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    match self.buf.get(self.pos + 1) {
                        Some(&c @ (b'"' | b'\\')) => out.push(c),
                        _ => {
                            return Err("in a quoted string only \\\" and \\\\ are escapes".into());
                        }
                    }
                    self.pos += 2;
                }
                Some(0) => return Err("NUL in a quoted string".into()),
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn literal(&mut self) -> Result<Vec<u8>, String> {
        let close = self.buf[self.pos..]
            .iter()
            .position(|&c| c == b'}')
            .map(|i| self.pos + i)
            .ok_or("unterminated literal length")?;
        let inner = &self.buf[self.pos + 1..close];
        let digits = inner.strip_suffix(b"+").unwrap_or(inner);
        if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
            return Err("bad literal length".into());
        }
        let size: usize = std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse().ok())
            .ok_or("bad literal length")?;
        self.pos = close + 1;
        match self.peek() {
            Some(b'\r') if self.buf.get(self.pos + 1) == Some(&b'\n') => self.pos += 2,
            Some(b'\n') => self.pos += 1,
            _ => return Err("a literal length ends its line".into()),
        }
        let end = self
            .pos
            .checked_add(size)
            .filter(|&e| e <= self.buf.len())
            .ok_or("literal shorter than announced")?;
        let value = self.buf[self.pos..end].to_vec();
        self.pos = end;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &[u8]) -> Command {
        parse_command(s).unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(s)))
    }

    #[test]
    fn simple_commands_any_case() {
        assert_eq!(parse(b"capability\r\n"), Command::Capability);
        assert_eq!(parse(b"LogOut\r\n"), Command::Logout);
        assert_eq!(parse(b"STARTTLS\n"), Command::StartTls);
        assert_eq!(parse(b"LISTSCRIPTS\r\n"), Command::ListScripts);
        assert_eq!(parse(b"UNAUTHENTICATE\r\n"), Command::Unauthenticate);
        assert_eq!(parse(b"NOOP\r\n"), Command::Noop { tag: None });
        assert_eq!(
            parse(b"NOOP \"STARTTLS-RESYNC-CAPA\"\r\n"),
            Command::Noop {
                tag: Some(b"STARTTLS-RESYNC-CAPA".to_vec())
            }
        );
    }

    #[test]
    fn quoted_strings_and_escapes() {
        assert_eq!(
            parse(b"GETSCRIPT \"say \\\"hi\\\" \\\\ bye\"\r\n"),
            Command::GetScript {
                name: "say \"hi\" \\ bye".into()
            }
        );
        assert_eq!(
            parse("SETACTIVE \"vacances d'été\"\r\n".as_bytes()),
            Command::SetActive {
                name: "vacances d'été".into()
            }
        );
        assert_eq!(
            parse(b"SETACTIVE \"\"\r\n"),
            Command::SetActive {
                name: String::new()
            }
        );
        assert!(parse_command(b"GETSCRIPT \"a\\nb\"\r\n").is_err());
        assert!(parse_command(b"GETSCRIPT \"open\r\n").is_err());
        assert!(parse_command(b"GETSCRIPT \"a\0b\"\r\n").is_err());
        assert!(parse_command(b"GETSCRIPT \"\xff\"\r\n").is_err());
    }

    #[test]
    fn literals_both_forms() {
        assert_eq!(
            parse(b"PUTSCRIPT \"main\" {12+}\r\nkeep;\r\nstop;\r\n"),
            Command::PutScript {
                name: "main".into(),
                script: b"keep;\r\nstop;".to_vec()
            }
        );
        assert_eq!(
            parse(b"PUTSCRIPT {4}\r\nmain {0+}\r\n\r\n"),
            Command::PutScript {
                name: "main".into(),
                script: Vec::new()
            }
        );
        // A literal's content is opaque: quotes, braces, CRLF.
        assert_eq!(
            parse(b"CHECKSCRIPT {9+}\r\n\"{3+}\r\n\"}\r\n"),
            Command::CheckScript {
                script: b"\"{3+}\r\n\"}".to_vec()
            }
        );
        assert!(parse_command(b"CHECKSCRIPT {20+}\r\nshort\r\n").is_err());
        assert!(parse_command(b"CHECKSCRIPT {x+}\r\nshort\r\n").is_err());
        assert!(parse_command(b"CHECKSCRIPT {5+} \r\nshort\r\n").is_err());
    }

    #[test]
    fn arguments() {
        assert_eq!(
            parse(b"HAVESPACE \"big\" 65536\r\n"),
            Command::HaveSpace {
                name: "big".into(),
                size: 65536
            }
        );
        assert!(parse_command(b"HAVESPACE \"big\" -1\r\n").is_err());
        assert!(parse_command(b"HAVESPACE \"big\" 99999999999999999999\r\n").is_err());
        assert_eq!(
            parse(b"RENAMESCRIPT \"a\" {1+}\r\nb\r\n"),
            Command::RenameScript {
                from: "a".into(),
                to: "b".into()
            }
        );
        assert_eq!(
            parse(b"AUTHENTICATE \"PLAIN\" {8+}\r\nAGEAcGFz\r\n"),
            Command::Authenticate {
                mechanism: "PLAIN".into(),
                initial_response: Some(b"AGEAcGFz".to_vec())
            }
        );
        assert_eq!(
            parse(b"AUTHENTICATE PLAIN\r\n"),
            Command::Authenticate {
                mechanism: "PLAIN".into(),
                initial_response: None
            }
        );
        // Names are strings, not atoms.
        assert!(parse_command(b"GETSCRIPT main\r\n").is_err());
        assert!(parse_command(b"GETSCRIPT\r\n").is_err());
        assert!(parse_command(b"GETSCRIPT \"a\" \"b\"\r\n").is_err());
        assert!(parse_command(b"GETSCRIPT \"a\"\"b\"\r\n").is_err());
        assert!(parse_command(b"LOGOUT now\r\n").is_err());
        let e = parse_command(b"FROBNICATE\r\n").unwrap_err();
        assert!(e.contains("FROBNICATE"), "{e}");
        assert!(parse_command(b"\r\n").is_err());
        assert!(parse_command(b"\"PUTSCRIPT\"\r\n").is_err());
    }

    #[test]
    fn sasl_responses() {
        assert_eq!(
            parse_sasl_response(b"\"AGEAYg==\"\r\n"),
            Ok(Some(b"AGEAYg==".to_vec()))
        );
        assert_eq!(
            parse_sasl_response(b"{8+}\r\nAGEAYg==\r\n"),
            Ok(Some(b"AGEAYg==".to_vec()))
        );
        assert_eq!(
            parse_sasl_response(b"AGEAYg==\r\n"),
            Ok(Some(b"AGEAYg==".to_vec()))
        );
        assert_eq!(parse_sasl_response(b"\"*\"\r\n"), Ok(None));
        assert_eq!(parse_sasl_response(b"\"\"\r\n"), Ok(Some(Vec::new())));
        assert!(parse_sasl_response(b"\"a\" \"b\"\r\n").is_err());
    }
}
