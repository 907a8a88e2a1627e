//! Native cost of the two bundled content filters' work on one message, stage by stage: the
//! spam filter's tokens, n-gram features, rules and model lookups (against the bundled starting
//! model, as a trained store would add its counts to) and the promotions classifier. Built
//! with the plugins' release profile (opt-level "s", as the WebAssembly components are), it
//! shows where a plugin's time goes before the host's cost is added (benches/filters.rs
//! measures the components inside the host). Usage:
//!
//!     cd plugins && cargo run --profile release -p promotions-core --example cost -- [ITERS] [MESSAGE.eml]
//!
//! ITERS (default 2000) messages per stage; the message defaults to the 5 KB newsletter of
//! benches/filters.rs. Under `valgrind --tool=callgrind` give a small ITERS.

#[allow(dead_code)]
#[path = "../../spam-core/examples/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Instant;

use mailsift_spam_core::bayes::{self, Params};
use mailsift_spam_core::starting::StartingModel;
use mailsift_spam_core::{grams, html, logistic, rules, tokenize};
use promotions_core::{classify, Config, Email};

static STARTING: &[u8] = include_bytes!("../../spam/model/starting-model.bin");

/// A 5 KB newsletter as most mail of this size is: multipart/alternative, a text part and an
/// HTML part with links and images (what content filters read), padded to exactly `size` bytes.
fn message(size: usize) -> Vec<u8> {
    let mut text = String::new();
    let mut html = String::new();
    let item = |i: usize| {
        (
            format!(
                "Item {i}: linen shirt in sand, now 29 EUR instead of 49 EUR. Free shipping over 50 EUR.\r\n"
            ),
            format!(
                "<tr><td><a href=\"https://click.shop.example/ls/click?upn=p{i}&amp;utm_campaign=spring\">\
                 <img src=\"https://cdn.shop.example/p/{i}.jpg\" width=\"180\" alt=\"\"></a></td>\
                 <td>Linen shirt in sand, now <b>29 EUR</b> instead of 49 EUR.</td></tr>\r\n"
            ),
        )
    };
    let head = "Received: from mta1.shop.example (mta1.shop.example [192.0.2.7])\r\n\tby mx.example.com with ESMTPS id BENCH2\r\n\
         From: Shop <news@shop.example>\r\nTo: rcpt@example.com\r\nSubject: Spring collection: up to 40% off linen\r\n\
         Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <bench2@shop.example>\r\n\
         List-Unsubscribe: <https://shop.example/u?id=1>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"ALT\"\r\n\r\n";
    let build = |text: &str, html: &str| {
        format!(
            "{head}--ALT\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\nUnsubscribe: https://shop.example/u?id=1\r\n\
             --ALT\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><table>\r\n{html}</table>\
             <p><a href=\"https://shop.example/u?id=1\">Unsubscribe</a></p>\
             <img src=\"https://shop.example/o.gif\" width=\"1\" height=\"1\"></body></html>\r\n--ALT--\r\n"
        )
    };
    let mut i = 0;
    loop {
        let (t, h) = item(i);
        if build(&format!("{text}{t}"), &format!("{html}{h}")).len() > size {
            break;
        }
        text.push_str(&t);
        html.push_str(&h);
        i += 1;
    }
    // Pad the text part to the exact size.
    let pad = size.saturating_sub(build(&text, &html).len());
    text.push_str(&".".repeat(pad));
    build(&text, &html).into_bytes()
}

fn time(name: &str, iters: usize, mut f: impl FnMut()) -> f64 {
    f();
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    let us = t.elapsed().as_secs_f64() * 1e6 / iters as f64;
    println!("| {name} | {us:.1} |");
    us
}

fn main() {
    let mut args = std::env::args().skip(1);
    let iters: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let raw = match args.next() {
        Some(path) => std::fs::read(path).expect("message"),
        None => message(5 * 1024),
    };
    let v = common::view_bytes(&raw).expect("a message");
    let input = v.input();
    let email = Email {
        headers: input.headers.clone(),
        subject: input.subject,
        from: input.from.first().copied(),
        text: input.text,
        html: input.html,
        attachment_types: v.attachments.iter().map(|(_, c)| c.as_str()).collect(),
    };
    let model = StartingModel::parse(STARTING).expect("starting model");
    let tokens = tokenize::tokens(&input);
    let features = grams::features(&input);
    println!(
        "{} bytes, {} tokens, {} features, {iters} iterations",
        raw.len(),
        tokens.len(),
        features.len()
    );
    println!("| stage | µs per message |\n|---|---|");
    let mut total = 0.0;
    total += time("spam: HTML parse (once, shared)", iters, || {
        black_box(input.html.map(html::parse));
    });
    let parsed = input.html.map(html::parse);
    total += time("spam: tokens", iters, || {
        black_box(tokenize::tokens_with(black_box(&input), parsed.as_ref()));
    });
    total += time("spam: n-gram features", iters, || {
        black_box(grams::features(black_box(&input)));
    });
    total += time("spam: rules", iters, || {
        black_box(rules::check_with(black_box(&input), parsed.as_ref()));
    });
    total += time("spam: store keys of the tokens", iters, || {
        black_box(
            tokens
                .iter()
                .map(|t| format!("g/t/{t}"))
                .collect::<Vec<_>>(),
        );
    });
    total += time("spam: starting model (counts, weights)", iters, || {
        let m = StartingModel::parse(black_box(STARTING)).expect("model");
        black_box(tokens.iter().map(|t| m.counts(t)).collect::<Vec<_>>());
        black_box(m.weights());
    });
    let counts: Vec<_> = tokens.iter().map(|t| model.counts(t)).collect();
    let weights = model.weights();
    total += time("spam: Bayes and logistic", iters, || {
        black_box(bayes::classify(
            &tokens,
            |i| counts[i],
            model.totals(),
            &Params::default(),
        ));
        black_box(logistic::probability(&[&weights], &features));
    });
    println!("| spam: total | {total:.1} |");
    let config = Config::default();
    time("promotions: classify", iters, || {
        black_box(classify(black_box(&email), &config));
    });
}
