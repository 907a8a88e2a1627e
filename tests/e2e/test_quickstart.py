"""The README's Quick start, command 1, in a fresh clone: it sets up, builds and serves on the
embedded default config (fixed development ports), and a message goes through."""

import json
import os
import signal
import smtplib
import socket
import ssl
import subprocess
import time


from conftest import ROOT

DEFAULT_PORTS = {"smtp": 2525, "submission": 5870, "submissions": 4650, "imap": 1143, "imaps": 9930,
                 "pop3": 1100, "pop3s": 9950,
                 "managesieve": 4190, "http": 8080}


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def keep_source_times(clone):
    """Gives the clone's files the modification times of the same files in ROOT when their
    contents are equal. Cargo identifies a path package by its path inside the workspace, so with
    the same times it finds the suite's build of the mailsift crate up to date instead of compiling
    it again (minutes on CI's two cores) and overwriting the binary the other tests run."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=clone, check=True, capture_output=True).stdout
    for name in files.decode().split("\0"):
        if not name:
            continue
        ours, theirs = ROOT / name, clone / name
        try:
            if ours.is_file() and not theirs.is_symlink() and ours.read_bytes() == theirs.read_bytes():
                st = ours.stat()
                os.utime(theirs, ns=(st.st_atime_ns, st.st_mtime_ns))
        except OSError:
            pass


def test_quickstart_in_fresh_clone(tmp_path):
    busy = [p for p in DEFAULT_PORTS.values() if not port_free(p)]
    assert not busy, f"default development ports in use: {busy}"
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    # Reuse the suite's build so that the test measures the script, not a cold compile.
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    keep_source_times(clone)
    env = dict(os.environ, MAILSIFT_PROFILE="dev", CARGO_TARGET_DIR=target,
               MAILSIFT_COMPONENTIZE_TARGET=str(ROOT / "plugins" / "componentize" / "target"))
    if "CARGO_TARGET_DIR" not in os.environ:
        # The suite built the plugins in plugins/target and the server in target (no
        # CARGO_TARGET_DIR): the clone's own folders point there, so that both builds are reused.
        del env["CARGO_TARGET_DIR"]
        (clone / "target").symlink_to(target, target_is_directory=True)
        if (ROOT / "plugins" / "target").is_dir():
            (clone / "plugins" / "target").symlink_to(ROOT / "plugins" / "target", target_is_directory=True)
    log = open(tmp_path / "quickstart.log", "wb")
    proc = subprocess.Popen(["scripts/quickstart.sh"], cwd=clone, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        listeners = clone / "data" / "listeners.json"
        deadline = time.time() + 600
        while not listeners.exists():
            assert proc.poll() is None, (tmp_path / "quickstart.log").read_text()
            assert time.time() < deadline, "quickstart did not come up"
            time.sleep(0.2)
        bound = {k: int(v.rsplit(":", 1)[1]) for k, v in json.loads(listeners.read_text()).items()}
        assert bound == DEFAULT_PORTS
        binary = os.path.join(target, "debug", "mailsift")
        cli = lambda *a: subprocess.run([str(binary), *a], cwd=clone, check=True, capture_output=True, text=True)  # noqa: E731
        cli("domain", "add", "example.org")
        cli("account", "add", "you@example.org")
        ctx = ssl.create_default_context(cafile=str(clone / "data" / "tls" / "cert.pem"))
        with smtplib.SMTP("127.0.0.1", 2525, local_hostname="client.test", timeout=30) as s:
            s.starttls(context=ctx)
            s.sendmail("a@remote.test", ["you@example.org"], "Subject: hi\r\n\r\nhello\r\n")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
        log.close()
