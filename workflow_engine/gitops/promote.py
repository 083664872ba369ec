"""`wf gitops promote`: move a release (or a value) into an environment's overlay, as one
commit naming the change and its source, gated on the environment before it.

The release comes from `--from ENV` (what that environment runs), `--image` (a new
release of these images, named by content unless `--release` names it) or `--release`.
Promoting the release the environment already runs, with no value changes, pushes
nothing and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workflow_engine.gitops import history, layout, releases
from workflow_engine.gitops.errors import Refused
from workflow_engine.gitops.gitrepo import Changed, Checkout, Remote, change
from workflow_engine.gitops.kustomize import (
    ImageRef,
    overlay_images,
    read_yaml,
    running_release,
    set_image,
    set_release,
    write_yaml,
)
from workflow_engine.gitops.yamlpath import SetValue, set_in, set_in_file


@dataclass(frozen=True)
class PromoteRequest:
    app: str
    to: str
    from_env: str | None = None
    images: tuple[ImageRef, ...] = ()
    release: str | None = None
    values: tuple[SetValue, ...] = ()
    branch: str | None = None  # push here for review instead of the main branch

    def check(self) -> None:
        layout.check_name(self.app, "APP")
        if self.from_env and self.images:
            raise Refused("--from", "give --from or --image, not both")
        if self.from_env and self.release:
            raise Refused("--release", "--from promotes what that environment runs: drop --release")
        if not (self.from_env or self.images or self.release or self.values):
            raise Refused(
                "--to", "say what to promote: --from ENV, --image IMG:TAG, --release or --set"
            )
        if self.from_env == self.to:
            raise Refused("--from", "--from and --to name the same environment")


@dataclass(frozen=True)
class Promotion:
    app: str
    env: str
    release: str | None
    changes: list[str] = field(default_factory=list)
    changed: Changed | None = None

    @property
    def commit(self) -> str | None:
        return self.changed.pushed.commit if self.changed and self.changed.pushed else None


def promote(remote: Remote, request: PromoteRequest, now: datetime) -> Promotion:
    request.check()
    found: dict[str, Any] = {}

    def mutate(checkout: Checkout) -> str:
        found.update(_apply(checkout, request, now))
        return str(found["message"])

    changed = change(remote, mutate, request.branch)
    return Promotion(request.app, request.to, found.get("release"), found["changes"], changed)


def _apply(checkout: Checkout, request: PromoteRequest, now: datetime) -> dict[str, Any]:
    root = checkout.root
    config = layout.read_config(root)
    env = config.environment(request.to, "--to")
    overlay_path = layout.overlay_file(root, request.app, env.name)
    where = str(overlay_path.relative_to(root))
    if not layout.app_dir(root, request.app).is_dir():
        raise Refused("APP", f"no app {request.app!r} in the repository (wf gitops app create)")
    doc = read_yaml(overlay_path, where)
    release, source = _release(checkout, request, config, now)
    changes: list[str] = []
    if release is not None:
        releases.check_gate(root, request.app, release.name, env, now)
        releases.save_new(root, release)
        before = {i.name: i for i in overlay_images(doc)}
        previous = running_release(doc)
        if previous != release.name:
            set_release(doc, release.name)
            changes.append(f"release {release.name} (was {previous or 'none'})")
        for image in release.images:
            if set_image(doc, image, where):
                changes.append(f"{image.name} {_short(before.get(image.name))} -> {_short(image)}")
    for value in request.values:
        if value.file == "kustomization.yaml":
            changed = set_in(doc, value.path, value.value, where)
        else:
            target = layout.app_env_dir(root, request.app, env.name) / value.file
            label = f"apps/{request.app}/envs/{env.name}/{value.file}"
            changed = set_in_file(target, value.path, value.value, label)
        if changed:
            changes.append(f"{value.file}:{value.path}={value.value}")
    if changes:  # untouched files keep their formatting: no empty commit
        write_yaml(overlay_path, doc)
    name = release.name if release else None
    subject = f"promote {request.app} to {env.name}: " + ("; ".join(changes) or "no change")
    body = f"Source: {source}." if source else "Source: values given on the command line."
    trailers = {
        history.ACTION: "promote",
        history.APP: request.app,
        history.ENV: env.name,
        history.RELEASE: name,
    }
    return {
        "message": history.message(subject, body, trailers),
        "changes": changes,
        "release": name,
    }


def _short(image: ImageRef | None) -> str:
    if image is None:
        return "(unset)"
    return image.tag or (image.digest or "")[:19] or "(base)"


def _release(
    checkout: Checkout, request: PromoteRequest, config: layout.GitOpsConfig, now: datetime
) -> tuple[releases.Release | None, str]:
    root, app = checkout.root, request.app
    if request.from_env:
        source_env = config.environment(request.from_env, "--from")
        source_doc = read_yaml(
            layout.overlay_file(root, app, source_env.name), f"apps/{app}/envs/{source_env.name}"
        )
        name = running_release(source_doc)
        if name is None:
            raise Refused("--from", f"{source_env.name} runs no release of {app} yet")
        return releases.load(root, app, name), f"release {name} running in {source_env.name}"
    if request.images:
        name = request.release or releases.release_name(app, list(request.images))
        layout.check_name(name, "--release")
        release = releases.Release(
            app, name, request.images, checkout.base, now.isoformat(timespec="seconds")
        )
        return release, "images " + ", ".join(str(i) for i in request.images)
    if request.release:
        return releases.load(root, app, request.release), f"release {request.release}"
    return None, ""
