"""The store room: where API objects live, behind the `Store` port of `base.py`.

`open_store(url)` is the one way the CLI, the controller and the executor get a
store: `sqlite:///ABSOLUTE/PATH.db` (embedded mode), `memory://` (tests, one
process) and, later, `kubernetes://`. `default_state_dir(env)` says where the
embedded mode keeps its files; `docs/state.md` describes them for users.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Mapping
from pathlib import Path

from workflow_engine.errors import PermanentError, SpecError
from workflow_engine.store.base import Obj, ObjectList, Store, WatchEvent, WatchEventType
from workflow_engine.store.memory import MemoryStore
from workflow_engine.store.sqlite import SqliteStore

__all__ = [
    "DATABASE_FILE",
    "MemoryStore",
    "Obj",
    "ObjectList",
    "SqliteStore",
    "Store",
    "WatchEvent",
    "WatchEventType",
    "default_state_dir",
    "default_store_url",
    "open_store",
]

DATABASE_FILE = "store.db"


def open_store(url: str) -> Store:
    """Open the store a URL names: `sqlite:///ABS/PATH.db`, `memory://` or `kubernetes://`."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise SpecError("", f"store URL {url!r} has no scheme: {_EXPECTED}")
    if scheme == "sqlite":
        path = Path(rest)
        if not rest or not path.is_absolute():
            raise SpecError("", f"store URL {url!r} needs an absolute path: {_EXPECTED}")
        return SqliteStore(path)
    if scheme == "memory":
        if rest:
            raise SpecError("", f"store URL {url!r}: memory:// takes nothing after it")
        return MemoryStore()
    if scheme == "kubernetes":
        raise PermanentError("kubernetes store not built yet")
    raise SpecError("", f"unknown store URL scheme {scheme!r} in {url!r}: {_EXPECTED}")


_EXPECTED = "expected sqlite:///ABSOLUTE/PATH.db or memory://"


def default_state_dir(env: Mapping[str, str]) -> Path:
    """`$WF_HOME`, else `$XDG_STATE_HOME/wf`, else `~/.local/state/wf` (from `env`)."""
    if env.get("WF_HOME"):
        return _expand_home(env["WF_HOME"], env)
    xdg = env.get("XDG_STATE_HOME", "")
    # The XDG spec says to ignore a relative value.
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "wf"
    return _home(env) / ".local" / "state" / "wf"


def default_store_url(env: Mapping[str, str]) -> str:
    """The embedded store in the state directory: `sqlite:///<state dir>/store.db`."""
    return f"sqlite://{(default_state_dir(env) / DATABASE_FILE).absolute()}"


def _expand_home(value: str, env: Mapping[str, str]) -> Path:
    # Not Path.expanduser: it would read os.environ behind the caller's back.
    if value == "~" or value.startswith("~/"):
        return _home(env) / value[2:]
    return Path(value)


def _home(env: Mapping[str, str]) -> Path:
    if env.get("HOME"):
        return Path(env["HOME"])
    return Path(pwd.getpwuid(os.getuid()).pw_dir)
