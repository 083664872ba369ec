"""The pod informer's handling of watch events and its backoff (pure: no API call is
made; the informer's thread is never started)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from workflow_engine.errors import Expired, WorkflowEngineError
from workflow_engine.runtime.kubernetes.informer import Backoff, PodInformer, selects


def informer() -> tuple[PodInformer, list[int]]:
    calls: list[int] = []
    return PodInformer(None, "ns", None, lambda: calls.append(1)), calls  # type: ignore[arg-type]


def pod(name: str, rv: str, phase: str = "Running") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "ns", "resourceVersion": rv},
        "spec": {"containers": [{"name": "main"}]},
        "status": {"phase": phase},
    }


def test_events_change_the_cache_and_wake_listeners() -> None:
    inf, calls = informer()
    assert inf._apply({"type": "ADDED", "object": pod("a", "5")}) == "5"
    assert inf._apply({"type": "MODIFIED", "object": pod("a", "6", "Succeeded")}) == "6"
    assert [(p.name, p.phase) for p in inf.observations()] == [("a", "Succeeded")]
    assert inf._apply({"type": "DELETED", "object": pod("a", "7")}) == "7"
    assert inf.observations() == []
    assert len(calls) == 3


def test_bookmarks_move_the_version_only() -> None:
    inf, calls = informer()
    bookmark = {"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "42"}}}
    assert inf._apply(bookmark) == "42"
    assert (inf.observations(), calls) == ([], [])


@pytest.mark.parametrize(
    ("status", "error"), [(410, Expired), (500, WorkflowEngineError)], ids=["gone", "other"]
)
def test_error_events_raise(status: int, error: type[Exception]) -> None:
    inf, _ = informer()
    with pytest.raises(error):
        inf._apply({"type": "ERROR", "object": {"code": status, "message": "too old"}})


def test_put_never_replaces_what_the_watch_delivered() -> None:
    inf, _ = informer()
    inf._apply({"type": "MODIFIED", "object": pod("a", "9", "Succeeded")})
    inf.put(pod("a", "3", "Pending"))
    inf.put(pod("b", "4", "Pending"))
    assert sorted((p.name, p.phase) for p in inf.observations()) == [
        ("a", "Succeeded"),
        ("b", "Pending"),
    ]


def test_backoff_doubles_to_its_cap_and_resets() -> None:
    backoff = Backoff(first=0.5, cap=3.0)
    assert [backoff.next() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    backoff.reset()
    assert backoff.next() == 0.5


@pytest.mark.parametrize(
    ("selector", "selected"),
    [
        ("app", True),
        ("!app", False),
        ("app=web", True),
        ("app==web", True),
        ("app=db", False),
        ("app!=db", True),
        ("app=web,tier", False),
        ("app=web, zone!=x", True),
        ("app in (web)", False),
    ],
)
def test_label_selectors(selector: str, selected: bool) -> None:
    assert selects(selector, {"app": "web"}) is selected


def test_put_ignores_pods_outside_the_selector_or_namespace() -> None:
    inf = PodInformer(None, "ns", "picked", lambda: None)  # type: ignore[arg-type]
    outside = pod("a", "1")
    other_ns = pod("b", "1")
    other_ns["metadata"] |= {"namespace": "elsewhere", "labels": {"picked": "y"}}
    inside = pod("c", "1")
    inside["metadata"]["labels"] = {"picked": "y"}
    for p in (outside, other_ns, inside):
        inf.put(p)
    assert [p.name for p in inf.observations()] == ["c"]


class _ListingCore:
    """A CoreV1Api whose namespaced pod list answers with `items` (nothing else is
    called: the informer's thread is never started)."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def list_namespaced_pod(self, namespace: str, **kwargs: Any) -> Any:
        body = {"metadata": {"resourceVersion": "100"}, "items": self.items}

        class Response:
            data = json.dumps(body).encode()

        return Response()


def taken(feed: Any) -> tuple[list[tuple[str, str]], list[str]]:
    changes = feed.take()
    return sorted((p.name, p.phase) for p in changes.changed), sorted(n for _, n in changes.gone)


def test_a_feed_hands_over_only_the_pods_changed_since_its_last_take() -> None:
    """The controller's pod sync takes a feed at each wake-up: what it is handed is what
    the watch (or a re-list, or a pod we created) changed since, every pod once."""
    core = _ListingCore()
    inf = PodInformer(core, "ns", None, lambda: None)  # type: ignore[arg-type]
    inf._apply({"type": "ADDED", "object": pod("a", "1", "Pending")})
    feed = inf.feed()
    assert taken(feed) == ([("a", "Pending")], [])  # the first take: every pod
    assert taken(feed) == ([], [])
    inf._apply({"type": "MODIFIED", "object": pod("a", "2")})
    inf._apply({"type": "MODIFIED", "object": pod("a", "3", "Succeeded")})
    inf.put(pod("b", "4", "Pending"))
    assert taken(feed) == ([("a", "Succeeded"), ("b", "Pending")], [])
    inf._apply({"type": "DELETED", "object": pod("a", "5")})
    inf._apply({"type": "DELETED", "object": pod("unknown", "6")})
    assert taken(feed) == ([], ["a"])
    inf._apply({"type": "DELETED", "object": pod("b", "7")})
    inf._apply({"type": "ADDED", "object": pod("b", "8")})  # gone and back: both
    assert taken(feed) == ([("b", "Running")], ["b"])
    core.items = [pod("c", "9")]  # a re-list (after a 410): b went meanwhile, c came
    inf._list()
    assert taken(feed) == ([("c", "Running")], ["b"])
    inf._apply({"type": "MODIFIED", "object": pod("c", "10", "Failed")})
    assert taken(feed) == ([("c", "Failed")], [])
