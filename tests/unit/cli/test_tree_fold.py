"""`wf get` of a big workflow: a node's children beyond the fold limit are counted by
phase in one row, the running and failed ones still listed; `--all` and `--node` list
them; an unknown `--node` is a usage error."""

from __future__ import annotations

from typing import Any

from tests.unit.cli.conftest import Wf

NAME = "wide"
PHASES = ["Succeeded"] * 190 + ["Running"] * 4 + ["Failed"] * 2 + ["Pending"] * 4


def _node(node_id: str, name: str, phase: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "name": name,
        "displayName": name.rpartition(".")[2],
        "type": kind,
        "templateName": "work",
        "phase": phase,
        "startedAt": "2026-01-01T00:00:00Z",
        **extra,
    }


def _wide(wf: Wf) -> None:
    obj = wf.store.create(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {"name": NAME, "namespace": "default"},
            "spec": {"entrypoint": "main", "templates": [{"name": "main", "dag": {"tasks": []}}]},
        }
    )
    kids = {
        f"{NAME}-{i}": _node(f"{NAME}-{i}", f"{NAME}.task-{i}", phase, "Pod", boundaryID=NAME)
        for i, phase in enumerate(PHASES)
    }
    root = _node(NAME, NAME, "Running", "DAG", children=list(kids))
    status = {"phase": "Running", "nodes": {NAME: root, **kids}}
    wf.store.update_status({**obj, "status": status})


def test_get_folds_a_big_group_and_counts_the_rest_by_phase(wf: Wf) -> None:
    _wide(wf)
    result = wf("get", NAME)
    assert result.exit_code == 0, result.output
    out = result.output
    for i, phase in enumerate(PHASES):  # the running, pending and failed ones: 10 listed
        listed = f" task-{i} " in out
        assert listed == (phase != "Succeeded"), (i, phase)
    assert "… 190 more (190 Succeeded); --all or --node NAME to list them" in out


def test_get_all_and_node_list_every_child(wf: Wf) -> None:
    _wide(wf)
    for args in (["--all"], ["--node", NAME]):
        out = wf("get", NAME, *args).output
        assert all(f" task-{i} " in out for i in range(len(PHASES))), args
        assert "more (" not in out


def test_get_node_starts_the_tree_at_that_node(wf: Wf) -> None:
    _wide(wf)
    out = wf("get", NAME, "--node", "task-7").output
    assert " task-7 " in out and " task-8 " not in out


def test_get_unknown_node_is_a_usage_error(wf: Wf) -> None:
    _wide(wf)
    result = wf("get", NAME, "--node", "nope")
    assert result.exit_code == 2
    assert "no node named 'nope'" in result.output
