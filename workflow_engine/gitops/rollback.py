"""`wf gitops rollback ENV --app APP`: revert the newest promotion of APP into ENV that
is not reverted yet, as a commit of its own (git revert), and push. Release records stay:
they are immutable history, only the overlay goes back. Syncing the cluster afterwards
is the sync side's job.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflow_engine.gitops import history, layout
from workflow_engine.gitops.errors import Refused
from workflow_engine.gitops.gitrepo import Changed, Checkout, GitFailed, Remote, change


@dataclass(frozen=True)
class Rollback:
    app: str
    env: str
    reverted: str
    changed: Changed


def rollback(remote: Remote, app: str, env: str) -> Rollback:
    layout.check_name(app, "--app")
    found: dict[str, str] = {}

    def mutate(checkout: Checkout) -> str:
        layout.read_config(checkout.root).environment(env, "ENV")
        entries = history.with_outcomes(history.log(checkout))
        target = next(
            (
                e
                for e in entries
                if e.action == "promote"
                and (e.app, e.env) == (app, env)
                and not e.outcome.startswith("rolled back")
            ),
            None,
        )
        if target is None:
            raise Refused("ENV", f"no promotion of {app} into {env} to roll back")
        _revert(checkout, target.commit)
        found["reverted"] = target.commit
        subject = f"rollback {app} in {env}: revert {target.commit[:10]}"
        body = f'Reverts "{target.change}".'
        trailers = {
            history.ACTION: "rollback",
            history.APP: app,
            history.ENV: env,
            history.RELEASE: target.release or None,
            history.REVERTS: target.commit,
        }
        return history.message(subject, body, trailers)

    changed = change(remote, mutate)
    return Rollback(app, env, found["reverted"], changed)


def _revert(checkout: Checkout, commit: str) -> None:
    try:
        checkout.git("revert", "--no-commit", commit)
    except GitFailed as exc:
        checkout.git("revert", "--abort", check=False)
        raise Refused("ENV", f"cannot revert {commit[:10]} cleanly: {exc}") from None
    if (checkout.root / "releases").exists():
        # records are immutable: the revert takes back the overlay, not the release
        checkout.git("checkout", "HEAD", "--", "releases", check=False)
