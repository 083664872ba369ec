"""Parameters, arguments, inputs and outputs of templates and workflows."""

from __future__ import annotations

from typing import Any

from workflow_engine.spec.artifacts import Artifact
from workflow_engine.spec.base import AnyString, ArgoModel, IntOrString, KubeObject


class ValueFrom(ArgoModel):
    path: str | None = None
    json_path: str | None = None
    jq_filter: str | None = None
    event: str | None = None
    parameter: str | None = None
    supplied: dict[str, Any] | None = None
    config_map_key_ref: KubeObject | None = None
    default: AnyString | None = None
    expression: str | None = None


class Parameter(ArgoModel):
    name: str
    default: AnyString | None = None
    value: AnyString | None = None
    value_from: ValueFrom | None = None
    global_name: str | None = None
    enum: list[AnyString] | None = None
    description: str | None = None


class Arguments(ArgoModel):
    parameters: list[Parameter] | None = None
    artifacts: list[Artifact] | None = None


class Inputs(ArgoModel):
    parameters: list[Parameter] | None = None
    artifacts: list[Artifact] | None = None


class Outputs(ArgoModel):
    parameters: list[Parameter] | None = None
    artifacts: list[Artifact] | None = None
    result: str | None = None
    exit_code: str | None = None


class Backoff(ArgoModel):
    duration: AnyString | None = None
    factor: IntOrString | float | None = None
    max_duration: AnyString | None = None
    cap: AnyString | None = None


class RetryNodeAntiAffinity(ArgoModel):
    pass


class RetryAffinity(ArgoModel):
    node_anti_affinity: RetryNodeAntiAffinity | None = None


class RetryStrategy(ArgoModel):
    limit: IntOrString | None = None
    retry_policy: str | None = None
    backoff: Backoff | None = None
    affinity: RetryAffinity | None = None
    expression: str | None = None


class ContinueOn(ArgoModel):
    error: bool | None = None
    failed: bool | None = None


class Sequence(ArgoModel):
    count: IntOrString | None = None
    start: IntOrString | None = None
    end: IntOrString | None = None
    format: str | None = None


class TemplateRef(ArgoModel):
    name: str
    template: str
    cluster_scope: bool | None = None


class WorkflowTemplateRef(ArgoModel):
    name: str
    cluster_scope: bool | None = None


class LifecycleHook(ArgoModel):
    template: str | None = None
    arguments: Arguments | None = None
    template_ref: TemplateRef | None = None
    expression: str | None = None


class Metadata(ArgoModel):
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
