"""`wf gitops app create`: add an application to the config repository: its base (from a
manifest file or URL, a kustomization directory, or an image for which a Deployment and a
Service are generated) and one overlay per environment, pinning the images the base runs.

A manifest URL is fetched once and its content committed: the desired state is what git
holds, not what a server answers later.
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from workflow_engine.gitops import layout
from workflow_engine.gitops.errors import Refused
from workflow_engine.gitops.gitrepo import Changed, Checkout, Remote, change, public_url
from workflow_engine.gitops.kustomize import KUSTOMIZE_API, ImageRef, images_of, overlay, write_yaml

IMAGE_PREFIX = "image:"
FETCH_TIMEOUT = 30.0


@dataclass(frozen=True)
class AppRequest:
    name: str
    source: str
    envs: tuple[str, ...] = ()  # empty: every environment of gitops.yaml
    port: int = 8080
    project: str | None = None  # labels every object of the app (argocd-autopilot's -p)


@dataclass(frozen=True)
class AppCreated:
    name: str
    envs: list[str]
    images: list[str]
    changed: Changed


def create_app(remote: Remote, request: AppRequest) -> AppCreated:
    layout.check_name(request.name, "NAME")
    if request.project is not None:
        layout.check_name(request.project, "--project")
    if not 0 < request.port < 65536:
        raise Refused("--port", f"{request.port} is not a port")
    base_files = _base_files(request)  # before cloning: bad sources fail fast
    found: dict[str, Any] = {}

    def mutate(checkout: Checkout) -> str:
        root = checkout.root
        config = layout.read_config(root)
        envs = list(request.envs) or config.names
        for env in envs:
            config.environment(env, "--env")
        if layout.app_dir(root, request.name).exists():
            raise Refused("NAME", f"app {request.name!r} exists already")
        base = layout.app_base_dir(root, request.name)
        manifests = _write_base(base, base_files)
        images = images_of(manifests)
        for env in envs:
            write_yaml(
                layout.overlay_file(root, request.name, env),
                overlay(request.name, env, images, request.project),
            )
        found.update(envs=envs, images=[str(i) for i in images])
        project = f" Project {request.project}." if request.project else ""
        return (
            f"app {request.name}: add from {public_url(request.source)}\n\n"
            f"Overlays for {', '.join(envs)}; images {', '.join(map(str, images)) or 'none'}."
            f"{project}\n"
        )

    changed = change(remote, mutate)
    return AppCreated(request.name, found["envs"], found["images"], changed)


def _base_files(request: AppRequest) -> dict[str, str] | Path:
    """The base as files by name, or a kustomization directory to copy."""
    source = request.source
    if source.startswith(IMAGE_PREFIX):
        image = ImageRef.parse(source[len(IMAGE_PREFIX) :], "--app")
        return _generated(request.name, image, request.port)
    if source.startswith(("http://", "https://")):
        text = _fetch(source)
        _documents(text, source)
        return {"manifests.yaml": text}
    path = Path(source)
    if path.is_dir():
        if not any((path / k).is_file() for k in ("kustomization.yaml", "kustomization.yml")):
            raise Refused("--app", f"{source}: a directory must hold a kustomization.yaml")
        return path
    if path.is_file():
        text = path.read_text()
        _documents(text, source)
        return {path.name if path.suffix in (".yaml", ".yml") else "manifests.yaml": text}
    raise Refused("--app", f"{source!r}: not a file, directory, http(s) URL or image:NAME:TAG")


def _fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT) as reply:
            return str(reply.read().decode())
    except (urllib.error.URLError, OSError, UnicodeDecodeError) as exc:
        raise Refused("--app", f"cannot fetch {public_url(url)}: {exc}") from None


def _documents(text: str, source: str) -> list[dict[str, Any]]:
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise Refused("--app", f"{source}: not YAML: {exc}") from None
    if not docs:
        raise Refused("--app", f"{source}: no manifests in it")
    for i, doc in enumerate(docs):
        meta = doc.get("metadata") if isinstance(doc, dict) else None
        if not (isinstance(doc, dict) and doc.get("kind") and doc.get("apiVersion")):
            raise Refused(f"--app: {source}: document {i}", "kind and apiVersion are required")
        if not isinstance(meta, dict) or not meta.get("name"):
            raise Refused(f"--app: {source}: document {i}: metadata.name", "is required")
    return docs


def _write_base(base: Path, files: dict[str, str] | Path) -> list[dict[str, Any]]:
    if isinstance(files, Path):
        shutil.copytree(files, base)
        manifests = []
        for file in sorted(base.rglob("*.y*ml")):
            if not file.name.startswith("kustomization."):
                docs = yaml.safe_load_all(file.read_text())
                manifests += [d for d in docs if isinstance(d, dict)]
        return manifests
    base.mkdir(parents=True)
    manifests = []
    for name, text in files.items():
        (base / name).write_text(text)
        manifests += _documents(text, name)
    kustomization = {"apiVersion": KUSTOMIZE_API, "kind": "Kustomization", "resources": list(files)}
    write_yaml(base / "kustomization.yaml", kustomization)
    return manifests


def _generated(name: str, image: ImageRef, port: int) -> dict[str, str]:
    labels = {"app.kubernetes.io/name": name}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {"name": name, "image": str(image), "ports": [{"containerPort": port}]}
                    ]
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": labels},
        "spec": {"selector": labels, "ports": [{"port": port, "targetPort": port}]},
    }
    return {
        "deployment.yaml": yaml.safe_dump(deployment, sort_keys=False),
        "service.yaml": yaml.safe_dump(service, sort_keys=False),
    }
