"""WorkflowTrigger decisions (pure): a baseline first, one event per new commit or
new/changed object, deterministic child names, `{{trigger.*}}` arguments, poll
intervals and bad specs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from workflow_engine.cron import (
    TRIGGER_LABEL,
    TriggerSpecError,
    git_decision,
    is_due,
    poll_interval,
    s3_decision,
    source_of,
    trigger_child,
)

NOW = datetime(2025, 1, 1, tzinfo=UTC)
GIT = {"git": {"repo": "git://127.0.0.1/r.git", "branch": "main"}, "workflowSpec": {"a": 1}}
S3 = {"s3": {"endpoint": "127.0.0.1:1", "bucket": "in"}, "workflowSpec": {"a": 1}}


def test_git_first_poll_is_a_baseline() -> None:
    decision = git_decision({}, GIT, ["c3"], NOW)
    assert decision.events == ()
    assert decision.status == {"lastCommit": "c3", "lastPollTime": "2025-01-01T00:00:00Z"}


def test_git_new_commits_are_events_in_order() -> None:
    decision = git_decision({"lastCommit": "c3"}, GIT, ["c4" * 20, "c5" * 20], NOW)
    assert [e.values["commit"] for e in decision.events] == ["c4" * 20, "c5" * 20]
    assert [e.ident for e in decision.events] == ["c4c4c4c4c4", "c5c5c5c5c5"]
    assert decision.status["lastCommit"] == "c5" * 20


def test_git_nothing_new() -> None:
    assert git_decision({"lastCommit": "c3"}, GIT, [], NOW).events == ()
    assert git_decision({"lastCommit": "c3"}, GIT, ["c3"], NOW).events == ()


def test_s3_baseline_then_new_and_changed_objects() -> None:
    first = s3_decision({}, S3, {"a.csv": "e1"}, NOW)
    assert first.events == ()
    second = s3_decision(first.status, S3, {"a.csv": "e2", "b.csv": "e1"}, NOW)
    assert [(e.values["key"], e.values["etag"]) for e in second.events] == [
        ("a.csv", "e2"),
        ("b.csv", "e1"),
    ]
    again = s3_decision(second.status, S3, {"a.csv": "e2", "b.csv": "e1"}, NOW)
    assert again.events == ()
    # an object deleted and re-uploaded unchanged is new again
    gone = s3_decision(again.status, S3, {"b.csv": "e1"}, NOW)
    back = s3_decision(gone.status, S3, {"a.csv": "e2", "b.csv": "e1"}, NOW)
    assert [e.values["key"] for e in back.events] == ["a.csv"]


def trigger(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "wfengine.io/v1alpha1",
        "kind": "WorkflowTrigger",
        "metadata": {"name": "on-push", "namespace": "ci"},
        "spec": spec,
    }


def test_child_fills_trigger_arguments_and_labels() -> None:
    obj = trigger(
        **GIT,
        workflowMetadata={"labels": {"team": "blue"}},
        arguments={"parameters": [{"name": "sha", "value": "{{trigger.commit}}"}]},
    )
    event = git_decision({"lastCommit": "x"}, obj["spec"], ["abcdef0123456789"], NOW).events[0]
    child = trigger_child(obj, event)
    assert child["metadata"]["name"] == "on-push-abcdef0123"
    assert child["metadata"]["namespace"] == "ci"
    assert child["metadata"]["labels"] == {"team": "blue", TRIGGER_LABEL: "on-push"}
    assert child["spec"]["arguments"]["parameters"] == [
        {"name": "sha", "value": "abcdef0123456789"}
    ]
    assert child["spec"]["a"] == 1


def test_child_from_a_template_reference() -> None:
    obj = trigger(
        s3=S3["s3"],
        workflowTemplateRef={"name": "ingest"},
        arguments={"parameters": [{"name": "key", "value": "{{trigger.key}}"}]},
    )
    event = s3_decision({"objects": {}}, obj["spec"], {"in/a.csv": "e"}, NOW).events[0]
    child = trigger_child(obj, event)
    assert child["spec"]["workflowTemplateRef"] == {"name": "ingest"}
    assert child["spec"]["arguments"]["parameters"] == [{"name": "key", "value": "in/a.csv"}]


@pytest.mark.parametrize(
    ("text", "seconds"), [(None, 60), ("30s", 30), ("5m", 300), ("2", 2)], ids=str
)
def test_poll_interval(text: str | None, seconds: int) -> None:
    assert poll_interval({"pollInterval": text}) == timedelta(seconds=seconds)


def test_is_due() -> None:
    spec = {"pollInterval": "60s"}
    assert is_due({}, spec, NOW)
    assert not is_due({"lastPollTime": "2025-01-01T00:00:00Z"}, spec, NOW + timedelta(seconds=59))
    assert is_due({"lastPollTime": "2025-01-01T00:00:00Z"}, spec, NOW + timedelta(seconds=60))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"workflowSpec": {"a": 1}}, "set exactly one of spec.git and spec.s3"),
        ({**GIT, **S3}, "set exactly one of spec.git and spec.s3"),
        ({"git": {"repo": "r"}, "workflowSpec": {"a": 1}}, "spec.git.branch is required"),
        ({"s3": {"endpoint": "e"}, "workflowSpec": {"a": 1}}, "spec.s3.bucket is required"),
        ({"git": GIT["git"]}, "set spec.workflowSpec or spec.workflowTemplateRef"),
    ],
    ids=["none", "both", "no-branch", "no-bucket", "nothing-to-run"],
)
def test_bad_specs(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(TriggerSpecError, match=message):
        source_of(spec)


@pytest.mark.parametrize("text", ["soon", "0.5s", "-1m"])
def test_bad_poll_interval(text: str) -> None:
    with pytest.raises(TriggerSpecError, match="pollInterval"):
        poll_interval({"pollInterval": text})
