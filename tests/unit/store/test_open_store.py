"""open_store URLs, the state directory and the package's public surface (no I/O but tmp files)."""

from __future__ import annotations

from pathlib import Path

import pytest

import workflow_engine.store as store_pkg
from workflow_engine.errors import PermanentError, SpecError
from workflow_engine.store import (
    MemoryStore,
    SqliteStore,
    default_state_dir,
    default_store_url,
    open_store,
)


def test_public_surface_is_pinned_and_sorted() -> None:
    assert store_pkg.__all__ == sorted(store_pkg.__all__)
    assert store_pkg.__all__ == [
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


def test_sqlite_url_opens_a_file_creating_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "state" / "deeper" / "store.db"
    store = open_store(f"sqlite://{path}")
    try:
        assert isinstance(store, SqliteStore)
        store.create({"kind": "Workflow", "metadata": {"name": "w"}, "spec": {}})
        assert path.is_file()
    finally:
        store.close()


def test_memory_url_opens_a_fresh_memory_store() -> None:
    first, second = open_store("memory://"), open_store("memory://")
    first.create({"kind": "Workflow", "metadata": {"name": "w"}, "spec": {}})
    assert isinstance(second, MemoryStore)
    assert second.list("Workflow").items == []


@pytest.mark.parametrize(
    ("url", "error", "words"),
    [
        (
            "kubernetes://?kubeconfig=/nonexistent/kubeconfig",
            PermanentError,
            "cannot load Kubernetes credentials",
        ),
        ("kubernetes://?colour=blue", SpecError, "unknown parameter"),
        ("sqlite://relative/path.db", SpecError, "absolute path"),
        ("sqlite://", SpecError, "absolute path"),
        ("memory://extra", SpecError, "nothing after"),
        ("/just/a/path.db", SpecError, "no scheme"),
        ("postgres://host/db", SpecError, "unknown store URL scheme"),
    ],
    ids=[
        "kubernetes-no-credentials",
        "kubernetes-bad-parameter",
        "relative",
        "empty-path",
        "memory-extra",
        "no-scheme",
        "unknown",
    ],
)
def test_bad_urls_are_refused_clearly(url: str, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        open_store(url)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WF_HOME": "/srv/wf", "XDG_STATE_HOME": "/x", "HOME": "/h"}, "/srv/wf"),
        ({"WF_HOME": "~/wf", "HOME": "/h"}, "/h/wf"),
        ({"XDG_STATE_HOME": "/x/state", "HOME": "/h"}, "/x/state/wf"),
        ({"XDG_STATE_HOME": "relative", "HOME": "/h"}, "/h/.local/state/wf"),
        ({"WF_HOME": "", "XDG_STATE_HOME": "", "HOME": "/h"}, "/h/.local/state/wf"),
        ({"HOME": "/h"}, "/h/.local/state/wf"),
    ],
    ids=["wf-home", "wf-home-tilde", "xdg", "xdg-relative-ignored", "empty-ignored", "home"],
)
def test_default_state_dir(env: dict[str, str], expected: str) -> None:
    assert default_state_dir(env) == Path(expected)


def test_default_state_dir_without_home_uses_the_password_database() -> None:
    assert default_state_dir({}).parts[-3:] == (".local", "state", "wf")


def test_default_store_url_points_into_the_state_dir() -> None:
    assert default_store_url({"WF_HOME": "/srv/wf"}) == "sqlite:///srv/wf/store.db"
