//! 7z: the members' names and sizes, read from the archive's header without unpacking a member.
//!
//! The layout is 7-Zip's `DOC/7zFormat.txt`: a 32-byte signature header points at the header
//! at the end of the archive; that header is either plain (`kHeader`) or, as 7-Zip writes it by
//! default, itself packed (`kEncodedHeader`: a streams description whose one folder unpacks to
//! the plain header, normally with LZMA). Only that folder is ever decoded, with the pure-Rust
//! `lzma-rs`, capped at [`MAX_HEADER`] bytes and the walker's inflation budget.
//!
//! Why not a 7z crate: `sevenz-rust` and `sevenz-rust2` (the pure-Rust readers) depend on
//! `wasm-bindgen`/`js-sys` on every wasm32 target, which no component can satisfy (see
//! plugins/README.md; `scripts/build-plugins.sh` refuses it), and `sevenz-rust` also needs
//! `std::fs` (`filetime_creation`). Their readers also size allocations from header counts,
//! and listing names only needs the few records parsed here.
//!
//! Member data is never decompressed. Members in a folder whose only coder is Copy
//! (`7z a -m0=Copy`) lie in the archive as they are: their byte ranges are returned, so the
//! walker can look at them (executables, archives inside) like zip members.

use std::borrow::Cow;
use std::io::{self, Write};

use crate::listing::{Entry, Listing, Problem, MAX_ENTRIES};

/// `'7' 'z' BC AF 27 1C` (7zFormat.txt, SignatureHeader).
pub const SIGNATURE: &[u8] = b"7z\xBC\xAF\x27\x1C";

/// Largest header (plain or decoded) read. 1000 members with 250-character names and every
/// time stamp take about 600 KB; anything above this is refused as damaged.
pub const MAX_HEADER: u64 = 4 << 20;

const SIGNATURE_HEADER: usize = 32;

// Property IDs (7zFormat.txt, "Property IDs").
const K_END: u64 = 0x00;
const K_HEADER: u64 = 0x01;
const K_ARCHIVE_PROPERTIES: u64 = 0x02;
const K_ADDITIONAL_STREAMS_INFO: u64 = 0x03;
const K_MAIN_STREAMS_INFO: u64 = 0x04;
const K_FILES_INFO: u64 = 0x05;
const K_PACK_INFO: u64 = 0x06;
const K_UNPACK_INFO: u64 = 0x07;
const K_SUBSTREAMS_INFO: u64 = 0x08;
const K_SIZE: u64 = 0x09;
const K_CRC: u64 = 0x0A;
const K_FOLDER: u64 = 0x0B;
const K_CODERS_UNPACK_SIZE: u64 = 0x0C;
const K_NUM_UNPACK_STREAM: u64 = 0x0D;
const K_EMPTY_STREAM: u64 = 0x0E;
const K_EMPTY_FILE: u64 = 0x0F;
const K_NAME: u64 = 0x11;
const K_ENCODED_HEADER: u64 = 0x17;

// Coder IDs (7-Zip's DOC/Methods.txt).
const COPY: &[u8] = &[0x00];
const LZMA: &[u8] = &[0x03, 0x01, 0x01];
const LZMA2: &[u8] = &[0x21];
const AES: &[u8] = &[0x06, 0xF1, 0x07, 0x01];

/// Coders and bind pairs in one folder; 7-Zip itself allows 64 of each.
const MAX_CODERS: u64 = 64;

#[derive(Debug, PartialEq, Eq)]
enum Error {
    Damaged,
    Encrypted,
    OverBudget,
    TooMany,
}

type Result<T> = std::result::Result<T, Error>;

impl From<Error> for Problem {
    fn from(e: Error) -> Problem {
        match e {
            Error::Damaged => Problem::Damaged,
            Error::Encrypted => Problem::EncryptedHeaders,
            Error::OverBudget => Problem::OverBudget,
            Error::TooMany => Problem::TooMany,
        }
    }
}

/// Lists the 7z archive `data` (which starts with [`SIGNATURE`]). `budget`: the most bytes
/// that decoding a packed header may produce (the walker's inflation budget left).
pub(crate) fn list(data: &[u8], budget: u64) -> Listing {
    let mut listing = Listing::default();
    match read(data, budget.min(MAX_HEADER), &mut listing.inflated) {
        Ok(entries) => listing.entries = entries,
        Err(e) => listing.problem = Some(e.into()),
    }
    listing
}

