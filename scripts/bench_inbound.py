#!/usr/bin/env python3
"""Inbound mail side by side (issue 19; entry point: scripts/bench-inbound.sh).

Every stack found in scripts/benchlib (a `Stack` subclass: Mailsift, and Postfix -> Dovecot,
Postfix + Rspamd -> Dovecot when their modules are there) receives the same loads, in
interleaved rounds (round 1: every stack, round 2: every stack, ...), each round on a fresh
work directory:

  (i)   synthetic 5 KB mail from `smtp-source` (Postfix's test client) at 1, 16, 64 connections;
  (ii)  real mail (the SpamAssassin public corpus's held-out test split, scripts/
        fetch-spam-corpus.sh) from the load generator (benches/smtp_load.rs) at 16 connections,
        after the stack's filter was trained on the training split (`stack.train`, if it has one);
  (iii) the same real mail offered at a fixed rate (open loop), for p50/p99 latency: at
        `--rates` (e.g. 200,400,500); `--latency` runs only these, and for Mailsift prints where
        the time went (its /metrics histograms: pipeline, plugin calls, store queue/run/commit).
        MAILSIFT_BASE_BIN=other/mailsift adds the stack `mailsift-base` (that binary), run in
        the same interleaved rounds: a before/after of two builds.

Senders authenticate against a local DNS server (the load generator's `dns` subcommand): the
envelope sender's domain publishes SPF `v=spf1 ip4:127.0.0.1 -all` and a DMARC record; every
other name is NXDOMAIN. Measured per load: messages/s = messages stored (`stack.stored()`) over
the time from the first connection until the last one is stored; CPU ms per message = the
stack's CPU (benchlib.measure) over the same span / messages stored; peak memory of the
stack's processes, sampled every 100 ms (summed RSS, and summed PSS, which counts shared pages
once); latency p50/p99 from the load generator (MAIL FROM to the 250 after DATA; at a fixed
rate from the scheduled send time). The table shows the median of the rounds, and ratios
against Mailsift.
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import pkgutil
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from benchlib.measure import Meter  # noqa: E402
from benchlib.stack import Stack  # noqa: E402

SENDER_DOMAIN = "bench.test"
HELO = f"client.{SENDER_DOMAIN}"
ZONE = f"""\
# The benchmark's senders: SPF passes for 127.0.0.1, DMARC published (p=reject, so a failing
# check would show as refused mail). Every other name is NXDOMAIN.
{SENDER_DOMAIN} TXT "v=spf1 ip4:127.0.0.1 -all"
_dmarc.{SENDER_DOMAIN} TXT "v=DMARC1; p=reject"
{SENDER_DOMAIN} MX 10 mx.{SENDER_DOMAIN}
mx.{SENDER_DOMAIN} A 127.0.0.1
{HELO} A 127.0.0.1
{HELO} TXT "v=spf1 ip4:127.0.0.1 -all"
"""


def fs_type(path: Path) -> str:
    """The type of the file system holding `path` (longest mount point that prefixes it)."""
    best, kind = "", "?"
    real = str(path.resolve())
    for line in Path("/proc/mounts").read_text().splitlines():
        parts = line.split()
        if len(parts) > 2 and (real == parts[1] or real.startswith(parts[1].rstrip("/") + "/")) \
                and len(parts[1]) >= len(best):
            best, kind = parts[1], parts[2]
    return kind


def fsync_floor(work: Path, n: int = 200, size: int = 65536) -> tuple[float, float]:
    """p50 and p99 milliseconds of one `fdatasync` after a write of `size` bytes (about one
    group commit's pages) in `work`: the disk's floor under any durable commit, so under the
    latency of every stack that acknowledges only what is on disk."""
    path = work / "fsync-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    took = []
    try:
        block = os.urandom(size)
        for i in range(n):
            os.pwrite(fd, block, (i % 64) * size)
            t = time.perf_counter()
            os.fdatasync(fd)
            took.append((time.perf_counter() - t) * 1000)
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)
    took.sort()
    return took[len(took) // 2], took[min(len(took) - 1, int(len(took) * 0.99))]


def log(*a) -> None:
    print(*a, file=sys.stderr, flush=True)


def discover_stacks() -> list[type]:
    """Every Stack subclass defined in a benchlib module, Mailsift first."""
    import benchlib

    found: dict[str, type] = {}
    for mod in pkgutil.iter_modules(benchlib.__path__):
        if mod.name in ("stack", "measure"):
            continue
        try:
            m = importlib.import_module(f"benchlib.{mod.name}")
        except Exception as e:  # a stack module that does not load is skipped, not fatal
            log(f"skipping benchlib.{mod.name}: {e}")
            continue
        for _, cls in inspect.getmembers(m, inspect.isclass):
            if issubclass(cls, Stack) and cls is not Stack and cls.__module__ == m.__name__:
                found[cls.name] = cls
    return sorted(found.values(), key=lambda c: (c.name != "mailsift", c.name))


class Loads:
    def __init__(self, args, loadgen: str, corpus: Path | None):
        self.args = args
        self.loadgen = loadgen
        self.corpus = corpus

    def all(self) -> list[dict]:
        a = self.args
        loads = [] if a.latency else [
            dict(key=f"synthetic-{c}", title=f"Synthetic {a.size} B mail (smtp-source), {c} connection(s)",
                 kind="smtp-source", conns=c, count=a.synthetic_count) for c in a.conns]
        if self.corpus:
            if not a.latency:
                loads.append(dict(key="corpus", title=f"Real mail (corpus), load generator, {a.corpus_conns} connections",
                                  kind="loadgen", conns=a.corpus_conns, count=a.corpus_count))
            for rate in a.rates:
                # The first rate keeps the key "rate" (the table and JSON of earlier runs).
                key = "rate" if rate == a.rates[0] else f"rate-{rate:g}"
                loads.append(dict(key=key, title=f"Real mail (corpus) offered at {rate:g} msg/s, {a.rate_conns} connections",
                                  kind="loadgen", conns=a.rate_conns, count=a.rate_count, rate=rate))
        else:
            log("no corpus list: the real-mail loads are skipped (scripts/fetch-spam-corpus.sh)")
        return loads

    def client(self, load: dict, stack: Stack) -> list[str]:
        a = self.args
        to = stack.recipients()[0]
        sender = f"load@{SENDER_DOMAIN}"
        if load["kind"] == "smtp-source":
            cmd = [a.smtp_source, "-s", str(load["conns"]), "-m", str(load["count"]), "-l", str(a.size),
                   "-M", HELO, "-f", sender, "-t", to]
            if a.smtp_source_reuse:
                cmd.append("-d")
            return cmd + [f"127.0.0.1:{stack.smtp_port}"]
        cmd = [self.loadgen, "send", "--port", str(stack.smtp_port), "--conns", str(load["conns"]),
               "--count", str(load["count"]), "--corpus", str(self.corpus), "--from", sender,
               "--to", to, "--helo", HELO]
        if load.get("rate"):
            cmd += ["--rate", str(load["rate"])]
        return cmd


def run_load(load: dict, stack: Stack, meter: Meter, cmd: list[str], settle: float) -> dict:
    s0 = stack.stored()
    # Where a message's time goes (a stack that can tell: Mailsift's /metrics histograms).
    b0 = stack.breakdown() if hasattr(stack, "breakdown") else None
    c0 = meter.cpu_seconds()
    with meter.rss():
        t0 = time.monotonic()
        res = subprocess.run(cmd, capture_output=True, text=True)
        t_client = time.monotonic()
        # The stack may store after it answered (a queue): wait until every message is stored
        # or nothing moved for `settle` seconds; the span ends at the last change seen.
        expected = s0 + load["count"]
        last, t_last = stack.stored(), t_client
        while last < expected and time.monotonic() - t_last < settle:
            time.sleep(0.02)
            now = stack.stored()
            if now != last:
                last, t_last = now, time.monotonic()
        cpu = meter.cpu_seconds() - c0
    stored = last - s0
    out = dict(stored=stored, offered=load["count"], cpu_ms=(cpu * 1000 / stored) if stored else None,
               peak_rss=meter.peak_rss(), peak_pss=meter.peak_pss(), client_rc=res.returncode)
    if load["kind"] == "loadgen":
        try:
            j = json.loads(res.stdout.strip().splitlines()[-1])
            out.update(p50=j["latency_ms"]["p50"], p99=j["latency_ms"]["p99"],
                       failed=j["failed"], first_error=j["first_error"])
            # The span starts at the generator's first connection, after it read the corpus.
            t0 = max(t0, t_client - j["elapsed_s"])
        except (IndexError, ValueError, KeyError):
            out.update(failed=load["count"], first_error=(res.stderr or res.stdout).strip()[-300:])
    else:
        errs = [l for l in (res.stdout + res.stderr).splitlines() if l.strip()]
        out.update(failed=max(load["count"] - stored, 0), first_error=errs[0][:300] if errs else None)
    span = max(t_last - t0, 1e-9)
    out.update(seconds=span, msg_s=stored / span)
    if b0 is not None:
        b1 = stack.breakdown()
        out["breakdown"] = {k: b1[k] - b0.get(k, 0.0) for k in b1}
    if stored < load["count"]:
        log(f"  {stack.name}/{load['key']}: {stored} of {load['count']} stored; "
            f"client exit {res.returncode}: {out.get('first_error')}")
    return out


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=1):
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return f"{v:,}"


def table(load: dict, results: dict[str, list[dict]]) -> str:
    rows = []
    base = results.get("mailsift")
    b_msgs = med([r["msg_s"] for r in base]) if base else None
    b_cpu = med([r["cpu_ms"] for r in base]) if base else None
    lines = [f"### {load['title']}", "",
             "| stack | msg/s | CPU ms/msg | p50 ms | p99 ms | peak RSS MiB | peak PSS MiB | stored/offered | Mailsift msg/s ÷ this | this CPU ÷ Mailsift |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, rs in results.items():
        msgs = med([r["msg_s"] for r in rs])
        cpu = med([r["cpu_ms"] for r in rs])
        rss = med([r["peak_rss"] for r in rs])
        pss = med([r["peak_pss"] for r in rs])
        p50 = med([r.get("p50") for r in rs])
        p99 = med([r.get("p99") for r in rs])
        stored = sum(r["stored"] for r in rs)
        offered = sum(r["offered"] for r in rs)
        ratio = f"{b_msgs / msgs:.2f}×" if b_msgs and msgs else "–"
        cratio = f"{cpu / b_cpu:.2f}×" if b_cpu and cpu else "–"
        rows.append(f"| {name} | {fmt(msgs, 0)} | {fmt(cpu, 2)} | {fmt(p50)} | {fmt(p99)} | "
                    f"{fmt(rss / 2**20 if rss else None, 0)} | {fmt(pss / 2**20 if pss else None, 0)} | {stored}/{offered} | {ratio} | {cratio} |")
    return "\n".join(lines + rows)


# Mailsift's phases of a message, as its /metrics histograms split them (MailsiftStack.breakdown):
# (label, histogram, what is counted per count).
PHASES = [("pipeline (end of DATA to answer)", "pipeline_seconds", "message"),
          ("parse + sender auth", "pipeline_phase_seconds_auth", "message"),
          ("stages (plugins, Sieve, slot wait)", "pipeline_phase_seconds_stages", "message"),
          ("plugin calls", "plugin_call_seconds", "message"),
          ("deliver (store write)", "pipeline_phase_seconds_deliver", "message"),
          ("store: wait for the writer", "store_seconds_queue", "write"),
          ("store: run the batch's writes", "store_seconds_run", "batch"),
          ("store: commit (fdatasync)", "store_seconds_commit", "batch")]


def breakdown_table(load: dict, results: dict[str, list[dict]]) -> str | None:
    """Mean milliseconds per phase (all rounds pooled), and writes per commit."""
    lines = [f"#### Where the time goes: {load['title']}", "",
             "| stack | " + " | ".join(f"{p[0]}, ms per {p[2]}" for p in PHASES) + " | writes per commit |",
             "|---|" + "---:|" * (len(PHASES) + 1)]
    any_row = False
    for name, rs in results.items():
        bs = [r["breakdown"] for r in rs if r.get("breakdown")]
        if not bs:
            continue
        any_row = True
        tot = lambda k: sum(b.get(k, 0.0) for b in bs)  # noqa: E731
        cells = []
        for _, h, per in PHASES:
            n = tot(h + "_count")
            if h == "plugin_call_seconds":  # per message, not per call
                n = tot("pipeline_seconds_count")
            cells.append(fmt(tot(h + "_sum") * 1000 / n, 2) if n else "–")
        batches = tot("store_seconds_commit_count")
        cells.append(fmt(tot("store_seconds_queue_count") / batches, 1) if batches else "–")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) if any_row else None


def find_loadgen() -> str:
    if os.environ.get("SMTP_LOAD_BIN"):
        return os.environ["SMTP_LOAD_BIN"]
    # The dev profile (dependencies optimised, tokio included): the build the test suite already
    # made, where `cargo bench` would compile wasmtime and the library once more for the bench
    # profile. The load generator is the client; its CPU is not counted against any stack.
    log("==> cargo build --bench smtp_load")
    res = subprocess.run(["cargo", "build", "--bench", "smtp_load", "--message-format=json"],
                         cwd=ROOT, capture_output=True, text=True)
    for line in res.stdout.splitlines():
        try:
            j = json.loads(line)
        except ValueError:
            continue
        if j.get("reason") == "compiler-artifact" and j.get("target", {}).get("name") == "smtp_load" \
                and j.get("executable"):
            return j["executable"]
    sys.exit(f"could not build the load generator:\n{res.stderr[-2000:]}")


def main() -> None:
    class Help(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
        pass

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=Help)
    ap.add_argument("--stacks", help="comma-separated stack names (none: every stack found)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the tables show the median")
    ap.add_argument("--conns", type=lambda s: [int(x) for x in s.split(",")], default=[1, 16, 64],
                    help="smtp-source connection counts, comma-separated")
    ap.add_argument("--size", type=int, default=5120, help="synthetic message payload, bytes")
    ap.add_argument("--synthetic-count", type=int, default=5000, help="messages per smtp-source load")
    ap.add_argument("--corpus-conns", type=int, default=16, help="connections of the real-mail load")
    ap.add_argument("--corpus-count", type=int, default=3000, help="messages of the real-mail load")
    ap.add_argument("--rate", type=float, default=500.0, help="offered rate of load (iii), msg/s")
    ap.add_argument("--rates", type=lambda s: [float(x) for x in s.split(",")],
                    help="several offered rates of load (iii), comma-separated (default: --rate)")
    ap.add_argument("--prefill", type=int, default=0,
                    help="store N corpus messages (closed loop, --corpus-conns) before the loads, "
                         "unmeasured: the loads then run on a bigger store")
    ap.add_argument("--per-message", type=Path, metavar="DIR",
                    help="the load generator writes one line per message (due time, size, latency) "
                         "to DIR/STACK-LOAD-roundN.txt")
    ap.add_argument("--latency", action="store_true",
                    help="only the fixed-rate load(s) (iii): latency at --rates, e.g. 200,400,500")
    ap.add_argument("--rate-count", type=int, default=5000, help="messages of the fixed-rate load")
    ap.add_argument("--rate-conns", type=int, default=32, help="connections of the fixed-rate load")
    ap.add_argument("--corpus", type=Path, default=ROOT / "target" / "corpus" / "spam-assassin",
                    help="folder with train.list and test.list (scripts/fetch-spam-corpus.sh)")
    ap.add_argument("--train-count", type=int, default=0,
                    help="train on at most N messages of each class (0: the whole training list)")
    ap.add_argument("--settle", type=float, default=15.0,
                    help="seconds without a newly stored message before a load counts as done")
    ap.add_argument("--smtp-source", default=shutil.which("smtp-source") or "/usr/sbin/smtp-source",
                    help="Postfix's smtp-source")
    ap.add_argument("--smtp-source-reuse", action="store_true",
                    help="smtp-source -d: keep the connection for the next message")
    ap.add_argument("--work", type=Path, help="work directory (default: a fresh temporary one)")
    ap.add_argument("--json", type=Path, help="also write every round's figures here")
    ap.add_argument("--quick", action="store_true", help="tiny counts, one round: a smoke test")
    args = ap.parse_args()
    if args.quick:
        args.rounds, args.synthetic_count, args.corpus_count = 1, 100, 100
        args.rate, args.rate_count, args.train_count, args.settle = 50.0, 100, 20, 5.0
        args.rates = [min(r, 100.0) for r in args.rates] if args.rates else None
    args.rates = args.rates or [args.rate]

    if not args.latency and not os.access(args.smtp_source, os.X_OK):
        sys.exit(f"{args.smtp_source} missing (apt-get install postfix, or scripts/setup-bench.sh)")
    loadgen = find_loadgen()

    classes = discover_stacks()
    if args.stacks:
        wanted = args.stacks.split(",")
        classes = [c for c in classes if c.name in wanted]
        for w in set(wanted) - {c.name for c in classes}:
            log(f"stack {w!r} not found in scripts/benchlib: skipped")
    for c in list(classes):
        why = c.available() if hasattr(c, "available") else None
        if why:
            log(f"stack {c.name} skipped: {why}")
            classes.remove(c)
    if not classes:
        sys.exit("no stack to run")

    test_list = args.corpus / "test.list"
    train_list = args.corpus / "train.list"
    corpus = test_list if test_list.exists() else None
    training = train_list.exists()
    # /var/tmp, not /tmp: /tmp is often a tmpfs, where fsync costs nothing and durable commit
    # would look free.
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-inbound-", dir="/var/tmp"))
    work.mkdir(parents=True, exist_ok=True)
    if fs_type(work) in ("tmpfs", "ramfs"):
        log(f"WARNING: {work} is on {fs_type(work)}: fsync is free there, durability costs nothing")
    (work / "zone.txt").write_text(ZONE)
    floor = fsync_floor(work)
    log(f"fdatasync of 64 KB in {work}: p50 {floor[0]:.1f} ms, p99 {floor[1]:.1f} ms")
    dns = subprocess.Popen([loadgen, "dns", "--port", "0", "--zone", str(work / "zone.txt")],
                           stdout=subprocess.PIPE, text=True)
    addr = dns.stdout.readline().strip()
    if not addr:
        sys.exit("the DNS server did not start")
    dns_port = int(addr.rsplit(":", 1)[1])
    log(f"work directory {work}; DNS on {addr}; stacks: {', '.join(c.name for c in classes)}")

    loads = Loads(args, loadgen, corpus)
    plan = loads.all()
    results: dict[str, dict[str, list[dict]]] = {l["key"]: {} for l in plan}
    broken: set[str] = set()
    try:
        for rnd in range(1, args.rounds + 1):
            for cls in classes:
                if cls.name in broken:
                    continue
                stack_dir = work / f"round{rnd}" / cls.name
                stack_dir.mkdir(parents=True, exist_ok=True)
                stack = cls(stack_dir, dns_port)
                meter = Meter(stack)
                kind = meter.attach()
                log(f"round {rnd}: {cls.name} (CPU accounting: {kind})")
                try:
                    stack.start()
                    if training and corpus and hasattr(stack, "train"):
                        t = time.monotonic()
                        learned = stack.train(train_list, args.train_count or None)
                        log(f"  trained ({learned}) in {time.monotonic() - t:.1f} s")
                    if args.prefill and corpus:
                        pre = dict(key="prefill", kind="loadgen", conns=args.corpus_conns, count=args.prefill)
                        t = time.monotonic()
                        r = run_load(pre, stack, meter, loads.client(pre, stack), args.settle)
                        log(f"  prefilled {r['stored']} messages in {time.monotonic() - t:.0f} s")
                    for load in plan:
                        cmd = loads.client(load, stack)
                        if args.per_message and load["kind"] == "loadgen":
                            # One line per message (due time, size, latency): where a tail is from.
                            args.per_message.mkdir(parents=True, exist_ok=True)
                            cmd += ["--per-message",
                                    str(args.per_message / f"{cls.name}-{load['key']}-round{rnd}.txt")]
                        r = run_load(load, stack, meter, cmd, args.settle)
                        r["round"] = rnd
                        results[load["key"]].setdefault(cls.name, []).append(r)
                        log(f"  {load['key']}: {r['stored']} stored, {r['msg_s']:.0f} msg/s, "
                            f"{fmt(r['cpu_ms'], 2)} CPU ms/msg, p99 {fmt(r.get('p99'))} ms, "
                            f"peak RSS {r['peak_rss'] / 2**20:.0f} MiB, PSS {r['peak_pss'] / 2**20:.0f} MiB")
                except Exception as e:  # a stack that cannot run is reported and left out
                    log(f"stack {cls.name} failed: {e}; left out of the remaining rounds")
                    broken.add(cls.name)
                finally:
                    stack.stop()
                    meter.close()
    finally:
        dns.terminate()
        dns.wait()

    load_avg = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"# Inbound side by side, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"nproc {len(os.sched_getaffinity(0))}, load (uptime) {load_avg}; median of {args.rounds} round(s); "
          f"fdatasync of 64 KB in the work directory before the runs: p50 {floor[0]:.1f} ms, p99 {floor[1]:.1f} ms\n")
    for load in plan:
        if results[load["key"]]:
            print(table(load, results[load["key"]]) + "\n")
            if load.get("rate"):
                b = breakdown_table(load, results[load["key"]])
                if b:
                    print(b + "\n")
    if args.json:
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                         "results": results}, indent=1))


if __name__ == "__main__":
    main()
