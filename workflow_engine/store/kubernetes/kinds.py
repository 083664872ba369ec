"""Which REST path holds each kind the store keeps (Kubernetes store, no I/O).

Our custom resources live in one API group, chosen when the store is opened:
`argoproj.io` (the CRDs replace Argo's) or `wfengine.io` (side by side with
Argo). Secrets and ConfigMaps are the core API's. A kind not in the table does
not exist on the server: reads of it find nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from workflow_engine.errors import NotFound

ARGO_GROUP = "argoproj.io"
OWN_GROUP = "wfengine.io"
GROUPS = (OWN_GROUP, ARGO_GROUP)
VERSION = "v1alpha1"


@dataclass(frozen=True)
class Resource:
    kind: str
    plural: str
    group: str  # "" for the core API
    version: str
    namespaced: bool = True
    status: bool = False  # has the status subresource

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def collection(self, namespace: str | None) -> str:
        """The list/create path (every namespace when `namespace` is None)."""
        root = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace is not None:
            return f"{root}/namespaces/{quote(namespace, safe='')}/{self.plural}"
        return f"{root}/{self.plural}"

    def item(self, name: str, namespace: str, subresource: str = "") -> str:
        path = f"{self.collection(namespace)}/{quote(name, safe='')}"
        return f"{path}/{subresource}" if subresource else path


# kind, plural, namespaced, status subresource
_CUSTOM = (
    ("Workflow", "workflows", True, True),
    ("WorkflowTemplate", "workflowtemplates", True, False),
    ("ClusterWorkflowTemplate", "clusterworkflowtemplates", False, False),
    ("CronWorkflow", "cronworkflows", True, True),
    ("WorkflowEventBinding", "workfloweventbindings", True, False),
    ("WorkflowTaskResult", "workflowtaskresults", True, False),
    ("WorkflowNodeChunk", "workflownodechunks", True, False),  # offloaded node maps
)
_CORE = (("Secret", "secrets"), ("ConfigMap", "configmaps"))

CUSTOM_KINDS = tuple(entry[0] for entry in _CUSTOM)


def resources(group: str) -> dict[str, Resource]:
    """Every kind the store keeps, with our custom kinds in `group`."""
    table = {
        kind: Resource(kind, plural, group, VERSION, namespaced, status)
        for kind, plural, namespaced, status in _CUSTOM
    }
    for kind, plural in _CORE:
        table[kind] = Resource(kind, plural, "", "v1")
    return table


def lookup(table: dict[str, Resource], kind: str) -> Resource:
    try:
        return table[kind]
    except KeyError:
        raise NotFound(f"no kind {kind!r} on the server (known: {', '.join(table)})") from None
