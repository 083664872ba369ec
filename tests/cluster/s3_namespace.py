"""A namespace of the test cluster whose workflows store artifacts in SeaweedFS.

Shared by the cluster tests of S3 artifacts (test_kube_artifacts.py, test_kube_cli_cp.py):
a new namespace, prepared for workflow pods (`workflows.prepare_namespace`), with the
repository's credentials in the Secret that `s3_repository` names.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from tests.cluster.cluster import ControlPlane
from tests.cluster.workflows import prepare_namespace
from tests.fixtures.seaweedfs import SeaweedServer
from tests.integration.artifacts.conftest import SECRET_NAME


@contextmanager
def s3_namespace(cluster: ControlPlane, seaweedfs: SeaweedServer, prefix: str) -> Iterator[str]:
    """Create `<prefix>-<random>` with the S3 credentials Secret; delete it (without
    waiting) on exit."""
    namespace = f"{prefix}-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", namespace)
    try:
        prepare_namespace(cluster, namespace)
        cluster.kubectl(
            "create",
            "secret",
            "generic",
            SECRET_NAME,
            "-n",
            namespace,
            f"--from-literal=accesskey={seaweedfs.access_key}",
            f"--from-literal=secretkey={seaweedfs.secret_key}",
        )
        yield namespace
    finally:
        cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False)
