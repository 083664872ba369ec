"""Request bodies of the Argo Server API, as Hera sends them (camelCase, absent fields
left out). Only their shape is checked here (a wrong shape is a 400 naming the field);
the objects inside (`workflow`, `template`, `cronWorkflow`) are checked by our lint,
which reports every error at its field path.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

JsonObject = dict[str, Any]


class Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


class WorkflowCreateRequest(Body):
    workflow: JsonObject
    namespace: str | None = None
    server_dry_run: bool | None = None
    create_options: JsonObject | None = None


class WorkflowLintRequest(Body):
    workflow: JsonObject
    namespace: str | None = None


class SubmitOpts(Body):
    parameters: list[str] | None = None
    generate_name: str | None = None
    name: str | None = None
    entry_point: str | None = None
    labels: str | None = None
    annotations: str | None = None
    service_account: str | None = None
    server_dry_run: bool | None = None
    dry_run: bool | None = None
    priority: int | None = None


class WorkflowSubmitRequest(Body):
    resource_kind: str
    resource_name: str
    namespace: str | None = None
    submit_options: SubmitOpts | None = None


class WorkflowRetryRequest(Body):
    name: str | None = None
    namespace: str | None = None
    restart_successful: bool | None = None
    node_field_selector: str | None = None
    parameters: list[str] | None = None


class WorkflowResubmitRequest(Body):
    name: str | None = None
    namespace: str | None = None
    memoized: bool | None = None
    parameters: list[str] | None = None


class WorkflowStopRequest(Body):
    name: str | None = None
    namespace: str | None = None
    message: str | None = None
    node_field_selector: str | None = None


class WorkflowResumeRequest(Body):
    name: str | None = None
    namespace: str | None = None
    node_field_selector: str | None = None


class WorkflowSetRequest(Body):
    name: str | None = None
    namespace: str | None = None
    node_field_selector: str | None = None
    phase: str | None = None
    message: str | None = None
    output_parameters: str | None = None


class NamedRequest(Body):
    """terminate, suspend, cron suspend/resume: nothing but the names (from the path)."""

    name: str | None = None
    namespace: str | None = None


class TemplateRequest(Body):
    template: JsonObject
    namespace: str | None = None
    create_options: JsonObject | None = None


class CronWorkflowRequest(Body):
    cron_workflow: JsonObject
    namespace: str | None = None
    create_options: JsonObject | None = None


class BindingRequest(Body):
    """Our addition (Argo creates bindings with kubectl): a WorkflowEventBinding."""

    binding: JsonObject
