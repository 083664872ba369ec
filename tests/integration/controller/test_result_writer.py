"""The TaskResult writer child (controller/result_writer.py): TaskResults written
through it are in the SQLite store and were not written by this process; the store's
errors come back as themselves; a lost child costs no result; close ends the child.
Real here: SqliteStore files and the child process (`python -m ...result_writer`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from executor.report import task_result, write_task_result
from tests.support.polling import poll
from workflow_engine.controller.result_writer import ResultWriter
from workflow_engine.errors import AlreadyExists
from workflow_engine.store import SqliteStore
from workflow_engine.store.base import Obj
from workflow_engine.vocabulary import TASK_RESULT_KIND

pytestmark = pytest.mark.integration


class Recording(SqliteStore):
    """The controller's store, noting the kinds this process created."""

    created: list[str]

    def create(self, obj: Obj) -> Obj:
        self.created.append(obj["kind"])
        return super().create(obj)


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Recording]:
    store = Recording(tmp_path / "store.db")
    store.created = []
    yield store
    store.close()


@pytest.fixture
def writer(local: Recording, tmp_path: Path) -> Iterator[ResultWriter]:
    results = ResultWriter(local, tmp_path / "store.db")
    yield results
    results.close()


def _result(node_id: str, exit_code: str = "0") -> Obj:
    return task_result(
        node_id=node_id, namespace="default", workflow_name="wf", outputs={"exitCode": exit_code}
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_task_result_is_written_by_the_child(writer: ResultWriter, local: Recording) -> None:
    made = writer.create(_result("n1"))
    assert made["metadata"]["resourceVersion"]
    stored = local.get(TASK_RESULT_KIND, "n1")
    assert stored["outputs"] == {"exitCode": "0"}
    assert local.created == []  # not through this process's connection
    assert writer.child_pid is not None


def test_other_kinds_are_written_here(writer: ResultWriter, local: Recording) -> None:
    writer.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}})
    assert local.created == ["ConfigMap"]


def test_errors_come_back_as_the_store_raised_them(writer: ResultWriter) -> None:
    writer.create(_result("n1"))
    with pytest.raises(AlreadyExists):
        writer.create(_result("n1"))


def test_the_executors_upsert_replaces_a_result(writer: ResultWriter, local: Recording) -> None:
    write_task_result(writer, _result("n1", "1"))
    write_task_result(writer, _result("n1", "0"))  # a pod run again reports again
    assert local.get(TASK_RESULT_KIND, "n1")["outputs"] == {"exitCode": "0"}
    assert local.created == []


def test_a_lost_child_costs_no_result(writer: ResultWriter, local: Recording) -> None:
    writer.create(_result("n1"))  # the child has started and answered
    pid = writer.child_pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    writer.create(_result("n2"))
    assert local.get(TASK_RESULT_KIND, "n2")["outputs"] == {"exitCode": "0"}
    assert local.created == [TASK_RESULT_KIND]  # written here, once the child was gone
    assert writer.child_pid is None
    assert not _alive(pid)  # reaped


def test_close_ends_the_child(local: Recording, tmp_path: Path) -> None:
    results = ResultWriter(local, tmp_path / "store.db")
    results.create(_result("n1"))
    pid = results.child_pid
    assert pid is not None
    results.close()
    assert results.child_pid is None
    assert not _alive(pid)
    results.create(_result("n2"))  # after close: written here
    assert local.created == [TASK_RESULT_KIND]


def _ended(pid: int) -> bool:
    """Gone, or a zombie its new parent has not reaped yet."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except FileNotFoundError:
        return True
    return stat[stat.rindex(b")") + 2 :].split()[0] in (b"Z", b"X")


def test_the_child_ends_with_a_killed_controller(tmp_path: Path) -> None:
    program = (
        "import sys, time\n"
        "from workflow_engine.controller.result_writer import ResultWriter\n"
        "from workflow_engine.store import SqliteStore\n"
        "w = ResultWriter(SqliteStore(sys.argv[1]), sys.argv[1])\n"
        "print(w.child_pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    controller = subprocess.Popen(
        [sys.executable, "-c", program, str(tmp_path / "store.db")], stdout=subprocess.PIPE
    )
    try:
        assert controller.stdout is not None
        pid = int(controller.stdout.readline())
        assert not _ended(pid)
    finally:
        controller.kill()  # kill -9: nothing closes the child's stdin but the kernel
        controller.wait()
    poll(lambda: _ended(pid), what="the writer child to end")
