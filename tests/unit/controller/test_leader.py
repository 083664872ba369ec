"""Leader election (workflow_engine.controller.leader) on a manual clock. Real: the
pure planning and the elector; fake: the Lease, a `MemoryLeases` that refuses a write
carrying a stale version as the API server does (409)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from cli.main import cli
from workflow_engine.controller.clock import ManualClock
from workflow_engine.controller.leader import (
    ElectionConfig,
    LeaderElector,
    LeaseRecord,
    Observation,
    expired,
    observe,
    plan_attempt,
)
from workflow_engine.errors import AlreadyExists, Conflict, SpecError, TransientError

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class MemoryLeases:
    """One Lease in memory, versioned like an API object; `down` makes every call fail."""

    def __init__(self) -> None:
        self.record: LeaseRecord | None = None
        self.version = 0
        self.down = False
        self.writes = 0

    def get(self) -> LeaseRecord | None:
        self._check()
        return self.record

    def create(self, record: LeaseRecord) -> LeaseRecord:
        self._check()
        if self.record is not None:
            raise AlreadyExists("lease")
        return self._store(record)

    def update(self, record: LeaseRecord) -> LeaseRecord:
        self._check()
        if self.record is None or record.version != self.record.version:
            raise Conflict("lease")
        return self._store(record)

    def _store(self, record: LeaseRecord) -> LeaseRecord:
        self.version += 1
        self.writes += 1
        self.record = replace(record, version=str(self.version))
        return self.record

    def _check(self) -> None:
        if self.down:
            raise TransientError("API server away")


def config(identity: str, **kw: float) -> ElectionConfig:
    return ElectionConfig(
        identity=identity, lease_duration=15, renew_deadline=10, retry_period=2, **kw
    )


def elector(leases: MemoryLeases, identity: str, clock: ManualClock) -> LeaderElector:
    return LeaderElector(leases, config(identity), clock)


# -- the pure planning -----------------------------------------------------------------

HELD = LeaseRecord("a", 15, NOW, NOW, 3, "7")


@pytest.mark.parametrize(
    ("record", "seen_at", "mono", "identity", "expected_holder", "transitions"),
    [
        (None, 0, 0, "b", "b", 0),
        (HELD, 100, 101, "a", "a", 3),  # renew keeps the count
        (HELD, 100, 114.9, "b", None, None),  # still held
        (HELD, 100, 115, "b", "b", 4),  # silent for the lease duration: taken over
        (replace(HELD, holder=""), 100, 100, "b", "b", 4),  # released: taken at once
    ],
    ids=["absent-create", "own-renew", "held-wait", "expired-take", "released-take"],
)
def test_plan_attempt_table(
    record: LeaseRecord | None,
    seen_at: float,
    mono: float,
    identity: str,
    expected_holder: str | None,
    transitions: int | None,
) -> None:
    planned = plan_attempt(Observation(record, seen_at), config(identity), NOW, mono)
    if expected_holder is None:
        assert planned is None
        return
    assert planned is not None
    assert (planned.holder, planned.transitions, planned.renewed) == (
        expected_holder,
        transitions,
        NOW,
    )
    assert planned.version == (record.version if record else None)


def test_observation_times_silence_from_the_last_change() -> None:
    first = observe(None, HELD, 10)
    assert observe(first, HELD, 20) is first  # unchanged: still timed from 10
    assert not expired(observe(first, HELD, 20), 24.9)
    assert expired(observe(first, HELD, 20), 25)
    renewed = observe(first, replace(HELD, version="8"), 20)
    assert renewed.seen_at == 20 and not expired(renewed, 25)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"retry_period": 0}, "lease-retry-period"),
        ({"renew_deadline": 2}, "lease-renew-deadline"),
        ({"lease_duration": 10}, "lease-duration"),
    ],
    ids=["no-retry", "deadline-not-above-retry", "duration-not-above-deadline"],
)
def test_bad_timings_are_refused_naming_the_option(kw: dict[str, float], field: str) -> None:
    with pytest.raises(SpecError) as err:
        ElectionConfig(
            **{**dict(identity="a", lease_duration=15, renew_deadline=10, retry_period=2), **kw}
        )
    assert err.value.path == field


# -- the elector over a shared Lease -----------------------------------------------------


def test_only_one_of_two_replicas_leads_and_the_standby_takes_over_after_the_duration() -> None:
    leases, clock = MemoryLeases(), ManualClock(NOW)
    a, b = elector(leases, "a", clock), elector(leases, "b", clock)
    assert a.step() and not b.step()
    for _ in range(20):  # a renews every retry period: b never gets it
        clock.advance(2)
        assert a.step() and not b.step()
    # a dies (stops renewing): b takes over exactly when the lease duration has passed
    # since it last saw a change
    clock.advance(14.9)
    assert not b.step()
    clock.advance(0.1)
    assert b.step()
    assert leases.record is not None and leases.record.holder == "b"
    assert leases.record.transitions == 1


def test_a_released_lease_is_taken_at_the_next_try() -> None:
    leases, clock = MemoryLeases(), ManualClock(NOW)
    a, b = elector(leases, "a", clock), elector(leases, "b", clock)
    assert a.step() and not b.step()
    assert a.release()
    assert leases.record is not None and leases.record.holder == ""
    assert b.step()
    assert not a.release()  # no longer the holder: nothing written
    assert leases.record.holder == "b"


def test_a_leader_that_cannot_renew_gives_up_at_the_renew_deadline() -> None:
    leases, clock = MemoryLeases(), ManualClock(NOW)
    a = elector(leases, "a", clock)
    assert a.step()
    leases.down = True
    clock.advance(9.9)
    assert a.step()  # still within the renew deadline: keeps leading
    clock.advance(0.1)
    assert not a.step()  # gave up before a standby (15 s) may take over


def test_a_leader_sees_another_holder_and_stops_leading() -> None:
    leases, clock = MemoryLeases(), ManualClock(NOW)
    a, b = elector(leases, "a", clock), elector(leases, "b", clock)
    assert a.step() and not b.step()
    clock.advance(15)
    assert b.step()  # a was silent for the duration
    assert not a.step() and not a.leading


def test_a_newcomer_times_the_silence_from_its_own_first_read() -> None:
    leases, clock = MemoryLeases(), ManualClock(NOW)
    assert elector(leases, "a", clock).step()
    clock.advance(60)  # a long dead, but b has never seen the lease: it cannot know
    b = elector(leases, "b", clock)
    assert not b.step()
    clock.advance(15)
    assert b.step()


def test_racing_takeovers_only_one_wins() -> None:
    leases, clock = MemoryLeases(), ManualClock(NOW)
    assert elector(leases, "a", clock).step()
    clock.advance(15)
    # b and c both read the lease, silent for its duration, and plan to take it over;
    # the second write carries the version both read, which is stale by then
    silent = Observation(leases.get(), clock.monotonic() - 15)
    want_b = plan_attempt(silent, config("b"), clock.now(), clock.monotonic())
    want_c = plan_attempt(silent, config("c"), clock.now(), clock.monotonic())
    assert want_b is not None and want_c is not None
    leases.update(want_b)
    with pytest.raises(Conflict):
        leases.update(want_c)
    assert leases.record is not None and leases.record.holder == "b"
    c = elector(leases, "c", clock)
    assert not c.step()  # c now sees b's fresh lease


def test_acquire_and_hold_end_when_stopped() -> None:
    leases, clock = MemoryLeases(), ManualClock(NOW)
    stop = threading.Event()
    stop.set()
    b = elector(leases, "b", clock)
    elector(leases, "a", clock).step()
    assert b.acquire(stop) is False  # a holds it; stop ends the wait at once
    a2 = elector(leases, "a", clock)
    assert a2.step() and a2.hold(stop) is True


# -- the CLI options ----------------------------------------------------------------------


def test_wf_controller_refuses_bad_lease_timings_with_exit_2(tmp_path: object) -> None:
    result = CliRunner().invoke(
        cli,
        ["--kubeconfig", "/nonexistent/kubeconfig", "controller", "--lease-duration", "5"],
    )
    assert result.exit_code == 2, result.output
    assert "--lease-duration: must be longer than the renew deadline" in result.output


def test_a_lease_object_round_trips_through_the_adapters_translation() -> None:
    from workflow_engine.controller.lease_api import lease_object, record_of

    record = LeaseRecord("a", 4.2, NOW, NOW, 2, "17")
    obj = lease_object("wf-controller", "wf-system", record)
    assert obj["spec"]["leaseDurationSeconds"] == 5  # whole seconds, never shorter
    assert obj["spec"]["renewTime"] == "2026-01-01T00:00:00.000000Z"  # MicroTime
    assert obj["metadata"]["resourceVersion"] == "17"
    assert record_of(obj) == replace(record, duration=5)
    assert (
        "resourceVersion" not in lease_object("l", "ns", replace(record, version=None))["metadata"]
    )
