"""End-to-end harness: runs the real `mailsift` binary on a temporary config with every listener
on a free port of 127.0.0.1 (port 0; the server writes the ports it bound to listeners.json), and
drives it with standard clients."""

import json
import os
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("MAILSIFT_BIN", str(ROOT / "target" / "debug" / "mailsift"))

CONFIG = """\
hostname = "mail.test"
data_dir = "{data}"

[limits]
max_message_size = {max_size}
smtp_command_timeout = 30
smtp_data_timeout = 30
# Load tests open 100+ connections from 127.0.0.1; test_connections.py tests the cap itself.
max_connections_per_ip = 1000

[log]
level = "info,mailsift=debug"

[outbound]
# Tests never send to the internet: mail for remote domains without a route goes to a closed
# port on loopback and stays queued (retried), as the queue tests expect.
smart_host = "127.0.0.1:9"

[[listener]]
name = "smtp"
protocol = "smtp"
address = "127.0.0.1:0"
tls = "starttls"

[[listener]]
name = "submission"
protocol = "submission"
address = "127.0.0.1:0"
tls = "starttls"

[[listener]]
name = "submissions"
protocol = "submission"
address = "127.0.0.1:0"
tls = "implicit"

[[listener]]
name = "imap"
protocol = "imap"
address = "127.0.0.1:0"
tls = "starttls"

[[listener]]
name = "imaps"
protocol = "imap"
address = "127.0.0.1:0"
tls = "implicit"

[[listener]]
name = "pop3"
protocol = "pop3"
address = "127.0.0.1:0"
tls = "starttls"

[[listener]]
name = "pop3s"
protocol = "pop3"
address = "127.0.0.1:0"
tls = "implicit"

[[listener]]
name = "managesieve"
protocol = "managesieve"
address = "127.0.0.1:0"
tls = "starttls"

[[listener]]
name = "http"
protocol = "http"
address = "127.0.0.1:0"
tls = "none"

[[listener]]
name = "https"
protocol = "http"
address = "127.0.0.1:0"
tls = "implicit"
"""


class Server:
    """A mailsift server process and the CLI bound to its config."""

    def __init__(self, workdir: Path, max_size: int = 1024 * 1024):
        self.workdir = workdir
        self.data = workdir / "data"
        self.config = workdir / "mailsift.toml"
        self.config.write_text(CONFIG.format(data=self.data, max_size=max_size))
        self.proc = None
        self.ports = {}
        self.log = workdir / "server.log"

    # -- process -------------------------------------------------------------------------------
    def start(self, timeout: float = 30.0):
        listeners = self.data / "listeners.json"
        if listeners.exists():
            listeners.unlink()
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [BIN, "--config", str(self.config), "serve"],
            stdout=logf,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text()}")
            if listeners.exists():
                try:
                    self.ports = {k: int(v.rsplit(":", 1)[1]) for k, v in json.loads(listeners.read_text()).items()}
                    return self
                except (ValueError, json.JSONDecodeError):
                    pass
            time.sleep(0.05)
        raise RuntimeError("server did not start in time")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    # -- CLI -----------------------------------------------------------------------------------
    def cli(self, *args, check=True, json_output=False):
        cmd = [BIN, "--config", str(self.config)] + (["--json"] if json_output else []) + list(args)
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if check and res.returncode != 0:
            raise AssertionError(f"{cmd} failed ({res.returncode}): {res.stderr}")
        if json_output and res.returncode == 0:
            return json.loads(res.stdout)
        return res

    def add_user(self, address: str, device: str = "test"):
        domain = address.split("@", 1)[1]
        self.cli("domain", "add", domain, check=False)
        self.cli("account", "add", address)
        return self.cli("password", "add", address, "--device", device, json_output=True)["password"]

    # -- clients -------------------------------------------------------------------------------
    def ssl_context(self):
        ctx = ssl.create_default_context(cafile=str(self.data / "tls" / "cert.pem"))
        ctx.check_hostname = True
        return ctx

    def port(self, name):
        return self.ports[name]


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path).start()
    yield srv
    srv.stop()


def wait_for(predicate, timeout=5.0, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
