"""Server-side apply of install manifests (`wf install`): CRDs, RBAC, the controller.

Beside the store, on the same door (`client.Http`). Each object is applied with
field manager `wf`, forcing ownership of the fields it sets, so re-running an
install converges, as `kubectl apply --server-side --force-conflicts` would.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from workflow_engine.errors import SpecError
from workflow_engine.store.kubernetes.client import APPLY_PATCH, Http, api_client
from workflow_engine.store.kubernetes.kinds import Resource
from workflow_engine.store.kubernetes.options import KubernetesOptions

FIELD_MANAGER = "wf"

# (apiVersion, kind) -> plural, namespaced: the kinds an install carries
_KINDS: dict[tuple[str, str], tuple[str, bool]] = {
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"): ("customresourcedefinitions", False),
    ("v1", "Namespace"): ("namespaces", False),
    ("v1", "ServiceAccount"): ("serviceaccounts", True),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): ("clusterroles", False),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): ("clusterrolebindings", False),
    ("rbac.authorization.k8s.io/v1", "Role"): ("roles", True),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): ("rolebindings", True),
    ("apps/v1", "Deployment"): ("deployments", True),
}


def resource_of(obj: dict[str, Any]) -> Resource:
    api_version, kind = str(obj.get("apiVersion")), str(obj.get("kind"))
    try:
        plural, namespaced = _KINDS[(api_version, kind)]
    except KeyError:
        raise SpecError("kind", f"cannot install a {api_version} {kind}") from None
    group, _, version = api_version.rpartition("/")
    return Resource(kind, plural, group, version, namespaced)


def apply_objects(options: KubernetesOptions, objects: Iterable[dict[str, Any]]) -> list[str]:
    """Apply each object in order; returns `kind/name` of each, as kubectl prints them."""
    http = Http(api_client(options), options)
    done = []
    try:
        for obj in objects:
            resource = resource_of(obj)
            meta = obj["metadata"]
            path = resource.item(meta["name"], meta.get("namespace") or "default")
            http.call(
                "PATCH",
                path,
                f"apply {resource.kind} {meta['name']}",
                query=[("fieldManager", FIELD_MANAGER), ("force", "true")],
                body=obj,
                content_type=APPLY_PATCH,
            )
            done.append(f"{resource.kind.lower()}/{meta['name']}")
    finally:
        http.close()
    return done
