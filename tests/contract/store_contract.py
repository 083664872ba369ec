"""The Store contract: what every Store implementation must do (see store/base.py).

Not collected by itself: `test_store_contract.py` subclasses `StoreContract` and
supplies a `store` fixture per implementation (memory, SQLite; the Kubernetes
store joins by adding one fixture param). Tests create their objects with
unique names in their own namespaces, so a shared backing store is fine.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from workflow_engine.errors import AlreadyExists, Conflict, NotFound, SpecError
from workflow_engine.store.base import Obj, Store, WatchEvent

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
IDLE = 0.3  # seconds a watch waits for a change in these tests before it ends


def workflow(name: str, namespace: str = "default", **labels: str) -> Obj:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {"entrypoint": "main", "templates": [{"name": "main"}]},
    }


def unique(prefix: str = "ns") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def events_until(watch: Iterator[WatchEvent], count: int, limit: float = 10.0) -> list[WatchEvent]:
    """Read `count` events, failing rather than hanging if they do not come."""
    seen: list[WatchEvent] = []
    deadline = time.monotonic() + limit
    for event in watch:
        seen.append(event)
        if len(seen) == count or time.monotonic() > deadline:
            break
    return seen


def summary(events: list[WatchEvent]) -> list[tuple[str, str]]:
    return [(e.type, e.object["metadata"]["name"]) for e in events]


class StoreContract:
    """Every test takes a `store` fixture that a subclass provides."""

    # -- create --------------------------------------------------------------------

    def test_create_fills_identity_and_bookkeeping(self, store: Store) -> None:
        ns = unique()
        created = store.create(workflow("hello", ns, app="demo"))
        meta = created["metadata"]
        assert meta["name"] == "hello"
        assert meta["namespace"] == ns
        assert isinstance(meta["uid"], str) and meta["uid"]
        assert TIMESTAMP.match(meta["creationTimestamp"])
        assert isinstance(meta["resourceVersion"], str) and meta["resourceVersion"]
        assert meta["generation"] == 1
        assert meta["labels"] == {"app": "demo"}
        assert created["spec"] == workflow("hello")["spec"]
        assert store.get("Workflow", "hello", ns) == created

    def test_create_uses_default_namespace_when_none_given(self, store: Store) -> None:
        name = unique("wf")
        obj = workflow(name)
        del obj["metadata"]["namespace"]
        assert store.create(obj)["metadata"]["namespace"] == "default"
        assert store.get("Workflow", name)["metadata"]["name"] == name

    def test_create_does_not_touch_the_callers_object(self, store: Store) -> None:
        obj = workflow("untouched", unique())
        before = repr(obj)
        store.create(obj)
        assert repr(obj) == before

    def test_generate_name_appends_five_characters(self, store: Store) -> None:
        ns = unique()
        obj = workflow("", ns)
        del obj["metadata"]["name"]
        obj["metadata"]["generateName"] = "hello-"
        names = {store.create(obj)["metadata"]["name"] for _ in range(5)}
        assert len(names) == 5
        assert all(re.fullmatch(r"hello-[a-z0-9]{5}", n) for n in names)
        listed = {it["metadata"]["name"] for it in store.list("Workflow", ns).items}
        assert listed == names

    @pytest.mark.parametrize(
        ("kind", "same_namespace"),
        [("Workflow", True), ("Workflow", False), ("WorkflowTemplate", True)],
        ids=["same-kind-same-namespace", "other-namespace", "other-kind"],
    )
    def test_names_are_unique_per_kind_and_namespace(
        self, store: Store, kind: str, same_namespace: bool
    ) -> None:
        ns = unique()
        store.create(workflow("taken", ns))
        other = {**workflow("taken", ns if same_namespace else unique()), "kind": kind}
        if kind == "Workflow" and same_namespace:
            with pytest.raises(AlreadyExists):
                store.create(other)
        else:
            assert store.create(other)["metadata"]["name"] == "taken"

    @pytest.mark.parametrize(
        "metadata",
        [
            {},
            {"name": "Upper"},
            {"name": "bad_name"},
            {"name": "-dash"},
            {"name": "x" * 254},
            {"name": "ok", "labels": {"count": 1}},
        ],
        ids=["no-name", "uppercase", "underscore", "leading-dash", "too-long", "label-not-string"],
    )
    def test_create_rejects_bad_names(self, store: Store, metadata: dict[str, Any]) -> None:
        with pytest.raises(SpecError):
            store.create({"kind": "Workflow", "metadata": metadata, "spec": {}})

    # -- get and list --------------------------------------------------------------

    @pytest.mark.parametrize(
        ("kind", "name", "in_namespace"),
        [("Workflow", "absent", True), ("Workflow", "present", False), ("Other", "present", True)],
        ids=["missing-name", "wrong-namespace", "wrong-kind"],
    )
    def test_get_missing_raises_not_found(
        self, store: Store, kind: str, name: str, in_namespace: bool
    ) -> None:
        ns = unique()
        store.create(workflow("present", ns))
        with pytest.raises(NotFound):
            store.get(kind, name, ns if in_namespace else unique())

    @pytest.mark.parametrize(
        ("selector", "expected"),
        [
            (None, ["a1", "a2", "b1"]),
            ({"team": "a"}, ["a1", "a2"]),
            ({"team": "a", "tier": "web"}, ["a1"]),
            ({"team": "c"}, []),
            ({"example.com/owner": "me"}, ["b1"]),
            ({"tier": None}, ["a1", "b1"]),
        ],
        ids=["all", "one-label", "two-labels", "no-match", "prefixed-key", "key-exists"],
    )
    def test_list_by_label_selector(
        self, store: Store, selector: dict[str, str | None] | None, expected: list[str]
    ) -> None:
        ns = unique()
        store.create(workflow("b1", ns, team="b", tier="db", **{"example.com/owner": "me"}))
        store.create(workflow("a2", ns, team="a"))
        store.create(workflow("a1", ns, team="a", tier="web"))
        store.create(workflow("elsewhere", unique(), team="a", tier="web"))
        listed = store.list("Workflow", ns, label_selector=selector)
        assert [it["metadata"]["name"] for it in listed.items] == expected
        assert isinstance(listed.resource_version, str)

    def test_list_across_namespaces_and_only_one_kind(self, store: Store) -> None:
        marker = unique("run")
        first, second = unique(), unique()
        store.create(workflow("one", first, run=marker))
        store.create(workflow("two", second, run=marker))
        store.create({**workflow("three", first, run=marker), "kind": "WorkflowTemplate"})
        listed = store.list("Workflow", None, label_selector={"run": marker})
        got = sorted((it["metadata"]["namespace"], it["metadata"]["name"]) for it in listed.items)
        assert got == sorted([(first, "one"), (second, "two")])
        assert [it["metadata"]["name"] for it in store.list("Workflow", first).items] == ["one"]

    def test_returned_objects_are_copies(self, store: Store) -> None:
        ns = unique()
        created = store.create(workflow("copy", ns))
        created["spec"]["entrypoint"] = "changed"
        store.get("Workflow", "copy", ns)["metadata"]["labels"]["x"] = "y"
        store.list("Workflow", ns).items[0]["spec"]["templates"].clear()
        fresh = store.get("Workflow", "copy", ns)
        assert fresh["spec"] == workflow("copy")["spec"]
        assert fresh["metadata"]["labels"] == {}

    # -- update and update_status --------------------------------------------------

    def test_update_changes_spec_and_metadata_but_keeps_status(self, store: Store) -> None:
        ns = unique()
        created = store.create(workflow("wf", ns))
        with_status = store.update_status({**created, "status": {"phase": "Running"}})
        edited = {**with_status, "spec": {"entrypoint": "other"}, "status": {"phase": "Bogus"}}
        edited["metadata"] = {**with_status["metadata"], "labels": {"new": "label"}}
        updated = store.update(edited)
        assert updated["spec"] == {"entrypoint": "other"}
        assert updated["metadata"]["labels"] == {"new": "label"}
        assert updated["status"] == {"phase": "Running"}
        assert updated["metadata"]["uid"] == created["metadata"]["uid"]
        assert updated["metadata"]["resourceVersion"] != with_status["metadata"]["resourceVersion"]
        assert store.get("Workflow", "wf", ns) == updated

    def test_update_status_changes_only_status_and_given_labels(self, store: Store) -> None:
        ns = unique()
        created = store.create(workflow("wf", ns, keep="me"))
        attempt = {**created, "spec": {"entrypoint": "ignored"}, "status": {"phase": "Succeeded"}}
        attempt["metadata"] = {
            **created["metadata"],
            "labels": {"phase": "Succeeded"},
            "annotations": {"ignored": "yes"},
        }
        updated = store.update_status(attempt)
        assert updated["status"] == {"phase": "Succeeded"}
        assert updated["spec"] == created["spec"]
        assert updated["metadata"]["labels"] == {"phase": "Succeeded"}  # the same write
        assert "annotations" not in updated["metadata"]
        assert updated["metadata"]["generation"] == 1
        assert updated["metadata"]["resourceVersion"] != created["metadata"]["resourceVersion"]
        assert store.get("Workflow", "wf", ns) == updated
        assert [
            o["metadata"]["name"] for o in store.list("Workflow", ns, {"phase": "Succeeded"}).items
        ] == ["wf"]

    def test_update_status_without_labels_keeps_them(self, store: Store) -> None:
        ns = unique()
        created = store.create(workflow("wf", ns, keep="me"))
        meta = {k: v for k, v in created["metadata"].items() if k != "labels"}
        updated = store.update_status({**created, "metadata": meta, "status": {"phase": "Running"}})
        assert updated["metadata"]["labels"] == {"keep": "me"}
        assert updated["status"] == {"phase": "Running"}

    def test_update_cannot_change_identity(self, store: Store) -> None:
        ns = unique()
        created = store.create(workflow("wf", ns))
        meta = {**created["metadata"], "uid": "forged", "creationTimestamp": "2000-01-01T00:00:00Z"}
        updated = store.update({**created, "metadata": meta})
        assert updated["metadata"]["uid"] == created["metadata"]["uid"]
        assert updated["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]

    @pytest.mark.parametrize(
        ("change", "generation"),
        [("spec", 2), ("labels", 1), ("status", 1)],
        ids=["spec-bumps", "labels-do-not", "status-does-not"],
    )
    def test_generation_counts_spec_changes(
        self, store: Store, change: str, generation: int
    ) -> None:
        ns = unique()
        obj = store.create(workflow("wf", ns))
        if change == "spec":
            result = store.update({**obj, "spec": {"entrypoint": "other"}})
        elif change == "labels":
            result = store.update({**obj, "metadata": {**obj["metadata"], "labels": {"a": "b"}}})
        else:
            result = store.update_status({**obj, "status": {"phase": "Running"}})
        assert result["metadata"]["generation"] == generation

    @pytest.mark.parametrize("verb", ["update", "update_status"])
    @pytest.mark.parametrize("version", ["stale", "missing"])
    def test_update_with_wrong_resource_version_conflicts(
        self, store: Store, verb: str, version: str
    ) -> None:
        ns = unique()
        first = store.create(workflow("wf", ns))
        latest = store.update({**first, "spec": {"entrypoint": "second"}})
        attempt = {**first, "status": {"phase": "Failed"}, "spec": {"entrypoint": "third"}}
        attempt["metadata"] = dict(first["metadata"])
        if version == "missing":
            del attempt["metadata"]["resourceVersion"]
        with pytest.raises(Conflict):
            getattr(store, verb)(attempt)
        assert store.get("Workflow", "wf", ns) == latest

    def test_a_refused_update_changes_nothing(self, store: Store) -> None:
        ns = unique()
        created = store.create(workflow("wf", ns, keep="me"))
        bad = {**created, "metadata": {**created["metadata"], "labels": {"n": 1}}}
        with pytest.raises(SpecError):
            store.update(bad)
        assert store.get("Workflow", "wf", ns) == created

    @pytest.mark.parametrize("verb", ["update", "update_status"])
    def test_update_of_missing_object_raises_not_found(self, store: Store, verb: str) -> None:
        obj = workflow("ghost", unique())
        obj["metadata"]["resourceVersion"] = "1"
        with pytest.raises(NotFound):
            getattr(store, verb)(obj)

    # -- delete --------------------------------------------------------------------

    def test_delete_then_not_found(self, store: Store) -> None:
        ns = unique()
        store.create(workflow("doomed", ns))
        store.create(workflow("kept", ns))
        store.delete("Workflow", "doomed", ns)
        with pytest.raises(NotFound):
            store.get("Workflow", "doomed", ns)
        with pytest.raises(NotFound):
            store.delete("Workflow", "doomed", ns)
        assert [it["metadata"]["name"] for it in store.list("Workflow", ns).items] == ["kept"]
        assert store.create(workflow("doomed", ns))["metadata"]["generation"] == 1

    # -- watch ---------------------------------------------------------------------

    def test_watch_sees_every_change_in_order_from_a_version(self, store: Store) -> None:
        ns = unique()
        start = store.list("Workflow", ns).resource_version
        created = store.create(workflow("w", ns))
        modified = store.update({**created, "spec": {"entrypoint": "x"}})
        status = store.update_status({**modified, "status": {"phase": "Running"}})
        store.delete("Workflow", "w", ns)
        events = events_until(store.watch("Workflow", ns, start, timeout=IDLE), 4)
        assert [e.type for e in events] == ["ADDED", "MODIFIED", "MODIFIED", "DELETED"]
        assert events[0].object == created
        assert events[1].object == modified
        assert events[2].object == status
        deleted_meta = events[3].object["metadata"]
        assert deleted_meta["uid"] == created["metadata"]["uid"]
        assert deleted_meta["resourceVersion"] not in {
            created["metadata"]["resourceVersion"],
            status["metadata"]["resourceVersion"],
        }

    def test_watch_after_an_event_resumes_after_it(self, store: Store) -> None:
        ns = unique()
        start = store.list("Workflow", ns).resource_version
        first = store.create(workflow("first", ns))
        store.create(workflow("second", ns))
        resumed = store.watch("Workflow", ns, first["metadata"]["resourceVersion"], timeout=IDLE)
        assert summary(events_until(resumed, 1)) == [("ADDED", "second")]
        again = store.watch("Workflow", ns, start, timeout=IDLE)
        assert summary(events_until(again, 2)) == [("ADDED", "first"), ("ADDED", "second")]

    def test_watch_from_a_list_misses_nothing_while_others_write(self, store: Store) -> None:
        ns = unique()
        for i in range(3):
            store.create(workflow(f"before-{i}", ns))
        listed = store.list("Workflow", ns)
        names = [f"during-{i}" for i in range(30)]

        def write() -> None:
            for name in names:
                store.create(workflow(name, ns))

        writer = threading.Thread(target=write)
        writer.start()
        try:
            events = events_until(
                store.watch("Workflow", ns, listed.resource_version, timeout=5), len(names)
            )
        finally:
            writer.join()
        assert summary(events) == [("ADDED", n) for n in names]

    def test_watch_from_now_skips_the_past(self, store: Store) -> None:
        ns = unique()
        store.create(workflow("old", ns))
        watch = store.watch("Workflow", ns, timeout=5)
        store.create(workflow("new", ns))
        assert summary(events_until(watch, 1)) == [("ADDED", "new")]

    def test_watch_filters_kind_and_namespace(self, store: Store) -> None:
        mine, other = unique(), unique()
        start = store.list("Workflow", None).resource_version
        store.create(workflow("a", other))
        store.create({**workflow("b", mine), "kind": "WorkflowTemplate"})
        store.create(workflow("c", mine))
        narrow = events_until(store.watch("Workflow", mine, start, timeout=IDLE), 1)
        assert summary(narrow) == [("ADDED", "c")]
        wide = [
            e
            for e in store.watch("Workflow", None, start, timeout=IDLE)
            if e.object["metadata"]["namespace"] in (mine, other)
        ]
        assert summary(wide) == [("ADDED", "a"), ("ADDED", "c")]

    def test_watch_ends_when_idle(self, store: Store) -> None:
        ns = unique()
        store.create(workflow("quiet", ns))
        began = time.monotonic()
        assert list(store.watch("Workflow", ns, timeout=IDLE)) == []
        assert IDLE * 0.9 <= time.monotonic() - began < IDLE + 5

    # -- concurrency ---------------------------------------------------------------

    @pytest.mark.parametrize("verb", ["update", "update_status"])
    def test_concurrent_updates_one_winner_per_version(self, store: Store, verb: str) -> None:
        ns, writers = unique(), 6
        store.create(workflow("contended", ns))
        for round_ in range(5):
            base = store.get("Workflow", "contended", ns)
            outcomes = race(store, verb, base, writers)
            assert sorted(outcomes) == ["conflict"] * (writers - 1) + ["won"], f"round {round_}"
            after = store.get("Workflow", "contended", ns)
            assert after["metadata"]["resourceVersion"] != base["metadata"]["resourceVersion"]


def race(store: Store, verb: str, base: Obj, writers: int) -> list[str]:
    """`writers` threads write over the same version at once; what happened to each."""
    barrier = threading.Barrier(writers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        # Each write differs from the stored object: on Kubernetes a write identical to
        # it is a no-op (no new resourceVersion), so two writers could both "win".
        mark = {"writer": i, "over": base["metadata"]["resourceVersion"]}
        change = {**base, "spec": mark, "status": mark}
        barrier.wait()
        try:
            getattr(store, verb)(change)
            result = "won"
        except Conflict:
            result = "conflict"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes
