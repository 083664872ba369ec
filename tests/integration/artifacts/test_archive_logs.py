"""archiveLogs through the executor as a program would run it (LocalSandbox: real
processes, stdout and stderr piped): which setting wins, failed commands keep their
logs, and the log lands in the repository as `<keyFormat>/main.log`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration.artifacts.conftest import PodRunner, sh
from workflow_engine.store import MemoryStore

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("repo_setting", "template_setting", "archived"),
    [
        (None, None, False),
        (True, None, True),
        (None, True, True),
        (True, False, False),
        (False, True, True),
    ],
    ids=["off", "repository", "template", "template-turns-off", "template-turns-on"],
)
def test_which_setting_wins(
    tmp_path: Path, repo_setting: bool | None, template_setting: bool | None, archived: bool
) -> None:
    repository: dict[str, Any] = {"local": {"path": str(tmp_path / "repo")}}
    if repo_setting is not None:
        repository["archiveLogs"] = repo_setting
    extra: dict[str, Any] = {}
    if template_setting is not None:
        extra["archiveLocation"] = {"archiveLogs": template_setting}
    pod = PodRunner(tmp_path, MemoryStore(), repository).run(sh("t", "echo hi", **extra))
    names = [a["name"] for a in pod.result["outputs"].get("artifacts", [])]
    assert names == (["main-logs"] if archived else [])


def test_logs_of_a_failed_command_are_kept_with_stderr(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    runner = PodRunner(tmp_path, MemoryStore(), {"archiveLogs": True, "local": {"path": str(repo)}})
    pod = runner.run(sh("boom", "echo out; echo err >&2; echo more; exit 3"))
    assert pod.code == 3
    assert "phase" not in pod.result  # a Failed node, not an executor Error
    [logs] = pod.result["outputs"]["artifacts"]
    assert logs == {"name": "main-logs", "local": {"key": "wf/wf-boom-1/main.log"}}
    text = (repo / "wf" / "wf-boom-1" / "main.log").read_text()
    assert sorted(text.splitlines()) == ["err", "more", "out"]
    # The container's own log still got everything.
    assert pod.stdout == b"out\nmore\n"
    assert pod.result["outputs"]["result"] == "out\nmore"


def test_logs_next_to_other_outputs_and_under_archive_location(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    runner = PodRunner(tmp_path, MemoryStore(), {"local": {"path": str(repo)}})
    out = tmp_path / "o.txt"
    template = sh(
        "t",
        f"echo data > {out}; echo logged",
        outputs={"artifacts": [{"name": "o", "path": str(out)}]},
        archiveLocation={"archiveLogs": True, "local": {"key": "custom/place"}},
    )
    pod = runner.run(template)
    keys = {a["name"]: a["local"]["key"] for a in pod.result["outputs"]["artifacts"]}
    assert keys == {"o": "custom/place/o.tgz", "main-logs": "custom/place/main.log"}
    assert (repo / "custom" / "place" / "main.log").read_text() == "logged\n"


def test_no_repository_is_an_error(tmp_path: Path) -> None:
    runner = PodRunner(tmp_path, MemoryStore(), {"archiveLogs": True})
    pod = runner.run(sh("t", "echo hi", archiveLocation={"archiveLogs": True}))
    assert pod.code == 1 and pod.result["phase"] == "Error"
    assert "no artifact repository is configured" in pod.result["message"]
