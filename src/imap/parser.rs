//! IMAP command parser (RFC 3501 §9 / RFC 9051 §9 grammar plus the extensions we announce).
//!
//! Why not `imap-codec`: its only maintained line is 2.0.0-alpha (unstable API); its LIST grammar
//! is just `"LIST" SP mailbox SP list-mailbox` — none of the RFC 5258 LIST-EXTENDED selection
//! options (`LIST (SPECIAL-USE) "" *`) or `RETURN (...)` options (RFC 5258/6154/5819) that
//! Thunderbird and Apple Mail send — and SEARCH has no ESEARCH `RETURN (MIN MAX COUNT ALL)`
//! (RFC 4731 / RFC 9051). Patching those in would mean forking it, and its validated `Cow` newtypes
//! would leak into every layer above. This hand-written parser is small and covers exactly what
//! the server announces.
//!
//! Input is one complete command as assembled by [`crate::imap::framing`]: the command line(s)
//! with each literal's bytes inline right after its `{n}` / `{n+}` CRLF, ending in CRLF.
//! Nothing here panics on client input: every failure is a [`ParseError`] that the session
//! answers with `TAG BAD reason` (or `* BAD reason` when no tag could be read).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};

use super::command::*;

/// A command that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct ParseError {
    /// The tag, when one could be read (else the reply is untagged `* BAD`).
    pub tag: Option<String>,
    pub reason: String,
}

type PResult<T> = Result<T, String>;
type IdParams = Vec<(String, Option<String>)>;

/// Maximum nesting of parenthesised / NOT / OR search keys.
const MAX_SEARCH_DEPTH: usize = 32;

/// RFC 5267 §4.4: PARTIAL and ALL are exclusive, and one PARTIAL at most.
fn check_partial(opts: &[SearchReturn]) -> PResult<()> {
    let partials = opts
        .iter()
        .filter(|o| matches!(o, SearchReturn::Partial(..)))
        .count();
    if partials > 1 || (partials == 1 && opts.contains(&SearchReturn::All)) {
        return Err("PARTIAL cannot be combined with ALL or another PARTIAL".into());
    }
    Ok(())
}

/// Parse one complete command (including its final CRLF).
pub fn parse_command(input: &[u8]) -> Result<Command, ParseError> {
    let mut p = Parser { buf: input, pos: 0 };
    let tag = match p.tag() {
        Ok(t) => t,
        Err(reason) => return Err(ParseError { tag: None, reason }),
    };
    let result = p.sp().and_then(|_| p.command_body()).and_then(|body| {
        p.eol()?;
        Ok(body)
    });
    match result {
        Ok(body) => Ok(Command { tag, body }),
        Err(reason) => Err(ParseError {
            tag: Some(tag),
            reason,
        }),
    }
}

/// Extract the tag of a command line, if it has a syntactically valid one (used to answer
/// `TAG BAD` when the command is rejected before parsing, e.g. for being too long).
pub fn peek_tag(input: &[u8]) -> Option<String> {
    let mut p = Parser { buf: input, pos: 0 };
    let tag = p.tag().ok()?;
    matches!(p.peek(), Some(b' ') | Some(b'\r') | Some(b'\n') | None).then_some(tag)
}

/// Is this line the `DONE` that ends IDLE (RFC 2177)?
pub fn is_idle_done(line: &[u8]) -> bool {
    trim_crlf(line).eq_ignore_ascii_case(b"DONE")
}

