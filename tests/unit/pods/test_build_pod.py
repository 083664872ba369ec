"""The pod builder's manifest table: one row per field of the pod it decides.

Everything here is real: spec models loaded from tests/data/pods, the pure builder.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from workflow_engine.errors import PermanentError, SpecError
from workflow_engine.podbuilder import PodConfig, build_pod
from workflow_engine.spec import load_objects
from workflow_engine.spec.models import Template, Workflow, WorkflowStatus

DATA = Path(__file__).parents[2] / "data" / "pods"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
CONFIG = PodConfig(
    store_url="sqlite:///var/wf/store.db",
    artifact_repository='{"local":{"path":"/var/wf/artifacts"}}',
)


def _workflow(name: str = "workflow.yaml") -> Workflow:
    (wf,) = load_objects((DATA / name).read_text())
    assert isinstance(wf, Workflow)
    return wf


def _template(wf: Workflow, name: str) -> Template:
    return next(t for t in wf.spec.templates or () if t.name == name)


def _pod(
    template: str,
    *,
    deadline: datetime | None = None,
    config: PodConfig = CONFIG,
    workflow: str = "workflow.yaml",
) -> dict[str, Any]:
    wf = _workflow(workflow)
    return build_pod(
        wf,
        _template(wf, template),
        node_id="demo-123",
        node_name="demo.step",
        pod_name="demo-step-123",
        now=NOW,
        deadline=deadline,
        config=config,
    )


def _main(pod: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in pod["spec"]["containers"] if c["name"] == "main")


def _env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e.get("value") for e in container.get("env", [])}


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = obj[int(part)] if isinstance(obj, list) else obj.get(part)
        if obj is None:
            return None
    return obj


# (template, path in the manifest, expected value)
FIELDS = [
    ("plain", "apiVersion", "v1"),
    ("plain", "kind", "Pod"),
    ("plain", "metadata.name", "demo-step-123"),
    ("plain", "metadata.namespace", "team-a"),
    ("plain", "spec.restartPolicy", "Never"),
    ("plain", "spec.containers.0.name", "main"),
    ("plain", "spec.containers.0.image", "alpine:3.19"),
    ("plain", "spec.serviceAccountName", "wf-sa"),
    ("full", "spec.serviceAccountName", "tmpl-sa"),
    ("plain", "spec.automountServiceAccountToken", False),
    ("full", "spec.automountServiceAccountToken", True),
    ("plain", "spec.nodeSelector", {"disk": "hdd"}),
    ("full", "spec.nodeSelector", {"disk": "ssd"}),
    ("plain", "spec.tolerations", [{"key": "wf", "operator": "Exists"}]),
    ("full", "spec.tolerations", [{"key": "tmpl", "operator": "Exists"}]),
    (
        "plain",
        "spec.affinity",
        {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": []}},
    ),
    ("full", "spec.affinity", {"podAffinity": {}}),
    ("plain", "spec.schedulerName", "wf-scheduler"),
    ("full", "spec.schedulerName", "tmpl-scheduler"),
    ("plain", "spec.priorityClassName", "wf-priority"),
    ("full", "spec.priorityClassName", "tmpl-priority"),
    ("plain", "spec.hostAliases", [{"ip": "10.0.0.1", "hostnames": ["wf.local"]}]),
    (
        "full",
        "spec.hostAliases",
        [
            {"ip": "10.0.0.1", "hostnames": ["wf.local"]},
            {"ip": "10.0.0.2", "hostnames": ["tmpl.local"]},
        ],
    ),
    ("plain", "spec.imagePullSecrets", [{"name": "regcred"}]),
    ("plain", "spec.securityContext", {"runAsUser": 1000}),
    ("full", "spec.securityContext", {"runAsUser": 2000}),
    ("plain", "spec.dnsPolicy", "None"),
    ("plain", "spec.dnsConfig", {"nameservers": ["1.1.1.1"]}),
    ("plain", "spec.hostNetwork", True),
    ("full", "spec.containers.0.workingDir", "/work"),
    ("full", "spec.containers.0.resources", {"limits": {"cpu": "500m", "memory": "128Mi"}}),
    ("full", "spec.containers.0.ports", [{"containerPort": 8080, "name": "http"}]),
    ("full", "spec.containers.0.securityContext", {"readOnlyRootFilesystem": True}),
    ("full", "spec.containers.1.name", "db"),
    ("full", "spec.initContainers.0.name", "fetch"),
    ("plain", "spec.initContainers", None),
    ("plain", "spec.activeDeadlineSeconds", None),
    ("plain", "metadata.ownerReferences.0.uid", "0b7e6b38-uid"),
    ("plain", "metadata.ownerReferences.0.kind", "Workflow"),
    ("plain", "metadata.ownerReferences.0.name", "demo"),
    ("plain", "metadata.ownerReferences.0.controller", True),
    ("plain", "metadata.ownerReferences.0.blockOwnerDeletion", True),
]


@pytest.mark.parametrize(
    ("template", "path", "expected"), FIELDS, ids=[f"{t}:{p}" for t, p, _ in FIELDS]
)
def test_manifest_field(template: str, path: str, expected: Any) -> None:
    assert _get(_pod(template), path) == expected


def test_labels_and_annotations_merge_workflow_then_template_then_ours() -> None:
    meta = _pod("full")["metadata"]
    assert meta["labels"] == {
        "team": "a",
        "shared": "from-template",
        "role": "worker",
        "workflows.argoproj.io/workflow": "demo",
        "workflows.argoproj.io/completed": "false",
        "workflows.argoproj.io/workflow-uid": "0b7e6b38-uid",
    }
    assert meta["annotations"] == {
        "note": "from-workflow",
        "extra": "yes-please",
        "workflows.argoproj.io/node-name": "demo.step",
        "workflows.argoproj.io/node-id": "demo-123",
    }


@pytest.mark.parametrize(
    ("template", "user_argv"),
    [
        ("plain", ["sh", "-c", "echo $$ $(HOME) hi"]),
        ("full", ["python", "-c", "print(1)"]),
        ("script", ["python", "/wf/staging/script", "--flag"]),
    ],
    ids=["container", "container-with-args", "script"],
)
def test_main_command_is_wrapped_by_the_executor(template: str, user_argv: list[str]) -> None:
    main = _main(_pod(template))
    assert main["command"] == ["wf-exec", "run", "--", *user_argv]
    assert "args" not in main


def test_executor_command_comes_from_the_config() -> None:
    config = PodConfig(executor_command=("/opt/wf/bin/wf-exec",))
    assert _main(_pod("plain", config=config))["command"][:3] == [
        "/opt/wf/bin/wf-exec",
        "run",
        "--",
    ]


def test_executor_environment() -> None:
    env = _env(_main(_pod("full")))
    assert env["GREETING"] == "hello"
    assert env["WF_NODE_ID"] == "demo-123"
    assert env["WF_NODE_NAME"] == "demo.step"
    assert env["WF_POD_NAME"] == "demo-step-123"
    assert env["WF_WORKFLOW_NAME"] == "demo"
    assert env["WF_WORKFLOW_UID"] == "0b7e6b38-uid"
    assert env["WF_NAMESPACE"] == "team-a"
    assert env["WF_WORKFLOW_CREATION_TIMESTAMP"] == "2026-01-02T03:04:05Z"
    assert env["WF_STORE"] == "sqlite:///var/wf/store.db"
    assert json.loads(env["WF_ARTIFACT_REPOSITORY"]) == {"local": {"path": "/var/wf/artifacts"}}
    assert json.loads(env["WF_TEMPLATE"])["name"] == "full"


def test_dollars_in_the_template_survive_kubernetes_env_expansion() -> None:
    raw = _env(_main(_pod("script")))["WF_TEMPLATE"]
    # Kubernetes turns `$$` into `$`; the builder doubled every `$` so the source is intact.
    assert json.loads(raw.replace("$$", "$"))["script"]["source"] == 'print("hi $$ $(X)")\n'


def test_script_output_can_be_left_out() -> None:
    wf = _workflow()
    assert "WF_INCLUDE_SCRIPT_OUTPUT" not in _env(_main(_pod("plain")))
    pod = build_pod(
        wf,
        _template(wf, "plain"),
        node_id="n",
        node_name="n",
        pod_name="p",
        now=NOW,
        deadline=None,
        config=CONFIG,
        include_script_output=False,
    )
    assert _env(_main(pod))["WF_INCLUDE_SCRIPT_OUTPUT"] == "false"


def test_store_and_repository_env_left_out_when_not_configured() -> None:
    env = _env(_main(_pod("plain", config=PodConfig())))
    assert "WF_STORE" not in env
    assert "WF_ARTIFACT_REPOSITORY" not in env


def test_script_gets_a_staging_volume() -> None:
    pod = _pod("script")
    assert {"name": "wf-staging", "mountPath": "/wf/staging"} in _main(pod)["volumeMounts"]
    assert {"name": "wf-staging", "emptyDir": {}} in pod["spec"]["volumes"]
    assert "source" not in _main(pod)


def test_volumes_template_plus_mounted_workflow_volumes_and_claims() -> None:
    volumes = _pod("full")["spec"]["volumes"]
    assert volumes == [
        {"name": "data", "emptyDir": {}},
        {"name": "work", "persistentVolumeClaim": {"claimName": "demo-work"}},
        {"name": "scratch", "emptyDir": {}},
    ]
    assert "volumes" not in _pod("plain")["spec"]


def test_claims_the_status_lists_are_mounted_too() -> None:
    """A workflowTemplateRef's claim templates are not in the workflow's own spec: the
    claim reaches the pod through `status.persistentVolumeClaims`, as in Argo."""
    wf = _workflow()
    listed = [{"name": "cache", "persistentVolumeClaim": {"claimName": "demo-cache"}}]
    status = WorkflowStatus.model_validate({"persistentVolumeClaims": listed})
    wf = wf.model_copy(update={"status": status})
    doc = _template(wf, "plain").to_dict()
    doc["container"]["volumeMounts"] = [{"name": "cache", "mountPath": "/cache"}]
    template = Template.model_validate(doc)
    pod = build_pod(
        wf,
        template,
        node_id="n",
        node_name="n",
        pod_name="p",
        now=NOW,
        deadline=None,
        config=CONFIG,
    )
    assert pod["spec"]["volumes"] == listed


def test_a_workflow_template_refs_volumes_and_pod_fields_reach_the_pod() -> None:
    """A workflow run from a workflowTemplateRef takes the WorkflowTemplate's volumes
    and workflow-level pod fields (its spec joined under the workflow's own, stored in
    the status by the first decision), as Argo's JoinWorkflowSpec does."""
    wf = _workflow()
    stored = {
        "volumes": [{"name": "shared", "hostPath": {"path": "/srv/shared"}}],
        "nodeSelector": {"disk": "ssd", "zone": "a"},
    }
    status = WorkflowStatus.model_validate({"storedWorkflowTemplateSpec": stored})
    wf = wf.model_copy(update={"status": status})
    doc = _template(wf, "plain").to_dict()
    doc["container"]["volumeMounts"] = [{"name": "shared", "mountPath": "/shared"}]
    pod = build_pod(
        wf,
        Template.model_validate(doc),
        node_id="n",
        node_name="n",
        pod_name="p",
        now=NOW,
        deadline=None,
        config=CONFIG,
    )
    assert {"name": "shared", "hostPath": {"path": "/srv/shared"}} in pod["spec"]["volumes"]
    # the workflow's own fields win, as in Argo: its nodeSelector says disk: hdd
    assert pod["spec"]["nodeSelector"] == {"disk": "hdd", "zone": "a"}


