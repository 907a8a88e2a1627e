"""Many idle IMAP sessions: the short version of scripts/bench-imap-idle.sh (issue 16).

200 TLS connections log in, SELECT INBOX and IDLE; one SMTP delivery must reach every one of
them as `* n EXISTS`. Not timed: the script waits up to 30 s for the wake-up; the figures it
prints (RSS per connection, wake-up p50/max) are for BENCHMARKS.md, not asserted."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import BIN, ROOT


def test_one_delivery_wakes_every_idle_session():
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_imap_idle.py"), "200",
         "--accounts", "2", "--settle", "0.5", "--bin", BIN],
        capture_output=True, text=True, timeout=300,
    )
    work = re.search(r"# server log and data: (\S+)", run.stdout)
    try:
        assert run.returncode == 0, run.stdout + run.stderr
        assert "woken 200/200" in run.stdout, run.stdout
    finally:
        if work:
            shutil.rmtree(Path(work.group(1)), ignore_errors=True)
