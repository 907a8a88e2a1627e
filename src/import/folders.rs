//! Which of our mailboxes a remote folder goes to: special-use folders (RFC 6154 attributes, or
//! the names providers commonly give them) to ours, every other folder under its own name with
//! the same hierarchy; virtual folders (`\All`, `\Flagged`) and non-selectable names skipped.

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// The special uses of RFC 6154 §2 that have a folder of ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    Sent,
    Drafts,
    Junk,
    Trash,
    Archive,
}

impl Special {
    pub fn ours(self) -> &'static str {
        match self {
            Special::Sent => "Sent",
            Special::Drafts => "Drafts",
            Special::Junk => "Junk",
            Special::Trash => "Trash",
            Special::Archive => "Archive",
        }
    }

    /// From a LIST attribute such as `\Sent` (RFC 6154 §2).
    pub fn from_attribute(attr: &str) -> Option<Special> {
        let a = attr.trim_start_matches('\\');
        [
            ("sent", Special::Sent),
            ("drafts", Special::Drafts),
            ("junk", Special::Junk),
            ("trash", Special::Trash),
            ("archive", Special::Archive),
        ]
        .into_iter()
        .find(|(n, _)| a.eq_ignore_ascii_case(n))
        .map(|(_, s)| s)
    }

    /// From a folder name providers commonly use when they announce no special use.
    fn from_name(name: &str) -> Option<Special> {
        const NAMES: &[(&str, Special)] = &[
            ("sent", Special::Sent),
            ("sent items", Special::Sent),
            ("sent messages", Special::Sent),
            ("sent mail", Special::Sent),
            ("gesendet", Special::Sent),
            ("gesendete objekte", Special::Sent),
            ("gesendete elemente", Special::Sent),
            ("envoyés", Special::Sent),
            ("drafts", Special::Drafts),
            ("draft", Special::Drafts),
            ("entwürfe", Special::Drafts),
            ("brouillons", Special::Drafts),
            ("junk", Special::Junk),
            ("spam", Special::Junk),
            ("junk e-mail", Special::Junk),
            ("junk email", Special::Junk),
            ("bulk mail", Special::Junk),
            ("spamverdacht", Special::Junk),
            ("trash", Special::Trash),
            ("deleted items", Special::Trash),
            ("deleted messages", Special::Trash),
            ("bin", Special::Trash),
            ("papierkorb", Special::Trash),
            ("corbeille", Special::Trash),
            ("archive", Special::Archive),
            ("archives", Special::Archive),
            ("archiv", Special::Archive),
        ];
        let lower = name.to_lowercase();
        NAMES.iter().find(|(n, _)| *n == lower).map(|(_, s)| *s)
    }
}

/// One remote folder as LIST described it.
#[derive(Debug, Clone)]
pub struct RemoteFolder {
    pub name: String,
    pub delimiter: Option<String>,
    pub attributes: Vec<String>,
}

/// Our mailbox name for a remote folder, or `None` when it is not copied: not selectable
/// (`\Noselect`, `\NonExistent`: its children are copied and make the level), or virtual
/// (`\All` and `\Flagged` show messages that live in other folders, RFC 6154 §2).
pub fn target(folder: &RemoteFolder) -> Option<String> {
    let has = |a: &str| folder.attributes.iter().any(|x| x.eq_ignore_ascii_case(a));
    if has("\\Noselect") || has("\\NonExistent") || has("\\All") || has("\\Flagged") {
        return None;
    }
    if let Some(special) = folder
        .attributes
        .iter()
        .find_map(|a| Special::from_attribute(a))
    {
        return Some(special.ours().to_string());
    }
    // Most servers send modified UTF-7 (RFC 3501 §5.1.3); a server that sends UTF-8 (RFC 6855)
    // is taken as it is.
    let decoded = decode_mutf7(&folder.name).unwrap_or_else(|| folder.name.clone());
    let parts: Vec<String> = match folder.delimiter.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => decoded.split(d).map(clean_part).collect(),
        None => vec![clean_part(&decoded)],
    };
    let parts: Vec<String> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        [] => None,
        [only] if only.eq_ignore_ascii_case("INBOX") => Some("INBOX".to_string()),
        // Top level, or right under INBOX (Courier and Cyrus keep every folder there).
        [only] => Some(
            Special::from_name(only)
                .map(|s| s.ours().to_string())
                .unwrap_or_else(|| only.clone()),
        ),
        [inbox, child] if inbox.eq_ignore_ascii_case("INBOX") => Some(
            Special::from_name(child)
                .map(|s| s.ours().to_string())
                .unwrap_or_else(|| format!("INBOX/{child}")),
        ),
        many => Some(many.join("/")),
    }
}

