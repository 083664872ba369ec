"""Artifact shapes: where an artifact lives (s3, git, http, raw...) and how it is packed."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from workflow_engine.spec.base import ArgoModel, KubeObject


class SecretKeySelector(ArgoModel):
    name: str
    key: str
    optional: bool | None = None


class S3Artifact(ArgoModel):
    endpoint: str | None = None
    bucket: str | None = None
    key: str | None = None
    region: str | None = None
    insecure: bool | None = None
    access_key_secret: SecretKeySelector | None = None
    secret_key_secret: SecretKeySelector | None = None
    session_token_secret: SecretKeySelector | None = None
    role_arn: str | None = Field(default=None, alias="roleARN")
    use_sdk_creds: bool | None = Field(default=None, alias="useSDKCreds")
    create_bucket_if_not_present: KubeObject | None = None
    encryption_options: KubeObject | None = None
    ca_secret: SecretKeySelector | None = None


class GitArtifact(ArgoModel):
    repo: str
    revision: str | None = None
    depth: int | None = None
    fetch: list[str] | None = None
    username_secret: SecretKeySelector | None = None
    password_secret: SecretKeySelector | None = None
    ssh_private_key_secret: SecretKeySelector | None = None
    insecure_ignore_host_key: bool | None = None
    disable_submodules: bool | None = None
    single_branch: bool | None = None
    branch: str | None = None
    insecure_skip_tls: bool | None = Field(default=None, alias="insecureSkipTLS")


class Header(ArgoModel):
    name: str
    value: str


class HTTPArtifact(ArgoModel):
    url: str
    headers: list[Header] | None = None
    auth: KubeObject | None = None


class RawArtifact(ArgoModel):
    data: str


class LocalArtifact(ArgoModel):
    """An object in the embedded local-directory artifact repository (our extension of
    Argo's locations): `key` is relative to the repository's directory."""

    key: str


class TarStrategy(ArgoModel):
    compression_level: int | None = None


class ArchiveStrategy(ArgoModel):
    tar: TarStrategy | None = None
    none: dict[str, Any] | None = None
    zip: dict[str, Any] | None = None


class ArtifactGC(ArgoModel):
    strategy: str | None = None
    pod_metadata: KubeObject | None = None
    service_account_name: str | None = None


class ArtifactLocation(ArgoModel):
    """The storage fields an artifact (or an artifact repository) may carry."""

    s3: S3Artifact | None = None
    git: GitArtifact | None = None
    http: HTTPArtifact | None = None
    raw: RawArtifact | None = None
    local: LocalArtifact | None = None
    artifactory: KubeObject | None = None
    hdfs: KubeObject | None = None
    oss: KubeObject | None = None
    gcs: KubeObject | None = None
    azure: KubeObject | None = None
    plugin: KubeObject | None = None
    archive_logs: bool | None = None


class Artifact(ArtifactLocation):
    name: str
    path: str | None = None
    mode: int | None = None
    from_: str | None = Field(default=None, alias="from")
    archive: ArchiveStrategy | None = None
    global_name: str | None = None
    optional: bool | None = None
    sub_path: str | None = None
    recurse_mode: bool | None = None
    from_expression: str | None = None
    artifact_gc: ArtifactGC | None = Field(default=None, alias="artifactGC")
    deleted: bool | None = None


class ArtifactRepositoryRef(ArgoModel):
    config_map: str | None = None
    key: str | None = None


class ArtifactRepositoryRefStatus(ArtifactRepositoryRef):
    namespace: str | None = None
    default: bool | None = None
    artifact_repository: KubeObject | None = None
