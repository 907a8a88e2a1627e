#!/usr/bin/env bash
# Where the CPU of the inbound path goes (issue 19): one release Mailsift on loopback with the full
# default pipeline (the bundled plugins from plugins/dist, the default Sieve, durable commit, log
# level "info"), loaded with Postfix's smtp-source while `perf record` samples the server.
# Prints msg/s, server CPU ms per message (utime+stime from /proc/PID/stat over the loaded
# interval, divided by the messages stored), and the top of `perf report --no-children`.
#
#   scripts/profile-inbound.sh [N] [C] [SIZE]      (defaults 5000 messages, 16 connections, 5120 B)
# Environment:
#   SENDER_AUTH=on   check SPF/DKIM/DMARC for the loopback client (trusted_networks = []) against
#                    a local DNS server started by this script, authoritative for the sender's
#                    domain x.test as real servers are: NXDOMAIN / NODATA with the zone's SOA
#                    (RFC 2308), so negative answers are cached for NEG_TTL (default 300) s.
#                    Prints the DNS queries it received per measured message (warm: ~0).
#                    Default off ([sender_auth] enabled = false).
#   SENDER_DNS=published  x.test publishes SPF (v=spf1 ip4:127.0.0.1 -all) and DMARC (p=none);
#                    default "none": it publishes neither.
#   DNS_SOA=off      the old server: NOERROR, no records and no SOA for every name (negative
#                    answers a resolver should not cache, RFC 2308 §5).
#   PERF=0           no perf, only msg/s and CPU/msg (perf costs the server ~10-20% CPU itself).
#   PERF=stat        `perf stat` instead of `perf record`: software counters per message (task
#                    clock, context switches, migrations, futex calls, fsync/fdatasync calls),
#                    which are robust to a busy machine (no hardware counters needed).
#                    STAT_EXTRA=probe_libc:malloc adds a uprobe's count (after, as root:
#                    `perf probe -x /lib/x86_64-linux-gnu/libc.so.6 --add malloc`; a uprobe costs
#                    ~1 us per call, so take task-clock from a run without it).
#   CALLGRAPH=dwarf  perf's call graph ("fp", "dwarf" or "none"; default none: flat self time,
#                    quick to report). dwarf gives callers but its report takes minutes.
#   RECORD_EVENT=probe_libc:malloc  what `perf record` samples (default cpu-clock at 999 Hz), e.g.
#                    the malloc uprobe (set up as for STAT_EXTRA), one call in RECORD_PERIOD
#                    (default 7) recorded: with CALLGRAPH=dwarf, who allocates.
#   TOP=40           lines of the report printed.
#   WARMUP=500       messages sent (and not measured) before the measured run.
#   SOURCE_ARGS="-d" more smtp-source options, e.g. -d: keep each connection for the next message
#                    (shows what is per connection and what is per message).
#   LOAD=connect     no mail: N connections (C at a time) that read the greeting, send EHLO and
#                    QUIT, and close (the per-connection cost alone: accept, session set-up,
#                    greeting, EHLO, QUIT, close). "per message" figures are then per connection.
#   PLUGINS="spam"   the bundled plugins loaded (default all four; "" for none: what the
#                    server spends around the plugins).
#   MAILSIFT_BIN     the binary (default: target/release/mailsift, built if missing).
# Smoke run: scripts/profile-inbound.sh 300 4
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-5000}"
C="${2:-16}"
SIZE="${3:-5120}"
if [ -z "${MAILSIFT_BIN:-}" ]; then
    [ -x target/release/mailsift ] || cargo build --release --bin mailsift
    export MAILSIFT_BIN="$PWD/target/release/mailsift"
fi
command -v smtp-source >/dev/null || PATH="$PATH:/usr/sbin"
command -v smtp-source >/dev/null || { echo "profile-inbound: smtp-source missing (Debian package postfix)" >&2; exit 1; }
if [ "${PERF:-1}" != 0 ] && ! command -v perf >/dev/null; then
    echo "profile-inbound: perf missing (Debian package linux-perf), or run with PERF=0" >&2; exit 1