/// One level of a name, made valid here: our delimiter `/` and the LIST wildcards `*` `%`
/// become `_`, control characters are dropped; at most 200 characters.
fn clean_part(part: &str) -> String {
    part.chars()
        .filter(|c| !c.is_control())
        .map(|c| if matches!(c, '/' | '*' | '%') { '_' } else { c })
        .take(200)
        .collect::<String>()
        .trim()
        .to_string()
}

/// RFC 3501 §5.1.3: base64 with `,` instead of `/`, no padding.
const MUTF7: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::IMAP_MUTF7,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Decodes a modified UTF-7 name; `None` if it is not valid mUTF-7. The IMAP server has its own
/// decoder, but protocol modules are not reached from here (scripts/check-boundaries.sh).
pub fn decode_mutf7(name: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = name;
    while let Some((before, after)) = rest.split_once('&') {
        out.push_str(before);
        let (b64, tail) = after.split_once('-')?;
        if b64.is_empty() {
            out.push('&');
        } else {
            let bytes = MUTF7.decode(b64).ok()?;
            if bytes.len() % 2 != 0 {
                return None;
            }
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]))
                .collect();
            out.push_str(&String::from_utf16(&units).ok()?);
        }
        rest = tail;
    }
    if !rest.is_ascii() {
        return None;
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str, delimiter: &str, attributes: &[&str]) -> RemoteFolder {
        RemoteFolder {
            name: name.into(),
            delimiter: Some(delimiter.into()),
            attributes: attributes.iter().map(|a| a.to_string()).collect(),
        }
    }

    #[test]
    fn special_use_and_names() {
        assert_eq!(
            target(&folder("Sent Messages", "/", &["\\Sent"])).as_deref(),
            Some("Sent")
        );
        assert_eq!(
            target(&folder("[Gmail]/Spam", "/", &["\\HasNoChildren", "\\Junk"])).as_deref(),
            Some("Junk")
        );
        assert_eq!(
            target(&folder("[Gmail]/All Mail", "/", &["\\All"])),
            None,
            "virtual"
        );
        assert_eq!(target(&folder("Work", "/", &["\\Noselect"])), None);
        assert_eq!(
            target(&folder("Deleted Items", "/", &[])).as_deref(),
            Some("Trash")
        );
        assert_eq!(
            target(&folder("INBOX.Drafts", ".", &[])).as_deref(),
            Some("Drafts")
        );
        assert_eq!(
            target(&folder("INBOX.Lists.rust", ".", &[])).as_deref(),
            Some("INBOX/Lists/rust")
        );
        assert_eq!(
            target(&folder("Work.Projects/2024", ".", &[])).as_deref(),
            Some("Work/Projects_2024")
        );
        assert_eq!(
            target(&folder("Entw&APw-rfe", "/", &[])).as_deref(),
            Some("Drafts")
        );
        assert_eq!(
            target(&folder("Kunden/M&APw-ller", "/", &[])).as_deref(),
            Some("Kunden/Müller")
        );
        assert_eq!(target(&folder("inbox", "/", &[])).as_deref(), Some("INBOX"));
        assert_eq!(decode_mutf7("Tom &- Jerry").as_deref(), Some("Tom & Jerry"));
        assert_eq!(decode_mutf7("&APw"), None);
    }
}
