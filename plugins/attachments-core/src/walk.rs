//! Walking the parts and the archives inside them, within the policy's bounds.

use std::cell::Cell;
use std::io::{self, Cursor, Read};
use std::rc::Rc;

use crate::listing::{Listing, Problem, MAX_ENTRIES};
use crate::sniff::{self, Archive, HEAD};
use crate::{names, rar, sevenz};
use crate::{Finding, Kind, Part, Policy, Report, Suspicion, MAX_FINDINGS_PER_KIND};

/// Counts bytes read out of archives against `Policy::max_inflated_bytes`.
struct Meter {
    used: Cell<u64>,
    limit: u64,
    exceeded: Cell<bool>,
}

/// A reader whose output is counted by a [`Meter`]; reading past the limit is an error (and
/// marks the meter), so a bomb stops inflating right there.
struct Metered<R> {
    inner: R,
    meter: Rc<Meter>,
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let m = &self.meter;
        let room = m.limit.saturating_sub(m.used.get());
        // Ask for one byte more than the room left, to tell "exactly at the limit" from "over".
        let want = buf
            .len()
            .min(usize::try_from(room.saturating_add(1)).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > room {
            m.exceeded.set(true);
            return Err(io::Error::other("inflation budget exceeded"));
        }
        m.used.set(m.used.get() + n as u64);
        Ok(n)
    }
}

/// Reads at most `n` more bytes into `buf`.
fn read_up_to(r: &mut dyn Read, buf: &mut Vec<u8>, n: u64) -> io::Result<()> {
    r.take(n).read_to_end(buf).map(|_| ())
}

struct Walker<'p> {
    policy: &'p Policy,
    report: Report,
    per_kind: [usize; 4],
    meter: Rc<Meter>,
    expanded: u64,
    /// A message-wide bound was hit (members, declared or inflated bytes): no further archive
    /// is opened; what is already reported makes the message suspicious anyway.
    stopped: bool,
    /// A blocked extension was found: nothing else changes the verdict.
    done: bool,
}

fn kind_index(k: &Kind) -> usize {
    match k {
        Kind::BlockedExtension(_) => 0,
        Kind::Suspicious { .. } => 1,
        Kind::Executable(_) => 2,
        Kind::Encrypted => 3,
    }
}