fn le32(b: &[u8], at: usize) -> Result<u32> {
    let s = b.get(at..at + 4).ok_or(Error::Damaged)?;
    Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn le64(b: &[u8], at: usize) -> Result<u64> {
    let s = b.get(at..at + 8).ok_or(Error::Damaged)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Ok(u64::from_le_bytes(a))
}

fn crc(b: &[u8]) -> u32 {
    crc32fast::hash(b)
}

fn read(data: &[u8], budget: u64, inflated: &mut u64) -> Result<Vec<Entry>> {
    // SignatureHeader: signature, version (major 0), StartHeaderCRC over the next 20 bytes,
    // NextHeaderOffset, NextHeaderSize, NextHeaderCRC.
    let sig = data.get(..SIGNATURE_HEADER).ok_or(Error::Damaged)?;
    if !sig.starts_with(SIGNATURE) || sig[6] != 0 || crc(&sig[12..32]) != le32(sig, 8)? {
        return Err(Error::Damaged);
    }
    let (offset, size) = (le64(sig, 12)?, le64(sig, 20)?);
    if size == 0 {
        // An empty archive.
        return Ok(Vec::new());
    }
    if size > MAX_HEADER {
        return Err(Error::Damaged);
    }
    let start = offset
        .checked_add(SIGNATURE_HEADER as u64)
        .and_then(|s| usize::try_from(s).ok())
        .ok_or(Error::Damaged)?;
    let header = data
        .get(start..start.saturating_add(size as usize))
        .filter(|h| h.len() as u64 == size)
        .ok_or(Error::Damaged)?;
    if crc(header) != le32(sig, 28)? {
        return Err(Error::Damaged);
    }
    let mut header = Cow::Borrowed(header);
    // A packed header unpacks to a plain one; 7-Zip packs once, allow one more level.
    for _ in 0..3 {
        let mut r = Reader::new(&header);
        match r.number()? {
            K_HEADER => return parse_header(&mut r, data),
            K_ENCODED_HEADER => {
                let streams = streams_info(&mut r)?;
                let decoded = decode_header(data, &streams, budget.saturating_sub(*inflated))?;
                *inflated += decoded.len() as u64;
                header = Cow::Owned(decoded);
            }
            _ => return Err(Error::Damaged),
        }
    }
    Err(Error::Damaged)
}

/// A cursor over header bytes; every read is bounds-checked.
struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(b: &'a [u8]) -> Self {
        Reader { b, pos: 0 }
    }

    fn remaining(&self) -> usize {
        self.b.len() - self.pos
    }

    fn byte(&mut self) -> Result<u8> {
        let b = *self.b.get(self.pos).ok_or(Error::Damaged)?;
        self.pos += 1;
        Ok(b)
    }

    fn bytes(&mut self, n: u64) -> Result<&'a [u8]> {
        let n = usize::try_from(n).map_err(|_| Error::Damaged)?;
        let end = self.pos.checked_add(n).ok_or(Error::Damaged)?;
        let s = self.b.get(self.pos..end).ok_or(Error::Damaged)?;
        self.pos = end;
        Ok(s)
    }

    /// 7zFormat.txt's NUMBER: the leading one bits of the first byte count the bytes that
    /// follow (little-endian); the first byte's remaining bits are the highest ones.
    fn number(&mut self) -> Result<u64> {
        let first = self.byte()?;
        let mut mask = 0x80u8;
        let mut value = 0u64;
        for i in 0..8 {
            if first & mask == 0 {
                let high = u64::from(first & mask.wrapping_sub(1));
                return Ok(value | (high << (8 * i)));
            }
            value |= u64::from(self.byte()?) << (8 * i);
            mask >>= 1;
        }
        Ok(value)
    }

    /// A count of things that each take at least one byte of what is left: larger counts are
    /// damage (and would otherwise size allocations).
    fn count(&mut self) -> Result<usize> {
        let n = self.number()?;
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= self.remaining())
            .ok_or(Error::Damaged)
    }

    fn u32le(&mut self) -> Result<u32> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A vector of `n` bits, most significant bit first.
    fn bits(&mut self, n: usize) -> Result<Vec<bool>> {
        let b = self.bytes(n.div_ceil(8) as u64)?;
        Ok((0..n).map(|i| b[i / 8] & (0x80 >> (i % 8)) != 0).collect())
    }

    /// Digests of `n` streams: AllAreDefined, else a bit vector; a CRC32 for each defined one.
    fn digests(&mut self, n: usize) -> Result<Vec<Option<u32>>> {
        let defined = match self.byte()? {
            0 => self.bits(n)?,
            _ => vec![true; n],
        };
        defined
            .into_iter()
            .map(|d| d.then(|| self.u32le()).transpose())
            .collect()
    }
}

#[derive(Debug, Default)]
struct Coder {
    id: Vec<u8>,
    props: Vec<u8>,
}

#[derive(Debug, Default)]
struct Folder {
    coders: Vec<Coder>,
    /// Packed streams this folder reads.
    packed: usize,
    /// Unpack size of each coder output; the folder's is the one no bind pair consumes.
    unpack_sizes: Vec<u64>,
    main_out: usize,
    crc: Option<u32>,
}

impl Folder {
    fn unpack_size(&self) -> u64 {
        self.unpack_sizes.get(self.main_out).copied().unwrap_or(0)
    }

    fn has(&self, id: &[u8]) -> bool {
        self.coders.iter().any(|c| c.id == id)
    }

