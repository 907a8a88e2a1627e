"""Mailsift plugins in Python: the idiomatic layer over the `filter` world (wit/plugin.wit).

A plugin is a function that takes a message and returns a verdict::

    import mailsift

    @mailsift.plugin(name="my-rule", version="0.1.0", description="...")
    def my_rule(msg: mailsift.Message) -> mailsift.Verdict:
        if "invoice" in (msg.subject or "").lower():
            return mailsift.keep().tag("invoice").folder("Invoices")
        return mailsift.keep()

and the module that defines it ends with ``WitWorld = mailsift.world()``, the class
componentize-py wires to the component's exports. Build with scripts/build-lang-plugins.sh.

The component runs with *no* WASI (the server grants none): files, sockets, clocks and `random`
trap. `print` goes to the server's log (info; stderr at warn); better, log with
`mailsift.log.info(...)`. Keep state in `mailsift.kv`.
"""

import sys
from typing import Callable, List, Optional

from wit_world.imports import config as _config
from wit_world.imports import kv as _kv
from wit_world.imports import log as _log
from wit_world.imports import types as _t

Message = _t.Message
Envelope = _t.Envelope
LearnClass = _t.LearnClass


class Verdict:
    """What to do with a message: continue (with annotations), reject, tempfail or discard."""

    def __init__(self, decision: "_t.Decision") -> None:
        self._decision = decision

    def _annotations(self) -> _t.Annotations:
        if not isinstance(self._decision, _t.Decision_Continue):
            raise ValueError("annotations apply only to a verdict that lets the message through")
        return self._decision.value

    def header(self, name: str, value: str) -> "Verdict":
        """Add a header field to the stored message."""
        self._annotations().add_headers.append(_t.HeaderField(name, value))
        return self

    def tag(self, tag: str) -> "Verdict":
        self._annotations().tags.append(tag)
        return self

    def score(self, delta: float) -> "Verdict":
        """Add to the message's spam score (may be negative)."""
        self._annotations().score += delta
        return self

    def folder(self, folder: str) -> "Verdict":
        """Suggest a folder, e.g. "Junk" or "Promotions"."""
        self._annotations().folder = folder
        return self

    def explain(self, why: str) -> "Verdict":
        self._annotations().explanation = why
        return self

    def to_wit(self) -> _t.Verdict:
        return _t.Verdict(self._decision, [])


def keep() -> Verdict:
    """Let the message through (add annotations with the builder methods)."""
    return Verdict(_t.Decision_Continue(_t.Annotations(0.0, [], [], None, None)))


def reject(code: int = 554, enhanced: str = "5.7.0", text: str = "Message refused") -> Verdict:
    return Verdict(_t.Decision_Reject(_t.Reply(code, enhanced, text)))


def tempfail(code: int = 451, enhanced: str = "4.7.1", text: str = "Try again later") -> Verdict:
    return Verdict(_t.Decision_Tempfail(_t.Reply(code, enhanced, text)))


def discard() -> Verdict:
    return Verdict(_t.Decision_Discard())


def header(msg: Message, name: str) -> Optional[str]:
    """The decoded value of the first header field called `name` (case-insensitive)."""
    lname = name.lower()
    for h in msg.headers:
        if h.name.lower() == lname:
            return h.value
    return None


class log:
    """Log lines in the server's log, tagged with the plugin and the queue id."""

    @staticmethod
    def debug(text: str) -> None:
        _log.log(_log.Level.DEBUG, text)

    @staticmethod
    def info(text: str) -> None:
        _log.log(_log.Level.INFO, text)

    @staticmethod
    def warn(text: str) -> None:
        _log.log(_log.Level.WARN, text)

    @staticmethod
    def error(text: str) -> None:
        _log.log(_log.Level.ERROR, text)


class config:
    """The plugin's settings, `[plugin.NAME.config]` in the server configuration (strings)."""

    @staticmethod
    def get(key: str, default: Optional[str] = None) -> Optional[str]:
        value = _config.get(key)
        return default if value is None else value

    @staticmethod
    def list(key: str, default: List[str]) -> List[str]:
        """A comma-separated setting as a list of trimmed, non-empty items."""
        value = _config.get(key)
        if value is None:
            return default
        return [item.strip() for item in value.split(",") if item.strip()]


class kv:
    """The plugin's private key-value store (bytes values), kept in the server's database."""

    get = staticmethod(_kv.get)
    get_many = staticmethod(_kv.get_many)
    set = staticmethod(_kv.set)
    delete = staticmethod(_kv.delete)


class _LogStream:
    """A text stream that sends each line to the server's log: stdout and stderr would be WASI."""

    def __init__(self, level: "_log.Level") -> None:
        self._level = level
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        while "\n" in self._pending:
            line, self._pending = self._pending.split("\n", 1)
            _log.log(self._level, line)
        return len(text)

    def flush(self) -> None:
        if self._pending:
            _log.log(self._level, self._pending)
            self._pending = ""


sys.stdout = _LogStream(_log.Level.INFO)
sys.stderr = _LogStream(_log.Level.WARN)

_registered: dict = {}


def plugin(name: str, version: str = "0.1.0", description: str = "") -> Callable:
    """Declare the function that filters each message: `filter(msg) -> Verdict`."""

    def wrap(fn: Callable[[Message], Verdict]) -> Callable[[Message], Verdict]:
        _registered["info"] = _t.PluginInfo(name, version, description, [])
        _registered["filter"] = fn
        return fn

    return wrap


def world() -> type:
    """The class componentize-py binds to the component's exports (`WitWorld`)."""

    class WitWorld:
        def info(self) -> _t.PluginInfo:
            return _registered["info"]

        def filter(self, message: _t.Message) -> _t.Verdict:
            verdict = _registered["filter"](message)
            return verdict.to_wit() if isinstance(verdict, Verdict) else verdict

        def check_recipient(self, envelope: _t.Envelope, recipient: str) -> _t.Decision:
            return _t.Decision_Continue(_t.Annotations(0.0, [], [], None, None))

        def learn(self, message: _t.Message, class_: _t.LearnClass) -> None:
            return None

        def traits(self) -> _t.PluginTraits:
            # Not stateless: a Python plugin may keep module-level state between messages, so
            # each call gets a fresh instance (WIT 0.1.3 `traits`).
            return _t.PluginTraits(0)

    return WitWorld
