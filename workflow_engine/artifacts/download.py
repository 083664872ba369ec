"""Downloading a workflow's output artifacts to a directory (`wf cp`).

Sits under the CLI: `wf cp NAME [NODE] DEST` reads the workflow from the store, builds
drivers for its repository (`default_drivers(repository, secrets)`) and calls
`download_outputs`. Each artifact lands at a path rendered from Argo's `argo cp`
pattern (default `{namespace}/{workflowName}/{nodeId}/outputs/{artifactName}`); a
tarball or zip is unpacked there safely, anything else is written as it is.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import ValidationError

from workflow_engine.artifacts.archive import is_tarball, unpack_into, unzip_into
from workflow_engine.artifacts.base import Drivers, driver_for, location_kind
from workflow_engine.errors import NotFound, PermanentError
from workflow_engine.spec.models import Artifact

DEFAULT_PATH = "{namespace}/{workflowName}/{nodeId}/outputs/{artifactName}"
PATH_VARIABLES = ("namespace", "workflowName", "nodeId", "templateName", "artifactName")
_VAR = re.compile(r"\{([A-Za-z]+)\}")


@dataclass(frozen=True)
class Downloaded:
    node_id: str
    artifact: str
    path: Path


def output_artifacts(
    workflow: Mapping[str, Any],
    node: str | None = None,
    artifact_name: str | None = None,
    template_name: str | None = None,
) -> list[tuple[str, Mapping[str, Any], Artifact]]:
    """(node id, node status, artifact) for each stored output artifact, filtered.
    `node` matches a node's id, name or display name; NotFound when it matches none."""
    nodes = (workflow.get("status") or {}).get("nodes") or {}
    if node is not None and not any(_matches(i, n, node) for i, n in nodes.items()):
        raise NotFound(f"workflow {_name(workflow)!r} has no node {node!r}")
    out = []
    for node_id, status in sorted(nodes.items()):
        if node is not None and not _matches(node_id, status, node):
            continue
        if template_name is not None and status.get("templateName") != template_name:
            continue
        for raw in (status.get("outputs") or {}).get("artifacts") or ():
            try:
                art = Artifact.model_validate(raw)
            except ValidationError:
                continue
            if artifact_name is not None and art.name != artifact_name:
                continue
            if location_kind(art) is None or art.deleted:
                continue
            out.append((node_id, status, art))
    return out


def download_outputs(
    workflow: Mapping[str, Any],
    drivers: Drivers,
    dest: Path,
    *,
    node: str | None = None,
    artifact_name: str | None = None,
    template_name: str | None = None,
    path_format: str = DEFAULT_PATH,
) -> list[Downloaded]:
    """Fetch the selected output artifacts under `dest`; returns what was written."""
    done = []
    for node_id, status, art in output_artifacts(workflow, node, artifact_name, template_name):
        values = {
            "namespace": (workflow.get("metadata") or {}).get("namespace") or "default",
            "workflowName": _name(workflow),
            "nodeId": node_id,
            "templateName": str(status.get("templateName") or ""),
            "artifactName": art.name,
        }
        target = dest / render_path(path_format, values)
        fetch_artifact(art, drivers, target)
        done.append(Downloaded(node_id, art.name, target))
    return done


def fetch_artifact(art: Artifact, drivers: Drivers, target: Path) -> None:
    """Load one artifact to `target`, unpacking a tarball or zip."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fetched = target.with_name(target.name + ".download")
    _remove(fetched)
    driver_for(drivers, art).load(art, fetched)
    archive = art.archive
    try:
        if archive is not None and archive.zip is not None:
            unzip_into(fetched, target)
        elif (archive is None or archive.none is None) and is_tarball(fetched):
            unpack_into(fetched, target)
        else:
            _remove(target)
            fetched.rename(target)
    finally:
        _remove(fetched)


def render_path(path_format: str, values: Mapping[str, str]) -> Path:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in values:
            raise PermanentError(
                f"path {path_format!r}: unknown variable {{{name}}} "
                f"(known: {', '.join('{' + v + '}' for v in PATH_VARIABLES)})"
            )
        return values[name]

    rendered = PurePosixPath(_VAR.sub(sub, path_format))
    if rendered.is_absolute() or ".." in rendered.parts or not rendered.parts:
        raise PermanentError(f"path {path_format!r} renders to {str(rendered)!r}: not relative")
    return Path(*rendered.parts)


def _matches(node_id: str, status: Mapping[str, Any], wanted: str) -> bool:
    return wanted in (node_id, status.get("name"), status.get("displayName"))


def _name(workflow: Mapping[str, Any]) -> str:
    return str((workflow.get("metadata") or {}).get("name") or "")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
