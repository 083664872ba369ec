"""The API objects: Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow,
WorkflowEventBinding and WorkflowTrigger (this project's kind; its rules are in
`triggers.py`), in Kubernetes shape (apiVersion, kind, metadata, spec, status)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from workflow_engine.spec.artifacts import ArtifactGC, ArtifactRepositoryRef
from workflow_engine.spec.base import ArgoModel, KubeObject, Time
from workflow_engine.spec.params import (
    Arguments,
    LifecycleHook,
    Metadata,
    RetryStrategy,
    WorkflowTemplateRef,
)
from workflow_engine.spec.status import WorkflowStatus
from workflow_engine.spec.templates import ExecutorConfig, Template
from workflow_engine.vocabulary import ACCEPTED_API_VERSIONS as ACCEPTED_API_VERSIONS
from workflow_engine.vocabulary import API_GROUP as API_GROUP
from workflow_engine.vocabulary import API_VERSION as API_VERSION
from workflow_engine.vocabulary import ARGO_API_VERSION as ARGO_API_VERSION


class ObjectMeta(ArgoModel):
    model_config = ArgoModel.model_config | {"extra": "allow"}

    name: str | None = None
    generate_name: str | None = None
    namespace: str | None = None
    uid: str | None = None
    resource_version: str | None = None
    generation: int | None = None
    creation_timestamp: Time | None = None
    deletion_timestamp: Time | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    owner_references: list[KubeObject] | None = None
    finalizers: list[str] | None = None
    managed_fields: list[KubeObject] | None = None


class TTLStrategy(ArgoModel):
    seconds_after_completion: int | None = None
    seconds_after_success: int | None = None
    seconds_after_failure: int | None = None


class PodGC(ArgoModel):
    strategy: str | None = None
    label_selector: KubeObject | None = None
    delete_delay_duration: str | None = None


class WorkflowLevelArtifactGC(ArtifactGC):
    force_finalizer_removal: bool | None = None
    pod_spec_patch: str | None = None


class WorkflowSpec(ArgoModel):
    templates: list[Template] | None = None
    entrypoint: str | None = None
    arguments: Arguments | None = None
    service_account_name: str | None = None
    automount_service_account_token: bool | None = None
    executor: ExecutorConfig | None = None
    volumes: list[KubeObject] | None = None
    volume_claim_templates: list[KubeObject] | None = None
    parallelism: int | None = None
    artifact_repository_ref: ArtifactRepositoryRef | None = None
    suspend: bool | None = None
    node_selector: dict[str, str] | None = None
    affinity: KubeObject | None = None
    tolerations: list[KubeObject] | None = None
    image_pull_secrets: list[KubeObject] | None = None
    host_network: bool | None = None
    dns_policy: str | None = None
    dns_config: KubeObject | None = None
    on_exit: str | None = None
    ttl_strategy: TTLStrategy | None = None
    active_deadline_seconds: int | None = None
    priority: int | None = None
    scheduler_name: str | None = None
    pod_gc: PodGC | None = Field(default=None, alias="podGC")
    pod_priority_class_name: str | None = None
    pod_priority: int | None = None
    host_aliases: list[KubeObject] | None = None
    security_context: KubeObject | None = None
    pod_spec_patch: str | None = None
    pod_disruption_budget: KubeObject | None = None
    metrics: KubeObject | None = None
    shutdown: Literal["Stop", "Terminate"] | None = None
    workflow_template_ref: WorkflowTemplateRef | None = None
    synchronization: KubeObject | None = None
    volume_claim_gc: KubeObject | None = Field(default=None, alias="volumeClaimGC")
    retry_strategy: RetryStrategy | None = None
    pod_metadata: Metadata | None = None
    template_defaults: Template | None = None
    archive_logs: bool | None = None
    hooks: dict[str, LifecycleHook] | None = None
    workflow_metadata: KubeObject | None = None
    artifact_gc: WorkflowLevelArtifactGC | None = Field(default=None, alias="artifactGC")


class Workflow(ArgoModel):
    api_version: str = API_VERSION
    kind: Literal["Workflow"] = "Workflow"
    metadata: ObjectMeta = ObjectMeta()
    spec: WorkflowSpec
    status: WorkflowStatus | None = None


class WorkflowTemplate(ArgoModel):
    api_version: str = API_VERSION
    kind: Literal["WorkflowTemplate"] = "WorkflowTemplate"
    metadata: ObjectMeta = ObjectMeta()
    spec: WorkflowSpec


class ClusterWorkflowTemplate(ArgoModel):
    api_version: str = API_VERSION
    kind: Literal["ClusterWorkflowTemplate"] = "ClusterWorkflowTemplate"
    metadata: ObjectMeta = ObjectMeta()
    spec: WorkflowSpec


class StopStrategy(ArgoModel):
    expression: str | None = None
    condition: str | None = None


class CronWorkflowSpec(ArgoModel):
    workflow_spec: WorkflowSpec
    schedule: str | None = None
    schedules: list[str] | None = None
    concurrency_policy: Literal["Allow", "Forbid", "Replace"] | None = None
    suspend: bool | None = None
    starting_deadline_seconds: int | None = None
    successful_jobs_history_limit: int | None = None
    failed_jobs_history_limit: int | None = None
    timezone: str | None = None
    workflow_metadata: ObjectMeta | None = None
    stop_strategy: StopStrategy | None = None
    when: str | None = None


class CronWorkflow(ArgoModel):
    api_version: str = API_VERSION
    kind: Literal["CronWorkflow"] = "CronWorkflow"
    metadata: ObjectMeta = ObjectMeta()
    spec: CronWorkflowSpec
    status: dict[str, Any] | None = None


class Event(ArgoModel):
    selector: str


class Submit(ArgoModel):
    workflow_template_ref: WorkflowTemplateRef
    metadata: ObjectMeta | None = None
    arguments: Arguments | None = None


class WorkflowEventBindingSpec(ArgoModel):
    event: Event
    submit: Submit | None = None


class WorkflowEventBinding(ArgoModel):
    api_version: str = API_VERSION
    kind: Literal["WorkflowEventBinding"] = "WorkflowEventBinding"
    metadata: ObjectMeta = ObjectMeta()
    spec: WorkflowEventBindingSpec


class GitSource(ArgoModel):
    repo: str | None = None
    branch: str | None = None


class S3Source(ArgoModel):
    endpoint: str | None = None
    bucket: str | None = None
    prefix: str | None = None
    insecure: bool | None = None
    access_key_secret: KubeObject | None = None
    secret_key_secret: KubeObject | None = None


class WorkflowTriggerSpec(ArgoModel):
    git: GitSource | None = None
    s3: S3Source | None = None
    poll_interval: str | None = None
    arguments: Arguments | None = None
    workflow_spec: WorkflowSpec | None = None
    workflow_template_ref: WorkflowTemplateRef | None = None
    workflow_metadata: ObjectMeta | None = None
    suspend: bool | None = None
    successful_jobs_history_limit: int | None = None
    failed_jobs_history_limit: int | None = None


class WorkflowTrigger(ArgoModel):
    api_version: str = API_VERSION
    kind: Literal["WorkflowTrigger"] = "WorkflowTrigger"
    metadata: ObjectMeta = ObjectMeta()
    spec: WorkflowTriggerSpec
    status: dict[str, Any] | None = None


ApiObject = (
    Workflow
    | WorkflowTemplate
    | ClusterWorkflowTemplate
    | CronWorkflow
    | WorkflowEventBinding
    | WorkflowTrigger
)

KINDS: dict[str, type[ArgoModel]] = {
    "Workflow": Workflow,
    "WorkflowTemplate": WorkflowTemplate,
    "ClusterWorkflowTemplate": ClusterWorkflowTemplate,
    "CronWorkflow": CronWorkflow,
    "WorkflowEventBinding": WorkflowEventBinding,
    "WorkflowTrigger": WorkflowTrigger,
}
