//! Rules that need no training, each with a name (shown in the `X-Spam-Status` header) and a
//! weight added to the score. Weights are small next to the classifier's 0–10: rules tip unsure
//! messages and stand alone before any training.

use crate::html::{self, Html};
use crate::tokenize::{
    after_scheme, authority_host, base_domain, http_words_at, is_ip, push_lower_bytes,
};
use crate::Input;

/// A rule that fired.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub name: &'static str,
    pub weight: f64,
}

fn domain_of(addr: &str) -> Option<String> {
    let a = addr.trim().trim_matches(['<', '>']);
    a.rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches(['.', '>']).to_ascii_lowercase())
}

fn url_host(url: &str) -> Option<String> {
    Some(authority_host(after_scheme(url.trim())?).to_ascii_lowercase())
}

/// Every rule that fires on `input`.
pub fn check(input: &Input<'_>) -> Vec<Hit> {
    check_with(input, None)
}

/// [`check`], given `html::parse` of the HTML body when the caller has it: the tokenizer reads
/// the same parse (one per message, issue 19).
pub fn check_with(input: &Input<'_>, parsed_html: Option<&Html>) -> Vec<Hit> {
    let own;
    let parsed_html = match (input.html, parsed_html) {
        (None, _) => None,
        (Some(_), Some(p)) => Some(p),
        (Some(h), None) => {
            own = html::parse(h);
            Some(&own)
        }
    };
    let mut hits = Vec::new();
    let mut hit = |name, weight| hits.push(Hit { name, weight });
    // Sender authentication (the server's results, RFC 8601 names).
    if input.dmarc == "fail" {
        hit("DMARC_FAIL", 2.0);
    }
    match input.spf {
        "fail" => hit("SPF_FAIL", 1.0),
        "softfail" => hit("SPF_SOFTFAIL", 0.5),
        _ => {}
    }
    if input.dkim == "fail" {
        hit("DKIM_INVALID", 1.0);
    }
    // Header sanity (RFC 5322 §3.6: Date and originator are required; Message-ID should be).
    if input.header("Date").is_none() {
        hit("MISSING_DATE", 1.0);
    }
    if input.header("Message-ID").is_none() {
        hit("MISSING_MID", 0.5);
    }
    let from_domain = input.from.first().and_then(|f| domain_of(f));
    if let (Some(from), Some(reply)) = (&from_domain, input.header("Reply-To").and_then(domain_of))
    {
        if base_domain(from) != base_domain(&reply) {
            hit("FROM_REPLYTO_DIFFER", 0.5);
        }
    }
    // A Received field claiming a big provider from a host that is not it.
    if input.headers_named("Received").any(|r| {
        let l = r.to_ascii_lowercase();
        l.starts_with("from ") && {
            let helo = l[5..].split_whitespace().next().unwrap_or("");
            ["gmail.com", "yahoo.com", "hotmail.com", "outlook.com"].contains(&helo)
        }
    }) {
        hit("FORGED_RCVD_HELO", 1.0);
    }
    // Body structure.
    if input.html.is_some() && input.text.is_none() {
        hit("HTML_ONLY", 0.5);
    }
    // Each link's host, once (the checks below and the scam shapes read them): an index into
    // `hosts`, where a link on the same host as the link before adds nothing (a newsletter's
    // links are mostly on one or two hosts: no lower-cased copy each, issue 19 round 6).
    let mut hosts: Vec<String> = Vec::new();
    let mut last_raw = None;
    let link_hosts: Vec<Option<usize>> = parsed_html
        .iter()
        .flat_map(|p| p.links.iter())
        .map(|l| {
            let raw = after_scheme(l.href.trim()).map(authority_host)?;
            if last_raw != Some(raw) {
                hosts.push(raw.to_ascii_lowercase());
                last_raw = Some(raw);
            }
            Some(hosts.len() - 1)
        })
        .collect();
    let host_of = |k: &Option<usize>| k.and_then(|k| hosts.get(k)).map(String::as_str);
    if let Some(parsed) = parsed_html {
        // A link whose visible text is a URL on another domain than its target.
        let tricked = parsed.links.iter().zip(&link_hosts).any(|(l, k)| {
            let shown = l.text.trim();
            (shown.starts_with("http://")
                || shown.starts_with("https://")
                || shown.starts_with("www."))
                && match (
                    host_of(k),
                    url_host(&format!(
                        "http://{}",
                        shown
                            .trim_start_matches("http://")
                            .trim_start_matches("https://")
                    )),
                ) {
                    (Some(a), Some(b)) => base_domain(a) != base_domain(&b),
                    _ => false,
                }
        });
        if tricked {
            hit("URL_TEXT_MISMATCH", 1.5);
        }
        if hosts.iter().any(|h| is_ip(h)) {
            hit("URL_NUMERIC_IP", 1.0);
        }
    }
    let subject_letters: Vec<char> = input
        .subject
        .chars()
        .filter(|c| c.is_alphabetic())
        .collect();
    if subject_letters.len() >= 10 && subject_letters.iter().all(|c| c.is_uppercase()) {
        hit("SUBJ_ALL_CAPS", 1.0);
    }
    if input.subject.contains("!!!") || input.subject.contains("$$$") {
        hit("SUBJ_SHOUTING", 0.5);
    }
    for (name, weight) in scam_shapes(input, parsed_html, &hosts, from_domain.as_deref()) {
        hit(name, weight);
    }
    hits
}

