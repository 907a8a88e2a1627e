//! What a file is by its first bytes, whatever its name says.

/// How many leading bytes of an archive member are read to recognise it. Enough for the PE
/// header of ordinary executables (e_lfanew is usually below 0x200) and for the tar magic.
pub const HEAD: usize = 4096;

/// An executable format recognised by content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Executable {
    /// Windows PE (`MZ` header whose e_lfanew points at `PE\0\0`).
    Pe,
    /// ELF (Linux and other Unix).
    Elf,
    /// Mach-O, thin or universal (macOS).
    MachO,
}

impl Executable {
    pub fn describe(self) -> &'static str {
        match self {
            Executable::Pe => "Windows PE",
            Executable::Elf => "ELF",
            Executable::MachO => "Mach-O",
        }
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Recognises an executable from its first bytes. `head` may be a prefix of the file (at least
/// [`HEAD`] bytes when the file is that long); `size` is the file's full size.
pub fn executable(head: &[u8], size: u64) -> Option<Executable> {
    if head.starts_with(b"MZ") {
        // A bare "MZ" also starts ordinary text; require the PE signature where e_lfanew (the
        // u32 at 0x3C) says it is. When it points past the bytes we have but inside the file,
        // it cannot be checked: count it as an executable (only a tag, by default).
        let lfanew = le32(head, 0x3C)? as usize;
        return match head.get(lfanew..lfanew + 4) {
            Some(sig) => (sig == b"PE\0\0").then_some(Executable::Pe),
            None => (lfanew >= head.len() && (lfanew as u64) + 4 <= size).then_some(Executable::Pe),
        };
    }
    if head.len() >= 6
        && head.starts_with(b"\x7fELF")
        && matches!(head[4], 1 | 2)
        && matches!(head[5], 1 | 2)
    {
        return Some(Executable::Elf);
    }
    match be32(head, 0)? {
        // MH_MAGIC, MH_MAGIC_64 in either byte order.
        0xFEED_FACE | 0xFEED_FACF | 0xCEFA_EDFE | 0xCFFA_EDFE => Some(Executable::MachO),
        // FAT_MAGIC / FAT_MAGIC_64 are also Java's class-file magic (CAFEBABE); a class file has
        // its major version (45 and up) where a universal binary has its architecture count,
        // which is small. file(1) draws the line at 20 as well.
        0xCAFE_BABE | 0xCAFE_BABF => {
            let archs = be32(head, 4)?;
            (1..20).contains(&archs).then_some(Executable::MachO)
        }
        _ => None,
    }
}

/// An archive format we look into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Archive {
    Zip,
    Gzip,
    Tar,
    /// 7z: only its header is read.
    SevenZip,
    /// RAR 4 or RAR 5: only its headers are read.
    Rar,
}

/// Recognises an archive from its first bytes (at least 512 when the file is that long).
pub fn archive(head: &[u8]) -> Option<Archive> {
    // Local file header, empty archive, spanned-archive marker (APPNOTE 4.3.7, 4.3.16, 8.5.3).
    if head.starts_with(b"PK\x03\x04")
        || head.starts_with(b"PK\x05\x06")
        || head.starts_with(b"PK\x07\x08")
    {
        return Some(Archive::Zip);
    }
    // RFC 1952 §2.3.1: ID1 ID2 and CM = 8 (deflate), the only method defined.
    if head.starts_with(b"\x1f\x8b\x08") {
        return Some(Archive::Gzip);
    }
    if head.starts_with(crate::sevenz::SIGNATURE) {
        return Some(Archive::SevenZip);
    }
    if head.starts_with(crate::rar::SIGNATURE_4) || head.starts_with(crate::rar::SIGNATURE_5) {
        return Some(Archive::Rar);
    }
    if is_tar_header(head) {
        return Some(Archive::Tar);
    }
    None
}

/// A ustar/GNU tar header: the magic at offset 257 and a matching checksum. Pre-POSIX (v7) tar
/// has no magic; such archives are not recognised.
fn is_tar_header(head: &[u8]) -> bool {
    let Some(h) = head.get(..512) else {
        return false;
    };
    if &h[257..262] != b"ustar" {
        return false;
    }
    // The checksum field (148..156) is octal; the sum is taken with that field as spaces.
    let field: String = h[148..156].iter().map(|&b| b as char).collect();
    let Ok(stored) = u32::from_str_radix(field.trim_matches(|c: char| c == '\0' || c == ' '), 8)
    else {
        return false;
    };
    let sum: u32 = h
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(b)
            }
        })
        .sum();
    sum == stored
}