def test_mirror_volume_mounts_copies_main_mounts_once() -> None:
    pod = _pod("full")
    main_mounts = _main(pod)["volumeMounts"]
    init = pod["spec"]["initContainers"][0]
    sidecar = pod["spec"]["containers"][1]
    assert init["volumeMounts"] == main_mounts
    assert [m["mountPath"] for m in sidecar["volumeMounts"]] == ["/data", "/work", "/scratch"]
    assert "mirrorVolumeMounts" not in init and "mirrorVolumeMounts" not in sidecar


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(30.0, 30), (29.2, 30), (0.0, 1), (-5.0, 1)],
    ids=["whole", "rounded-up", "due-now", "past"],
)
def test_active_deadline_from_absolute_deadline(seconds: float, expected: int) -> None:
    pod = _pod("plain", deadline=NOW + timedelta(seconds=seconds))
    assert pod["spec"]["activeDeadlineSeconds"] == expected


def test_template_pod_spec_patch_merges_containers_by_name_and_replaces_lists() -> None:
    pod = _pod("patched")
    main = _main(pod)
    assert main["resources"] == {"limits": {"cpu": "100m", "memory": "1Gi"}}
    assert main["command"][:3] == ["wf-exec", "run", "--"]
    assert _env(main)["A"] == "1"
    assert pod["spec"]["tolerations"] == [{"key": "patched", "operator": "Exists"}]


