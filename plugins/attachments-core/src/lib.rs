//! The checks of Mailsift's bundled `attachments` plugin, as a plain Rust library: no SDK, no
//! WebAssembly-specific code, so the same code runs inside the plugin, in native unit tests and
//! in the native side of the benchmark (`benches/attachments.rs`).
//!
//! [`scan`] looks at every MIME part of a message (the flat list the host gives plugins, with
//! parts of attached messages linked to them by `parent`), and inside zip, tar, tar.gz/tgz, gz,
//! 7z and RAR (4 and 5) archives, nested to [`Policy::max_depth`]. 7z and RAR archives are listed
//! from their headers only (`sevenz`, `rar`): their members are never unpacked; those stored
//! uncompressed are looked at in place. It reports [`Finding`]s in the order it meets them:
//!
//! * a name with a blocked extension (after removing the tricks: case, trailing dots and spaces,
//!   bidirectional overrides, zero-width characters, a NUL byte; see [`names`]);
//! * a suspicious archive: nested too deep, too many members, declaring more content than
//!   [`Policy::max_expanded_bytes`] (a zip bomb is refused from its directory, without inflating
//!   it), inflating to more than [`Policy::max_inflated_bytes`] while being inspected, damaged, an
//!   archive inside that cannot be inspected (encrypted, an unsupported compression method, or a
//!   compressed 7z/RAR member), or a 7z/RAR archive whose headers are encrypted (no name can be
//!   read: refused like an encrypted archive inside a zip);
//! * an executable by content (PE, ELF, Mach-O) whatever its name;
//! * an encrypted member (informational: its name was still checked).
//!
//! What to do with them (reject, tag) is the plugin's business; [`Finding::text`] is the stable
//! wording for replies, e.g. `attachment "invoice.zip/payload/run.exe" has a blocked extension
//! (.exe)`.

#[doc(hidden)]
pub mod fuzzing;
mod listing;
pub mod names;
mod rar;
mod sevenz;
pub mod sniff;
mod walk;

pub use names::DEFAULT_BLOCKED_EXTENSIONS;
pub use sniff::Executable;

/// Limits and the blocked list.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Blocked extensions, lower case, without the dot (see [`names::canonical_extension`]).
    pub blocked_extensions: Vec<String>,
    /// Containers (attached messages, archives) that may enclose a file. 4: a zip in a zip in a
    /// zip is inspected down to its files; an archive whose members would be deeper is suspicious.
    /// A tar inside gzip (tar.gz, tgz) counts as one level.
    pub max_depth: u32,
    /// Archive members in the whole message, all archives together.
    pub max_members: u64,
    /// Bytes actually read out of archives while inspecting them (decompressed data and copies
    /// of nested archives), all archives together. Every read goes through a meter with this
    /// bound. Only the first few KiB of an ordinary member are read; nested archives are read
    /// whole.
    pub max_inflated_bytes: u64,
    /// Content the archives say they hold (declared sizes in zip directories, gzip trailers and
    /// tar headers), all archives together: what unpacking them would write. Checked before
    /// anything is inflated.
    pub max_expanded_bytes: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            blocked_extensions: DEFAULT_BLOCKED_EXTENSIONS
                .iter()
                .map(|e| e.to_string())
                .collect(),
            max_depth: 4,
            max_members: 1000,
            max_inflated_bytes: 64 << 20,
            max_expanded_bytes: 256 << 20,
        }
    }
}

/// One MIME part as the host describes it (see `attachment` in `wit/plugin.wit`).
#[derive(Clone, Copy, Debug)]
pub struct Part<'a> {
    /// Index of the enclosing attached message in the same list.
    pub parent: Option<usize>,
    /// Decoded filename (Content-Disposition filename or Content-Type name).
    pub filename: Option<&'a str>,
    /// `type/subtype`, lower case.
    pub content_type: &'a str,
    /// Decoded content (for an attached message: its raw text).
    pub content: &'a [u8],
    /// An attached message whose parts follow in the list with `parent` pointing here.
    pub is_message: bool,
}

/// Why an archive (or attached message) is suspicious.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Suspicion {
    /// Its members would be nested deeper than this many containers.
    TooDeep(u32),
    /// More members than this, counted over the whole message.
    TooManyMembers(u64),
    /// Declared content above this many bytes.
    Expands(u64),
    /// More than this many bytes inflated while inspecting.
    Inflates(u64),
    /// Not a readable archive although it starts like one, or a member's data is damaged.
    Damaged,
    /// An encrypted member whose name says it is an archive: it could hide anything.
    EncryptedArchive,
    /// A 7z or RAR archive whose headers are encrypted: not even the names can be read.
    EncryptedNames,
    /// A member compressed with a method this library does not read, whose name says archive.
    UnsupportedMethod,
    /// A `message/rfc822` part the host could not parse (e.g. nested too deep to be decoded).
    UnparsedMessage,
}

