"""A canary by replica ratio: move the replicas of a stable Deployment to a canary
Deployment in steps (20/50/100 % by default), wait until both are healthy and run a
verification after each step; on a failed verification (or a step that does not
become healthy) put every replica back on the stable Deployment.

Both Deployments are expected to sit behind one Service (their pods share the label
it selects), so the share of replicas is the share of traffic. `wf gitops canary`
is the command; the verification is a callable, so the command chooses a shell
command or an HTTP check.
"""

from __future__ import annotations

import math
import os
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workflow_engine.errors import SpecError
from workflow_engine.gitops.apply import Waiting, wait_healthy
from workflow_engine.gitops.cluster import Cluster

# (weight in percent) -> None when the canary is good, else why it is not
Verify = Callable[[int], str | None]


@dataclass(frozen=True)
class Step:
    weight: int
    stable: int
    canary: int
    failure: str | None = None


@dataclass(frozen=True)
class CanaryResult:
    steps: tuple[Step, ...]
    aborted: bool
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "aborted": self.aborted,
            "reason": self.reason,
            "steps": [
                {"weight": s.weight, "stable": s.stable, "canary": s.canary, "failure": s.failure}
                for s in self.steps
            ],
        }


def parse_steps(text: str) -> tuple[int, ...]:
    """ "20,50,100" -> (20, 50, 100): rising percentages ending at 100."""
    try:
        steps = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise SpecError("--steps", f"{text!r}: comma-separated percentages expected") from None
    if not steps or steps[-1] != 100 or any(not 0 < s <= 100 for s in steps):
        raise SpecError("--steps", f"{text!r}: percentages in (0, 100], the last one 100")
    if list(steps) != sorted(set(steps)):
        raise SpecError("--steps", f"{text!r}: each step must be larger than the one before")
    return steps


def split(total: int, weight: int) -> tuple[int, int]:
    """(stable, canary) replicas for `weight` % of `total` on the canary (at least one
    canary replica for any weight above 0)."""
    canary = min(total, max(1, math.ceil(total * weight / 100))) if weight else 0
    return total - canary, canary


def deployment(name: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
    }


def run_canary(
    cluster: Cluster,
    stable_name: str,
    canary_name: str,
    steps: tuple[int, ...],
    verify: Verify,
    waiting: Waiting,
) -> CanaryResult:
    """Shift replicas step by step; on failure restore and return `aborted`."""
    stable = deployment(stable_name, cluster.namespace)
    canary = deployment(canary_name, cluster.namespace)
    live = {name: cluster.get(obj) for name, obj in ((stable_name, stable), (canary_name, canary))}
    for name, obj in live.items():
        if obj is None:
            raise SpecError(name, f"Deployment {cluster.namespace}/{name} not found")
    total = sum(int((o or {}).get("spec", {}).get("replicas", 1)) for o in live.values())
    if total < 1:
        raise SpecError(stable_name, "the two Deployments have no replicas to shift")
    done: list[Step] = []
    for weight in steps:
        on_stable, on_canary = split(total, weight)
        failure = _scale_and_wait(cluster, stable, canary, on_stable, on_canary, waiting)
        failure = failure or verify(weight)
        done.append(Step(weight, on_stable, on_canary, failure))
        if failure:
            _scale_and_wait(cluster, stable, canary, total, 0, waiting)
            return CanaryResult(tuple(done), aborted=True, reason=f"at {weight}%: {failure}")
    return CanaryResult(tuple(done), aborted=False)


def _scale_and_wait(
    cluster: Cluster,
    stable: dict[str, Any],
    canary: dict[str, Any],
    on_stable: int,
    on_canary: int,
    waiting: Waiting,
) -> str | None:
    # Both are scaled at once, then both waited for: the Deployment controller
    # honours each one's maxSurge/maxUnavailable while replicas move.
    for obj, replicas in ((canary, on_canary), (stable, on_stable)):
        cluster.patch(obj, {"spec": {"replicas": replicas}})
    report = wait_healthy(cluster, [stable, canary], waiting)
    if report.healthy:
        return None
    return "; ".join(f"{key}: {h.reason}" for key, h in report.unhealthy()) or "not healthy"


def command_check(command: str, timeout: float = 300.0) -> Verify:
    """Run `sh -c command` with CANARY_WEIGHT set; exit 0 is good."""

    def verify(weight: int) -> str | None:
        env = {**os.environ, "CANARY_WEIGHT": str(weight)}
        try:
            result = subprocess.run(
                ["sh", "-c", command],
                capture_output=True,
                text=True,
                env=env,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return f"verification command timed out after {timeout:g}s"
        if result.returncode == 0:
            return None
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or [""]
        return f"verification command exited {result.returncode}: {tail[0]}".rstrip(": ")

    return verify


def http_check(url: str, body: str | None = None, timeout: float = 10.0) -> Verify:
    """GET `url`: a 2xx answer (containing `body`, when given) is good."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise SpecError("--verify-url", f"{url!r}: an http or https URL is required")

    def verify(weight: int) -> str | None:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                text = resp.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return f"GET {url} answered {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            return f"GET {url} failed: {exc}"
        if body is not None and body not in text:
            return f"GET {url}: answer does not contain {body!r}"
        return None

    return verify