/// Asks for credentials, payment details or a mailbox "validation" (English and Spanish).
const CREDENTIAL_ASKS: &[&str] = &[
    "verify your account",
    "verify your identity",
    "confirm your identity",
    "confirm your account",
    "update your payment",
    "update your billing",
    "update your details",
    "account has been suspended",
    "account has been locked",
    "account has been limited",
    "account will be suspended",
    "account will be closed",
    "account will be disabled",
    "account is limited",
    "unusual activity",
    "unusual sign-in",
    "validate your mailbox",
    "mailbox is full",
    "mailbox has exceeded",
    "password expires",
    "password will expire",
    "password is expiring",
    "seed phrase",
    "recovery phrase",
    "verifique su cuenta",
    "verifica tu cuenta",
    "confirme su identidad",
    "confirma tu identidad",
    "actualice sus datos",
    "actualiza tus datos",
    "validar su buzón",
    "valide su buzón",
    "cuenta ha sido bloqueada",
    "cuenta ha sido suspendida",
    "cuenta será desactivada",
    "cuenta será bloqueada",
    "cuenta será suspendida",
    "cuenta bloqueada",
    "cuenta suspendida",
    "datos bancarios",
    "pago pendiente",
    "customs fee",
    "delivery fee",
    "tasa de aduana",
    "gastos de envío pendientes",
    "verificar sus datos",
    "verifique sus datos",
    "verificar tus datos",
    "método de pago",
    "payment method",
    "payment details",
    "desbloquear",
    "unlock your account",
    "reembolso",
    "devolución pendiente",
    "tax refund",
    "multa pendiente",
    "unpaid fine",
    "unpaid toll",
    "coordonnées bancaires",
    "mettre à jour vos",
    "regularize",
    "regularizar",
    "bloqueio",
    "gastos de reenvío",
    "número de cuenta",
    "comisión de apertura",
    "comisión de activación",
    "retirar los fondos",
    // Portuguese, French, Italian, Catalan, German: the same requests (payment of a fee or
    // fine, a blocked account, data to confirm).
    "pagamento pendente",
    "efetue o pagamento",
    "taxa de importação",
    "verifique seus dados",
    "conta foi bloqueada",
    "conta suspensa",
    "reste impayé",
    "amende",
    "paiement en attente",
    "compte suspendu",
    "vérifiez votre compte",
    "confirmez vos",
    "conto è stato sospeso",
    "conto sospeso",
    "verifica la tua identità",
    "verifica i tuoi dati",
    "pagamento in sospeso",
    "confirmeu les dades",
    "targeta bancària",
    "compte bloquejat",
    "konto gesperrt",
    "konto wurde gesperrt",
    "bestätigen sie ihre",
    "zahlung ausstehend",
];

/// A deadline with a threat, as phishing presses (English and Spanish).
const DEADLINES: &[&str] = &[
    "24 hours",
    "48 hours",
    "72 hours",
    "24 horas",
    "48 horas",
    "72 horas",
    "immediately",
    "inmediatamente",
    "24 heures",
    "48 heures",
    "24h",
    "24 stunden",
    "final notice",
    "último aviso",
    "24 ore",
    "48 ore",
    "24 hores",
    "48 hores",
    "solo hoy",
];

/// Words that an impersonating domain joins to a brand with a hyphen.
const DOMAIN_BAIT: &[&str] = &[
    "remboursement",
    "regulariz",
    "aduana",
    "premio",
    "encuesta",
    "secure",
    "login",
    "verify",
    "verif",
    "account",
    "support",
    "billing",
    "update",
    "clientes",
    "seguridad",
    "reembolso",
    "facturacion",
    "premios",
    "regalo",
    "sanciones",
    "validacion",
    "devolucion",
    "refund",
    "wallet",
    "unlock",
];