fi
for p in attachments lists promotions spam; do
    [ -e "plugins/dist/$p.wasm" ] || { echo "profile-inbound: plugins/dist/$p.wasm missing (scripts/build-plugins.sh)" >&2; exit 1; }
done

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')  cpus: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "binary: $MAILSIFT_BIN  messages: $N  connections: $C  size: $SIZE  sender_auth: ${SENDER_AUTH:-off}"

exec /usr/bin/python3 - "$N" "$C" "$SIZE" <<'EOF'
import os, shutil, signal, socket, subprocess, sys, tempfile, threading, time, types
from pathlib import Path
sys.path.insert(0, "tests/e2e")
from conftest import Server

n, conns, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
sender_auth = os.environ.get("SENDER_AUTH", "off") == "on"
use_perf = os.environ.get("PERF", "1") not in ("0", "stat")
use_stat = os.environ.get("PERF", "1") == "stat"
STAT_EVENTS = ["task-clock", "context-switches", "cpu-migrations", "syscalls:sys_enter_futex",
               "syscalls:sys_enter_fsync", "syscalls:sys_enter_fdatasync"]
STAT_EVENTS += [e for e in os.environ.get("STAT_EXTRA", "").split(",") if e]
callgraph = os.environ.get("CALLGRAPH", "none")
top = int(os.environ.get("TOP", "40"))
warmup = int(os.environ.get("WARMUP", "500"))
tick = os.sysconf("SC_CLK_TCK")


def dns_server():
    """A UDP DNS server on 127.0.0.1, authoritative for the sender's zone x.test as a real one
    is: the records below when SENDER_DNS=published (SPF and DMARC of the sender), NODATA for
    a name that exists without the type asked, NXDOMAIN for any other name, both with the
    zone's SOA in the authority section (RFC 2308 §2.1, §2.2, §3), whose MINIMUM and TTL
    (NEG_TTL, default 300 s) is how long a resolver keeps the negative answer. DNS_SOA=off: the
    old behaviour (NOERROR, no records, no SOA for everything: uncacheable, every lookup a
    round trip). Counts the queries it receives (`.queries`, by "name TYPE")."""
    published = os.environ.get("SENDER_DNS", "none") == "published"
    with_soa = os.environ.get("DNS_SOA", "on") != "off"
    neg_ttl = int(os.environ.get("NEG_TTL", "300"))
    zone = "x.test"
    records = {}
    if published:
        records[(zone, 16)] = [b"v=spf1 ip4:127.0.0.1 -all"]
        records[("_dmarc." + zone, 16)] = [b"v=DMARC1; p=none"]
    names = {zone} | {n for n, _ in records}
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    queries = {}

    def wire(name):
        return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".") if l) + b"\x00"

    def rr(name_wire, rtype, ttl, rdata):
        return name_wire + rtype.to_bytes(2, "big") + b"\x00\x01" + ttl.to_bytes(4, "big") \
            + len(rdata).to_bytes(2, "big") + rdata

    soa_rdata = wire("ns." + zone) + wire("hostmaster." + zone) + b"".join(
        v.to_bytes(4, "big") for v in (1, 3600, 600, 86400, neg_ttl))

    def serve():
        while True:
            try:
                q, addr = sock.recvfrom(4096)
            except OSError:
                return
            if len(q) < 12:
                continue
            # The question as asked (up to its end: skip EDNS).
            i, labels = 12, []
            while i < len(q) and q[i] != 0:
                labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace").lower())
                i += q[i] + 1
            if i + 5 > len(q):
                continue
            question = q[12:i + 5]
            qtype = int.from_bytes(q[i + 1:i + 3], "big")
            name = ".".join(labels)
            key = f"{name} {qtype}"
            queries[key] = queries.get(key, 0) + 1
            answers = [rr(b"\xc0\x0c", 16, 3600, bytes([len(t)]) + t)
                       for t in records.get((name, qtype), [])]
            rcode = 0
            authority = []
            if not answers and with_soa:
                in_zone = name == zone or name.endswith("." + zone)
                if not any(n == name or n.endswith("." + name) for n in names):
                    rcode = 3  # NXDOMAIN (a name with names below it exists: NODATA)
                authority = [rr(wire(zone if in_zone else ".".join(labels[-1:])), 6, neg_ttl,
                                soa_rdata)]
            # Header: same id; QR=1, opcode and RD copied, AA=1, RA=1, RCODE; counts.
            flags = 0x8000 | (q[2] & 0x79) << 8 | 0x0400 | 0x80 | rcode
            head = q[:2] + flags.to_bytes(2, "big") + b"\x00\x01" + len(answers).to_bytes(2, "big") \
                + len(authority).to_bytes(2, "big") + b"\x00\x00"
            sock.sendto(head + question + b"".join(answers) + b"".join(authority), addr)

    threading.Thread(target=serve, daemon=True).start()
    return types.SimpleNamespace(port=sock.getsockname()[1], queries=queries)