    fn stored(&self) -> bool {
        self.coders.len() == 1 && self.coders[0].id == COPY && self.packed == 1
    }
}

#[derive(Debug, Default)]
struct Streams {
    pack_pos: u64,
    pack_sizes: Vec<u64>,
    folders: Vec<Folder>,
    /// Sizes of the files in each folder (SubStreamsInfo); one per folder by default.
    substreams: Vec<Vec<u64>>,
}

fn folder(r: &mut Reader<'_>) -> Result<Folder> {
    let n = r.number()?;
    if n == 0 || n > MAX_CODERS {
        return Err(Error::Damaged);
    }
    let mut f = Folder::default();
    let (mut ins, mut outs) = (0u64, 0u64);
    for _ in 0..n {
        let flags = r.byte()?;
        // Bit 7 (alternative methods) is reserved and never written.
        if flags & 0x80 != 0 {
            return Err(Error::Damaged);
        }
        let id = r.bytes(u64::from(flags & 0x0F))?.to_vec();
        let (i, o) = if flags & 0x10 != 0 {
            (r.number()?, r.number()?)
        } else {
            (1, 1)
        };
        if i > MAX_CODERS || o > MAX_CODERS {
            return Err(Error::Damaged);
        }
        ins += i;
        outs += o;
        let props = if flags & 0x20 != 0 {
            let len = r.count()?;
            r.bytes(len as u64)?.to_vec()
        } else {
            Vec::new()
        };
        f.coders.push(Coder { id, props });
    }
    // NumBindPairs = NumOutStreamsTotal - 1; NumPackedStreams = NumInStreamsTotal - NumBindPairs.
    let binds = outs.checked_sub(1).ok_or(Error::Damaged)?;
    let packed = ins
        .checked_sub(binds)
        .filter(|&p| p >= 1)
        .ok_or(Error::Damaged)?;
    let mut bound_outs = Vec::new();
    for _ in 0..binds {
        let _in_index = r.number()?;
        bound_outs.push(r.number()?);
    }
    if packed > 1 {
        for _ in 0..packed {
            r.number()?;
        }
    }
    f.packed = packed as usize;
    f.main_out = (0..outs)
        .find(|o| !bound_outs.contains(o))
        .ok_or(Error::Damaged)? as usize;
    f.unpack_sizes = vec![0; outs as usize];
    Ok(f)
}

fn streams_info(r: &mut Reader<'_>) -> Result<Streams> {
    let mut s = Streams::default();
    let mut counts: Option<Vec<usize>> = None;
    loop {
        match r.number()? {
            K_END => break,
            K_PACK_INFO => {
                s.pack_pos = r.number()?;
                let n = r.count()?;
                s.pack_sizes = vec![0; n];
                loop {
                    match r.number()? {
                        K_END => break,
                        K_SIZE => {
                            for size in s.pack_sizes.iter_mut() {
                                *size = r.number()?;
                            }
                        }
                        K_CRC => {
                            r.digests(n)?;
                        }
                        _ => return Err(Error::Damaged),
                    }
                }
            }
            K_UNPACK_INFO => {
                if r.number()? != K_FOLDER {
                    return Err(Error::Damaged);
                }
                let n = r.count()?;
                // External: the folders are in another stream (never written by 7-Zip).
                if r.byte()? != 0 {
                    return Err(Error::Damaged);
                }
                s.folders = (0..n).map(|_| folder(r)).collect::<Result<_>>()?;
                if r.number()? != K_CODERS_UNPACK_SIZE {
                    return Err(Error::Damaged);
                }
                for f in s.folders.iter_mut() {
                    for size in f.unpack_sizes.iter_mut() {
                        *size = r.number()?;
                    }
                }
                loop {
                    match r.number()? {
                        K_END => break,
                        K_CRC => {
                            for (f, c) in s.folders.iter_mut().zip(r.digests(n)?) {
                                f.crc = c;
                            }
                        }
                        _ => return Err(Error::Damaged),
                    }
                }
            }
            K_SUBSTREAMS_INFO => {
                let mut sizes: Option<Vec<Vec<u64>>> = None;
                loop {
                    match r.number()? {
                        K_END => break,
                        K_NUM_UNPACK_STREAM => {
                            counts = Some(
                                (0..s.folders.len())
                                    .map(|_| r.count())
                                    .collect::<Result<_>>()?,
                            );
                        }
                        K_SIZE => {
                            let c = counts.clone().unwrap_or_else(|| vec![1; s.folders.len()]);
                            let mut all = Vec::with_capacity(c.len());
                            for (f, &n) in s.folders.iter().zip(&c) {
                                all.push(split_sizes(r, f.unpack_size(), n)?);
                            }
                            sizes = Some(all);
                        }
                        K_CRC => {
                            let c = counts.clone().unwrap_or_else(|| vec![1; s.folders.len()]);
                            let unknown = s
                                .folders
                                .iter()
                                .zip(&c)
                                .map(|(f, &n)| if n == 1 && f.crc.is_some() { 0 } else { n })
                                .fold(0usize, usize::saturating_add);
                            if unknown > r.remaining() {
                                return Err(Error::Damaged);
                            }
                            r.digests(unknown)?;
                        }
                        _ => return Err(Error::Damaged),
                    }
                }
                if let Some(sizes) = sizes {
                    s.substreams = sizes;
                }
            }
            _ => return Err(Error::Damaged),
        }
    }
    if s.substreams.is_empty() {
        // Without sizes, each folder holds as many files as counted, which must then be at
        // most one: its whole output.
        let c = counts.unwrap_or_else(|| vec![1; s.folders.len()]);
        s.substreams = s
            .folders
            .iter()
            .zip(&c)
            .map(|(f, &n)| match n {
                0 => Ok(Vec::new()),
                1 => Ok(vec![f.unpack_size()]),
                _ => Err(Error::Damaged),
            })
            .collect::<Result<_>>()?;
    }
    if s.substreams.len() != s.folders.len() {
        return Err(Error::Damaged);
    }
    Ok(s)
}

