"""`wf gitops mark-verified`: record the outcome of a verification for the release an
environment runs, as a commit (`releases/<app>/<release>/verified-<env>.yaml`), which the
next environment's gate reads; and `wf gitops release list`, which reads them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workflow_engine.gitops import history, layout, releases
from workflow_engine.gitops.errors import Refused
from workflow_engine.gitops.gitrepo import Changed, Checkout, Remote, change, clone
from workflow_engine.gitops.kustomize import read_yaml, running_release


@dataclass(frozen=True)
class Marked:
    app: str
    env: str
    release: str
    passed: bool
    changed: Changed


def mark_verified(
    remote: Remote,
    app: str,
    env: str,
    passed: bool,
    now: datetime,
    release: str | None = None,
    detail: str = "",
) -> Marked:
    layout.check_name(app, "--app")
    found: dict[str, str] = {}

    def mutate(checkout: Checkout) -> str:
        root = checkout.root
        layout.read_config(root).environment(env, "--env")
        overlay = layout.overlay_file(root, app, env)
        running = running_release(read_yaml(overlay, f"apps/{app}/envs/{env}/kustomization.yaml"))
        name = release or running
        if name is None:
            raise Refused("--env", f"{env} runs no release of {app}: nothing to verify")
        if release and release != running:
            raise Refused("--release", f"{env} runs {running or 'no release'}, not {release}")
        releases.load(root, app, name)
        result = releases.Verification(env, passed, now, detail)
        releases.record_verification(root, app, name, result)
        found["release"] = name
        outcome = "passed" if passed else "failed"
        trailers = {
            history.ACTION: "verify",
            history.APP: app,
            history.ENV: env,
            history.RELEASE: name,
        }
        body = detail or "Recorded by wf gitops mark-verified."
        return history.message(f"verify {app} in {env}: release {name} {outcome}", body, trailers)

    changed = change(remote, mutate)
    return Marked(app, env, found["release"], passed, changed)


def release_statuses(remote: Remote, app: str) -> list[releases.ReleaseStatus]:
    """`wf gitops release list`: every release of `app`, where it runs, its verifications."""
    layout.check_name(app, "APP")
    with clone(remote) as checkout:
        root = checkout.root
        if not layout.app_dir(root, app).is_dir():
            raise Refused("APP", f"no app {app!r} in the repository")
        envs = layout.read_config(root).names
        running = {}
        for env in envs:
            overlay = layout.overlay_file(root, app, env)
            if overlay.is_file():
                running[env] = running_release(read_yaml(overlay, str(overlay.relative_to(root))))
        return releases.statuses(root, app, envs, running)
