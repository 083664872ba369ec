"""Volume claims, applied: the `Claims` port the reconciler hands the engine's
CreateClaims / DeleteClaims actions to, and its embedded implementation.

Sits in the controller beside the runtime. Embedded mode has no storage system, so a
claim is a directory under the state directory, `<state>/claims/<namespace>/<claim>/`:
its `data/` is what pods mount, and `owner.json` names the workflow of a claim made
from a `volumeClaimTemplates` entry. A `persistentVolumeClaim` volume of a pod becomes
a hostPath volume on that `data/` directory before the pod reaches the runtime, so
every pod that mounts a claim sees the same files. A claim named by a workflow but made
by nobody (`persistentVolumeClaim: {claimName: X}` with no template) is made on first
mount, without an owner: like a real claim it outlives the workflows that use it.
Claims with an owner go when the workflow's volumeClaimGC says, or with the workflow
(the reconciler's clean-up, and a sweep at start for workflows deleted while no
controller ran). Kubernetes mode: controller/kube_claims.py.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from workflow_engine.errors import AlreadyExists, PermanentError

_OWNER = "owner.json"
_DATA = "data"


class Claims(Protocol):
    def create(self, manifest: Mapping[str, Any]) -> None:
        """Create a claim (a PersistentVolumeClaim manifest); one that exists with the
        same owner is left as it is."""
        ...

    def delete(self, namespace: str, name: str) -> None:
        """Delete a claim; a missing one is no error."""
        ...

    def release(self, namespace: str, workflow: str) -> None:
        """The workflow is gone: delete the claims it owns (Kubernetes' garbage
        collector does this itself through the ownerReference)."""
        ...


class NoClaims:
    """The claims of a controller that cannot make any (a test's): creating one fails
    the workflow with the reason."""

    def create(self, manifest: Mapping[str, Any]) -> None:
        raise PermanentError("this controller cannot create volume claims")

    def delete(self, namespace: str, name: str) -> None:
        return None

    def release(self, namespace: str, workflow: str) -> None:
        return None


def _owner_of(manifest: Mapping[str, Any]) -> dict[str, str]:
    meta = manifest.get("metadata") or {}
    refs = meta.get("ownerReferences") or []
    ref = refs[0] if refs else {}
    return {"workflow": str(ref.get("name") or ""), "uid": str(ref.get("uid") or "")}


class DirectoryClaims:
    """Claims as directories under `root` (`<state>/claims`)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _dir(self, namespace: str, name: str) -> Path:
        if not name or "/" in name or name in (".", "..") or "/" in namespace:
            raise PermanentError(f"invalid volume claim name {name!r}")
        return self.root / (namespace or "default") / name

    def data_path(self, namespace: str, name: str) -> Path:
        """The directory pods mount for claim `name`, made (writable by any user, as
        a fresh volume is) when missing."""
        data = self._dir(namespace, name) / _DATA
        if not data.is_dir():
            data.mkdir(parents=True, exist_ok=True)
            os.chmod(data, 0o777)
        return data

    def create(self, manifest: Mapping[str, Any]) -> None:
        meta = manifest.get("metadata") or {}
        directory = self._dir(str(meta.get("namespace") or "default"), str(meta.get("name")))
        owner = _owner_of(manifest)
        existing = self._owner(directory)
        if existing is not None and existing.get("uid") != owner["uid"]:
            raise AlreadyExists(
                f"volume claim {meta.get('name')!r} exists, owned by another workflow"
            )
        self.data_path(str(meta.get("namespace") or "default"), str(meta.get("name")))
        if existing is None:
            temporary = directory / f".{_OWNER}.tmp"
            temporary.write_text(json.dumps(owner))
            temporary.replace(directory / _OWNER)

    def delete(self, namespace: str, name: str) -> None:
        shutil.rmtree(self._dir(namespace, name), ignore_errors=True)

    def release(self, namespace: str, workflow: str) -> None:
        for directory, owner in self._owned(namespace):
            if owner.get("workflow") == workflow:
                shutil.rmtree(directory, ignore_errors=True)

    def sweep(self, workflows: Iterable[Mapping[str, Any]]) -> None:
        """Delete the owned claims of workflows not in `workflows` (a listing taken
        after this call started): those deleted while no controller ran."""
        owned = [
            (directory, owner)
            for namespace in self._namespaces()
            for directory, owner in self._owned(namespace)
        ]
        if not owned:
            return
        live = {str((w.get("metadata") or {}).get("uid") or "") for w in workflows}
        for directory, owner in owned:
            if owner.get("uid") not in live:
                shutil.rmtree(directory, ignore_errors=True)

    def mount(self, pod: Mapping[str, Any]) -> dict[str, Any]:
        """`pod` with each persistentVolumeClaim volume turned into a hostPath volume on
        its claim's directory (a claim's `readOnly` makes every mount of it read-only)."""
        spec = pod.get("spec") or {}
        namespace = str((pod.get("metadata") or {}).get("namespace") or "default")
        volumes, read_only = [], set()
        changed = False
        for volume in spec.get("volumes") or ():
            source = volume.get("persistentVolumeClaim")
            if source is None:
                volumes.append(volume)
                continue
            path = self.data_path(namespace, str(source.get("claimName") or ""))
            volumes.append({"name": volume["name"], "hostPath": {"path": str(path)}})
            if source.get("readOnly"):
                read_only.add(volume["name"])
            changed = True
        if not changed:
            return dict(pod)
        new_spec = {**spec, "volumes": volumes}
        if read_only:
            for kind in ("initContainers", "containers"):
                if spec.get(kind):
                    new_spec[kind] = [_read_only(c, read_only) for c in spec[kind]]
        return {**pod, "spec": new_spec}

    def _namespaces(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir())

    def _owned(self, namespace: str) -> list[tuple[Path, dict[str, str]]]:
        base = self.root / namespace
        if not base.is_dir():
            return []
        found = []
        for directory in sorted(base.iterdir()):
            owner = self._owner(directory)
            if owner is not None:
                found.append((directory, owner))
        return found

    @staticmethod
    def _owner(directory: Path) -> dict[str, str] | None:
        try:
            owner = json.loads((directory / _OWNER).read_text())
        except (OSError, ValueError):
            return None
        return owner if isinstance(owner, dict) else None


def _read_only(container: Mapping[str, Any], names: set[str]) -> dict[str, Any]:
    mounts = [
        {**m, "readOnly": True} if m.get("name") in names else m
        for m in container.get("volumeMounts") or ()
    ]
    return {**container, "volumeMounts": mounts} if mounts else dict(container)
