//! The host's view of a message, rebuilt for the native harnesses (`eval`, `train-model`).

use std::path::Path;

use mail_parser::{MimeHeaders, PartType};
use mailsift_spam_core::Input;

/// A message as the plugin sees it, owning its strings.
pub struct View {
    pub headers: Vec<(String, String)>,
    pub subject: String,
    pub from: Vec<String>,
    pub text: Option<String>,
    pub html: Option<String>,
    pub attachments: Vec<(Option<String>, String)>,
}

impl View {
    pub fn input(&self) -> Input<'_> {
        Input {
            headers: self
                .headers
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect(),
            subject: &self.subject,
            from: self.from.iter().map(String::as_str).collect(),
            text: self.text.as_deref(),
            html: self.html.as_deref(),
            attachments: self
                .attachments
                .iter()
                .map(|(n, c)| (n.as_deref(), c.as_str()))
                .collect(),
            spf: "none",
            dkim: "none",
            dmarc: "none",
        }
    }
}

/// The host's view of a message (src/plugins/view.rs), rebuilt here — a deliberate copy of
/// the server's code, because this MIT/Apache workspace cannot depend on the AGPL server
/// crate (nor pull wasmtime into a plugin's examples) — so that the harness sees
/// what the plugin sees: unfolded, RFC 2047-decoded header values; only real text and HTML
/// parts as bodies (joined); attachments including named inline text parts and the parts of
/// attached messages.
fn join_bodies(p: &mail_parser::Message<'_>, ids: &[u32], html: bool) -> Option<String> {
    let mut out: Option<String> = None;
    for id in ids {
        let text = match p.part(*id).map(|part| &part.body) {
            Some(PartType::Text(t)) if !html => t,
            Some(PartType::Html(t)) if html => t,
            _ => continue,
        };
        let s = out.get_or_insert_with(String::new);
        if !s.is_empty() {
            s.push('\n');
        }
        s.push_str(text);
    }
    out
}

fn flatten_attachments(
    p: &mail_parser::Message<'_>,
    depth: usize,
    out: &mut Vec<(Option<String>, String)>,
) {
    let mut ids: Vec<u32> = p.attachments.clone();
    ids.extend(p.text_body.iter().chain(&p.html_body).filter(|id| {
        p.part(**id)
            .is_some_and(|part| part.attachment_name().is_some())
    }));
    ids.sort_unstable();
    ids.dedup();
    for part in ids.into_iter().filter_map(|id| p.part(id)) {
        let ct = part
            .content_type()
            .map(|c| match c.subtype() {
                Some(s) => format!("{}/{}", c.ctype(), s),
                None => c.ctype().to_string(),
            })
            .unwrap_or_else(|| match part.body {
                PartType::Message(_) => "message/rfc822".into(),
                PartType::Text(_) => "text/plain".into(),
                PartType::Html(_) => "text/html".into(),
                _ => "application/octet-stream".into(),
            })
            .to_ascii_lowercase();
        out.push((part.attachment_name().map(String::from), ct));
        if let PartType::Message(inner) = &part.body {
            if depth < 8 {
                flatten_attachments(inner, depth + 1, out);
            }
        }
    }
}

fn decode_encoded_words(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut pending_ws = String::new();
    let mut after_word = false;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && bytes.get(i + 1) == Some(&b'?') {
            let mut stream = mail_parser::parsers::MessageStream::new(&bytes[i + 1..]);
            if let Some(text) = stream.decode_rfc2047() {
                if !after_word {
                    out.push_str(&pending_ws);
                }
                pending_ws.clear();
                out.push_str(&text);
                i += 1 + stream.offset();
                after_word = true;
                continue;
            }
        }
        let Some(c) = raw[i..].chars().next() else {
            break;
        };
        if c == ' ' || c == '\t' {
            pending_ws.push(c);
        } else {
            out.push_str(&pending_ws);
            pending_ws.clear();
            out.push(c);
            after_word = false;
        }
        i += c.len_utf8();
    }
    out.push_str(&pending_ws);
    out
}

pub fn view(path: &Path) -> Option<View> {
    view_bytes(&std::fs::read(path).ok()?)
}

/// [`view`] of a message in memory.
pub fn view_bytes(raw: &[u8]) -> Option<View> {
    let m = mail_parser::MessageParser::default().parse(raw)?;
    let headers: Vec<(String, String)> = m
        .headers()
        .iter()
        .map(|h| {
            let v =
                String::from_utf8_lossy(&raw[h.offset_start() as usize..h.offset_end() as usize])
                    .replace("\r\n", "")
                    .replace('\n', "")
                    .trim()
                    .to_string();
            (h.name().to_string(), decode_encoded_words(&v))
        })
        .collect();
    let from: Vec<String> = m
        .from()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.address())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let text = join_bodies(&m, &m.text_body, false);
    let html = join_bodies(&m, &m.html_body, true);
    let subject = m.subject().unwrap_or("").to_string();
    let mut attachments = Vec::new();
    flatten_attachments(&m, 0, &mut attachments);
    Some(View {
        headers,
        subject,
        from,
        text,
        html,
        attachments,
    })
}

/// Every file under `dir`, recursively, sorted (a missing folder is empty).
pub fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        match std::fs::read_dir(&p) {
            Ok(entries) => stack.extend(entries.flatten().map(|e| e.path())),
            Err(_) if p.is_file() => out.push(p),
            Err(_) => {}
        }
    }
    out.retain(|p| p.extension().is_some_and(|e| e == "eml" || e == "txt"));
    out.sort();
    out
}
