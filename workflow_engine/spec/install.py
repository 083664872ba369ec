"""What a Kubernetes install consists of, besides the CRDs: RBAC and the controller.

Pure data beside `crds.py`; `scripts/gen_crds.py` writes it to `crds/base/` and
`wf install` prints or applies the same objects. The RBAC names both API groups, so
one base serves both install modes and the controller finds its group itself
(ours first, then Argo's). Least privilege:

- the controller (ServiceAccount `wf-controller` in `wf-system`): a ClusterRole to
  read and run workflows in every namespace (pods, logs, task results, the Secrets
  and ConfigMaps of artifact repositories, the ConfigMaps of memoization caches,
  volume claims, PodDisruptionBudgets, Events), and a Role for its leader-election
  Lease;
- pods (ServiceAccount `wf-executor` in `default`): a ClusterRole that lets them write
  their WorkflowTaskResults and read Secrets, granted in `default` by a RoleBinding
  (bind it the same way in every namespace that runs workflows).
"""

from __future__ import annotations

from typing import Any

from workflow_engine.spec.crds import ARGO_GROUP, GROUPS, custom_resource_definitions
from workflow_engine.spec.objects import API_GROUP

NAMESPACE = "wf-system"
CONTROLLER = "wf-controller"
EXECUTOR = "wf-executor"
EXECUTOR_NAMESPACE = "default"
IMAGE = "wf-engine:0.1.0"
METRICS_PORT = 9090  # the controller's Prometheus /metrics

Manifest = dict[str, Any]

_READ = ["get", "list", "watch"]
_WRITE = ["get", "list", "watch", "create", "update", "patch", "delete"]


def _rule(groups: list[str] | tuple[str, ...], resources: list[str], verbs: list[str]) -> Manifest:
    return {"apiGroups": list(groups), "resources": resources, "verbs": verbs}


def _meta(name: str, namespace: str | None = None) -> Manifest:
    meta: Manifest = {"name": name, "labels": {"app.kubernetes.io/part-of": "wf"}}
    if namespace:
        meta["namespace"] = namespace
    return meta


def controller_rules() -> list[Manifest]:
    return [
        _rule(GROUPS, ["workflows", "workflows/finalizers"], _WRITE),
        _rule(GROUPS, ["workflows/status", "cronworkflows/status"], ["get", "update", "patch"]),
        _rule(GROUPS, ["workflowtemplates", "clusterworkflowtemplates"], _READ),
        _rule(GROUPS, ["workfloweventbindings"], _READ),
        _rule(GROUPS, ["cronworkflows"], [*_READ, "update", "patch"]),
        # resource templates: the controller reports their outputs itself
        _rule(
            GROUPS,
            ["workflowtaskresults"],
            [*_READ, "create", "update", "delete", "deletecollection"],
        ),
        # offloaded node maps of large workflows
        _rule(
            GROUPS, ["workflownodechunks"], ["get", "list", "create", "delete", "deletecollection"]
        ),
        _rule([""], ["pods"], ["get", "list", "watch", "create", "patch", "delete"]),
        _rule([""], ["pods/log"], ["get"]),
        _rule([""], ["secrets", "configmaps"], _READ),
        # memoization caches are ConfigMaps the controller writes
        _rule([""], ["configmaps"], ["create", "update"]),
        _rule([""], ["persistentvolumeclaims"], ["get", "create", "delete", "patch"]),
        # a deleted workflow's Events go before a namesake's first reconcile
        _rule(["", "events.k8s.io"], ["events"], ["create", "patch", "list", "deletecollection"]),
        # spec.podDisruptionBudget: made when a workflow starts, deleted when it completes
        _rule(["policy"], ["poddisruptionbudgets"], ["create", "delete"]),
    ]


def leader_election_rules() -> list[Manifest]:
    return [_rule(["coordination.k8s.io"], ["leases"], ["get", "create", "update"])]


def namespaced_controller_rules() -> list[Manifest]:
    """The Role of a controller confined to one namespace (`wf controller --namespaced`,
    its Lease there too): the ClusterRole's rules and the Lease's, so it cannot drift
    from them (tests/data/cluster/kube/controller-deployment.yaml is checked against it)."""
    return [*controller_rules(), *leader_election_rules()]


