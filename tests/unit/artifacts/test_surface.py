"""The artifact room's public surface is pinned."""

from __future__ import annotations

import workflow_engine.artifacts as artifacts


def test_all_is_complete() -> None:
    assert set(artifacts.__all__) == {
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
    }
    for name in artifacts.__all__:
        assert getattr(artifacts, name) is not None
