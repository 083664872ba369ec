"""Hera as a client library: workflows built with Hera (scripts with @script, DAGs,
loops, artifacts, conditions, exit handlers and hooks, retries...; see workflows.py)
are rendered to YAML by Hera, linted, submitted with `wf submit` all at once to one
embedded controller, waited for with `wf wait` (what `wf submit --wait` does, without
a process per workflow: each would cost seconds of CPU to start), and each ends in the
phase Argo gives it, with its outputs checked.

Real: Hera, the `wf` commands, the embedded controller, process runtime and executor
(tests/integration/controller/conftest.py). Nothing is faked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.integration.controller.conftest import Embedded, embedded  # noqa: F401
from tests.integration.hera.workflows import CASES
from workflow_engine.lint import lint_text

pytestmark = pytest.mark.integration


def test_hera_workflows_run_to_the_phase_argo_gives(
    embedded: Embedded,  # noqa: F811
    tmp_path: Path,
) -> None:
    assert len(CASES) >= 15
    cases = {name: build() for name, build in CASES.items()}
    files = {}
    for name, case in cases.items():
        text = yaml.safe_dump(case.workflow.to_dict(), sort_keys=False)
        assert lint_text(text, name) == [], name
        files[name] = tmp_path / f"{name}.yaml"
        files[name].write_text(text)
    names = {}
    for name, path in files.items():
        submitted = embedded.wf("submit", str(path), "-o", "name")
        assert submitted.exit_code == 0, f"{name}: {submitted.output}"
        names[name] = submitted.output.strip()
    waited = embedded.wf("wait", *names.values())
    failing = [n for n, c in cases.items() if c.phase != "Succeeded"]
    assert waited.exit_code == (1 if failing else 0), waited.output
    failures = []
    for name, wf_name in names.items():
        got = embedded.wf("get", wf_name, "-o", "json")
        assert got.exit_code == 0, got.output
        wf = json.loads(got.output)
        expected = cases[name].phase
        if wf["status"]["phase"] != expected:
            failures.append(f"{name}: {wf['status']['phase']} ({wf['status'].get('message')})")
            continue
        try:
            cases[name].check(wf)
        except (AssertionError, KeyError, ValueError) as exc:
            failures.append(f"{name}: {exc!r}")
    assert failures == []


def test_hera_yaml_through_submit_wait_gives_argo_s_phase_as_exit_code(
    embedded: Embedded,  # noqa: F811
    tmp_path: Path,
) -> None:
    """`wf submit --wait` on Hera's YAML, as a CI job runs it: exit 0 for a case Argo
    ends Succeeded, 1 for one it ends Failed or Error (docs/ci.md)."""
    succeeding = next(n for n, build in CASES.items() if build().phase == "Succeeded")
    failing = next(n for n, build in CASES.items() if build().phase != "Succeeded")
    for name, exit_code in ((succeeding, 0), (failing, 1)):
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(CASES[name]().workflow.to_dict(), sort_keys=False))
        waited = embedded.wf("submit", str(path), "--wait")
        assert waited.exit_code == exit_code, f"{name}: {waited.output}"
