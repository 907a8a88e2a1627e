//! RAR 4 and RAR 5: the members' names and sizes, read header by header without unpacking.
//!
//! Why hand-written: there is no maintained pure-Rust RAR reader; the `unrar` crates bind the C++
//! unrar library, which does not build for wasm32-unknown-unknown. Listing needs only the block
//! headers, whose layout RARLAB documents (RAR 5: "RAR 5.0 archive format"; RAR 4: unrar's
//! `technote.txt`): the walk goes from header to header, skipping each data area by its
//! declared size, checking every header's CRC. Whatever does not add up (a header or data area
//! past the end, a bad CRC, an impossible size) ends the walk as damage; names read before it
//! are still returned, and checked.
//!
//! Multi-volume archives: the volume at hand is listed (a member continued in the next volume
//! is listed by name). Encrypted headers (RAR 4 `-hp`: the main header's MHD_PASSWORD flag;
//! RAR 5: an archive encryption header) make every name unreadable.

use crate::listing::{Entry, Listing, Problem, MAX_ENTRIES};

/// RAR 1.5 to 4.x marker block.
pub const SIGNATURE_4: &[u8] = b"Rar!\x1a\x07\x00";
/// RAR 5 signature.
pub const SIGNATURE_5: &[u8] = b"Rar!\x1a\x07\x01\x00";

