"""`wf` end to end in embedded mode: real store, runtime, executor, engine, controller."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.controller.conftest import REPO, Embedded, data, poll
from workflow_engine.runtime.process.isolation import describe_boundary

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "example",
    ["hello-world.yaml", "steps.yaml", "dag-diamond.yaml", "output-parameters.yaml"],
)
def test_examples_succeed(embedded: Embedded, example: str) -> None:
    result = embedded.wf("submit", str(REPO / "examples" / example), "--wait", "-o", "json")
    assert result.exit_code == 0, result.output
    obj = json.loads(result.output)
    assert obj["status"]["phase"] == "Succeeded"
    pods = [n for n in obj["status"]["nodes"].values() if n["type"] == "Pod"]
    assert pods and all(n["phase"] == "Succeeded" for n in pods)


def test_outputs_are_in_get_json(embedded: Embedded) -> None:
    example = str(REPO / "examples" / "output-parameters.yaml")
    name = embedded.wf("submit", example, "--wait", "-o", "name").output.strip()
    obj = json.loads(embedded.wf("get", name, "-o", "json").output)
    outputs = [
        p
        for n in obj["status"]["nodes"].values()
        for p in ((n.get("outputs") or {}).get("parameters") or [])
    ]
    assert outputs, obj["status"]["nodes"]
    assert all(p.get("value") for p in outputs)


def test_logs_of_a_finished_workflow(embedded: Embedded) -> None:
    example = str(REPO / "examples" / "hello-world.yaml")
    name = embedded.wf("submit", example, "--wait", "-o", "name").output.strip()
    assert embedded.wf("logs", name).output == f"{name}: hello world\n"


def test_a_failing_step_exits_1_with_the_message(embedded: Embedded) -> None:
    result = embedded.wf("submit", data("embedded", "failing-step.yaml"), "--wait")
    assert result.exit_code == 1
    assert " Failed: " in result.output
    name = result.output.split()[0]
    obj = json.loads(embedded.wf("get", name, "-o", "json").output)
    boom = next(n for n in obj["status"]["nodes"].values() if n["displayName"] == "boom")
    assert boom["phase"] == "Failed"
    assert "3" in boom["message"]
    ok = next(n for n in obj["status"]["nodes"].values() if n["displayName"] == "ok")
    assert ok["phase"] == "Succeeded"


def test_a_missing_command_and_a_deadline_fail_their_nodes_while_another_completes(
    embedded: Embedded,
) -> None:
    names = {}
    for key, file in [
        ("missing", data("embedded", "missing-command.yaml")),
        ("deadline", data("embedded", "deadline.yaml")),
        ("hello", str(REPO / "examples" / "hello-world.yaml")),
    ]:
        result = embedded.wf("submit", file, "-o", "name")
        assert result.exit_code == 0, result.output
        names[key] = result.output.strip()
    waited = embedded.wf("wait", *names.values())
    assert waited.exit_code == 1
    phases = dict(line.split() for line in waited.output.splitlines())
    assert phases[names["hello"]] == "Succeeded"
    missing = json.loads(embedded.wf("get", names["missing"], "-o", "json").output)
    node = next(iter(missing["status"]["nodes"].values()))
    assert node["phase"] in ("Failed", "Error")
    assert "no-such-program-wf-test" in node["message"] or "127" in node["message"]
    late = json.loads(embedded.wf("get", names["deadline"], "-o", "json").output)
    node = next(iter(late["status"]["nodes"].values()))
    assert node["phase"] in ("Failed", "Error")
    assert "deadline" in node["message"].lower()


def test_nothing_is_stored_on_a_user_error(embedded: Embedded) -> None:
    result = embedded.wf("submit", data("cli", "unknown-template.yaml"))
    assert result.exit_code == 2
    assert embedded.wf("list", "-o", "name").output == ""


def test_logs_follow_streams_every_pod_until_the_end(embedded: Embedded) -> None:
    name = embedded.wf("submit", str(REPO / "examples" / "steps.yaml"), "-o", "name")
    name = name.output.strip()
    followed = embedded.wf("logs", name, "-f")
    assert followed.exit_code == 0, followed.output
    assert sorted(followed.output.splitlines()) == [
        "hello1: hello1",
        "hello2a: hello2a",
        "hello2b: hello2b",
    ]
    prefix, stamp, text = embedded.wf("logs", name, "hello2a", "--timestamps").output.split()
    assert (prefix, text) == ("hello2a:", "hello2a")
    assert stamp.startswith("20") and stamp.endswith("Z")


def test_version_describes_this_machine(embedded: Embedded) -> None:
    result = embedded.wf("version", "-o", "json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["state dir"] == str(embedded.home)
    assert info["sandbox"].split()[0] in ("overlay", "plain")
    kind = info["sandbox"].split()[0]
    assert info["isolation"] == describe_boundary(kind)  # the same probe as its runtime
    assert info["controller running"].startswith("yes")


def test_suspend_step_waits_for_resume(embedded: Embedded) -> None:
    name = embedded.wf("submit", str(REPO / "examples" / "suspend-resume.yaml"), "-o", "name")
    name = name.output.strip()
    poll(lambda: _node(embedded, name, "approve").get("phase") == "Running", what="approve")
    assert embedded.wf("resume", name).exit_code == 0
    assert embedded.wf("wait", name).output == f"{name} Succeeded\n"


def test_retry_reruns_only_the_failed_step(embedded: Embedded, tmp_path: Path) -> None:
    spec = tmp_path / "retry-me.yaml"
    spec.write_text(
        Path(data("embedded", "retry-me.yaml")).read_text().replace("__DIR__", str(tmp_path))
    )
    first = embedded.wf("submit", str(spec), "--wait")
    assert first.exit_code == 1
    name = first.output.split()[0]
    assert "no go file" in embedded.wf("logs", name, "gate").output
    (tmp_path / "go").touch()
    retried = embedded.wf("retry", name, "--wait")
    assert retried.exit_code == 0, retried.output
    assert retried.output.splitlines()[-1] == f"{name} Succeeded"
    assert (tmp_path / "lines").read_text() == "ok\n"


def _node(embedded: Embedded, workflow: str, display_name: str) -> dict:
    obj = json.loads(embedded.wf("get", workflow, "-o", "json").output)
    for node in ((obj.get("status") or {}).get("nodes") or {}).values():
        if node.get("displayName") == display_name:
            return node
    return {}
