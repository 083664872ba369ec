"""Embedded volume claims (controller/claims.py): a directory per namespace and claim
under the state directory, owned by the workflow that made it from a template. Real:
the file system (a temporary directory); no pods."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workflow_engine.controller.claims import DirectoryClaims
from workflow_engine.errors import AlreadyExists, PermanentError


def manifest(name: str, workflow: str = "wf", uid: str = "u1") -> dict[str, Any]:
    owner = {"kind": "Workflow", "name": workflow, "uid": uid}
    meta = {"name": name, "namespace": "ns", "ownerReferences": [owner]}
    return {"kind": "PersistentVolumeClaim", "metadata": meta, "spec": {}}


def pod(*volumes: dict[str, Any]) -> dict[str, Any]:
    mounts = [{"name": v["name"], "mountPath": f"/{v['name']}"} for v in volumes]
    main = {"name": "main", "volumeMounts": mounts}
    return {
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"containers": [main], "volumes": list(volumes)},
    }


def test_a_created_claim_is_one_directory_every_pod_mounts(tmp_path: Path) -> None:
    claims = DirectoryClaims(tmp_path)
    claims.create(manifest("wf-work"))
    claims.create(manifest("wf-work"))  # again, same owner: a no-op
    volume = {"name": "work", "persistentVolumeClaim": {"claimName": "wf-work"}}
    mounted = claims.mount(pod(volume))
    [host] = mounted["spec"]["volumes"]
    assert host == {"name": "work", "hostPath": {"path": str(tmp_path / "ns" / "wf-work" / "data")}}
    assert Path(host["hostPath"]["path"]).is_dir()
    assert claims.mount(pod(volume)) == mounted


def test_a_claim_of_another_workflow_is_refused(tmp_path: Path) -> None:
    claims = DirectoryClaims(tmp_path)
    claims.create(manifest("wf-work", uid="u1"))
    with pytest.raises(AlreadyExists, match="owned by another workflow"):
        claims.create(manifest("wf-work", uid="u2"))


def test_read_only_claims_make_read_only_mounts(tmp_path: Path) -> None:
    volume = {"name": "c", "persistentVolumeClaim": {"claimName": "cache", "readOnly": True}}
    mounted = DirectoryClaims(tmp_path).mount(pod(volume, {"name": "tmp", "emptyDir": {}}))
    [main] = mounted["spec"]["containers"]
    assert [m.get("readOnly") for m in main["volumeMounts"]] == [True, None]


def test_release_and_sweep_remove_owned_claims_only(tmp_path: Path) -> None:
    claims = DirectoryClaims(tmp_path)
    claims.create(manifest("a-work", workflow="a", uid="ua"))
    claims.create(manifest("b-work", workflow="b", uid="ub"))
    claims.create(manifest("c-work", workflow="c", uid="uc"))
    shared = Path(claims.data_path("ns", "shared"))  # no owner: outlives every workflow
    claims.release("ns", "a")
    assert not (tmp_path / "ns" / "a-work").exists()
    claims.sweep([{"metadata": {"name": "c", "uid": "uc"}}])
    assert not (tmp_path / "ns" / "b-work").exists()
    assert (tmp_path / "ns" / "c-work" / "data").is_dir()
    assert shared.is_dir()
    claims.delete("ns", "c-work")
    claims.delete("ns", "c-work")  # a missing claim: no error
    assert not (tmp_path / "ns" / "c-work").exists()


@pytest.mark.parametrize("name", ["", "..", "a/b"])
def test_bad_claim_names_are_refused(tmp_path: Path, name: str) -> None:
    volume = {"name": "v", "persistentVolumeClaim": {"claimName": name}}
    with pytest.raises(PermanentError, match="invalid volume claim name"):
        DirectoryClaims(tmp_path).mount(pod(volume))
