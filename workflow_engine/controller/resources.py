"""Resource templates, run by the controller: `resource: {action, manifest, ...}`.

Argo runs a resource template as a pod whose executor calls kubectl. Here the engine
asks for the node's "pod" as for any other (`CreatePod`), the controller builds a
stand-in manifest for it (`resource_manifest`, marked by an annotation), and
`ResourceRuntime`, wrapped around the real runtime, runs it in a thread of the
controller with the official client's dynamic API instead of starting a pod: it does
the action (get, create, apply, patch with merge/json/strategic, delete, replace),
then, when the template has conditions, reads the object again every
`poll_interval` seconds until `failureCondition` (the node fails) or
`successCondition` (it succeeds) holds. Output parameters with `jsonPath` are read
from the object and reported as a WorkflowTaskResult, as an executor would; what
stands in for the pod is observed like one (Running, then Succeeded or Failed), so
the engine's pod handling applies unchanged. Any other fault (no cluster configured,
a manifest that is not an object, an API error) ends the node Error with the cause.

The cluster: on Kubernetes the controller's own client (and `setOwnerReference`
points at the Workflow object); embedded, the kubeconfig named by
`WF_RESOURCE_KUBECONFIG` (read at the controller's edge), else every resource node
ends Error saying so. A running resource action does not survive a controller
restart: its node then ends Error (`pod deleted`), as a lost pod's does.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from executor.report import task_result, write_task_result
from workflow_engine.controller.resource_api import (
    ResourceError,
    ResourceFailed,
    condition,
    do_action,
    json_patch,
    manifest_body,
    outputs_of,
    ref_of,
)
from workflow_engine.engine.decision import CreatePod
from workflow_engine.engine.resource_conditions import Condition
from workflow_engine.runtime.base import (
    ContainerObservation,
    PodChanges,
    PodFeed,
    PodObservation,
    Runtime,
)
from workflow_engine.spec.models import Artifact, Template, Workflow
from workflow_engine.store.base import Store
from workflow_engine.vocabulary import (
    NODE_ID_ANNOTATION,
    NODE_NAME_ANNOTATION,
    WORKFLOW_LABEL,
    WORKFLOW_UID_LABEL,
)

log = logging.getLogger(__name__)
RESOURCE_ANNOTATION = "wfengine.io/resource-template"
KUBECONFIG_ENV = "WF_RESOURCE_KUBECONFIG"
NO_CLUSTER = (
    "resource templates need a cluster: set WF_RESOURCE_KUBECONFIG to a kubeconfig "
    "for the embedded controller"
)


# (namespace, the workflow's recorded repository, the artifact, where to put it)
ArtifactLoader = Callable[[str, Mapping[str, Any] | None, Artifact, Path], None]


@dataclass(frozen=True)
class ResourceCluster:
    """Where resource templates act: a client factory (None: no cluster configured),
    and the apiVersion of Workflow objects there, for ownerReferences (None: the
    workflow is not an object of that cluster)."""

    client: Callable[[], Any] | None = None
    owner_api_version: str | None = None


def resource_manifest(wf: Workflow, action: CreatePod) -> dict[str, Any]:
    """The stand-in "pod" of a resource node: the labels and annotations any pod of
    the node would carry, and the substituted template to run."""
    meta = wf.metadata
    labels = {WORKFLOW_LABEL: meta.name or ""}
    if meta.uid:
        labels[WORKFLOW_UID_LABEL] = meta.uid
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": action.pod_name,
            "namespace": meta.namespace or "default",
            "labels": labels,
            "annotations": {
                NODE_ID_ANNOTATION: action.node_id,
                NODE_NAME_ANNOTATION: action.node_name,
                RESOURCE_ANNOTATION: "true",
            },
        },
        "template": action.template.model_dump(mode="json", by_alias=True, exclude_none=True),
        "owner": {"name": meta.name, "uid": meta.uid},
        "repository": wf.status.artifact_repository_ref.to_dict()
        if wf.status is not None and wf.status.artifact_repository_ref is not None
        else None,
    }


def with_resources(
    build_pod: Callable[[Workflow, CreatePod, datetime], dict[str, Any]],
) -> Callable[[Workflow, CreatePod, datetime], dict[str, Any]]:
    """A pod factory that builds resource nodes' stand-ins and every other pod as before."""

    def build(wf: Workflow, action: CreatePod, now: datetime) -> dict[str, Any]:
        if action.template.resource is not None:
            return resource_manifest(wf, action)
        return build_pod(wf, action, now)

    return build


