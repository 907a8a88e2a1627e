//! The IMAP command AST (RFC 3501 §6, RFC 9051 §6 and the extensions we announce).
//!
//! Produced by [`crate::imap::parser::parse_command`]. Strings are already unquoted / de-literalled;
//! mailbox names are kept as sent (modified UTF-7 or, after `ENABLE UTF8=ACCEPT`, UTF-8), except
//! that `INBOX` is case-folded (RFC 3501 §5.1).

use chrono::{DateTime, FixedOffset, NaiveDate};

/// One client command: `tag SP command CRLF`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub tag: String,
    pub body: CommandBody,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandBody {
    // Any state (RFC 9051 §6.1).
    Capability,
    Noop,
    Logout,
    /// RFC 2971.
    Id(Option<Vec<(String, Option<String>)>>),
    // Not authenticated (§6.2).
    StartTls,
    /// `initial_response` is the SASL-IR (RFC 4959) argument, still base64; `=` means empty.
    Authenticate {
        mechanism: String,
        initial_response: Option<String>,
    },
    Login {
        username: String,
        password: String,
    },
    // Authenticated (§6.3).
    /// RFC 5161.
    Enable(Vec<String>),
    Select {
        mailbox: String,
        condstore: bool,
        /// RFC 7162 §3.2.5 QRESYNC parameter.
        qresync: Option<Qresync>,
    },
    Examine {
        mailbox: String,
        condstore: bool,
        /// RFC 7162 §3.2.5 QRESYNC parameter.
        qresync: Option<Qresync>,
    },
    Create {
        mailbox: String,
    },
    Delete {
        mailbox: String,
    },
    Rename {
        from: String,
        to: String,
    },
    Subscribe {
        mailbox: String,
    },
    Unsubscribe {
        mailbox: String,
    },
    /// LIST, incl. RFC 5258 LIST-EXTENDED selection and return options.
    List {
        reference: String,
        patterns: Vec<String>,
        selection: ListSelection,
        returns: ListReturn,
    },
    Lsub {
        reference: String,
        pattern: String,
    },
    /// RFC 2342.
    Namespace,
    Status {
        mailbox: String,
        items: Vec<StatusItem>,
    },
    Append {
        mailbox: String,
        flags: Vec<String>,
        date: Option<DateTime<FixedOffset>>,
        message: Vec<u8>,
    },
    /// RFC 2177; the session then waits for `DONE`.
    Idle,
    // Selected (§6.4).
    Check,
    Close,
    /// RFC 3691.
    Unselect,
    /// `uids` is set for UID EXPUNGE (RFC 4315 §2.1).
    Expunge {
        uids: Option<SequenceSet>,
    },
    Search {
        uid: bool,
        charset: Option<String>,
        /// `Some` when RETURN (...) was given (RFC 4731 / RFC 9051 ESEARCH); may be empty.
        returns: Option<Vec<SearchReturn>>,
        criteria: SearchKey,
    },
    Fetch {
        uid: bool,
        set: SequenceSet,
        /// Macros (ALL, FAST, FULL) are already expanded.
        attrs: Vec<FetchAttr>,
        /// RFC 7162 CHANGEDSINCE modifier.
        changed_since: Option<u64>,
        /// RFC 7162 §3.2.6 VANISHED modifier (UID FETCH with QRESYNC).
        vanished: bool,
    },
    Store {
        uid: bool,
        set: SequenceSet,
        op: StoreOp,
        /// RFC 7162 UNCHANGEDSINCE modifier.
        unchanged_since: Option<u64>,
    },
    Copy {
        uid: bool,
        set: SequenceSet,
        mailbox: String,
    },
    /// RFC 6851.
    Move {
        uid: bool,
        set: SequenceSet,
        mailbox: String,
    },
    /// RFC 3502 MULTIAPPEND: two or more messages, stored all or none. (One message stays
    /// [`CommandBody::Append`].)
    MultiAppend {
        mailbox: String,
        messages: Vec<super::multiappend::AppendMessage>,
    },
    /// RFC 5256 SORT (RFC 5267 ESORT when `returns` is set).
    Sort {
        uid: bool,
        returns: Option<Vec<SearchReturn>>,
        criteria: Vec<super::sort::SortCriterion>,
        charset: String,
        search: SearchKey,
    },
    /// RFC 5256 THREAD.
    Thread {
        uid: bool,
        algorithm: super::thread::ThreadAlgorithm,
        charset: String,
        search: SearchKey,
    },
    /// RFC 9208 §4.2.
    GetQuota {
        root: String,
    },
    /// RFC 9208 §4.3.
    GetQuotaRoot {
        mailbox: String,
    },
    /// RFC 9208 §4.4: (resource name, limit) pairs.
    SetQuota {
        root: String,
        limits: Vec<(String, u64)>,
    },
    /// RFC 5267 §4.3: the tags of UPDATE searches to stop.
    CancelUpdate(Vec<String>),
}

