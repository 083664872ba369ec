"""`wf logs` finds a node's pod by the name the engine gave it (controller/logs.py
`pod_refs`): a node moved off a colliding id has a pod name of its own. Pure."""

from __future__ import annotations

from typing import Any

from tests.unit.engine.test_id_collisions import WF, colliding_tasks
from workflow_engine.controller.logs import pod_refs
from workflow_engine.engine.naming import node_id, pod_name


def test_nodes_whose_names_hash_alike_have_their_own_pods() -> None:
    x, y = (f"{WF}.{task}" for task in colliding_tasks())
    moved = node_id(WF, y, 1)
    nodes: dict[str, Any] = {
        node_id(WF, x): {"name": x, "displayName": "x", "type": "Pod", "templateName": "echo"},
        moved: {"name": y, "displayName": "y", "type": "Pod", "templateName": "echo"},
    }
    obj = {"metadata": {"name": WF}, "status": {"nodes": nodes}}
    pods = {ref.display_name: ref.pod for ref in pod_refs(obj)}
    assert pods == {"x": pod_name(WF, x, "echo"), "y": pod_name(WF, y, "echo", moved)}
    assert pods["x"] != pods["y"]
    assert [ref.node_id for ref in pod_refs(obj, pods["y"])] == [moved]
