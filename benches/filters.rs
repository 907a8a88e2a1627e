//! Per-message cost of each bundled filter plugin on a 5 KB message: every `*.wasm` directly in
//! the bundled plugin folder (`MAILSIFT_BUNDLED_PLUGINS`, default `plugins/dist`) is loaded alone
//! into a plugin host and timed through `PluginHost::filter`, next to two baselines: no plugin
//! at all (parsing the message and building the plugins' view, paid once per message whatever
//! the plugins) and the no-op test plugin (the host's fixed cost per plugin: instance, copying the
//! message in, the call). A new bundled plugin (the spam filter, the attachment check) is
//! measured as soon as its component is in the folder; give it settings with
//! `MAILSIFT_BENCH_CONFIG=config.toml` (a server configuration: its `[plugin.NAME.config]`
//! tables are used) and measure another message with `MAILSIFT_BENCH_MESSAGE=message.eml`.
//! `MAILSIFT_BENCH_ITERS` sets the messages per measurement (default 3000; a small number for a
//! smoke run) and `MAILSIFT_BENCH_ONLY=spam,promotions` measures only those plugins.
//! Each plugin is measured under both CPU meters (`[plugins] cpu_meter`: fuel, and the thread's
//! CPU time read at epoch ticks), side by side; `MAILSIFT_BENCH_SMALL_POOL=1` sizes the pool
//! for valgrind (`scripts/bench-plugin-meter.sh` counts instructions per call that way).
//! Each row also gives the plugin's fuel per message (its CPU budget is counted in wasmtime fuel)
//! and the fuel per µs of the calling thread's CPU time above the no-op: the calibration of
//! `FUEL_PER_MS` (a tight loop, `loop-forever`, is measured last as the upper end).
//! Not a timed test: it prints a Markdown table for BENCHMARKS.md.
//!
//!     scripts/bench-filters.sh        (builds the plugins, then runs this)

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mailsift::config::Config;
use mailsift::pipeline::{Envelope, MessageContext};
use mailsift::plugins::{CpuMeter, MemoryKv, PluginHost, eval, types, view};

fn dir(var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join(default),
    }
}

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

fn config(data_dir: &Path) -> Config {
    let mut c = match std::env::var_os("MAILSIFT_BENCH_CONFIG") {
        Some(path) => {
            let text = std::fs::read_to_string(&path).expect("MAILSIFT_BENCH_CONFIG");
            Config::parse(&text, &path.to_string_lossy()).expect("MAILSIFT_BENCH_CONFIG")
        }
        None => Config::default(),
    };
    c.data_dir = data_dir.to_path_buf();
    c.plugins.dir = None;
    c
}

/// A host running `component` alone, under the name of its file, its CPU budget counted by
/// `meter`.
fn host_with(data_dir: &Path, component: &Path, meter: CpuMeter) -> PluginHost {
    let c = config(data_dir);
    std::fs::create_dir_all(c.plugin_dir()).expect("plugin dir");
    let name = component.file_name().expect("file name");
    std::fs::copy(component, c.plugin_dir().join(name)).expect("copy");
    let kv = MemoryKv::default();
    let host = PluginHost::with_engine_settings(&c, Arc::new(kv.clone()), |s| {
        s.cpu_meter = meter;
        // MAILSIFT_BENCH_SMALL_POOL=1: a few pool slots, for valgrind (it cannot map the
        // address space of the default pool).
        if std::env::var_os("MAILSIFT_BENCH_SMALL_POOL").is_some() {
            s.idle_instances = s.idle_instances.min(2);
            s.slots = 4 + s.idle_instances;
        }
    })
    .expect("host");
    host.load_all();
    assert_eq!(
        host.registry().snapshot().len(),
        1,
        "{} did not load",
        component.display()
    );
    // A learning plugin is measured with a trained model (an untrained spam filter skips its
    // model reads): two messages of each class, learnt as `spam train` would.
    if host
        .registry()
        .snapshot()
        .iter()
        .any(|p| p.has_hook(types::Hook::Learn))
    {
        let samples = [
            (message(3000), types::LearnClass::Spam),
            (message(6000), types::LearnClass::Spam),
            (personal(1), types::LearnClass::Ham),
            (personal(2), types::LearnClass::Ham),
        ];
        for i in eval::training_order(samples.len(), eval::DEFAULT_PASSES) {
            let (raw, class) = &samples[i];
            let view = eval::view_of(raw, "train", Vec::new());
            kv.apply(&host.learn(&view, *class));
        }
    }
    host
}

