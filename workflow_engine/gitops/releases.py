"""Release records (Kargo calls them freight): an immutable, named bundle of what is
promoted (the images with tags/digests, and the config commit it was cut from), kept in
the config repository beside its verifications.

Why files in the config repository and not store objects: the repository is already the
one place every environment's desired state lives, so a release, the overlays that run it
and the gate decisions are versioned and audited together by git history; any CI job or
pod that can push the config can promote, without a cluster or a store to reach.
Immutability is enforced here: writing a release whose name exists with another content
is refused. A verification (`verified-<env>.yaml`) is the mutable part: the last outcome
of the release in that environment.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from workflow_engine.gitops import layout
from workflow_engine.gitops.errors import Refused
from workflow_engine.gitops.kustomize import ImageRef, read_yaml, write_yaml
from workflow_engine.spec.objects import API_GROUP

KIND = "Release"
API_VERSION = f"{API_GROUP}/v1alpha1"


@dataclass(frozen=True)
class Release:
    app: str
    name: str
    images: tuple[ImageRef, ...]
    config_commit: str | None
    created_at: str

    def spec(self) -> dict[str, Any]:
        return {"images": [i.entry() for i in self.images], "configCommit": self.config_commit}

    def to_doc(self) -> dict[str, Any]:
        return {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "metadata": {"name": self.name, "app": self.app, "createdAt": self.created_at},
            "spec": self.spec(),
        }


@dataclass(frozen=True)
class Verification:
    env: str
    passed: bool
    at: datetime
    detail: str = ""


def release_name(app: str, images: list[ImageRef]) -> str:
    """A name from the content, so the same images make the same release."""
    canonical = json.dumps(sorted((i.name, i.tag, i.digest) for i in images))
    return f"{app}-{hashlib.sha256(canonical.encode()).hexdigest()[:10]}"


def load(root: Path, app: str, name: str, path: str = "--release") -> Release:
    file = layout.release_file(root, app, name)
    if not file.is_file():
        raise Refused(path, f"no release {name!r} of app {app!r}")
    doc = read_yaml(file, str(file.relative_to(root)))
    spec = doc.get("spec") or {}
    images = tuple(
        ImageRef(e["name"], e.get("newTag"), e.get("digest")) for e in spec.get("images") or []
    )
    meta = doc.get("metadata") or {}
    return Release(app, name, images, spec.get("configCommit"), str(meta.get("createdAt", "")))


def save_new(root: Path, release: Release) -> bool:
    """Write a release record once; True if written, False if the same one exists.
    Refused when the name is taken by another content (records are immutable)."""
    file = layout.release_file(root, release.app, release.name)
    if file.is_file():
        existing = load(root, release.app, release.name)
        if existing.spec()["images"] != release.spec()["images"]:
            raise Refused(
                "--release", f"release {release.name!r} exists with other images: it is immutable"
            )
        return False
    write_yaml(file, release.to_doc())
    return True


def list_releases(root: Path, app: str) -> list[Release]:
    base = root / "releases" / app
    names = sorted(p.parent.name for p in base.glob("*/release.yaml")) if base.is_dir() else []
    return [load(root, app, n) for n in names]


def verification(root: Path, app: str, release: str, env: str) -> Verification | None:
    file = layout.verification_file(root, app, release, env)
    if not file.is_file():
        return None
    doc = read_yaml(file, str(file.relative_to(root)))
    return Verification(
        env, bool(doc.get("passed")), datetime.fromisoformat(doc["at"]), doc.get("detail", "")
    )


def record_verification(root: Path, app: str, release: str, result: Verification) -> None:
    doc = {
        "release": release,
        "environment": result.env,
        "passed": result.passed,
        "at": result.at.isoformat(),
        "detail": result.detail,
    }
    write_yaml(layout.verification_file(root, app, release, result.env), doc)


def check_gate(root: Path, app: str, release: str, env: layout.Environment, now: datetime) -> None:
    """Refuse unless `release` passed verification in the environment `env` requires,
    at least `env.soak` ago."""
    if env.requires is None:
        return
    found = verification(root, app, release, env.requires)
    if found is None or not found.passed:
        state = "failed verification" if found else "has not been verified"
        raise Refused(
            "--to",
            f"release {release} {state} in {env.requires}, which {env.name} requires "
            f"(run the verification there, then wf gitops mark-verified)",
        )
    if now - found.at < env.soak:
        left = env.soak - (now - found.at)
        raise Refused(
            "--to",
            f"release {release} is soaking in {env.requires}: "
            f"{int(left.total_seconds())}s left of {int(env.soak.total_seconds())}s",
        )


@dataclass(frozen=True)
class ReleaseStatus:
    """A release with where it runs and how its verifications went."""

    release: Release
    running_in: list[str]
    verified: dict[str, bool]  # environment -> passed

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.release.to_doc(),
            "status": {"runningIn": self.running_in, "verified": self.verified},
        }


def statuses(
    root: Path, app: str, envs: list[str], running: dict[str, str | None]
) -> list[ReleaseStatus]:
    """Every release of `app`, newest first; `running` maps environment -> release name."""
    out = []
    for release in list_releases(root, app):
        checks = {e: verification(root, app, release.name, e) for e in envs}
        out.append(
            ReleaseStatus(
                release,
                [e for e in envs if running.get(e) == release.name],
                {e: v.passed for e, v in checks.items() if v is not None},
            )
        )
    return sorted(out, key=lambda s: s.release.created_at, reverse=True)
