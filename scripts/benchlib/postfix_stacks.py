"""The comparison stacks of the inbound benchmark (issue 19, item 1(b)), built from Debian's
packages (scripts/setup-bench.sh installs them), each a private instance under the stack's work
directory on loopback ports; the system's own services and /etc configs are never touched:

- `PostfixDovecot`: Postfix smtpd → queue (fsync) → LMTP → Dovecot (maildir, fsync on save).
- `PostfixRspamdDovecot`: the same with Rspamd as a milter of smtpd (its proxy worker in milter
  mode in front of its normal workers, Bayes trained in a private Redis, DNS through the bench's
  local DNS server) — add-header and reject at Rspamd's default thresholds.

Smoke test (both stacks, 20 messages each): `python3 scripts/benchlib/postfix_stacks.py`.
"""
from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchlib.stack import Stack
else:
    from .stack import Stack

POSTFIX = "/usr/sbin/postfix"
DOVECOT = "/usr/sbin/dovecot"
RSPAMD = "/usr/bin/rspamd"
RSPAMC = "/usr/bin/rspamc"
REDIS = "/usr/bin/redis-server"

DOMAIN = "bench.test"
USERS = ("user1", "user2", "user3", "user4")

# Rspamd's compiled Hyperscan databases, shared by every run (see RSPAMD_LOCAL).
HS_CACHE = Path(os.environ.get("BENCH_RSPAMD_HS_CACHE", "/var/tmp/mailsift-bench-rspamd-hs"))

# Unix sockets are limited to 108 bytes (sun_path); Dovecot keeps its sockets in base_dir.
SUN_PATH_MAX = 100


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout: float, what: str, log: Path | None = None, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(interval)
    tail = ""
    if log is not None and log.exists():
        tail = "\n--- " + str(log) + " (tail) ---\n" + "\n".join(log.read_text(errors="replace").splitlines()[-30:])
    raise RuntimeError(f"timed out after {timeout}s waiting for {what}{tail}")