/// True if `data` ends with a zip end-of-central-directory record although it does not start
/// like a zip: a self-extracting archive, or a file with a zip appended (which unzip tools
/// open). The record is at most 22 + 65535 (comment) bytes from the end (APPNOTE 4.3.16).
pub fn has_zip_trailer(data: &[u8]) -> bool {
    let tail = &data[data.len().saturating_sub(22 + 65535)..];
    tail.windows(4).any(|w| w == b"PK\x05\x06")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pe(lfanew: u32, len: usize) -> Vec<u8> {
        let mut b = vec![0u8; len];
        b[..2].copy_from_slice(b"MZ");
        b[0x3C..0x40].copy_from_slice(&lfanew.to_le_bytes());
        if let Some(sig) = b.get_mut(lfanew as usize..lfanew as usize + 4) {
            sig.copy_from_slice(b"PE\0\0");
        }
        b
    }

    #[test]
    fn executables() {
        assert_eq!(executable(&pe(0x80, 512), 512), Some(Executable::Pe));
        // e_lfanew beyond what was read, inside the file.
        assert_eq!(executable(&pe(0x2000, HEAD), 0x3000), Some(Executable::Pe));
        // Text that happens to start with MZ.
        let text =
            b"MZ is the monogram of Mark Zbikowski; this is just a note about it, not a program.";
        assert_eq!(executable(text, text.len() as u64), None);
        assert_eq!(executable(b"MZ", 2), None);
        assert_eq!(
            executable(b"\x7fELF\x02\x01\x01\0", 8),
            Some(Executable::Elf)
        );
        assert_eq!(executable(b"\x7fELF", 4), None);
        assert_eq!(
            executable(&[0xCF, 0xFA, 0xED, 0xFE, 7, 0, 0, 1], 8),
            Some(Executable::MachO)
        );
        assert_eq!(
            executable(&[0xFE, 0xED, 0xFA, 0xCE, 0, 0, 0, 7], 8),
            Some(Executable::MachO)
        );
        // Universal binary with 2 architectures; a Java 8 class file (major version 52).
        assert_eq!(
            executable(&[0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 2], 8),
            Some(Executable::MachO)
        );
        assert_eq!(executable(&[0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 52], 8), None);
        assert_eq!(executable(b"%PDF-1.7", 8), None);
        assert_eq!(executable(b"", 0), None);
    }

    #[test]
    fn archives() {
        assert_eq!(archive(b"PK\x03\x04rest"), Some(Archive::Zip));
        assert_eq!(archive(b"PK\x05\x06"), Some(Archive::Zip));
        assert_eq!(archive(b"\x1f\x8b\x08\0"), Some(Archive::Gzip));
        assert_eq!(archive(b"PK"), None);
        assert_eq!(
            archive(b"7z\xBC\xAF\x27\x1C\0\x04"),
            Some(Archive::SevenZip)
        );
        assert_eq!(archive(b"Rar!\x1a\x07\x00\xcf"), Some(Archive::Rar));
        assert_eq!(archive(b"Rar!\x1a\x07\x01\x00"), Some(Archive::Rar));
        assert_eq!(archive(b"Rar!\x1a\x07\x02"), None);
        let mut tar = vec![0u8; 512];
        tar[..5].copy_from_slice(b"a.txt");
        tar[257..263].copy_from_slice(b"ustar\0");
        tar[148..156].copy_from_slice(b"        ");
        let sum: u32 = tar.iter().map(|&b| u32::from(b)).sum();
        tar[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        assert_eq!(archive(&tar), Some(Archive::Tar));
        tar[0] = b'b';
        assert_eq!(archive(&tar), None, "bad checksum");
        assert!(has_zip_trailer(b"GIF89a....PK\x05\x06\0\0\0\0"));
        assert!(!has_zip_trailer(b"plain"));
    }
}