/// A short personal message (ham for training the learning plugins).
fn personal(n: usize) -> Vec<u8> {
    format!(
        "From: Ana <ana@example.org>\r\nTo: rcpt@example.com\r\nSubject: Dinner {n}\r\n\
         Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <p{n}@example.org>\r\n\r\n\
         Are we still on for dinner on Friday? I can bring the wine. Ana\r\n"
    )
    .into_bytes()
}

/// CPU time of the calling thread: unlike wall time, other processes on a shared machine do not
/// add to it.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // Safety: `ts` is a valid out-pointer for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Median and minimum of the mean time per run over `ROUNDS` rounds (the machine is shared:
/// the median says what a message usually costs, the minimum what it costs undisturbed), and
/// the minimum of the thread's CPU time per run (a busy machine stretches even that: shared
/// caches and cores).
fn time(iterations: usize, mut f: impl FnMut()) -> (Duration, Duration, Duration) {
    const ROUNDS: usize = 15;
    for _ in 0..iterations / 10 + 1 {
        f();
    }
    let per_round = (iterations / ROUNDS).max(1);
    let (mut rounds, mut cpu): (Vec<Duration>, Vec<Duration>) = (0..ROUNDS)
        .map(|_| {
            let started = Instant::now();
            let cpu = thread_cpu();
            for _ in 0..per_round {
                f();
            }
            (
                started.elapsed() / per_round as u32,
                (thread_cpu() - cpu) / per_round as u32,
            )
        })
        .unzip();
    rounds.sort();
    cpu.sort();
    (rounds[ROUNDS / 2], rounds[0], cpu[0])
}

