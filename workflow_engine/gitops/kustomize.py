"""The kustomization files of an app: the base's resources, an overlay's `images:`
entries and the release an overlay runs (an annotation on the Kustomization itself,
so it never reaches the cluster's objects and a `git revert` restores it with the images).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from workflow_engine.gitops.errors import Refused
from workflow_engine.spec.objects import API_GROUP

RELEASE_ANNOTATION = f"{API_GROUP}/release"
KUSTOMIZE_API = "kustomize.config.k8s.io/v1beta1"
_WORKLOAD_PATHS = {
    "Pod": ("spec",),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


@dataclass(frozen=True)
class ImageRef:
    """`nginx:1.25`, `ghcr.io/a/b@sha256:...`, `reg:5000/x:tag`: a name, a tag and/or digest."""

    name: str
    tag: str | None = None
    digest: str | None = None

    @classmethod
    def parse(cls, text: str, path: str = "--image") -> ImageRef:
        rest, _, digest = text.partition("@")
        slash = rest.rfind("/")
        colon = rest.rfind(":")
        name, tag = (rest[:colon], rest[colon + 1 :]) if colon > slash else (rest, "")
        if not name or (not tag and not digest) or " " in text:
            raise Refused(path, f"{text!r}: write IMAGE:TAG or IMAGE@DIGEST")
        if digest and ":" not in digest:
            raise Refused(path, f"{text!r}: a digest looks like sha256:<hex>")
        return cls(name, tag or None, digest or None)

    def entry(self) -> dict[str, str]:
        out = {"name": self.name}
        if self.tag:
            out["newTag"] = self.tag
        if self.digest:
            out["digest"] = self.digest
        return out

    def __str__(self) -> str:
        return (
            self.name
            + (f":{self.tag}" if self.tag else "")
            + (f"@{self.digest}" if self.digest else "")
        )


def read_yaml(path: Path, where: str) -> Any:
    try:
        return yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise Refused(where, "no such file") from None
    except yaml.YAMLError as exc:
        raise Refused(where, f"not YAML: {exc}") from None


def write_yaml(path: Path, doc: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


PROJECT_LABEL = "gitops.wfengine.io/project"


def overlay(
    app: str, env: str, images: list[ImageRef], project: str | None = None
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": KUSTOMIZE_API,
        "kind": "Kustomization",
        "metadata": {"name": f"{app}-{env}"},
        "namespace": env,
        "resources": ["../../base"],
    }
    if project:
        # on every object, never in selectors (those are immutable once applied)
        doc["labels"] = [{"pairs": {PROJECT_LABEL: project}, "includeSelectors": False}]
    if images:
        doc["images"] = [i.entry() for i in images]
    return doc


def images_of(manifests: list[dict[str, Any]]) -> list[ImageRef]:
    """The container images the manifests run, in order, each once."""
    seen: dict[str, ImageRef] = {}
    for obj in manifests:
        spec: Any = obj
        for key in _WORKLOAD_PATHS.get(str(obj.get("kind")), ("spec", "template", "spec")):
            spec = spec.get(key) if isinstance(spec, dict) else None
        if not isinstance(spec, dict):
            continue
        for container in [*spec.get("initContainers", []), *spec.get("containers", [])]:
            image = container.get("image") if isinstance(container, dict) else None
            if isinstance(image, str) and image:
                ref = _loose(image)
                seen.setdefault(ref.name, ref)
    return list(seen.values())


def _loose(image: str) -> ImageRef:
    try:
        return ImageRef.parse(image)
    except Refused:
        return ImageRef(image.split("@")[0])


def running_release(doc: dict[str, Any]) -> str | None:
    meta = doc.get("metadata") or {}
    return (meta.get("annotations") or {}).get(RELEASE_ANNOTATION)


def set_release(doc: dict[str, Any], release: str) -> None:
    meta = doc.setdefault("metadata", {})
    meta.setdefault("annotations", {})[RELEASE_ANNOTATION] = release


def set_image(doc: dict[str, Any], image: ImageRef, where: str) -> bool:
    """Point the overlay's `images:` entry for `image.name` at its tag/digest; True on change."""
    entries = doc.get("images")
    if not isinstance(entries, list):
        raise Refused(f"{where}: images", f"the overlay sets no images, so {image.name} is unknown")
    for entry in entries:
        if isinstance(entry, dict) and entry.get("name") == image.name:
            before = dict(entry)
            entry.pop("newTag", None)
            entry.pop("digest", None)
            entry.update(image.entry())
            return before != entry
    known = ", ".join(str(e.get("name")) for e in entries if isinstance(e, dict))
    raise Refused(f"{where}: images", f"no entry for {image.name} (the overlay has: {known})")


def overlay_images(doc: dict[str, Any]) -> list[ImageRef]:
    out = []
    for entry in doc.get("images") or []:
        if isinstance(entry, dict) and entry.get("name"):
            out.append(ImageRef(entry["name"], entry.get("newTag"), entry.get("digest")))
    return out
