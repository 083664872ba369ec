"""Templates: the units of work (container, script, resource, suspend...) and the
units of control (steps, dag) a workflow is made of."""

from __future__ import annotations

from typing import Any

from workflow_engine.spec.artifacts import ArtifactLocation
from workflow_engine.spec.base import ArgoModel, IntOrString, KubeObject
from workflow_engine.spec.container import (
    Container,
    ContainerSetTemplate,
    ScriptTemplate,
    UserContainer,
)
from workflow_engine.spec.params import (
    Arguments,
    ContinueOn,
    Inputs,
    LifecycleHook,
    Metadata,
    Outputs,
    RetryStrategy,
    Sequence,
    TemplateRef,
)

Items = list[Any]


class Invocation(ArgoModel):
    """What a step and a DAG task share: the template they call and how."""

    name: str | None = None
    template: str | None = None
    inline: Template | None = None
    arguments: Arguments | None = None
    template_ref: TemplateRef | None = None
    with_items: Items | None = None
    with_param: str | None = None
    with_sequence: Sequence | None = None
    when: str | None = None
    continue_on: ContinueOn | None = None
    on_exit: str | None = None
    hooks: dict[str, LifecycleHook] | None = None


class WorkflowStep(Invocation):
    pass


class DAGTask(Invocation):
    name: str
    dependencies: list[str] | None = None
    depends: str | None = None


class DAGTemplate(ArgoModel):
    target: str | None = None
    tasks: list[DAGTask]
    fail_fast: bool | None = None


class SuspendTemplate(ArgoModel):
    duration: str | None = None


class ManifestFrom(ArgoModel):
    artifact: Any


class ResourceTemplate(ArgoModel):
    action: str
    merge_strategy: str | None = None
    manifest: str | None = None
    manifest_from: ManifestFrom | None = None
    set_owner_reference: bool | None = None
    success_condition: str | None = None
    failure_condition: str | None = None
    flags: list[str] | None = None


class HTTPHeader(ArgoModel):
    name: str
    value: str | None = None
    value_from: KubeObject | None = None


class HTTPTemplate(ArgoModel):
    method: str | None = None
    url: str
    headers: list[HTTPHeader] | None = None
    timeout_seconds: int | None = None
    success_condition: str | None = None
    body: str | None = None
    body_from: KubeObject | None = None
    insecure_skip_verify: bool | None = None


class DataTemplate(ArgoModel):
    source: KubeObject
    transformation: list[KubeObject]


class ExecutorConfig(ArgoModel):
    service_account_name: str | None = None


class Template(ArgoModel):
    name: str | None = None
    inputs: Inputs | None = None
    outputs: Outputs | None = None
    node_selector: dict[str, str] | None = None
    affinity: KubeObject | None = None
    metadata: Metadata | None = None
    annotations: dict[str, str] | None = None
    daemon: bool | None = None
    steps: list[list[WorkflowStep]] | None = None
    container: Container | None = None
    container_set: ContainerSetTemplate | None = None
    script: ScriptTemplate | None = None
    resource: ResourceTemplate | None = None
    dag: DAGTemplate | None = None
    suspend: SuspendTemplate | None = None
    data: DataTemplate | None = None
    http: HTTPTemplate | None = None
    plugin: KubeObject | None = None
    volumes: list[KubeObject] | None = None
    init_containers: list[UserContainer] | None = None
    sidecars: list[UserContainer] | None = None
    archive_location: ArtifactLocation | None = None
    active_deadline_seconds: IntOrString | None = None
    retry_strategy: RetryStrategy | None = None
    parallelism: int | None = None
    fail_fast: bool | None = None
    tolerations: list[KubeObject] | None = None
    scheduler_name: str | None = None
    priority_class_name: str | None = None
    priority: int | None = None
    service_account_name: str | None = None
    automount_service_account_token: bool | None = None
    executor: ExecutorConfig | None = None
    host_aliases: list[KubeObject] | None = None
    security_context: KubeObject | None = None
    pod_spec_patch: str | None = None
    metrics: KubeObject | None = None
    synchronization: KubeObject | None = None
    memoize: KubeObject | None = None
    pod_resources: KubeObject | None = None
    resource_claims: list[KubeObject] | None = None
    timeout: str | None = None

    @property
    def kind(self) -> str:
        """Which of Argo's template types this is ("container", "steps", ...), or "" if none."""
        for kind in TEMPLATE_KINDS:
            if getattr(self, _KIND_FIELDS[kind]) is not None:
                return kind
        return ""

    @property
    def kinds(self) -> list[str]:
        return [k for k in TEMPLATE_KINDS if getattr(self, _KIND_FIELDS[k]) is not None]


TEMPLATE_KINDS = (
    "container",
    "containerSet",
    "script",
    "resource",
    "dag",
    "steps",
    "suspend",
    "data",
    "http",
    "plugin",
)
_KIND_FIELDS = {
    "container": "container",
    "containerSet": "container_set",
    "script": "script",
    "resource": "resource",
    "dag": "dag",
    "steps": "steps",
    "suspend": "suspend",
    "data": "data",
    "http": "http",
    "plugin": "plugin",
}

Invocation.model_rebuild()
WorkflowStep.model_rebuild()
DAGTask.model_rebuild()
