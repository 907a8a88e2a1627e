"""CPU time and peak resident memory of a stack under test (see stack.py).

CPU: the stack's processes are put in a control group of their own (`Stack.spawn`), whose
accounting counts every process that ever ran in it, children and short-lived workers included:
cgroup v1 `cpuacct` (/sys/fs/cgroup/cpuacct/mailsift-bench-NAME) when that hierarchy is
writable (as root), else a cgroup v2 group, else the sum of utime+stime read from /proc/PID/stat
of `stack.pids()` (which misses processes that exited between two readings).

Peak memory: a thread sums the resident memory of the group's processes (or of `pids()`) every
100 ms and keeps the maximum, both as RSS (VmRSS: shared pages count once per process, as in
`ps`, which overstates multi-process stacks) and as PSS (shared pages split between the
processes that map them: the stack's own share of memory).
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")
V1_CPUACCT = Path("/sys/fs/cgroup/cpuacct")


def _v2_root() -> Path | None:
    """The cgroup v2 mount point (unified or hybrid), if any."""
    try:
        with open("/proc/self/mounts") as f:
            for line in f:
                parts = line.split()
                if len(parts) > 2 and parts[2] == "cgroup2":
                    return Path(parts[1])
    except OSError:
        pass
    return None


def _make(path: Path) -> Path | None:
    try:
        if path.exists():
            _remove(path)
        path.mkdir()
        with open(path / "cgroup.procs") as f:
            f.read()
        return path
    except OSError:
        return None


def _remove(path: Path) -> None:
    # A group can only be removed once empty: move stragglers back to the root group first.
    try:
        for pid in (path / "cgroup.procs").read_text().split():
            try:
                (path.parent / "cgroup.procs").write_text(pid)
            except OSError:
                pass
        path.rmdir()
    except OSError:
        pass


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in bytes. PSS (proportional set size, from smaps_rollup) splits
    each shared page between the processes mapping it, so it can be summed over a multi-process
    stack (Postfix's smtpd per connection, Rspamd's workers) without counting the shared
    libraries and shared memory once per process, as a sum of RSS does. 0 for a gone process."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError):
        return 0, 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError):
        pss = rss
    return rss, pss


def _proc_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            # The command name (field 2) may hold spaces: fields are counted after its ')'.
            rest = f.read().rsplit(")", 1)[1].split()
        return (int(rest[11]) + int(rest[12])) / CLK_TCK  # utime, stime
    except (OSError, ValueError, IndexError):
        return 0.0


class Meter:
    """Accounting for one stack. Call `attach()` before `stack.start()` (it sets
    `stack.cgroups`), `cpu_seconds()` around a load, `peak_rss()` in a `with meter.rss():`
    block, and `close()` after `stack.stop()`."""

    def __init__(self, stack):
        self.stack = stack
        self.group: Path | None = None
        self.kind = "proc"
        self._peak = (0, 0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def attach(self) -> str:
        name = f"mailsift-bench-{self.stack.name}"
        group = _make(V1_CPUACCT / name) if V1_CPUACCT.is_dir() else None
        if group and (group / "cpuacct.usage").exists():
            self.kind = "cgroup-v1"
        else:
            if group:
                _remove(group)
            root = _v2_root()
            group = _make(root / name) if root else None
            if group and (group / "cpu.stat").exists():
                self.kind = "cgroup-v2"
            elif group:
                _remove(group)
                group = None
        self.group = group
        self.stack.cgroups = [group] if group else []
        return self.kind

    def pids(self) -> list[int]:
        if self.group:
            try:
                return [int(p) for p in (self.group / "cgroup.procs").read_text().split()]
            except (OSError, ValueError):
                pass
        return list(self.stack.pids())

    def cpu_seconds(self) -> float:
        """CPU (user + system) used by the stack so far."""
        if self.kind == "cgroup-v1":
            return int((self.group / "cpuacct.usage").read_text()) / 1e9
        if self.kind == "cgroup-v2":
            for line in (self.group / "cpu.stat").read_text().splitlines():
                if line.startswith("usage_usec "):
                    return int(line.split()[1]) / 1e6
        return sum(_proc_cpu(p) for p in self.pids())

    def memory_now(self) -> tuple[int, int]:
        """Summed (RSS, PSS) of the stack's processes."""
        rss = pss = 0
        for p in self.pids():
            r, q = _memory(p)
            rss, pss = rss + r, pss + q
        return rss, pss

    # -- peak RSS sampling -----------------------------------------------------------------------
    def rss(self) -> "Meter":
        return self

    def __enter__(self) -> "Meter":
        self._peak = self.memory_now()
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        self._note(self.memory_now())

    def _note(self, now: tuple[int, int]) -> None:
        self._peak = (max(self._peak[0], now[0]), max(self._peak[1], now[1]))

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self._note(self.memory_now())

    def peak_rss(self) -> int:
        """Peak of the summed RSS since the `with` block began."""
        return self._peak[0]

    def peak_pss(self) -> int:
        """Peak of the summed PSS since the `with` block began."""
        return self._peak[1]

    def close(self) -> None:
        if self.group:
            _remove(self.group)
        self.group = None