@dataclass
class _Job:
    manifest: dict[str, Any]
    started: datetime
    cancel: threading.Event = field(default_factory=threading.Event)
    phase: str = "Running"
    exit_code: int | None = None
    message: str = ""
    finished: datetime | None = None
    lines: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.manifest["metadata"]["name"])

    @property
    def namespace(self) -> str:
        return str(self.manifest["metadata"]["namespace"])

    def observation(self) -> PodObservation:
        meta = self.manifest["metadata"]
        ended = self.phase != "Running"
        main = ContainerObservation(
            name="main",
            state="terminated" if ended else "running",
            exit_code=self.exit_code,
            reason=("Completed" if self.exit_code == 0 else "Error") if ended else "",
            message=self.message,
            started_at=self.started,
            finished_at=self.finished,
        )
        return PodObservation(
            name=self.name,
            namespace=self.namespace,
            phase=self.phase,  # type: ignore[arg-type]
            labels=dict(meta["labels"]),
            annotations=dict(meta["annotations"]),
            containers=(main,),
            started_at=self.started,
            finished_at=self.finished,
        )


class _JobsFeed:
    def __init__(self, runtime: ResourceRuntime, inner: PodFeed) -> None:
        self._runtime = runtime
        self._inner = inner
        self._jobs: set[tuple[str, str]] = set()

    def take(self) -> PodChanges:
        changes = self._inner.take()
        jobs = [job.observation() for job in self._runtime.jobs()]
        keys = {(job.namespace, job.name) for job in jobs}
        gone = changes.gone | (self._jobs - keys)
        self._jobs = keys
        return PodChanges([*changes.changed, *jobs], gone)


