"""`wf-exec`: the executor as a program, the entry point of every pod's main container.

    wf-exec run -- COMMAND [ARG...]

Reads its configuration from the `WF_*` environment (once, here), opens the store
named by `WF_STORE`, and does `executor.work.execute` with a `LocalSandbox`. Exits
with the user's command's exit code (see docs/executor.md).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence

from executor.command import DEFAULT_SEARCH_PATH
from executor.config import ExecutorConfig
from executor.kubeenv import command_line
from executor.sandbox import FORWARDED_SIGNALS, LocalSandbox
from executor.work import EXECUTOR_FAILED, execute
from workflow_engine.artifacts import StoreSecrets, default_drivers
from workflow_engine.errors import WorkflowEngineError
from workflow_engine.store import open_store


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    environ = dict(os.environ)
    sandbox = LocalSandbox(environ)
    try:
        command = command_line(args)
        config = ExecutorConfig.from_env(environ)
        if not config.store_url:
            raise WorkflowEngineError("executor environment lacks WF_STORE")
        store = open_store(config.store_url)
    except WorkflowEngineError as exc:
        sandbox.log(f"wf-exec: {exc}")
        return EXECUTOR_FAILED
    for signum in FORWARDED_SIGNALS:
        signal.signal(signum, lambda n, _frame: sandbox.forward(n))
    try:
        drivers = default_drivers(config.repository, StoreSecrets(store, config.namespace))
        path = environ.get("PATH") or DEFAULT_SEARCH_PATH
        return execute(config, command, sandbox, store, drivers, path)
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())
