"""`wf cron ...`, `wf submit --from cronwf/NAME` and `wf list --cron NAME`."""

from __future__ import annotations

import json

import pytest

from tests.unit.cli.conftest import Wf, data
from workflow_engine.cron import CRON_LABEL


def test_cron_create_list_get_delete(wf: Wf) -> None:
    created = wf("cron", "create", data("cron.yaml"))
    assert created.exit_code == 0, created.output
    assert created.output == "CronWorkflow nightly created\n"
    assert wf("cron", "list", "-o", "name").output == "nightly\n"
    table = wf("cron", "list").output
    assert "0 2 * * * (Europe/Paris)" in table and "NEXT RUN" in table
    got = json.loads(wf("cron", "get", "nightly", "-o", "json").output)
    assert got["spec"]["concurrencyPolicy"] == "Forbid"
    details = wf("cron", "get", "nightly").output
    assert "Concurrency policy:" in details and "Forbid" in details
    assert wf("cron", "delete", "nightly").output == "CronWorkflow nightly deleted\n"
    assert wf("cron", "list").output == "No CronWorkflows found\n"


def test_cron_create_twice_fails_unless_upsert(wf: Wf) -> None:
    assert wf("cron", "create", data("cron.yaml")).exit_code == 0
    again = wf("cron", "create", data("cron.yaml"))
    assert (again.exit_code, again.output) == (1, "error: CronWorkflow 'nightly' already exists\n")
    assert wf("cron", "create", "--upsert", data("cron.yaml")).exit_code == 0


def test_suspend_and_resume(wf: Wf) -> None:
    wf("cron", "create", data("cron.yaml"))
    assert wf("cron", "suspend", "nightly").output == "CronWorkflow nightly suspended\n"
    assert wf.store.get("CronWorkflow", "nightly")["spec"]["suspend"] is True
    assert "Suspended" in wf("cron", "list").output
    obj = wf.store.get("CronWorkflow", "nightly")
    wf.store.update_status({**obj, "status": {"phase": "Stopped"}})
    assert wf("cron", "resume", "nightly").output == "CronWorkflow nightly resumed\n"
    obj = wf.store.get("CronWorkflow", "nightly")
    assert "suspend" not in obj["spec"]
    assert obj["status"]["phase"] == "Active"


@pytest.mark.parametrize("command", ["create", "lint"])
def test_bad_cron_is_refused_with_field_paths(wf: Wf, command: str) -> None:
    result = wf("cron", command, data("bad-cron.yaml"))
    assert result.exit_code == 2
    assert 'spec.schedule: "0 25 * * *" is not a cron schedule' in result.output
    assert 'spec.timezone: unknown time zone "Mars/Olympus"' in result.output
    assert wf.store.list("CronWorkflow").items == []


def test_cron_create_refuses_other_kinds(wf: Wf) -> None:
    result = wf("cron", "create", data("hello.yaml"))
    assert (result.exit_code, result.output) == (2, "kind: expected CronWorkflow, not 'Workflow'\n")


def test_cron_lint_accepts_a_good_file(wf: Wf) -> None:
    result = wf("cron", "lint", data("cron.yaml"))
    assert (result.exit_code, result.output) == (0, "no errors found in 1 file(s)\n")


def test_missing_cron_is_not_found(wf: Wf) -> None:
    for args in (("get", "nope"), ("suspend", "nope"), ("delete", "nope")):
        result = wf("cron", *args)
        assert (result.exit_code, result.output) == (1, "error: CronWorkflow 'nope' not found\n")


def test_submit_from_cronwf_and_list_by_cron(wf: Wf) -> None:
    wf("cron", "create", data("cron.yaml"))
    other = wf("submit", data("hello.yaml"), "-o", "name").output.strip()
    submitted = wf("submit", "--from", "cronwf/nightly", "-o", "json")
    assert submitted.exit_code == 0, submitted.output
    child = json.loads(submitted.output)
    assert child["metadata"]["labels"][CRON_LABEL] == "nightly"
    assert child["metadata"]["labels"]["team"] == "blue"
    assert child["metadata"]["name"].startswith("nightly-")
    listed = wf("list", "--cron", "nightly", "-o", "name").output.split()
    assert listed == [child["metadata"]["name"]]
    assert other not in listed
    # deleting the CronWorkflow deletes what it started, nothing else
    wf("cron", "delete", "nightly")
    assert [w["metadata"]["name"] for w in wf.workflows()] == [other]


def test_submit_from_missing_cronwf(wf: Wf) -> None:
    result = wf("submit", "--from", "cronwf/nope")
    assert (result.exit_code, result.output) == (2, "--from: CronWorkflow 'nope' not found\n")