def executor_rules() -> list[Manifest]:
    return [
        _rule(GROUPS, ["workflowtaskresults"], ["get", "create", "update", "patch"]),
        _rule([""], ["secrets"], ["get"]),
    ]


def install_manifests() -> list[Manifest]:
    """Namespace, ServiceAccounts, roles and bindings, and the controller Deployment."""
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(NAMESPACE)},
        _account(CONTROLLER, NAMESPACE),
        _account(EXECUTOR, EXECUTOR_NAMESPACE),
        _role("ClusterRole", CONTROLLER, None, controller_rules()),
        _binding("ClusterRoleBinding", CONTROLLER, None, "ClusterRole", CONTROLLER, NAMESPACE),
        _role(
            "Role",
            f"{CONTROLLER}-leader-election",
            NAMESPACE,
            leader_election_rules(),
        ),
        _binding(
            "RoleBinding",
            f"{CONTROLLER}-leader-election",
            NAMESPACE,
            "Role",
            f"{CONTROLLER}-leader-election",
            NAMESPACE,
            account=CONTROLLER,
        ),
        _role("ClusterRole", EXECUTOR, None, executor_rules()),
        _binding(
            "RoleBinding",
            EXECUTOR,
            EXECUTOR_NAMESPACE,
            "ClusterRole",
            EXECUTOR,
            EXECUTOR_NAMESPACE,
        ),
        controller_deployment(),
    ]


def _account(name: str, namespace: str) -> Manifest:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(name, namespace)}


def _role(kind: str, name: str, namespace: str | None, rules: list[Manifest]) -> Manifest:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": kind,
        "metadata": _meta(name, namespace),
        "rules": rules,
    }


def _binding(
    kind: str,
    name: str,
    namespace: str | None,
    role_kind: str,
    role: str,
    account_namespace: str,
    account: str | None = None,
) -> Manifest:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": kind,
        "metadata": _meta(name, namespace),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
        "subjects": [
            {"kind": "ServiceAccount", "name": account or name, "namespace": account_namespace}
        ],
    }


def controller_deployment(image: str = IMAGE, replicas: int = 1) -> Manifest:
    labels = {"app.kubernetes.io/name": CONTROLLER}
    container = {
        "name": "controller",
        "image": image,
        "command": ["wf", "controller", "--metrics-port", str(METRICS_PORT)],
        "ports": [{"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"}],
        "env": [
            {"name": "WF_BACKEND", "value": "kubernetes"},
            # the pod's name is its identity in the leader-election Lease
            {
                "name": "WF_LEASE_IDENTITY",
                "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}},
            },
        ],
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        },
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(CONTROLLER, NAMESPACE),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"serviceAccountName": CONTROLLER, "containers": [container]},
            },
        },
    }


def install_objects(group: str, controller: bool = True) -> list[Manifest]:
    """Everything an install applies, in apply order: CRDs first, then the rest."""
    objects = custom_resource_definitions(group)
    rest = install_manifests()
    if not controller:
        rest = [m for m in rest if m["kind"] != "Deployment"]
    return [*objects, *rest]


_DIRECTORY = {API_GROUP: "wfengine", ARGO_GROUP: "argoproj"}


def install_tree() -> dict[str, list[Manifest]]:
    """The files of `crds/` (path -> YAML documents): a kustomize base with the RBAC and
    the controller, one directory of CRDs per API group, and `kubectl apply -k` roots:
    `crds/` (our own group, side by side with Argo) and `crds/argoproj` (Argo's group)."""
    tree: dict[str, list[Manifest]] = {
        "kustomization.yaml": [_kustomization(["base", "wfengine"])],
        "base/kustomization.yaml": [_kustomization(["install.yaml"])],
        "base/install.yaml": install_manifests(),
    }
    for group, directory in _DIRECTORY.items():
        files = []
        for crd in custom_resource_definitions(group):
            name = f"{crd['metadata']['name']}.yaml"
            tree[f"{directory}/{name}"] = [crd]
            files.append(name)
        if group == ARGO_GROUP:
            files.append("../base")
        tree[f"{directory}/kustomization.yaml"] = [_kustomization(files)]
    return tree


def _kustomization(resources: list[str]) -> Manifest:
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
    }