pub(crate) fn scan(parts: &[Part<'_>], policy: &Policy) -> Report {
    let mut w = Walker {
        policy,
        report: Report::default(),
        per_kind: [0; 4],
        meter: Rc::new(Meter {
            used: Cell::new(0),
            limit: policy.max_inflated_bytes,
            exceeded: Cell::new(false),
        }),
        expanded: 0,
        stopped: false,
        done: false,
    };
    w.parts(parts);
    w.report.inflated = w.meter.used.get();
    w.report
}

/// The name a part contributes to paths: its filename, else `message-N.eml` / `part-N`.
fn component(part: &Part<'_>, index: usize) -> String {
    match part.filename.map(str::trim) {
        Some(f) if !f.is_empty() => names::display(f),
        _ if part.is_message => format!("message-{index}.eml"),
        _ => format!("part-{index}"),
    }
}

/// Indices of the attached messages enclosing part `i`, outermost first. Broken links
/// (out of range, not a message, cycles) end the chain.
fn ancestors(parts: &[Part<'_>], i: usize) -> Vec<usize> {
    let mut chain = Vec::new();
    let mut current = i;
    while let Some(p) = parts.get(current).and_then(|c| c.parent) {
        let valid = parts.get(p).is_some_and(|pp| pp.is_message);
        if !valid || p == i || chain.contains(&p) {
            break;
        }
        chain.push(p);
        current = p;
    }
    chain.reverse();
    chain
}

impl Walker<'_> {
    fn push(&mut self, path: &str, kind: Kind) {
        let k = kind_index(&kind);
        if matches!(kind, Kind::BlockedExtension(_)) {
            self.done = true;
        }
        if self.per_kind[k] >= MAX_FINDINGS_PER_KIND {
            self.report.omitted += 1;
            return;
        }
        self.per_kind[k] += 1;
        self.report.findings.push(Finding {
            path: path.to_string(),
            kind,
        });
    }

    fn suspicious(&mut self, path: &str, reason: Suspicion) {
        self.push(
            path,
            Kind::Suspicious {
                reason,
                message: false,
            },
        );
    }

    /// A message-wide bound was hit at `path`.
    fn bound(&mut self, path: &str, reason: Suspicion) {
        self.suspicious(path, reason);
        self.stopped = true;
    }

    /// A read failed: over the inflation budget, or damaged data.
    fn read_error(&mut self, path: &str) {
        if self.meter.exceeded.get() {
            if !self.stopped {
                self.bound(path, Suspicion::Inflates(self.policy.max_inflated_bytes));
            }
        } else {
            self.suspicious(path, Suspicion::Damaged);
        }
    }

    fn check_name(&mut self, name: &str, path: &str) {
        if let Some(ext) = names::blocked_extension(name, &self.policy.blocked_extensions) {
            self.push(path, Kind::BlockedExtension(ext));
        }
    }

    fn parts(&mut self, parts: &[Part<'_>]) {
        let names: Vec<String> = parts
            .iter()
            .enumerate()
            .map(|(i, p)| component(p, i))
            .collect();
        let mut too_deep_reported = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            if self.done {
                return;
            }
            let chain = ancestors(parts, i);
            let path_of = |upto: &[usize], last: Option<usize>| -> String {
                let mut v: Vec<&str> = upto.iter().map(|&a| names[a].as_str()).collect();
                v.extend(last.map(|l| names[l].as_str()));
                v.join("/")
            };
            let depth = chain.len();
            let max = self.policy.max_depth as usize;
            if depth > max {
                // chain[max] is the attached message at depth `max`: its parts would be deeper.
                let container = chain[max];
                if !too_deep_reported.contains(&container) {
                    too_deep_reported.push(container);
                    let path = path_of(&chain[..max], Some(container));
                    self.push(
                        &path,
                        Kind::Suspicious {
                            reason: Suspicion::TooDeep(self.policy.max_depth),
                            message: true,
                        },
                    );
                }
                continue;
            }
            let path = path_of(&chain, Some(i));
            if let Some(name) = part.filename {
                self.check_name(name, &path);
            }
            if part.is_message {
                // Its parts follow in the list.
                continue;
            }
            let declared_message = matches!(part.content_type, "message/rfc822" | "message/global");
            if declared_message && !part.content.trim_ascii().is_empty() {
                self.push(
                    &path,
                    Kind::Suspicious {
                        reason: Suspicion::UnparsedMessage,
                        message: true,
                    },
                );
                continue;
            }
            self.content(part.content, &path, depth as u32);
        }
    }

    /// A whole file at `depth` (the number of containers around it): executable? archive?
    fn content(&mut self, data: &[u8], path: &str, depth: u32) {
        if let Some(e) = sniff::executable(data, data.len() as u64) {
            self.push(path, Kind::Executable(e));
        }
        match sniff::archive(data) {
            Some(kind) => self.open(kind, data, path, depth, false),
            // A zip after other data (self-extracting, or appended to an image) still opens in
            // unzip tools. Only a hint: if it does not open, it is not an archive.
            None if sniff::has_zip_trailer(data) => {
                self.open(Archive::Zip, data, path, depth, true)
            }
            None => {}
        }
    }

    /// Opens the archive `data` found at `path`, `depth` containers deep. `soft`: it was only
    /// guessed to be one, so failing to open it is no finding.
    fn open(&mut self, kind: Archive, data: &[u8], path: &str, depth: u32, soft: bool) {
        if self.done || self.stopped {
            return;
        }
        if depth + 1 > self.policy.max_depth {
            self.suspicious(path, Suspicion::TooDeep(self.policy.max_depth));
            return;
        }
        match kind {
            Archive::Zip => self.zip(data, path, depth + 1, soft),
            Archive::Gzip => self.gzip(data, path, depth + 1),
            Archive::Tar => {
                let mut reader = Metered {
                    inner: data,
                    meter: self.meter.clone(),
                };
                self.tar(&mut reader, path, depth + 1, true);
            }
            Archive::SevenZip => {
                let room = self.meter.limit.saturating_sub(self.meter.used.get());
                let listing = sevenz::list(data, room);
                self.meter
                    .used
                    .set(self.meter.used.get() + listing.inflated.min(room));
                self.listed(data, listing, path, depth + 1);
            }
            Archive::Rar => self.listed(data, rar::list(data), path, depth + 1),
        }
        if !soft {
            self.report.archives += 1;
        }
    }

    /// Counts `n` members against the message-wide bound.
    fn count_members(&mut self, n: u64, path: &str) -> bool {
        self.report.members += n;
        if self.report.members > self.policy.max_members {
            self.bound(path, Suspicion::TooManyMembers(self.policy.max_members));
            return false;
        }
        true
    }

    /// Counts declared bytes against the message-wide bound.
    fn count_expanded(&mut self, n: u64, path: &str) -> bool {
        self.expanded = self.expanded.saturating_add(n);
        if self.expanded > self.policy.max_expanded_bytes {
            self.bound(path, Suspicion::Expands(self.policy.max_expanded_bytes));
            return false;
        }
        true
    }

    /// A zip whose members are at `depth`.
    fn zip(&mut self, data: &[u8], path: &str, depth: u32, soft: bool) {
        // A zip that starts with its first local header starts at offset 0: saying so spares
        // the crate's offset detection, which scans the whole file for signatures (50 µs of a
        // 65 µs scan of a 900 KB zip natively, more in WebAssembly). Anything else, or a zip
        // that does not open that way, gets the detection.
        let at_zero = zip::read::Config {
            archive_offset: zip::read::ArchiveOffset::Known(0),
        };
        let opened = match soft {
            false => zip::ZipArchive::with_config(at_zero, Cursor::new(data))
                .or_else(|_| zip::ZipArchive::new(Cursor::new(data))),
            true => zip::ZipArchive::new(Cursor::new(data)),
        };
        let mut zip = match opened {
            Ok(z) => z,
            Err(_) => {
                if !soft {
                    self.suspicious(path, Suspicion::Damaged);
                }
                return;
            }
        };
        if soft {
            self.report.archives += 1;
        }
        // First every name, from the central directory and from the local headers (extractors
        // differ in which they use), and the declared sizes: no decompression yet.
        let mut declared = 0u64;
        let mut entries = Vec::with_capacity(zip.len().min(4096));
        for i in 0..zip.len() {
            let Ok(e) = zip.by_index_data(i) else {
                self.suspicious(path, Suspicion::Damaged);
                return;
            };
            let name = e
                .name()
                .map(|n| n.into_owned())
                .unwrap_or_else(|_| String::from_utf8_lossy(e.name_raw()).into_owned());
            let member = format!("{path}/{}", names::display(&name));
            self.check_name(&name, &member);
            if let Some(local) = local_header_name(data, e.header_start()).filter(|l| *l != name) {
                self.check_name(&local, &format!("{path}/{}", names::display(&local)));
            }
            if self.done {
                return;
            }
            declared = declared.saturating_add(e.size());
            let readable = matches!(
                e.compression(),
                zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated
            );
            entries.push((member, name, e.is_dir(), e.encrypted(), readable, e.size()));
        }
        if !self.count_members(entries.len() as u64, path) || !self.count_expanded(declared, path) {
            return;
        }
        for (i, (member, name, is_dir, encrypted, readable, size)) in
            entries.into_iter().enumerate()
        {
            if self.done || self.stopped {
                return;
            }
            if is_dir {
                continue;
            }
            if encrypted {
                self.push(&member, Kind::Encrypted);
                if names::looks_like_archive(&name) {
                    self.suspicious(&member, Suspicion::EncryptedArchive);
                }
                continue;
            }
            if !readable {
                if names::looks_like_archive(&name) {
                    self.suspicious(&member, Suspicion::UnsupportedMethod);
                }
                continue;
            }
            match zip.by_index(i) {
                Ok(file) => {
                    let mut r = Metered {
                        inner: file,
                        meter: self.meter.clone(),
                    };
                    self.member(&mut r, Vec::new(), size, &member, depth);
                }
                Err(_) => self.suspicious(&member, Suspicion::Damaged),
            }
        }
    }

    /// A 7z or RAR archive at `path`, listed from its headers, whose members are at `depth`.
    /// Like a zip: every name first (both names of a RAR 4 member), then the bounds, then the
    /// members' contents — only of members stored as they are, which need no unpacking. A
    /// compressed member whose name says archive cannot be looked into: suspicious, as a zip
    /// member compressed with a method this library does not read.
    fn listed(&mut self, data: &[u8], listing: Listing, path: &str, depth: u32) {
        let mut declared = 0u64;
        let mut members = Vec::with_capacity(listing.entries.len());
        for e in &listing.entries {
            let member = format!("{path}/{}", names::display(&e.name));
            self.check_name(&e.name, &member);
            if let Some(alt) = e.alt_name.as_deref().filter(|a| *a != e.name) {
                self.check_name(alt, &format!("{path}/{}", names::display(alt)));
            }
            if self.done {
                return;
            }
            declared = declared.saturating_add(e.size);
            members.push(member);
        }
        match listing.problem {
            None => {}
            Some(Problem::Damaged) => return self.suspicious(path, Suspicion::Damaged),
            Some(Problem::EncryptedHeaders) => {
                self.push(path, Kind::Encrypted);
                return self.suspicious(path, Suspicion::EncryptedNames);
            }
            Some(Problem::TooMany) => {
                if !self.stopped {
                    let n = self.policy.max_members.min(MAX_ENTRIES as u64);
                    self.bound(path, Suspicion::TooManyMembers(n));
                }
                return;
            }
            Some(Problem::OverBudget) => {
                if !self.stopped {
                    self.bound(path, Suspicion::Inflates(self.policy.max_inflated_bytes));
                }
                return;
            }
        }
        if !self.count_members(members.len() as u64, path) || !self.count_expanded(declared, path) {
            return;
        }
        for (e, member) in listing.entries.into_iter().zip(members) {
            if self.done || self.stopped {
                return;
            }
            if e.is_dir {
                continue;
            }
            if e.encrypted {
                self.push(&member, Kind::Encrypted);
                if names::looks_like_archive(&e.name) {
                    self.suspicious(&member, Suspicion::EncryptedArchive);
                }
                continue;
            }
            match e.stored.map(|r| data.get(r)) {
                Some(Some(bytes)) => {
                    let mut r = Metered {
                        inner: bytes,
                        meter: self.meter.clone(),
                    };
                    self.member(&mut r, Vec::new(), e.size, &member, depth);
                }
                Some(None) => self.suspicious(&member, Suspicion::Damaged),
                None if names::looks_like_archive(&e.name) => {
                    self.suspicious(&member, Suspicion::UnsupportedMethod)
                }
                None => {}
            }
        }
    }

    /// One archive member at `depth`: read its first bytes (`head` may hold some already), look
    /// at them, and read it whole only if it is an archive itself.
    fn member(&mut self, r: &mut dyn Read, mut head: Vec<u8>, size: u64, path: &str, depth: u32) {
        let missing = HEAD.saturating_sub(head.len()) as u64;
        if missing > 0 && read_up_to(r, &mut head, missing).is_err() {
            self.read_error(path);
            return;
        }
        if let Some(e) = sniff::executable(&head, size.max(head.len() as u64)) {
            self.push(path, Kind::Executable(e));
        }
        let Some(kind) = sniff::archive(&head) else {
            return;
        };
        if self.done || self.stopped {
            return;
        }
        if depth + 1 > self.policy.max_depth {
            // Do not read what will not be opened.
            self.suspicious(path, Suspicion::TooDeep(self.policy.max_depth));
            return;
        }
        let room = self.meter.limit.saturating_sub(self.meter.used.get());
        head.reserve(
            usize::try_from(size.min(room))
                .unwrap_or(0)
                .saturating_sub(head.len()),
        );
        if r.read_to_end(&mut head).is_err() {
            self.read_error(path);
            return;
        }
        self.open(kind, &head, path, depth, false);
    }

    /// A gzip file whose content is at `depth`: a tar inside is walked as part of the same
    /// level (tar.gz is one archive); anything else is its single member.
    fn gzip(&mut self, data: &[u8], path: &str, depth: u32) {
        let mut reader = Metered {
            inner: flate2::read::MultiGzDecoder::new(data),
            meter: self.meter.clone(),
        };
        let mut head = Vec::with_capacity(HEAD);
        if read_up_to(&mut reader, &mut head, HEAD as u64).is_err() {
            self.read_error(path);
            return;
        }
        // ISIZE, the last member's size mod 2^32 (RFC 1952 §2.3.1): what gunzip will write.
        // Trusted only once the stream has started to decode.
        let declared = data
            .len()
            .checked_sub(4)
            .and_then(|at| data.get(at..))
            .map_or(0, |b| {
                u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            });
        if !self.count_expanded(declared, path) {
            return;
        }
        if sniff::archive(&head) == Some(Archive::Tar) {
            let mut stream = Cursor::new(head).chain(reader);
            self.tar(&mut stream, path, depth, false);
            return;
        }
        let stored_name = reader
            .inner
            .header()
            .and_then(|h| h.filename())
            .map(|f| String::from_utf8_lossy(f).into_owned());
        let name = stored_name.unwrap_or_else(|| gunzipped_name(path));
        let member = format!("{path}/{}", names::display(names::basename(&name)));
        if !self.count_members(1, path) {
            return;
        }
        self.check_name(&name, &member);
        if self.done {
            return;
        }
        self.member(&mut reader, head, declared, &member, depth);
    }

    /// A tar stream whose members are at `depth`. `count_sizes`: add the members' declared
    /// sizes to the expanded total (not for a tar inside gzip, whose size was counted already).
    fn tar(&mut self, reader: &mut dyn Read, path: &str, depth: u32, count_sizes: bool) {
        let mut archive = tar::Archive::new(reader);
        let entries = match archive.entries() {
            Ok(e) => e,
            Err(_) => {
                self.read_error(path);
                return;
            }
        };
        for entry in entries {
            if self.done || self.stopped {
                return;
            }
            let mut entry = match entry {
                Ok(e) => e,
                Err(_) => {
                    self.read_error(path);
                    return;
                }
            };
            if !self.count_members(1, path) {
                return;
            }
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let member = format!("{path}/{}", names::display(&name));
            self.check_name(&name, &member);
            let size = entry.size();
            if (count_sizes && !self.count_expanded(size, path)) || self.done {
                return;
            }
            let t = entry.header().entry_type();
            if !(t.is_file() || t.is_contiguous() || t.is_gnu_sparse()) {
                continue;
            }
            // Reading goes through the stream the archive reads, which is metered already.
            self.member(&mut entry, Vec::new(), size, &member, depth);
        }
    }
}

/// `invoice.pdf.gz` → `invoice.pdf`, `backup.tgz` → `backup.tar`, for a gzip file that does not
/// store its original name (the last component of `path`).
fn gunzipped_name(path: &str) -> String {
    let last = path.rsplit('/').next().unwrap_or(path);
    let lower = last.to_ascii_lowercase();
    for (suffix, replacement) in [
        (".gz", ""),
        (".tgz", ".tar"),
        (".taz", ".tar"),
        ("-gz", ""),
        (".z", ""),
    ] {
        if lower.ends_with(suffix)
            && last.len() > suffix.len()
            && last.is_char_boundary(last.len() - suffix.len())
        {
            return format!("{}{replacement}", &last[..last.len() - suffix.len()]);
        }
    }
    "data".into()
}

/// The file name in the local header at `offset` (APPNOTE 4.3.7: signature, 22 bytes of fixed
/// fields, name length at 26, extra length at 28, name at 30). The zip crate reads names from
/// the central directory only; an archive whose local header says something else shows
/// different names in different tools.
fn local_header_name(data: &[u8], offset: u64) -> Option<String> {
    let at = usize::try_from(offset).ok()?;
    let h = data.get(at..at.checked_add(30)?)?;
    if &h[..4] != b"PK\x03\x04" {
        return None;
    }
    let len = usize::from(u16::from_le_bytes([h[26], h[27]]));
    let raw = data.get(at + 30..at + 30 + len)?;
    Some(String::from_utf8_lossy(raw).into_owned())
}