fn trim_crlf(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Normalise a flag: system flags get their canonical case (flags are case-insensitive,
/// RFC 9051 §2.3.2), keywords are kept as sent.
pub fn normalize_flag(flag: &str) -> String {
    const SYSTEM: [&str; 6] = [
        "\\Seen",
        "\\Answered",
        "\\Flagged",
        "\\Deleted",
        "\\Draft",
        "\\Recent",
    ];
    SYSTEM
        .iter()
        .find(|s| s.eq_ignore_ascii_case(flag))
        .map_or_else(|| flag.to_string(), |s| s.to_string())
}

/// Parse an IMAP `date-time` without its quotes: `17-Jul-1996 02:44:25 -0700` (day may be
/// space-padded, RFC 9051 §9 `date-day-fixed`).
pub fn parse_date_time(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim_start();
    let (date, rest) = s.split_once(' ')?;
    let (time, zone) = rest.split_once(' ')?;
    let date = parse_date_text(date)?;
    let time = NaiveTime::parse_from_str(time, "%H:%M:%S").ok()?;
    let zb = zone.as_bytes();
    if zb.len() != 5 || !(zb[0] == b'+' || zb[0] == b'-') || !zb[1..].iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let hh: i32 = zone[1..3].parse().ok()?;
    let mm: i32 = zone[3..5].parse().ok()?;
    let mut secs = hh * 3600 + mm * 60;
    if zb[0] == b'-' {
        secs = -secs;
    }
    let offset = FixedOffset::east_opt(secs)?;
    offset
        .from_local_datetime(&NaiveDateTime::new(date, time))
        .single()
}

/// `date-text = date-day "-" date-month "-" date-year`, month name case-insensitive.
fn parse_date_text(s: &str) -> Option<NaiveDate> {
    let mut it = s.split('-');
    let day: u32 = it.next()?.trim().parse().ok()?;
    let month = it.next()?;
    let year: i32 = it.next()?.parse().ok()?;
    if it.next().is_some() || day > 31 {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let m = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))?;
    NaiveDate::from_ymd_opt(year, m as u32 + 1, day)
}

struct Parser<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// ATOM-CHAR: any CHAR except atom-specials `( ) { SP CTL % * " \ ]` (RFC 9051 §9).
fn is_atom_char(c: u8) -> bool {
    c > 0x20 && c < 0x7f && !matches!(c, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']')
}

fn is_astring_char(c: u8) -> bool {
    is_atom_char(c) || c == b']'
}

fn is_list_char(c: u8) -> bool {
    is_astring_char(c) || c == b'%' || c == b'*'
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    fn expect(&mut self, c: u8) -> PResult<()> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("Expected '{}'", c as char))
        }
    }

    fn sp(&mut self) -> PResult<()> {
        if self.peek() == Some(b' ') {
            self.pos += 1;
            Ok(())
        } else {
            Err("Missing argument".into())
        }
    }

    /// Consume `word` (case-insensitive) if it is next.
    fn eat(&mut self, word: &str) -> bool {
        let w = word.as_bytes();
        let r = self.rest();
        if r.len() >= w.len() && r[..w.len()].eq_ignore_ascii_case(w) {
            self.pos += w.len();
            true
        } else {
            false
        }
    }

    /// End of command: CRLF (a bare LF is tolerated), nothing after it. Trailing spaces, which
    /// some clients send, are tolerated.
    fn eol(&mut self) -> PResult<()> {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
        let r = self.rest();
        if r == b"\r\n" || r == b"\n" || r.is_empty() {
            self.pos = self.buf.len();
            Ok(())
        } else {
            Err("Unexpected extra arguments".into())
        }
    }

    fn tag(&mut self) -> PResult<String> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if is_astring_char(c) && c != b'+' {
                self.pos += 1;
            } else {
                break;
            }
        }
        if self.pos == start {
            return Err("Missing or invalid tag".into());
        }
        Ok(String::from_utf8_lossy(&self.buf[start..self.pos]).into_owned())
    }

    fn atom(&mut self) -> PResult<&'a str> {
        self.take_while1(is_atom_char, "Expected an atom")
    }

    fn take_while1(&mut self, f: impl Fn(u8) -> bool, what: &str) -> PResult<&'a str> {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(what.into());
        }
        // Only ASCII bytes pass the predicates above.
        std::str::from_utf8(&self.buf[start..self.pos]).map_err(|_| what.to_string())
    }

    fn number(&mut self) -> PResult<u32> {
        let n = self.number64()?;
        u32::try_from(n).map_err(|_| "Number too large".to_string())
    }

    fn nz_number(&mut self) -> PResult<u32> {
        match self.number()? {
            0 => Err("Zero is not a valid number here".into()),
            n => Ok(n),
        }
    }

    fn number64(&mut self) -> PResult<u64> {
        let digits = self.take_while1(|c| c.is_ascii_digit(), "Expected a number")?;
        digits
            .parse::<u64>()
            .map_err(|_| "Number too large".to_string())
    }

    /// `quoted = DQUOTE *QUOTED-CHAR DQUOTE` with `\"` and `\\` escapes. 8-bit (UTF-8) is
    /// accepted as RFC 9051 / RFC 6855 allow.
    fn quoted(&mut self) -> PResult<Vec<u8>> {
        self.expect(b'"')?;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None | Some(b'\r') | Some(b'\n') => return Err("Unterminated quoted string".into()),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c @ (b'"' | b'\\')) => {
                            out.push(c);
                            self.pos += 1;
                        }
                        _ => return Err("Invalid escape in quoted string".into()),
                    }
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `literal = "{" number64 ["+"] "}" CRLF *CHAR8`; the framing layer put the bytes inline.
    fn literal(&mut self) -> PResult<Vec<u8>> {
        self.expect(b'{')?;
        let len = self.number64()?;
        if self.peek() == Some(b'+') {
            self.pos += 1;
        }
        self.expect(b'}')?;
        if self.peek() == Some(b'\r') {
            self.pos += 1;
        }
        self.expect(b'\n')?;
        let len = usize::try_from(len).map_err(|_| "Literal too large".to_string())?;
        let end = self
            .pos
            .checked_add(len)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| "Truncated literal".to_string())?;
        let data = self.buf[self.pos..end].to_vec();
        self.pos = end;
        Ok(data)
    }

    fn string(&mut self) -> PResult<Vec<u8>> {
        match self.peek() {
            Some(b'"') => self.quoted(),
            Some(b'{') => self.literal(),
            _ => Err("Expected a string".into()),
        }
    }

    fn astring(&mut self) -> PResult<Vec<u8>> {
        match self.peek() {
            Some(b'"') | Some(b'{') => self.string(),
            _ => Ok(self
                .take_while1(is_astring_char, "Expected a string")?
                .as_bytes()
                .to_vec()),
        }
    }

    fn astring_utf8(&mut self) -> PResult<String> {
        String::from_utf8(self.astring()?).map_err(|_| "Invalid UTF-8 in string".to_string())
    }

    /// `nstring = string / NIL`
    fn nstring_utf8(&mut self) -> PResult<Option<String>> {
        if self.eat_nil() {
            return Ok(None);
        }
        let s = self.string()?;
        String::from_utf8(s)
            .map(Some)
            .map_err(|_| "Invalid UTF-8 in string".to_string())
    }

    fn eat_nil(&mut self) -> bool {
        let r = self.rest();
        if r.len() >= 3
            && r[..3].eq_ignore_ascii_case(b"NIL")
            && !r.get(3).copied().is_some_and(is_astring_char)
        {
            self.pos += 3;
            true
        } else {
            false
        }
    }

    /// RFC 9208 §7: `setquota = "SETQUOTA" SP quota-root-name SP setquota-list`,
    /// `setquota-list = "(" [setquota-resource *(SP setquota-resource)] ")"`.
    fn setquota(&mut self) -> PResult<CommandBody> {
        self.sp()?;
        let root = self.astring_utf8()?;
        self.sp()?;
        self.expect(b'(')?;
        let mut limits = Vec::new();
        while self.peek() != Some(b')') {
            if !limits.is_empty() {
                self.sp()?;
            }
            let resource = self.atom()?.to_ascii_uppercase();
            self.sp()?;
            let limit = self.number64()?;
            if limits.len() >= 16 {
                return Err("Too many quota resources".into());
            }
            limits.push((resource, limit));
        }
        self.expect(b')')?;
        Ok(CommandBody::SetQuota { root, limits })
    }

    /// `mailbox = "INBOX" / astring`; INBOX is case-insensitive.
    fn mailbox(&mut self) -> PResult<String> {
        let name = self.astring_utf8()?;
        Ok(if name.eq_ignore_ascii_case("INBOX") {
            "INBOX".into()
        } else {
            name
        })
    }

    /// `list-mailbox = 1*list-char / string`
    fn list_mailbox(&mut self) -> PResult<String> {
        let raw = match self.peek() {
            Some(b'"') | Some(b'{') => self.string()?,
            _ => self
                .take_while1(is_list_char, "Expected a mailbox pattern")?
                .as_bytes()
                .to_vec(),
        };
        String::from_utf8(raw).map_err(|_| "Invalid UTF-8 in mailbox pattern".to_string())
    }

    fn command_body(&mut self) -> PResult<CommandBody> {
        let name = self.atom()?.to_ascii_uppercase();
        let body = match name.as_str() {
            "CAPABILITY" => CommandBody::Capability,
            "NOOP" => CommandBody::Noop,
            "LOGOUT" => CommandBody::Logout,
            "STARTTLS" => CommandBody::StartTls,
            "NAMESPACE" => CommandBody::Namespace,
            "IDLE" => CommandBody::Idle,
            "CHECK" => CommandBody::Check,
            "CLOSE" => CommandBody::Close,
            "UNSELECT" => CommandBody::Unselect,
            "CANCELUPDATE" => self.cancel_update()?,
            "EXPUNGE" => CommandBody::Expunge { uids: None },
            "ID" => {
                self.sp()?;
                CommandBody::Id(self.id_params()?)
            }
            "AUTHENTICATE" => {
                self.sp()?;
                let mechanism = self.atom()?.to_ascii_uppercase();
                let initial_response = if self.peek() == Some(b' ') && !self.only_spaces_left() {
                    self.sp()?;
                    let s = self.take_while1(
                        |c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='),
                        "Invalid initial response",
                    )?;
                    Some(s.to_string())
                } else {
                    None
                };
                CommandBody::Authenticate {
                    mechanism,
                    initial_response,
                }
            }
            "LOGIN" => {
                self.sp()?;
                let username = self.astring_utf8()?;
                self.sp()?;
                let password = self.astring_utf8()?;
                CommandBody::Login { username, password }
            }
            "ENABLE" => {
                let mut caps = Vec::new();
                while self.peek() == Some(b' ') && !self.only_spaces_left() {
                    self.sp()?;
                    caps.push(self.atom()?.to_string());
                }
                if caps.is_empty() {
                    return Err("ENABLE needs at least one capability".into());
                }
                CommandBody::Enable(caps)
            }
            "SELECT" | "EXAMINE" => {
                self.sp()?;
                let mailbox = self.mailbox()?;
                let (condstore, qresync) = self.select_params()?;
                if name == "SELECT" {
                    CommandBody::Select {
                        mailbox,
                        condstore,
                        qresync,
                    }
                } else {
                    CommandBody::Examine {
                        mailbox,
                        condstore,
                        qresync,
                    }
                }
            }
            "CREATE" | "DELETE" | "SUBSCRIBE" | "UNSUBSCRIBE" => {
                self.sp()?;
                let mailbox = self.mailbox()?;
                match name.as_str() {
                    "CREATE" => CommandBody::Create { mailbox },
                    "DELETE" => CommandBody::Delete { mailbox },
                    "SUBSCRIBE" => CommandBody::Subscribe { mailbox },
                    _ => CommandBody::Unsubscribe { mailbox },
                }
            }
            "RENAME" => {
                self.sp()?;
                let from = self.mailbox()?;
                self.sp()?;
                let to = self.mailbox()?;
                CommandBody::Rename { from, to }
            }
            "LIST" => self.list()?,
            "LSUB" => {
                self.sp()?;
                let reference = self.mailbox()?;
                self.sp()?;
                let pattern = self.list_mailbox()?;
                CommandBody::Lsub { reference, pattern }
            }
            "STATUS" => {
                self.sp()?;
                let mailbox = self.mailbox()?;
                self.sp()?;
                let items = self.status_items()?;
                CommandBody::Status { mailbox, items }
            }
            "APPEND" => self.append_multi()?,
            "GETQUOTA" => {
                self.sp()?;
                let root = self.astring_utf8()?;
                CommandBody::GetQuota { root }
            }
            "GETQUOTAROOT" => {
                self.sp()?;
                let mailbox = self.mailbox()?;
                CommandBody::GetQuotaRoot { mailbox }
            }
            "SETQUOTA" => self.setquota()?,
            "SEARCH" => self.search(false)?,
            "SORT" => self.sort(false)?,
            "THREAD" => self.thread(false)?,
            "FETCH" => self.fetch(false)?,
            "STORE" => self.store(false)?,
            "COPY" | "MOVE" => self.copy_move(false, name == "MOVE")?,
            "UID" => {
                self.sp()?;
                let sub = self.atom()?.to_ascii_uppercase();
                match sub.as_str() {
                    "SEARCH" => self.search(true)?,
                    "SORT" => self.sort(true)?,
                    "THREAD" => self.thread(true)?,
                    "FETCH" => self.fetch(true)?,
                    "STORE" => self.store(true)?,
                    "COPY" | "MOVE" => self.copy_move(true, sub == "MOVE")?,
                    "EXPUNGE" => {
                        self.sp()?;
                        CommandBody::Expunge {
                            uids: Some(self.sequence_set()?),
                        }
                    }
                    _ => return Err(format!("Unknown UID command {sub}")),
                }
            }
            _ => return Err(format!("Unknown command {name}")),
        };
        Ok(body)
    }

    fn only_spaces_left(&self) -> bool {
        self.rest()
            .iter()
            .all(|&c| c == b' ' || c == b'\r' || c == b'\n')
    }

    /// `id-params-list = "(" *(string SP nstring) ")" / nil` (RFC 2971 §3.3).
    fn id_params(&mut self) -> PResult<Option<IdParams>> {
        if self.eat_nil() {
            return Ok(None);
        }
        self.expect(b'(')?;
        let mut params = Vec::new();
        while self.peek() != Some(b')') {
            if !params.is_empty() {
                self.sp()?;
            }
            let key = String::from_utf8_lossy(&self.string()?).into_owned();
            self.sp()?;
            let value = self.nstring_utf8()?;
            params.push((key, value));
            if params.len() > 30 {
                return Err("Too many ID parameters".into());
            }
        }
        self.expect(b')')?;
        Ok(Some(params))
    }

    /// `select-params = SP "(" select-param *(SP select-param) ")"`: CONDSTORE and QRESYNC
    /// (RFC 7162 §3.1.8, §3.2.5).
    fn select_params(&mut self) -> PResult<(bool, Option<Qresync>)> {
        if self.peek() != Some(b' ') || self.only_spaces_left() {
            return Ok((false, None));
        }
        self.sp()?;
        self.expect(b'(')?;
        let (mut condstore, mut qresync) = (false, None);
        loop {
            let p = self.atom()?.to_ascii_uppercase();
            match p.as_str() {
                "CONDSTORE" => condstore = true,
                "QRESYNC" if qresync.is_none() => {
                    self.sp()?;
                    qresync = Some(self.qresync_params()?);
                }
                _ => return Err(format!("Unsupported SELECT parameter {p}")),
            }
            if self.peek() == Some(b')') {
                self.pos += 1;
                return Ok((condstore, qresync));
            }
            self.sp()?;
        }
    }

    /// `"(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"`.
    fn qresync_params(&mut self) -> PResult<Qresync> {
        self.expect(b'(')?;
        let uidvalidity = self.nz_number()?;
        self.sp()?;
        let modseq = self.number64()?;
        if modseq == 0 {
            return Err("QRESYNC mod-sequence must be non-zero".into());
        }
        let mut known_uids = None;
        let mut seq_match = None;
        if self.peek() == Some(b' ') {
            self.sp()?;
            if self.peek() != Some(b'(') {
                known_uids = Some(self.sequence_set()?);
                if self.peek() == Some(b' ') {
                    self.sp()?;
                }
            }
            if self.peek() == Some(b'(') {
                self.pos += 1;
                let seqs = self.sequence_set()?;
                self.sp()?;
                let uids = self.sequence_set()?;
                self.expect(b')')?;
                seq_match = Some((seqs, uids));
            }
        }
        self.expect(b')')?;
        Ok(Qresync {
            uidvalidity,
            modseq,
            known_uids,
            seq_match,
        })
    }

    /// `list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]`
    /// (RFC 5258 §6).
    fn list(&mut self) -> PResult<CommandBody> {
        self.sp()?;
        let mut selection = ListSelection::default();
        if self.peek() == Some(b'(') {
            self.pos += 1;
            let mut any_base = false;
            while self.peek() != Some(b')') {
                if self.peek() == Some(b' ') {
                    self.pos += 1;
                }
                let opt = self.atom()?.to_ascii_uppercase();
                match opt.as_str() {
                    "SUBSCRIBED" => {
                        selection.subscribed = true;
                        any_base = true;
                    }
                    "REMOTE" => selection.remote = true,
                    "RECURSIVEMATCH" => selection.recursive_match = true,
                    "SPECIAL-USE" => {
                        selection.special_use = true;
                        any_base = true;
                    }
                    _ => return Err(format!("Unknown LIST selection option {opt}")),
                }
            }
            self.pos += 1;
            // RFC 5258 §3.1: RECURSIVEMATCH alone is an error.
            if selection.recursive_match && !any_base {
                return Err("RECURSIVEMATCH needs another selection option".into());
            }
            self.sp()?;
        }
        let reference = self.mailbox()?;
        self.sp()?;
        let mut patterns = Vec::new();
        if self.peek() == Some(b'(') {
            self.pos += 1;
            loop {
                patterns.push(self.list_mailbox()?);
                if self.peek() == Some(b')') {
                    self.pos += 1;
                    break;
                }
                self.sp()?;
            }
        } else {
            patterns.push(self.list_mailbox()?);
        }
        let mut returns = ListReturn::default();
        if self.peek() == Some(b' ') && !self.only_spaces_left() {
            self.sp()?;
            if !self.eat("RETURN") {
                return Err("Expected RETURN".into());
            }
            self.sp()?;
            self.expect(b'(')?;
            while self.peek() != Some(b')') {
                if self.peek() == Some(b' ') {
                    self.pos += 1;
                }
                let opt = self.atom()?.to_ascii_uppercase();
                match opt.as_str() {
                    "SUBSCRIBED" => returns.subscribed = true,
                    "CHILDREN" => returns.children = true,
                    "SPECIAL-USE" => returns.special_use = true,
                    "STATUS" => {
                        self.sp()?;
                        returns.status = Some(self.status_items()?);
                    }
                    _ => return Err(format!("Unknown LIST return option {opt}")),
                }
            }
            self.pos += 1;
        }
        Ok(CommandBody::List {
            reference,
            patterns,
            selection,
            returns,
        })
    }

    /// `"(" status-att *(SP status-att) ")"`
    fn status_items(&mut self) -> PResult<Vec<StatusItem>> {
        self.expect(b'(')?;
        let mut items = Vec::new();
        loop {
            let a = self.atom()?.to_ascii_uppercase();
            items.push(match a.as_str() {
                "MESSAGES" => StatusItem::Messages,
                "RECENT" => StatusItem::Recent,
                "UIDNEXT" => StatusItem::UidNext,
                "UIDVALIDITY" => StatusItem::UidValidity,
                "UNSEEN" => StatusItem::Unseen,
                "DELETED" => StatusItem::Deleted,
                "SIZE" => StatusItem::Size,
                "HIGHESTMODSEQ" => StatusItem::HighestModSeq,
                "DELETED-STORAGE" => StatusItem::DeletedStorage,
                "MAILBOXID" => StatusItem::MailboxId,
                _ => return Err(format!("Unknown STATUS item {a}")),
            });
            if self.peek() == Some(b')') {
                self.pos += 1;
                return Ok(items);
            }
            self.sp()?;
        }
    }

    /// `flag = "\" atom / atom` (system flags normalised).
    fn flag(&mut self) -> PResult<String> {
        let backslash = self.peek() == Some(b'\\');
        if backslash {
            self.pos += 1;
        }
        let name = self.atom()?;
        Ok(if backslash {
            normalize_flag(&format!("\\{name}"))
        } else {
            name.to_string()
        })
    }

    /// `flag-list = "(" [flag *(SP flag)] ")"`
    fn flag_list(&mut self) -> PResult<Vec<String>> {
        self.expect(b'(')?;
        let mut flags = Vec::new();
        while self.peek() != Some(b')') {
            if !flags.is_empty() {
                self.sp()?;
            }
            flags.push(self.flag()?);
        }
        self.pos += 1;
        Ok(flags)
    }

    /// `append = "APPEND" SP mailbox [SP flag-list] [SP date-time] SP literal`
    fn append(&mut self) -> PResult<CommandBody> {
        self.sp()?;
        let mailbox = self.mailbox()?;
        self.sp()?;
        let mut flags = Vec::new();
        if self.peek() == Some(b'(') {
            flags = self.flag_list()?;
            self.sp()?;
        }
        let mut date = None;
        if self.peek() == Some(b'"') {
            let raw = self.quoted()?;
            let s = std::str::from_utf8(&raw).map_err(|_| "Invalid date-time".to_string())?;
            date = Some(parse_date_time(s).ok_or_else(|| "Invalid date-time".to_string())?);
            self.sp()?;
        }
        // `literal8` (`~{n}`, RFC 3516 §4.4): the message may hold NUL and bare octets.
        if self.peek() == Some(b'~') {
            self.pos += 1;
        }
        if self.peek() != Some(b'{') {
            return Err("APPEND needs the message as a literal".into());
        }
        let message = self.literal()?;
        Ok(CommandBody::Append {
            mailbox,
            flags,
            date,
            message,
        })
    }

    fn seq_num(&mut self) -> PResult<SeqNum> {
        if self.peek() == Some(b'*') {
            self.pos += 1;
            Ok(SeqNum::Star)
        } else {
            Ok(SeqNum::Value(self.nz_number()?))
        }
    }

    /// `sequence-set = (seq-number / seq-range) ["," sequence-set]`, or `$` (RFC 5182).
    fn sequence_set(&mut self) -> PResult<SequenceSet> {
        if self.peek() == Some(b'$') {
            self.pos += 1;
            return Ok(SequenceSet::Saved);
        }
        let mut ranges = Vec::new();
        loop {
            let start = self.seq_num()?;
            let end = if self.peek() == Some(b':') {
                self.pos += 1;
                self.seq_num()?
            } else {
                start
            };
            ranges.push(SeqRange { start, end });
            if self.peek() == Some(b',') {
                self.pos += 1;
            } else {
                return Ok(SequenceSet::Ranges(ranges));
            }
        }
    }

    fn copy_move(&mut self, uid: bool, is_move: bool) -> PResult<CommandBody> {
        self.sp()?;
        let set = self.sequence_set()?;
        self.sp()?;
        let mailbox = self.mailbox()?;
        Ok(if is_move {
            CommandBody::Move { uid, set, mailbox }
        } else {
            CommandBody::Copy { uid, set, mailbox }
        })
    }

    /// `store = "STORE" SP sequence-set [store-modifiers] SP store-att-flags`
    fn store(&mut self, uid: bool) -> PResult<CommandBody> {
        self.sp()?;
        let set = self.sequence_set()?;
        self.sp()?;
        let mut unchanged_since = None;
        if self.peek() == Some(b'(') {
            self.pos += 1;
            if !self.eat("UNCHANGEDSINCE") {
                return Err("Unknown STORE modifier".into());
            }
            self.sp()?;
            unchanged_since = Some(self.number64()?);
            self.expect(b')')?;
            self.sp()?;
        }
        let mode = match self.peek() {
            Some(b'+') => {
                self.pos += 1;
                StoreMode::Add
            }
            Some(b'-') => {
                self.pos += 1;
                StoreMode::Remove
            }
            _ => StoreMode::Replace,
        };
        if !self.eat("FLAGS") {
            return Err("Expected FLAGS, +FLAGS or -FLAGS".into());
        }
        let silent = self.eat(".SILENT");
        self.sp()?;
        let flags = if self.peek() == Some(b'(') {
            self.flag_list()?
        } else {
            let mut flags = vec![self.flag()?];
            while self.peek() == Some(b' ') && !self.only_spaces_left() {
                self.sp()?;
                flags.push(self.flag()?);
            }
            flags
        };
        Ok(CommandBody::Store {
            uid,
            set,
            op: StoreOp {
                mode,
                silent,
                flags,
            },
            unchanged_since,
        })
    }

    /// `fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
    ///  "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]`
    fn fetch(&mut self, uid: bool) -> PResult<CommandBody> {
        self.sp()?;
        let set = self.sequence_set()?;
        self.sp()?;
        let mut attrs = Vec::new();
        if self.peek() == Some(b'(') {
            self.pos += 1;
            loop {
                attrs.push(self.fetch_att()?);
                if self.peek() == Some(b')') {
                    self.pos += 1;
                    break;
                }
                self.sp()?;
            }
        } else if self.eat_word("ALL") {
            attrs = vec![
                FetchAttr::Flags,
                FetchAttr::InternalDate,
                FetchAttr::Rfc822Size,
                FetchAttr::Envelope,
            ];
        } else if self.eat_word("FAST") {
            attrs = vec![
                FetchAttr::Flags,
                FetchAttr::InternalDate,
                FetchAttr::Rfc822Size,
            ];
        } else if self.eat_word("FULL") {
            attrs = vec![
                FetchAttr::Flags,
                FetchAttr::InternalDate,
                FetchAttr::Rfc822Size,
                FetchAttr::Envelope,
                FetchAttr::Body,
            ];
        } else {
            attrs.push(self.fetch_att()?);
        }
        let mut changed_since = None;
        let mut vanished = false;
        if self.peek() == Some(b' ') && !self.only_spaces_left() {
            self.sp()?;
            self.expect(b'(')?;
            // RFC 7162 §3.1.4, §3.2.6: `CHANGEDSINCE n` and `VANISHED`, in any order.
            loop {
                if self.eat_word("VANISHED") && !vanished {
                    vanished = true;
                } else if self.eat("CHANGEDSINCE") && changed_since.is_none() {
                    self.sp()?;
                    changed_since = Some(self.number64()?);
                } else {
                    return Err("Unknown FETCH modifier".into());
                }
                if self.peek() == Some(b')') {
                    self.pos += 1;
                    break;
                }
                self.sp()?;
            }
        }
        Ok(CommandBody::Fetch {
            uid,
            set,
            attrs,
            changed_since,
            vanished,
        })
    }

    /// Consume `word` only if it is followed by a delimiter (not more atom characters).
    fn eat_word(&mut self, word: &str) -> bool {
        let r = self.rest();
        let n = word.len();
        if r.len() >= n
            && r[..n].eq_ignore_ascii_case(word.as_bytes())
            && !r.get(n).copied().is_some_and(is_atom_char)
        {
            self.pos += n;
            true
        } else {
            false
        }
    }

    fn fetch_att(&mut self) -> PResult<FetchAttr> {
        // Attribute names: letters, digits, '.', stopping before '[' / '<' / SP / ')'.
        let name = self
            .take_while1(
                |c| c.is_ascii_alphanumeric() || c == b'.',
                "Expected a FETCH attribute",
            )?
            .to_ascii_uppercase();
        Ok(match name.as_str() {
            "ENVELOPE" => FetchAttr::Envelope,
            "FLAGS" => FetchAttr::Flags,
            "INTERNALDATE" => FetchAttr::InternalDate,
            "RFC822" => FetchAttr::Rfc822,
            "RFC822.HEADER" => FetchAttr::Rfc822Header,
            "RFC822.SIZE" => FetchAttr::Rfc822Size,
            "RFC822.TEXT" => FetchAttr::Rfc822Text,
            "BODYSTRUCTURE" => FetchAttr::BodyStructure,
            "UID" => FetchAttr::Uid,
            "MODSEQ" => FetchAttr::ModSeq,
            "EMAILID" => FetchAttr::EmailId,
            "THREADID" => FetchAttr::ThreadId,
            "BODY" if self.peek() != Some(b'[') => FetchAttr::Body,
            "BODY" | "BODY.PEEK" => {
                let section = self.section()?;
                let partial = self.partial()?;
                FetchAttr::BodySection {
                    peek: name == "BODY.PEEK",
                    section,
                    partial,
                }
            }
            "BINARY" | "BINARY.PEEK" => {
                let part = self.section_binary()?;
                let partial = self.partial()?;
                FetchAttr::Binary {
                    peek: name == "BINARY.PEEK",
                    part,
                    partial,
                }
            }
            "BINARY.SIZE" => FetchAttr::BinarySize {
                part: self.section_binary()?,
            },
            _ => return Err(format!("Unknown FETCH attribute {name}")),
        })
    }

    /// `section-binary = "[" [section-part] "]"` (RFC 3516).
    fn section_binary(&mut self) -> PResult<Vec<u32>> {
        self.expect(b'[')?;
        let mut part = Vec::new();
        while self.peek() != Some(b']') {
            if !part.is_empty() {
                self.expect(b'.')?;
            }
            part.push(self.nz_number()?);
        }
        self.pos += 1;
        Ok(part)
    }

    /// `section = "[" [section-spec] "]"`
    fn section(&mut self) -> PResult<Section> {
        self.expect(b'[')?;
        let mut section = Section::default();
        let mut after_dot = false;
        loop {
            match self.peek() {
                Some(b']') if !after_dot => {
                    self.pos += 1;
                    return Ok(section);
                }
                Some(b']') => return Err("Invalid section".into()),
                Some(c) if c.is_ascii_digit() => {
                    if section.text.is_some() {
                        return Err("Invalid section".into());
                    }
                    section.part.push(self.nz_number()?);
                    after_dot = false;
                    match self.peek() {
                        Some(b'.') => {
                            self.pos += 1;
                            after_dot = true;
                        }
                        Some(b']') => {}
                        _ => return Err("Invalid section".into()),
                    }
                }
                Some(_) => {
                    if section.text.is_some() {
                        return Err("Invalid section".into());
                    }
                    after_dot = false;
                    let word = self
                        .take_while1(|c| c.is_ascii_alphabetic() || c == b'.', "Invalid section")?
                        .to_ascii_uppercase();
                    section.text = Some(match word.as_str() {
                        "HEADER" => SectionText::Header,
                        "TEXT" => SectionText::Text,
                        "MIME" if !section.part.is_empty() => SectionText::Mime,
                        "HEADER.FIELDS" => {
                            self.sp()?;
                            SectionText::HeaderFields(self.header_list()?)
                        }
                        "HEADER.FIELDS.NOT" => {
                            self.sp()?;
                            SectionText::HeaderFieldsNot(self.header_list()?)
                        }
                        _ => return Err(format!("Invalid section text {word}")),
                    });
                }
                None => return Err("Unterminated section".into()),
            }
        }
    }

    /// `header-list = "(" header-fld-name *(SP header-fld-name) ")"`
    fn header_list(&mut self) -> PResult<Vec<String>> {
        self.expect(b'(')?;
        let mut names = Vec::new();
        loop {
            names.push(self.astring_utf8()?);
            if self.peek() == Some(b')') {
                self.pos += 1;
                return Ok(names);
            }
            self.sp()?;
        }
    }

    /// `partial = "<" number64 "." nz-number64 ">"`
    fn partial(&mut self) -> PResult<Option<Partial>> {
        if self.peek() != Some(b'<') {
            return Ok(None);
        }
        self.pos += 1;
        let origin = self.number()?;
        self.expect(b'.')?;
        let length = self.nz_number()?;
        self.expect(b'>')?;
        Ok(Some(Partial { origin, length }))
    }

    /// `search = "SEARCH" [search-return-opts] [SP "CHARSET" SP charset] 1*(SP search-key)`
    fn search(&mut self, uid: bool) -> PResult<CommandBody> {
        self.sp()?;
        let mut returns = None;
        if self.eat_word("RETURN") {
            self.sp()?;
            self.expect(b'(')?;
            let mut opts = Vec::new();
            while self.peek() != Some(b')') {
                if !opts.is_empty() {
                    self.sp()?;
                }
                let o = self.atom()?.to_ascii_uppercase();
                opts.push(match o.as_str() {
                    "MIN" => SearchReturn::Min,
                    "MAX" => SearchReturn::Max,
                    "ALL" => SearchReturn::All,
                    "COUNT" => SearchReturn::Count,
                    "SAVE" => SearchReturn::Save,
                    "PARTIAL" => self.partial_range()?,
                    "UPDATE" => SearchReturn::Update,
                    _ => return Err(format!("Unknown SEARCH return option {o}")),
                });
            }
            self.pos += 1;
            check_partial(&opts)?;
            returns = Some(opts);
            self.sp()?;
        }
        let mut charset = None;
        if self.eat_word("CHARSET") {
            self.sp()?;
            charset = Some(self.astring_utf8()?);
            self.sp()?;
        }
        let mut keys = vec![self.search_key(0)?];
        while self.peek() == Some(b' ') && !self.only_spaces_left() {
            self.sp()?;
            keys.push(self.search_key(0)?);
        }
        let criteria = if keys.len() == 1 {
            keys.pop().unwrap_or(SearchKey::All)
        } else {
            SearchKey::And(keys)
        };
        Ok(CommandBody::Search {
            uid,
            charset,
            returns,
            criteria,
        })
    }

    /// `sort = ["UID" SP] "SORT" [SP sort-return-opts] SP sort-criteria SP search-criteria`
    /// (RFC 5256 §5, RFC 5267 §3.2).
    fn sort(&mut self, uid: bool) -> PResult<CommandBody> {
        use super::sort::{SortCriterion, SortKey};
        self.sp()?;
        let mut returns = None;
        if self.eat_word("RETURN") {
            self.sp()?;
            returns = Some(self.search_return_opts()?);
            self.sp()?;
        }
        self.expect(b'(')?;
        let mut criteria = Vec::new();
        let mut reverse = false;
        while self.peek() != Some(b')') {
            if !criteria.is_empty() || reverse {
                self.sp()?;
            }
            let word = self.atom()?.to_ascii_uppercase();
            if word == "REVERSE" && !reverse {
                reverse = true;
                continue;
            }
            let key = SortKey::parse(&word).ok_or_else(|| format!("Unknown sort key {word}"))?;
            if criteria.len() >= 16 {
                return Err("Too many sort keys".into());
            }
            criteria.push(SortCriterion { key, reverse });
            reverse = false;
        }
        self.expect(b')')?;
        if criteria.is_empty() || reverse {
            return Err("Invalid sort criteria".into());
        }
        self.sp()?;
        let charset = self.astring_utf8()?;
        let search = self.search_criteria()?;
        Ok(CommandBody::Sort {
            uid,
            returns,
            criteria,
            charset,
            search,
        })
    }

    /// `append = "APPEND" SP mailbox 1*append-message` (RFC 3502 §6.3.11): the first message
    /// as in RFC 3501, then any further `SP [flag-list SP] [date-time SP] literal`.
    fn append_multi(&mut self) -> PResult<CommandBody> {
        let first = self.append()?;
        if self.peek() != Some(b' ') || self.only_spaces_left() {
            return Ok(first);
        }
        let CommandBody::Append {
            mailbox,
            flags,
            date,
            message,
        } = first
        else {
            return Ok(first);
        };
        use super::multiappend::{AppendMessage, MAX_MESSAGES};
        let mut messages = vec![AppendMessage {
            flags,
            date,
            message,
        }];
        while self.peek() == Some(b' ') && !self.only_spaces_left() {
            self.sp()?;
            let mut flags = Vec::new();
            if self.peek() == Some(b'(') {
                flags = self.flag_list()?;
                self.sp()?;
            }
            let mut date = None;
            if self.peek() == Some(b'"') {
                let raw = self.quoted()?;
                let s = std::str::from_utf8(&raw).map_err(|_| "Invalid date-time".to_string())?;
                date = Some(parse_date_time(s).ok_or_else(|| "Invalid date-time".to_string())?);
                self.sp()?;
            }
            // RFC 3516 literal8 (`~{n}`) carries the same bytes.
            if self.peek() == Some(b'~') {
                self.pos += 1;
            }
            if self.peek() != Some(b'{') {
                return Err("APPEND needs each message as a literal".into());
            }
            let message = self.literal()?;
            if messages.len() >= MAX_MESSAGES {
                return Err("Too many messages in one APPEND".into());
            }
            messages.push(AppendMessage {
                flags,
                date,
                message,
            });
        }
        Ok(CommandBody::MultiAppend { mailbox, messages })
    }

    /// `thread = ["UID" SP] "THREAD" SP thread-alg SP search-charset 1*(SP search-key)`
    /// (RFC 5256 §5).
    fn thread(&mut self, uid: bool) -> PResult<CommandBody> {
        self.sp()?;
        let word = self.atom()?;
        let algorithm = super::thread::ThreadAlgorithm::parse(word)
            .ok_or_else(|| format!("Unknown thread algorithm {word}"))?;
        self.sp()?;
        let charset = self.astring_utf8()?;
        let search = self.search_criteria()?;
        Ok(CommandBody::Thread {
            uid,
            algorithm,
            charset,
            search,
        })
    }

    /// `SP partial-range` after PARTIAL: `n:m` (RFC 5267 §4.4) or `-n:-m` (RFC 9394 §3.1),
    /// normalised so that the first number is the one nearer the start (or the end).
    fn partial_range(&mut self) -> PResult<SearchReturn> {
        self.sp()?;
        let neg_a = self.peek() == Some(b'-');
        if neg_a {
            self.pos += 1;
        }
        let a = self.nz_number()?;
        self.expect(b':')?;
        let neg_b = self.peek() == Some(b'-');
        if neg_b {
            self.pos += 1;
        }
        let b = self.nz_number()?;
        if neg_a != neg_b {
            return Err("Invalid PARTIAL range".into());
        }
        let (lo, hi) = (a.min(b), a.max(b));
        let lo = i32::try_from(lo).map_err(|_| "PARTIAL range too large".to_string())?;
        let hi = i32::try_from(hi).map_err(|_| "PARTIAL range too large".to_string())?;
        Ok(if neg_a {
            SearchReturn::Partial(-lo, -hi)
        } else {
            SearchReturn::Partial(lo, hi)
        })
    }

    /// `CANCELUPDATE tag-string *(SP tag-string)` (RFC 5267 §4.3).
    fn cancel_update(&mut self) -> PResult<CommandBody> {
        let mut tags = Vec::new();
        loop {
            self.sp()?;
            let t = self.string()?;
            tags.push(String::from_utf8(t).map_err(|_| "Invalid tag".to_string())?);
            if self.peek() != Some(b' ') || self.only_spaces_left() {
                break;
            }
        }
        Ok(CommandBody::CancelUpdate(tags))
    }

    /// `"(" search-return-opt *(SP search-return-opt) ")"` (RFC 4731 §3.1).
    fn search_return_opts(&mut self) -> PResult<Vec<SearchReturn>> {
        self.expect(b'(')?;
        let mut opts = Vec::new();
        while self.peek() != Some(b')') {
            if !opts.is_empty() {
                self.sp()?;
            }
            let o = self.atom()?.to_ascii_uppercase();
            opts.push(match o.as_str() {
                "MIN" => SearchReturn::Min,
                "MAX" => SearchReturn::Max,
                "ALL" => SearchReturn::All,
                "COUNT" => SearchReturn::Count,
                "PARTIAL" => self.partial_range()?,
                _ => return Err(format!("Unknown SORT return option {o}")),
            });
        }
        self.expect(b')')?;
        check_partial(&opts)?;
        Ok(opts)
    }

    /// `1*(SP search-key)`, ANDed.
    fn search_criteria(&mut self) -> PResult<SearchKey> {
        let mut keys = Vec::new();
        loop {
            self.sp()?;
            keys.push(self.search_key(0)?);
            if self.peek() != Some(b' ') || self.only_spaces_left() {
                break;
            }
        }
        Ok(if keys.len() == 1 {
            keys.pop().unwrap_or(SearchKey::All)
        } else {
            SearchKey::And(keys)
        })
    }

    /// `date = date-text / DQUOTE date-text DQUOTE`
    fn search_date(&mut self) -> PResult<NaiveDate> {
        let raw = if self.peek() == Some(b'"') {
            String::from_utf8(self.quoted()?).map_err(|_| "Invalid date".to_string())?
        } else {
            self.atom()?.to_string()
        };
        parse_date_text(&raw).ok_or_else(|| format!("Invalid date {raw}"))
    }

    fn search_string(&mut self) -> PResult<String> {
        // Charset is checked by the session (BADCHARSET); be lenient with stray 8-bit here.
        Ok(String::from_utf8_lossy(&self.astring()?).into_owned())
    }

    fn search_key(&mut self, depth: usize) -> PResult<SearchKey> {
        if depth > MAX_SEARCH_DEPTH {
            return Err("Search key nested too deeply".into());
        }
        match self.peek() {
            Some(b'(') => {
                self.pos += 1;
                let mut keys = vec![self.search_key(depth + 1)?];
                while self.peek() != Some(b')') {
                    self.sp()?;
                    keys.push(self.search_key(depth + 1)?);
                }
                self.pos += 1;
                return Ok(if keys.len() == 1 {
                    keys.pop().unwrap_or(SearchKey::All)
                } else {
                    SearchKey::And(keys)
                });
            }
            Some(c) if c.is_ascii_digit() || c == b'*' || c == b'$' => {
                return Ok(SearchKey::SequenceSet(self.sequence_set()?));
            }
            _ => {}
        }
        let word = self.atom()?.to_ascii_uppercase();
        let key = match word.as_str() {
            "ALL" => SearchKey::All,
            "ANSWERED" => SearchKey::Answered,
            "DELETED" => SearchKey::Deleted,
            "DRAFT" => SearchKey::Draft,
            "FLAGGED" => SearchKey::Flagged,
            "SEEN" => SearchKey::Seen,
            "RECENT" => SearchKey::Recent,
            "NEW" => SearchKey::New,
            "OLD" => SearchKey::Old,
            "UNANSWERED" => SearchKey::Unanswered,
            "UNDELETED" => SearchKey::Undeleted,
            "UNDRAFT" => SearchKey::Undraft,
            "UNFLAGGED" => SearchKey::Unflagged,
            "UNSEEN" => SearchKey::Unseen,
            "KEYWORD" | "UNKEYWORD" => {
                self.sp()?;
                let kw = self.flag()?;
                if word == "KEYWORD" {
                    SearchKey::Keyword(kw)
                } else {
                    SearchKey::Unkeyword(kw)
                }
            }
            "BEFORE" | "ON" | "SINCE" | "SENTBEFORE" | "SENTON" | "SENTSINCE" => {
                self.sp()?;
                let d = self.search_date()?;
                match word.as_str() {
                    "BEFORE" => SearchKey::Before(d),
                    "ON" => SearchKey::On(d),
                    "SINCE" => SearchKey::Since(d),
                    "SENTBEFORE" => SearchKey::SentBefore(d),
                    "SENTON" => SearchKey::SentOn(d),
                    _ => SearchKey::SentSince(d),
                }
            }
            "LARGER" | "SMALLER" => {
                self.sp()?;
                let n = self.number64()?;
                if word == "LARGER" {
                    SearchKey::Larger(n)
                } else {
                    SearchKey::Smaller(n)
                }
            }
            "BCC" | "BODY" | "CC" | "FROM" | "SUBJECT" | "TEXT" | "TO" => {
                self.sp()?;
                let s = self.search_string()?;
                match word.as_str() {
                    "BCC" => SearchKey::Bcc(s),
                    "BODY" => SearchKey::Body(s),
                    "CC" => SearchKey::Cc(s),
                    "FROM" => SearchKey::From(s),
                    "SUBJECT" => SearchKey::Subject(s),
                    "TEXT" => SearchKey::Text(s),
                    _ => SearchKey::To(s),
                }
            }
            "HEADER" => {
                self.sp()?;
                let name = self.search_string()?;
                self.sp()?;
                let value = self.search_string()?;
                SearchKey::Header(name, value)
            }
            "UID" => {
                self.sp()?;
                SearchKey::Uid(self.sequence_set()?)
            }
            "NOT" => {
                self.sp()?;
                SearchKey::Not(Box::new(self.search_key(depth + 1)?))
            }
            "OR" => {
                self.sp()?;
                let a = self.search_key(depth + 1)?;
                self.sp()?;
                let b = self.search_key(depth + 1)?;
                SearchKey::Or(Box::new(a), Box::new(b))
            }
            "MODSEQ" => {
                self.sp()?;
                // Optional `entry-name SP entry-type-req SP` (RFC 7162 §3.1.5).
                if self.peek() == Some(b'"') {
                    self.quoted()?;
                    self.sp()?;
                    self.atom()?;
                    self.sp()?;
                }
                SearchKey::ModSeq(self.number64()?)
            }
            _ => return Err(format!("Unknown search key {word}")),
        };
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> CommandBody {
        match parse_command(s.as_bytes()) {
            Ok(c) => c.body,
            Err(e) => panic!("{s:?} failed: {e:?}"),
        }
    }

    fn bad(s: &str) -> ParseError {
        match parse_command(s.as_bytes()) {
            Ok(c) => panic!("{s:?} parsed as {c:?}"),
            Err(e) => e,
        }
    }

    fn set(ranges: &[(SeqNum, SeqNum)]) -> SequenceSet {
        SequenceSet::Ranges(
            ranges
                .iter()
                .map(|&(start, end)| SeqRange { start, end })
                .collect(),
        )
    }
    use SeqNum::{Star, Value as V};

    #[test]
    fn simple_commands() {
        let c = parse_command(b"a001 CAPABILITY\r\n").unwrap();
        assert_eq!(c.tag, "a001");
        assert_eq!(c.body, CommandBody::Capability);
        assert_eq!(ok("A noop\r\n"), CommandBody::Noop);
        assert_eq!(ok("A LOGOUT\r\n"), CommandBody::Logout);
        assert_eq!(ok("A STARTTLS\r\n"), CommandBody::StartTls);
        assert_eq!(ok("A NAMESPACE\r\n"), CommandBody::Namespace);
        assert_eq!(
            ok("A GETQUOTAROOT inbox\r\n"),
            CommandBody::GetQuotaRoot {
                mailbox: "INBOX".into()
            }
        );
        assert_eq!(
            ok("A GETQUOTA \"\"\r\n"),
            CommandBody::GetQuota { root: "".into() }
        );
        assert_eq!(
            ok("A SETQUOTA \"\" (STORAGE 512 message 10)\r\n"),
            CommandBody::SetQuota {
                root: "".into(),
                limits: vec![("STORAGE".into(), 512), ("MESSAGE".into(), 10)]
            }
        );
        assert_eq!(ok("A IDLE\r\n"), CommandBody::Idle);
        assert_eq!(ok("A CHECK\r\n"), CommandBody::Check);
        assert_eq!(ok("A CLOSE\r\n"), CommandBody::Close);
        assert_eq!(ok("A UNSELECT\r\n"), CommandBody::Unselect);
        assert_eq!(ok("A EXPUNGE\r\n"), CommandBody::Expunge { uids: None });
        // Bare LF and trailing space tolerated.
        assert_eq!(ok("A NOOP \n"), CommandBody::Noop);
    }

    #[test]
    fn login_forms() {
        assert_eq!(
            ok("a LOGIN fred \"pa\\\"ss\\\\w d\"\r\n"),
            CommandBody::Login {
                username: "fred".into(),
                password: "pa\"ss\\w d".into()
            }
        );
        assert_eq!(
            ok("a LOGIN {4}\r\nfred {5+}\r\nsecr}\r\n"),
            CommandBody::Login {
                username: "fred".into(),
                password: "secr}".into()
            }
        );
        assert_eq!(
            ok("a login \"jürgen@example.org\" x\r\n"),
            CommandBody::Login {
                username: "jürgen@example.org".into(),
                password: "x".into()
            }
        );
    }

    #[test]
    fn authenticate() {
        assert_eq!(
            ok("a AUTHENTICATE PLAIN\r\n"),
            CommandBody::Authenticate {
                mechanism: "PLAIN".into(),
                initial_response: None
            }
        );
        assert_eq!(
            ok("a authenticate plain AGZyZWQAc2VjcmV0\r\n"),
            CommandBody::Authenticate {
                mechanism: "PLAIN".into(),
                initial_response: Some("AGZyZWQAc2VjcmV0".into())
            }
        );
        assert_eq!(
            ok("a AUTHENTICATE PLAIN =\r\n"),
            CommandBody::Authenticate {
                mechanism: "PLAIN".into(),
                initial_response: Some("=".into())
            }
        );
        assert!(is_idle_done(b"done\r\n"));
        assert!(!is_idle_done(b"a NOOP\r\n"));
    }

    #[test]
    fn mailbox_commands() {
        assert_eq!(
            ok("a SELECT inbox\r\n"),
            CommandBody::Select {
                mailbox: "INBOX".into(),
                condstore: false,
                qresync: None
            }
        );
        assert_eq!(
            ok("a EXAMINE \"Sent Items\" (CONDSTORE)\r\n"),
            CommandBody::Examine {
                mailbox: "Sent Items".into(),
                condstore: true,
                qresync: None
            }
        );
        assert_eq!(
            ok("a CREATE Archive/2024\r\n"),
            CommandBody::Create {
                mailbox: "Archive/2024".into()
            }
        );
        assert_eq!(
            ok("a DELETE foo\r\n"),
            CommandBody::Delete {
                mailbox: "foo".into()
            }
        );
        assert_eq!(
            ok("a RENAME foo \"b r\"\r\n"),
            CommandBody::Rename {
                from: "foo".into(),
                to: "b r".into()
            }
        );
        assert_eq!(
            ok("a SUBSCRIBE &AMQ-t\r\n"),
            CommandBody::Subscribe {
                mailbox: "&AMQ-t".into()
            }
        );
        assert_eq!(
            ok("a UNSUBSCRIBE x\r\n"),
            CommandBody::Unsubscribe {
                mailbox: "x".into()
            }
        );
        assert_eq!(
            ok(
                "a STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN RECENT SIZE HIGHESTMODSEQ)\r\n"
            ),
            CommandBody::Status {
                mailbox: "INBOX".into(),
                items: vec![
                    StatusItem::Messages,
                    StatusItem::UidNext,
                    StatusItem::UidValidity,
                    StatusItem::Unseen,
                    StatusItem::Recent,
                    StatusItem::Size,
                    StatusItem::HighestModSeq
                ]
            }
        );
        assert_eq!(
            ok("a LSUB \"\" *\r\n"),
            CommandBody::Lsub {
                reference: "".into(),
                pattern: "*".into()
            }
        );
    }

    #[test]
    fn list_variants() {
        assert_eq!(
            ok("a LIST \"\" \"*\"\r\n"),
            CommandBody::List {
                reference: "".into(),
                patterns: vec!["*".into()],
                selection: ListSelection::default(),
                returns: ListReturn::default()
            }
        );
        assert_eq!(
            ok("a list \"\" %\r\n"),
            CommandBody::List {
                reference: "".into(),
                patterns: vec!["%".into()],
                selection: ListSelection::default(),
                returns: ListReturn::default()
            }
        );
        assert_eq!(
            ok("a LIST (SPECIAL-USE) \"\" \"*\"\r\n"),
            CommandBody::List {
                reference: "".into(),
                patterns: vec!["*".into()],
                selection: ListSelection {
                    special_use: true,
                    ..Default::default()
                },
                returns: ListReturn::default()
            }
        );
        assert_eq!(
            ok("a LIST \"\" \"*\" RETURN (SPECIAL-USE SUBSCRIBED)\r\n"),
            CommandBody::List {
                reference: "".into(),
                patterns: vec!["*".into()],
                selection: ListSelection::default(),
                returns: ListReturn {
                    special_use: true,
                    subscribed: true,
                    ..Default::default()
                }
            }
        );
        assert_eq!(
            ok(
                "a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (INBOX \"Foo/%\") RETURN (CHILDREN STATUS (MESSAGES UNSEEN))\r\n"
            ),
            CommandBody::List {
                reference: "".into(),
                patterns: vec!["INBOX".into(), "Foo/%".into()],
                selection: ListSelection {
                    subscribed: true,
                    recursive_match: true,
                    ..Default::default()
                },
                returns: ListReturn {
                    children: true,
                    status: Some(vec![StatusItem::Messages, StatusItem::Unseen]),
                    ..Default::default()
                }
            }
        );
        assert_eq!(
            ok("a LIST () \"\" \"\" RETURN ()\r\n"),
            CommandBody::List {
                reference: "".into(),
                patterns: vec!["".into()],
                selection: ListSelection::default(),
                returns: ListReturn::default()
            }
        );
        bad("a LIST (RECURSIVEMATCH) \"\" *\r\n");
        bad("a LIST (BOGUS) \"\" *\r\n");
        bad("a LIST \"\" * RETURN (BOGUS)\r\n");
        bad("a LIST \"\"\r\n");
    }

    #[test]
    fn append_forms() {
        assert_eq!(
            ok("a APPEND saved-messages (\\Seen) {7}\r\nHi\r\n\r\nx\r\n"),
            CommandBody::Append {
                mailbox: "saved-messages".into(),
                flags: vec!["\\Seen".into()],
                date: None,
                message: b"Hi\r\n\r\nx".to_vec()
            }
        );
        let body =
            ok("a APPEND INBOX (\\seen $Junk) \" 7-Feb-1994 21:52:25 -0800\" {3+}\r\nabc\r\n");
        let CommandBody::Append {
            flags,
            date,
            message,
            ..
        } = body
        else {
            panic!()
        };
        assert_eq!(flags, vec!["\\Seen".to_string(), "$Junk".to_string()]);
        assert_eq!(date.unwrap().to_rfc3339(), "1994-02-07T21:52:25-08:00");
        assert_eq!(message, b"abc");
        let body = ok("a APPEND Drafts \"17-Jul-1996 02:44:25 -0700\" {1}\r\nz\r\n");
        assert!(matches!(body, CommandBody::Append { date: Some(_), .. }));
        bad("a APPEND INBOX \"bad date\" {1}\r\nz\r\n");
        bad("a APPEND INBOX {5}\r\nab\r\n");
        bad("a APPEND INBOX \"x\"\r\n");
        // literal8 (RFC 3516 §4.4), NUL included.
        let CommandBody::Append { message, .. } = ok("a APPEND INBOX ~{3+}\r\na\0b\r\n") else {
            panic!()
        };
        assert_eq!(message, b"a\0b");
        bad("a APPEND INBOX ~\"x\"\r\n");
    }

    #[test]
    fn fetch_forms() {
        let f = |s: &str| match ok(s) {
            CommandBody::Fetch { attrs, .. } => attrs,
            o => panic!("{o:?}"),
        };
        assert_eq!(
            ok("a FETCH 1:* FAST\r\n"),
            CommandBody::Fetch {
                uid: false,
                set: set(&[(V(1), Star)]),
                attrs: vec![
                    FetchAttr::Flags,
                    FetchAttr::InternalDate,
                    FetchAttr::Rfc822Size
                ],
                changed_since: None,
                vanished: false
            }
        );
        assert_eq!(f("a FETCH 1 ALL\r\n").len(), 4);
        assert_eq!(f("a FETCH 1 full\r\n").len(), 5);
        assert_eq!(
            f(
                "a FETCH 2:4,7 (FLAGS UID RFC822.SIZE INTERNALDATE ENVELOPE BODY BODYSTRUCTURE RFC822 RFC822.HEADER RFC822.TEXT)\r\n"
            ),
            vec![
                FetchAttr::Flags,
                FetchAttr::Uid,
                FetchAttr::Rfc822Size,
                FetchAttr::InternalDate,
                FetchAttr::Envelope,
                FetchAttr::Body,
                FetchAttr::BodyStructure,
                FetchAttr::Rfc822,
                FetchAttr::Rfc822Header,
                FetchAttr::Rfc822Text
            ]
        );
        assert_eq!(
            f("a FETCH 1 BODY[]\r\n"),
            vec![FetchAttr::BodySection {
                peek: false,
                section: Section::default(),
                partial: None
            }]
        );
        assert_eq!(
            f("a FETCH 1 (BODY.PEEK[HEADER.FIELDS (From To \"Subject\")]<0.1024>)\r\n"),
            vec![FetchAttr::BodySection {
                peek: true,
                section: Section {
                    part: vec![],
                    text: Some(SectionText::HeaderFields(vec![
                        "From".into(),
                        "To".into(),
                        "Subject".into()
                    ]))
                },
                partial: Some(Partial {
                    origin: 0,
                    length: 1024
                })
            }]
        );
        assert_eq!(
            f("a FETCH 1 BODY.PEEK[HEADER.FIELDS.NOT (Received)]\r\n"),
            vec![FetchAttr::BodySection {
                peek: true,
                section: Section {
                    part: vec![],
                    text: Some(SectionText::HeaderFieldsNot(vec!["Received".into()]))
                },
                partial: None
            }]
        );
        assert_eq!(
            f("a FETCH 1 (BODY[1.2.3] BODY[1.2.HEADER] BODY[2.MIME] BODY[TEXT])\r\n"),
            vec![
                FetchAttr::BodySection {
                    peek: false,
                    section: Section {
                        part: vec![1, 2, 3],
                        text: None
                    },
                    partial: None
                },
                FetchAttr::BodySection {
                    peek: false,
                    section: Section {
                        part: vec![1, 2],
                        text: Some(SectionText::Header)
                    },
                    partial: None
                },
                FetchAttr::BodySection {
                    peek: false,
                    section: Section {
                        part: vec![2],
                        text: Some(SectionText::Mime)
                    },
                    partial: None
                },
                FetchAttr::BodySection {
                    peek: false,
                    section: Section {
                        part: vec![],
                        text: Some(SectionText::Text)
                    },
                    partial: None
                },
            ]
        );
        assert_eq!(
            f("a FETCH 1 (BINARY.PEEK[1.2]<0.10> BINARY.SIZE[1] BINARY[])\r\n"),
            vec![
                FetchAttr::Binary {
                    peek: true,
                    part: vec![1, 2],
                    partial: Some(Partial {
                        origin: 0,
                        length: 10
                    })
                },
                FetchAttr::BinarySize { part: vec![1] },
                FetchAttr::Binary {
                    peek: false,
                    part: vec![],
                    partial: None
                }
            ]
        );
        assert_eq!(
            ok("a UID FETCH 100:* (FLAGS) (CHANGEDSINCE 12345)\r\n"),
            CommandBody::Fetch {
                uid: true,
                set: set(&[(V(100), Star)]),
                attrs: vec![FetchAttr::Flags],
                changed_since: Some(12345),
                vanished: false
            }
        );
        bad("a FETCH 1 BODY[MIME]\r\n");
        bad("a FETCH 1 BODY[1.]\r\n");
        bad("a FETCH 1 BODY[HEADER\r\n");
        bad("a FETCH 1 (FLAGS\r\n");
        bad("a FETCH 0 FLAGS\r\n");
        bad("a FETCH 1 BOGUS\r\n");
        bad("a FETCH 1 BODY[]<5>\r\n");
        bad("a FETCH 1:2: FLAGS\r\n");
    }

    #[test]
    fn store_forms() {
        assert_eq!(
            ok("a STORE 2:4 +FLAGS (\\Deleted)\r\n"),
            CommandBody::Store {
                uid: false,
                set: set(&[(V(2), V(4))]),
                op: StoreOp {
                    mode: StoreMode::Add,
                    silent: false,
                    flags: vec!["\\Deleted".into()]
                },
                unchanged_since: None
            }
        );
        assert_eq!(
            ok("a UID STORE 5:2 -FLAGS.SILENT \\SEEN $Label1\r\n"),
            CommandBody::Store {
                uid: true,
                set: set(&[(V(5), V(2))]),
                op: StoreOp {
                    mode: StoreMode::Remove,
                    silent: true,
                    flags: vec!["\\Seen".into(), "$Label1".into()]
                },
                unchanged_since: None
            }
        );
        assert_eq!(
            ok("a STORE * (UNCHANGEDSINCE 7) FLAGS ()\r\n"),
            CommandBody::Store {
                uid: false,
                set: set(&[(Star, Star)]),
                op: StoreOp {
                    mode: StoreMode::Replace,
                    silent: false,
                    flags: vec![]
                },
                unchanged_since: Some(7)
            }
        );
        bad("a STORE 1 FLAGZ (\\Seen)\r\n");
        bad("a STORE 1 +FLAGS\r\n");
    }

    #[test]
    fn copy_move_expunge() {
        assert_eq!(
            ok("a COPY 1:3 Trash\r\n"),
            CommandBody::Copy {
                uid: false,
                set: set(&[(V(1), V(3))]),
                mailbox: "Trash".into()
            }
        );
        assert_eq!(
            ok("a UID MOVE 42 \"Junk\"\r\n"),
            CommandBody::Move {
                uid: true,
                set: set(&[(V(42), V(42))]),
                mailbox: "Junk".into()
            }
        );
        assert_eq!(
            ok("a uid copy $ x\r\n"),
            CommandBody::Copy {
                uid: true,
                set: SequenceSet::Saved,
                mailbox: "x".into()
            }
        );
        assert_eq!(
            ok("a UID EXPUNGE 3000:3002,*\r\n"),
            CommandBody::Expunge {
                uids: Some(set(&[(V(3000), V(3002)), (Star, Star)]))
            }
        );
        bad("a UID EXPUNGE\r\n");
        bad("a UID NOOP\r\n");
    }

    #[test]
    fn search_forms() {
        let s = |q: &str| match ok(q) {
            CommandBody::Search { criteria, .. } => criteria,
            o => panic!("{o:?}"),
        };
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(s("a SEARCH ALL\r\n"), SearchKey::All);
        assert_eq!(
            s("a SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n"),
            SearchKey::And(vec![
                SearchKey::Flagged,
                SearchKey::Since(d(1994, 2, 1)),
                SearchKey::Not(Box::new(SearchKey::From("Smith".into())))
            ])
        );
        assert_eq!(
            s("a SEARCH OR (SEEN UNDELETED) UID 1:5 NEW\r\n"),
            SearchKey::And(vec![
                SearchKey::Or(
                    Box::new(SearchKey::And(vec![SearchKey::Seen, SearchKey::Undeleted])),
                    Box::new(SearchKey::Uid(set(&[(V(1), V(5))])))
                ),
                SearchKey::New
            ])
        );
        assert_eq!(
            s("a SEARCH 1:3,* HEADER Message-ID \"<a@b>\" LARGER 100 SMALLER 5000\r\n"),
            SearchKey::And(vec![
                SearchKey::SequenceSet(set(&[(V(1), V(3)), (Star, Star)])),
                SearchKey::Header("Message-ID".into(), "<a@b>".into()),
                SearchKey::Larger(100),
                SearchKey::Smaller(5000)
            ])
        );
        assert_eq!(
            s(
                "a SEARCH KEYWORD $Junk UNKEYWORD foo SENTON \"7-Jul-2020\" BEFORE 01-JAN-2021 ON 2-Mar-2020 SENTBEFORE 1-Jan-2000 SENTSINCE 1-Jan-1999\r\n"
            ),
            SearchKey::And(vec![
                SearchKey::Keyword("$Junk".into()),
                SearchKey::Unkeyword("foo".into()),
                SearchKey::SentOn(d(2020, 7, 7)),
                SearchKey::Before(d(2021, 1, 1)),
                SearchKey::On(d(2020, 3, 2)),
                SearchKey::SentBefore(d(2000, 1, 1)),
                SearchKey::SentSince(d(1999, 1, 1)),
            ])
        );
        assert_eq!(
            ok("a UID SEARCH CHARSET UTF-8 TEXT {6}\r\nGrüß\r\n"),
            CommandBody::Search {
                uid: true,
                charset: Some("UTF-8".into()),
                returns: None,
                criteria: SearchKey::Text("Grüß".into())
            }
        );
        assert_eq!(
            ok("a SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN\r\n"),
            CommandBody::Search {
                uid: false,
                charset: None,
                returns: Some(vec![
                    SearchReturn::Min,
                    SearchReturn::Max,
                    SearchReturn::Count,
                    SearchReturn::All
                ]),
                criteria: SearchKey::Unseen
            }
        );
        assert_eq!(
            ok("a SEARCH RETURN () ALL\r\n"),
            CommandBody::Search {
                uid: false,
                charset: None,
                returns: Some(vec![]),
                criteria: SearchKey::All
            }
        );
        assert_eq!(
            s("a SEARCH TO x CC y BCC z SUBJECT \"hello world\" BODY b ANSWERED DELETED DRAFT RECENT OLD UNANSWERED UNDRAFT UNFLAGGED UNSEEN MODSEQ \"/flags/\\\\draft\" all 620\r\n")
                .clone(),
            SearchKey::And(vec![
                SearchKey::To("x".into()),
                SearchKey::Cc("y".into()),
                SearchKey::Bcc("z".into()),
                SearchKey::Subject("hello world".into()),
                SearchKey::Body("b".into()),
                SearchKey::Answered,
                SearchKey::Deleted,
                SearchKey::Draft,
                SearchKey::Recent,
                SearchKey::Old,
                SearchKey::Unanswered,
                SearchKey::Undraft,
                SearchKey::Unflagged,
                SearchKey::Unseen,
                SearchKey::ModSeq(620),
            ])
        );
        bad("a SEARCH\r\n");
        bad("a SEARCH BOGUS\r\n");
        bad("a SEARCH SINCE 31-Foo-2020\r\n");
        bad("a SEARCH OR SEEN\r\n");
        bad("a SEARCH (SEEN\r\n");
        bad("a SEARCH RETURN (FOO) ALL\r\n");
        // RFC 5267 §4: PARTIAL (normalised) and UPDATE; CANCELUPDATE.
        match ok("a UID SEARCH RETURN (UPDATE PARTIAL 20:11) ALL\r\n") {
            CommandBody::Search { returns, .. } => assert_eq!(
                returns,
                Some(vec![SearchReturn::Update, SearchReturn::Partial(11, 20)])
            ),
            other => panic!("{other:?}"),
        }
        match ok("a SORT RETURN (PARTIAL -1:-5) (DATE) UTF-8 ALL\r\n") {
            CommandBody::Sort { returns, .. } => {
                assert_eq!(returns, Some(vec![SearchReturn::Partial(-1, -5)]))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            ok("a CANCELUPDATE \"x1\" \"x2\"\r\n"),
            CommandBody::CancelUpdate(vec!["x1".into(), "x2".into()])
        );
        bad("a CANCELUPDATE\r\n");
        bad("a SEARCH RETURN (PARTIAL 0:5) ALL\r\n");
        bad("a SEARCH RETURN (PARTIAL 1:-5) ALL\r\n");
        bad("a SEARCH RETURN (ALL PARTIAL 1:5) ALL\r\n");
        bad("a SEARCH RETURN (PARTIAL 1:5 PARTIAL 6:9) ALL\r\n");
        bad("a SEARCH RETURN (PARTIAL 1:3000000000) ALL\r\n");
        let deep = format!("a SEARCH {}SEEN\r\n", "NOT ".repeat(100));
        bad(&deep);
    }

    #[test]
    fn enable_id() {
        assert_eq!(
            ok("a ENABLE UTF8=ACCEPT CONDSTORE\r\n"),
            CommandBody::Enable(vec!["UTF8=ACCEPT".into(), "CONDSTORE".into()])
        );
        assert_eq!(ok("a ID NIL\r\n"), CommandBody::Id(None));
        assert_eq!(
            ok("a ID (\"name\" \"Thunderbird\" \"version\" NIL)\r\n"),
            CommandBody::Id(Some(vec![
                ("name".into(), Some("Thunderbird".into())),
                ("version".into(), None)
            ]))
        );
        assert_eq!(ok("a ID ()\r\n"), CommandBody::Id(Some(vec![])));
        bad("a ENABLE\r\n");
        bad("a ID (\"name\")\r\n");
    }

    #[test]
    fn bad_syntax() {
        let e = bad("\r\n");
        assert_eq!(e.tag, None);
        let e = bad("+bad NOOP\r\n");
        assert_eq!(e.tag, None);
        let e = bad("a1 FROB\r\n");
        assert_eq!(e.tag.as_deref(), Some("a1"));
        assert!(e.reason.contains("FROB"));
        bad("a1\r\n");
        bad("a1 NOOP extra\r\n");
        bad("a1 LOGIN \"unterminated\r\n");
        bad("a1 LOGIN \"bad\\escape\" x\r\n");
        bad("a1 LOGIN {99}\r\nshort\r\n");
        bad("a1 LOGIN {18446744073709551615}\r\nx\r\n");
        bad("a1 LOGIN {99999999999999999999999}\r\nx\r\n");
        bad("a1 SELECT\r\n");
        bad("a1 SELECT INBOX (QRESYNC)\r\n");
        bad("a1 FETCH 4294967296 FLAGS\r\n");
        assert_eq!(peek_tag(b"x12 FOO BAR"), Some("x12".into()));
        assert_eq!(peek_tag(b"(x BAR"), None);
        // Arbitrary bytes never panic.
        for i in 0..=255u8 {
            let _ = parse_command(&[b'a', b' ', i, b'\r', b'\n']);
            let _ = parse_command(&[i, b' ', b'F', b'E', b'T', b'C', b'H', b' ', i]);
        }
    }

    #[test]
    fn date_time_parsing() {
        let dt = parse_date_time("17-Jul-1996 02:44:25 -0700").unwrap();
        assert_eq!(dt.timestamp(), 837_596_665);
        assert!(parse_date_time("17-Jul-1996 02:44:25 0700").is_none());
        assert!(parse_date_time("32-Jul-1996 02:44:25 +0000").is_none());
        assert!(parse_date_time("17-Jul-1996 25:44:25 +0000").is_none());
    }

    #[test]
    fn real_client_lines() {
        for line in [
            // Thunderbird
            "1 capability",
            "2 ID (\"name\" \"Thunderbird\" \"version\" \"115.3.1\")",
            "3 authenticate PLAIN",
            "4 list (subscribed) \"\" \"*\" return (special-use)",
            "5 select \"INBOX\" (CONDSTORE)",
            "6 UID fetch 1:* (FLAGS)",
            "7 UID fetch 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])",
            "8 UID fetch 5 (UID RFC822.SIZE BODY[]<0.10240>)",
            "9 uid store 5 +Flags (\\Seen)",
            "10 UID MOVE 5 \"Trash\"",
            "11 IDLE",
            // Apple Mail
            "A1 LIST \"\" \"*\" RETURN (CHILDREN SPECIAL-USE)",
            "A2 STATUS \"Sent Messages\" (MESSAGES UNSEEN UIDNEXT UIDVALIDITY HIGHESTMODSEQ)",
            "A3 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1)",
            "A4 UID SEARCH 1:* NOT DELETED",
            "A5 UID FETCH 3 (BODYSTRUCTURE BODY.PEEK[HEADER] RFC822.SIZE)",
            // mutt
            "a0005 UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (DATE FROM SENDER SUBJECT TO CC MESSAGE-ID REFERENCES CONTENT-TYPE CONTENT-DESCRIPTION IN-REPLY-TO REPLY-TO LINES LIST-POST X-LABEL)])",
            "a0006 UID STORE 4 -FLAGS.SILENT (\\Flagged)",
            "a0007 LSUB \"\" \"*\"",
            // mbsync
            "3 UID FETCH 1:1000000000 (UID FLAGS BODY.PEEK[HEADER.FIELDS (X-TUID)])",
            "4 APPEND \"INBOX\" (\\Seen) {5+}\r\nhello",
            "5 UID EXPUNGE 1:3",
            "6 UID FETCH 9 (BODY.PEEK[])",
            // Outlook
            "B1 AUTHENTICATE PLAIN AHVzZXIAcGFzcw==",
            "B2 UID SEARCH UNDELETED SINCE 01-Jan-2024",
            "B3 NAMESPACE",
            "B4 UID COPY 4:6 \"Archive\"",
            // python imaplib
            "ABCD1 LOGIN user \"secret pass\"",
            "ABCD2 SEARCH CHARSET UTF-8 FROM \"x\"",
            "ABCD3 FETCH 1 (RFC822)",
            "ABCD4 STORE 1 +FLAGS \\Deleted",
            "ABCD5 EXPUNGE",
            "ABCD6 ENABLE UTF8=ACCEPT",
            "ABCD7 UNSELECT",
        ] {
            let input = format!("{line}\r\n");
            if let Err(e) = parse_command(input.as_bytes()) {
                panic!("{line}: {e}");
            }
        }
    }

    #[test]
    fn qresync_forms() {
        assert_eq!(
            ok("a SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n"),
            CommandBody::Select {
                mailbox: "INBOX".into(),
                condstore: false,
                qresync: Some(Qresync {
                    uidvalidity: 67890007,
                    modseq: 20050715194045000,
                    known_uids: Some(set(&[
                        (SeqNum::Value(41), SeqNum::Value(41)),
                        (SeqNum::Value(43), SeqNum::Value(211)),
                        (SeqNum::Value(214), SeqNum::Value(541))
                    ])),
                    seq_match: None,
                }),
            }
        );
        let CommandBody::Examine { qresync, .. } =
            ok("a EXAMINE INBOX (QRESYNC (1 5 1:9 (3,5 4,9)) CONDSTORE)\r\n")
        else {
            panic!("not EXAMINE");
        };
        let q = qresync.unwrap();
        assert!(q.known_uids.is_some() && q.seq_match.is_some());
        let CommandBody::Select { qresync, .. } = ok("a SELECT INBOX (QRESYNC (1 5))\r\n") else {
            panic!("not SELECT");
        };
        assert_eq!(qresync.unwrap().known_uids, None);
        assert!(parse_command(b"a SELECT INBOX (QRESYNC (1 0))\r\n").is_err());
        let CommandBody::Fetch {
            changed_since,
            vanished,
            ..
        } = ok("a UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n")
        else {
            panic!("not FETCH");
        };
        assert_eq!((changed_since, vanished), (Some(12345), true));
        assert!(parse_command(b"a FETCH 1 FLAGS (BOGUS)\r\n").is_err());
    }
}
