"""Two loop iterations whose node names hash to one node id, end to end in embedded
mode (real store, process runtime, executor and controller: see conftest.py): each
gets its node, its pod and its logs (tests/unit/engine/test_id_collisions.py has the
engine's side; without the fix the loop never completed)."""

from __future__ import annotations

import json

import pytest

from tests.integration.controller.conftest import Embedded, embedded, poll  # noqa: F401
from tests.unit.engine.test_id_collision_index import FIRST, SECOND
from workflow_engine.engine.naming import node_id

pytestmark = pytest.mark.integration

WORKFLOW = f"""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: collide
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - name: t
            template: say
            arguments:
              parameters: [{{name: word, value: "{{{{item}}}}"}}]
            withItems: [{FIRST}, {SECOND}]
    - name: say
      inputs:
        parameters: [{{name: word}}]
      container:
        image: busybox
        command: [echo, "said {{{{inputs.parameters.word}}}}"]
"""


def test_colliding_iterations_both_run(embedded: Embedded) -> None:  # noqa: F811
    spec = embedded.home.parent / "collide.yaml"
    spec.write_text(WORKFLOW)
    run = embedded.wf("submit", str(spec), "-o", "name")
    assert run.exit_code == 0, run.output

    def ended() -> dict[str, object] | None:
        got = json.loads(embedded.wf("get", "collide", "-o", "json").output).get("status")
        return got if got and got.get("phase") in ("Succeeded", "Failed", "Error") else None

    status = poll(ended, what="the workflow to end")  # before the fix: never
    assert isinstance(status, dict)
    assert status["phase"] == "Succeeded"
    first, second = f"collide.t(0:{FIRST})", f"collide.t(1:{SECOND})"
    assert node_id("collide", first) == node_id("collide", second)
    by_name = {n["name"]: n for n in status["nodes"].values()}
    assert by_name[first]["id"] != by_name[second]["id"]
    assert by_name[first]["phase"] == by_name[second]["phase"] == "Succeeded"
    logs = embedded.wf("logs", "collide")
    assert logs.exit_code == 0, logs.output
    assert f"said {FIRST}" in logs.output and f"said {SECOND}" in logs.output
    pods = embedded.paths.runtime / "pods" / "default"
    assert len([p for p in pods.iterdir() if p.name.startswith("collide-say-")]) == 2