/// Advance-fee, lottery and prize phrasing (English and Spanish).
/// The words of [`ADVANCE_FEE`] about money, inheritance, loans and gift cards (the scams'
/// currency) rather than prizes.
const ADVANCE_FEE_MONEY: &[&str] = &[
    "next of kin",
    "beneficiary",
    "inheritance",
    "barrister",
    "consignment",
    "million",
    "compensation fund",
    "herencia",
    "beneficiario",
    "abogado",
    "millones",
    "préstamo aprobado",
    "sin aval",
    "comisión de apertura",
    "gift card",
    "tarjeta regalo",
];

/// Prescription drugs sold without one: two of these make `PHARMA`.
const PHARMA: &[&str] = &[
    "viagra",
    "v1agra",
    "cialis",
    "c1alis",
    "tramadol",
    "without prescription",
    "no prescription",
    "sin receta",
    "sans ordonnance",
    "senza ricetta",
    "sem receita",
    "discreet shipping",
    "envío discreto",
];

const ADVANCE_FEE: &[&str] = &[
    "selected to receive",
    "claim it now",
    "next of kin",
    "beneficiary",
    "inheritance",
    "barrister",
    "consignment",
    "million",
    "compensation fund",
    "you have won",
    "you have been selected",
    "winner",
    "claim your prize",
    "claim your reward",
    "lottery",
    "gift card",
    "congratulations",
    "herencia",
    "beneficiario",
    "abogado",
    "millones",
    "ha ganado",
    "has ganado",
    "ganador",
    "lotería",
    "sorteo",
    "premio",
    "tarjeta regalo",
    "enhorabuena",
    "has sido elegid",
    "ha sido elegid",
    "seleccionad",
    "ganar un",
    "préstamo aprobado",
    "sin aval",
    "comisión de apertura",
];

/// Adult-dating bait (English and Spanish).
const DATING: &[&str] = &[
    "private photos",
    "fotos privadas",
    "hot singles",
    "lonely women",
    "quiero conocerte",
    "(+18)",
    "+18",
    "near you tonight",
    "esta noche",
    "vi tu perfil",
    "saw your profile",
];

/// Get-rich-quick phrasing (English and Spanish).
const GET_RICH: &[&str] = &[
    "guaranteed returns",
    "guaranteed profit",
    "guaranteed income",
    "make money from home",
    "work from home and earn",
    "initial investment",
    "risk-free",
    "trading bot",
    "double your",
    "ganancias garantizadas",
    "ganar dinero desde casa",
    "inversión inicial",
    "sin experiencia",
    "sin riesgo",
    "rentabilidad garantizada",
    "multiplica tu dinero",
    "pro monat",
    "startkapital",
    "ohne risiko",
    "par mois",
    "al mese",
    "por mês",
];

/// Threats of extortion mail (with a bitcoin address).
const EXTORTION: &[&str] = &[
    "hacker",
    "malware",
    "webcam",
    "recorded",
    "your contacts",
    "video of you",
    "grabé",
    "tus contactos",
    "vídeo",
    "cámara",
];

const SHORTENERS: &[&str] = &[
    "bit.ly",
    "tinyurl.com",
    "goo.gl",
    "ow.ly",
    "is.gd",
    "buff.ly",
    "rebrand.ly",
    "cutt.ly",
    "shorturl.at",
    "tiny.cc",
    "rb.gy",
    "t.ly",
    "s.id",
];

/// Brands that phishing imitates, as they appear in a lookalike domain.
const BRANDS: &[&str] = &[
    "paypal",
    "apple",
    "microsoft",
    "office365",
    "amazon",
    "netflix",
    "google",
    "facebook",
    "instagram",
    "dhl",
    "fedex",
    "correos",
    "santander",
    "bbva",
    "caixabank",
    "bancolombia",
    "hacienda",
    "coinbase",
    "binance",
    "wellsfargo",
    "chase",
];

/// A domain label imitating a brand: the brand with digits for letters ("paypa1", "micr0soft",
/// "arnazon"), or the brand joined by a hyphen to other words ("paypal-secure").
fn lookalike(host: &str) -> bool {
    host.split('.').any(|label| {
        // A label with nothing to fold reads as itself, and without a hyphen it joins no
        // brand: no brand can match (most labels; issue 19).
        let folds = label
            .bytes()
            .any(|b| matches!(b, b'0' | b'1' | b'3' | b'4' | b'5'))
            || has(label, "rn")
            || has(label, "vv");
        if !folds && !label.contains('-') {
            return false;
        }
        let folded: String = label
            .replace("rn", "m")
            .replace("vv", "w")
            .chars()
            .map(|c| match c {
                '0' => 'o',
                '1' => 'l',
                '3' => 'e',
                '4' => 'a',
                '5' => 's',
                _ => c,
            })
            .collect();
        BRANDS.iter().any(|b| {
            (has(&folded, b) && !has(label, b))
                || (has(label, b) && label.len() > b.len() && label.contains('-'))
        })
    })
}

