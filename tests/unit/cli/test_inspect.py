"""`wf list`, `wf get`, `wf watch`, `wf wait`, `wf logs`: reading workflows."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.support.polling import poll
from tests.unit.cli.conftest import Wf, data
from workflow_engine.engine.naming import pod_name


def submitted(wf: Wf, file: str = "hello.yaml", *args: str) -> str:
    result = wf("submit", data(file), "-o", "name", *args)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def finished(wf: Wf, name: str) -> dict:
    def done() -> dict | None:
        obj = wf.store.get("Workflow", name)
        phase = (obj.get("status") or {}).get("phase")
        return obj if phase in ("Succeeded", "Failed", "Error") else None

    return poll(done, what=f"{name} to finish")


@pytest.fixture
def two(wf: Wf) -> tuple[str, str]:
    ok = submitted(wf, "hello.yaml", "-l", "kind=ok")
    bad = submitted(wf, "failing.yaml", "-l", "kind=bad")
    finished(wf, ok)
    finished(wf, bad)
    return ok, bad


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param([], {"ok", "bad"}, id="all"),
        pytest.param(["--completed"], {"ok", "bad"}, id="completed"),
        pytest.param(["--running"], set(), id="running"),
        pytest.param(["--phase", "Failed"], {"bad"}, id="phase"),
        pytest.param(["-l", "kind=ok"], {"ok"}, id="selector"),
        pytest.param(["-l", "kind"], {"ok", "bad"}, id="selector-presence"),
        pytest.param(["--since", "1h"], {"ok", "bad"}, id="since"),
    ],
)
def test_list_filters(wf: Wf, two: tuple[str, str], args: list[str], expected: set[str]) -> None:
    names = {"ok": two[0], "bad": two[1]}
    result = wf("list", "-o", "name", *args)
    assert result.exit_code == 0, result.output
    assert set(result.output.split()) == {names[k] for k in expected}


def test_list_table_and_wide_and_json(wf: Wf, two: tuple[str, str]) -> None:
    table = wf("list").output
    assert table.splitlines()[0].split() == [
        "NAME",
        "STATUS",
        "AGE",
        "DURATION",
        "PROGRESS",
        "MESSAGE",
    ]
    assert "✔ Succeeded" in table and "✖ Failed" in table
    assert "kind=ok" in wf("list", "-o", "wide").output
    items = json.loads(wf("list", "-o", "json").output)
    assert {i["metadata"]["name"] for i in items} == set(two)


def test_list_says_when_there_is_nothing(wf: Wf) -> None:
    assert wf("list").output == "No workflows found\n"


def test_list_rejects_a_bad_duration(wf: Wf) -> None:
    result = wf("list", "--since", "soon")
    assert result.exit_code == 2
    assert result.output == "--since: invalid duration 'soon'; use e.g. 30s, 10m, 1h, 7d\n"


def test_get_shows_the_tree_and_outputs_as_json(wf: Wf, two: tuple[str, str]) -> None:
    ok, bad = two

    def with_events() -> str | None:  # the events are written after the final status
        output = wf("get", ok).output
        return output if "WorkflowSucceeded" in output else None

    tree = poll(with_events, what=f"{ok}'s WorkflowSucceeded event in wf get", interval=0.2)
    assert "Name:" in tree and ok in tree
    assert "STEP" in tree and "TEMPLATE" in tree and "PODNAME" in tree
    assert pod_name(ok, f"{ok}[0]", "main") in tree
    failed = wf("get", bad).output
    assert "✖ Failed" in failed and "exit code 1" in failed
    as_json = json.loads(wf("get", ok, "-o", "json").output)
    assert as_json["status"]["phase"] == "Succeeded"
    as_yaml = yaml.safe_load(wf("get", ok, "-o", "yaml").output)
    assert as_yaml["metadata"]["name"] == ok


def test_get_latest(wf: Wf, two: tuple[str, str]) -> None:
    assert wf("get", "@latest", "-o", "name").output.strip() == two[1]


def test_get_of_an_unknown_workflow_is_one_line_exit_1(wf: Wf) -> None:
    result = wf("get", "nope")
    assert result.exit_code == 1
    assert result.output == "error: Workflow default/nope not found\n"


def test_debug_shows_the_traceback(wf: Wf) -> None:
    result = wf("--debug", "get", "nope")
    assert result.exit_code == 1
    assert "Traceback" in result.output


def test_watch_and_wait_exit_codes(wf: Wf, two: tuple[str, str]) -> None:
    ok, bad = two
    assert wf("watch", ok).exit_code == 0
    assert wf("watch", bad).exit_code == 1
    assert wf("wait", ok).output == f"{ok} Succeeded\n"
    result = wf("wait", ok, bad)
    assert result.exit_code == 1
    assert result.output == f"{ok} Succeeded\n{bad} Failed\n"


def test_logs_prefix_grep_and_node_selection(wf: Wf) -> None:
    name = submitted(wf)
    finished(wf, name)
    pod = pod_name(name, f"{name}[0]", "main")
    wf.runtime.logs_by_pod[pod] = [b"hello\n", b"world\n"]
    assert wf("logs", name).output == "main: hello\nmain: world\n"
    assert wf("logs", name, "--grep", "wor").output == "main: world\n"
    assert wf("logs", name, "--no-prefix").output == "hello\nworld\n"
    assert wf("logs", name, pod).output == "main: hello\nmain: world\n"
    assert wf("logs", name, "other-node").output == ""
