"""Leader election over a Lease: which of several controller replicas may act.

Sits beside the Kubernetes controller (`kube.py`), which starts its workflow loop only
once `LeaderElector.acquire` returns True and stops it when `hold` reports the lease
lost. Two layers:

    pure        `LeaseRecord`, `Observation`, `plan_attempt`, `released`: what to write
                to the Lease given what was read, the identity and the time; no I/O
    elector     `LeaderElector`: one try (`step`), the acquire and renew loops and the
                release, over the small `LeaseStore` port (a Lease on the API server in
                `lease_api.py`, a dict in the unit tests) and an injected clock

As client-go does, expiry is judged on the local monotonic clock from the moment a
record was first seen unchanged, never from the renew time written by another machine
(clocks of two hosts may differ); a holder that stops renewing is replaced once
`leaseDurationSeconds` have passed with no change. A leader that cannot renew within
`renew_deadline` gives up before anyone else may take over (`renew_deadline` <
`lease_duration`), and a stopped leader releases the Lease so a standby takes over at
its next try.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from workflow_engine.controller.clock import Clock
from workflow_engine.errors import SpecError, WorkflowEngineError

log = logging.getLogger(__name__)
RELEASED_DURATION = 1.0  # what a released Lease says: anyone may take it at once


@dataclass(frozen=True)
class ElectionConfig:
    """Who competes for which Lease, and how often (seconds)."""

    identity: str
    name: str = "wf-controller"
    namespace: str = "wf-system"
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0

    def __post_init__(self) -> None:
        if not self.identity:
            raise SpecError("lease-identity", "must not be empty")
        if not self.name or not self.namespace:
            raise SpecError("lease-name" if not self.name else "lease-namespace", "must be set")
        if self.retry_period <= 0:
            raise SpecError("lease-retry-period", "must be more than 0 seconds")
        if self.renew_deadline <= self.retry_period:
            raise SpecError("lease-renew-deadline", "must be longer than the retry period")
        if self.lease_duration <= self.renew_deadline:
            raise SpecError("lease-duration", "must be longer than the renew deadline")


@dataclass(frozen=True)
class LeaseRecord:
    """The election fields of a coordination.k8s.io/v1 Lease."""

    holder: str  # "" when released
    duration: float  # leaseDurationSeconds
    acquired: datetime | None
    renewed: datetime | None
    transitions: int = 0
    version: str | None = None  # resourceVersion; None before the Lease exists


@dataclass(frozen=True)
class Observation:
    """A record as read, and when (monotonic seconds) it was first seen as it is."""

    record: LeaseRecord | None
    seen_at: float


def observe(previous: Observation | None, record: LeaseRecord | None, mono: float) -> Observation:
    """The observation after reading `record` at `mono`: the earlier one while nothing
    changed (so the holder's silence is timed from its last change)."""
    if previous is not None and previous.record == record:
        return previous
    return Observation(record, mono)


def expired(seen: Observation, mono: float) -> bool:
    """Has the holder of the observed record been silent for its lease duration?"""
    record = seen.record
    return record is None or not record.holder or mono >= seen.seen_at + record.duration


def plan_attempt(
    seen: Observation, config: ElectionConfig, now: datetime, mono: float
) -> LeaseRecord | None:
    """The record to write to acquire or renew the Lease, or None while another holder's
    lease runs. The version of the read record travels along, so a write that races
    another replica's is refused (409) by the server."""
    record = seen.record
    if record is None:
        return LeaseRecord(config.identity, config.lease_duration, now, now)
    if record.holder == config.identity:
        return replace(record, duration=config.lease_duration, renewed=now)
    if not expired(seen, mono):
        return None
    return LeaseRecord(
        holder=config.identity,
        duration=config.lease_duration,
        acquired=now,
        renewed=now,
        transitions=record.transitions + 1,
        version=record.version,
    )


def released(record: LeaseRecord, now: datetime) -> LeaseRecord:
    """`record` given up: no holder, a one-second duration (as client-go releases)."""
    return replace(record, holder="", duration=RELEASED_DURATION, renewed=now)


class LeaseStore(Protocol):
    """The one Lease the election is about. `create` raises AlreadyExists and `update`
    Conflict when another replica wrote first."""

    def get(self) -> LeaseRecord | None: ...

    def create(self, record: LeaseRecord) -> LeaseRecord: ...

    def update(self, record: LeaseRecord) -> LeaseRecord: ...


class LeaderElector:
    """Acquires, renews and releases one Lease for `config.identity`."""

    def __init__(self, leases: LeaseStore, config: ElectionConfig, clock: Clock) -> None:
        self.leases = leases
        self.config = config
        self.clock = clock
        self._seen: Observation | None = None
        self.renewed_at: float | None = None  # monotonic time of the last good write
        self.leading = False

    @property
    def holder(self) -> str | None:
        """The holder as last read ("" released, None never read)."""
        if self._seen is None or self._seen.record is None:
            return None
        return self._seen.record.holder

    def step(self) -> bool:
        """One try to acquire or renew; whether this replica holds the Lease now."""
        mono, now = self.clock.monotonic(), self.clock.now()
        try:
            self._seen = observe(self._seen, self.leases.get(), mono)
            wanted = plan_attempt(self._seen, self.config, now, mono)
            if wanted is None:
                self.leading = False
                return False
            write = self.leases.create if wanted.version is None else self.leases.update
            written = write(wanted)
        except WorkflowEngineError as exc:  # a race lost, the server away, no rights
            log.warning("lease %s: %s", self._lease_name(), exc)
            return self.leading and not self._past_deadline(mono)
        self._seen = Observation(written, mono)
        self.renewed_at, self.leading = mono, True
        return True

    def acquire(self, stop: threading.Event) -> bool:
        """Try every retry period until this replica leads (True) or `stop` (False)."""
        while not stop.is_set():
            if self.step():
                log.info("lease %s acquired by %s", self._lease_name(), self.config.identity)
                return True
            stop.wait(self.config.retry_period)
        return False

    def hold(self, stop: threading.Event) -> bool:
        """Renew every retry period until `stop` (True) or the lease is lost (False):
        another replica holds it, or no renewal succeeded within the renew deadline."""
        while not stop.wait(self.config.retry_period):
            if not self.step():
                self.leading = False
                log.error("lease %s lost by %s", self._lease_name(), self.config.identity)
                return False
        return True

    def release(self) -> bool:
        """Give the Lease up if this replica holds it, so a standby need not wait out
        the lease duration; whether it was released."""
        if not self.leading:
            return False
        self.leading = False
        try:
            record = self.leases.get()
            if record is None or record.holder != self.config.identity:
                return False
            self.leases.update(released(record, self.clock.now()))
        except WorkflowEngineError as exc:
            log.warning("lease %s not released: %s", self._lease_name(), exc)
            return False
        log.info("lease %s released by %s", self._lease_name(), self.config.identity)
        return True

    def _past_deadline(self, mono: float) -> bool:
        return self.renewed_at is None or mono - self.renewed_at >= self.config.renew_deadline

    def _lease_name(self) -> str:
        return f"{self.config.namespace}/{self.config.name}"


__all__ = [
    "ElectionConfig",
    "LeaderElector",
    "LeaseRecord",
    "LeaseStore",
    "Observation",
    "expired",
    "observe",
    "plan_attempt",
    "released",
]
