"""Promotion, release gates, history and rollback against a real git daemon: each
change is one pushed commit, a repeated change pushes nothing, refusals push nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fixtures.gitrepo import git
from tests.fixtures.gitserver import GitServer, clone
from tests.integration.gitops.conftest import Wf, as_json, witness
from workflow_engine.gitops import PromoteRequest, Refused, Remote, promote
from workflow_engine.gitops.gitrepo import Checkout, change
from workflow_engine.gitops.kustomize import ImageRef

OVERLAY = "apps/web/envs/{}/kustomization.yaml"


def images(seen_yaml: dict[str, object]) -> object:
    return seen_yaml["images"]


def test_promote_an_image_is_one_commit_naming_change_and_source(
    git_server: GitServer, repo: str, wf: Wf, tmp_path: Path
) -> None:
    done = wf("promote", "web", "--to", "dev", "--image", "nginx:1.26", "--repo", repo)
    assert done.exit_code == 0, done.output
    seen = witness(repo, tmp_path)
    overlay = seen.yaml(OVERLAY.format("dev"))
    assert overlay["images"] == [{"name": "nginx", "newTag": "1.26"}]
    release = overlay["metadata"]["annotations"]["wfengine.io/release"]
    message = seen.message()
    assert message.startswith(
        f"promote web to dev: release {release} (was none); nginx 1.25 -> 1.26"
    )
    assert "Source: images nginx:1.26." in message
    assert "Wf-Action: promote" in message and "Wf-Env: dev" in message
    record = seen.yaml(f"releases/web/{release}/release.yaml")
    assert record["kind"] == "Release"
    assert record["spec"]["images"] == [{"name": "nginx", "newTag": "1.26"}]
    assert record["spec"]["configCommit"] == git("rev-parse", "HEAD~1", cwd=seen.root)
    assert seen.yaml(OVERLAY.format("staging"))["images"] == [{"name": "nginx", "newTag": "1.25"}]

    head = git_server.head(repo)
    again = wf("promote", "web", "--to", "dev", "--image", "nginx:1.26", "--repo", repo)
    assert again.exit_code == 0 and "nothing changed" in again.output
    assert git_server.head(repo) == head


def test_a_release_goes_on_only_after_verification_in_the_stage_before(
    repo: str, wf: Wf, tmp_path: Path
) -> None:
    assert (
        wf("promote", "web", "--to", "dev", "--image", "nginx:1.26", "--repo", repo).exit_code == 0
    )
    early = wf("promote", "web", "--to", "staging", "--from", "dev", "--repo", repo)
    assert early.exit_code == 2
    assert "has not been verified in dev, which staging requires" in early.output
    skip = wf("promote", "web", "--to", "prod", "--image", "nginx:1.26", "--repo", repo)
    assert skip.exit_code == 2 and "not been verified in staging" in skip.output

    assert wf("mark-verified", "web", "--env", "dev", "--failed", "--repo", repo).exit_code == 0
    failed = wf("promote", "web", "--to", "staging", "--from", "dev", "--repo", repo)
    assert failed.exit_code == 2 and "failed verification in dev" in failed.output

    assert wf("mark-verified", "web", "--env", "dev", "--repo", repo).exit_code == 0
    ok = as_json(
        wf("promote", "web", "--to", "staging", "--from", "dev", "-o", "json", "--repo", repo)
    )
    assert ok["changes"][1] == "nginx 1.25 -> 1.26"
    seen = witness(repo, tmp_path)
    dev = seen.yaml(OVERLAY.format("dev"))["metadata"]
    assert seen.yaml(OVERLAY.format("staging"))["metadata"]["annotations"] == dev["annotations"]
    assert f"Source: release {ok['release']} running in dev." in seen.message()
    prod = wf("promote", "web", "--to", "prod", "--from", "staging", "--repo", repo)
    assert prod.exit_code == 2 and "not been verified in staging" in prod.output

    [listed] = as_json(wf("release", "list", "web", "-o", "json", "--repo", repo))
    assert listed["metadata"]["name"] == ok["release"]
    assert listed["spec"]["images"] == [{"name": "nginx", "newTag": "1.26"}]
    assert listed["status"] == {"runningIn": ["dev", "staging"], "verified": {"dev": True}}
    table = wf("release", "list", "web", "--repo", repo)
    assert table.exit_code == 0 and "dev passed" in table.output


def test_soak_time_holds_a_verified_release_back(git_server: GitServer, tmp_path: Path) -> None:
    url = git_server.new_repo()
    remote = Remote(url)

    def seed(checkout: Checkout) -> str:
        root = checkout.root
        (root / "gitops.yaml").write_text(
            "environments: [{name: dev}, {name: prod, requires: dev, soak: 1h}]\n"
        )
        for env in ("dev", "prod"):
            overlay = root / OVERLAY.format(env)
            overlay.parent.mkdir(parents=True)
            overlay.write_text("resources: [../../base]\nimages: [{name: web, newTag: '1'}]\n")
        return "seed"

    change(remote, seed)
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    promote(remote, PromoteRequest("web", "dev", images=(ImageRef("web", "2"),)), now)
    from workflow_engine.gitops import mark_verified

    mark_verified(remote, "web", "dev", True, now)
    with pytest.raises(Refused, match="soaking in dev: 1800s left of 3600s"):
        promote(remote, PromoteRequest("web", "prod", from_env="dev"), now + timedelta(minutes=30))
    done = promote(remote, PromoteRequest("web", "prod", from_env="dev"), now + timedelta(hours=1))
    assert done.commit == git_server.head(url)


def test_set_changes_an_existing_yaml_path_and_refuses_a_missing_one(
    git_server: GitServer, repo: str, wf: Wf, tmp_path: Path
) -> None:
    done = wf("promote", "web", "--to", "prod", "--set", "namespace=web-prod", "--repo", repo)
    assert done.exit_code == 0, done.output
    assert witness(repo, tmp_path).yaml(OVERLAY.format("prod"))["namespace"] == "web-prod"
    head = git_server.head(repo)
    bad = wf("promote", "web", "--to", "prod", "--set", "spec.replicas=3", "--repo", repo)
    assert bad.exit_code == 2
    assert "apps/web/envs/prod/kustomization.yaml: spec.replicas: spec does not exist" in bad.output
    nofile = wf(
        "promote", "web", "--to", "prod", "--set", "values.yaml:image.tag=2", "--repo", repo
    )
    assert nofile.exit_code == 2 and "values.yaml: no such file in the overlay" in nofile.output
    assert git_server.head(repo) == head


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "qa", "--image", "nginx:1.26"], "--to: unknown environment 'qa'"),
        (["--to", "dev", "--image", "redis:7"], "no entry for redis"),
        (["--to", "dev", "--image", "nginx"], "--image: 'nginx': write IMAGE:TAG"),
        (["--to", "dev"], "say what to promote"),
        (["--to", "staging", "--from", "dev"], "dev runs no release of web yet"),
        (["--to", "dev", "--release", "web-nope"], "no release 'web-nope'"),
        (["--to", "dev", "--set", "novalue"], "write [FILE:]PATH=VALUE"),
    ],
    ids=[
        "unknown-env",
        "unknown-image",
        "no-tag",
        "nothing",
        "no-release-yet",
        "no-such-release",
        "bad-set",
    ],
)
def test_bad_promotion_input_exits_2_and_pushes_nothing(
    git_server: GitServer, repo: str, wf: Wf, args: list[str], message: str
) -> None:
    head = git_server.head(repo)
    done = wf("promote", "web", *args, "--repo", repo)
    assert done.exit_code == 2, done.output
    assert message in done.output
    assert git_server.head(repo) == head


def test_branch_pushes_for_review_and_leaves_main_alone(
    git_server: GitServer, repo: str, wf: Wf, tmp_path: Path
) -> None:
    head = git_server.head(repo)
    done = wf(
        "promote",
        "web",
        "--to",
        "dev",
        "--image",
        "nginx:1.27",
        "--branch",
        "review/web",
        "--repo",
        repo,
    )
    assert done.exit_code == 0, done.output
    assert "pushed to review/web" in done.output
    assert git_server.head(repo) == head
    review = witness(repo, tmp_path, "review/web")
    assert review.yaml(OVERLAY.format("dev"))["images"] == [{"name": "nginx", "newTag": "1.27"}]
    assert git("rev-parse", "HEAD~1", cwd=review.root) == head


def _push_from_elsewhere(url: str, tmp: Path, rel: str, text: str) -> str:
    other = clone(url, tmp / f"other-{len(list(tmp.glob('other-*')))}")
    (other / rel).write_text(text)
    git("commit", "-qam", "someone else", cwd=other)
    git("push", "-q", "origin", "main", cwd=other)
    return git("rev-parse", "HEAD", cwd=other)


def test_a_conflicting_remote_move_is_refused_and_nothing_is_pushed(
    git_server: GitServer, repo: str, tmp_path: Path
) -> None:
    def mutate(checkout: Checkout) -> str:
        (checkout.root / OVERLAY.format("dev")).write_text("namespace: mine\n")
        theirs["sha"] = _push_from_elsewhere(
            repo, tmp_path, OVERLAY.format("dev"), "namespace: theirs\n"
        )
        return "my change"

    theirs: dict[str, str] = {}
    with pytest.raises(
        Refused, match=r"moved and the change conflicts with it \(apps/web/envs/dev"
    ):
        change(Remote(repo), mutate)
    assert git_server.head(repo) == theirs["sha"]


def test_a_remote_move_elsewhere_is_rebased_onto(
    git_server: GitServer, repo: str, tmp_path: Path
) -> None:
    def mutate(checkout: Checkout) -> str:
        (checkout.root / OVERLAY.format("dev")).write_text("namespace: mine\n")
        theirs["sha"] = _push_from_elsewhere(
            repo, tmp_path, OVERLAY.format("prod"), "namespace: p\n"
        )
        return "my change"

    theirs: dict[str, str] = {}
    done = change(Remote(repo), mutate)
    assert done.pushed is not None and done.pushed.rebased
    seen = witness(repo, tmp_path)
    assert seen.log()[:2] == ["my change", "someone else"]
    assert git("rev-parse", "HEAD~1", cwd=seen.root) == theirs["sha"]


def test_history_and_rollback(git_server: GitServer, repo: str, wf: Wf, tmp_path: Path) -> None:
    base = ["--repo", repo]
    assert wf("promote", "web", "--to", "dev", "--image", "nginx:1.26", *base).exit_code == 0
    assert wf("mark-verified", "web", "--env", "dev", *base).exit_code == 0
    assert wf("promote", "web", "--to", "dev", "--image", "nginx:1.27", *base).exit_code == 0
    assert wf("mark-verified", "web", "--env", "dev", "--failed", *base).exit_code == 0
    done = wf("rollback", "dev", "--app", "web", *base)
    assert done.exit_code == 0, done.output

    seen = witness(repo, tmp_path)
    assert seen.yaml(OVERLAY.format("dev"))["images"] == [{"name": "nginx", "newTag": "1.26"}]
    bad_release = [p.parent.name for p in (seen.root / "releases/web").glob("*/verified-dev.yaml")]
    assert len(bad_release) == 2  # release records and verifications stay
    assert seen.log()[0].startswith("rollback web in dev: revert ")
    assert "Wf-Reverts: " in seen.message()

    entries = as_json(wf("history", "web", "-o", "json", *base))
    assert [(e["action"], e["outcome"]) for e in entries] == [
        ("rollback", f"reverted {entries[2]['commit'][:10]}"),
        ("verify", "failed"),
        ("promote", f"rolled back by {entries[0]['commit'][:10]}"),
        ("verify", "passed"),
        ("promote", "verified"),
    ]
    assert all(e["env"] == "dev" and e["who"] == "wf gitops <wf-gitops@localhost>" for e in entries)
    assert entries[0]["when"] >= entries[-1]["when"]
    table = wf("history", "web", *base)
    assert table.exit_code == 0 and "rolled back by" in table.output

    assert wf("rollback", "dev", "--app", "web", *base).exit_code == 0  # the 1.26 promotion
    assert witness(repo, tmp_path).yaml(OVERLAY.format("dev"))["images"][0]["newTag"] == "1.25"
    head = git_server.head(repo)
    none_left = wf("rollback", "dev", "--app", "web", *base)
    assert none_left.exit_code == 2 and "no promotion of web into dev" in none_left.output
    assert git_server.head(repo) == head
    assert wf("rollback", "qa", "--app", "web", *base).exit_code == 2


def test_set_in_a_values_file_of_the_overlay(repo: str, wf: Wf, tmp_path: Path) -> None:
    def add_values(checkout: Checkout) -> str:
        (checkout.root / "apps/web/envs/prod/values.yaml").write_text(
            "replicas: 1\nimage: {tag: a}\n"
        )
        return "values"

    change(Remote(repo), add_values)
    done = wf(
        "promote",
        "web",
        "--to",
        "prod",
        "--set",
        "values.yaml:replicas=3",
        "--set",
        "values.yaml:image.tag=b",
        "--repo",
        repo,
    )
    assert done.exit_code == 0, done.output
    seen = witness(repo, tmp_path)
    assert seen.yaml("apps/web/envs/prod/values.yaml") == {"replicas": 3, "image": {"tag": "b"}}
    assert seen.log()[0] == "promote web to prod: values.yaml:replicas=3; values.yaml:image.tag=b"


def test_a_release_name_is_immutable(git_server: GitServer, repo: str, wf: Wf) -> None:
    first = wf(
        "promote", "web", "--to", "dev", "--image", "nginx:1.26", "--release", "r1", "--repo", repo
    )
    assert first.exit_code == 0, first.output
    head = git_server.head(repo)
    other = wf(
        "promote", "web", "--to", "dev", "--image", "nginx:1.27", "--release", "r1", "--repo", repo
    )
    assert (
        other.exit_code == 2
        and "release 'r1' exists with other images: it is immutable" in other.output
    )
    assert git_server.head(repo) == head