/// Lists the RAR archive `data` (which starts with one of the signatures).
pub(crate) fn list(data: &[u8]) -> Listing {
    let mut listing = Listing::default();
    let result = if let Some(rest) = data.strip_prefix(SIGNATURE_5) {
        rar5(rest, SIGNATURE_5.len(), &mut listing.entries)
    } else if data.starts_with(SIGNATURE_4) {
        rar4(data, &mut listing.entries)
    } else {
        Err(Problem::Damaged)
    };
    if let Err(p) = result {
        listing.problem = Some(p);
    }
    listing
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Bytes as Latin-1 (RAR 4's non-Unicode names are in the packer's OEM code page; only the
/// extension matters here, which is ASCII).
fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

/// `start..start + len` if it lies inside `data_len`.
fn span(start: usize, len: u64, data_len: usize) -> Option<std::ops::Range<usize>> {
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    (end <= data_len).then_some(start..end)
}

// --- RAR 4 -----------------------------------------------------------------------------------

const HEAD_MAIN: u8 = 0x73;
const HEAD_FILE: u8 = 0x74;
const HEAD_NEWSUB: u8 = 0x7A;
const HEAD_END: u8 = 0x7B;
const LONG_BLOCK: u16 = 0x8000;
const MHD_COMMENT: u16 = 0x0002;
const MHD_PASSWORD: u16 = 0x0080;
const LHD_SPLIT: u16 = 0x0003;
const LHD_PASSWORD: u16 = 0x0004;
const LHD_DIRECTORY: u16 = 0x00E0;
const LHD_LARGE: u16 = 0x0100;
const LHD_UNICODE: u16 = 0x0200;
const METHOD_STORE: u8 = 0x30;

/// Walks RAR 4 blocks: HEAD_CRC (low 16 bits of the CRC32 of the rest of the header),
/// HEAD_TYPE, HEAD_FLAGS, HEAD_SIZE, then ADD_SIZE (the data area) when LONG_BLOCK is set, as
/// in file headers, whose PACK_SIZE is that field.
fn rar4(data: &[u8], entries: &mut Vec<Entry>) -> Result<(), Problem> {
    let mut pos = SIGNATURE_4.len();
    while pos < data.len() {
        let h = data.get(pos..pos + 7).ok_or(Problem::Damaged)?;
        let (typ, flags) = (h[2], le16(h, 3).ok_or(Problem::Damaged)?);
        let size = usize::from(le16(h, 5).ok_or(Problem::Damaged)?);
        let header = data
            .get(pos..pos.checked_add(size).ok_or(Problem::Damaged)?)
            .filter(|_| size >= 7)
            .ok_or(Problem::Damaged)?;
        // The main header with an old-style comment inside is checksummed differently.
        let checked = matches!(typ, HEAD_FILE | HEAD_NEWSUB | HEAD_END)
            || (typ == HEAD_MAIN && flags & MHD_COMMENT == 0);
        if checked && (crc32fast::hash(&header[2..]) & 0xFFFF) as u16 != le16(h, 0).unwrap_or(0) {
            return Err(Problem::Damaged);
        }
        let file_like = matches!(typ, HEAD_FILE | HEAD_NEWSUB);
        let mut add = if flags & LONG_BLOCK != 0 || file_like {
            u64::from(le32(header, 7).ok_or(Problem::Damaged)?)
        } else {
            0
        };
        if file_like && flags & LHD_LARGE != 0 {
            add |= u64::from(le32(header, 32).ok_or(Problem::Damaged)?) << 32;
        }
        let data_start = pos + size;
        let data_range = span(data_start, add, data.len());
        match typ {
            HEAD_MAIN if flags & MHD_PASSWORD != 0 => return Err(Problem::EncryptedHeaders),
            HEAD_FILE if entries.len() >= MAX_ENTRIES => return Err(Problem::TooMany),
            HEAD_FILE => entries.push(rar4_file(header, flags, data_range.clone())?),
            HEAD_END => return Ok(()),
            _ => {}
        }
        pos = data_range.ok_or(Problem::Damaged)?.end;
    }
    Ok(())
}

/// A RAR 4 file header: PACK_SIZE @7, UNP_SIZE @11, HOST_OS @15, FILE_CRC @16, FTIME @20,
/// UNP_VER @24, METHOD @25, NAME_SIZE @26, ATTR @28, [HIGH_PACK_SIZE, HIGH_UNP_SIZE @32],
/// FILE_NAME.
fn rar4_file(h: &[u8], flags: u16, data: Option<std::ops::Range<usize>>) -> Result<Entry, Problem> {
    let bad = Problem::Damaged;
    let mut size = u64::from(le32(h, 11).ok_or(bad)?);
    let method = *h.get(25).ok_or(bad)?;
    let name_len = usize::from(le16(h, 26).ok_or(bad)?);
    let mut name_at = 32;
    if flags & LHD_LARGE != 0 {
        size |= u64::from(le32(h, 36).ok_or(bad)?) << 32;
        name_at = 40;
    }
    let raw = h.get(name_at..name_at + name_len).ok_or(bad)?;
    let (name, alt_name) = rar4_name(raw, flags & LHD_UNICODE != 0);
    let encrypted = flags & LHD_PASSWORD != 0;
    let stored = method == METHOD_STORE && !encrypted && flags & LHD_SPLIT == 0;
    Ok(Entry {
        name,
        alt_name,
        size,
        is_dir: flags & LHD_DIRECTORY == LHD_DIRECTORY,
        encrypted,
        stored: data.filter(|_| stored),
    })
}

/// A RAR 4 name: with LHD_UNICODE, either UTF-8 (no NUL inside) or an ASCII name, a NUL and
/// the Unicode name encoded against it ([`decode_unicode`]); both are returned then.
fn rar4_name(raw: &[u8], unicode: bool) -> (String, Option<String>) {
    if !unicode {
        return (latin1(raw), None);
    }
    match raw.iter().position(|&b| b == 0) {
        None => (String::from_utf8_lossy(raw).into_owned(), None),
        Some(nul) => {
            let ascii = &raw[..nul];
            let wide = decode_unicode(ascii, &raw[nul + 1..]);
            (wide, Some(latin1(ascii)))
        }
    }
}

/// unrar's `EncodeFileName::Decode`: a high byte, then two-bit opcodes (packed four to a flag
/// byte) that emit a low byte with high 0, a low byte with the high byte, a full 16-bit unit,
/// or a run copied from the ASCII name (optionally shifted by a correction, with the high
/// byte). Stops at the end of either input; malformed input gives a shorter name, never a
/// panic.
fn decode_unicode(ascii: &[u8], enc: &[u8]) -> String {
    const MAX: usize = 1024;
    let mut out: Vec<u16> = Vec::new();
    let mut pos = 0usize;
    let mut next = || -> Option<u8> {
        let b = enc.get(pos).copied();
        pos += 1;
        b
    };
    let high = next().map_or(0u16, |b| u16::from(b) << 8);
    let (mut flags, mut bits) = (0u8, 0u32);
    'outer: while out.len() < MAX {
        if bits == 0 {
            let Some(f) = next() else { break };
            flags = f;
            bits = 8;
        }
        match flags >> 6 {
            0 => match next() {
                Some(b) => out.push(u16::from(b)),
                None => break,
            },
            1 => match next() {
                Some(b) => out.push(u16::from(b) | high),
                None => break,
            },
            2 => match (next(), next()) {
                (Some(lo), Some(hi)) => out.push(u16::from_le_bytes([lo, hi])),
                _ => break,
            },
            _ => {
                let Some(len) = next() else { break };
                if len & 0x80 != 0 {
                    let Some(correction) = next() else { break };
                    for _ in 0..(usize::from(len & 0x7F) + 2) {
                        let Some(&a) = ascii.get(out.len()) else {
                            break 'outer;
                        };
                        out.push(u16::from(a.wrapping_add(correction)) | high);
                    }
                } else {
                    for _ in 0..(usize::from(len) + 2) {
                        let Some(&a) = ascii.get(out.len()) else {
                            break 'outer;
                        };
                        out.push(u16::from(a));
                    }
                }
            }
        }
        flags <<= 2;
        bits -= 2;
    }
    char::decode_utf16(out)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

// --- RAR 5 -----------------------------------------------------------------------------------

const TYPE_FILE: u64 = 2;
const TYPE_SERVICE: u64 = 3;
const TYPE_ENCRYPTION: u64 = 4;
const TYPE_END: u64 = 5;
const HFL_EXTRA: u64 = 0x0001;
const HFL_DATA: u64 = 0x0002;
const HFL_SPLIT: u64 = 0x0008 | 0x0010;
const FHFL_DIRECTORY: u64 = 0x0001;
const FHFL_UTIME: u64 = 0x0002;
const FHFL_CRC32: u64 = 0x0004;
const FHFL_UNPUNKNOWN: u64 = 0x0008;
const EXTRA_CRYPT: u64 = 0x01;

/// Largest RAR 5 header: its size field may take at most 3 bytes (RAR 5.0 format, "General
/// archive block format").
const MAX_HEADER_5: u64 = 2 << 20;

struct Vints<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Vints<'a> {
    /// RAR 5's vint: seven bits per byte, low first, the high bit saying another byte follows.
    fn vint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for i in 0..10 {
            let b = *self.b.get(self.pos)?;
            self.pos += 1;
            let bits = u64::from(b & 0x7F);
            if i == 9 && bits > 1 {
                return None;
            }
            v |= bits << (7 * i);
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn bytes(&mut self, n: u64) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(usize::try_from(n).ok()?)?;
        let s = self.b.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
}

/// Walks RAR 5 headers: CRC32, size (vint), then type, flags, [extra size], [data size], the
/// type's fields and the extra area; the data area follows the header.
fn rar5(rest: &[u8], base: usize, entries: &mut Vec<Entry>) -> Result<(), Problem> {
    let bad = Problem::Damaged;
    let mut pos = 0usize;
    while pos < rest.len() {
        let crc = le32(rest, pos).ok_or(bad)?;
        let mut v = Vints {
            b: rest,
            pos: pos + 4,
        };
        let size = v.vint().ok_or(bad)?;
        if v.pos - (pos + 4) > 3 || size > MAX_HEADER_5 || size == 0 {
            return Err(bad);
        }
        let header_start = v.pos;
        let body = v.bytes(size).ok_or(bad)?;
        if crc32fast::hash(&rest[pos + 4..header_start + body.len()]) != crc {
            return Err(bad);
        }
        let mut h = Vints { b: body, pos: 0 };
        let typ = h.vint().ok_or(bad)?;
        let flags = h.vint().ok_or(bad)?;
        let extra = if flags & HFL_EXTRA != 0 {
            h.vint().ok_or(bad)?
        } else {
            0
        };
        let data_size = if flags & HFL_DATA != 0 {
            h.vint().ok_or(bad)?
        } else {
            0
        };
        let data_start = header_start + body.len();
        let data_range = span(data_start, data_size, rest.len());
        match typ {
            TYPE_FILE | TYPE_SERVICE => {
                let extra_at = (body.len() as u64).checked_sub(extra).ok_or(bad)? as usize;
                let (name, size, file_flags, method) = rar5_file(&mut h).ok_or(bad)?;
                if h.pos > extra_at {
                    return Err(bad);
                }
                let encrypted = rar5_encrypted(&body[extra_at..]).ok_or(bad)?;
                if typ == TYPE_FILE {
                    if entries.len() >= MAX_ENTRIES {
                        return Err(Problem::TooMany);
                    }
                    let stored = method == 0 && !encrypted && flags & HFL_SPLIT == 0;
                    entries.push(Entry {
                        name,
                        alt_name: None,
                        size: if file_flags & FHFL_UNPUNKNOWN != 0 {
                            0
                        } else {
                            size
                        },
                        is_dir: file_flags & FHFL_DIRECTORY != 0,
                        encrypted,
                        stored: data_range
                            .clone()
                            .filter(|_| stored)
                            .map(|r| r.start + base..r.end + base),
                    });
                }
            }
            TYPE_ENCRYPTION => return Err(Problem::EncryptedHeaders),
            TYPE_END => return Ok(()),
            _ => {}
        }
        pos = data_range.ok_or(bad)?.end;
    }
    Ok(())
}

/// File and service header fields: file flags, unpacked size, attributes, [mtime], [CRC32],
/// compression information (method in bits 7–9, 0 = store), host OS, name length, name
/// (UTF-8). Returns the name, size, file flags and method.
fn rar5_file(h: &mut Vints<'_>) -> Option<(String, u64, u64, u64)> {
    let file_flags = h.vint()?;
    let size = h.vint()?;
    let _attributes = h.vint()?;
    if file_flags & FHFL_UTIME != 0 {
        h.bytes(4)?;
    }
    if file_flags & FHFL_CRC32 != 0 {
        h.bytes(4)?;
    }
    let compression = h.vint()?;
    let _host = h.vint()?;
    let len = h.vint()?;
    let name = String::from_utf8_lossy(h.bytes(len)?).into_owned();
    Some((name, size, file_flags, (compression >> 7) & 7))
}

/// Whether an extra area holds a file encryption record; `None` if it is malformed.
fn rar5_encrypted(extra: &[u8]) -> Option<bool> {
    let mut v = Vints { b: extra, pos: 0 };
    let mut encrypted = false;
    while v.pos < extra.len() {
        let size = v.vint()?;
        let record = v.bytes(size)?;
        let mut r = Vints { b: record, pos: 0 };
        encrypted |= r.vint()? == EXTRA_CRYPT;
    }
    Some(encrypted)
}

#[cfg(test)]
pub(crate) mod tests {
    //! Minimal RAR 4 and RAR 5 writers for the tests: stored members, correct CRCs.

    use super::*;

    /// A member for [`rar4`]/[`rar5`] writers.
    #[derive(Clone, Copy, Default)]
    pub struct Member<'a> {
        pub name: &'a str,
        pub data: &'a [u8],
        pub dir: bool,
        pub encrypted: bool,
        /// Compressed (method "normal"; the data is opaque).
        pub compressed: bool,
        /// Declared unpacked size, when not the data's length.
        pub declared: Option<u64>,
    }

    pub fn member<'a>(name: &'a str, data: &'a [u8]) -> Member<'a> {
        Member {
            name,
            data,
            ..Member::default()
        }
    }

    fn block4(typ: u8, flags: u16, fields: &[u8], data: &[u8]) -> Vec<u8> {
        let size = (7 + fields.len()) as u16;
        let mut h = vec![typ];
        h.extend(flags.to_le_bytes());
        h.extend(size.to_le_bytes());
        h.extend_from_slice(fields);
        let crc = (crc32fast::hash(&h) & 0xFFFF) as u16;
        let mut out = crc.to_le_bytes().to_vec();
        out.extend(h);
        out.extend_from_slice(data);
        out
    }

    /// A RAR 4 archive; `unicode_names` stores names as ASCII + encoded Unicode;
    /// `encrypted_headers` sets MHD_PASSWORD (and stops there, as the rest would be ciphertext).
    pub fn build4(members: &[Member<'_>], unicode_names: bool, encrypted_headers: bool) -> Vec<u8> {
        let mut out = SIGNATURE_4.to_vec();
        let main_flags = if encrypted_headers { MHD_PASSWORD } else { 0 };
        out.extend(block4(HEAD_MAIN, main_flags, &[0; 6], &[]));
        if encrypted_headers {
            out.extend([0x5A; 48]);
            return out;
        }
        for m in members {
            let mut flags = LONG_BLOCK;
            if m.dir {
                flags |= LHD_DIRECTORY;
            }
            if m.encrypted {
                flags |= LHD_PASSWORD;
            }
            let name: Vec<u8> = if unicode_names {
                flags |= LHD_UNICODE;
                let ascii: Vec<u8> = m
                    .name
                    .chars()
                    .map(|c| if c.is_ascii() { c as u8 } else { b'_' })
                    .collect();
                let mut n = ascii.clone();
                n.push(0);
                // High byte 0, then every unit as opcode 2 (full 16-bit), four per flag byte.
                n.push(0);
                let units: Vec<u16> = m.name.encode_utf16().collect();
                for chunk in units.chunks(4) {
                    n.push(0xAA);
                    for u in chunk {
                        n.extend(u.to_le_bytes());
                    }
                }
                n
            } else {
                m.name.as_bytes().to_vec()
            };
            let mut f = Vec::new();
            f.extend((m.data.len() as u32).to_le_bytes());
            f.extend((m.data.len() as u32).to_le_bytes());
            f.push(2); // Windows
            f.extend(crc32fast::hash(m.data).to_le_bytes());
            f.extend(0x5822_1061u32.to_le_bytes()); // DOS time
            f.push(29);
            f.push(if m.compressed { 0x33 } else { METHOD_STORE });
            f.extend((name.len() as u16).to_le_bytes());
            f.extend(if m.dir { 0x10u32 } else { 0x20 }.to_le_bytes());
            f.extend(name);
            out.extend(block4(HEAD_FILE, flags, &f, m.data));
        }
        out.extend(block4(HEAD_END, 0x4000, &[], &[]));
        out
    }

    pub fn vint(mut v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let b = (v & 0x7F) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return out;
            }
            out.push(b | 0x80);
        }
    }

    fn block5(typ: u64, flags: u64, fields: &[u8], extra: &[u8], data: &[u8]) -> Vec<u8> {
        let mut flags = flags;
        if !extra.is_empty() {
            flags |= HFL_EXTRA;
        }
        if !data.is_empty() {
            flags |= HFL_DATA;
        }
        let mut body = vint(typ);
        body.extend(vint(flags));
        if !extra.is_empty() {
            body.extend(vint(extra.len() as u64));
        }
        if !data.is_empty() {
            body.extend(vint(data.len() as u64));
        }
        body.extend_from_slice(fields);
        body.extend_from_slice(extra);
        let mut sized = vint(body.len() as u64);
        sized.extend(body);
        let mut out = crc32fast::hash(&sized).to_le_bytes().to_vec();
        out.extend(sized);
        out.extend_from_slice(data);
        out
    }

    /// A RAR 5 archive; `encrypted_headers` writes an archive encryption header first.
    pub fn build5(members: &[Member<'_>], encrypted_headers: bool) -> Vec<u8> {
        let mut out = SIGNATURE_5.to_vec();
        if encrypted_headers {
            // Version 0, flags, KDF count 15, salt: then everything is ciphertext.
            let mut f = vint(0);
            f.extend(vint(0));
            f.push(15);
            f.extend([0x11; 16]);
            out.extend(block5(TYPE_ENCRYPTION, 0, &f, &[], &[]));
            out.extend([0x5A; 64]);
            return out;
        }
        out.extend(block5(1, 0, &vint(0), &[], &[]));
        for m in members {
            let mut f = vint(if m.dir { FHFL_DIRECTORY } else { 0 } | FHFL_CRC32);
            f.extend(vint(m.declared.unwrap_or(m.data.len() as u64)));
            f.extend(vint(0x20));
            f.extend(crc32fast::hash(m.data).to_le_bytes());
            f.extend(vint(if m.compressed { 3 << 7 } else { 0 }));
            f.extend(vint(0)); // Windows
            f.extend(vint(m.name.len() as u64));
            f.extend(m.name.as_bytes());
            let extra = if m.encrypted {
                // A file encryption record: type 1, then (opaque here) parameters.
                let mut rec = vint(EXTRA_CRYPT);
                rec.extend([0u8; 20]);
                let mut e = vint(rec.len() as u64);
                e.extend(rec);
                e
            } else {
                Vec::new()
            };
            out.extend(block5(TYPE_FILE, 0, &f, &extra, m.data));
        }
        out.extend(block5(TYPE_END, 0, &vint(0), &[], &[]));
        out
    }

    fn names(l: &Listing) -> Vec<&str> {
        l.entries.iter().map(|e| e.name.as_str()).collect()
    }

    #[test]
    fn rar4_and_rar5_list_names_and_stored_data() {
        let members = [
            Member {
                dir: true,
                ..member("docs", b"")
            },
            member("docs/a.pdf", b"%PDF-1.4"),
            member("bin\\evil.exe", b"MZ.."),
            Member {
                compressed: true,
                ..member("packed.txt", b"opaque")
            },
        ];
        for a in [build4(&members, false, false), build5(&members, false)] {
            let l = list(&a);
            assert_eq!(l.problem, None);
            assert_eq!(
                names(&l),
                ["docs", "docs/a.pdf", "bin\\evil.exe", "packed.txt"]
            );
            assert!(l.entries[0].is_dir && !l.entries[1].is_dir);
            assert_eq!(&a[l.entries[2].stored.clone().unwrap()], b"MZ..");
            assert_eq!(l.entries[2].size, 4);
            assert_eq!(l.entries[3].stored, None);
        }
    }

    #[test]
    fn rar4_unicode_names() {
        let a = build4(&[member("Rechnung März.exe", b"x")], true, false);
        let l = list(&a);
        assert_eq!(l.problem, None);
        assert_eq!(l.entries[0].name, "Rechnung März.exe");
        assert_eq!(l.entries[0].alt_name.as_deref(), Some("Rechnung M_rz.exe"));
        // The run opcode copies from the ASCII name: "abc" then "d" as a low byte.
        assert_eq!(
            decode_unicode(b"abcd", &[0x00, 0b1100_0000, 0x01, b'd']),
            "abcd"
        );
        // The two names may disagree (the ASCII one says .exe, the Unicode one .pdf): both are
        // returned, and the walker checks both.
        let mut raw = b"run.exe\0\0".to_vec();
        raw.extend([
            0xAA, b'r', 0, b'u', 0, b'n', 0, b'.', 0, 0xAA, b'p', 0, b'd', 0, b'f', 0,
        ]);
        assert_eq!(
            rar4_name(&raw, true),
            ("run.pdf".to_string(), Some("run.exe".to_string()))
        );
        // Truncated or junk input ends the name, no panic.
        assert_eq!(decode_unicode(b"", &[0x00, 0xFF, 0x85, 0x01]), "");
        assert_eq!(decode_unicode(b"x", &[]), "");
    }

    #[test]
    fn encrypted() {
        let members = [Member {
            encrypted: true,
            ..member("secret.exe", b"....")
        }];
        for a in [build4(&members, false, false), build5(&members, false)] {
            let l = list(&a);
            assert_eq!(l.problem, None);
            assert!(l.entries[0].encrypted && l.entries[0].stored.is_none());
        }
        for a in [build4(&members, false, true), build5(&members, true)] {
            assert_eq!(list(&a).problem, Some(Problem::EncryptedHeaders));
        }
    }

    #[test]
    fn damage_keeps_what_was_read() {
        let members = [
            member("a.txt", b"aaaa"),
            member("run.exe", b"MZ--------------------"),
        ];
        for a in [build4(&members, false, false), build5(&members, false)] {
            // Cut inside the second member's data: both names read, then damage.
            let cut = a.len() - 10;
            let l = list(&a[..cut]);
            assert_eq!(l.problem, Some(Problem::Damaged));
            assert_eq!(names(&l), ["a.txt", "run.exe"]);
            // A flipped byte in the first header: its CRC fails.
            let mut bad = a.clone();
            let at = a.windows(5).position(|w| w == b"a.txt").unwrap();
            bad[at] = b'b';
            let l = list(&bad);
            assert_eq!(l.problem, Some(Problem::Damaged));
            assert!(l.entries.is_empty());
        }
    }

    #[test]
    fn vints() {
        for v in [0u64, 1, 127, 128, 300, 1 << 40, u64::MAX] {
            let b = vint(v);
            assert_eq!(Vints { b: &b, pos: 0 }.vint(), Some(v));
        }
        assert_eq!(
            Vints {
                b: &[0x80; 11],
                pos: 0
            }
            .vint(),
            None
        );
        assert_eq!(Vints { b: &[0x80], pos: 0 }.vint(), None);
    }
}
