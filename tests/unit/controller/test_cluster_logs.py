"""ClusterLogs: a follower waits for a pod the controller has not created yet, until
its node is finished; without follow, a missing pod is NotFound at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from workflow_engine.controller import ClusterLogs
from workflow_engine.errors import NotFound


class PodAppearsLater:
    """A log source whose pod exists from the `appears_at`-th call on."""

    def __init__(self, appears_at: int) -> None:
        self.calls = 0
        self.appears_at = appears_at

    def logs(
        self,
        name: str,
        namespace: str = "default",
        container: str = "main",
        follow: bool = False,
        timestamps: bool = False,
        since: datetime | None = None,
    ) -> Iterator[bytes]:
        self.calls += 1
        if self.calls < self.appears_at:
            raise NotFound(f"pod {name}")
        return iter([b"hello\n"])


def test_a_follower_waits_for_the_pod() -> None:
    source = PodAppearsLater(appears_at=3)
    naps: list[float] = []
    logs = ClusterLogs(source, finished=lambda pod: False, sleep=naps.append)
    assert list(logs.logs("p", follow=True)) == [b"hello\n"]
    assert source.calls == 3 and len(naps) == 2


@pytest.mark.parametrize(
    ("follow", "finished"),
    [(False, False), (True, True)],
    ids=["no-follow", "follow-but-node-finished"],
)
def test_a_missing_pod_is_not_found(follow: bool, finished: bool) -> None:
    source = PodAppearsLater(appears_at=99)
    logs = ClusterLogs(source, finished=lambda pod: finished, sleep=lambda s: None)
    with pytest.raises(NotFound):
        logs.logs("p", follow=follow)
    assert source.calls == 1
