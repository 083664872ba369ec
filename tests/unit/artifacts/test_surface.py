"""The artifact room's public surface is pinned."""

from __future__ import annotations

import workflow_engine.artifacts as artifacts


def test_all_is_complete() -> None:
    assert set(artifacts.__all__) == {
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
    }
    for name in artifacts.__all__:
        assert getattr(artifacts, name) is not None