/// The sizes of `n` files in a folder of `total` bytes: `n - 1` are written, the last is what
/// remains.
fn split_sizes(r: &mut Reader<'_>, total: u64, n: usize) -> Result<Vec<u64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let mut sizes = Vec::with_capacity(n.min(r.remaining() + 1));
    let mut sum = 0u64;
    for _ in 1..n {
        let s = r.number()?;
        sum = sum.checked_add(s).ok_or(Error::Damaged)?;
        sizes.push(s);
    }
    sizes.push(total.checked_sub(sum).ok_or(Error::Damaged)?);
    Ok(sizes)
}

/// Offset in `data` of each packed stream: they follow the signature header from PackPos on.
fn pack_offsets(s: &Streams) -> Result<Vec<u64>> {
    let mut at = s
        .pack_pos
        .checked_add(SIGNATURE_HEADER as u64)
        .ok_or(Error::Damaged)?;
    let mut v = Vec::with_capacity(s.pack_sizes.len());
    for &size in &s.pack_sizes {
        v.push(at);
        at = at.checked_add(size).ok_or(Error::Damaged)?;
    }
    Ok(v)
}

/// A `Write` into memory that refuses to grow past `cap`.
struct Capped {
    buf: Vec<u8>,
    cap: usize,
}

impl Write for Capped {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        if self.buf.len() + b.len() > self.cap {
            return Err(io::Error::other("header larger than declared"));
        }
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Unpacks the header from the first folder of an encoded header's streams.
fn decode_header(data: &[u8], s: &Streams, budget: u64) -> Result<Vec<u8>> {
    let f = s.folders.first().ok_or(Error::Damaged)?;
    if f.has(AES) {
        return Err(Error::Encrypted);
    }
    let size = f.unpack_size();
    if size > MAX_HEADER {
        return Err(Error::Damaged);
    }
    if size > budget {
        return Err(Error::OverBudget);
    }
    let at = *pack_offsets(s)?.first().ok_or(Error::Damaged)?;
    let len = *s.pack_sizes.first().ok_or(Error::Damaged)?;
    let packed = usize::try_from(at)
        .ok()
        .zip(usize::try_from(len).ok())
        .and_then(|(at, len)| data.get(at..at.checked_add(len)?))
        .ok_or(Error::Damaged)?;
    let size = size as usize;
    let coder = match f.coders.as_slice() {
        [c] => c,
        _ => return Err(Error::Damaged),
    };
    let mut out = Capped {
        buf: Vec::with_capacity(size),
        cap: size,
    };
    match coder.id.as_slice() {
        COPY => out
            .buf
            .extend_from_slice(packed.get(..size).ok_or(Error::Damaged)?),
        LZMA => {
            // Properties: lc/lp/pb byte and the dictionary size (LZMA's .lzma header without
            // the size, which 7z keeps in the folder). A dictionary larger than the output is
            // never used: clamp it, so a forged size cannot make the decoder allocate.
            let props = coder.props.get(..5).ok_or(Error::Damaged)?;
            let dict = le32(props, 1)?.min(size.max(4096) as u32);
            let mut input = Vec::with_capacity(5 + packed.len());
            input.push(props[0]);
            input.extend_from_slice(&dict.to_le_bytes());
            input.extend_from_slice(packed);
            let options = lzma_rs::decompress::Options {
                unpacked_size: lzma_rs::decompress::UnpackedSize::UseProvided(Some(size as u64)),
                memlimit: Some(size.max(4096)),
                allow_incomplete: false,
            };
            lzma_rs::lzma_decompress_with_options(&mut &input[..], &mut out, &options)
                .map_err(|_| Error::Damaged)?;
        }
        LZMA2 => {
            // lzma-rs keeps an LZMA2 stream's output in memory between dictionary resets:
            // the chunks' declared sizes are added up first, so it cannot be made to grow.
            if lzma2_declared(packed).is_none_or(|n| n > size as u64) {
                return Err(Error::Damaged);
            }
            lzma_rs::lzma2_decompress(&mut &packed[..], &mut out).map_err(|_| Error::Damaged)?;
        }
        _ => return Err(Error::Damaged),
    }
    if out.buf.len() != size || f.crc.is_some_and(|c| c != crc(&out.buf)) {
        return Err(Error::Damaged);
    }
    Ok(out.buf)
}

/// The unpacked size an LZMA2 stream declares in its chunk headers (xz's LZMA2 format: a
/// control byte, then sizes); `None` when the chunk headers are not well formed.
fn lzma2_declared(mut b: &[u8]) -> Option<u64> {
    let mut total = 0u64;
    loop {
        let control = *b.first()?;
        let (unpacked, skip) = match control {
            0x00 => return Some(total),
            // Uncompressed chunk: 16-bit size - 1.
            0x01 | 0x02 => {
                let n = u64::from(u16::from_be_bytes([*b.get(1)?, *b.get(2)?])) + 1;
                (n, 3 + n as usize)
            }
            0x80..=0xFF => {
                let unpacked = (u64::from(control & 0x1F) << 16
                    | u64::from(u16::from_be_bytes([*b.get(1)?, *b.get(2)?])))
                    + 1;
                let packed = usize::from(u16::from_be_bytes([*b.get(3)?, *b.get(4)?])) + 1;
                let props = usize::from((control >> 5) & 3 >= 2);
                (unpacked, 5 + props + packed)
            }
            _ => return None,
        };
        total = total.checked_add(unpacked)?;
        b = b.get(skip..)?;
    }
}

fn skip_properties(r: &mut Reader<'_>) -> Result<()> {
    loop {
        if r.number()? == K_END {
            return Ok(());
        }
        let n = r.number()?;
        r.bytes(n)?;
    }
}

struct Files {
    names: Vec<String>,
    empty_stream: Vec<bool>,
    empty_file: Vec<bool>,
}

fn files_info(r: &mut Reader<'_>) -> Result<Files> {
    let n = r.count()?;
    if n > MAX_ENTRIES {
        return Err(Error::TooMany);
    }
    let mut f = Files {
        names: Vec::new(),
        empty_stream: vec![false; n],
        empty_file: Vec::new(),
    };
    loop {
        let id = r.number()?;
        if id == K_END {
            break;
        }
        let size = r.number()?;
        let mut p = Reader::new(r.bytes(size)?);
        match id {
            K_EMPTY_STREAM => f.empty_stream = p.bits(n)?,
            K_EMPTY_FILE => {
                let empties = f.empty_stream.iter().filter(|&&e| e).count();
                f.empty_file = p.bits(empties)?;
            }
            K_NAME => {
                // External: names in another stream (never written by 7-Zip).
                if p.byte()? != 0 {
                    return Err(Error::Damaged);
                }
                // UTF-16LE, each name ending with a 0 unit.
                let units: Vec<u16> = p.b[p.pos..]
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                f.names = units
                    .split(|&u| u == 0)
                    .take(n)
                    .map(|name| {
                        char::decode_utf16(name.iter().copied())
                            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                            .collect()
                    })
                    .collect();
                // Every name must be terminated.
                if units.iter().filter(|&&u| u == 0).count() < n {
                    return Err(Error::Damaged);
                }
            }
            // Times, attributes, anti-items, padding: not needed.
            _ => {}
        }
    }
    if f.names.len() != n {
        // 7-Zip writes a name for every file; an archive without them hides what it holds.
        return Err(Error::Damaged);
    }
    Ok(f)
}

fn parse_header(r: &mut Reader<'_>, data: &[u8]) -> Result<Vec<Entry>> {
    let mut main = Streams::default();
    let mut files = None;
    loop {
        match r.number()? {
            K_END => break,
            K_ARCHIVE_PROPERTIES => skip_properties(r)?,
            K_ADDITIONAL_STREAMS_INFO => {
                streams_info(r)?;
            }
            K_MAIN_STREAMS_INFO => main = streams_info(r)?,
            K_FILES_INFO => files = Some(files_info(r)?),
            _ => return Err(Error::Damaged),
        }
    }
    let Some(files) = files else {
        return Ok(Vec::new());
    };
    // Files with a stream take the folders' substreams in order.
    let offsets = pack_offsets(&main)?;
    let mut streams = Vec::new();
    let mut first_pack = 0usize;
    for (f, sizes) in main.folders.iter().zip(&main.substreams) {
        let mut at = offsets.get(first_pack).copied();
        first_pack = first_pack.saturating_add(f.packed);
        for &size in sizes {
            let stored = if f.stored() {
                let start = at.ok_or(Error::Damaged)?;
                let end = start.checked_add(size).ok_or(Error::Damaged)?;
                at = Some(end);
                let (start, end) = usize::try_from(start)
                    .ok()
                    .zip(usize::try_from(end).ok())
                    .filter(|&(_, end)| end <= data.len())
                    .ok_or(Error::Damaged)?;
                Some(start..end)
            } else {
                None
            };
            streams.push((size, f.has(AES), stored));
        }
    }
    let mut streams = streams.into_iter();
    let mut empty_index = 0usize;
    let mut entries = Vec::with_capacity(files.names.len());
    for (i, name) in files.names.into_iter().enumerate() {
        let mut e = Entry {
            name,
            ..Entry::default()
        };
        if files.empty_stream.get(i).copied().unwrap_or(false) {
            let is_file = files.empty_file.get(empty_index).copied().unwrap_or(false);
            empty_index += 1;
            e.is_dir = !is_file;
        } else {
            let (size, encrypted, stored) = streams.next().ok_or(Error::Damaged)?;
            e.size = size;
            e.encrypted = encrypted;
            e.stored = stored;
        }
        entries.push(e);
    }
    Ok(entries)
}

#[cfg(test)]
pub(crate) mod tests {
    //! A minimal 7z writer for the tests, following 7zFormat.txt: stored (Copy) or opaque
    //! "compressed" folders, plain or LZMA-packed header.

