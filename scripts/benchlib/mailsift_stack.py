"""Mailsift as a stack under test (stack.py): the release binary (MAILSIFT_BIN, else
target/release/mailsift) on a fresh data directory with the FULL default pipeline: the four
bundled plugins (attachments, lists, promotions, spam; from plugins/dist), the built-in default
Sieve script, durable commit (nothing about the store is changed), and sender authentication
ON for loopback clients: `[sender_auth] trusted_networks = []` (its default trusts 127.0.0.0/8,
which would skip SPF/DKIM/DMARC for every benchmark message) with the resolver pointed at the
benchmark's DNS server (`[dns] nameservers`). Log level info, as in production.

Only what loopback load needs differs from the defaults: the per-address connection cap (50)
exempts 127.0.0.0/8, since every benchmark connection comes from one address.

`stored()` reads `mailsift_messages_delivered_total` from /metrics: copies committed to local
mailboxes (counted after the store write returns, i.e. after fsync), one per message when each
message has one recipient, as in the benchmark.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from .stack import Stack

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ("attachments", "lists", "promotions", "spam")
DOMAIN = "mailsift.bench.test"

CONFIG = """\
hostname = "mx.{domain}"
data_dir = "{data}"

[limits]
# Every benchmark connection comes from 127.0.0.1: the per-address cap (50) would refuse the rest.
connection_limit_exempt = ["127.0.0.0/8"]
max_connections = 10000

[log]
level = "info"

[plugins]
enabled = true
{plugins_extra}

[dns]
nameservers = ["127.0.0.1:{dns_port}"]

[sender_auth]
enabled = true
# The default trusts loopback (no checks); the benchmark's clients are loopback, and production
# checks every inbound sender, so nothing is trusted here.
trusted_networks = []

[outbound]
smart_host = "127.0.0.1:9"

[[listener]]
name = "smtp"
protocol = "smtp"
address = "127.0.0.1:0"
tls = "starttls"

