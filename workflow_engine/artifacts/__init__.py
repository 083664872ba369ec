"""Artifacts: where input and output files of pods are kept and how they are packed.

The executor fetches inputs and saves outputs through `ArtifactDriver`s (one per
location kind: `raw`, `local`, `s3`, `git`, `http`), configured by an
`ArtifactRepository` in Argo's shape and given credentials by a `SecretResolver`.
`archive` packs and safely unpacks tarballs and zips; `repositories` picks a
workflow's repository from Argo's `artifact-repositories` ConfigMaps; `gc` deletes a
finished workflow's objects; `download` fetches its outputs (`wf cp`).
"""

from workflow_engine.artifacts.archive import is_tarball, pack, pack_zip, unpack_into, unzip_into
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
