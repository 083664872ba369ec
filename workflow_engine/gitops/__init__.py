"""GitOps on a config repository: layout, app creation, promotion with release records
and stage gates, verification gates, history and rollback (the git side of `wf gitops`),
imported from here; the cluster side (render, diff, apply, health, drift, status,
canary) is imported from its submodules directly.

A room of its own: it may import spec (and artifacts), never the engine or controller.
"""

from workflow_engine.gitops.apps import AppCreated, AppRequest, create_app
from workflow_engine.gitops.bootstrap import init
from workflow_engine.gitops.errors import GateFailed, Refused
from workflow_engine.gitops.gitrepo import Changed, Identity, Pushed, Remote
from workflow_engine.gitops.history import Entry, app_history
from workflow_engine.gitops.kustomize import ImageRef
from workflow_engine.gitops.layout import parse_duration
from workflow_engine.gitops.promote import PromoteRequest, Promotion, promote
from workflow_engine.gitops.releases import ReleaseStatus
from workflow_engine.gitops.rollback import Rollback, rollback
from workflow_engine.gitops.verification import Marked, mark_verified, release_statuses
from workflow_engine.gitops.verify import CheckResult, HttpCheck, PromCheck, Report, run_checks
from workflow_engine.gitops.yamlpath import SetValue

__all__ = [
    "AppCreated",
    "AppRequest",
    "Changed",
    "CheckResult",
    "Entry",
    "GateFailed",
    "HttpCheck",
    "Identity",
    "ImageRef",
    "Marked",
    "PromCheck",
    "PromoteRequest",
    "Promotion",
    "Pushed",
    "Refused",
    "ReleaseStatus",
    "Remote",
    "Report",
    "Rollback",
    "SetValue",
    "app_history",
    "create_app",
    "init",
    "mark_verified",
    "parse_duration",
    "promote",
    "release_statuses",
    "rollback",
    "run_checks",
]