/// A bitcoin address: legacy base58 (1… or 3…, 26–35 characters) or bech32 (bc1…).
#[cfg(test)]
fn has_bitcoin_address(text: &str) -> bool {
    // Split on bytes: every byte of a non-ASCII character separates, as the character does.
    text.as_bytes()
        .split(|b| !b.is_ascii_alphanumeric())
        .any(is_bitcoin_word)
}

/// Whether a run of ASCII letters and digits is a bitcoin address (see `has_bitcoin_address`).
fn is_bitcoin_word(w: &[u8]) -> bool {
    if !matches!(w.first(), Some(b'b' | b'1' | b'3')) {
        return false;
    }
    let Ok(w) = std::str::from_utf8(w) else {
        return false;
    };
    let base58 = |w: &str| {
        w.chars()
            .all(|c| c.is_ascii_alphanumeric() && !matches!(c, '0' | 'O' | 'I' | 'l'))
    };
    (w.starts_with("bc1") && (39..=62).contains(&w.len()) && w == w.to_ascii_lowercase())
        || ((w.starts_with('1') || w.starts_with('3'))
            && (26..=35).contains(&w.len())
            && base58(w)
            && w.chars().any(|c| c.is_ascii_uppercase())
            && w.chars().any(|c| c.is_ascii_lowercase()))
}