    use super::*;

    pub fn number(v: u64) -> Vec<u8> {
        if v < 0x80 {
            return vec![v as u8];
        }
        let mut out = vec![0xFF];
        out.extend_from_slice(&v.to_le_bytes());
        out
    }

    /// Options for [`build`].
    #[derive(Clone, Copy, Default)]
    pub struct Options {
        /// Pack the header with LZMA (as 7-Zip does by default).
        pub packed_header: bool,
        /// Pack it with LZMA2 instead (other writers).
        pub lzma2_header: bool,
        /// Pretend the files' folder is LZMA (its data is then opaque).
        pub compressed: bool,
        /// Mark the files' folder as AES-encrypted.
        pub encrypted: bool,
    }

    fn folder_bytes(coders: &[(&[u8], &[u8])]) -> Vec<u8> {
        let mut h = number(coders.len() as u64);
        for (id, props) in coders {
            let flags = id.len() as u8 | if props.is_empty() { 0 } else { 0x20 };
            h.push(flags);
            h.extend_from_slice(id);
            if !props.is_empty() {
                h.extend(number(props.len() as u64));
                h.extend_from_slice(props);
            }
        }
        // Coders chained: coder i+1's output feeds coder i (bind pairs in = i, out = i + 1).
        for i in 1..coders.len() as u64 {
            h.extend(number(i));
            h.extend(number(i));
        }
        h
    }

