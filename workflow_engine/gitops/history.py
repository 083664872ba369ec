"""Every promotion, verification and rollback is a commit whose message ends in
trailers (`Wf-Action: promote`, `Wf-App`, `Wf-Env`, `Wf-Release`, `Wf-Reverts`); the
history of an app is read back from `git log` and each promotion gets its outcome from
the commits after it (verified, failed, rolled back).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from workflow_engine.gitops.gitrepo import Checkout, Remote, clone

ACTION = "Wf-Action"
APP = "Wf-App"
ENV = "Wf-Env"
RELEASE = "Wf-Release"
REVERTS = "Wf-Reverts"
_FIELD, _RECORD = "\x1f", "\x1e"


def message(subject: str, body: str, trailers: Mapping[str, str | None]) -> str:
    lines = [f"{k}: {v}" for k, v in trailers.items() if v]
    return f"{subject}\n\n{body.strip()}\n\n" + "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Entry:
    commit: str
    when: str
    who: str
    action: str
    app: str
    env: str
    release: str
    change: str
    outcome: str
    reverts: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def log(checkout: Checkout) -> list[Entry]:
    """The gitops commits of the branch, newest first, outcome not yet filled in."""
    if checkout.base is None:
        return []
    fmt = _FIELD.join(["%H", "%an <%ae>", "%cI", "%s", "%(trailers:only,unfold)"]) + _RECORD
    out = checkout.git("log", f"--format={fmt}", "HEAD")
    entries = []
    for record in out.split(_RECORD):
        fields = record.strip("\n").split(_FIELD)
        if len(fields) != 5:
            continue
        sha, who, when, subject, trailer_text = fields
        trailers = _trailers(trailer_text)
        if ACTION not in trailers:
            continue
        entries.append(
            Entry(
                sha,
                when,
                who,
                trailers[ACTION],
                trailers.get(APP, ""),
                trailers.get(ENV, ""),
                trailers.get(RELEASE, ""),
                subject,
                "",
                trailers.get(REVERTS, ""),
            )
        )
    return entries


def _trailers(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def with_outcomes(entries: list[Entry]) -> list[Entry]:
    """Fill each entry's outcome; `entries` newest first."""
    reverted = {e.reverts: e.commit for e in entries if e.action == "rollback" and e.reverts}
    out: list[Entry] = []
    for i, entry in enumerate(entries):
        if entry.action == "promote":
            outcome = _promotion_outcome(entry, entries[:i], reverted)
        elif entry.action == "rollback":
            outcome = f"reverted {entry.reverts[:10]}"
        else:
            outcome = entry.outcome or entry.change.rsplit(" ", 1)[-1]
        out.append(_replace(entry, outcome))
    return out


def _promotion_outcome(entry: Entry, newer: list[Entry], reverted: dict[str, str]) -> str:
    if entry.commit in reverted:
        return f"rolled back by {reverted[entry.commit][:10]}"
    for later in reversed(newer):  # the oldest newer verification of this release here
        if later.action == "verify" and (later.env, later.release) == (entry.env, entry.release):
            return "verified" if later.change.endswith("passed") else "failed verification"
    return "promoted"


def _replace(entry: Entry, outcome: str) -> Entry:
    return Entry(**{**entry.to_dict(), "outcome": outcome})


def app_history(remote: Remote, app: str) -> list[Entry]:
    """Every promotion, verification and rollback of `app`, newest first."""
    with clone(remote) as checkout:
        return [e for e in with_outcomes(log(checkout)) if e.app == app]
