"""The controller a `wf` command starts evaluates expressions under the bound that
command linted with (WF_MAX_EXPRESSION_LENGTH), so a workflow admitted under a raised
bound runs instead of ending in Error at its first expression."""

from __future__ import annotations

from pathlib import Path

from tests.integration.controller.conftest import Embedded

LENGTH = 80_000  # over the 64 KiB default


def _workflow(tmp_path: Path) -> str:
    path = tmp_path / "long.yaml"
    path.write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n"
        "metadata: {generateName: long-expression-}\n"
        "spec:\n  entrypoint: main\n  templates:\n  - name: main\n"
        "    container:\n      image: alpine\n"
        f"      args: [echo, \"{{{{=len('{'a' * LENGTH}')}}}}\"]\n"
    )
    return str(path)


def test_a_raised_bound_reaches_the_controller(state: Embedded, tmp_path: Path) -> None:
    state.env["WF_MAX_EXPRESSION_LENGTH"] = "100000"
    submit = state.wf_process("submit", _workflow(tmp_path), "--wait")
    out, err = submit.communicate(timeout=300)
    assert submit.returncode == 0, (out, err)
    logs = state.wf_process("logs", "@latest")
    out, err = logs.communicate(timeout=120)
    assert f"{LENGTH}" in out, (out, err)


def test_the_default_bound_refuses_it_before_anything_runs(state: Embedded, tmp_path: Path) -> None:
    submit = state.wf_process("submit", _workflow(tmp_path), "--wait")
    out, err = submit.communicate(timeout=300)
    assert submit.returncode == 2, (out, err)
    assert "WF_MAX_EXPRESSION_LENGTH=65536" in out + err