    fn utf16_names(names: &[&str]) -> Vec<u8> {
        let mut v = vec![0u8];
        for n in names {
            for u in n.encode_utf16() {
                v.extend_from_slice(&u.to_le_bytes());
            }
            v.extend_from_slice(&[0, 0]);
        }
        v
    }

    /// A 7z archive of `files` (name, content); a name ending in `/` is a directory.
    pub fn build(files: &[(&str, &[u8])], o: Options) -> Vec<u8> {
        let with_data: Vec<&(&str, &[u8])> = files
            .iter()
            .filter(|(n, d)| !n.ends_with('/') && !d.is_empty())
            .collect();
        let packed: Vec<u8> = with_data
            .iter()
            .flat_map(|(_, d)| d.iter().copied())
            .collect();
        let mut h = vec![K_HEADER as u8];
        if !with_data.is_empty() {
            h.push(K_MAIN_STREAMS_INFO as u8);
            h.extend([K_PACK_INFO as u8, 0, 1, K_SIZE as u8]);
            h.extend(number(packed.len() as u64));
            h.push(K_END as u8);
            h.extend([K_UNPACK_INFO as u8, K_FOLDER as u8, 1, 0]);
            let mut coders: Vec<(&[u8], &[u8])> = Vec::new();
            if o.encrypted {
                coders.push((AES, &[0x01]));
            }
            coders.push(if o.compressed {
                (LZMA, &[0x5d, 0, 0, 1, 0])
            } else {
                (COPY, &[])
            });
            h.extend(folder_bytes(&coders));
            h.push(K_CODERS_UNPACK_SIZE as u8);
            for _ in &coders {
                h.extend(number(packed.len() as u64));
            }
            h.push(K_END as u8);
            h.extend([K_SUBSTREAMS_INFO as u8, K_NUM_UNPACK_STREAM as u8]);
            h.extend(number(with_data.len() as u64));
            h.push(K_SIZE as u8);
            for (_, d) in &with_data[..with_data.len() - 1] {
                h.extend(number(d.len() as u64));
            }
            h.push(K_END as u8);
            h.push(K_END as u8);
        }
        h.push(K_FILES_INFO as u8);
        h.extend(number(files.len() as u64));
        let empty: Vec<bool> = files
            .iter()
            .map(|(n, d)| n.ends_with('/') || d.is_empty())
            .collect();
        if empty.iter().any(|&e| e) {
            let bits = |v: &[bool]| -> Vec<u8> {
                let mut b = vec![0u8; v.len().div_ceil(8)];
                for (i, &x) in v.iter().enumerate() {
                    if x {
                        b[i / 8] |= 0x80 >> (i % 8);
                    }
                }
                b
            };
            let e = bits(&empty);
            h.push(K_EMPTY_STREAM as u8);
            h.extend(number(e.len() as u64));
            h.extend(e);
            let files_flags: Vec<bool> = files
                .iter()
                .zip(&empty)
                .filter(|(_, &e)| e)
                .map(|((n, _), _)| !n.ends_with('/'))
                .collect();
            let f = bits(&files_flags);
            h.push(K_EMPTY_FILE as u8);
            h.extend(number(f.len() as u64));
            h.extend(f);
        }
        let names: Vec<&str> = files.iter().map(|(n, _)| n.trim_end_matches('/')).collect();
        let n = utf16_names(&names);
        h.push(K_NAME as u8);
        h.extend(number(n.len() as u64));
        h.extend(n);
        h.push(K_END as u8);
        h.push(K_END as u8);

        let mut body = packed;
        let header = if o.packed_header || o.lzma2_header {
            let mut lz = Vec::new();
            let (coder, props, stream): (&[u8], Vec<u8>, Vec<u8>) = if o.lzma2_header {
                lzma_rs::lzma2_compress(&mut &h[..], &mut lz).unwrap();
                (LZMA2, vec![0x10], lz)
            } else {
                lzma_rs::lzma_compress(&mut &h[..], &mut lz).unwrap();
                // .lzma: 5 property bytes, 8 size bytes, then the stream.
                (LZMA, lz[..5].to_vec(), lz[13..].to_vec())
            };
            let at = body.len() as u64;
            body.extend_from_slice(&stream);
            let mut e = vec![K_ENCODED_HEADER as u8, K_PACK_INFO as u8];
            e.extend(number(at));
            e.push(1);
            e.push(K_SIZE as u8);
            e.extend(number(stream.len() as u64));
            e.push(K_END as u8);
            e.extend([K_UNPACK_INFO as u8, K_FOLDER as u8, 1, 0]);
            e.extend(folder_bytes(&[(coder, &props)]));
            e.push(K_CODERS_UNPACK_SIZE as u8);
            e.extend(number(h.len() as u64));
            e.push(K_CRC as u8);
            e.push(1);
            e.extend(crc(&h).to_le_bytes());
            e.push(K_END as u8);
            e.push(K_END as u8);
            e
        } else {
            h
        };
        let mut out = SIGNATURE.to_vec();
        out.extend([0, 4]);
        let mut start = Vec::new();
        start.extend((body.len() as u64).to_le_bytes());
        start.extend((header.len() as u64).to_le_bytes());
        start.extend(crc(&header).to_le_bytes());
        out.extend(crc(&start).to_le_bytes());
        out.extend(start);
        out.extend(body);
        out.extend(header);
        out
    }

