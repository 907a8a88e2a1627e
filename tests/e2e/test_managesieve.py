"""ManageSieve (RFC 5804) with real clients — sieve-connect (Debian package) and python sievelib
(python3-sievelib) — over STARTTLS with the server's certificate verified, and the
`mailsift sieve` CLI with the server running and stopped."""

import base64
import socket
import ssl
import subprocess
import types

import pytest
from sievelib import managesieve

from conftest import BIN

GOOD = 'require "fileinto";\nif header :contains "subject" "sale" {\n  fileinto "Junk";\n}\n'
# Line 3: `:is` needs a key list after the header name.
BROKEN = 'require "fileinto";\n\nif header :is "Subject" {\n  keep;\n}\n'
USER = "bob@example.org"


def sieve_connect(srv, password, *args):
    """sieve-connect on the test server, verifying its certificate with the harness's CA."""
    cmd = [
        "sieve-connect", "--nosrv", "-s", "127.0.0.1", "-p", str(srv.port("managesieve")),
        "-u", USER, "--passwordfd", "0", "--tlscafile", str(srv.data / "tls" / "cert.pem"),
        *args,
    ]
    return subprocess.run(cmd, input=password + "\n", capture_output=True, text=True, timeout=60)


@pytest.fixture
def sievelib_tls(server, monkeypatch):
    """sievelib 1.2.1 wraps its socket with ssl.wrap_socket (no verification, gone in Python
    3.12): make its STARTTLS use a context that trusts the test server's certificate."""
    ctx = server.ssl_context()
    shim = types.SimpleNamespace(
        SSLError=ssl.SSLError,
        wrap_socket=lambda sock, *a, **k: ctx.wrap_socket(sock, server_hostname="localhost"),
    )
    monkeypatch.setattr(managesieve, "ssl", shim)
    return server


def raw_response(f):
    """Lines up to the next OK/NO/BYE line."""
    lines = []
    while True:
        line = f.readline().decode()
        assert line, "connection closed"
        lines.append(line)
        if line.startswith(("OK", "NO", "BYE")):
            return "".join(lines)


def test_sieve_connect_upload_check_activate_download(server, tmp_path):
    password = server.add_user(USER)
    good = tmp_path / "filters.sieve"
    good.write_text(GOOD)
    broken = tmp_path / "broken.sieve"
    broken.write_text(BROKEN)

    r = sieve_connect(server, password, "--upload", "--localsieve", str(good), "--remotesieve", "filters")
    assert r.returncode == 0, r.stderr
    r = sieve_connect(server, password, "--checkscript", "--localsieve", str(good))
    assert r.returncode == 0, r.stderr

    # A script with a syntax error: refused, with its line number, by CHECKSCRIPT and PUTSCRIPT.
    r = sieve_connect(server, password, "--checkscript", "--localsieve", str(broken))
    assert r.returncode == 1 and "line 3" in r.stderr, r.stderr
    r = sieve_connect(server, password, "--upload", "--localsieve", str(broken))
    assert r.returncode == 1 and "line 3" in r.stderr, r.stderr

    r = sieve_connect(server, password, "--list")
    assert r.returncode == 0 and r.stdout.strip() == '"filters"', (r.stdout, r.stderr)
    r = sieve_connect(server, password, "--activate", "--remotesieve", "filters")
    assert r.returncode == 0, r.stderr
    r = sieve_connect(server, password, "--list")
    assert r.stdout.strip() == '"filters" ACTIVE', r.stdout

    fetched = tmp_path / "fetched.sieve"
    r = sieve_connect(server, password, "--download", "--remotesieve", "filters", "--localsieve", str(fetched))
    assert r.returncode == 0, r.stderr
    assert fetched.read_text() == GOOD

    # The active script cannot be deleted; once deactivated it can.
    r = sieve_connect(server, password, "--delete", "--remotesieve", "filters")
    assert r.returncode == 1 and "ACTIVE" in r.stderr, r.stderr
    # What the user did is what the administrator sees.
    listed = server.cli("sieve", "list", USER, json_output=True)
    assert listed == [{"name": "filters", "active": True, "size": len(GOOD)}]
    assert sieve_connect(server, password, "--deactivate").returncode == 0
    assert sieve_connect(server, password, "--delete", "--remotesieve", "filters").returncode == 0
    assert server.cli("sieve", "list", USER, json_output=True) == []


