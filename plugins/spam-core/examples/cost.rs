//! Native cost of the spam filter's work on one message, as the plugin's `filter` does it
//! (plugins/spam/src/lib.rs), stage by stage and in all: the HTML parse, the tokens, the rules,
//! the n-gram features, the store keys of the tokens, the starting model's counts and the
//! scores. Built with the plugins' release profile (the spam crates at opt-level 3, as the
//! component is), it shows where the plugin's time goes before the host's cost is added
//! (benches/filters.rs measures the component inside the host). Usage:
//!
//!     cd plugins && cargo run --profile release -p mailsift-spam-core --example cost -- [ITERS] [MESSAGE.eml ...]
//!
//! ITERS (default 2000) messages per stage; the message defaults to the 5 KB newsletter of
//! benches/filters.rs. Under callgrind (`valgrind --tool=callgrind`) give a small ITERS and
//! read the inclusive counts of `cost::whole` (one call per message and iteration).

#[allow(dead_code)]
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use mailsift_spam_core::bayes::{self, Params};
use mailsift_spam_core::starting::StartingModel;
use mailsift_spam_core::{grams, html, logistic, rules, tokenize, Input};

/// The system allocator, counting allocations (new blocks and reallocations): how many a
/// message costs is printed per stage (issue 19, round 6). One relaxed add per call.
struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to `System` unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

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
    let before = ALLOCS.load(Ordering::Relaxed);
    f();
    let allocs = ALLOCS.load(Ordering::Relaxed) - before;
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    let us = t.elapsed().as_secs_f64() * 1e6 / iters as f64;
    println!("| {name} | {us:.1} | {allocs} |");
    us
}

/// What the plugin's `filter` computes for a message (global model = the starting model, as a
/// store with no training of its own: no key reads), in one call.
#[inline(never)]
fn whole(input: &Input<'_>, model: &StartingModel<'_>) -> f64 {
    let parsed = input.html.map(html::parse);
    let tokens = tokenize::tokens_with(input, parsed.as_ref());
    let hits = rules::check_with(input, parsed.as_ref());
    let features = grams::features(input);
    let counts: Vec<_> = tokens.iter().map(|t| model.counts(t)).collect();
    let b = bayes::classify(&tokens, |i| counts[i], model.totals(), &Params::default());
    let lr = logistic::probability_of_sums([model.weight_sum(&features)].into_iter(), &features);
    b.probability + lr as f64 + hits.iter().map(|h| h.weight).sum::<f64>()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let iters: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let mut raws: Vec<(String, Vec<u8>)> = args
        .map(|p| {
            let raw = std::fs::read(&p).expect("message");
            (p, raw)
        })
        .collect();
    if raws.is_empty() {
        raws.push(("5 KB newsletter".into(), message(5 * 1024)));
    }
    let model = StartingModel::parse(STARTING).expect("starting model");
    for (name, raw) in &raws {
        let v = common::view_bytes(raw).expect("a message");
        let input = v.input();
        let tokens = tokenize::tokens(&input);
        let features = grams::features(&input);
        println!(
            "\n{name}: {} bytes, {} tokens, {} features, {iters} iterations",
            raw.len(),
            tokens.len(),
            features.len()
        );
        println!("| stage | µs per message | allocations per message |\n|---|---|---|");
        time("HTML parse (once, shared)", iters, || {
            black_box(input.html.map(html::parse));
        });
        let parsed = input.html.map(html::parse);
        time("tokens", iters, || {
            black_box(tokenize::tokens_with(black_box(&input), parsed.as_ref()));
        });
        time("n-gram features", iters, || {
            black_box(grams::features(black_box(&input)));
        });
        time("rules", iters, || {
            black_box(rules::check_with(black_box(&input), parsed.as_ref()));
        });
        time("starting model counts of the tokens", iters, || {
            black_box(tokens.iter().map(|t| model.counts(t)).collect::<Vec<_>>());
        });
        time("whole filter (starting model)", iters, || {
            black_box(whole(black_box(&input), &model));
        });
    }
}
