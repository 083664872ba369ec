"""The pure parts of `workflow_engine.gitops`: image references, `--set` values and YAML
paths, `gitops.yaml`, durations, history outcomes, and the package's public surface."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

import workflow_engine.gitops as gitops
from workflow_engine.expr.when import evaluate_when
from workflow_engine.gitops import ImageRef, Refused, SetValue
from workflow_engine.gitops.bootstrap import pipeline_templates
from workflow_engine.gitops.gitrepo import public_url
from workflow_engine.gitops.history import Entry, with_outcomes
from workflow_engine.gitops.layout import Environment, chain_config, parse_config, parse_duration
from workflow_engine.gitops.yamlpath import set_in

EXAMPLES = Path(__file__).parents[3] / "examples" / "gitops"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nginx:1.25", ImageRef("nginx", "1.25")),
        ("registry:5000/team/app:v2", ImageRef("registry:5000/team/app", "v2")),
        ("ghcr.io/a/b@sha256:abc", ImageRef("ghcr.io/a/b", None, "sha256:abc")),
        ("a:1@sha256:abc", ImageRef("a", "1", "sha256:abc")),
    ],
    ids=["tag", "registry-port", "digest", "both"],
)
def test_image_references(text: str, expected: ImageRef) -> None:
    assert ImageRef.parse(text) == expected
    assert str(expected) == text


@pytest.mark.parametrize("text", ["nginx", "registry:5000/app", "a@abc", "a b:1", ":1"])
def test_image_references_need_a_tag_or_digest(text: str) -> None:
    with pytest.raises(Refused, match="--image"):
        ImageRef.parse(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("spec.replicas=3", SetValue("kustomization.yaml", "spec.replicas", 3)),
        ("values.yaml:image.tag=1.2.0", SetValue("values.yaml", "image.tag", "1.2.0")),
        ("patch.yaml:a[0].b=true", SetValue("patch.yaml", "a[0].b", True)),
        ("x=", SetValue("kustomization.yaml", "x", "")),
    ],
    ids=["default-file", "values-file", "index", "empty"],
)
def test_set_values(text: str, expected: SetValue) -> None:
    assert SetValue.parse(text) == expected


@pytest.mark.parametrize(
    "text", ["novalue", "=3", "../up.yaml:a=1", "/abs.yaml:a=1", "a..b=1", "a[x]=1"]
)
def test_bad_set_values(text: str) -> None:
    with pytest.raises(Refused, match="--set"):
        SetValue.parse(text)


def test_set_in_changes_existing_paths_only() -> None:
    doc: dict[str, Any] = {"spec": {"containers": [{"image": "a"}]}}
    assert set_in(doc, "spec.containers[0].image", "b", "f.yaml")
    assert not set_in(doc, "spec.containers[0].image", "b", "f.yaml")
    assert doc == {"spec": {"containers": [{"image": "b"}]}}
    with pytest.raises(Refused) as missing:
        set_in(doc, "spec.containers[1].image", "c", "f.yaml")
    assert (
        str(missing.value) == "f.yaml: spec.containers[1].image: spec.containers[1] does not exist"
    )


def test_gitops_yaml() -> None:
    config = parse_config(
        "environments: [{name: dev}, {name: staging, requires: dev, soak: 1h30m}, "
        "{name: prod, requires: staging}]"
    )
    assert config.environment("staging") == Environment("staging", "dev", timedelta(minutes=90))
    assert config.environments[2] == Environment("prod", "staging")
    assert chain_config(["dev", "staging", "prod"]).environments[2] == Environment(
        "prod", "staging"
    )
    with pytest.raises(Refused, match="unknown environment 'qa' \\(known: dev, staging, prod\\)"):
        config.environment("qa", "--to")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("environments: []", "environments: a non-empty list is required"),
        ("environments: [{name: prod, requires: dev}]", "environments\\[0\\].requires: 'dev'"),
        ("environments: [{name: Dev}]", "environments\\[0\\].name: 'Dev' is not a valid name"),
        ("environments: [{name: a}, {name: b, requires: a, soak: soon}]", "soak: 'soon'"),
        ("environments: [", "not YAML"),
    ],
    ids=["empty", "unknown-requires", "bad-name", "bad-soak", "not-yaml"],
)
def test_bad_gitops_yaml(text: str, message: str) -> None:
    with pytest.raises(Refused, match=message):
        parse_config(text)


@pytest.mark.parametrize(
    ("text", "seconds"), [("0s", 0), ("90s", 90), ("1h30m", 5400), ("250ms", 0.25), ("2m5s", 125)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text, "soak").total_seconds() == seconds


def _entry(
    commit: str, action: str, release: str = "r1", reverts: str = "", change: str = ""
) -> Entry:
    return Entry(commit, "t", "who", action, "web", "dev", release, change, "", reverts)


def test_history_outcomes_come_from_later_commits() -> None:
    newest_first = [
        _entry("c5", "rollback", reverts="c4"),
        _entry("c4", "promote", "r2"),
        _entry("c3", "verify", "r1", change="verify web in dev: release r1 failed"),
        _entry("c2", "verify", "r1", change="verify web in dev: release r1 passed"),
        _entry("c1", "promote", "r1"),
    ]
    outcomes = [e.outcome for e in with_outcomes(newest_first)]
    # c1's outcome is its first verification after it (c2), not a later re-verification
    assert outcomes == ["reverted c4", "rolled back by c5", "failed", "passed", "verified"]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:token@git.example/r.git", "https://git.example/r.git"),
        ("git://127.0.0.1:9418/r.git", "git://127.0.0.1:9418/r.git"),
        ("/srv/git/r.git", "/srv/git/r.git"),
    ],
)
def test_messages_never_show_credentials_of_a_url(url: str, shown: str) -> None:
    assert public_url(url) == shown


def test_shipped_pipelines_are_the_examples() -> None:
    for name, text in pipeline_templates().items():
        assert text == (EXAMPLES / name).read_text(), name


def test_public_surface() -> None:
    assert gitops.__all__ == sorted(gitops.__all__, key=lambda n: (n[0].islower(), n))
    assert all(hasattr(gitops, name) for name in gitops.__all__)


@pytest.mark.parametrize(("image", "runs"), [("", False), ("web:v2", True)], ids=["empty", "set"])
def test_the_pipeline_skips_dev_when_no_image_is_given(image: str, runs: bool) -> None:
    """The nightly run leaves `image` empty: staging then takes what dev runs."""
    pipeline = yaml.safe_load((EXAMPLES / "promotion-pipeline.yaml").read_text())
    (steps,) = [t["steps"] for t in pipeline["spec"]["templates"] if t["name"] == "pipeline"]
    when = steps[0][0]["when"].replace("{{workflow.parameters.image}}", image)
    assert evaluate_when(when) is runs