[[listener]]
name = "http"
protocol = "http"
address = "127.0.0.1:0"
tls = "none"
"""


class MailsiftStack(Stack):
    name = "mailsift"

    def __init__(self, work: Path, dns_port: int | None = None):
        super().__init__(work, dns_port)
        self.bin = os.environ.get("MAILSIFT_BIN", str(ROOT / "target" / "release" / "mailsift"))
        self.data = work / "data"
        self.config = work / "mailsift.toml"
        self.log = work / "server.log"
        self.proc: subprocess.Popen | None = None
        self.http_port = 0

    # -- helpers -----------------------------------------------------------------------------------
    def cli(self, *args: str) -> str:
        res = subprocess.run([self.bin, "--config", str(self.config), *args],
                             capture_output=True, text=True, timeout=600)
        if res.returncode != 0:
            raise RuntimeError(f"mailsift {' '.join(args)}: {res.stderr.strip()}")
        return res.stdout

    @staticmethod
    def available() -> str | None:
        """None when the stack can run, else why not."""
        missing = [p for p in BUNDLED if not (ROOT / "plugins" / "dist" / f"{p}.wasm").exists()]
        if missing:
            return f"plugins/dist lacks {', '.join(missing)} (run scripts/build-plugins.sh)"
        return None

    # -- Stack ---------------------------------------------------------------------------------
    def start(self) -> None:
        if not Path(self.bin).exists():
            raise RuntimeError(f"{self.bin} not found (cargo build --release --bin mailsift)")
        if self.dns_port is None:
            raise RuntimeError("MailsiftStack needs the benchmark's DNS server (dns_port)")
        (self.data / "plugins").mkdir(parents=True, exist_ok=True)
        for p in BUNDLED:
            shutil.copy(ROOT / "plugins" / "dist" / f"{p}.wasm", self.data / "plugins" / f"{p}.wasm")
        # MAILSIFT_BENCH_KV_CACHE_MB: `[plugins] kv_cache_mb` for an A/B of the key-value read cache
        # (unset: the default).
        kv = os.environ.get("MAILSIFT_BENCH_KV_CACHE_MB", "")
        extra = f"kv_cache_mb = {int(kv)}" if kv else ""
        self.config.write_text(CONFIG.format(domain=DOMAIN, data=self.data, dns_port=self.dns_port,
                                             plugins_extra=extra))
        listeners = self.data / "listeners.json"
        listeners.unlink(missing_ok=True)
        logf = open(self.log, "ab")
        self.proc = self.spawn([self.bin, "--config", str(self.config), "serve"],
                               stdout=logf, stderr=subprocess.STDOUT)
        logf.close()
        deadline = time.time() + 120
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mailsift exited early; see {self.log}")
            if time.time() > deadline:
                raise RuntimeError(f"mailsift did not start in time; see {self.log}")
            try:
                ports = {k: int(v.rsplit(":", 1)[1])
                         for k, v in json.loads(listeners.read_text()).items()}
                self.smtp_port, self.http_port = ports["smtp"], ports["http"]
                break
            except (OSError, ValueError, KeyError):
                time.sleep(0.05)
        self.cli("domain", "add", DOMAIN)
        for r in self.recipients():
            self.cli("account", "add", r)

    def train(self, list_file: Path | str, limit: int | None = None) -> dict:
        """Trains the spam plugin's global model (on top of its bundled starting model) with
        `mailsift spam train`, as an administrator would, on a corpus list (`spam PATH`/`ham PATH`
        lines, paths relative to the list's folder): up to `limit` messages of each class. The
        same signature as the Postfix + Rspamd stack's `train`."""
        list_file = Path(list_file)
        paths: dict[str, list[str]] = {"spam": [], "ham": []}
        for line in list_file.read_text().splitlines():
            label, _, rel = line.partition(" ")
            if label in paths and rel and (limit is None or len(paths[label]) < limit):
                paths[label].append(str(list_file.parent / rel))
        args = [a for label, files in paths.items() if files for a in (f"--{label}", *files)]
        if args:
            self.cli("spam", "train", *args)
        return {label: len(files) for label, files in paths.items()}

    def pids(self) -> list[int]:
        return [self.proc.pid] if self.proc and self.proc.poll() is None else []

    def recipients(self) -> list[str]:
        return [f"bench@{DOMAIN}"]

    def stored(self) -> int:
        url = f"http://127.0.0.1:{self.http_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as r:
            text = r.read().decode()
        return int(sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                       if line.startswith("mailsift_messages_delivered_total{")))

    def breakdown(self) -> dict[str, float]:
        """Sums and counts of the histograms that split a message's time (bench_inbound.PHASES),
        summed over their labels: `NAME_sum`, `NAME_count`; the store's by phase
        (`store_seconds_queue_sum`, ...). A binary without a histogram lacks its keys."""
        url = f"http://127.0.0.1:{self.http_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as r:
            text = r.read().decode()
        out: dict[str, float] = {}
        for line in text.splitlines():
            if not line.startswith("mailsift_") or " " not in line:
                continue
            name, _, value = line.rpartition(" ")
            base, _, labels = name.partition("{")
            base = base[len("mailsift_"):]
            for suffix in ("_sum", "_count"):
                if not base.endswith(suffix):
                    continue
                metric = base[: -len(suffix)]
                if metric in ("store_seconds", "pipeline_phase_seconds"):
                    phase = labels.split('phase="', 1)[-1].split('"', 1)[0]
                    metric = f"{metric}_{phase}"
                key = metric + suffix
                out[key] = out.get(key, 0.0) + float(value)
        return out

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class MailsiftBaseStack(MailsiftStack):
    """A second Mailsift binary (MAILSIFT_BASE_BIN), e.g. the main branch's, run in the same
    interleaved rounds as `mailsift`: a before/after of two builds under the same load."""
    name = "mailsift-base"

    def __init__(self, work: Path, dns_port: int | None = None):
        super().__init__(work, dns_port)
        self.bin = os.environ.get("MAILSIFT_BASE_BIN", "")

    @staticmethod
    def available() -> str | None:
        if not os.environ.get("MAILSIFT_BASE_BIN"):
            return "MAILSIFT_BASE_BIN is not set"
        return MailsiftStack.available()