/// Fuel per call of the plugins of `host` during `f` (from their counters).
fn fuel_per_call(host: &PluginHost, f: impl FnOnce()) -> f64 {
    let totals = || {
        host.registry()
            .snapshot()
            .iter()
            .fold((0u64, 0u64), |(f, c), p| {
                (f + p.stats.fuel(), c + p.stats.calls())
            })
    };
    let before = totals();
    f();
    let after = totals();
    (after.0 - before.0) as f64 / (after.1 - before.1).max(1) as f64
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// What the plugins decided, in a few words, so the table shows the plugin really ran.
fn outcome(host: &PluginHost, msg: &types::Message, recipients: &[String]) -> String {
    let out = host.filter(msg, recipients);
    let m = out.merged;
    let mut parts = vec![format!("{:?}", m.decision).to_lowercase()];
    if let Some(f) = &m.folder {
        parts.push(format!("folder {f}"));
    }
    if !m.tags.is_empty() {
        parts.push(format!("tags {}", m.tags.join(",")));
    }
    parts.join(", ")
}

/// One filter call, the unit that `MAILSIFT_BENCH_CASE` counts.
#[inline(never)]
fn measured(host: &PluginHost, msg: &types::Message, recipients: &[String]) {
    std::hint::black_box(host.filter(msg, recipients));
}

fn main() {
    let bundled = dir("MAILSIFT_BUNDLED_PLUGINS", "plugins/dist");
    let noop = dir("MAILSIFT_TEST_PLUGINS", "plugins/dist/testing").join("noop.wasm");
    let mut plugins: Vec<PathBuf> = std::fs::read_dir(&bundled)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
                .collect()
        })
        .unwrap_or_default();
    plugins.sort();
    // MAILSIFT_BENCH_ONLY=spam,promotions: only these plugins (by file name without .wasm).
    if let Ok(only) = std::env::var("MAILSIFT_BENCH_ONLY") {
        let only: Vec<&str> = only.split(',').map(str::trim).collect();
        plugins.retain(|p| {
            p.file_stem()
                .is_some_and(|s| only.contains(&s.to_string_lossy().as_ref()))
        });
    }
    if plugins.is_empty() || !noop.is_file() {
        eprintln!(
            "no plugins in {} or missing {}: build them first (scripts/bench-filters.sh does)",
            bundled.display(),
            noop.display()
        );
        std::process::exit(1);
    }
    let raw = match std::env::var_os("MAILSIFT_BENCH_MESSAGE") {
        Some(path) => std::fs::read(&path).expect("MAILSIFT_BENCH_MESSAGE"),
        None => message(5 * 1024),
    };
    let envelope = Envelope {
        queue_id: "BENCH2".into(),
        mail_from: "news@shop.example".into(),
        recipients: vec!["rcpt@example.com".into()],
        helo: "mta1.shop.example".into(),
        client_ip: std::net::IpAddr::from([192, 0, 2, 7]),
        authenticated_as: None,
        tls: None,
    };
    // MAILSIFT_BENCH_ITERS: messages per measurement (a small number for a smoke run).
    let n: usize = std::env::var("MAILSIFT_BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let tmp = std::env::temp_dir().join(format!("mailsift-bench-filters-{}", std::process::id()));
    // MAILSIFT_BENCH_CASE=PLUGIN:fuel|time:CALLS: only that plugin (a bundled one, or `noop`)
    // under that meter, CALLS calls through `measured` after two warm-up calls, for
    // `valgrind --tool=callgrind --toggle-collect='filters::measured'` (scripts/bench-plugin-meter.sh).
    if let Ok(case) = std::env::var("MAILSIFT_BENCH_CASE") {
        let mut parts = case.split(':');
        let (name, meter, calls) = (
            parts.next().unwrap_or("noop"),
            parts.next().unwrap_or("fuel"),
            parts.next().and_then(|c| c.parse().ok()).unwrap_or(20usize),
        );
        let meter = if meter == "time" {
            CpuMeter::Time
        } else {
            CpuMeter::Fuel
        };
        let path = if name == "noop" {
            noop.clone()
        } else {
            bundled.join(format!("{name}.wasm"))
        };
        let msg = view::message(
            &envelope,
            &raw,
            MessageContext::new(&envelope, &raw).parsed.as_ref(),
            None,
        );
        let host = host_with(&tmp.join("case"), &path, meter);
        for _ in 0..2 {
            std::hint::black_box(host.filter(&msg, &envelope.recipients));
        }
        for _ in 0..calls {
            measured(&host, &msg, &envelope.recipients);
        }
        let errors: u64 = host.status().iter().map(|s| s.errors).sum();
        assert_eq!(errors, 0, "{name} failed while being measured");
        let _ = std::fs::remove_dir_all(&tmp);
        return;
    }

    let parse = time(n, || {
        let ctx = MessageContext::new(&envelope, &raw);
        std::hint::black_box(&ctx.parsed);
    });
    let ctx = MessageContext::new(&envelope, &raw);
    let build_view = time(n, || {
        std::hint::black_box(view::message(&envelope, &raw, ctx.parsed.as_ref(), None));
    });
    let msg = view::message(&envelope, &raw, ctx.parsed.as_ref(), None);

    println!(
        "Message: {} bytes. Baseline without plugins (once per message): parse {:.1} µs + view {:.1} µs (medians).\n",
        raw.len(),
        us(parse.0),
        us(build_view.0)
    );
    println!(
        "| plugin | median µs/message | min µs | above the no-op µs | min CPU µs above the no-op | fuel/message | fuel per CPU µs | outcome |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let noop_host = host_with(&tmp.join("noop"), &noop, CpuMeter::Fuel);
    let mut noop_t = Default::default();
    let noop_fuel = fuel_per_call(&noop_host, || {
        noop_t = time(n, || {
            std::hint::black_box(noop_host.filter(&msg, &envelope.recipients));
        })
    });
    let noop_t: (Duration, Duration, Duration) = noop_t;
    println!(
        "| noop (host overhead) | {:.1} | {:.1} | 0 | 0 | {noop_fuel:.0} | - | {} |",
        us(noop_t.0),
        us(noop_t.1),
        outcome(&noop_host, &msg, &envelope.recipients)
    );
    // The share of the host overhead that is the message: the no-op on an empty view.
    let empty = view::message(&envelope, b"", None, None);
    let empty_t = time(n, || {
        std::hint::black_box(noop_host.filter(&empty, &envelope.recipients));
    });
    println!(
        "| noop, empty message (the view's lowering is the difference) | {:.1} | {:.1} | {:.1} | {:.1} | - | - | - |",
        us(empty_t.0),
        us(empty_t.1),
        us(empty_t.0) - us(noop_t.0),
        us(empty_t.2) - us(noop_t.2),
    );
    // Each plugin under both CPU meters, side by side (issue 19): fuel (instrumented code) and
    // the thread's CPU time read at epoch ticks (the server's).
    let mut meters = Vec::new();
    for path in &plugins {
        let name = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let host = host_with(&tmp.join(&name), path, CpuMeter::Fuel);
        let epoch_host = host_with(&tmp.join(format!("{name}-epoch")), path, CpuMeter::Time);
        let mut t = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
        let fuel = fuel_per_call(&host, || {
            t = time(n, || {
                std::hint::black_box(host.filter(&msg, &envelope.recipients));
            })
        });
        let e = time(n, || {
            std::hint::black_box(epoch_host.filter(&msg, &envelope.recipients));
        });
        let errors: u64 = host
            .status()
            .iter()
            .chain(epoch_host.status().iter())
            .map(|s| s.errors)
            .sum();
        assert_eq!(errors, 0, "{name} failed while being measured");
        let cpu_above = us(t.2) - us(noop_t.2);
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} | {cpu_above:.1} | {fuel:.0} | {} | {} |",
            us(t.0),
            us(t.1),
            us(t.0) - us(noop_t.0),
            if cpu_above > 5.0 {
                format!("{:.0}", (fuel - noop_fuel) / cpu_above)
            } else {
                "-".into()
            },
            outcome(&host, &msg, &envelope.recipients)
        );
        meters.push((name, t, e));
    }
    println!(
        "\nCPU meter side by side (same message, each plugin alone): fuel against the thread's CPU time at epoch ticks.\n"
    );
    println!(
        "| plugin | fuel: median µs | fuel: min CPU µs | CPU time: median µs | CPU time: min CPU µs | CPU time / fuel (min CPU) |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, t, e) in &meters {
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} |",
            us(t.0),
            us(t.2),
            us(e.0),
            us(e.2),
            us(e.2) / us(t.2).max(0.001)
        );
    }
    // The upper end: a tight loop stopped by its budget (`cpu_ms = 100`).
    let looping = noop.with_file_name("loop-forever.wasm");
    if looping.is_file() {
        let data = tmp.join("loop");
        let mut c = config(&data);
        c.plugin.insert(
            "loop-forever".into(),
            mailsift::config::PluginConfig {
                cpu_ms: Some(100),
                ..Default::default()
            },
        );
        std::fs::create_dir_all(c.plugin_dir()).expect("plugin dir");
        std::fs::copy(&looping, c.plugin_dir().join("loop-forever.wasm")).expect("copy");
        // Fuel, whatever the default meter: this row calibrates `FUEL_PER_MS`.
        let host = PluginHost::with_engine_settings(&c, Arc::new(MemoryKv::default()), |s| {
            s.cpu_meter = CpuMeter::Fuel
        })
        .expect("host");
        host.load_all();
        let mut cpu = Vec::new();
        let fuel = fuel_per_call(&host, || {
            for _ in 0..10 {
                let started = thread_cpu();
                host.filter(&msg, &envelope.recipients);
                cpu.push(thread_cpu() - started);
            }
        });
        cpu.sort();
        let cpu_us = us(cpu[0]) - us(noop_t.2);
        println!(
            "| loop-forever (stopped at its budget) | - | - | - | {cpu_us:.1} | {fuel:.0} | {:.0} | stopped |",
            (fuel - noop_fuel) / cpu_us
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