def test_workflow_patch_then_template_patch() -> None:
    pod = _pod("main", workflow="patched-workflow.yaml")
    assert _main(pod)["resources"] == {"limits": {"memory": "3Gi", "cpu": "1"}}
    assert pod["spec"]["priorityClassName"] == "wf-level"


def test_bad_patch_is_a_spec_error_naming_the_template() -> None:
    with pytest.raises(SpecError, match="bad-patch"):
        _pod("bad-patch", workflow="patched-workflow.yaml")


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("steps", "steps template"),
        ("resource", "resource template"),
        ("http", "http template"),
        ("no-command", "container.command or args is required"),
        ("reserved-env", "WF_STORE is reserved"),
    ],
)
def test_templates_that_are_not_pods_here(template: str, message: str) -> None:
    with pytest.raises(PermanentError, match=message):
        _pod(template)


def test_no_owner_reference_without_uid() -> None:
    wf = _workflow()
    wf = wf.model_copy(update={"metadata": wf.metadata.model_copy(update={"uid": None})})
    pod = build_pod(
        wf,
        _template(wf, "plain"),
        node_id="n",
        node_name="n",
        pod_name="p",
        now=NOW,
        deadline=None,
        config=CONFIG,
    )
    assert "ownerReferences" not in pod["metadata"]


