"""`wf` as CI systems call it, end to end in embedded mode: exit codes of
`submit --wait` (0, 1, 2, 3, 4), the JUnit report of `wf get -o junit` (validated
against the JUnit XML schema in tests/data/ci), `--log` streaming pod logs, and plain
progress lines when stdout is not a terminal."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from click.testing import CliRunner

from cli.main import app_from_env, cli
from tests.integration.controller.conftest import Embedded, data

pytestmark = pytest.mark.integration
CI = Path(__file__).parents[2] / "data" / "ci"


@pytest.mark.parametrize(
    ("file", "extra", "code", "last_line"),
    [
        (data("cli", "hello.yaml"), (), 0, " Succeeded"),
        (data("cli", "failing.yaml"), (), 1, " Failed: Error (exit code 1)"),
        (data("cli", "missing-parameter.yaml"), (), 2, "pass -p"),
        (data("cli", "waits.yaml"), ("--timeout", "1s"), 4, "is still Running after 1s"),
    ],
    ids=["succeeded-0", "failed-1", "bad-input-2", "timed-out-4"],
)
def test_submit_wait_exit_codes(
    embedded: Embedded, file: str, extra: tuple[str, ...], code: int, last_line: str
) -> None:
    result = embedded.wf("submit", file, "--wait", *extra)
    assert result.exit_code == code, result.output
    assert result.output.splitlines()[-1].endswith(last_line) or last_line in result.output


def test_backend_unreachable_is_exit_3(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    app = app_from_env({"WF_HOME": str(blocker / "state"), "WF_NO_CONTROLLER": "1"})
    result = CliRunner().invoke(cli, ["submit", data("cli", "hello.yaml"), "--wait"], obj=app)
    assert result.exit_code == 3, result.output
    assert result.output.startswith("error: backend unreachable: cannot open the store")


def test_timeout_needs_wait(embedded: Embedded) -> None:
    result = embedded.wf("submit", data("cli", "hello.yaml"), "--timeout", "5s")
    assert result.exit_code == 2
    assert "--log and --timeout go with --wait or --watch" in result.output
    assert json.loads(embedded.wf("list", "-o", "json").output) == []


def test_wait_json_result(embedded: Embedded) -> None:
    result = embedded.wf("submit", data("cli", "failing.yaml"), "--wait", "-o", "json")
    assert result.exit_code == 1
    assert json.loads(result.output)["status"]["phase"] == "Failed"


def test_junit_report_validates_and_has_one_case_per_leaf(embedded: Embedded) -> None:
    submitted = embedded.wf("submit", str(CI / "report.yaml"), "--wait", "-o", "name")
    assert submitted.exit_code == 1, submitted.output
    name = submitted.output.strip()
    report = embedded.wf("get", name, "-o", "junit")
    assert report.exit_code == 0, report.output
    xmlschema.XMLSchema(str(CI / "junit.xsd")).validate(report.output)
    root = ET.fromstring(report.output)
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"build", "unit-tests", "deploy"}
    failure = cases["unit-tests"].find("failure")
    assert failure is not None and "exit code 3" in (failure.get("message") or "")
    assert "test_merge ... FAILED" in (failure.text or "")
    assert cases["build"].find("failure") is None
    assert "compiling" in (cases["build"].findtext("system-out") or "")
    assert cases["deploy"].find("skipped") is not None


def test_submit_wait_log_streams_pod_logs(embedded: Embedded) -> None:
    result = embedded.wf("submit", str(CI / "slow-steps.yaml"), "--wait", "--log")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # each pod's lines come in order; two pods' lines may interleave either way
    logged = {lines.index("first: line-one"), lines.index("second: line-two")}
    assert max(logged) < len(lines) - 1
    assert lines[-1].endswith(" Succeeded")


def test_watch_prints_plain_lines_when_not_a_terminal(embedded: Embedded) -> None:
    result = embedded.wf("submit", str(CI / "slow-steps.yaml"), "--watch")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    first = [i for i, line in enumerate(lines) if line.endswith(" first Succeeded")]
    second = [i for i, line in enumerate(lines) if line.endswith(" second Succeeded")]
    end = [i for i, line in enumerate(lines) if " workflow slow-" in line and "Succeeded" in line]
    assert len(first) == len(second) == len(end) == 1, lines
    assert first[0] < second[0] <= end[0]
    assert "\x1b[" not in result.output  # no terminal control sequences
