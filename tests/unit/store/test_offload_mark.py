"""The Workflow label that says its node map may have chunks (store/kubernetes/offload.py)."""

from __future__ import annotations

import pytest

from workflow_engine.store.kubernetes.offload import OFFLOADED_LABEL, marked

OTHER = {"workflows.argoproj.io/phase": "Running"}


@pytest.mark.parametrize(
    ("labels", "offloaded", "expected"),
    [
        pytest.param(OTHER, True, {**OTHER, OFFLOADED_LABEL: "true"}, id="set"),
        pytest.param({**OTHER, OFFLOADED_LABEL: "true"}, False, OTHER, id="removed"),
        pytest.param(OTHER, False, OTHER, id="never-offloaded"),
    ],
)
def test_the_mark_follows_the_status(
    labels: dict[str, str], offloaded: bool, expected: dict[str, str]
) -> None:
    assert marked(labels, offloaded) == expected
    assert OFFLOADED_LABEL not in OTHER  # the caller's labels are not changed
