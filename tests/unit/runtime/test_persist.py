"""The process runtime's journal of pod records (workflow_engine.runtime.process.persist):
append-only JSON lines in segments. Real here: files in a temporary directory."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from workflow_engine.runtime.process.persist import Journal, exit_key
from workflow_engine.runtime.process.records import ContainerRecord, PodRecord

MOMENT = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)


def _pod(root: Path, name: str, created: int = 1) -> PodRecord:
    directory = root / "pods" / "default" / name
    return PodRecord(
        name=name,
        namespace="default",
        spec={"containers": [{"name": "main", "command": ["true"]}]},
        labels={"a": "b"},
        annotations={"c": "d"},
        directory=directory,
        init=[],
        main=[ContainerRecord("main", directory / "logs" / "main.log")],
        grace=5.0,
        created=created,
    )


def _journal(root: Path, rotate_bytes: int = 1 << 30) -> Journal:
    return Journal(root / "journal", root / "pods", rotate_bytes)


def _started(root: Path, rotate_bytes: int = 1 << 30) -> Journal:
    journal = _journal(root, rotate_bytes)
    journal.start(journal.load())
    return journal


def _segments(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "journal").glob("*.jsonl"))


def test_the_last_state_wins_and_everything_comes_back(tmp_path: Path) -> None:
    journal = _started(tmp_path)
    pod = _pod(tmp_path, "p")
    journal.created(pod)
    pod.stage, pod.phase, pod.started_at = "main", "Running", MOMENT
    main = pod.main[0]
    main.state, main.started_at, main.shim = "running", MOMENT, (123, 456, 1)
    main.runs = [(7, 8, 1), None]
    journal.save(pod)
    (back,) = _journal(tmp_path).load()
    assert (back.name, back.spec, back.labels, back.annotations, back.grace, back.directory) == (
        "p",
        pod.spec,
        {"a": "b"},
        {"c": "d"},
        5.0,
        pod.directory,
    )
    assert (back.stage, back.phase, back.started_at) == ("main", "Running", MOMENT)
    got = back.main[0]
    assert (got.state, got.started_at, got.shim, got.runs) == (
        "running",
        MOMENT,
        (123, 456, 1),
        [(7, 8, 1), None],
    )


def test_deleted_pods_are_gone_and_the_rest_come_back_oldest_first(tmp_path: Path) -> None:
    journal = _started(tmp_path)
    late, early, gone = (
        _pod(tmp_path, "late", 20),
        _pod(tmp_path, "early", 10),
        _pod(tmp_path, "gone", 5),
    )
    for pod in (late, early, gone):
        journal.created(pod)
    journal.deleted(gone)
    assert [p.name for p in _journal(tmp_path).load()] == ["early", "late"]


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        (b'{"exit":"KEY","code":3}\n', 3),
        (b'{"exit":"KEY","code":3}\n{"exit":"KEY","co', 3),
        (b'{"exit":"KEY.run0","code":4}\n', None),
        (b'{"exit":"KEY","co', None),
        (b'{"pod":"default/p","state":{"pha', None),
    ],
    ids=["recorded", "torn-after", "other-key", "torn", "torn-state"],
)
def test_exit_codes_and_torn_lines(tmp_path: Path, tail: bytes, expected: int | None) -> None:
    journal = _started(tmp_path)
    pod = _pod(tmp_path, "p")
    journal.created(pod)
    key = exit_key(pod, "main")
    with open(tmp_path / "journal" / "1.jsonl", "ab") as f:
        f.write(tail.replace(b"KEY", key.encode()))
    reader = _journal(tmp_path)
    (back,) = reader.load()
    assert back.phase == "Pending"  # the torn line is skipped
    assert reader.exit_code(key) == expected


def test_an_exit_key_tells_a_pod_from_an_earlier_one_of_the_same_name(tmp_path: Path) -> None:
    assert exit_key(_pod(tmp_path, "p", 1), "main") != exit_key(_pod(tmp_path, "p", 2), "main")


def test_a_new_runtime_starts_a_segment_and_keeps_old_ones_only_for_live_shims(
    tmp_path: Path,
) -> None:
    first = _started(tmp_path)
    running, finished = _pod(tmp_path, "running"), _pod(tmp_path, "finished")
    for pod in (running, finished):
        first.created(pod)
    running.stage, running.main[0].state, running.main[0].shim = "main", "running", (9, 9, 1)
    first.save(running)
    first.close()
    second = _journal(tmp_path)
    second.start(second.load())
    assert _segments(tmp_path) == ["1.jsonl", "2.jsonl"]  # shim 9 may still append to 1
    with open(tmp_path / "journal" / "1.jsonl", "ab") as f:
        f.write(b'{"exit":"' + exit_key(running, "main").encode() + b'","code":0}\n')
    assert second.exit_code(exit_key(running, "main")) == 0
    running.main[0].state = "terminated"
    second.save(running)
    second.close()
    third = _journal(tmp_path)
    third.start(third.load())
    assert _segments(tmp_path) == ["3.jsonl"]
    assert sorted(p.name for p in _journal(tmp_path).load()) == ["finished", "running"]


def test_a_snapshot_past_the_bound_is_not_written_again_on_every_save(tmp_path: Path) -> None:
    """Rotations are spaced by the snapshot's size: with a table whose snapshot alone is
    past `rotate_bytes`, a save does not rewrite the table (it did, every save, from
    about 38,000 pods on at the default bound: issue 12's second stall)."""
    journal = _started(tmp_path, rotate_bytes=100)
    pods = [_pod(tmp_path, f"p{i}", i) for i in range(20)]
    for pod in pods:
        journal.created(pod)
    journal.rotate_if_due(lambda: pods)  # the table is past the bound: one snapshot
    first = journal.seq
    snapshot = (tmp_path / "journal" / f"{first}.jsonl").stat().st_size
    for _ in range(3):
        for pod in pods[:2]:
            journal.save(pod)
        journal.rotate_if_due(lambda: pods)
    segment = (tmp_path / "journal" / f"{first}.jsonl").stat().st_size
    assert snapshot > 100 and segment - snapshot < snapshot  # less appended than it holds
    assert journal.seq == first
    for _ in range(40):  # then as much again as the snapshot: it rotates
        for pod in pods:
            journal.save(pod)
        journal.rotate_if_due(lambda: pods)
    assert journal.seq > first
    assert [p.name for p in _journal(tmp_path).load()] == [f"p{i}" for i in range(20)]


def test_a_full_segment_rotates_to_a_snapshot(tmp_path: Path) -> None:
    journal = _started(tmp_path, rotate_bytes=2000)
    pods = [_pod(tmp_path, f"p{i}", i) for i in range(3)]
    for pod in pods:
        journal.created(pod)
    for _ in range(10):
        for pod in pods:
            journal.save(pod)
        journal.rotate_if_due(lambda: pods)
    # the current segment and the one before (a shim may have been starting with it)
    segments = _segments(tmp_path)
    assert len(segments) == 2 and "1.jsonl" not in segments
    assert [p.name for p in _journal(tmp_path).load()] == ["p0", "p1", "p2"]