def smtp_ready(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.settimeout(2)
            return s.recv(100).startswith(b"220")
    except OSError:
        return False


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def descendants(roots: list[int]) -> list[int]:
    """`roots` that are alive and every process below them (from /proc's parent links)."""
    children: dict[int, list[int]] = {}
    alive = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
        fields = stat[stat.rfind(")") + 2:].split()
        if not fields or fields[0] == "Z":
            continue
        pid, ppid = int(entry), int(fields[1])
        alive.add(pid)
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [p for p in roots if p in alive]
    while todo:
        pid = todo.pop()
        if pid in out:
            continue
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def traversable(path: Path) -> bool:
    """Whether other users (postfix, dovecot, _rspamd) can reach `path`."""
    p = path.resolve()
    for d in [p, *p.parents]:
        if not os.stat(d).st_mode & 0o001:
            return False
    return True


# Every daemon without a chroot (a chroot would need copies of /etc files in the queue dir).
# Only what the bench needs: no pickup/flush/showq clients are used, but `postfix check` and
# the bounce path want the usual services.
MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
maillog_file = {log}
maillog_file_prefixes = {root}
myhostname = mx.{domain}
mydomain = {domain}
myorigin = {domain}
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
smtp_dns_support_level = disabled
# Local recipients: the bench's domain, delivered to the private Dovecot over LMTP.
virtual_mailbox_domains = {domain}
virtual_mailbox_maps = inline:{{ {mailboxes} }}
virtual_transport = lmtp:{lmtp}
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = reject_unauth_destination
# 64 client connections: enough smtpd processes, and no per-client limit on loopback
# (the default exceptions are $mynetworks; stated here so a changed default does not bite).
default_process_limit = 150
smtpd_client_connection_count_limit = 0
smtpd_client_event_limit_exceptions = 127.0.0.0/8
lmtp_destination_concurrency_limit = 32
lmtp_destination_recipient_limit = 50
message_size_limit = 52428800
{extra}"""

DOVECOT_CONF = """\
base_dir = {run}
state_dir = {state}
instance_name = bench-dovecot-{tag}
protocols = lmtp
listen = 127.0.0.1
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
log_path = {d}/dovecot.log
ssl = no
first_valid_uid = 0
# mail_fsync = optimized (the default): the message file is fsynced before LMTP's 250.
passdb {{
  driver = static
  args = password=bench
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={mail}/%n allow_all_users=yes
}}
mail_location = maildir:{mail}/%n/Maildir
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Junk {{
    special_use = \\Junk
  }}
}}
lmtp_rcpt_check_quota = no
service lmtp {{
{lmtp_listener}
}}
service anvil {{
  chroot =
}}
"""


class _Base(Stack):
    """Postfix → LMTP → Dovecot; subclasses add a milter."""

    name = "postfix-dovecot"

    def __init__(self, work: Path, dns_port: int | None = None, domain: str = DOMAIN, users=USERS):
        super().__init__(work, dns_port)
        self.domain = domain
        self.users = list(users)
        self.work.mkdir(parents=True, exist_ok=True)
        # The daemons run as postfix/dovecot/_rspamd and must reach their directories; a
        # private work dir (e.g. under a 0700 temp dir) gets a traversable twin on the same
        # kind of disk (/var/tmp: not tmpfs, so fsync means what it does in production),
        # linked from the work dir for inspection.
        if traversable(self.work) and len(str(self.work)) < SUN_PATH_MAX - 30:
            os.chmod(self.work, 0o755)
            self.root = self.work
        else:
            self.root = Path(tempfile.mkdtemp(prefix=f"{self.name}-", dir="/var/tmp"))
            os.chmod(self.root, 0o755)
            link = self.work / "root"
            if not link.exists():
                link.symlink_to(self.root)
        self.mail = self.root / "mail"
        self.rejected_count = 0
        self._roots: dict[str, int] = {}
        self._procs: list[subprocess.Popen] = []
        self._log_files: list = []

    # ---------- interface ----------

    def recipients(self) -> list[str]:
        return [f"{u}@{self.domain}" for u in self.users]

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def pids(self) -> list[int]:
        return descendants(list(self._roots.values()))

    def stored(self) -> int:
        """Messages in the maildirs (new/ and cur/ of every folder: Dovecot renames from tmp/ only
        once the file is fsynced), plus for the milter stack the messages Rspamd rejected (they
        are finished with: see `rejected()`)."""
        n = 0
        if self.mail.is_dir():
            for user in os.scandir(self.mail):
                maildir = Path(user.path) / "Maildir"
                folders = [maildir]
                try:
                    folders += [Path(e.path) for e in os.scandir(maildir) if e.name.startswith(".") and e.is_dir()]
                except OSError:
                    continue
                for folder in folders:
                    for sub in ("new", "cur"):
                        try:
                            n += sum(1 for _ in os.scandir(folder / sub))
                        except OSError:
                            pass
        return n + self.rejected()

    def rejected(self) -> int:
        return 0

    def stop(self) -> None:
        # Postfix first (it stops accepting and stops its LMTP clients), then the rest.
        if (self.root / "etc" / "main.cf").exists() and "postfix" in self._roots:
            subprocess.run([POSTFIX, "-c", str(self.root / "etc"), "stop"], capture_output=True, timeout=60)
        everything = self.pids()
        for pid in list(self._roots.values()):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(p) for p in everything):
            time.sleep(0.1)
        # Whatever is left (and anything else in the stack's own cgroups): SIGKILL.
        leftovers = set(p for p in everything if _alive(p))
        for g in self.cgroups:
            try:
                leftovers.update(int(x) for x in (g / "cgroup.procs").read_text().split())
            except OSError:
                pass
        leftovers.discard(os.getpid())
        for pid in leftovers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for p in self._procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass
        for f in self._log_files:
            f.close()
        self._log_files.clear()
        self._roots.clear()
        self._procs.clear()
        # A socket directory made outside the work dir (long paths) goes with the stack.
        run = getattr(self, "dovecot_run", None)
        if run is not None and not str(run).startswith(str(self.root)):
            shutil.rmtree(run, ignore_errors=True)

    # ---------- building blocks ----------

    def _daemon(self, name: str, args: list[str], log: Path) -> subprocess.Popen:
        out = open(log, "ab")
        self._log_files.append(out)
        proc = self.spawn(args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        self._procs.append(proc)
        self._roots[name] = proc.pid
        return proc

    def _start(self) -> None:
        self._start_dovecot()
        self._start_milter()
        self._start_postfix()

    def _start_milter(self) -> None:
        pass

    def _milter_cf(self) -> str:
        return ""

    def _start_dovecot(self) -> None:
        d = self.root / "dovecot"
        d.mkdir(exist_ok=True)
        # base_dir holds Dovecot's sockets: keep it short enough for sun_path.
        run = d / "run"
        if len(str(run)) > SUN_PATH_MAX - 25:
            run = Path(tempfile.mkdtemp(prefix="bdc-", dir="/tmp"))
        run.mkdir(exist_ok=True)
        os.chmod(run, 0o755)
        (d / "state").mkdir(exist_ok=True)
        self.mail.mkdir(exist_ok=True)
        if os.getuid() == 0:
            # Dovecot runs no login process as root and no mail process as uid 0.
            internal, login, mail_user = "dovecot", "dovenull", "dovecot"
            internal_group = mail_group = "dovecot"
            shutil.chown(self.mail, mail_user, mail_group)
        else:
            internal = login = mail_user = pwd.getpwuid(os.getuid()).pw_name
            internal_group = mail_group = str(os.getgid())
        lmtp_socket = run / "bench-lmtp"
        if len(str(lmtp_socket)) < SUN_PATH_MAX:
            # A Unix socket as in the usual Postfix+Dovecot setups; the Postfix lmtp client
            # (user postfix) connects to it.
            listener = f"  unix_listener {lmtp_socket.name} {{\n    mode = 0666\n  }}"
            self.lmtp = f"unix:{lmtp_socket}"
        else:
            port = free_port()
            listener = f"  inet_listener lmtp {{\n    address = 127.0.0.1\n    port = {port}\n  }}"
            self.lmtp = f"inet:127.0.0.1:{port}"
        self.dovecot_run = run
        conf = d / "dovecot.conf"
        conf.write_text(DOVECOT_CONF.format(
            d=d, run=run, state=d / "state", tag=os.getpid() ^ id(self) & 0xFFFF, mail=self.mail,
            internal_user=internal, internal_group=internal_group, login_user=login,
            mail_user=mail_user, mail_group=mail_group, lmtp_listener=listener))
        self._daemon("dovecot", [DOVECOT, "-F", "-c", str(conf)], d / "stderr.log")
        if self.lmtp.startswith("unix:"):
            wait_until(lmtp_socket.exists, 20, "Dovecot's LMTP socket", d / "dovecot.log")
        else:
            wait_until(lambda: port_open(int(self.lmtp.rsplit(":", 1)[1])), 20, "Dovecot's LMTP port", d / "dovecot.log")

    def _start_postfix(self) -> None:
        conf, queue, data = self.root / "etc", self.root / "spool", self.root / "data"
        log = self.root / "postfix.log"
        owner = pwd.getpwnam("postfix")
        for d in (conf, queue, data):
            d.mkdir(exist_ok=True)
        os.chown(data, owner.pw_uid, owner.pw_gid)
        self.smtp_port = free_port()
        (conf / "master.cf").write_text(MASTER_CF.format(port=self.smtp_port))
        mailboxes = ", ".join(f"{a}={a.split('@')[0]}/" for a in self.recipients())
        (conf / "main.cf").write_text(MAIN_CF.format(
            queue=queue, data=data, log=log, root=self.root, domain=self.domain,
            mailboxes=mailboxes, lmtp=self.lmtp, extra=self._milter_cf()))
        # `postfix start` runs the integrity checks (they create the queue's subdirectories),
        # then the master daemonises; its pid is in the queue's pid file. It forks inside the
        # cgroups spawn() put it in, so every Postfix daemon is counted.
        res = self.spawn([POSTFIX, "-c", str(conf), "start"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out, _ = res.communicate(timeout=120)
        if res.returncode != 0:
            raise RuntimeError(f"postfix start failed: {out.decode(errors='replace')}")
        pidfile = queue / "pid" / "master.pid"
        wait_until(lambda: pidfile.exists() and pidfile.read_text().strip().isdigit(), 20, "Postfix's master.pid", log)
        self._roots["postfix"] = int(pidfile.read_text().strip())
        wait_until(lambda: smtp_ready(self.smtp_port), 30, "Postfix's smtpd", log)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


class PostfixDovecot(_Base):
    name = "postfix-dovecot"


RSPAMD_CONF = """\
# A private top-level config: Debian's rules and modules from $CONFDIR (/etc/rspamd, read only),
# our overrides from $LOCAL_CONFDIR, and our own workers on loopback ports.
.include "$CONFDIR/common.conf"

