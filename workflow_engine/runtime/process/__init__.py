"""The embedded runtime: pods as local processes in a sandbox (see runtime.ProcessRuntime)."""

from workflow_engine.runtime.process.containers import SIDECARS_ANNOTATION
from workflow_engine.runtime.process.runtime import ProcessRuntime

__all__ = ["SIDECARS_ANNOTATION", "ProcessRuntime"]