def test_args_without_command_are_the_command_line() -> None:
    """Docker's rule for an image without ENTRYPOINT."""
    command = _main(_pod("args-only"))["command"]
    assert command[command.index("--") + 1 :] == ["echo", "hi"]


def test_a_known_image_entrypoint_runs_with_the_args() -> None:
    def entrypoints(image: str) -> tuple[str, ...] | None:
        return ("argosay",) if image == "argoproj/argosay:v2" else None

    config = PodConfig(entrypoint_for=entrypoints)
    command = _main(_pod("argosay", config=config))["command"]
    assert command[command.index("--") + 1 :] == ["argosay", "echo", "hi"]
    with pytest.raises(PermanentError, match="image 'alpine' is not known"):
        _pod("no-command", config=config)


def test_tty_reaches_the_pod_as_written() -> None:
    """`tty: true` passes to the main container (a kubelet gives it a terminal there;
    the process runtime runs its command on one: workflow_engine/terminal.py)."""
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: t}
spec:
  entrypoint: main
  templates:
    - name: main
      container: {image: busybox, command: [sh, -c, "tty"], tty: true}
"""
    (wf,) = load_objects(text)
    assert isinstance(wf, Workflow)
    pod = build_pod(
        wf,
        _template(wf, "main"),
        node_id="t-1",
        node_name="t",
        pod_name="t-1",
        now=NOW,
        deadline=None,
        config=CONFIG,
    )
    assert _main(pod)["tty"] is True