/// The first `n` characters of `s`.
fn first_chars(s: &str, n: usize) -> &str {
    // No more characters than bytes: nothing to count (issue 19).
    if s.len() <= n {
        return s;
    }
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Every phrase list searched in the lower-cased text.
const PHRASE_LISTS: [&[&str]; 8] = [
    CREDENTIAL_ASKS,
    DEADLINES,
    DATING,
    PHARMA,
    GET_RICH,
    ADVANCE_FEE,
    ADVANCE_FEE_MONEY,
    EXTORTION,
];

/// Indices into [`PHRASE_LISTS`].
const L_CREDENTIAL_ASKS: usize = 0;
const L_DEADLINES: usize = 1;
const L_DATING: usize = 2;
const L_PHARMA: usize = 3;
const L_GET_RICH: usize = 4;
const L_ADVANCE_FEE: usize = 5;
const L_ADVANCE_FEE_MONEY: usize = 6;
const L_EXTORTION: usize = 7;

/// Buckets of phrases by their first three bytes.
const PHRASE_BUCKETS: usize = 4096;

const fn bucket_of(a: u8, b: u8, c: u8) -> usize {
    ((a as usize * 31 + b as usize) * 31 + c as usize) % PHRASE_BUCKETS
}

/// How many phrases [`PHRASE_LISTS`] holds.
const PHRASES: usize = {
    let mut n = 0;
    let mut l = 0;
    while l < PHRASE_LISTS.len() {
        n += PHRASE_LISTS[l].len();
        l += 1;
    }
    n
};

/// Where each list of [`PHRASE_LISTS`] starts in a flat numbering of the phrases.
const LIST_START: [usize; PHRASE_LISTS.len() + 1] = {
    let mut out = [0; PHRASE_LISTS.len() + 1];
    let mut l = 0;
    while l < PHRASE_LISTS.len() {
        out[l + 1] = out[l] + PHRASE_LISTS[l].len();
        l += 1;
    }
    out
};

/// Whether some phrase is shorter than three bytes (searched apart from the scan).
const SHORT_PHRASES: bool = {
    let mut short = false;
    let mut l = 0;
    while l < PHRASE_LISTS.len() {
        let mut i = 0;
        while i < PHRASE_LISTS[l].len() {
            short |= PHRASE_LISTS[l][i].len() < 3;
            i += 1;
        }
        l += 1;
    }
    short
};

/// The phrases of three bytes or more ordered by bucket (a counting sort, done at compile time
/// rather than per message, issue 19): bucket `k` is `BUCKETED.1[BUCKETED.0[k]..BUCKETED.0[k + 1]]`,
/// each entry (list, phrase) of [`PHRASE_LISTS`].
static BUCKETED: ([u16; PHRASE_BUCKETS + 1], [(u8, u16); PHRASES]) = {
    let mut start = [0u16; PHRASE_BUCKETS + 1];
    let mut l = 0;
    while l < PHRASE_LISTS.len() {
        let mut i = 0;
        while i < PHRASE_LISTS[l].len() {
            let p = PHRASE_LISTS[l][i].as_bytes();
            if p.len() >= 3 {
                start[bucket_of(p[0], p[1], p[2]) + 1] += 1;
            }
            i += 1;
        }
        l += 1;
    }
    let mut k = 0;
    while k < PHRASE_BUCKETS {
        start[k + 1] += start[k];
        k += 1;
    }
    let mut fill = start;
    let mut order = [(0u8, 0u16); PHRASES];
    let mut l = 0;
    while l < PHRASE_LISTS.len() {
        let mut i = 0;
        while i < PHRASE_LISTS[l].len() {
            let p = PHRASE_LISTS[l][i].as_bytes();
            if p.len() >= 3 {
                let k = bucket_of(p[0], p[1], p[2]);
                order[fill[k] as usize] = (l as u8, i as u16);
                fill[k] += 1;
            }
            i += 1;
        }
        l += 1;
    }
    (start, order)
};

/// A bit per bucket of [`BUCKETED`]: set when some phrase is in it.
static USED: [u64; PHRASE_BUCKETS / 64] = {
    let mut used = [0u64; PHRASE_BUCKETS / 64];
    let mut k = 0;
    while k < PHRASE_BUCKETS {
        if BUCKETED.0[k + 1] > BUCKETED.0[k] {
            used[k / 64] |= 1 << (k % 64);
        }
        k += 1;
    }
    used
};

/// The pair index of "ht", and "http" and "http://" as little-endian words (see [`Found::scan`]).
const HT: usize = (b'h' as usize) << 8 | b't' as usize;
const HTTP: u64 = u32::from_le_bytes(*b"http") as u64;
const HTTP_SLASHES: u64 = u64::from_le_bytes(*b"http://\0");

/// A bit per pair of first two bytes of the phrases of [`BUCKETED`] (8 KiB), and of every pair
/// starting with `b`, `1` or `3` (where a bitcoin address may start): most positions of a text
/// start none, and one bit tells before anything else is looked at (issue 19).
static FIRST2: [u64; 65536 / 64] = {
    let mut bits = [0u64; 65536 / 64];
    let mut second = 0;
    while second < 256 {
        let mut f = 0;
        while f < 3 {
            let k = (b"b13"[f] as usize) << 8 | second;
            bits[k / 64] |= 1 << (k % 64);
            f += 1;
        }
        second += 1;
    }
    // And "ht": the scan notes where "http" is too.
    bits[HT / 64] |= 1 << (HT % 64);
    let mut l = 0;
    while l < PHRASE_LISTS.len() {
        let mut i = 0;
        while i < PHRASE_LISTS[l].len() {
            let p = PHRASE_LISTS[l][i].as_bytes();
            if p.len() >= 3 {
                let k = (p[0] as usize) << 8 | p[1] as usize;
                bits[k / 64] |= 1 << (k % 64);
            }
            i += 1;
        }
        l += 1;
    }
    bits
};

/// The first eight bytes of each entry of [`BUCKETED`]'s phrases (zero-padded, little-endian)
/// and a mask of those that are the phrase's: a position is compared in full only when its
/// next eight bytes agree (no call to compare strings per candidate, issue 19).
static PREFIXES: [(u64, u64); PHRASES] = {
    let mut out = [(0u64, 0u64); PHRASES];
    let mut j = 0;
    while j < PHRASES {
        let (l, i) = BUCKETED.1[j];
        let p = PHRASE_LISTS[l as usize][i as usize].as_bytes();
        let mut v = 0u64;
        let mut m = 0u64;
        let mut k = 0;
        while k < 8 && k < p.len() {
            v |= (p[k] as u64) << (8 * k);
            m |= 0xff << (8 * k);
            k += 1;
        }
        out[j] = (v, m);
        j += 1;
    }
    out
};

/// Which phrases of [`PHRASE_LISTS`] the text contains, found in one pass over it: searching the
/// text once per phrase (some 250) was most of the rules' cost (issue 19). A phrase is found
/// where `str::contains` finds it: at any byte offset.
struct Found {
    /// Per phrase, list after list ([`LIST_START`]): one array, not a vector per list.
    hit: [bool; PHRASES],
    /// Whether the text has a bitcoin address (found in the same pass, issue 19).
    bitcoin: bool,
    /// The byte offsets of every "http" in the text, in order, and whether it has "http://"
    /// (found in the same pass rather than by two substring searches, issue 19 round 6).
    http: Vec<usize>,
    plain_http: bool,
}

impl Found {
    fn scan(text: &str) -> Found {
        let mut hit = [false; PHRASES];
        let (start, order) = &BUCKETED;
        // Phrases shorter than three bytes (none today) are searched the plain way.
        if SHORT_PHRASES {
            for (l, list) in PHRASE_LISTS.iter().enumerate() {
                for (i, p) in list.iter().enumerate() {
                    if p.len() < 3 {
                        hit[LIST_START[l] + i] = text.contains(p);
                    }
                }
            }
        }
        let t = text.as_bytes();
        let mut bitcoin = false;
        let mut http = Vec::new();
        let mut plain_http = false;
        for (at, w) in t.windows(3).enumerate() {
            // Most positions start neither a phrase's first two bytes nor a possible bitcoin
            // address: one bit tells (issue 19).
            let k2 = (w[0] as usize) << 8 | w[1] as usize;
            if FIRST2[k2 / 64] & (1 << (k2 % 64)) == 0 {
                continue;
            }
            // A word that may be a bitcoin address starts here: split on bytes as
            // `has_bitcoin_address` does (a word of fewer than three bytes is none).
            if matches!(w[0], b'b' | b'1' | b'3')
                && !bitcoin
                && (at == 0 || !t[at - 1].is_ascii_alphanumeric())
            {
                let run = &t[at..];
                let end = run
                    .iter()
                    .position(|b| !b.is_ascii_alphanumeric())
                    .unwrap_or(run.len());
                bitcoin = is_bitcoin_word(&run[..end]);
            }
            // The next eight bytes (zero-padded at the end of the text).
            let next = || match t.get(at..at + 8) {
                Some(c) => u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]),
                None => t[at..]
                    .iter()
                    .rev()
                    .fold(0u64, |v, b| (v << 8) | u64::from(*b)),
            };
            if k2 == HT {
                let n = next();
                if n & 0xffff_ffff == HTTP {
                    http.push(at);
                    plain_http |= n & 0x00ff_ffff_ffff_ffff == HTTP_SLASHES;
                }
            }
            let k = bucket_of(w[0], w[1], w[2]);
            if USED[k / 64] & (1 << (k % 64)) == 0 {
                continue;
            }
            let next = next();
            let (from, to) = (start[k] as usize, start[k + 1] as usize);
            let entries = order.get(from..to).unwrap_or(&[]);
            let prefixes = PREFIXES.get(from..to).unwrap_or(&[]);
            for (&(l, i), &(v, m)) in entries.iter().zip(prefixes) {
                let (l, i) = (l as usize, i as usize);
                let h = LIST_START[l] + i;
                if next & m == v && !hit[h] && t[at..].starts_with(PHRASE_LISTS[l][i].as_bytes()) {
                    hit[h] = true;
                }
            }
        }
        Found {
            hit,
            bitcoin,
            http,
            plain_http,
        }
    }

    /// How many phrases of list `l` of [`PHRASE_LISTS`] were found.
    fn count(&self, l: usize) -> usize {
        self.hit
            .get(LIST_START[l]..LIST_START[l + 1])
            .map_or(0, |h| h.iter().filter(|h| **h).count())
    }
}

