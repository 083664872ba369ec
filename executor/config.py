"""The executor's configuration, read once from the pod's `WF_*` environment.

Sits at the executor's edge: `ExecutorConfig.from_env(env)` is the only place the
environment is interpreted (`__main__` passes `os.environ`, the in-process handler the
container spec's env). Everything below receives this frozen object.

    WF_TEMPLATE             JSON of the node's substituted template (required)
    WF_NODE_ID              node id; the TaskResult's name (required)
    WF_NODE_NAME            node name, for messages
    WF_POD_NAME             pod name; `{{pod.name}}` in artifact keys (required)
    WF_WORKFLOW_NAME        workflow name; TaskResult label (required)
    WF_WORKFLOW_UID         workflow uid; `{{workflow.uid}}` in artifact keys
    WF_WORKFLOW_CREATION_TIMESTAMP  RFC 3339; `{{workflow.creationTimestamp.Y}}`...
    WF_NAMESPACE            namespace of the TaskResult (default "default")
    WF_STORE                store URL, e.g. sqlite:///abs/path.db (program mode)
    WF_ARTIFACT_REPOSITORY  JSON of the artifact repository (Argo's shape)
    WF_INCLUDE_SCRIPT_OUTPUT  "false" to leave `outputs.result` out (default "true")
    WF_UNPACK_MAX_BYTES     bytes one input archive may expand to (default 16 GiB)
    WF_UNPACK_MAX_MEMBERS   members one input archive may hold (default 200,000)
    WF_CONTAINER_NAME       this container's name in a containerSet pod (else empty)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from workflow_engine.artifacts import ArtifactRepository, parse_repository
from workflow_engine.artifacts.extract import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_MEMBERS,
    ExtractLimits,
)
from workflow_engine.errors import PermanentError, WorkflowEngineError
from workflow_engine.spec.templates import Template
from workflow_engine.spec.times import parse_time

REQUIRED = ("WF_TEMPLATE", "WF_NODE_ID", "WF_POD_NAME", "WF_WORKFLOW_NAME")


@dataclass(frozen=True)
class ExecutorConfig:
    template: Template
    node_id: str
    node_name: str
    pod_name: str
    workflow_name: str
    workflow_uid: str = ""
    namespace: str = "default"
    store_url: str = ""
    repository: ArtifactRepository | None = None
    repository_json: str = ""
    workflow_created: datetime | None = None
    include_script_output: bool = True
    unpack_limits: ExtractLimits = field(default_factory=ExtractLimits)
    container_name: str = ""

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str],
        parse_repo: Callable[[str], ArtifactRepository] = parse_repository,
    ) -> ExecutorConfig:
        """Raises PermanentError naming what is missing or malformed."""
        missing = [name for name in REQUIRED if not env.get(name)]
        if missing:
            raise PermanentError(f"executor environment lacks {', '.join(missing)}")
        repo_json = env.get("WF_ARTIFACT_REPOSITORY", "")
        try:
            repository = parse_repo(repo_json) if repo_json else None
        except WorkflowEngineError as exc:
            raise PermanentError(f"WF_ARTIFACT_REPOSITORY: {exc}") from None
        created = env.get("WF_WORKFLOW_CREATION_TIMESTAMP", "")
        try:
            workflow_created = parse_time(created) if created else None
        except ValueError:
            raise PermanentError(f"WF_WORKFLOW_CREATION_TIMESTAMP: bad time {created!r}") from None
        return cls(
            template=parse_template(env["WF_TEMPLATE"]),
            node_id=env["WF_NODE_ID"],
            node_name=env.get("WF_NODE_NAME", env["WF_NODE_ID"]),
            pod_name=env["WF_POD_NAME"],
            workflow_name=env["WF_WORKFLOW_NAME"],
            workflow_uid=env.get("WF_WORKFLOW_UID", ""),
            namespace=env.get("WF_NAMESPACE") or "default",
            store_url=env.get("WF_STORE", ""),
            repository=repository,
            repository_json=repo_json,
            workflow_created=workflow_created,
            include_script_output=env.get("WF_INCLUDE_SCRIPT_OUTPUT", "true").lower() != "false",
            unpack_limits=ExtractLimits(
                max_bytes=_count(env, "WF_UNPACK_MAX_BYTES", DEFAULT_MAX_BYTES),
                max_members=_count(env, "WF_UNPACK_MAX_MEMBERS", DEFAULT_MAX_MEMBERS),
            ),
            container_name=env.get("WF_CONTAINER_NAME", ""),
        )

    def key_variables(self) -> dict[str, str]:
        """The values `keyFormat` may use (see workflow_engine.artifacts.KEY_VARIABLES)."""
        out = {
            "workflow.name": self.workflow_name,
            "workflow.namespace": self.namespace,
            "workflow.uid": self.workflow_uid,
            "pod.name": self.pod_name,
            "node.id": self.node_id,
        }
        if self.workflow_created is not None:
            for code in "YmdHMS":
                out[f"workflow.creationTimestamp.{code}"] = self.workflow_created.strftime(
                    f"%{code}"
                )
        return out


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "")
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise PermanentError(f"{name}: {text!r} is not a positive whole number")
    return int(text)


def parse_template(text: str) -> Template:
    try:
        return Template.model_validate(json.loads(text))
    except (json.JSONDecodeError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise PermanentError(f"WF_TEMPLATE is not a valid template: {first}") from None