    fn names(l: &Listing) -> Vec<&str> {
        l.entries.iter().map(|e| e.name.as_str()).collect()
    }

    #[test]
    fn plain_and_packed_headers() {
        let files: &[(&str, &[u8])] = &[
            ("docs/", b""),
            ("docs/a.pdf", b"%PDF-1.4"),
            ("empty.txt", b""),
            ("bin/evil.exe", b"MZ.."),
        ];
        for (packed_header, lzma2_header) in [(false, false), (true, false), (false, true)] {
            let a = build(
                files,
                Options {
                    packed_header,
                    lzma2_header,
                    ..Options::default()
                },
            );
            let l = list(&a, u64::MAX);
            assert_eq!(l.problem, None, "{packed_header} {lzma2_header}");
            assert_eq!(
                names(&l),
                ["docs", "docs/a.pdf", "empty.txt", "bin/evil.exe"]
            );
            assert!(l.entries[0].is_dir && !l.entries[2].is_dir);
            let exe = &l.entries[3];
            assert_eq!(exe.size, 4);
            assert_eq!(&a[exe.stored.clone().unwrap()], b"MZ..");
            assert_eq!(l.inflated > 0, packed_header || lzma2_header);
        }
    }

    /// Archives written by 7-Zip itself (tests/corpus/attachments/generate.py writes them).
    #[test]
    fn real_7zip_archives() {
        // Default: LZMA2 data, header packed with LZMA.
        let a = include_bytes!("testdata/lzma2-packed-header.7z");
        let l = list(a, u64::MAX);
        assert_eq!(l.problem, None);
        assert!(l.inflated > 0);
        // 7-Zip orders members by extension.
        assert_eq!(names(&l), ["bin/evil.exe", "readme.txt"]);
        assert_eq!((l.entries[0].size, l.entries[1].size), (512, 7));
        assert!(l.entries.iter().all(|e| e.stored.is_none() && !e.encrypted));
        // -mhc=off: the same, header plain.
        let l = list(include_bytes!("testdata/plain-header.7z"), u64::MAX);
        assert_eq!((l.problem, l.inflated), (None, 0));
        assert_eq!(names(&l), ["bin/evil.exe", "readme.txt"]);
        // -m0=Copy: the members' bytes are where the listing says.
        let a = include_bytes!("testdata/copy.7z");
        let l = list(a, u64::MAX);
        assert_eq!(l.problem, None);
        assert_eq!(names(&l), ["a.pdf", "inner.zip"]);
        let pdf = &a[l.entries[0].stored.clone().unwrap()];
        assert!(pdf.starts_with(b"%PDF-1.4") && pdf.ends_with(b"%%EOF\n"));
        assert!(a[l.entries[1].stored.clone().unwrap()].starts_with(b"PK\x03\x04"));
    }

