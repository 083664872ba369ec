"""Restarting a pod's containers in place, as the kubelet does for `restartPolicy`
`Always` and `OnFailure`: the same pod, `restartCount` incremented, the previous run in
`lastState.terminated`, and an exponential back-off between runs shown as
`waiting.reason: CrashLoopBackOff`.

Part of `wf node` (workflow_engine.runtime.kubernetes_node). Pure: the agent passes in
the time, the runtime's observation and the status it built, and carries out what
comes back (delete the ended run, start the next one). The runtime runs a pod as a
whole, so a restart is a new run of the pod in the runtime (its init containers
again, then the containers that restart); a container that restarts waits for the
pod's other containers to end first.

The back-off follows the kubelet's: the first restart is immediate, then 10 s, doubling
up to 5 min; a container whose run ended more than twice the maximum after the last
restart starts again from the beginning (ran 10 min: a fresh start).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from workflow_engine.runtime.base import PodObservation

CRASH_LOOP = "CrashLoopBackOff"
ENDED = ("Succeeded", "Failed")


@dataclass(frozen=True)
class Backoff:
    """The kubelet's container restart back-off: `initial` seconds, doubled each restart
    up to `maximum`."""

    initial: float = 10.0
    maximum: float = 300.0

    def __post_init__(self) -> None:
        if not 0 < self.initial <= self.maximum:
            raise ValueError(f"crash back-off: need 0 < initial <= maximum, got {self}")


@dataclass
class Restarts:
    """One pod's restart history, kept by the agent while it runs the pod."""

    counts: dict[str, int] = field(default_factory=dict)  # container -> restartCount
    last: dict[str, dict[str, Any]] = field(default_factory=dict)  # container -> lastState
    kept: dict[str, dict[str, Any]] = field(default_factory=dict)  # ended for good (OnFailure)
    delay: float | None = None  # the back-off entry: the next delay, None before any
    updated: datetime | None = None  # when the entry last moved (the last restart)
    waiting: tuple[str, ...] = ()  # containers backing off
    until: datetime | None = None  # when they start again
    ended: dict[str, Any] = field(default_factory=dict)  # the status of the ended run

    @classmethod
    def from_status(cls, status: Mapping[str, Any]) -> Restarts:
        """The counts and last states a pod's recorded status shows (an agent that
        restarted adopts them with the pod)."""
        restarts = cls()
        for c in status.get("containerStatuses") or []:
            name = str(c.get("name"))
            restarts.counts[name] = int(c.get("restartCount") or 0)
            if c.get("lastState"):
                restarts.last[name] = dict(c["lastState"])
        return restarts


def to_restart(policy: str, obs: PodObservation) -> list[str]:
    """The containers to run again once the runtime's run of the pod has ended
    (empty: the pod ends here). `OnFailure` restarts those that did not succeed,
    `Always` every one; a pod past its activeDeadlineSeconds is never restarted."""
    if obs.phase not in ENDED or obs.reason == "DeadlineExceeded" or policy == "Never":
        return []
    names = [c.name for c in obs.containers]
    if policy == "OnFailure":
        ok = {c.name for c in obs.containers if c.state == "terminated" and c.exit_code == 0}
        return [n for n in names if n not in ok]
    return names


def crashed(
    restarts: Restarts,
    obs: PodObservation,
    names: Sequence[str],
    ended: Mapping[str, Any],
    backoff: Backoff,
    now: datetime,
) -> None:
    """Record a run that ended with `names` to restart (`ended`: the status built for
    it, through with_restarts), and when they start again."""
    statuses = {str(c["name"]): c for c in ended.get("containerStatuses") or []}
    for c in obs.containers:
        status = statuses.get(c.name)
        if status is None:
            continue
        if c.name in names:
            restarts.last[c.name] = dict(status["state"])
        else:
            restarts.kept[c.name] = dict(status)
    finished = max((c.finished_at for c in obs.containers if c.finished_at), default=now)
    restarts.waiting, restarts.ended = tuple(names), dict(ended)
    if restarts.delay is None or _expired(finished, restarts.updated, backoff):
        restarts.until = finished  # no back-off yet, or it ran long enough to reset it
    else:
        restarts.until = finished + timedelta(seconds=restarts.delay)


