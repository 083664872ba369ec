"""The election's Lease on the API server: the `LeaseStore` port of `leader.py` over
coordination.k8s.io/v1, with the official client.

Thin: a Lease object <-> `LeaseRecord` (MicroTime stamps, whole seconds of duration),
get / create / update with the read resourceVersion (so a racing write gets 409
Conflict), errors translated at this edge by `runtime.kubernetes.client.call`.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from kubernetes import client

from workflow_engine.controller.leader import LeaseRecord
from workflow_engine.errors import NotFound
from workflow_engine.runtime.kubernetes.client import call


def _micro_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def record_of(obj: dict[str, Any]) -> LeaseRecord:
    spec = obj.get("spec") or {}
    return LeaseRecord(
        holder=str(spec.get("holderIdentity") or ""),
        duration=float(spec.get("leaseDurationSeconds") or 0),
        acquired=_parse_time(spec.get("acquireTime")),
        renewed=_parse_time(spec.get("renewTime")),
        transitions=int(spec.get("leaseTransitions") or 0),
        version=str(obj["metadata"]["resourceVersion"]),
    )


def lease_object(name: str, namespace: str, record: LeaseRecord) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if record.version is not None:
        metadata["resourceVersion"] = record.version
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": metadata,
        "spec": {
            "holderIdentity": record.holder,
            "leaseDurationSeconds": max(1, math.ceil(record.duration)),
            "acquireTime": _micro_time(record.acquired),
            "renewTime": _micro_time(record.renewed),
            "leaseTransitions": record.transitions,
        },
    }


class KubernetesLeases:
    """One named Lease in one namespace."""

    def __init__(self, api_client: client.ApiClient, name: str, namespace: str) -> None:
        self.api = client.CoordinationV1Api(api_client)
        self.name, self.namespace = name, namespace

    def get(self) -> LeaseRecord | None:
        try:
            return record_of(call(self.api.read_namespaced_lease, self.name, self.namespace))
        except NotFound:
            return None

    def create(self, record: LeaseRecord) -> LeaseRecord:
        body = lease_object(self.name, self.namespace, record)
        return record_of(call(self.api.create_namespaced_lease, self.namespace, body))

    def update(self, record: LeaseRecord) -> LeaseRecord:
        body = lease_object(self.name, self.namespace, record)
        return record_of(call(self.api.replace_namespaced_lease, self.name, self.namespace, body))


__all__ = ["KubernetesLeases", "lease_object", "record_of"]