impl CommandBody {
    /// Upper-case command name as it would appear in a tagged response text.
    pub fn name(&self) -> &'static str {
        match self {
            CommandBody::Capability => "CAPABILITY",
            CommandBody::Noop => "NOOP",
            CommandBody::Logout => "LOGOUT",
            CommandBody::Id(_) => "ID",
            CommandBody::StartTls => "STARTTLS",
            CommandBody::Authenticate { .. } => "AUTHENTICATE",
            CommandBody::Login { .. } => "LOGIN",
            CommandBody::Enable(_) => "ENABLE",
            CommandBody::Select { .. } => "SELECT",
            CommandBody::Examine { .. } => "EXAMINE",
            CommandBody::Create { .. } => "CREATE",
            CommandBody::Delete { .. } => "DELETE",
            CommandBody::Rename { .. } => "RENAME",
            CommandBody::Subscribe { .. } => "SUBSCRIBE",
            CommandBody::Unsubscribe { .. } => "UNSUBSCRIBE",
            CommandBody::List { .. } => "LIST",
            CommandBody::Lsub { .. } => "LSUB",
            CommandBody::Namespace => "NAMESPACE",
            CommandBody::Status { .. } => "STATUS",
            CommandBody::Append { .. } => "APPEND",
            CommandBody::Idle => "IDLE",
            CommandBody::Check => "CHECK",
            CommandBody::Close => "CLOSE",
            CommandBody::Unselect => "UNSELECT",
            CommandBody::Expunge { .. } => "EXPUNGE",
            CommandBody::Search { .. } => "SEARCH",
            CommandBody::Fetch { .. } => "FETCH",
            CommandBody::Store { .. } => "STORE",
            CommandBody::Copy { .. } => "COPY",
            CommandBody::Move { .. } => "MOVE",
            CommandBody::MultiAppend { .. } => "APPEND",
            CommandBody::Sort { .. } => "SORT",
            CommandBody::Thread { .. } => "THREAD",
            CommandBody::GetQuota { .. } => "GETQUOTA",
            CommandBody::GetQuotaRoot { .. } => "GETQUOTAROOT",
            CommandBody::SetQuota { .. } => "SETQUOTA",
            CommandBody::CancelUpdate(_) => "CANCELUPDATE",
        }
    }
}

/// One end of a sequence range: a number or `*` (the largest number in use, RFC 9051 §9
/// `seq-number`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqNum {
    Value(u32),
    Star,
}

/// `a`, `a:b` (either order), `*`, `a:*`. A single number is stored as `(n, n)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeqRange {
    pub start: SeqNum,
    pub end: SeqNum,
}

/// A `sequence-set`, or `$` (RFC 5182 SEARCHRES saved result).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SequenceSet {
    Ranges(Vec<SeqRange>),
    Saved,
}

/// FETCH data items (RFC 9051 §6.4.5). Macros are expanded by the parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchAttr {
    Envelope,
    Flags,
    InternalDate,
    /// Same bytes as `BODY[]`; sets \Seen.
    Rfc822,
    /// Same bytes as `BODY.PEEK[HEADER]`.
    Rfc822Header,
    Rfc822Size,
    /// Same bytes as `BODY[TEXT]`; sets \Seen.
    Rfc822Text,
    /// Non-extensible BODYSTRUCTURE.
    Body,
    BodyStructure,
    Uid,
    /// RFC 7162.
    ModSeq,
    /// RFC 8474 §5.1.
    EmailId,
    /// RFC 8474 §5.2 (always NIL here).
    ThreadId,
    BodySection {
        peek: bool,
        section: Section,
        partial: Option<Partial>,
    },
    /// RFC 3516 BINARY[...] / BINARY.PEEK[...]: the decoded part content.
    Binary {
        peek: bool,
        part: Vec<u32>,
        partial: Option<Partial>,
    },
    BinarySize {
        part: Vec<u32>,
    },
}

/// `<origin.length>` of a partial fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partial {
    pub origin: u32,
    pub length: u32,
}

