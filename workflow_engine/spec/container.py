"""Kubernetes container shapes as templates use them (container, script, sidecars).

Fields are Kubernetes' own; the ones the engine reads are typed, the nested ones we only
pass to the pod (probes, security contexts, resources) are `KubeObject`s.
"""

from __future__ import annotations

from pydantic import Field

from workflow_engine.spec.base import AnyString, ArgoModel, KubeObject


class EnvVar(ArgoModel):
    name: str
    value: AnyString | None = None
    value_from: KubeObject | None = None


class VolumeMount(ArgoModel):
    name: str
    mount_path: str
    read_only: bool | None = None
    sub_path: str | None = None
    sub_path_expr: str | None = None
    mount_propagation: str | None = None
    recursive_read_only: str | None = None


class ContainerPort(ArgoModel):
    container_port: int
    name: str | None = None
    protocol: str | None = None
    host_port: int | None = None
    host_ip: str | None = Field(default=None, alias="hostIP")


class Container(ArgoModel):
    """A Kubernetes container; `name` is optional in templates (the pod builder names it)."""

    name: str | None = None
    image: str | None = None
    command: list[str] | None = None
    args: list[AnyString] | None = None
    working_dir: str | None = None
    env: list[EnvVar] | None = None
    env_from: list[KubeObject] | None = None
    ports: list[ContainerPort] | None = None
    resources: KubeObject | None = None
    resize_policy: list[KubeObject] | None = None
    restart_policy: str | None = None
    volume_mounts: list[VolumeMount] | None = None
    volume_devices: list[KubeObject] | None = None
    liveness_probe: KubeObject | None = None
    readiness_probe: KubeObject | None = None
    startup_probe: KubeObject | None = None
    lifecycle: KubeObject | None = None
    termination_message_path: str | None = None
    termination_message_policy: str | None = None
    image_pull_policy: str | None = None
    security_context: KubeObject | None = None
    stdin: bool | None = None
    stdin_once: bool | None = None
    tty: bool | None = None


class ScriptTemplate(Container):
    """A container whose `source` is written to a file and run with its `command`;
    without `source` it runs its command as a container does (Argo allows that)."""

    source: str = ""


class UserContainer(Container):
    """An init container or sidecar; `mirrorVolumeMounts` copies the main container's mounts."""

    mirror_volume_mounts: bool | None = None


class ContainerNode(Container):
    """A container of a containerSet template."""

    dependencies: list[str] | None = None


class ContainerSetRetryStrategy(ArgoModel):
    duration: str | None = None
    retries: int | str


class ContainerSetTemplate(ArgoModel):
    containers: list[ContainerNode]
    volume_mounts: list[VolumeMount] | None = None
    retry_strategy: ContainerSetRetryStrategy | None = None
