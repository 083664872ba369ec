"""Node -> pod manifest: the one place the shape of a workflow pod is decided.

The controller calls `build_pod` for every leaf node it starts (container, script and
containerSet templates, the last with a container per member: podbuilder/container_set.py;
the other template types do not run as pods here). The result is a plain
Kubernetes Pod dict that both runtimes accept. Scheduling and pod-level fields follow
Argo: the template's value wins over the workflow's (host aliases add up), then the
workflow's and the template's `podSpecPatch` are applied, in that order, last.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workflow_engine.errors import PermanentError, SpecError
from workflow_engine.podbuilder.container_set import STATUS_VOLUME, set_containers
from workflow_engine.podbuilder.containers import (
    MAIN,
    STAGING_VOLUME,
    main_container,
    user_containers,
)
from workflow_engine.podbuilder.patch import strategic_merge
from workflow_engine.spec import load_documents
from workflow_engine.spec.join import exec_spec
from workflow_engine.spec.models import Template, Workflow, format_time
from workflow_engine.vocabulary import (
    COMPLETED_LABEL,
    CONTAINER_SET_ANNOTATION,
    NODE_ID_ANNOTATION,
    NODE_NAME_ANNOTATION,
    SIDECARS_ANNOTATION,
    WORKFLOW_LABEL,
    WORKFLOW_UID_LABEL,
)

POD_TEMPLATE_KINDS = ("container", "script", "containerSet")

# Pod fields where the template's value replaces the workflow's (Argo's order).
_TEMPLATE_OVER_WORKFLOW = (
    ("serviceAccountName", "serviceAccountName"),
    ("automountServiceAccountToken", "automountServiceAccountToken"),
    ("nodeSelector", "nodeSelector"),
    ("affinity", "affinity"),
    ("tolerations", "tolerations"),
    ("schedulerName", "schedulerName"),
    ("priorityClassName", "podPriorityClassName"),
    ("priority", "podPriority"),
    ("securityContext", "securityContext"),
)
# Pod fields only the workflow sets.
_WORKFLOW_ONLY = ("imagePullSecrets", "dnsPolicy", "dnsConfig", "hostNetwork")


@dataclass(frozen=True)
class PodConfig:
    """What the controller knows that the workflow does not say."""

    store_url: str = ""  # WF_STORE; empty when the executor is handed its store in-process
    artifact_repository: str = ""  # WF_ARTIFACT_REPOSITORY: JSON of the repository config
    executor_command: tuple[str, ...] = ("wf-exec",)
    executor_image: str = ""  # the image holding wf-exec (Kubernetes); recorded, see docs
    # image -> its ENTRYPOINT, for a container without `command` (None: unknown image)
    entrypoint_for: Callable[[str], tuple[str, ...] | None] | None = None


def build_pod(
    workflow: Workflow,
    template: Template,
    *,
    node_id: str,
    node_name: str,
    pod_name: str,
    now: datetime,
    deadline: datetime | None,
    config: PodConfig,
    include_script_output: bool = True,
) -> dict[str, Any]:
    """The Pod manifest that runs `template` (already substituted) for one node.

    `include_script_output=False` (when nothing refers to the node's `outputs.result`,
    as Argo decides) keeps stdout out of the node's report and status.
    """
    kind = template.kind
    if kind not in POD_TEMPLATE_KINDS:
        raise PermanentError(
            f"template {template.name!r} is a {kind or 'typeless'} template: only container, "
            "script and containerSet templates run as pods"
        )
    # a workflowTemplateRef's spec (volumes, pod fields...) merged under the workflow's
    # own, as Argo joins them; the first decision stores it in the status
    status = workflow.status
    # the workflow-level fields only: a 100,000-task DAG's templates are megabytes
    wf = exec_spec(workflow, status.stored_workflow_template_spec if status else None).model_dump(
        mode="json", by_alias=True, exclude_unset=True, exclude_none=True, exclude={"templates"}
    )
    tmpl = _with_archive_logs(template.to_dict(), wf)
    namespace = workflow.metadata.namespace or "default"
    wf_env = _wf_env(workflow, tmpl, node_id, node_name, pod_name, config)
    if not include_script_output:
        wf_env["WF_INCLUDE_SCRIPT_OUTPUT"] = "false"
    if kind == "containerSet":
        mains = set_containers(tmpl, config.executor_command, wf_env, config.entrypoint_for)
        main = next((c for c in mains if c["name"] == MAIN), mains[0])
    else:
        main = main_container(tmpl, config.executor_command, wf_env, config.entrypoint_for)
        mains = [main]
    name = template.name or "<inline>"
    init = user_containers(tmpl.get("initContainers"), main, "initContainers", name)
    sidecars = user_containers(tmpl.get("sidecars"), main, "sidecars", name)
    spec: dict[str, Any] = {"restartPolicy": "Never"}
    if init:
        spec["initContainers"] = init
    spec["containers"] = [*mains, *sidecars]
    volumes = _volumes(workflow, wf, tmpl, [*init, *mains, *sidecars])
    if volumes:
        spec["volumes"] = volumes
    spec.update(_pod_fields(wf, tmpl))
    if deadline is not None:
        spec["activeDeadlineSeconds"] = max(1, math.ceil((deadline - now).total_seconds()))
    for where, patch in (("spec.podSpecPatch", wf), (f"template {name!r} podSpecPatch", tmpl)):
        if patch.get("podSpecPatch"):
            spec = strategic_merge(spec, _parse_patch(patch["podSpecPatch"], where))
    metadata = _metadata(workflow, wf, tmpl, namespace, node_id, node_name, pod_name)
    if kind == "containerSet":
        # every member is a main container: only the template's sidecars are ended early
        metadata["annotations"][CONTAINER_SET_ANNOTATION] = "true"
        metadata["annotations"][SIDECARS_ANNOTATION] = ",".join(c["name"] for c in sidecars)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def _with_archive_logs(tmpl: dict[str, Any], wf: dict[str, Any]) -> dict[str, Any]:
    """The workflow's `archiveLogs: true` handed to the executor through the template's
    `archiveLocation` unless the template decides itself. Only `true` is copied: as in
    Argo, a repository with `archiveLogs: true` archives whatever the workflow says."""
    location = tmpl.get("archiveLocation") or {}
    if wf.get("archiveLogs") is not True or location.get("archiveLogs") is not None:
        return tmpl
    return {**tmpl, "archiveLocation": {**location, "archiveLogs": True}}


def _wf_env(
    workflow: Workflow,
    tmpl: dict[str, Any],
    node_id: str,
    node_name: str,
    pod_name: str,
    config: PodConfig,
) -> dict[str, str]:
    meta = workflow.metadata
    env = {
        "WF_TEMPLATE": json.dumps(tmpl, separators=(",", ":")),
        "WF_NODE_ID": node_id,
        "WF_NODE_NAME": node_name,
        "WF_POD_NAME": pod_name,
        "WF_WORKFLOW_NAME": meta.name or "",
        "WF_WORKFLOW_UID": meta.uid or "",
        "WF_NAMESPACE": meta.namespace or "default",
    }
    if meta.creation_timestamp is not None:
        env["WF_WORKFLOW_CREATION_TIMESTAMP"] = format_time(meta.creation_timestamp)
    if config.store_url:
        env["WF_STORE"] = config.store_url
    if config.artifact_repository:
        env["WF_ARTIFACT_REPOSITORY"] = config.artifact_repository
    return env


def _metadata(
    workflow: Workflow,
    wf: dict[str, Any],
    tmpl: dict[str, Any],
    namespace: str,
    node_id: str,
    node_name: str,
    pod_name: str,
) -> dict[str, Any]:
    pod_meta = wf.get("podMetadata") or {}
    tmpl_meta = tmpl.get("metadata") or {}
    labels = {
        **(pod_meta.get("labels") or {}),
        **(tmpl_meta.get("labels") or {}),
        WORKFLOW_LABEL: workflow.metadata.name or "",
        COMPLETED_LABEL: "false",
    }
    if workflow.metadata.uid:
        labels[WORKFLOW_UID_LABEL] = workflow.metadata.uid
    annotations = {
        **(pod_meta.get("annotations") or {}),
        **(tmpl_meta.get("annotations") or {}),
        NODE_NAME_ANNOTATION: node_name,
        NODE_ID_ANNOTATION: node_id,
    }
    meta: dict[str, Any] = {
        "name": pod_name,
        "namespace": namespace,
        "labels": labels,
        "annotations": annotations,
    }
    if workflow.metadata.uid:
        meta["ownerReferences"] = [
            {
                "apiVersion": workflow.api_version,
                "kind": "Workflow",
                "name": workflow.metadata.name,
                "uid": workflow.metadata.uid,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    return meta


def _pod_fields(wf: dict[str, Any], tmpl: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for pod_key, wf_key in _TEMPLATE_OVER_WORKFLOW:
        value = tmpl.get(pod_key) if tmpl.get(pod_key) not in (None, "", [], {}) else None
        if value is None:
            value = wf.get(wf_key) if wf.get(wf_key) not in (None, "", [], {}) else None
        if value is not None:
            fields[pod_key] = value
    aliases = [*(wf.get("hostAliases") or ()), *(tmpl.get("hostAliases") or ())]
    if aliases:
        fields["hostAliases"] = aliases
    for key in _WORKFLOW_ONLY:
        if wf.get(key) is not None:
            fields[key] = wf[key]
    return fields


def _volumes(
    workflow: Workflow,
    wf: dict[str, Any],
    tmpl: dict[str, Any],
    containers: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Template volumes, plus the workflow's volumes and volume claims that a container
    mounts (as Argo adds them: its templates' and those `status.persistentVolumeClaims`
    lists), plus the script staging volume."""
    used = {m.get("name") for c in containers for m in c.get("volumeMounts") or ()}
    by_name: dict[str, dict[str, Any]] = {}
    for vol in wf.get("volumes") or ():
        if vol.get("name") in used:
            by_name[vol["name"]] = vol
    for claim in wf.get("volumeClaimTemplates") or ():
        cname = (claim.get("metadata") or {}).get("name")
        if isinstance(cname, str) and cname in used and cname not in by_name:
            claim_name = f"{workflow.metadata.name}-{cname}"
            by_name[cname] = {"name": cname, "persistentVolumeClaim": {"claimName": claim_name}}
    # the claims the status lists: a workflowTemplateRef's templates' among them
    status = workflow.status
    for listed in (status.persistent_volume_claims if status else None) or ():
        vol = listed.model_dump(mode="json")
        if vol.get("name") in used and vol["name"] not in by_name:
            by_name[vol["name"]] = vol
    for vol in tmpl.get("volumes") or ():
        by_name[vol.get("name")] = vol
    for own in (STAGING_VOLUME, STATUS_VOLUME):
        if own in used:
            by_name[own] = {"name": own, "emptyDir": {}}
    return list(by_name.values())


def _parse_patch(text: str, where: str) -> dict[str, Any]:
    try:
        docs = load_documents(text, source=where)
    except SpecError as exc:
        raise SpecError(where, f"not valid JSON or YAML: {exc.reason}") from None
    if len(docs) != 1:
        raise SpecError(where, "must be one mapping (a partial pod spec)")
    return docs[0]