options {{
    pidfile = "{run}/rspamd.pid";
    .include "$CONFDIR/options.inc"
    .include(try=true; priority=1,duplicate=merge) "$LOCAL_CONFDIR/local.d/options.inc"
    .include(try=true; priority=10) "$LOCAL_CONFDIR/override.d/options.inc"
}}

logging {{
    type = "file";
    filename = "{d}/rspamd.log";
    .include "$CONFDIR/logging.inc"
}}

worker "normal" {{
    bind_socket = "127.0.0.1:{normal_port}";
    .include "$CONFDIR/worker-normal.inc"
}}

worker "controller" {{
    bind_socket = "127.0.0.1:{controller_port}";
    .include "$CONFDIR/worker-controller.inc"
}}

worker "rspamd_proxy" {{
    bind_socket = "127.0.0.1:{proxy_port}";
    .include "$CONFDIR/worker-proxy.inc"
    .include(try=true; priority=10) "$LOCAL_CONFDIR/override.d/worker-proxy.inc"
}}
"""

RSPAMD_LOCAL = {
    # The bench's DNS server and nothing else. check_local: loopback is where the load comes
    # from, and the Mailsift row authenticates senders on loopback too (SPF, DMARC run).
    "local.d/options.inc": """\
dns {{
    nameserver = ["127.0.0.1:{dns_port}"];
}}
check_local = true;
# Compiled Hyperscan databases (the TLD list alone takes a minute to compile on a busy 2-core
# machine) are keyed by content hash: one cache serves every run.
hs_cache_dir = "{hs_cache}";
""",
    # Proxy in milter mode in front of the normal workers (the usual Postfix+Rspamd layout).
    "override.d/worker-proxy.inc": """\
