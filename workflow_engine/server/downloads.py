"""`GET /artifact-files/{ns}/workflows/{name}/{nodeId}/outputs/{artifactName}`: an
output artifact's bytes, as Argo Server serves them to its UI and to Hera's
`get_artifact_file`. The artifact is fetched from the repository the workflow recorded
(or the server's default) into a temporary directory, streamed, then removed; a
directory artifact comes as a .tar.gz.
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from workflow_engine.controller import copy_outputs
from workflow_engine.controller import operations as ops
from workflow_engine.server.access import authorize, context_of

router = APIRouter(
    prefix="/artifact-files", tags=["ArtifactService"], dependencies=[Depends(authorize)]
)


@router.get("/{namespace}/workflows/{name}/{node_id}/outputs/{artifact_name}")
def get_output_artifact(
    request: Request, namespace: str, name: str, node_id: str, artifact_name: str
) -> FileResponse:
    ctx = context_of(request)
    obj = ops.get_workflow(ctx.store, name, namespace)
    scratch = Path(tempfile.mkdtemp(prefix="wf-server-artifact-"))
    try:
        [found] = copy_outputs(
            ctx.store,
            obj,
            ctx.artifact_repository,
            scratch / "out",
            node=node_id,
            artifact_name=artifact_name,
        )[:1]
        path, filename = found.path, artifact_name
        if path.is_dir():
            archive = scratch / f"{artifact_name}.tar.gz"
            with tarfile.open(archive, "w:gz") as tar:
                tar.add(path, arcname=artifact_name)
            path, filename = archive, archive.name
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return FileResponse(
        path,
        filename=filename,
        media_type="application/octet-stream",
        background=BackgroundTask(shutil.rmtree, scratch, ignore_errors=True),
    )