impl Suspicion {
    fn reason(&self) -> String {
        match self {
            Suspicion::TooDeep(n) => format!("nested deeper than {n} levels"),
            Suspicion::TooManyMembers(n) => format!("more than {n} members"),
            Suspicion::Expands(n) => format!("declares more than {} of content", size(*n)),
            Suspicion::Inflates(n) => format!("inflates to more than {}", size(*n)),
            Suspicion::Damaged => "damaged or unreadable".into(),
            Suspicion::EncryptedArchive => "encrypted archive that cannot be inspected".into(),
            Suspicion::EncryptedNames => "encrypted archive, names unreadable".into(),
            Suspicion::UnsupportedMethod => "archive compressed with an unsupported method".into(),
            Suspicion::UnparsedMessage => "cannot be parsed".into(),
        }
    }
}

/// `67108864` → `64 MiB`; sizes that are not whole KiB/MiB in bytes.
fn size(n: u64) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The name ends with this blocked extension (`.exe`).
    BlockedExtension(String),
    /// A suspicious archive, or (`message`) attached message.
    Suspicious { reason: Suspicion, message: bool },
    /// Executable content.
    Executable(Executable),
    /// An encrypted archive member (its name was checked; its content cannot be).
    Encrypted,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Where: the names of the enclosing attached messages and archives and of the file, joined
    /// by `/` (`fwd.eml/invoice.zip/payload/run.exe`), shown with [`names::display`]. A part
    /// without a filename is `part-N` (`message-N.eml` for an attached message), N being its
    /// index in the host's list — the same names the plugin SDK's `AttachmentRef::path` uses.
    pub path: String,
    pub kind: Kind,
}

/// Longest path in a reply text; longer ones keep their first and last components. The host
/// cuts reply texts at 200 characters.
const MAX_PATH_IN_TEXT: usize = 110;

impl Finding {
    /// The stable wording used in SMTP replies and in the `X-Mailsift-Attachments` field.
    pub fn text(&self) -> String {
        let path = short_path(&self.path);
        match &self.kind {
            Kind::BlockedExtension(ext) => {
                format!("attachment \"{path}\" has a blocked extension ({ext})")
            }
            Kind::Suspicious { reason, message } => {
                let what = if *message {
                    "attached message"
                } else {
                    "archive"
                };
                format!(
                    "attachment \"{path}\" is a suspicious {what} ({})",
                    reason.reason()
                )
            }
            Kind::Executable(e) => {
                format!("attachment \"{path}\" is an executable ({})", e.describe())
            }
            Kind::Encrypted => format!("attachment \"{path}\" is encrypted"),
        }
    }
}

fn short_path(path: &str) -> String {
    if path.chars().count() <= MAX_PATH_IN_TEXT {
        return path.to_string();
    }
    let first = path.split('/').next().unwrap_or("");
    let last = path.rsplit('/').next().unwrap_or("");
    let keep = |s: &str, n: usize| -> String {
        let count = s.chars().count();
        s.chars().skip(count.saturating_sub(n)).collect()
    };
    let first: String = first.chars().take(40).collect();
    format!("{first}/.../{}", keep(last, MAX_PATH_IN_TEXT - 45))
}

/// What [`scan`] found, in the order it met it, and how much work it did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Archives opened.
    pub archives: u32,
    /// Archive members seen.
    pub members: u64,
    /// Bytes read out of archives.
    pub inflated: u64,
    /// Findings left out of `findings` (at most [`MAX_FINDINGS_PER_KIND`] of each kind are
    /// kept; the first of each kind always is).
    pub omitted: u64,
}

/// Findings kept per kind, so that an archive with thousands of executables cannot blow up the
/// report, while the first finding of every kind (the one a verdict names) is always there.
pub const MAX_FINDINGS_PER_KIND: usize = 16;

impl Report {
    /// The first finding (in walk order) that `pred` selects.
    pub fn first(&self, pred: impl Fn(&Kind) -> bool) -> Option<&Finding> {
        self.findings.iter().find(|f| pred(&f.kind))
    }

    pub fn any(&self, pred: impl Fn(&Kind) -> bool) -> bool {
        self.first(pred).is_some()
    }
}

/// Looks at every part and every archive member. Stops early at the first blocked extension:
/// nothing found after it could change the verdict.
pub fn scan(parts: &[Part<'_>], policy: &Policy) -> Report {
    walk::scan(parts, policy)
}

#[cfg(test)]
mod tests;