def test_sievelib_starttls_plain_and_every_command(sievelib_tls):
    srv = sievelib_tls
    password = srv.add_user(USER)
    c = managesieve.Client("127.0.0.1", srv.port("managesieve"))
    assert c.connect(USER, password, starttls=True, authmech="PLAIN"), c.errmsg
    assert c.get_implementation().startswith("Mailsift ")
    assert {"fileinto", "vacation", "imap4flags", "envelope"} <= set(c.get_sieve_capabilities())

    assert c.havespace("filters", len(GOOD))
    assert c.putscript("filters", GOOD)
    assert c.checkscript(GOOD)
    assert not c.checkscript(BROKEN)
    assert b"line 3" in c.errmsg, c.errmsg
    assert not c.putscript("broken", BROKEN)
    assert b"line 3" in c.errmsg, c.errmsg
    assert c.listscripts() == (None, ["filters"])

    assert c.setactive("filters")
    assert c.listscripts() == ("filters", [])
    assert c.getscript("filters") == GOOD

    assert c.renamescript("filters", "main")
    assert c.listscripts() == ("main", [])
    assert c.putscript("other", "keep;\n")
    assert not c.renamescript("other", "main")
    assert c.errcode == b"ALREADYEXISTS"

    assert not c.deletescript("main")
    assert c.errcode == b"ACTIVE"
    assert not c.getscript("nope")
    assert c.errcode == b"NONEXISTENT"

    assert c.setactive("")
    assert c.deletescript("main")
    assert c.deletescript("other")
    assert c.listscripts() == (None, [])
    c.logout()


def test_quotas_are_reported(sievelib_tls):
    srv = sievelib_tls
    password = srv.add_user(USER)
    c = managesieve.Client("127.0.0.1", srv.port("managesieve"))
    assert c.connect(USER, password, starttls=True, authmech="PLAIN"), c.errmsg
    # [sieve] max_script_size defaults to 64 KiB.
    assert not c.havespace("big", 65537)
    assert c.errcode == b"QUOTA/MAXSIZE"
    assert not c.putscript("big", "#" * 70000 + "\nkeep;\n")
    assert c.errcode == b"QUOTA/MAXSIZE"
    assert c.putscript("small", "keep;\n")
    c.logout()


def test_no_password_before_starttls(server):
    password = server.add_user(USER)
    with socket.create_connection(("127.0.0.1", server.port("managesieve")), timeout=10) as s:
        f = s.makefile("rb")
        greeting = raw_response(f)
        assert '"STARTTLS"\r\n' in greeting and '"SASL" ""\r\n' in greeting, greeting
        plain = base64.b64encode(f"\0{USER}\0{password}".encode()).decode()
        s.sendall(f'AUTHENTICATE "PLAIN" "{plain}"\r\n'.encode())
        assert raw_response(f) == 'NO (ENCRYPT-NEEDED) "Use STARTTLS first"\r\n'
        s.sendall(b"LISTSCRIPTS\r\n")
        assert raw_response(f).startswith("NO ")
        s.sendall(b"LOGOUT\r\n")
        assert raw_response(f).startswith("OK")
    # sievelib without STARTTLS finds no mechanism it may use.
    c = managesieve.Client("127.0.0.1", server.port("managesieve"))
    assert not c.connect(USER, password)


def test_cli_sieve_commands_running_and_stopped(sievelib_tls, tmp_path):
    srv = sievelib_tls
    password = srv.add_user(USER)
    good = tmp_path / "vacation.sieve"
    good.write_text(GOOD)
    broken = tmp_path / "broken.sieve"
    broken.write_text(BROKEN)

    r = srv.cli("sieve", "check", str(broken), check=False)
    assert r.returncode == 1
    assert f"{broken}: line 3, column " in r.stderr, r.stderr
    r = srv.cli("sieve", "check", USER, str(good))
    assert r.stdout.strip() == f"{good}: OK"
    r = srv.cli("sieve", "put", USER, str(broken), check=False)
    assert r.returncode == 1 and "line 3" in r.stderr, r.stderr

    # Server running: through the admin socket; the user sees it over ManageSieve.
    out = srv.cli("sieve", "put", USER, str(good), "--activate").stdout
    assert 'Stored script "vacation"' in out and "active" in out, out
    c = managesieve.Client("127.0.0.1", srv.port("managesieve"))
    assert c.connect(USER, password, starttls=True, authmech="PLAIN"), c.errmsg
    assert c.listscripts() == ("vacation", [])
    assert c.getscript("vacation") == GOOD
    assert c.putscript("from-user", "keep;\n")
    c.logout()
    assert srv.cli("sieve", "get", USER, "from-user").stdout == "keep;\n"
    r = srv.cli("sieve", "delete", USER, "vacation", check=False)
    assert r.returncode == 1 and "active" in r.stderr, r.stderr

    # Server stopped: straight on the store file.
    srv.stop()
    r = subprocess.run(
        [BIN, "--config", str(srv.config), "sieve", "put", USER, "-", "--name", "stdin"],
        input="stop;\n", capture_output=True, text=True, timeout=60,
    )
    assert r.returncode == 0, r.stderr
    srv.cli("sieve", "activate", USER, "--none")
    srv.cli("sieve", "rename", USER, "vacation", "old")
    srv.cli("sieve", "delete", USER, "old")
    listed = srv.cli("sieve", "list", USER, json_output=True)
    assert sorted((s["name"], s["active"]) for s in listed) == [("from-user", False), ("stdin", False)]
    srv.cli("sieve", "activate", USER, "stdin")
    srv.start()
    c = managesieve.Client("127.0.0.1", srv.port("managesieve"))
    assert c.connect(USER, password, starttls=True, authmech="PLAIN"), c.errmsg
    assert c.listscripts() == ("stdin", ["from-user"])
    c.logout()

