"""Artifacts: where input and output files of pods are kept and how they are packed.

The executor fetches inputs and saves outputs through `ArtifactDriver`s (one per
location kind: `raw`, `local`, `s3`, `git`, `http`), configured by an
`ArtifactRepository` in Argo's shape and given credentials by a `SecretResolver`.
`archive` packs and safely unpacks tarballs and zips; `repositories` picks a
workflow's repository from Argo's `artifact-repositories` ConfigMaps; `gc` deletes a
finished workflow's objects; `download` fetches its outputs (`wf cp`).

Names load on first use (`workflow_engine.lazy`): the drivers bring minio and git.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflow_engine.lazy import lazy_names

if TYPE_CHECKING:
    from workflow_engine.artifacts.archive import (
        is_tarball,
        pack,
        pack_zip,
        unpack_into,
        unzip_into,
    )
    from workflow_engine.artifacts.base import (
        DEFAULT_RETRY,
        LOCATION_KINDS,
        ArtifactDriver,
        Drivers,
        RetryingDriver,
        RetryPolicy,
        describe,
        driver_for,
        location_kind,
    )
    from workflow_engine.artifacts.download import (
        DEFAULT_PATH,
        Downloaded,
        download_outputs,
        output_artifacts,
    )
    from workflow_engine.artifacts.gc import GCReport, delete_artifacts
    from workflow_engine.artifacts.git import GitDriver
    from workflow_engine.artifacts.http import HTTPDriver
    from workflow_engine.artifacts.local import LocalDriver
    from workflow_engine.artifacts.raw import RawDriver
    from workflow_engine.artifacts.repositories import (
        REPOSITORIES_FILE,
        RepositoryChoice,
        RepositoryConfig,
        choose_repository,
        load_repositories_file,
        repository_of,
    )
    from workflow_engine.artifacts.repository import (
        DEFAULT_KEY_FORMAT,
        KEY_VARIABLES,
        ArtifactRepository,
        LocalArtifactRepository,
        S3ArtifactRepository,
        default_drivers,
        locate,
        output_key,
        parse_repository,
        render_key_format,
    )
    from workflow_engine.artifacts.s3 import S3Driver
    from workflow_engine.artifacts.secrets import (
        MappingSecrets,
        NoSecrets,
        SecretResolver,
        StoreSecrets,
        make_secret,
        secret_data,
    )

__all__ = [
    "DEFAULT_KEY_FORMAT",
    "DEFAULT_PATH",
    "DEFAULT_RETRY",
    "KEY_VARIABLES",
    "LOCATION_KINDS",
    "REPOSITORIES_FILE",
    "ArtifactDriver",
    "ArtifactRepository",
    "Downloaded",
    "Drivers",
    "GCReport",
    "GitDriver",
    "HTTPDriver",
    "LocalArtifactRepository",
    "LocalDriver",
    "MappingSecrets",
    "NoSecrets",
    "RawDriver",
    "RepositoryChoice",
    "RepositoryConfig",
    "RetryPolicy",
    "RetryingDriver",
    "S3ArtifactRepository",
    "S3Driver",
    "SecretResolver",
    "StoreSecrets",
    "choose_repository",
    "default_drivers",
    "delete_artifacts",
    "describe",
    "download_outputs",
    "driver_for",
    "is_tarball",
    "load_repositories_file",
    "locate",
    "location_kind",
    "make_secret",
    "output_artifacts",
    "output_key",
    "pack",
    "pack_zip",
    "parse_repository",
    "render_key_format",
    "repository_of",
    "secret_data",
    "unpack_into",
    "unzip_into",
]

__getattr__ = lazy_names(
    __name__,
    {
        "is_tarball": "archive",
        "pack": "archive",
        "pack_zip": "archive",
        "unpack_into": "archive",
        "unzip_into": "archive",
        "DEFAULT_RETRY": "base",
        "LOCATION_KINDS": "base",
        "ArtifactDriver": "base",
        "Drivers": "base",
        "RetryingDriver": "base",
        "RetryPolicy": "base",
        "describe": "base",
        "driver_for": "base",
        "location_kind": "base",
        "DEFAULT_PATH": "download",
        "Downloaded": "download",
        "download_outputs": "download",
        "output_artifacts": "download",
        "GCReport": "gc",
        "delete_artifacts": "gc",
        "GitDriver": "git",
        "HTTPDriver": "http",
        "LocalDriver": "local",
        "RawDriver": "raw",
        "REPOSITORIES_FILE": "repositories",
        "RepositoryChoice": "repositories",
        "RepositoryConfig": "repositories",
        "choose_repository": "repositories",
        "load_repositories_file": "repositories",
        "repository_of": "repositories",
        "DEFAULT_KEY_FORMAT": "repository",
        "KEY_VARIABLES": "repository",
        "ArtifactRepository": "repository",
        "LocalArtifactRepository": "repository",
        "S3ArtifactRepository": "repository",
        "default_drivers": "repository",
        "locate": "repository",
        "output_key": "repository",
        "parse_repository": "repository",
        "render_key_format": "repository",
        "S3Driver": "s3",
        "MappingSecrets": "secrets",
        "NoSecrets": "secrets",
        "SecretResolver": "secrets",
        "StoreSecrets": "secrets",
        "make_secret": "secrets",
        "secret_data": "secrets",
    },
)
