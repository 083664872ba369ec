"""`wf gitops sync|diff|status|drift` on bad input: exit 2 with the cause, before any
cluster is contacted (real: the CLI, the renderer, git for --repo)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import cli

REPO = Path(__file__).parents[2] / "data" / "gitops" / "repo"


def wf(tmp_path: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["gitops", *args], env={"WF_HOME": str(tmp_path / "state")})


@pytest.mark.parametrize("command", ["sync", "diff", "status", "drift"])
@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["prod", "--dir", str(REPO)], 'unknown environment "prod"', id="unknown-env"),
        pytest.param(["dev", "--dir", "/nonexistent/config"], "no such directory", id="no-dir"),
        pytest.param(["dev"], "--repo/--dir: exactly one of them is required", id="no-source"),
    ],
)
def test_bad_input_exits_2(tmp_path: Path, command: str, args: list[str], message: str) -> None:
    result = wf(tmp_path, command, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_unreachable_repository_exits_2(tmp_path: Path) -> None:
    result = wf(tmp_path, "sync", "dev", "--repo", str(tmp_path / "missing.git"))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("--repo: ")


def test_bad_timeout_is_a_usage_error(tmp_path: Path) -> None:
    result = wf(tmp_path, "sync", "dev", "--dir", str(REPO), "--timeout", "soon")
    assert result.exit_code == 2
    assert "invalid duration" in result.stderr


@pytest.mark.parametrize("name", ["drift-cron.yaml", "sync-env.yaml"])
def test_the_gitops_examples_lint_clean(tmp_path: Path, name: str) -> None:
    example = Path(__file__).parents[3] / "examples" / "gitops" / name
    result = CliRunner().invoke(
        cli, ["lint", str(example)], env={"WF_HOME": str(tmp_path / "state")}
    )
    assert result.exit_code == 0, result.output
    assert "no errors found in 1 file(s)" in result.output.lower()


def test_the_pipeline_and_nightly_cron_lint_clean_with_their_stage_templates(
    tmp_path: Path,
) -> None:
    examples = sorted(str(p) for p in (Path(__file__).parents[3] / "examples" / "gitops").iterdir())
    result = CliRunner().invoke(cli, ["lint", *examples], env={"WF_HOME": str(tmp_path / "state")})
    assert result.exit_code == 0, result.output
    assert f"no errors found in {len(examples)} file(s)" in result.output.lower()
    alone = CliRunner().invoke(
        cli,
        ["lint", *(e for e in examples if "-env.yaml" not in e)],
        env={"WF_HOME": str(tmp_path / "state")},
    )
    assert alone.exit_code == 2
    assert 'unknown WorkflowTemplate "promote-env"' in alone.output


def test_dir_wins_over_the_repository_in_the_environment(tmp_path: Path) -> None:
    env = {"WF_HOME": str(tmp_path / "state"), "WF_GITOPS_REPO": str(tmp_path / "none.git")}
    result = CliRunner().invoke(cli, ["gitops", "diff", "prod", "--dir", str(REPO)], env=env)
    assert result.exit_code == 2, result.output
    assert 'unknown environment "prod"' in result.stderr  # read --dir, no clone tried
    result = CliRunner().invoke(cli, ["gitops", "diff", "prod"], env=env)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("--repo: ")  # the clone of $WF_GITOPS_REPO failed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["drift", "dev", "--dir", str(REPO), "--webhook", "file:///etc/passwd"],
            "--webhook: 'file:///etc/passwd': an http or https URL is required",
            id="drift-webhook",
        ),
        pytest.param(
            ["canary", "web", "--canary", "web-2", "--verify-url", "ftp://x/"],
            "--verify-url: 'ftp://x/': an http or https URL is required",
            id="canary-verify-url",
        ),
        pytest.param(
            ["canary", "web", "--canary", "web-2", "--verify-cmd", "true", "--steps", "50"],
            "--steps: '50': percentages in (0, 100], the last one 100",
            id="canary-steps",
        ),
        pytest.param(
            ["canary", "web", "--canary", "web-2"],
            "give one of --verify-cmd and --verify-url",
            id="canary-no-verification",
        ),
    ],
)
def test_bad_urls_and_steps_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = wf(tmp_path, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
