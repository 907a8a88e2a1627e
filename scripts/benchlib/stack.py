"""The interface every stack under test offers to the benchmark drivers (`bench_inbound.py`).

A stack receives mail by SMTP on `smtp_port` (127.0.0.1) for the recipients `recipients()` and
stores it durably; the driver offers load, then asks how many messages were stored and what the
stack's processes cost (CPU seconds, peak RSS), measured by `benchlib.measure`.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path


class Stack:
    #: Short name for the tables, e.g. "mailsift", "postfix-dovecot", "postfix-rspamd-dovecot".
    name: str = "stack"

    def __init__(self, work: Path, dns_port: int | None = None):
        # `work`: an empty directory owned by this stack. `dns_port`: the local DNS server
        # (127.0.0.1, UDP+TCP) that answers the sender domains' SPF/DKIM/DMARC records; stacks
        # that authenticate senders resolve through it and nothing else.
        self.work = work
        self.dns_port = dns_port
        self.smtp_port: int = 0
        # Set by the driver before start(): a path such as /sys/fs/cgroup/cpuacct/NAME whose
        # `cgroup.procs` every process of the stack joins (see spawn), so its CPU and memory are
        # counted in one place, children and short-lived workers included. None: no cgroup
        # could be made; the driver falls back to sampling pids().
        self.cgroups: list[Path] = []

    def spawn(self, args: list[str], **kw) -> subprocess.Popen:
        """Start one process of the stack inside the stack's cgroups. Every process a stack
        starts (daemons that fork their own workers included) goes through here."""
        groups = list(self.cgroups)

        def enter() -> None:
            for g in groups:
                with open(g / "cgroup.procs", "w") as f:
                    f.write(str(os.getpid()))

        return subprocess.Popen(args, preexec_fn=enter, **kw)

    def start(self) -> None:
        """Start every process of the stack and return once it accepts SMTP on smtp_port."""
        raise NotImplementedError

    def pids(self) -> list[int]:
        """Every live process of the stack (for CPU and RSS accounting when no cgroup serves)."""
        raise NotImplementedError

    def recipients(self) -> list[str]:
        """Addresses the stack delivers locally (mailboxes exist)."""
        raise NotImplementedError

    def stored(self) -> int:
        """Messages durably stored so far (in mailboxes: inbox, junk, any folder)."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop every process (and leave the work directory for inspection)."""
        raise NotImplementedError
