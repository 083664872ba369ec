"""Volume claims decided by `operate()`: `volumeClaimTemplates` become CreateClaims
before the first pod (once), listed in `status.persistentVolumeClaims` as Argo lists
them, and `volumeClaimGC` decides at completion which go (DeleteClaims) and leave the
list. Semantics from Argo's operator (`createPVCs`, `deletePVCs`) and its
VolumeClaimGC field reference (strategies OnWorkflowSuccess, the default, and
OnWorkflowCompletion). Real: `operate`, the spec models, the pod simulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.engine.simulator import Script, Simulator, load
from workflow_engine.engine import CreatePod
from workflow_engine.engine.claims import CreateClaims, DeleteClaims
from workflow_engine.spec.base import KubeObject

EXAMPLE = Path(__file__).parents[3] / "examples" / "volumes-claim-template.yaml"


def sim(strategy: str | None, read: Script) -> Simulator:
    wf = load(str(EXAMPLE))
    wf = wf.model_copy(
        update={
            "metadata": wf.metadata.model_copy(update={"uid": "uid-1"}),
            "spec": wf.spec.model_copy(
                update={
                    "volume_claim_gc": None
                    if strategy is None
                    else KubeObject.model_validate({"strategy": strategy})
                }
            ),
        }
    )
    return Simulator(wf, scripts={"read": read})


def actions_of(s: Simulator, kind: type) -> list[Any]:
    return [a for d in s.decisions for a in d.actions if isinstance(a, kind)]


def test_claims_are_made_before_every_batch_of_pods() -> None:
    """Before the first pod, and again (a no-op where they exist) before each later
    batch: a claim whose making failed after the status write still precedes the pods."""
    s = sim(None, Script()).run()
    first = s.decisions[0].actions
    assert isinstance(first[0], CreateClaims)
    assert any(isinstance(a, CreatePod) for a in first[1:])
    with_pods = [d.actions for d in s.decisions if any(isinstance(a, CreatePod) for a in d.actions)]
    assert len(with_pods) == 2  # write, then read
    assert all(isinstance(actions[0], CreateClaims) for actions in with_pods)
    assert len(actions_of(s, CreateClaims)) == 2
    create = actions_of(s, CreateClaims)[0]
    [claim] = create.claims
    assert claim["kind"] == "PersistentVolumeClaim"
    assert claim["metadata"]["name"] == "wf-workdir"
    assert claim["metadata"]["namespace"] == "default"
    assert claim["metadata"]["labels"] == {"workflows.argoproj.io/workflow": "wf"}
    [owner] = claim["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["uid"]) == ("Workflow", "wf", "uid-1")
    assert claim["spec"]["resources"] == {"requests": {"storage": "1Mi"}}


def test_the_status_lists_the_claims_while_running() -> None:
    s = sim(None, Script())
    s.step()
    listed = [v.model_dump(mode="json") for v in s.status.persistent_volume_claims]
    assert listed == [{"name": "workdir", "persistentVolumeClaim": {"claimName": "wf-workdir"}}]


OK, FAIL = Script(), Script(exit_code=1)
# strategy, how the workflow ends -> are its claims deleted at completion
CASES = [
    pytest.param(None, OK, True, id="default-deletes-on-success"),
    pytest.param(None, FAIL, False, id="default-keeps-on-failure"),
    pytest.param("OnWorkflowSuccess", FAIL, False, id="on-success-keeps-on-failure"),
    pytest.param("OnWorkflowCompletion", FAIL, True, id="on-completion-deletes-on-failure"),
    pytest.param("OnWorkflowCompletion", OK, True, id="on-completion-deletes-on-success"),
]


@pytest.mark.parametrize(("strategy", "read", "deleted"), CASES)
def test_volume_claim_gc(strategy: str | None, read: Script, deleted: bool) -> None:
    s = sim(strategy, read).run()
    deletes = actions_of(s, DeleteClaims)
    if deleted:
        assert deletes == [DeleteClaims("default", ("wf-workdir",))]
        assert not s.status.persistent_volume_claims
    else:
        assert deletes == []
        assert [v.model_dump(mode="json")["name"] for v in s.status.persistent_volume_claims] == [
            "workdir"
        ]
    made = len(actions_of(s, CreateClaims))
    s.step()  # decided again once completed: nothing more to create or delete
    assert actions_of(s, DeleteClaims) == deletes
    assert len(actions_of(s, CreateClaims)) == made