    /// Archives written by py7zr 1.1.4 (`writestr` of evil.exe and a.pdf; kept as they are, the
    /// generator does not depend on py7zr): its header is packed with LZMA2, its data with
    /// BCJ + LZMA2; with `header_encryption=True` the header is AES-encrypted.
    #[test]
    fn py7zr_archives() {
        let l = list(include_bytes!("testdata/py7zr-lzma2-header.7z"), u64::MAX);
        assert_eq!(l.problem, None);
        assert!(l.inflated > 0);
        let mut n = names(&l);
        n.sort();
        assert_eq!(n, ["a.pdf", "evil.exe"]);
        let l = list(
            include_bytes!("testdata/py7zr-encrypted-header.7z"),
            u64::MAX,
        );
        assert_eq!(l.problem, Some(Problem::EncryptedHeaders));
    }

    #[test]
    fn compressed_and_encrypted_members() {
        let files: &[(&str, &[u8])] = &[("a.txt", b"aaaa"), ("b.zip", b"PK..")];
        let l = list(
            &build(
                files,
                Options {
                    compressed: true,
                    ..Options::default()
                },
            ),
            u64::MAX,
        );
        assert_eq!(l.problem, None);
        assert!(l.entries.iter().all(|e| e.stored.is_none() && !e.encrypted));
        let l = list(
            &build(
                files,
                Options {
                    encrypted: true,
                    compressed: true,
                    ..Options::default()
                },
            ),
            u64::MAX,
        );
        assert!(l.entries.iter().all(|e| e.encrypted));
    }

    #[test]
    fn budget_and_damage() {
        let a = build(
            &[("a.txt", b"a")],
            Options {
                packed_header: true,
                ..Options::default()
            },
        );
        assert_eq!(list(&a, 4).problem, Some(Problem::OverBudget));
        assert_eq!(
            list(&a[..a.len() - 1], u64::MAX).problem,
            Some(Problem::Damaged)
        );
        assert_eq!(list(&a[..20], u64::MAX).problem, Some(Problem::Damaged));
        let mut bad = a.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(list(&bad, u64::MAX).problem, Some(Problem::Damaged));
        // Empty archive.
        let mut empty = SIGNATURE.to_vec();
        empty.extend([0, 4]);
        let start = [0u8; 20];
        empty.extend(crc(&start).to_le_bytes());
        empty.extend(start);
        assert_eq!(list(&empty, u64::MAX), Listing::default());
    }

    #[test]
    fn numbers() {
        for v in [0u64, 1, 0x7F, 0x80, 0x3FFF, 0x4000, 1 << 40, u64::MAX] {
            // Our writer's long form and the compact forms 7-Zip writes.
            let mut r_long = Vec::new();
            r_long.push(0xFF);
            r_long.extend(v.to_le_bytes());
            assert_eq!(Reader::new(&r_long).number(), Ok(v));
        }
        assert_eq!(Reader::new(&[0x81, 0x02]).number(), Ok(0x102));
        assert_eq!(Reader::new(&[0xC1, 0x02, 0x03]).number(), Ok(0x10302));
        assert_eq!(Reader::new(&[0xC1, 0x02]).number(), Err(Error::Damaged));
    }

    #[test]
    fn lzma2_chunk_sizes() {
        // An uncompressed chunk of 3 bytes, then the end.
        assert_eq!(
            lzma2_declared(&[0x01, 0x00, 0x02, b'a', b'b', b'c', 0x00]),
            Some(3)
        );
        assert_eq!(lzma2_declared(&[0x01, 0x00, 0x02, b'a']), None);
        assert_eq!(lzma2_declared(&[0x05]), None);
        // LZMA chunk header declaring 2 MiB.
        let mut c = vec![0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x5D, 0x00];
        c.push(0x00);
        assert_eq!(lzma2_declared(&c), Some(2 << 20));
    }
}
