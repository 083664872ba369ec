"""Pod records of the process runtime (workflow_engine.runtime.process.persist): one
append-only JSON-lines file per pod. Real here: files in a temporary directory."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from workflow_engine.runtime.process.persist import (
    RECORD,
    create,
    exit_code,
    load_pods,
    restore,
    save,
)
from workflow_engine.runtime.process.records import ContainerRecord, PodRecord

MOMENT = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)


def _pod(root: Path, name: str, created: int = 1) -> PodRecord:
    directory = root / "default" / name
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


def test_the_last_state_wins_and_everything_comes_back(tmp_path: Path) -> None:
    pod = _pod(tmp_path, "p")
    create(pod)
    pod.stage, pod.phase, pod.started_at = "main", "Running", MOMENT
    main = pod.main[0]
    main.state, main.started_at, main.shim = "running", MOMENT, (123, 456)
    main.runs = [(7, 8), None]
    save(pod)
    back = restore(pod.directory / RECORD)
    assert (back.name, back.spec, back.labels, back.annotations, back.grace) == (
        "p",
        pod.spec,
        {"a": "b"},
        {"c": "d"},
        5.0,
    )
    assert (back.stage, back.phase, back.started_at) == ("main", "Running", MOMENT)
    got = back.main[0]
    assert (got.state, got.started_at, got.shim, got.runs) == (
        "running",
        MOMENT,
        (123, 456),
        [(7, 8), None],
    )


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        (b'{"exit":"main","code":3}\n', 3),
        (b'{"exit":"main","code":3}\n{"exit":"main","co', 3),
        (b'{"exit":"main.run0","code":4}\n', None),
        (b'{"exit":"ma', None),
    ],
    ids=["recorded", "torn-after", "other-key", "torn"],
)
def test_exit_codes_and_torn_lines(tmp_path: Path, tail: bytes, expected: int | None) -> None:
    pod = _pod(tmp_path, "p")
    create(pod)
    with open(pod.directory / RECORD, "ab") as f:
        f.write(tail)
    assert exit_code(pod.directory, "main") == expected
    assert restore(pod.directory / RECORD).phase == "Pending"  # torn lines are skipped


def test_load_pods_in_creation_order_skipping_unreadable_records(tmp_path: Path) -> None:
    for name, created in (("late", 20), ("early", 10)):
        create(_pod(tmp_path, name, created))
    broken = tmp_path / "default" / "broken"
    broken.mkdir()
    (broken / RECORD).write_text("not json\n")
    assert [p.name for p in load_pods(tmp_path)] == ["early", "late"]


def test_a_deleted_pod_is_not_recreated_by_a_late_save(tmp_path: Path) -> None:
    pod = _pod(tmp_path, "p")
    save(pod)
    assert not pod.directory.exists()
