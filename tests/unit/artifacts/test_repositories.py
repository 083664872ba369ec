"""Choosing a workflow's artifact repository from Argo-shaped ConfigMaps (the embedded
`artifact-repositories.yaml`). Real: YAML files under tests/data/artifacts and tmp."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflow_engine.artifacts import (
    ArtifactRepository,
    RepositoryConfig,
    choose_repository,
    load_repositories_file,
)
from workflow_engine.errors import PermanentError, SpecError
from workflow_engine.spec.artifacts import ArtifactRepositoryRef

DATA = Path(__file__).parents[2] / "data" / "artifacts" / "artifact-repositories.yaml"
FALLBACK = ArtifactRepository.model_validate({"local": {"path": "/state/artifacts"}})


@pytest.fixture(scope="module")
def config() -> RepositoryConfig:
    return load_repositories_file(DATA)


@pytest.mark.parametrize(
    ("ref", "namespace", "kind", "where"),
    [
        (None, "default", "s3", ("artifact-repositories", "minio", "default", False)),
        (
            {"key": "scratch"},
            "default",
            "local",
            ("artifact-repositories", "scratch", "default", False),
        ),
        (
            {"configMap": "team-repos", "key": "archive"},
            "team-a",
            "s3",
            ("team-repos", "archive", "team-a", False),
        ),
        (None, "team-a", "local", (None, None, None, True)),
        ({"key": "minio"}, "team-a", "s3", ("artifact-repositories", "minio", "default", False)),
    ],
    ids=["default-annotation", "named-key", "named-config-map", "fallback", "controller-namespace"],
)
def test_choice(
    config: RepositoryConfig,
    ref: dict[str, str] | None,
    namespace: str,
    kind: str,
    where: tuple[str | None, str | None, str | None, bool],
) -> None:
    parsed = ArtifactRepositoryRef.model_validate(ref) if ref is not None else None
    choice = choose_repository(config, parsed, namespace, FALLBACK, controller_namespace="default")
    assert choice.repository.kind == kind
    assert (choice.config_map, choice.key, choice.namespace, choice.default) == where
    status = choice.status_ref()
    assert status["artifactRepository"] == choice.repository.to_dict()
    assert ("default" in status) == where[3]


def test_repository_fields_and_json(config: RepositoryConfig) -> None:
    choice = choose_repository(config, None, "default", FALLBACK)
    repo = choice.repository
    assert repo.archive_logs is True and repo.s3 is not None
    assert repo.s3.bucket == "my-bucket" and repo.key_format == "{{workflow.name}}/{{pod.name}}"
    assert '"bucket":"my-bucket"' in choice.repository_json()
    team = config.find("team-repos", "team-a")
    assert team is not None and team.repositories["archive"].key_format.startswith("runs/")


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ({"key": "nope"}, "has no key 'nope' \\(keys: minio, scratch\\)"),
        ({"configMap": "absent"}, "ConfigMap 'absent' not found in namespace default"),
        ({"configMap": "team-repos"}, "not found"),
    ],
    ids=["unknown-key", "unknown-config-map", "wrong-namespace"],
)
def test_bad_reference_is_a_clear_error(
    config: RepositoryConfig, ref: dict[str, str], message: str
) -> None:
    with pytest.raises(PermanentError, match=message):
        choose_repository(config, ArtifactRepositoryRef.model_validate(ref), "default", FALLBACK)


def test_config_map_without_default_needs_a_key(tmp_path: Path) -> None:
    path = tmp_path / "repos.yaml"
    path.write_text(
        "kind: ConfigMap\nmetadata: {name: artifact-repositories}\ndata: {a: 'local: {path: /x}'}\n"
    )
    config = load_repositories_file(path)
    assert choose_repository(config, None, "default", FALLBACK).default
    with pytest.raises(PermanentError, match="no key given"):
        choose_repository(
            config, ArtifactRepositoryRef(config_map="artifact-repositories"), "default", FALLBACK
        )


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            "kind: ConfigMap\nmetadata: {name: r}\ndata: {a: 's3: {bucket: [1]}'}\n",
            "[0].data.a.s3.bucket",
        ),
        ("kind: ConfigMap\nmetadata: {name: r}\ndata: {a: 'nonsense: 1'}\n", "[0].data.a.nonsense"),
        (
            "kind: ConfigMap\nmetadata: {name: r}\n"
            "data: {a: 'local: {path: /x}\ns3: {bucket: b}'}\n",
            "[0].data.a",
        ),
        ("kind: ConfigMap\ndata: {}\n", "[0].metadata.name"),
        ("- just a list\n", "[0]"),
        ("a: [unclosed\n", ""),
    ],
    ids=["bad-type", "unknown-field", "two-kinds", "no-name", "not-an-object", "bad-yaml"],
)
def test_malformed_file_errors_name_the_place(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "artifact-repositories.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as caught:
        load_repositories_file(path)
    assert str(caught.value).startswith(f"{path}{where}")


def test_absent_file_is_empty(tmp_path: Path) -> None:
    config = load_repositories_file(tmp_path / "none.yaml")
    assert config.config_maps == ()
    assert choose_repository(config, None, "default", FALLBACK).repository == FALLBACK
