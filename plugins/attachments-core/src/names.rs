//! Filenames: what a name really ends with once the tricks are taken out, and how it is shown.

/// The extensions the reference service blocks by default (without the dot, lower case).
pub const DEFAULT_BLOCKED_EXTENSIONS: &[&str] = &[
    "exe", "com", "cmd", "cpl", "hta", "scf", "sct", "lnk", "bat", "js", "jse", "wsh", "ws", "wsf",
    "wsc", "vbe", "vb", "vbs", "shs", "pif", "scr",
];

/// Characters that change how a name is displayed but not what it is: bidirectional controls
/// (U+202A–U+202E, U+2066–U+2069; a right-to-left override makes `x\u{202E}fdp.exe` display as
/// `xexe.pdf`), zero-width and other invisible format characters (U+200B–U+200F, U+2060–U+2064,
/// U+FEFF, soft hyphen, Arabic letter mark, Mongolian vowel separator, deprecated format
/// controls U+206A–U+206F, interlinear annotation U+FFF9–U+FFFB), and every control character.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// The last component of a path inside an archive (`payload/run.exe` → `run.exe`). Both
/// separators count: zip writers on Windows sometimes store `\`.
pub fn basename(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// The name as Windows would treat it when saved: invisible characters removed, trailing dots
/// and spaces (and other white space) dropped — `run.exe. ` is saved as `run.exe` — and lower
/// case, so `RUN.EXE` and `run.exe` are the same.
pub fn normalize(name: &str) -> String {
    let visible: String = basename(name)
        .chars()
        .filter(|&c| !is_invisible(c))
        .collect();
    visible
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_start()
        .to_lowercase()
}

/// The names `name` may end up as on disk: the whole name, and the part before a NUL byte
/// (C-string APIs stop there, so `run.exe\0.pdf` is saved as `run.exe`).
fn candidates(name: &str) -> impl Iterator<Item = String> + '_ {
    let before_nul = name.split_once('\0').map(|(head, _)| head);
    std::iter::once(normalize(name)).chain(before_nul.map(normalize))
}

/// The first blocked extension `name` ends with, as `.ext`. Entries of `blocked` are lower case
/// without the leading dot; an entry may itself contain dots (`tar.gz`). Only the final
/// extension counts, so `invoice.pdf.exe` is caught and `setup.exe.txt` is not.
pub fn blocked_extension(name: &str, blocked: &[String]) -> Option<String> {
    candidates(name).find_map(|n| {
        blocked.iter().find_map(|ext| {
            let dotted = n.len() > ext.len() && n.ends_with(ext.as_str());
            (dotted && n.as_bytes()[n.len() - ext.len() - 1] == b'.').then(|| format!(".{ext}"))
        })
    })
}

/// An extension list entry in canonical form: trimmed, without leading dots, lower case.
/// `None` for an empty entry.
pub fn canonical_extension(ext: &str) -> Option<String> {
    let e = ext.trim().trim_start_matches('.').trim().to_lowercase();
    (!e.is_empty()).then_some(e)
}

/// True when the name says "archive" although the content cannot be looked at (encrypted or
/// compressed with a method we do not read): such an entry could hide anything.
pub fn looks_like_archive(name: &str) -> bool {
    const ARCHIVES: &[&str] = &[
        ".zip", ".jar", ".tar", ".gz", ".tgz", ".taz", ".7z", ".rar", ".cab", ".arj", ".lzh",
        ".ace", ".bz2", ".tbz", ".tbz2", ".xz", ".txz", ".zst", ".iso", ".img", ".eml",
    ];
    let n = normalize(name);
    ARCHIVES.iter().any(|ext| n.ends_with(ext))
}

/// A name for display in replies, logs and header fields: invisible characters dropped (the
/// reader sees the name as it really is, not as a right-to-left override paints it), anything
/// outside printable ASCII shown as `?` (SMTP replies are ASCII), `"` as `'`.
pub fn display(name: &str) -> String {
    name.chars()
        .filter(|&c| !is_invisible(c))
        .map(|c| match c {
            '"' => '\'',
            c if c.is_ascii_graphic() || c == ' ' => c,
            _ => '?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked() -> Vec<String> {
        DEFAULT_BLOCKED_EXTENSIONS
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn every_default_extension_is_caught_in_any_case() {
        for ext in DEFAULT_BLOCKED_EXTENSIONS {
            let dot = format!(".{ext}");
            assert_eq!(
                blocked_extension(&format!("file{dot}"), &blocked()),
                Some(dot.clone())
            );
            let upper = format!("FILE{}", dot.to_uppercase());
            assert_eq!(blocked_extension(&upper, &blocked()), Some(dot));
        }
    }

    #[test]
    fn tricks_do_not_hide_the_extension() {
        let b = blocked();
        let cases = [
            ("invoice.pdf.exe", Some(".exe")),
            ("run.exe.", Some(".exe")),
            ("run.exe . .", Some(".exe")),
            ("run.ex\u{200B}e", Some(".exe")),
            ("\u{FEFF}run.e\u{2060}xe", Some(".exe")),
            // Displays as "invoiceexe.pdf".
            ("invoice\u{202E}fdp.exe", Some(".exe")),
            ("invoice\u{2067}fdp.scr\u{2069}", Some(".scr")),
            ("run.exe\0.pdf", Some(".exe")),
            ("payload/Run.BAT", Some(".bat")),
            ("payload\\run.vbs", Some(".vbs")),
            (".exe", Some(".exe")),
            ("setup.exe.txt", None),
            ("document.pdf", None),
            ("exe", None),
            ("notes.json", None),
            ("script.jsx", None),
            // Shown as `fdp.exe` would be harmless: the real name ends in .pdf.
            ("payload\u{202E}exe.pdf", None),
        ];
        for (name, want) in cases {
            assert_eq!(blocked_extension(name, &b).as_deref(), want, "{name:?}");
        }
    }

    #[test]
    fn configured_extensions_may_have_dots() {
        let b = vec!["tar.gz".to_string(), "docm".to_string()];
        assert_eq!(
            blocked_extension("x.TAR.GZ", &b).as_deref(),
            Some(".tar.gz")
        );
        assert_eq!(blocked_extension("x.gz", &b), None);
        assert_eq!(blocked_extension("a.docm", &b).as_deref(), Some(".docm"));
        assert_eq!(canonical_extension(" .EXE "), Some("exe".into()));
        assert_eq!(canonical_extension(" . "), None);
    }

    #[test]
    fn display_is_ascii_without_invisible_characters() {
        assert_eq!(display("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(display("Rechnung M\u{e4}rz.exe"), "Rechnung M?rz.exe");
        assert_eq!(display("a\"b\r\n.exe"), "a'b.exe");
    }

    #[test]
    fn archive_names() {
        assert!(looks_like_archive("Inner.ZIP"));
        assert!(looks_like_archive("x.tar.gz "));
        assert!(!looks_like_archive("report.pdf"));
    }
}
