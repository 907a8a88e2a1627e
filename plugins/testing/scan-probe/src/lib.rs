//! Test plugin: runs the byte scans of the spam and promotions cores inside WebAssembly, on
//! generated inputs and on the message's subject and bodies, and compares every result with a
//! byte loop. The spam core's scans use SIMD there (`simd128`; natively the eight-byte word
//! versions run), the promotions core's are word scans compiled with `simd128`. Adds
//! `X-Scan-Probe: ok <checks> simd128` (or `FAIL <first mismatch>`); tests/plugin_simd.rs
//! asserts it.
use mailsift_plugin_sdk::prelude::*;
use mailsift_spam_core::html as spam;
use promotions_core::text as promo;

struct ScanProbe;

/// Bytes the scans look for; `x` is the filler of the generated inputs.
const SPECIALS: [u8; 12] = [
    b'<', b'>', b'&', b'"', b'?', b'#', b' ', b'\t', b'H', b'h', 0x80, 0,
];
const NEEDLES: [&str; 7] = ["href", "src", "</script", "</style", "a", "width", "<!"];

#[derive(Default)]
struct Checks {
    count: u64,
    failure: Option<String>,
}

impl Checks {
    fn eq(&mut self, what: &str, h: &[u8], got: Option<usize>, want: Option<usize>) {
        self.count += 1;
        if got != want && self.failure.is_none() {
            self.failure = Some(format!(
                "{what} on {:?}: {got:?}, want {want:?}",
                String::from_utf8_lossy(h)
            ));
        }
    }

    /// Every scan on `h` against its byte loop.
    fn all(&mut self, h: &[u8]) {
        for c in SPECIALS {
            let want = h.iter().position(|&x| x == c);
            self.eq("spam byte_at", h, spam::byte_at(h, c), want);
            self.eq("promotions find_byte", h, promo::find_byte(h, c), want);
        }
        for c in [b'h', b's', b'x', b'a'] {
            let want = h.iter().position(|x| x.to_ascii_lowercase() == c);
            self.eq("spam byte_at_ci", h, spam::byte_at_ci(h, c), want);
        }
        if let Ok(s) = std::str::from_utf8(h) {
            for n in NEEDLES {
                let want = h
                    .windows(n.len())
                    .position(|w| w.eq_ignore_ascii_case(n.as_bytes()));
                self.eq(n, h, spam::find_ci(s, n), want);
            }
        }
        let want = h.iter().position(u8::is_ascii_whitespace);
        self.eq("find_ascii_space", h, promo::find_ascii_space(h), want);
        // The shapes of the fediverse scans' flags (URL delimiters, a path's query or fragment).
        let stop = |c: u8| !(b'!'..0x80).contains(&c) || matches!(c, b'<' | b'"' | b')');
        let got = promo::find_flagged(
            h,
            |x| {
                promo::has_below(x, b'!')
                    | (x & 0x8080_8080_8080_8080)
                    | promo::has_byte(x, b'<')
                    | promo::has_byte(x, b'"')
                    | promo::has_byte(x, b')')
            },
            stop,
        );
        self.eq("find_flagged stop", h, got, h.iter().position(|&c| stop(c)));
        let query = |c: u8| matches!(c, b'?' | b'#');
        let got = promo::find_flagged(
            h,
            |x| promo::has_byte(x, b'?') | promo::has_byte(x, b'#'),
            query,
        );
        self.eq(
            "find_flagged query",
            h,
            got,
            h.iter().position(|&c| query(c)),
        );
        // A flag wider than the match: flagged bytes that are not matches are skipped.
        let got = promo::find_flagged(h, |x| promo::has_below(x, b'A'), |c| c == b'<');
        self.eq(
            "find_flagged superset",
            h,
            got,
            h.iter().position(|&c| c == b'<'),
        );
    }
}

/// xorshift64: the same inputs on every run.
fn next(r: &mut u64) -> u64 {
    *r ^= *r << 13;
    *r ^= *r >> 7;
    *r ^= *r << 17;
    *r
}

fn probe(texts: &[&str]) -> Checks {
    let mut c = Checks::default();
    // One special byte (or none) at every position of every length up to 36: every lane of a
    // vector, the overlapping halves of 8..15 bytes and the overlapping last vector.
    for len in 0..=36 {
        for p in 0..=len {
            for s in SPECIALS {
                let mut h = vec![b'x'; len];
                if let Some(b) = h.get_mut(p) {
                    *b = s;
                }
                c.all(&h);
            }
        }
    }
    // A needle (mixed case) at every position, after a decoy of its first bytes.
    for n in NEEDLES {
        for len in n.len()..=36 {
            for p in 0..=len - n.len() {
                let mut h = vec![b'x'; len];
                for (i, b) in n.bytes().enumerate() {
                    h[p + i] = if (p + i) % 2 == 0 {
                        b.to_ascii_uppercase()
                    } else {
                        b
                    };
                }
                if p >= 2 {
                    h[p - 2] = n.as_bytes()[0];
                }
                c.all(&h);
            }
        }
    }
    // Random inputs over a small alphabet (dense in partial matches), random lengths.
    let alphabet = b"xxxxhrefscipt</>&\"?# \tHREFSCRIPTwidth!ay\x80\xc3\xa9";
    let mut r = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..2000 {
        let len = (next(&mut r) % 90) as usize;
        let h: Vec<u8> = (0..len)
            .map(|_| alphabet[(next(&mut r) % alphabet.len() as u64) as usize])
            .collect();
        c.all(&h);
    }
    // The message itself, from a few offsets (other tail lengths).
    for t in texts {
        for from in 0..3 {
            if let Some(h) = t.as_bytes().get(from..) {
                c.all(h);
            }
        }
    }
    c
}

impl Plugin for ScanProbe {
    fn info() -> PluginInfo {
        PluginInfo::new("scan-probe", env!("CARGO_PKG_VERSION"))
            .description("Checks the cores' byte scans against byte loops in WebAssembly")
    }

    fn filter(message: &Message) -> Verdict {
        let m = &message;
        let mut texts = vec![m.subject_str()];
        texts.extend(m.text_body.as_deref());
        texts.extend(m.html_body.as_deref());
        let c = probe(&texts);
        let simd = if cfg!(target_feature = "simd128") {
            "simd128"
        } else {
            "no-simd128"
        };
        let value = match c.failure {
            Some(f) => format!("FAIL {f}"),
            None => format!("ok {} {simd}", c.count),
        };
        Verdict::continue_with().header("X-Scan-Probe", value)
    }
}

export_plugin!(ScanProbe);
