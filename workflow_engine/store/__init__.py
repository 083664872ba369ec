"""The store room: where API objects live, behind the `Store` port of `base.py`.

`open_store(url)` is the one way the CLI, the controller and the executor get a
store: `sqlite:///ABSOLUTE/PATH.db` (embedded mode), `memory://` (tests, one
process) and `kubernetes://?kubeconfig=PATH&context=NAME&group=G&qps=N&burst=N`
(every parameter optional: in a pod, the pod's service account).
`default_state_dir(env)` says where the embedded mode keeps its files;
`docs/state.md` describes them for users.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from workflow_engine.errors import SpecError
from workflow_engine.store.base import Obj, ObjectList, Store, WatchEvent, WatchEventType
from workflow_engine.store.kubernetes.options import KubernetesOptions
from workflow_engine.store.memory import MemoryStore
from workflow_engine.store.sqlite import SqliteStore

__all__ = [
    "DATABASE_FILE",
    "KubernetesOptions",
    "MemoryStore",
    "Obj",
    "ObjectList",
    "SqliteStore",
    "Store",
    "WatchEvent",
    "WatchEventType",
    "default_state_dir",
    "default_store_url",
    "kubernetes_options",
    "kubernetes_url",
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
        from workflow_engine.store.kubernetes import KubernetesStore  # slow import: on use

        return KubernetesStore(kubernetes_options(url))
    raise SpecError("", f"unknown store URL scheme {scheme!r} in {url!r}: {_EXPECTED}")


_EXPECTED = "expected sqlite:///ABSOLUTE/PATH.db, memory:// or kubernetes://"
_KUBERNETES_PARAMS = ("kubeconfig", "context", "group", "qps", "burst")


def kubernetes_url(
    kubeconfig: str | None = None, context: str | None = None, group: str | None = None
) -> str:
    """The `kubernetes://` URL for these settings (the inverse of `kubernetes_options`)."""
    given = {"kubeconfig": kubeconfig, "context": context, "group": group}
    query = urlencode({k: v for k, v in given.items() if v})
    return f"kubernetes://?{query}" if query else "kubernetes://"


def kubernetes_options(url: str) -> KubernetesOptions:
    """Parse `kubernetes://?kubeconfig=...&context=...&group=...&qps=...&burst=...`."""
    parts = urlsplit(url)
    if parts.netloc or parts.path:
        raise SpecError("", f"store URL {url!r}: kubernetes:// takes only ?parameters")
    values: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key not in _KUBERNETES_PARAMS:
            raise SpecError("", f"store URL {url!r}: unknown parameter {key!r}")
        values[key] = value
    try:
        return KubernetesOptions(
            kubeconfig=values.get("kubeconfig") or None,
            context=values.get("context") or None,
            group=values.get("group") or None,
            qps=float(values.get("qps") or KubernetesOptions.qps),
            burst=int(values.get("burst") or KubernetesOptions.burst),
        )
    except ValueError as err:
        raise SpecError("", f"store URL {url!r}: {err}") from None


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
