"""The executor (`wf-exec`): what runs in every pod around the user's command.

Fetches input artifacts, stages the script, runs the command, collects the result,
output parameters and artifacts, and reports them as a WorkflowTaskResult through the
store. `execute` does the work; `make_container_handler` runs it in-process for the
embedded runtime; `python -m executor` / `wf-exec run -- cmd` runs it as a program.

Names load on first use (`workflow_engine.lazy`): `wf-exec` in a pod imports only what
its path needs (the in-process handler stays unloaded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflow_engine.lazy import lazy_names

if TYPE_CHECKING:
    from executor.config import ExecutorConfig
    from executor.handler import make_container_handler
    from executor.sandbox import LocalSandbox
    from executor.work import EXECUTOR_FAILED, execute

__all__ = [
    "EXECUTOR_FAILED",
    "ExecutorConfig",
    "LocalSandbox",
    "execute",
    "make_container_handler",
]

__getattr__ = lazy_names(
    __name__,
    {
        "ExecutorConfig": "config",
        "make_container_handler": "handler",
        "LocalSandbox": "sandbox",
        "EXECUTOR_FAILED": "work",
        "execute": "work",
    },
)
