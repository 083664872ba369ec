"""Artifacts: where input and output files of pods are kept and how they are packed.

The executor fetches inputs and saves outputs through `ArtifactDriver`s (one per
location kind: `raw`, `local`; s3, git and http later), configured by an
`ArtifactRepository` in Argo's shape. `archive` packs and safely unpacks tarballs.
"""

from workflow_engine.artifacts.archive import is_tarball, pack, pack_zip, unpack_into, unzip_into
from workflow_engine.artifacts.base import (
    LOCATION_KINDS,
    ArtifactDriver,
    Drivers,
    RetryingDriver,
    describe,
    driver_for,
    location_kind,
)
from workflow_engine.artifacts.local import LocalDriver
from workflow_engine.artifacts.raw import RawDriver
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

__all__ = [
    "DEFAULT_KEY_FORMAT",
    "KEY_VARIABLES",
    "LOCATION_KINDS",
    "ArtifactDriver",
    "ArtifactRepository",
    "Drivers",
    "LocalArtifactRepository",
    "LocalDriver",
    "RawDriver",
    "RetryingDriver",
    "S3ArtifactRepository",
    "default_drivers",
    "describe",
    "driver_for",
    "is_tarball",
    "locate",
    "location_kind",
    "output_key",
    "pack",
    "pack_zip",
    "parse_repository",
    "render_key_format",
    "unpack_into",
    "unzip_into",
]
