"""Render one environment of a checked-out config repository into Kubernetes objects.

The first step of `wf gitops sync|diff|status|drift`: read `gitops.yaml` (the list of
environments), find every `apps/<app>/envs/<env>/` overlay, render it with
`kubectl kustomize` when it has a kustomization, else read its plain manifests, and
stamp every object with our ownership labels and the git revision. Nothing here talks
to a cluster.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from workflow_engine.errors import SpecError

PREFIX = "gitops.wfengine.io"
MANAGED_BY = f"{PREFIX}/managed-by"
MANAGER = "wf-gitops"
APP_LABEL = f"{PREFIX}/app"
ENV_LABEL = f"{PREFIX}/env"
REVISION = f"{PREFIX}/revision"
TRACKING = f"{PREFIX}/tracking-id"
CONFIG = "gitops.yaml"
KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$")

Kustomize = Callable[[Path], str]


@dataclass(frozen=True)
class Environment:
    name: str
    requires: str | None = None
    namespace: str | None = None  # where namespaced objects without one go
    self_heal: bool = False


@dataclass(frozen=True)
class Rendered:
    """The desired state of one environment at one revision."""

    env: Environment
    revision: str
    objects: tuple[dict[str, Any], ...]


def load_environments(root: Path) -> list[Environment]:
    """The environments listed in `root/gitops.yaml` (SpecError naming the field)."""
    if not root.is_dir():
        raise SpecError("--dir", f"{root}: no such directory")
    path = root / CONFIG
    try:
        doc = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise SpecError(CONFIG, f"not found in {root}") from None
    except yaml.YAMLError as exc:
        raise SpecError(CONFIG, f"not valid YAML: {exc}") from None
    entries = doc.get("environments") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise SpecError(f"{CONFIG}: environments", "a non-empty list is required")
    return [_environment(entry, i) for i, entry in enumerate(entries)]


def _environment(entry: Any, index: int) -> Environment:
    where = f"{CONFIG}: environments[{index}]"
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise SpecError(f"{where}.name", "a name is required")
    name = entry["name"]
    if not _NAME.match(name):
        raise SpecError(f"{where}.name", f'"{name}" is not a valid label value')
    requires, namespace = entry.get("requires"), entry.get("namespace")
    return Environment(
        name=name,
        requires=str(requires) if requires else None,
        namespace=str(namespace) if namespace else None,
        self_heal=bool(entry.get("selfHeal", False)),
    )


def environment(root: Path, name: str) -> Environment:
    """The environment `name` of the repository at `root`; SpecError when unknown."""
    envs = load_environments(root)
    for env in envs:
        if env.name == name:
            return env
    known = ", ".join(e.name for e in envs)
    raise SpecError(f"{CONFIG}: environments", f'unknown environment "{name}" (known: {known})')


def render(
    root: Path,
    env_name: str,
    revision: str,
    kustomize: Kustomize | None = None,
) -> Rendered:
    """Every object of environment `env_name`, owned and stamped with `revision`."""
    env = environment(root, env_name)
    run = kustomize or kubectl_kustomize
    overlays = sorted((root / "apps").glob(f"*/envs/{env.name}"))
    overlays = [o for o in overlays if o.is_dir()]
    if not overlays:
        raise SpecError(f"apps/*/envs/{env.name}", "no application has this environment")
    objects: list[dict[str, Any]] = []
    for overlay in overlays:
        app = overlay.parent.parent.name
        if not _NAME.match(app):
            raise SpecError(str(overlay.relative_to(root)), f'"{app}" is not a valid app name')
        for obj in _overlay_objects(root, overlay, run):
            objects.append(own(obj, app, env.name, revision))
    _refuse_duplicates(objects)
    return Rendered(env=env, revision=revision, objects=tuple(objects))


def _overlay_objects(root: Path, overlay: Path, run: Kustomize) -> list[dict[str, Any]]:
    where = str(overlay.relative_to(root))
    if any((overlay / k).is_file() for k in KUSTOMIZATIONS):
        return _documents(run(overlay), where)
    files = sorted(p for p in overlay.iterdir() if p.suffix in MANIFEST_SUFFIXES)
    objects: list[dict[str, Any]] = []
    for path in files:
        objects.extend(_documents(path.read_text(), f"{where}/{path.name}"))
    return objects


def _documents(text: str, where: str) -> list[dict[str, Any]]:
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise SpecError(where, f"not valid YAML: {exc}") from None
    objects: list[dict[str, Any]] = []
    for i, doc in enumerate(docs):
        items = doc.get("items") if isinstance(doc, dict) and doc.get("kind") == "List" else [doc]
        for obj in items or []:
            _check_object(obj, f"{where}[{i}]")
            objects.append(obj)
    return objects


def _check_object(obj: Any, where: str) -> None:
    if not isinstance(obj, dict):
        raise SpecError(where, "a Kubernetes object (a mapping) is required")
    for field in ("apiVersion", "kind"):
        if not isinstance(obj.get(field), str) or not obj[field]:
            raise SpecError(f"{where}.{field}", "is required")
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        raise SpecError(f"{where}.metadata.name", "is required")


def own(obj: dict[str, Any], app: str, env: str, revision: str) -> dict[str, Any]:
    """A copy of `obj` with our ownership labels and the revision annotation."""
    meta = dict(obj.get("metadata") or {})
    meta["labels"] = {**(meta.get("labels") or {}), MANAGED_BY: MANAGER, APP_LABEL: app}
    meta["labels"][ENV_LABEL] = env
    meta["annotations"] = {**(meta.get("annotations") or {}), REVISION: revision}
    return {**obj, "metadata": meta}


def object_key(obj: dict[str, Any]) -> str:
    """`Kind/namespace/name` (or `Kind/name` without a namespace), as reports show it."""
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    return f"{obj['kind']}/{ns}/{meta['name']}" if ns else f"{obj['kind']}/{meta['name']}"


def _refuse_duplicates(objects: list[dict[str, Any]]) -> None:
    seen: set[tuple[str, str, str | None, str]] = set()
    for obj in objects:
        meta = obj["metadata"]
        key = (obj["apiVersion"].split("/")[0], obj["kind"], meta.get("namespace"), meta["name"])
        if key in seen:
            raise SpecError(object_key(obj), "defined twice in this environment")
        seen.add(key)


def kubectl_kustomize(directory: Path) -> str:
    """`kubectl kustomize DIR` (SpecError with its message when it fails)."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise SpecError(str(directory), "kubectl is needed to render a kustomization")
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise SpecError(str(directory), f"kustomize failed: {result.stderr.strip()}")
    return result.stdout


def git_revision(directory: Path) -> str:
    """The commit checked out in `directory`, or "local" when it is not a git work tree."""
    git = shutil.which("git")
    if git is None:
        return "local"
    result = subprocess.run(
        [git, "-C", str(directory), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return result.stdout.strip() if result.returncode == 0 else "local"
