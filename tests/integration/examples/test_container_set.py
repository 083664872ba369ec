"""containerSet templates end to end in embedded mode (real store, process runtime,
executor and controller: see tests/integration/controller/conftest.py).

What Argo gives, from its container-set-template.md, executeContainerSet
(workflow/controller/container_set_template.go) and podReconciliation's container
loop (workflow/controller/operator.go): one pod node, a Container node per member named
`<pod node>.<member>` with the member as display name, children along the
dependencies; a member's exit code 0 is Succeeded, 64 (the emissary's own failure, a
dependency that failed) Error, others Failed; outputs come from `main`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.controller.conftest import REPO, Embedded, embedded  # noqa: F401

pytestmark = pytest.mark.integration
DATA = REPO / "tests" / "data" / "container_set"
Wf = dict[str, Any]


def submit(env: Embedded, path: Path) -> Wf:
    run = env.wf("submit", str(path), "--wait", "-o", "json")
    assert run.exit_code in (0, 1), run.output
    return json.loads(run.output)


def by_display(wf: Wf) -> dict[str, Wf]:
    return {n["displayName"]: n for n in wf["status"]["nodes"].values()}


def logs(env: Embedded, *args: str) -> str:
    run = env.wf("logs", *args)
    assert run.exit_code == 0, run.output
    return run.output


def test_example_runs_members_in_dependency_order_with_retries(embedded: Embedded) -> None:  # noqa: F811
    wf = submit(embedded, REPO / "examples" / "container-set.yaml")
    assert wf["status"]["phase"] == "Succeeded", json.dumps(wf["status"], indent=1)[:3000]
    name = wf["metadata"]["name"]
    nodes = by_display(wf)
    pod = nodes[name]
    assert pod["type"] == "Pod" and pod["phase"] == "Succeeded"
    members = {m: nodes[m] for m in ("a", "b", "main")}
    assert {n["type"] for n in members.values()} == {"Container"}
    assert {n["phase"] for n in members.values()} == {"Succeeded"}
    assert {n["name"] for n in members.values()} == {f"{name}.{m}" for m in members}
    assert {n["boundaryID"] for n in members.values()} == {pod["id"]}
    ids = {m: n["id"] for m, n in members.items()}
    assert sorted(pod["children"]) == sorted([ids["a"], ids["b"]])
    assert members["a"]["children"] == [ids["main"]] == members["b"]["children"]
    # main ran last, after b's second try: its log line is the third
    [param] = pod["outputs"]["parameters"]
    lines = param["value"].splitlines()
    assert sorted(lines[:2]) == ["a: fetched sources", "b: warmed the cache"]
    assert lines[2] == "main: built"
    assert pod["outputs"]["exitCode"] == "0"
    assert pod["outputs"]["result"] == "3"
    # each member's log, by its node
    assert "cache not warm yet" in logs(embedded, name, f"{name}.b")
    assert "retry 1 of 2" in logs(embedded, name, f"{name}.b")
    assert "cache not warm" not in logs(embedded, name, f"{name}.a")
    assert "3" in logs(embedded, name, "main").split()
    # `wf get` lists each member under the pod node, as `argo get` does
    run = embedded.wf("get", name)
    assert run.exit_code == 0, run.output
    rows = [line.split() for line in run.output.splitlines()]
    members = [r for r in rows if r[:2] in (["├─✔", "a"], ["├─✔", "b"], ["└─✔", "main"])]
    assert [r[1] for r in members] == ["a", "b", "main"]
    assert {(r[2], r[3]) for r in members} == {("build", name)}


def test_failed_dependency_fails_the_set(embedded: Embedded) -> None:  # noqa: F811
    wf = submit(embedded, DATA / "dependency-fails.yaml")
    assert wf["status"]["phase"] == "Failed"
    nodes = by_display(wf)
    pod = nodes[wf["metadata"]["name"]]
    assert pod["phase"] == "Failed"
    assert pod["message"] == "Error (exit code 3)"  # the first member that failed
    assert nodes["a"]["phase"] == "Failed"
    assert nodes["a"]["message"] == "a: Error (exit code 3)"
    assert nodes["side"]["phase"] == "Succeeded"
    assert nodes["main"]["phase"] == "Error"
    assert nodes["main"]["message"].startswith("main: Error (exit code 64)")
    all_logs = logs(embedded, wf["metadata"]["name"])
    assert "a is failing" in all_logs and "side ran" in all_logs
    assert "main must not run" not in all_logs
    assert "dependency 'a' exited with non-zero code: 3" in all_logs
    followed = logs(embedded, wf["metadata"]["name"], "--follow")  # ends: all are done
    assert "a is failing" in followed and "side ran" in followed


def test_outputs_wait_for_every_member(embedded: Embedded) -> None:  # noqa: F811
    wf = submit(embedded, DATA / "workspace-outputs.yaml")
    assert wf["status"]["phase"] == "Succeeded", json.dumps(wf["status"], indent=1)[:3000]
    pod = by_display(wf)[wf["metadata"]["name"]]
    [param] = pod["outputs"]["parameters"]
    assert param["value"] == "written late"
    assert [a["name"] for a in pod["outputs"]["artifacts"]] == ["out"]
    assert pod["outputs"]["result"] == "main done"


def test_a_member_that_cannot_start_ends_the_set(embedded: Embedded) -> None:  # noqa: F811
    wf = submit(embedded, DATA / "member-cannot-start.yaml")
    assert wf["status"]["phase"] == "Failed", json.dumps(wf["status"], indent=1)[:3000]
    nodes = by_display(wf)
    pod = nodes[wf["metadata"]["name"]]
    assert pod["message"].startswith("ContainerCannotRun (exit code 128)")
    assert "ghost" in pod["message"]
    assert nodes["a"]["phase"] == "Failed"
    assert nodes["main"]["phase"] in ("Failed", "Error")