/// `hay.contains(needle)` for the short strings of domain labels, without the set-up cost of
/// the general substring search.
fn has(hay: &str, needle: &str) -> bool {
    let n = needle.as_bytes();
    n.is_empty()
        || hay
            .as_bytes()
            .windows(n.len())
            .any(|w| w[0] == n[0] && w == n)
}

/// Shapes of scams that need no training: phishing (a credential or payment request with a
/// link away from the sender's domain), lookalike domains, URL shorteners, bitcoin extortion,
/// advance-fee phrasing, and image-only bodies. Each weight is modest; a real scam trips
/// several, and no message of the modern legitimate corpus may trip more than a little
/// (tests/spam.rs).
fn scam_shapes(
    input: &Input<'_>,
    parsed: Option<&Html>,
    link_hosts: &[String],
    from_domain: Option<&str>,
) -> Vec<(&'static str, f64)> {
    let mut out = Vec::new();
    // Lower-cased into one buffer sized once (issue 19, round 5).
    let plain = input.text.map(|t| first_chars(t, 20_000));
    let shown = parsed.map(|p| first_chars(&p.text, 20_000));
    let mut text = Vec::with_capacity(
        input.subject.len() + plain.map_or(0, str::len) + shown.map_or(0, str::len) + 2,
    );
    push_lower_bytes(&mut text, input.subject);
    text.push(b'\n');
    if let Some(t) = plain {
        push_lower_bytes(&mut text, t);
    }
    if let Some(t) = shown {
        text.push(b'\n');
        push_lower_bytes(&mut text, t);
    }
    // Lower-cased UTF-8 is UTF-8: the lossy branch is never taken.
    let text = String::from_utf8(text)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    // Link hosts: HTML links, and URLs in the text.
    let found = Found::scan(&text);
    let text_hosts: Vec<String> = http_words_at(&text, found.http.iter().copied(), |c| {
        c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '(' | ')')
    })
    .filter_map(url_host)
    .collect();
    // Borrowed, not copied (issue 19, round 6): the same strings in the same order.
    let mut hosts: Vec<&str> = link_hosts
        .iter()
        .chain(&text_hosts)
        .map(String::as_str)
        .collect();
    // Every test below asks whether any host is so: each distinct host once (a newsletter
    // links the same few hosts dozens of times).
    hosts.sort_unstable();
    hosts.dedup();
    let from_base = from_domain.map(|d| base_domain(d).to_string());
    let foreign_link = hosts
        .iter()
        .any(|h| from_base.as_deref() != Some(base_domain(h)));
    let shortener = hosts.iter().any(|h| {
        let h = h.trim_start_matches("www.");
        SHORTENERS.contains(&h)
    });
    if shortener {
        out.push(("URL_SHORTENER", 0.7));
    }
    if hosts.iter().any(|h| lookalike(h)) || from_domain.is_some_and(lookalike) {
        out.push(("LOOKALIKE_DOMAIN", 1.5));
    }
    // Links a real organisation's mail does not have: plain http, a bare address, or a host
    // whose name baits with a hyphenated service word ("bank-secure", "tienda-reembolso").
    let bait = |h: &str| {
        h.split('.').any(|l| {
            l.contains('-')
                && l.split('-')
                    .any(|part| DOMAIN_BAIT.iter().any(|w| part.starts_with(w)))
        })
    };
    let plain_http = parsed.iter().flat_map(|p| p.links.iter()).any(|l| {
        l.href
            .trim()
            .as_bytes()
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"http://"))
    }) || found.plain_http;
    let numeric = hosts.iter().any(|h| is_ip(h));
    let baiting = hosts.iter().any(|h| bait(h)) || from_domain.is_some_and(bait);
    if baiting {
        out.push(("BAIT_DOMAIN", 1.0));
    }
    let cred = found.count(L_CREDENTIAL_ASKS) > 0;
    if cred && (foreign_link || shortener || plain_http || numeric || baiting) {
        out.push(("PHISH_CREDENTIALS", 2.5));
    }
    if cred && found.count(L_DEADLINES) > 0 {
        out.push(("PHISH_DEADLINE", 1.0));
    }
    if found.count(L_DATING) >= 2 {
        out.push(("DATING_BAIT", 2.0));
    }
    if found.count(L_PHARMA) >= 2 {
        out.push(("PHARMA", 1.5));
    }
    if found.count(L_GET_RICH) >= 2 {
        out.push(("GET_RICH", 2.0));
    }
    // Prize words alone are also how a shop announces a real draw's winner: three of them
    // count only with a money, inheritance or loan word as well, or when there are four.
    let fee = found.count(L_ADVANCE_FEE);
    let money = found.count(L_ADVANCE_FEE_MONEY);
    if fee >= 4 || (fee >= 3 && money >= 1) {
        out.push(("ADVANCE_FEE", 2.0));
    }
    if found.bitcoin {
        if found.count(L_EXTORTION) >= 2 {
            out.push(("BITCOIN_EXTORTION", 3.5));
        } else {
            out.push(("BITCOIN_ADDRESS", 1.0));
        }
    }
    if let Some(p) = &parsed {
        // Fewer than eight words: counting stops at eight.
        let few = |t: &str| t.split_whitespace().take(8).count() < 8;
        if !p.images.is_empty() && few(&p.text) && input.text.is_none_or(few) {
            out.push(("IMAGE_ONLY", 1.5));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(i: &Input<'_>) -> Vec<&'static str> {
        check(i).into_iter().map(|h| h.name).collect()
    }

    #[test]
    fn links_on_the_same_host_keep_their_own_checks() {
        // Consecutive links on one host share its lower-cased copy: the link whose text shows
        // another domain is still told apart, whichever place it has, and a numeric host
        // after a named one still counts.
        let html = |links: &[(&str, &str)]| {
            links
                .iter()
                .map(|(href, text)| format!("<a href=\"{href}\">{text}</a> "))
                .collect::<String>()
        };
        let shop = ("https://Shop.example/a", "https://shop.example/a");
        let shop2 = ("https://shop.example/b", "more");
        let lie = ("https://SHOP.example/c", "https://bank.example/login");
        let ip = ("http://198.51.100.7/x", "here");
        for (links, mismatch, numeric) in [
            (vec![shop, shop2, shop], false, false),
            (vec![shop, shop2, lie], true, false),
            (vec![lie, shop, shop2], true, false),
            (vec![shop, shop2, ip], false, true),
            (vec![ip, ip, shop], false, true),
        ] {
            let body = html(&links);
            let i = Input {
                html: Some(&body),
                ..Input::default()
            };
            let n = names(&i);
            assert_eq!(n.contains(&"URL_TEXT_MISMATCH"), mismatch, "{body}");
            assert_eq!(n.contains(&"URL_NUMERIC_IP"), numeric, "{body}");
        }
    }

    #[test]
    fn rules_fire() {
        let i = Input {
            headers: vec![
                ("From", "a@bank.example"),
                ("Reply-To", "x@collector.example"),
                ("Received", "from gmail.com (unknown [198.51.100.7]) by mx"),
            ],
            subject: "URGENT ACCOUNT NOTICE!!!",
            from: vec!["a@bank.example"],
            html: Some("<a href=\"http://198.51.100.7/login\">https://bank.example/login</a>"),
            spf: "fail",
            dkim: "none",
            dmarc: "fail",
            ..Input::default()
        };
        assert_eq!(
            names(&i),
            [
                "DMARC_FAIL",
                "SPF_FAIL",
                "MISSING_DATE",
                "MISSING_MID",
                "FROM_REPLYTO_DIFFER",
                "FORGED_RCVD_HELO",
                "HTML_ONLY",
                "URL_TEXT_MISMATCH",
                "URL_NUMERIC_IP",
                "SUBJ_ALL_CAPS",
                "SUBJ_SHOUTING"
            ]
        );
        let clean = Input {
            headers: vec![
                ("Date", "x"),
                ("Message-ID", "<a@b>"),
                ("From", "a@b.example"),
            ],
            subject: "Lunch tomorrow?",
            from: vec!["a@b.example"],
            text: Some("see you"),
            spf: "pass",
            dkim: "pass",
            dmarc: "pass",
            ..Input::default()
        };
        assert!(names(&clean).is_empty());
    }

    #[test]
    fn the_scan_finds_http_as_substring_search_does() {
        for text in [
            "",
            "htt",
            "http",
            "xhttp",
            "http:/",
            "http://",
            "hhttp://a http https://b ht\u{e9}http httphttp://",
            "see http://x.example/p and https://y.example, (http://z)\nhttp",
            "\u{e9}\u{e9}http://\u{e9}",
        ] {
            let found = Found::scan(text);
            let want: Vec<usize> = text.match_indices("http").map(|(i, _)| i).collect();
            assert_eq!(found.http, want, "{text}");
            assert_eq!(found.plain_http, text.contains("http://"), "{text}");
        }
    }

    #[test]
    fn scam_shapes_fire() {
        let phish = Input {
            headers: vec![("Date", "x"), ("Message-ID", "<a@b>")],
            subject: "Action required",
            from: vec!["security@bank.example"],
            text: Some("Your account has been suspended. Verify your account: https://bit.ly/x1"),
            ..Input::default()
        };
        let n = names(&phish);
        assert!(
            n.contains(&"PHISH_CREDENTIALS") && n.contains(&"URL_SHORTENER"),
            "{n:?}"
        );
        // The same words with a link to the sender's own domain: a real security notice.
        let notice = Input {
            text: Some("Unusual activity? Verify your account at https://www.bank.example/s"),
            ..phish.clone()
        };
        assert!(!names(&notice).contains(&"PHISH_CREDENTIALS"));
        let extortion = Input {
            text: Some("I am a hacker, I recorded you with your webcam. Pay to bc1qw8r3t5y7u9i0o2p4a6s8d0f2g4h6j8k0l2z4x6"),
            ..phish.clone()
        };
        assert!(names(&extortion).contains(&"BITCOIN_EXTORTION"));
        let fee = Input {
            text: Some("Estimado beneficiario: una herencia de 4,5 millones de dólares, escriba al abogado"),
            ..phish.clone()
        };
        assert!(names(&fee).contains(&"ADVANCE_FEE"));
        // A shop's real draw: prize words only, no money word.
        let draw = Input {
            text: Some(
                "¡Has ganado! El sorteo entre nuestros clientes eligió tu ticket: eres la ganadora",
            ),
            ..phish.clone()
        };
        assert!(!names(&draw).contains(&"ADVANCE_FEE"));
        let pills = Input {
            text: Some("Viagra y Cialis sin receta, envío discreto"),
            ..phish.clone()
        };
        assert!(names(&pills).contains(&"PHARMA"));
        let amende = Input {
            text: Some("Votre avis de contravention reste impayé. Réglez sous 48 heures : http://antai.test/p"),
            ..phish.clone()
        };
        let n = names(&amende);
        assert!(
            n.contains(&"PHISH_CREDENTIALS") && n.contains(&"PHISH_DEADLINE"),
            "{n:?}"
        );
        assert!(lookalike("paypa1.example") && lookalike("secure-paypal.example"));
        assert!(
            lookalike("arnazon.test") && !lookalike("amazon.com") && !lookalike("shop.example")
        );
        let image = Input {
            html: Some("<html><body><a href=\"http://x.example\"><img src=\"http://x.example/a.png\"></a></body></html>"),
            text: None,
            ..phish.clone()
        };
        assert!(names(&image).contains(&"IMAGE_ONLY"));
        assert!(!has_bitcoin_address(
            "see https://example.com/1234567890abcdefghijklmnop"
        ));
    }
}
