"""`-o wide` on `wf get` and the template listings (`wf list -o wide` is in
test_inspect): the extra columns and what they show."""

from __future__ import annotations

from tests.unit.cli.conftest import Wf, data

NAME = "built"


def _finished(wf: Wf) -> None:
    obj = wf.store.create(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {"name": NAME, "namespace": "default"},
            "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {}}]},
        }
    )
    node = {
        "id": NAME,
        "name": NAME,
        "displayName": NAME,
        "type": "Pod",
        "templateName": "main",
        "phase": "Succeeded",
        "startedAt": "2026-01-01T00:00:00Z",
        "finishedAt": "2026-01-01T00:00:05Z",
        "hostNodeName": "worker-7",
        "resourcesDuration": {"cpu": 3, "memory": 5},
        "outputs": {"artifacts": [{"name": "report"}, {"name": "logs"}]},
    }
    status = {"phase": "Succeeded", "nodes": {NAME: node}}
    wf.store.update_status({**obj, "status": status})


def test_get_wide_adds_artifacts_resources_and_node_name(wf: Wf) -> None:
    _finished(wf)
    plain = wf("get", NAME).output
    wide = wf("get", NAME, "-o", "wide")
    assert wide.exit_code == 0, wide.output
    for column in ("ARTIFACTS", "RESOURCESDURATION", "NODENAME"):
        assert column in wide.output and column not in plain
    assert "report,logs" in wide.output
    assert "3s*(1 cpu),5s*(1 memory)" in wide.output
    assert "worker-7" in wide.output and "worker-7" not in plain


def test_template_listings_wide(wf: Wf) -> None:
    assert (
        wf("template", "create", data("template.yaml"), data("cluster-template.yaml")).exit_code
        == 0
    )
    plain = wf("template", "list").output
    wide = wf("template", "list", "-o", "wide").output
    assert "NAMESPACE" in wide and "TEMPLATES" in wide and "LABELS" in wide
    assert "TEMPLATES" not in plain
    cluster = wf("cluster-template", "list", "-o", "wide").output
    header, *rows = cluster.splitlines()
    assert "TEMPLATES" in header
    assert [row.split()[0] for row in rows] == ["cluster-greeter"]
    assert rows[0].split()[-1] == "main"  # the TEMPLATES column: its template names
