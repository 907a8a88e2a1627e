use promotions_core::*;
use std::time::Instant;
fn main() {
    let raw = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let (head, body) = raw.split_once("\n\n").unwrap();
    let headers: Vec<(&str, &str)> = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(a, b)| (a, b.trim()))
        .collect();
    let e = Email {
        headers,
        subject: "Spring collection: up to 40% off linen",
        from: Some("news@shop.example"),
        text: Some(body),
        html: Some(body),
        attachment_types: vec![],
    };
    let c = Config::default();
    let n = 2000;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(classify(&e, &c));
    }
    println!(
        "classify {:.1} µs",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(text::Lexicon::new(lexicon::builtin()));
    }
    println!(
        "lexicon {:.1} µs",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(html::scan(body, 65536));
    }
    println!("html {:.1} µs", t.elapsed().as_secs_f64() * 1e6 / n as f64);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(text::normalize(body, 65536));
    }
    println!(
        "normalize {:.1} µs",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let lower = body.to_lowercase();
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(text::has_discount(&lower));
    }
    println!(
        "discount {:.1} µs",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(body.to_lowercase());
    }
    println!(
        "lowercase {:.1} µs",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let lex = text::Lexicon::new(lexicon::builtin());
    let norm = text::normalize(body, 65536);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(lex.find(&norm));
    }
    println!("find {:.1} µs", t.elapsed().as_secs_f64() * 1e6 / n as f64);
}
#[allow(dead_code)]
fn unused() {}
