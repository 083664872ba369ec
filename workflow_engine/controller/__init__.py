"""The controller room: the loop that wires store + engine + runtime, and the library
functions the CLI calls.

    clock, queue, indexes, observe   time, the work queue, what was observed
    reconcile, loop                  one reconcile; the loop around it
    statuscache, serialized, events  status writes, in-process write queueing, events
    embedded, statedir, autostart    state directory wiring, lock, on-demand start
    daemon                           `wf controller status|stop`
    kube, kube_events                Kubernetes mode: the same loop over the cluster
                                     (imported on first use: the Kubernetes client is slow
                                     to import, and most commands never need it)
    observer, metrics                what the loop reports; Prometheus /metrics (on first use)
    leader, lease_api                leader election over a Lease (Kubernetes mode)
    repositories, volumes            artifact repository per workflow, GC; volume variables
    secrets, configmaps              `wf secret`, `wf configmap`
    podsources                       a pod's Secrets and ConfigMaps, resolved before it is created
    operations, submit, templates,   what `wf` does: submit, list, get, wait, retry,
    names, logs, resolver            delete, templates, logs, name resolution
    cluster_logs                     `wf logs` through the pods/log API (Kubernetes mode)
    cron, crons                      the cron loop (a companion of the loop); `wf cron`
    triggers, triggerops             the trigger loop (a companion); `wf trigger`

The CLI imports these names only. They load on first use (PEP 562 `__getattr__`): a
`wf` command pays for the modules it touches, not for the whole room.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workflow_engine.controller import (
        about,
        autostart,
        configmaps,
        crons,
        daemon,
        embedded,
        nodeset,
        operations,
        secrets,
        templates,
        triggerops,
    )
    from workflow_engine.controller.cluster_logs import ClusterLogs
    from workflow_engine.controller.embedded import ControllerRunning, EmbeddedOptions
    from workflow_engine.controller.events import Event, EventLog, FileEventLog, MemoryEventLog
    from workflow_engine.controller.kube_events import KubernetesEventLog
    from workflow_engine.controller.leader import ElectionConfig
    from workflow_engine.controller.logs import FileLogs, LogSource, finished_pods, workflow_logs
    from workflow_engine.controller.names import parse_duration, parse_labels, parse_selector
    from workflow_engine.controller.operrors import OperationError, WaitTimedOut
    from workflow_engine.controller.repositories import (
        ArtifactWiring,
        copy_outputs,
        deletion_collector,
        store_choice,
    )
    from workflow_engine.controller.resolver import StoreResolver
    from workflow_engine.controller.spec_warnings import kubernetes_warnings, stored_warnings
    from workflow_engine.controller.statedir import StatePaths
    from workflow_engine.controller.submit import (
        SubmitOptions,
        parameter_file_values,
        parse_parameter,
        submit_from,
        submit_text,
        submit_text_warned,
    )

__all__ = [
    "ArtifactWiring",
    "ClusterLogs",
    "ControllerRunning",
    "ElectionConfig",
    "EmbeddedOptions",
    "Event",
    "EventLog",
    "FileEventLog",
    "FileLogs",
    "KubernetesEventLog",
    "LogSource",
    "MemoryEventLog",
    "OperationError",
    "StatePaths",
    "StoreResolver",
    "SubmitOptions",
    "WaitTimedOut",
    "about",
    "autostart",
    "configmaps",
    "copy_outputs",
    "crons",
    "daemon",
    "deletion_collector",
    "embedded",
    "finished_pods",
    "kube",
    "kubernetes_warnings",
    "metrics",
    "nodeset",
    "operations",
    "parameter_file_values",
    "parse_duration",
    "parse_labels",
    "parse_parameter",
    "parse_selector",
    "secrets",
    "store_choice",
    "stored_warnings",
    "submit_from",
    "submit_text",
    "submit_text_warned",
    "templates",
    "triggerops",
    "workflow_logs",
]

_PACKAGE = "workflow_engine.controller"
_SUBMODULES = frozenset(
    {
        "about",
        "autostart",
        "configmaps",
        "crons",
        "daemon",
        "embedded",
        "kube",
        "metrics",
        "nodeset",
        "operations",
        "secrets",
        "templates",
        "triggerops",
    }
)
# name -> the submodule defining it
_NAMES = {
    "ArtifactWiring": "repositories",
    "ClusterLogs": "cluster_logs",
    "ControllerRunning": "embedded",
    "ElectionConfig": "leader",
    "EmbeddedOptions": "embedded",
    "Event": "events",
    "EventLog": "events",
    "FileEventLog": "events",
    "FileLogs": "logs",
    "KubernetesEventLog": "kube_events",
    "LogSource": "logs",
    "MemoryEventLog": "events",
    "OperationError": "operrors",
    "StatePaths": "statedir",
    "StoreResolver": "resolver",
    "SubmitOptions": "submit",
    "WaitTimedOut": "operrors",
    "copy_outputs": "repositories",
    "store_choice": "repositories",
    "deletion_collector": "repositories",
    "finished_pods": "logs",
    "parameter_file_values": "submit",
    "parse_duration": "names",
    "parse_labels": "names",
    "parse_selector": "names",
    "parse_parameter": "submit",
    "stored_warnings": "spec_warnings",
    "kubernetes_warnings": "spec_warnings",
    "submit_from": "submit",
    "submit_text": "submit",
    "submit_text_warned": "submit",
    "workflow_logs": "logs",
}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{_PACKAGE}.{name}")
    if name in _NAMES:
        value = getattr(importlib.import_module(f"{_PACKAGE}.{_NAMES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
