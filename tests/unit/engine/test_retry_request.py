"""`wf retry` on a cluster as a request: what the annotation holds, and the reset the
controller plans from it (engine/retry_request.py), including the requests it drops."""

from __future__ import annotations

import pytest

from tests.unit.engine.conftest import DATA
from tests.unit.engine.simulator import Script, Simulator, load
from workflow_engine.engine import NotRetryable, retry_workflow
from workflow_engine.engine.retry_request import RetryRequest, decode_retry_request, plan_retry


def _failed_diamond() -> Simulator:
    return Simulator(
        load(str(DATA / "dag-diamond.yaml")), scripts={"dag-diamond.D": Script(exit_code=1)}
    ).run()


@pytest.mark.parametrize(
    "request_",
    [
        pytest.param(RetryRequest(), id="failed-nodes"),
        pytest.param(RetryRequest("displayName=B", restart_successful=True), id="selected"),
    ],
)
def test_a_request_round_trips_through_its_annotation(request_: RetryRequest) -> None:
    assert decode_retry_request(request_.encode()) == request_


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("{", "retry request is not JSON", id="not-json"),
        pytest.param("[]", "must be a JSON object", id="not-an-object"),
        pytest.param('{"nodeFieldSelector": 3}', "nodeFieldSelector must be", id="selector"),
        pytest.param('{"restartSuccessful": "yes"}', "restartSuccessful must be", id="flag"),
    ],
)
def test_a_request_that_is_not_ours_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(NotRetryable, match=reason):
        decode_retry_request(text)


def test_the_plan_is_the_reset_retry_workflow_makes_plus_the_stale_results() -> None:
    sim = _failed_diamond()
    expected, pods = retry_workflow(sim.wf, sim.now)
    plan = plan_retry(sim.wf, RetryRequest().encode(), sim.now)
    assert plan.ignored is None
    assert plan.status == expected and plan.status.phase == "Running"
    assert list(plan.pods) == pods and len(pods) == 1
    # D runs again: its result is stale (the DAG's node is Running again, but has none)
    assert plan.stale_results == (sim.node("dag-diamond.D").id,)
    assert sim.node("dag-diamond.A").id not in plan.stale_results


def test_selected_succeeded_nodes_run_again_with_restart_successful() -> None:
    sim = _failed_diamond()
    request = RetryRequest("displayName=B", restart_successful=True)
    plan = plan_retry(sim.wf, request.encode(), sim.now)
    assert plan.status is not None and len(plan.pods) == 2
    assert sim.node("dag-diamond.B").id in plan.stale_results
    assert sim.node("dag-diamond.C").id not in plan.stale_results


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param(RetryRequest().encode(), "must be Failed/Error", id="applied-already"),
        pytest.param("nonsense", "not JSON", id="garbage"),
    ],
)
def test_a_request_on_a_workflow_it_does_not_fit_is_dropped(text: str, reason: str) -> None:
    """A controller stopped after writing the reset finds its request on a Running
    workflow: planning it again must change nothing, so nothing runs twice."""
    sim = _failed_diamond()
    status, _ = retry_workflow(sim.wf, sim.now)
    running = sim.wf.model_copy(update={"status": status})
    plan = plan_retry(running, text, sim.now)
    assert plan.status is None and plan.pods == () and plan.stale_results == ()
    assert plan.ignored is not None and reason in plan.ignored


def test_a_bad_selector_is_dropped_with_the_reason() -> None:
    sim = _failed_diamond()
    plan = plan_retry(
        sim.wf, RetryRequest("displayName~B", restart_successful=True).encode(), sim.now
    )
    assert plan.status is None
    assert plan.ignored == "invalid node field selector 'displayName~B'"
