"""The shipped stage WorkflowTemplates (examples/gitops) run as
ordinary workflows in embedded mode (real controller, process runtime and executor:
tests/integration/controller/conftest.py) against a config repository on the loopback
git daemon, and the commits appear there.

Pods of the `wf-engine` image run with the host's PATH (docs/sandbox.md, Images); the
image has `wf` on it. Here a small `wf` launcher for this checkout is put first on that
PATH, so the steps run the code under test rather than another installed copy.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.fixtures.gitrepo import git
from tests.integration.controller.conftest import Embedded, embedded, poll  # noqa: F401
from tests.integration.gitops.conftest import witness
from tests.integration.gitops.test_verify import Site, site  # noqa: F401

REPO = Path(__file__).parents[3]
EXAMPLES = REPO / "examples" / "gitops"


@pytest.fixture
def wf_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "wf"
    launcher.write_text(
        f'#!/bin/sh\nPYTHONPATH="{REPO}" exec "{sys.executable}" -m cli.main "$@"\n'
    )
    launcher.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return launcher


def run(state: Embedded, template: str, **params: str) -> dict[str, object]:
    args = [a for k, v in params.items() for a in ("-p", f"{k}={v}")]
    done = state.wf(
        "submit", "--from", f"workflowtemplate/{template}", *args, "--wait", "-o", "json"
    )
    assert done.exit_code in (0, 1), done.output
    return json.loads(done.output)  # type: ignore[no-any-return]


def test_stage_templates_promote_verify_record_and_roll_back(
    wf_on_path: Path,
    embedded: Embedded,  # noqa: F811
    site: Site,  # noqa: F811
    repo: str,
    tmp_path: Path,
) -> None:
    """The stages the promotion pipeline chains (the pipeline itself syncs a cluster:
    tests/cluster/test_gitops_pipeline.py runs it)."""
    for name in ("promote-env", "verify-env", "rollback-env"):
        assert embedded.wf("template", "create", str(EXAMPLES / f"{name}.yaml")).exit_code == 0
    promoted = run(embedded, "promote-env", repo=repo, app="web", to="dev", image="nginx:1.26")
    assert promoted["status"]["phase"] == "Succeeded"  # type: ignore[index]
    check = {"repo": repo, "app": "web", "env": "dev", "url": f"{site.url}/version"}
    passed = run(embedded, "verify-env", **check, body="v2", tries="1", window="0s")
    assert passed["status"]["phase"] == "Succeeded"  # type: ignore[index]
    staged = run(embedded, "promote-env", repo=repo, app="web", to="staging", **{"from": "dev"})
    assert staged["status"]["phase"] == "Succeeded"  # type: ignore[index]
    seen = witness(repo, tmp_path)
    assert [s.split(":")[0] for s in seen.log()[:3]] == [
        "promote web to staging",
        "verify web in dev",
        "promote web to dev",
    ]
    assert seen.yaml("apps/web/envs/staging/kustomization.yaml")["images"][0]["newTag"] == "1.26"

    # staging now fails its check: verify-env records the failure, rollback-env reverts it
    failed = run(
        embedded, "verify-env", **(check | {"env": "staging"}), body="v3", tries="1", window="0s"
    )
    assert failed["status"]["phase"] == "Failed"  # type: ignore[index]
    assert witness(repo, tmp_path).log()[0].endswith(" failed")
    rolled = run(embedded, "rollback-env", repo=repo, app="web", env="staging")
    assert rolled["status"]["phase"] == "Succeeded"  # type: ignore[index]
    after = witness(repo, tmp_path)
    assert after.log()[0].startswith("rollback web in staging: revert ")
    assert after.yaml("apps/web/envs/staging/kustomization.yaml")["images"][0]["newTag"] == "1.25"
    assert after.yaml("apps/web/envs/dev/kustomization.yaml")["images"][0]["newTag"] == "1.26"
    promoted_staging = "HEAD~2"  # before the failed verification and the rollback
    assert git("log", "-1", "--format=%an <%ae>", promoted_staging, cwd=after.root) == (
        "wf pipeline <wf-pipeline@localhost>"
    )