milter = yes;
timeout = 120s;
upstream "local" {{
    default = yes;
    hosts = "127.0.0.1:{normal_port}";
}}
count = 1;
spam_header = "X-Spam";
reject_message = "Spam message rejected";
""",
    "local.d/redis.conf": 'servers = "127.0.0.1:{redis_port}";\n',
    # Bayes in Redis (the default backend), trained by train(); no autolearn (a fixed model
    # while measuring).
    "local.d/classifier-bayes.conf": 'backend = "redis";\nautolearn = false;\n',
    # Phoning home: the fuzzy storage is rspamd.com's. Greylisting would tempfail the first
    # delivery of scored mail and the load generator does not retry; its action goes too.
    "local.d/fuzzy_check.conf": "enabled = false;\n",
    "local.d/greylist.conf": "enabled = false;\n",
    "local.d/actions.conf": "greylist = null;\n",
}


class PostfixRspamdDovecot(_Base):
    """Postfix + Rspamd (milter) → LMTP → Dovecot. Actions at Rspamd's defaults: add header at
    6, reject at 15 (rejected messages are counted by `rejected()` and in `stored()`)."""

    name = "postfix-rspamd-dovecot"

    def _start_milter(self) -> None:
        if self.dns_port is None:
            raise ValueError("PostfixRspamdDovecot needs the bench's DNS server (dns_port)")
        d = self.root / "rspamd"
        for sub in ("", "local/local.d", "local/override.d", "run", "db", "redis"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        user = "_rspamd"
        for sub in ("", "run", "db"):
            shutil.chown(d / sub, user, user)
        self.redis_port = free_port()
        self.normal_port, self.controller_port, self.proxy_port = free_port(), free_port(), free_port()
        # Redis: its defaults (RDB snapshots), in our directory, loopback only.
        self._daemon("redis", [REDIS, "--port", str(self.redis_port), "--bind", "127.0.0.1",
                               "--dir", str(d / "redis"), "--daemonize", "no",
                               "--logfile", str(d / "redis" / "redis.log")], d / "redis" / "stderr.log")
        wait_until(lambda: port_open(self.redis_port), 20, "Redis", d / "redis" / "redis.log")
        HS_CACHE.mkdir(parents=True, exist_ok=True)
        shutil.chown(HS_CACHE, user, user)
        vals = dict(dns_port=self.dns_port, normal_port=self.normal_port, redis_port=self.redis_port,
                    hs_cache=HS_CACHE)
        for rel, text in RSPAMD_LOCAL.items():
            (d / "local" / rel).write_text(text.format(**vals))
        conf = d / "rspamd.conf"
        conf.write_text(RSPAMD_CONF.format(d=d, run=d / "run", normal_port=self.normal_port,
                                           controller_port=self.controller_port, proxy_port=self.proxy_port))
        self.rspamd_log = d / "rspamd.log"
        args = [RSPAMD, "-f", "-c", str(conf), "-u", user, "-g", user,
                f"--var=LOCAL_CONFDIR={d / 'local'}", f"--var=DBDIR={d / 'db'}",
                f"--var=RUNDIR={d / 'run'}", f"--var=LOGDIR={d}"]
        self._daemon("rspamd", args, d / "stderr.log")
        wait_until(lambda: port_open(self.proxy_port) and port_open(self.controller_port), 600,
                   "Rspamd's proxy and controller", self.rspamd_log)

    def _milter_cf(self) -> str:
        return (
            f"smtpd_milters = inet:127.0.0.1:{self.proxy_port}\n"
            "non_smtpd_milters = $smtpd_milters\n"
            "milter_default_action = accept\n"
            "milter_protocol = 6\n"
            "milter_mail_macros = i {mail_addr} {client_addr} {client_name} {auth_authen}\n"
        )

    def rejected(self) -> int:
        """Messages Rspamd's milter rejected (from Postfix's log), read incrementally."""
        log = self.root / "postfix.log"
        try:
            with open(log, "rb") as f:
                f.seek(getattr(self, "_log_pos", 0))
                chunk = f.read()
        except OSError:
            return self.rejected_count
        end = chunk.rfind(b"\n") + 1
        self._log_pos = getattr(self, "_log_pos", 0) + end
        self.rejected_count += chunk[:end].count(b": milter-reject: END-OF-MESSAGE")
        return self.rejected_count

    def train(self, list_file: Path | str, limit: int | None = None) -> dict:
        """Train Rspamd's Bayes with `rspamc learn_spam`/`learn_ham` on a corpus list (`spam
        PATH`/`ham PATH` lines, paths relative to the list's directory, as written by
        scripts/fetch-spam-corpus.sh): up to `limit` messages of each class. Rspamd's Bayes
        classifies only after 200 of each (min_learns)."""
        list_file = Path(list_file)
        paths: dict[str, list[str]] = {"spam": [], "ham": []}
        for line in list_file.read_text().splitlines():
            label, _, rel = line.partition(" ")
            if label in paths and rel and (limit is None or len(paths[label]) < limit):
                paths[label].append(str(list_file.parent / rel))
        learned = {}
        for label, files in paths.items():
            if len(files) < 200:
                print(f"{self.name}: only {len(files)} {label} messages to learn; Rspamd's Bayes needs 200", file=sys.stderr)
            ok = 0
            for i in range(0, len(files), 200):
                res = subprocess.run(
                    [RSPAMC, "-h", f"127.0.0.1:{self.controller_port}", "-n", "4", "-t", "60",
                     f"learn_{label}", *files[i:i + 200]],
                    capture_output=True, text=True, timeout=1800)
                if res.returncode != 0 and "success = true" not in res.stdout:
                    raise RuntimeError(f"rspamc learn_{label} failed: {res.stderr.strip() or res.stdout[-500:]}")
                ok += res.stdout.count("success = true")
            learned[label] = ok
        return learned

    def bayes_learns(self) -> dict:
        """Learned counts per class from `rspamc stat` (the controller refreshes them from Redis
        every few seconds, so they lag a fresh training)."""
        res = subprocess.run([RSPAMC, "-h", f"127.0.0.1:{self.controller_port}", "stat"],
                             capture_output=True, text=True, timeout=60)
        return {m.group(1): int(m.group(2))
                for m in re.finditer(r"Statfile: (BAYES_\w+) .*?learned: (\d+)", res.stdout)}


# ---------- smoke test ----------

class _NxDns:
    """A DNS server on 127.0.0.1 answering NXDOMAIN to everything (UDP), with an SOA in the
    authority section as an authoritative server's (RFC 2308 §2.1, §3: the answer is cached for
    the SOA's 300 s): enough for a smoke test; the benchmark driver runs the real zone server."""

    # The root's SOA: owner ".", type 6, class IN, TTL 300; mname and rname "."; serial,
    # refresh, retry, expire, minimum (300).
    SOA = (b"\0" + (6).to_bytes(2, "big") + (1).to_bytes(2, "big") + (300).to_bytes(4, "big")
           + (22).to_bytes(2, "big") + b"\0\0"
           + b"".join(v.to_bytes(4, "big") for v in (1, 3600, 600, 86400, 300)))

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                q, addr = self.sock.recvfrom(4096)
            except OSError:
                return
            if len(q) < 12:
                continue
            # The question as asked (up to its end: EDNS left out).
            i = 12
            while i < len(q) and q[i] != 0:
                i += q[i] + 1
            if i + 5 > len(q):
                continue
            # Header: same id, QR=1, opcode/RD copied, AA=1, RA=1, RCODE=3 (RFC 1035 §4.1.1);
            # qd=1 an=0 ns=1 ar=0; the question echoed, the SOA.
            flags = bytes([0x80 | (q[2] & 0x79) | 0x04, 0x80 | 3])
            self.sock.sendto(q[:2] + flags + b"\0\1\0\0\0\1\0\0" + q[12:i + 5] + self.SOA, addr)


def _smoke(cls, base: Path, count: int = 20, corpus: Path | None = None, limit: int = 250) -> None:
    from email.message import EmailMessage

    dns = _NxDns()
    stack = cls(base / cls.name, dns_port=dns.port)
    t0 = time.monotonic()
    try:
        stack.start()
        print(f"{cls.name}: started in {time.monotonic() - t0:.1f}s, smtp on {stack.smtp_port}")
        if corpus is not None and hasattr(stack, "train"):
            t0 = time.monotonic()
            learned = stack.train(corpus, limit)
            print(f"{cls.name}: trained {learned} in {time.monotonic() - t0:.1f}s")
            assert all(n >= min(limit, 200) for n in learned.values()), learned
        rcpt = stack.recipients()[0]
        with smtplib.SMTP("127.0.0.1", stack.smtp_port, local_hostname="client.example", timeout=60) as s:
            for i in range(count):
                m = EmailMessage()
                m["From"] = "sender@example.org"
                m["To"] = rcpt
                m["Subject"] = f"smoke {i}"
                m["Message-ID"] = f"<smoke-{i}-{time.time_ns()}@example.org>"
                m.set_content("Hello, this is a perfectly ordinary test message number %d.\n" % i * 20)
                s.send_message(m)
        wait_until(lambda: stack.stored() >= count, 60, f"{count} stored messages", stack.root / "postfix.log")
        cpu = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for pid in stack.pids():
            try:
                f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                cpu += (int(f[11]) + int(f[12])) / tick
            except (OSError, IndexError):
                pass
        if corpus is not None and hasattr(stack, "train"):
            # The trained Bayes must classify: held-out spam scores BAYES_SPAM.
            test = corpus.parent / "test.list"
            spam = [corpus.parent / line.split(" ", 1)[1] for line in test.read_text().splitlines()
                    if line.startswith("spam ")][:10]
            with smtplib.SMTP("127.0.0.1", stack.smtp_port, local_hostname="client.example", timeout=120) as s:
                for path in spam:
                    try:
                        s.sendmail("sender@example.org", [rcpt], path.read_bytes())
                    except smtplib.SMTPDataError as e:
                        # Reject at Rspamd's default threshold (15): counted by rejected().
                        assert e.smtp_code == 554, e
            wait_until(lambda: stack.stored() >= count + len(spam), 120, "the spam test messages", stack.root / "postfix.log")
            hits = sum(1 for line in stack.rspamd_log.read_text(errors="replace").splitlines()
                       if "rspamd_task_write_log" in line and "BAYES_SPAM(" in line and "<smoke-" not in line)
            print(f"{cls.name}: {hits} of {len(spam)} held-out spam messages scored BAYES_SPAM")
            assert hits >= len(spam) // 2, hits
        print(f"{cls.name}: stored {stack.stored()} (rejected {stack.rejected()}), "
              f"{len(stack.pids())} processes, CPU of live processes {cpu:.2f}s")
    finally:
        started = stack.pids()
        stack.stop()
    left = [p for p in started if _alive(p)]
    assert not left, f"{cls.name}: processes left after stop(): {left}"


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="Smoke-test the comparison stacks.")
    ap.add_argument("--corpus", type=Path, help="train Rspamd's Bayes on this list (fetch-spam-corpus.sh's train.list)")
    ap.add_argument("--limit", type=int, default=250, help="messages of each class to learn")
    ap.add_argument("--count", type=int, default=20)
    opts = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-stacks-", dir="/var/tmp"))
    os.chmod(base, 0o755)
    for cls in (PostfixDovecot, PostfixRspamdDovecot):
        _smoke(cls, base, opts.count, opts.corpus, opts.limit)
    # Kept for inspection only when a stack failed (the exception ends the run above).
    shutil.rmtree(base, ignore_errors=True)
    print("ok")
