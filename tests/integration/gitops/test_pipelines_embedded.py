"""The shipped WorkflowTemplates and the promotion pipeline (examples/gitops) run as
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


def test_pipeline_reaches_prod_after_approval_and_a_failed_check_rolls_back(
    wf_on_path: Path,
    embedded: Embedded,  # noqa: F811
    site: Site,  # noqa: F811
    repo: str,
    tmp_path: Path,
) -> None:
    for name in ("promote-env", "verify-env", "rollback-env"):
        assert embedded.wf("template", "create", str(EXAMPLES / f"{name}.yaml")).exit_code == 0
    params = {"repo": repo, "app": "web", "image": "nginx:1.26", "body": "v2"}
    params |= {"dev-url": f"{site.url}/version", "staging-url": f"{site.url}/version"}
    args = [a for k, v in params.items() for a in ("-p", f"{k}={v}")]
    submitted = embedded.wf(
        "submit", str(EXAMPLES / "promotion-pipeline.yaml"), *args, "-o", "name"
    )
    assert submitted.exit_code == 0, submitted.output
    name = submitted.output.strip()

    def approve_phase() -> str:
        wf = json.loads(embedded.wf("get", name, "-o", "json").output)
        found = [
            n
            for n in (wf.get("status") or {}).get("nodes", {}).values()
            if n["displayName"] == "approve"
        ]
        return str(found[0]["phase"]) if found else ""

    poll(lambda: approve_phase() == "Running", timeout=240, what="the approval step")
    waiting = witness(repo, tmp_path)
    assert [s.split(":")[0] for s in waiting.log()[:4]] == [
        "verify web in staging",
        "promote web to staging",
        "verify web in dev",
        "promote web to dev",
    ]
    assert waiting.yaml("apps/web/envs/prod/kustomization.yaml")["images"][0]["newTag"] == "1.25"

    assert embedded.wf("resume", name).exit_code == 0
    assert embedded.wf("wait", name).exit_code == 0
    done = witness(repo, tmp_path)
    assert done.log()[0].startswith("promote web to prod: release web-")
    assert done.yaml("apps/web/envs/prod/kustomization.yaml")["images"][0]["newTag"] == "1.26"

    # prod now fails its check: verify-env records the failure, rollback-env reverts prod
    failed = run(
        embedded,
        "verify-env",
        repo=repo,
        app="web",
        env="prod",
        url=f"{site.url}/version",
        body="v3",
        tries="1",
        window="0s",
    )
    assert failed["status"]["phase"] == "Failed"  # type: ignore[index]
    assert witness(repo, tmp_path).log()[0].endswith(" failed")
    rolled = run(embedded, "rollback-env", repo=repo, app="web", env="prod")
    assert rolled["status"]["phase"] == "Succeeded"  # type: ignore[index]
    after = witness(repo, tmp_path)
    assert after.log()[0].startswith("rollback web in prod: revert ")
    assert after.yaml("apps/web/envs/prod/kustomization.yaml")["images"][0]["newTag"] == "1.25"
    assert after.yaml("apps/web/envs/staging/kustomization.yaml")["images"][0]["newTag"] == "1.26"
    promoted_prod = "HEAD~2"  # before the failed verification and the rollback
    assert git("log", "-1", "--format=%an <%ae>", promoted_prod, cwd=after.root) == (
        "wf pipeline <wf-pipeline@localhost>"
    )
