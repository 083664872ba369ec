"""The controller room: the loop that wires store + engine + runtime, and the library
functions the CLI calls.

    clock, queue, indexes, observe   time, the work queue, what was observed
    reconcile, loop                  one reconcile; the loop around it
    statuscache, serialized, events  status writes, in-process write queueing, events
    embedded, statedir               state directory wiring, lock, on-demand start
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
    cron, crons                      the cron loop (a companion of the loop); `wf cron`
    triggers, triggerops             the trigger loop (a companion); `wf trigger`

The CLI imports these names only.
"""

import importlib

from workflow_engine.controller import (
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
from workflow_engine.controller.embedded import ControllerRunning, EmbeddedOptions, StatePaths
from workflow_engine.controller.events import Event, EventLog, FileEventLog, MemoryEventLog
from workflow_engine.controller.leader import ElectionConfig
from workflow_engine.controller.logs import FileLogs, LogSource, finished_pods, workflow_logs
from workflow_engine.controller.names import parse_duration, parse_labels, parse_selector
from workflow_engine.controller.operations import OperationError, WaitTimedOut
from workflow_engine.controller.repositories import (
    ArtifactWiring,
    copy_outputs,
    deletion_collector,
)
from workflow_engine.controller.resolver import StoreResolver
from workflow_engine.controller.submit import (
    SubmitOptions,
    parameter_file_values,
    parse_parameter,
    submit_from,
    submit_text,
)

__all__ = [
    "ArtifactWiring",
    "ControllerRunning",
    "ElectionConfig",
    "EmbeddedOptions",
    "Event",
    "EventLog",
    "FileEventLog",
    "FileLogs",
    "LogSource",
    "MemoryEventLog",
    "OperationError",
    "StatePaths",
    "StoreResolver",
    "SubmitOptions",
    "WaitTimedOut",
    "configmaps",
    "copy_outputs",
    "crons",
    "daemon",
    "deletion_collector",
    "embedded",
    "finished_pods",
    "kube",
    "metrics",
    "nodeset",
    "operations",
    "parameter_file_values",
    "parse_duration",
    "parse_labels",
    "parse_parameter",
    "parse_selector",
    "secrets",
    "submit_from",
    "submit_text",
    "templates",
    "triggerops",
    "workflow_logs",
]


def __getattr__(name: str) -> object:
    if name in ("kube", "metrics"):  # heavy client libraries: imported on first use
        return importlib.import_module(f"workflow_engine.controller.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
