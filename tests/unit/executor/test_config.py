"""ExecutorConfig.from_env: the executor's whole environment contract (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from executor.config import ExecutorConfig
from workflow_engine.errors import PermanentError

TEMPLATE = json.dumps({"name": "t", "container": {"image": "alpine", "command": ["true"]}})
ENV = {
    "WF_TEMPLATE": TEMPLATE,
    "WF_NODE_ID": "n-1",
    "WF_NODE_NAME": "wf.a",
    "WF_POD_NAME": "wf-a-1",
    "WF_WORKFLOW_NAME": "wf",
    "WF_WORKFLOW_UID": "u",
    "WF_NAMESPACE": "ns",
    "WF_STORE": "sqlite:///tmp/s.db",
    "WF_ARTIFACT_REPOSITORY": '{"local": {"path": "/r"}}',
    "WF_WORKFLOW_CREATION_TIMESTAMP": "2026-03-04T05:06:07Z",
}


def test_full_environment() -> None:
    config = ExecutorConfig.from_env(ENV)
    assert config.template.name == "t"
    assert (config.node_id, config.node_name, config.pod_name) == ("n-1", "wf.a", "wf-a-1")
    assert (config.workflow_name, config.workflow_uid, config.namespace) == ("wf", "u", "ns")
    assert config.store_url == "sqlite:///tmp/s.db"
    assert config.repository is not None and config.repository.kind == "local"
    assert config.workflow_created == datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert config.include_script_output
    assert config.key_variables()["workflow.creationTimestamp.m"] == "03"
    assert config.key_variables()["pod.name"] == "wf-a-1"


def test_minimal_environment_defaults() -> None:
    required = {k: ENV[k] for k in ("WF_TEMPLATE", "WF_NODE_ID", "WF_POD_NAME", "WF_WORKFLOW_NAME")}
    config = ExecutorConfig.from_env(required)
    assert config.namespace == "default"
    assert config.node_name == "n-1"
    assert config.repository is None and config.store_url == ""
    assert "workflow.creationTimestamp.Y" not in config.key_variables()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"WF_NODE_ID": ""}, "lacks WF_NODE_ID"),
        ({"WF_TEMPLATE": "", "WF_POD_NAME": ""}, "lacks WF_TEMPLATE, WF_POD_NAME"),
        ({"WF_TEMPLATE": "{oops"}, "WF_TEMPLATE is not a valid template"),
        ({"WF_TEMPLATE": '{"name": 3, "bogus": 1}'}, "WF_TEMPLATE is not a valid template"),
        ({"WF_ARTIFACT_REPOSITORY": '{"locl": {}}'}, "WF_ARTIFACT_REPOSITORY"),
        ({"WF_WORKFLOW_CREATION_TIMESTAMP": "yesterday"}, "bad time 'yesterday'"),
    ],
    ids=["missing", "several-missing", "bad-json", "bad-template", "bad-repo", "bad-time"],
)
def test_bad_environment(change: dict[str, str], message: str) -> None:
    with pytest.raises(PermanentError, match=message):
        ExecutorConfig.from_env({**ENV, **change})


@pytest.mark.parametrize(
    ("value", "expected"), [("false", False), ("False", False), ("true", True)]
)
def test_include_script_output(value: str, expected: bool) -> None:
    config = ExecutorConfig.from_env({**ENV, "WF_INCLUDE_SCRIPT_OUTPUT": value})
    assert config.include_script_output is expected
