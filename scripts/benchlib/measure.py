"""CPU time and peak resident memory of a stack under test (see stack.py).

CPU: the stack's processes are put in a control group of their own (`Stack.spawn`), whose
accounting counts every process that ever ran in it, children and short-lived workers included:
cgroup v1 `cpuacct` (/sys/fs/cgroup/cpuacct/mailsift-bench-NAME) when that hierarchy is
writable (as root), else a cgroup v2 group, else the sum of utime+stime read from /proc/PID/stat
of `stack.pids()` (which misses processes that exited between two readings).

Peak RSS: a thread sums the resident memory (VmRSS) of the group's processes (or of `pids()`)
every 100 ms and keeps the maximum. Shared pages count once per process, as in `ps`.
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


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


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
        self._peak = 0
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

    def rss_now(self) -> int:
        return sum(_rss_bytes(p) for p in self.pids())

    # -- peak RSS sampling -----------------------------------------------------------------------
    def rss(self) -> "Meter":
        return self

    def __enter__(self) -> "Meter":
        self._peak = self.rss_now()
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        self._peak = max(self._peak, self.rss_now())

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self._peak = max(self._peak, self.rss_now())

    def peak_rss(self) -> int:
        return self._peak

    def close(self) -> None:
        if self.group:
            _remove(self.group)
        self.group = None