def restarted(restarts: Restarts, backoff: Backoff, now: datetime) -> tuple[str, ...]:
    """The waiting containers start now: count them, move the back-off on, and return
    their names."""
    names = restarts.waiting
    for name in names:
        restarts.counts[name] = restarts.counts.get(name, 0) + 1
    if restarts.delay is None or _expired(now, restarts.updated, backoff):
        restarts.delay = backoff.initial
    else:
        restarts.delay = min(restarts.delay * 2, backoff.maximum)
    restarts.updated, restarts.waiting, restarts.until = now, (), None
    return names


def _expired(at: datetime, updated: datetime | None, backoff: Backoff) -> bool:
    return updated is None or (at - updated).total_seconds() > 2 * backoff.maximum


def go_duration(seconds: float) -> str:
    """A duration as Go prints a time.Duration (the kubelet's messages): 10s, 5m0s, 500ms."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    minutes, rest = divmod(seconds, 60)
    text = f"{rest:g}s"
    if minutes >= 60:
        return f"{int(minutes // 60)}h{int(minutes % 60)}m{text}"
    return f"{int(minutes)}m{text}" if minutes else text


def backoff_status(
    restarts: Restarts, pod: Mapping[str, Any], spec_order: Sequence[str], now: datetime
) -> dict[str, Any]:
    """The pod's status while its containers back off: Running, the waiting ones in
    CrashLoopBackOff with their last run in `lastState`, not ready. Before a restart
    with no back-off they still show the run that ended, as the kubelet's do."""
    meta = pod["metadata"]
    if restarts.until is None or restarts.until <= now:
        status = {k: v for k, v in restarts.ended.items() if k not in ("reason", "message")}
        return _not_ready({**status, "phase": "Running"})
    shown = go_duration(restarts.delay or 0.0)
    waiting = set(restarts.waiting)
    containers: list[dict[str, Any]] = []
    for c in restarts.ended.get("containerStatuses") or []:
        name = str(c["name"])
        if name not in waiting:
            containers.append(c)
            continue
        message = (
            f"back-off {shown} restarting failed container={name} "
            f"pod={meta['name']}_{meta['namespace']}({meta['uid']})"
        )
        containers.append(
            {
                **c,
                "ready": False,
                "started": False,
                "restartCount": restarts.counts.get(name, 0),
                "state": {"waiting": {"reason": CRASH_LOOP, "message": message}},
                "lastState": restarts.last[name],
            }
        )
    status = {k: v for k, v in restarts.ended.items() if k not in ("reason", "message")}
    status["phase"] = "Running"
    status["containerStatuses"] = _in_order(containers, spec_order)
    return _not_ready(status)


def with_restarts(
    status: dict[str, Any], restarts: Restarts, spec_order: Sequence[str]
) -> dict[str, Any]:
    """The status of a run after restarts: its containers carry their restartCount and
    lastState, the containers that ended for good are shown beside them, and the pod
    stays Running while a restarted run starts (as a kubelet's pod never goes back to
    Pending)."""
    containers = []
    for c in status.get("containerStatuses") or []:
        name = str(c["name"])
        c = {**c, "restartCount": restarts.counts.get(name, 0)}
        if name in restarts.last:
            c["lastState"] = restarts.last[name]
        containers.append(c)
    out = {**status, "containerStatuses": _in_order([*containers, *_kept(restarts)], spec_order)}
    if out.get("phase") == "Pending" and restarts.counts:
        out["phase"] = "Running"
    if restarts.kept and out.get("phase") == "Running":
        out = _not_ready(out)
    return out


def _kept(restarts: Restarts) -> list[dict[str, Any]]:
    return list(restarts.kept.values())


def _in_order(containers: list[dict[str, Any]], spec_order: Sequence[str]) -> list[dict[str, Any]]:
    rank = {name: i for i, name in enumerate(spec_order)}
    return sorted(containers, key=lambda c: rank.get(str(c["name"]), len(rank)))


def _not_ready(status: dict[str, Any]) -> dict[str, Any]:
    names = [str(c["name"]) for c in status["containerStatuses"] if not c.get("ready")]
    message = f"containers with unready status: [{' '.join(names)}]"
    conditions = []
    for cond in status.get("conditions") or []:
        if cond.get("type") in ("Ready", "ContainersReady"):
            cond = {**cond, "status": "False", "reason": "ContainersNotReady", "message": message}
        conditions.append(cond)
    return {**status, "conditions": conditions}