class ResourceRuntime:
    """The Runtime port over `inner`, with resource nodes run here (see the module)."""

    def __init__(
        self,
        inner: Runtime,
        store: Store,
        cluster: ResourceCluster,
        poll_interval: float = 1.0,
        load_artifact: ArtifactLoader | None = None,
    ) -> None:
        self.load_artifact = load_artifact
        self.inner = inner
        self.store = store
        self.cluster = cluster
        self.poll_interval = poll_interval
        self._jobs: dict[tuple[str, str], _Job] = {}
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []
        self._client: Any = None

    # -- the Runtime port ----------------------------------------------------------------
    def create_pod(self, manifest: Mapping[str, Any]) -> None:
        annotations = (manifest.get("metadata") or {}).get("annotations") or {}
        if RESOURCE_ANNOTATION not in annotations:
            self.inner.create_pod(manifest)
            return
        job = _Job(dict(manifest), datetime.now(UTC))
        with self._lock:
            if (job.namespace, job.name) in self._jobs:
                return  # creating what exists is a no-op
            self._jobs[(job.namespace, job.name)] = job
        thread = threading.Thread(target=self._run, args=(job,), name=f"resource-{job.name}")
        thread.daemon = True
        thread.start()
        self._notify()

    def delete_pod(
        self, name: str, namespace: str = "default", grace_seconds: float | None = None
    ) -> None:
        with self._lock:
            job = self._jobs.pop((namespace, name), None)
        if job is None:
            self.inner.delete_pod(name, namespace, grace_seconds)
            return
        job.cancel.set()
        self._notify()

    def observe(self) -> list[PodObservation]:
        with self._lock:
            jobs = list(self._jobs.values())
        return [*self.inner.observe(), *(job.observation() for job in jobs)]

    def pod_feed(self) -> PodFeed | None:
        """The inner runtime's incremental observation (None when it has none), with
        the resource nodes' stand-ins (few) observed at every take."""
        make = getattr(self.inner, "pod_feed", None)
        inner = make() if make is not None else None
        return _JobsFeed(self, inner) if inner is not None else None

    def jobs(self) -> list[_Job]:
        with self._lock:
            return list(self._jobs.values())

    def logs(
        self,
        name: str,
        namespace: str = "default",
        container: str = "main",
        follow: bool = False,
        timestamps: bool = False,
        since: datetime | None = None,
    ) -> Iterator[bytes]:
        with self._lock:
            job = self._jobs.get((namespace, name))
        if job is None:
            return self.inner.logs(name, namespace, container, follow, timestamps, since)
        return iter([f"{line}\n".encode() for line in list(job.lines)])

    def add_listener(self, callback: Callable[[], None]) -> None:
        self._listeners.append(callback)
        self.inner.add_listener(callback)

    def close(self) -> None:
        """Stop the resource nodes' threads; the inner runtime is its owner's to close
        (embedded mode detaches it rather than closing it)."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel.set()

    def __getattr__(self, name: str) -> Any:  # the inner runtime's extras (detach, ...)
        return getattr(self.inner, name)

    def _notify(self) -> None:
        for callback in list(self._listeners):
            callback()

    # -- running one resource node ----------------------------------------------------------
    def _run(self, job: _Job) -> None:
        """Act, wait, report: the TaskResult is written before the stand-in is seen to
        end, so the reconcile its end triggers finds the outputs."""
        template = Template.model_validate(job.manifest["template"])
        meta = job.manifest["metadata"]
        outputs: dict[str, Any] = {}
        phase, code, message, error = "Succeeded", 0, "", False
        try:
            outputs = outputs_of(template, self._act(job, template))
        except ResourceFailed as exc:
            phase, code, message = "Failed", 1, str(exc)
        except Exception as exc:  # every fault is the node's Error, never the controller's
            if not isinstance(exc, ResourceError):
                log.warning("resource node %s failed", job.name, exc_info=exc)
            phase, code, message, error = "Failed", 1, _message(exc), True
        if job.cancel.is_set():
            return
        job.lines.append(message or phase)
        result = task_result(
            node_id=meta["annotations"][NODE_ID_ANNOTATION],
            namespace=job.namespace,
            workflow_name=meta["labels"][WORKFLOW_LABEL],
            outputs={**outputs, "exitCode": str(code)},
            message=message,
            error=error,
        )
        try:
            write_task_result(self.store, result)
        except Exception:
            log.exception("resource node %s: its result could not be written", job.name)
        # A failure condition is the node's message as it stands (no exit code to show)
        job.exit_code = None if phase == "Failed" and not error else code
        job.message, job.finished = message, datetime.now(UTC)
        job.phase = phase  # last: what the observation reads first
        self._notify()

    def _api(self) -> Any:
        if self.cluster.client is None:
            raise ResourceError(NO_CLUSTER)
        if self._client is None:
            from kubernetes import dynamic

            try:
                self._client = dynamic.DynamicClient(self.cluster.client())  # type: ignore[no-untyped-call]
            except Exception as exc:
                raise ResourceError(f"cannot reach the cluster: {_message(exc)}") from exc
        return self._client

    def _act(self, job: _Job, template: Template) -> dict[str, Any]:
        spec = template.resource
        assert spec is not None
        success = condition(spec.success_condition, "successCondition")
        failure = condition(spec.failure_condition, "failureCondition")
        text = spec.manifest
        if spec.manifest_from is not None:
            text = self._manifest_from(job, template)
        # no client-side validation happens here: --validate is moot
        flags = [f for f in spec.flags or () if not f.startswith("--validate")]
        json = spec.action == "patch" and spec.merge_strategy == "json"
        if flags and not json:
            raise ResourceError(f"resource.flags {flags} (kubectl flags) are not supported")
        body = manifest_body(text, spec.action, spec.merge_strategy)
        if spec.set_owner_reference and isinstance(body, dict):
            body = self._owned(job, body)
        api = self._api()
        if json:
            obj = json_patch(api, body, flags, job.namespace)
        else:
            obj = do_action(api, spec.action, body, spec.merge_strategy, job.namespace)
        job.lines.append(f"{spec.action}: {ref_of(obj or body)}")
        if spec.action == "delete" or (success is None and failure is None):
            return dict(obj)
        return self._wait(api, job, obj, success, failure)

    def _manifest_from(self, job: _Job, template: Template) -> str:
        """The text of the input artifact `manifestFrom` names (one file)."""
        spec = template.resource
        assert spec is not None and spec.manifest_from is not None
        wanted = spec.manifest_from.artifact
        name = wanted.get("name") if isinstance(wanted, dict) else None
        inputs = (template.inputs.artifacts if template.inputs else None) or []
        art = next((a for a in inputs if a.name == name), None)
        if art is None:
            raise ResourceError(f"resource.manifestFrom: no input artifact {name!r}")
        if self.load_artifact is None:
            raise ResourceError("resource.manifestFrom: no artifact repository here")
        with tempfile.TemporaryDirectory(prefix="wf-manifest-") as scratch:
            target = Path(scratch) / "manifest"
            try:
                self.load_artifact(job.namespace, job.manifest.get("repository"), art, target)
            except Exception as exc:
                raise ResourceError(f"resource.manifestFrom: {_message(exc)}") from exc
            files = (
                [target]
                if target.is_file()
                else sorted(p for p in target.rglob("*") if p.is_file())
            )
            if len(files) != 1:
                raise ResourceError("resource.manifestFrom: the artifact must hold one file")
            return files[0].read_text()

    def _owned(self, job: _Job, body: dict[str, Any]) -> dict[str, Any]:
        owner = job.manifest["owner"]
        if self.cluster.owner_api_version is None or not owner.get("uid"):
            raise ResourceError(
                "resource.setOwnerReference needs the workflow on the cluster (Kubernetes mode)"
            )
        ref = {
            "apiVersion": self.cluster.owner_api_version,
            "kind": "Workflow",
            "name": owner["name"],
            "uid": owner["uid"],
            "blockOwnerDeletion": True,
        }
        meta = dict(body.get("metadata") or {})
        meta["ownerReferences"] = [*(meta.get("ownerReferences") or []), ref]
        return {**body, "metadata": meta}

    def _wait(
        self,
        api: Any,
        job: _Job,
        obj: dict[str, Any],
        success: Condition | None,
        failure: Condition | None,
    ) -> dict[str, Any]:
        while True:
            if failure is not None and failure.matches(obj):
                raise ResourceFailed(f"failure condition '{failure.text}' evaluated true")
            if success is not None and success.matches(obj):
                return obj
            if job.cancel.wait(self.poll_interval):
                raise ResourceError("deleted while waiting")
            obj = do_action(api, "get", obj, None, job.namespace)


def _message(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


__all__ = [
    "KUBECONFIG_ENV",
    "NO_CLUSTER",
    "ResourceCluster",
    "ResourceRuntime",
    "resource_manifest",
    "with_resources",
]
