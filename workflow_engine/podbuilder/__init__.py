"""The pod builder: node -> Kubernetes Pod manifest (a plain dict).

`build_pod(workflow, template, node_id=..., node_name=..., pod_name=..., now=...,
deadline=..., config=PodConfig(...))` is the one place pod shape is decided;
`strategic_merge` is how `podSpecPatch` is applied. Imports only the spec room.
"""

from workflow_engine.podbuilder.build import POD_TEMPLATE_KINDS, PodConfig, build_pod
from workflow_engine.podbuilder.containers import MAIN, SCRIPT_PATH, escape_env_value
from workflow_engine.podbuilder.patch import strategic_merge
from workflow_engine.vocabulary import (
    COMPLETED_LABEL,
    NODE_ID_ANNOTATION,
    NODE_NAME_ANNOTATION,
    WORKFLOW_LABEL,
)

__all__ = [
    "COMPLETED_LABEL",
    "MAIN",
    "NODE_ID_ANNOTATION",
    "NODE_NAME_ANNOTATION",
    "POD_TEMPLATE_KINDS",
    "SCRIPT_PATH",
    "WORKFLOW_LABEL",
    "PodConfig",
    "build_pod",
    "escape_env_value",
    "strategic_merge",
]