def cpu_ticks(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat(5))


def stored(log):
    # The message's one line at info: "message done ... code=250" once it is stored.
    return sum(1 for line in log.read_text(errors="replace").splitlines()
               if "message done" in line and "code=250" in line)


def stored_at_least(log, count):
    """The stored count once it reaches `count`: the server writes its log lines in batches
    (`[log] flush_ms`, 5 ms), so the last lines land a few ms after the last reply."""
    deadline = time.time() + 2
    while (got := stored(log)) < count and time.time() < deadline:
        time.sleep(0.01)
    return got


def connect_load(port, count):
    """LOAD=connect: `count` sessions, `conns` at a time, of greeting, EHLO, QUIT and close."""
    left = [count]
    lock = threading.Lock()

    def reply(f):
        # Lines until the last of a reply ("250 " rather than "250-").
        while True:
            line = f.readline()
            if not line or line[3:4] != b"-":
                return line

    def worker():
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            with socket.create_connection(("127.0.0.1", port)) as s, s.makefile("rb") as f:
                assert reply(f).startswith(b"220 ")
                s.sendall(b"EHLO client.x.test\r\n")
                assert reply(f).startswith(b"250 ")
                s.sendall(b"QUIT\r\n")
                assert reply(f).startswith(b"221 ")

    threads = [threading.Thread(target=worker) for _ in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


load_connect = os.environ.get("LOAD", "mail") == "connect"


def offer(port, count):
    if load_connect:
        return connect_load(port, count)
    cmd = ["smtp-source", "-s", str(conns), "-m", str(count), "-l", str(size),
           "-f", "a@x.test", "-t", "user@bench.test",
           *os.environ.get("SOURCE_ARGS", "").split(), f"127.0.0.1:{port}"]
    subprocess.run(cmd, check=True, timeout=1800)


work = Path(tempfile.mkdtemp(prefix="mailsift-profile-"))
dns = dns_server() if sender_auth else None
srv = Server(work)
text = srv.config.read_text().replace('level = "info,mailsift=debug"', 'level = "info"', 1)
if sender_auth:
    text += ('\n[sender_auth]\nenabled = true\ntrusted_networks = []\n'
             f'\n[dns]\nnameservers = ["127.0.0.1:{dns.port}"]\ntimeout_ms = 500\n')
else:
    text += '\n[sender_auth]\nenabled = false\n'
srv.config.write_text(text)
plugins = srv.data / "plugins"
plugins.mkdir(parents=True)
for p in os.environ.get("PLUGINS", "attachments lists promotions spam").split():
    shutil.copy(f"plugins/dist/{p}.wasm", plugins)
srv.start()
perf = None
try:
    srv.add_user("user@bench.test")
    pid = srv.proc.pid
    port = srv.port("smtp")
    if warmup:
        offer(port, warmup)
    before_msgs = 0 if load_connect else stored_at_least(srv.log, warmup)
    before_cpu = cpu_ticks(pid)
    before_dns = dict(dns.queries) if dns else {}
    if use_perf:
        data = work / "perf.data"
        cg = [] if callgraph == "none" else ["--call-graph", callgraph]
        event = os.environ.get("RECORD_EVENT", "cpu-clock")
        rate = ["-F", "999"] if event == "cpu-clock" else ["-c", os.environ.get("RECORD_PERIOD", "7")]
        perf = subprocess.Popen(["perf", "record", "-q", "-e", event, *rate, *cg,
                                 "-o", str(data), "-p", str(pid)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
    if use_stat:
        stat_out = work / "perf-stat.csv"
        perf = subprocess.Popen(["perf", "stat", "-x", ",", "-o", str(stat_out),
                                 "-e", ",".join(STAT_EVENTS), "-p", str(pid)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
    t0 = time.time()
    offer(port, n)
    elapsed = time.time() - t0
    # Replies come after the commit, so every message is stored once smtp-source returns.
    msgs = n if load_connect else stored_at_least(srv.log, before_msgs + n) - before_msgs
    cpu = (cpu_ticks(pid) - before_cpu) / tick
    if perf:
        perf.send_signal(signal.SIGINT)
        perf.wait(120)
    if use_stat:
        per = {}
        for line in stat_out.read_text().splitlines():
            f = line.split(",")
            if len(f) > 2 and f[0].replace(".", "", 1).isdigit():
                per[f[2]] = float(f[0])
        print("per message: " + "  ".join(
            f"{e.replace('syscalls:sys_enter_', '')}: {per.get(e, 0) / max(msgs, 1):.3f}"
            + (" ms" if e == "task-clock" else "") for e in STAT_EVENTS))
        perf = None
    print(f"stored: {msgs} of {n}  time: {elapsed:.2f} s  msg/s: {msgs / elapsed:.0f}  "
          f"server CPU: {cpu:.2f} s = {1000 * cpu / max(msgs, 1):.3f} ms/msg"
          f"{' (perf running: +its overhead)' if use_perf else ''}")
    if dns:
        sent = {k: v - before_dns.get(k, 0) for k, v in dns.queries.items() if v > before_dns.get(k, 0)}
        total = sum(sent.values())
        print(f"DNS queries received during the measured run: {total} = {total / max(msgs, 1):.3f} "
              f"per message ({', '.join(f'{k}: {v}' for k, v in sorted(sent.items())) or 'none'}); "
              f"warm-up: {sum(before_dns.values())} ({', '.join(sorted(before_dns)) or 'none'})")
    rss = Path(f"/proc/{pid}/status").read_text().split("VmHWM:")[1].split("\n")[0].strip()
    print(f"peak RSS: {rss}")
finally:
    srv.stop()
    # Only perf.data is kept (the report reads it); the server's store and logs go.
    shutil.rmtree(srv.data, ignore_errors=True)
    if not perf:
        shutil.rmtree(work, ignore_errors=True)
if perf:
    # --no-inline: resolving inlined frames through addr2line takes minutes on a dwarf profile.
    base = ["perf", "report", "-i", str(data), "--no-children", "--no-inline", "--stdio"]

    def show(args, limit):
        out = subprocess.run(base + args, capture_output=True, text=True).stdout
        lines = [l.rstrip() for l in out.splitlines() if l.strip() and not l.startswith("#")]
        print("\n".join(lines[:limit]))

    print("-- CPU samples by binary ([JIT]: the plugins' WebAssembly) --")
    show(["-g", "none", "--sort", "dso"], 12)
    print("-- top functions (self time) --")
    show(["-g", "none", "--sort", "symbol", "--percent-limit", "0.3"], top)
    if callgraph != "none":
        print("-- callers of the top functions --")
        show(["--sort", "symbol", "--percent-limit", "2", "-g", "caller,0.5,callee,function,percent"], 20 * top)
    print(f"(perf data: {data}; more: perf report -i {data} --no-children --no-inline)")
EOF
