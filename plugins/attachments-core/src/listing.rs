//! What the 7z and RAR readers hand the walker: an archive's table of contents, read from its
//! headers without unpacking any member.

use std::ops::Range;

/// One member as the archive's headers describe it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Entry {
    pub name: String,
    /// A second name the archive records for the same member (RAR 4's ASCII name beside its
    /// Unicode one): extractors differ in which they use, so both are checked.
    pub alt_name: Option<String>,
    /// Declared unpacked size.
    pub size: u64,
    pub is_dir: bool,
    pub encrypted: bool,
    /// Where the member's bytes are in the archive when they are stored as they are
    /// (uncompressed, unencrypted, in one piece): only those are looked at.
    pub stored: Option<Range<usize>>,
}

/// Why a listing is incomplete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    /// Truncated, a bad checksum, a size or count that does not fit, an unknown header coder.
    Damaged,
    /// The headers themselves are encrypted (7z `-mhe`, RAR `-hp`): no name can be read.
    EncryptedHeaders,
    /// Reading the (compressed) header would go over the inflation budget.
    OverBudget,
    /// More than [`MAX_ENTRIES`] members: listing stops there.
    TooMany,
}

/// Members listed from one archive at most, whatever the policy: a header of tiny names would
/// otherwise make the listing itself the memory hog. Far above the default `max_members`.
pub(crate) const MAX_ENTRIES: usize = 100_000;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Listing {
    /// The members read before any problem, in archive order.
    pub entries: Vec<Entry>,
    pub problem: Option<Problem>,
    /// Bytes decoded to read the headers (a compressed 7z header), for the inflation meter.
    pub inflated: u64,
}