/// `section-spec` (RFC 9051 §9): part path plus optional text specifier.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    /// `1.2.3`; empty for the whole message.
    pub part: Vec<u32>,
    pub text: Option<SectionText>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionText {
    Header,
    /// Field names as sent by the client (they are echoed back in the response).
    HeaderFields(Vec<String>),
    HeaderFieldsNot(Vec<String>),
    Text,
    /// Only valid after a part number.
    Mime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreMode {
    /// `FLAGS`
    Replace,
    /// `+FLAGS`
    Add,
    /// `-FLAGS`
    Remove,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOp {
    pub mode: StoreMode,
    pub silent: bool,
    /// Normalised flags (system flags in canonical case, e.g. `\Seen`).
    pub flags: Vec<String>,
}

/// STATUS data items (RFC 9051 §6.3.11, RFC 8438 SIZE, RFC 7162 HIGHESTMODSEQ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusItem {
    Messages,
    Recent,
    UidNext,
    UidValidity,
    Unseen,
    Deleted,
    Size,
    HighestModSeq,
    /// RFC 9208 §4.2: total size of the messages flagged `\Deleted` (QUOTA=RES-STORAGE).
    DeletedStorage,
    /// RFC 8474 §4.
    MailboxId,
}

impl StatusItem {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusItem::Messages => "MESSAGES",
            StatusItem::Recent => "RECENT",
            StatusItem::UidNext => "UIDNEXT",
            StatusItem::UidValidity => "UIDVALIDITY",
            StatusItem::Unseen => "UNSEEN",
            StatusItem::Deleted => "DELETED",
            StatusItem::Size => "SIZE",
            StatusItem::HighestModSeq => "HIGHESTMODSEQ",
            StatusItem::DeletedStorage => "DELETED-STORAGE",
            StatusItem::MailboxId => "MAILBOXID",
        }
    }
}

/// RFC 5258 §3.1 selection options (plus RFC 6154 SPECIAL-USE).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListSelection {
    pub subscribed: bool,
    pub remote: bool,
    pub recursive_match: bool,
    pub special_use: bool,
}

/// RFC 5258 §3.2 return options (plus RFC 6154 SPECIAL-USE, RFC 5819 STATUS).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListReturn {
    pub subscribed: bool,
    pub children: bool,
    pub special_use: bool,
    pub status: Option<Vec<StatusItem>>,
}

/// ESEARCH result options (RFC 4731, RFC 9051 §6.4.4, RFC 5182 SAVE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchReturn {
    Min,
    Max,
    All,
    Count,
    Save,
    /// RFC 5267 §4.4 `PARTIAL low:high` (negative: from the end, RFC 9394).
    Partial(i32, i32),
    /// RFC 5267 §4.3: keep the search and send ADDTO/REMOVEFROM updates.
    Update,
}

/// A search key tree (RFC 9051 §6.4.4). A parenthesised list and the top-level list are `And`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchKey {
    All,
    And(Vec<SearchKey>),
    Or(Box<SearchKey>, Box<SearchKey>),
    Not(Box<SearchKey>),
    /// Message sequence numbers.
    SequenceSet(SequenceSet),
    Uid(SequenceSet),
    // Flags.
    Answered,
    Deleted,
    Draft,
    Flagged,
    Seen,
    Recent,
    /// RECENT and UNSEEN.
    New,
    /// NOT RECENT.
    Old,
    Unanswered,
    Undeleted,
    Undraft,
    Unflagged,
    Unseen,
    Keyword(String),
    Unkeyword(String),
    // Internal date (date part only, RFC 9051 §6.4.4).
    Before(NaiveDate),
    On(NaiveDate),
    Since(NaiveDate),
    // Date: header.
    SentBefore(NaiveDate),
    SentOn(NaiveDate),
    SentSince(NaiveDate),
    // Size (RFC822.SIZE).
    Larger(u64),
    Smaller(u64),
    // Content, case-insensitive substring.
    Bcc(String),
    Body(String),
    Cc(String),
    From(String),
    Header(String, String),
    Subject(String),
    Text(String),
    To(String),
    /// RFC 7162 `MODSEQ [entry-name entry-type] n` (the entry is ignored).
    ModSeq(u64),
}

/// `SELECT mbox (QRESYNC (uidvalidity modseq [known-uids [seq-match]]))` (RFC 7162 §3.2.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qresync {
    pub uidvalidity: u32,
    pub modseq: u64,
    pub known_uids: Option<SequenceSet>,
    /// (known sequence numbers, their UIDs): a hint the server may use; parsed and kept.
    pub seq_match: Option<(SequenceSet, SequenceSet)>,
}
