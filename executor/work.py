"""The executor's work for one pod, the same function in both places it runs:
`wf-exec run -- cmd...` in a container, and the embedded runtime's in-process handler.

    fetch input artifacts -> stage the script -> run the user's command in the sandbox
    -> collect result, exit code, output parameters and artifacts (and the logs, with
    archiveLogs) -> one TaskResult
    -> return the user's exit code (1 if the executor failed and the user's was 0)

In a containerSet pod every member runs this: the member named `main` as above (its
run waits for its dependencies and is retried: executor/container_set.py); the others
only run their command that way, with no inputs, outputs or report (as in Argo).

A failure of the executor itself (an input that cannot be fetched, an output that
cannot be collected or saved) makes the TaskResult's phase `Error` with the cause as
its message. When the user's command failed, missing outputs are expected and only
logged, so the node stays `Failed` rather than `Error` (as Argo reports it).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Sequence
from pathlib import Path

from executor.command import DEFAULT_SEARCH_PATH, start_failure
from executor.config import ExecutorConfig
from executor.container_set import leave_exit_code, member_of, run_member, wait_for_others
from executor.inputs import fetch_inputs, stage_script
from executor.logs import LOGS_FILE, logs_wanted, save_logs
from executor.outputs import (
    RESULT_LIMIT,
    Collected,
    collect_artifacts,
    collect_parameters,
    result_text,
)
from executor.report import task_result, write_task_result
from workflow_engine.artifacts import Drivers
from workflow_engine.errors import WorkflowEngineError
from workflow_engine.ports import ObjectStore, RunResult, Sandbox

EXECUTOR_FAILED = 1
MAIN = "main"  # the container of a containerSet that has the inputs and outputs


def execute(
    config: ExecutorConfig,
    argv: Sequence[str],
    sandbox: Sandbox,
    store: ObjectStore,
    drivers: Drivers,
    search_path: str = DEFAULT_SEARCH_PATH,
) -> int:
    """Run one pod's main command with its inputs and outputs; returns its exit code.
    `search_path`: the container's PATH, to tell a missing command from a failing one."""
    template = config.template
    member = member_of(template, config.container_name)
    if member is not None and member.name != MAIN:
        return run_member(member, sandbox, lambda: sandbox.run(argv, {}, None)).exit_code
    try:
        for note in fetch_inputs(template, sandbox, drivers, config.unpack_limits):
            sandbox.log(f"wf-exec: {note}")
        stage_script(template, sandbox)
    except (WorkflowEngineError, OSError) as exc:
        message = f"failed to prepare inputs: {_reason(exc)}"
        sandbox.log(f"wf-exec: {message}")
        _report(config, store, sandbox, {}, message, error=True)
        if member is not None:
            leave_exit_code(sandbox, member.name, EXECUTOR_FAILED)
        return EXECUTOR_FAILED
    # A temporary directory only when the logs are archived: most pods do not, and
    # creating and removing one costs about 0.25 ms of the controller's interpreter.
    logs_dir = (
        tempfile.TemporaryDirectory(prefix="wf-exec-logs-")
        if logs_wanted(template, config.repository)
        else contextlib.nullcontext(None)
    )
    with logs_dir as directory:
        capture = Path(directory, LOGS_FILE) if directory is not None else None
        # The container's own environment is the sandbox's; nothing is added to it.

        def run_once() -> RunResult:
            if capture is None:
                return sandbox.run(argv, {}, None, stdout_limit=RESULT_LIMIT)
            return sandbox.run(argv, {}, None, stdout_limit=RESULT_LIMIT, capture=capture)

        if member is None:
            run = run_once()
        else:
            run = run_member(member, sandbox, run_once)
            wait_for_others(member, sandbox)
        missing = start_failure(argv, run.exit_code, sandbox, search_path)
        if missing is not None:
            sandbox.log(f"wf-exec: {missing}")
            _report(config, store, sandbox, {"exitCode": str(run.exit_code)}, missing, error=True)
            return run.exit_code
        try:
            collected = _collect(config, sandbox, drivers, run)
        except Exception as exc:  # any collection failure must still become a report
            collected = Collected(outputs={"exitCode": str(run.exit_code)})
            collected.errors.append(f"failed to collect outputs: {exc!r}")
        if capture is not None:
            save_logs(
                capture, template, drivers, config.repository, config.key_variables(), collected
            )
    for line in collected.notes:
        sandbox.log(f"wf-exec: {line}")
    user_failed = run.exit_code != 0
    error = bool(collected.errors) and not user_failed
    message = "; ".join(collected.errors)
    if message:
        sandbox.log(f"wf-exec: {message}")
    reported = _report(config, store, sandbox, collected.outputs, message if error else "", error)
    if run.exit_code == 0 and (error or not reported):
        return EXECUTOR_FAILED
    return run.exit_code


def _collect(
    config: ExecutorConfig, sandbox: Sandbox, drivers: Drivers, run: RunResult
) -> Collected:
    collected = Collected()
    if config.include_script_output:
        result, note = result_text(run)
        collected.outputs["result"] = result
        if note:
            collected.notes.append(note)
    collected.outputs["exitCode"] = str(run.exit_code)
    collect_parameters(config.template, sandbox, collected)
    collect_artifacts(
        config.template,
        sandbox,
        drivers,
        config.repository,
        config.key_variables(),
        collected,
    )
    return collected


def _report(
    config: ExecutorConfig,
    store: ObjectStore,
    sandbox: Sandbox,
    outputs: dict[str, object],
    message: str,
    error: bool,
) -> bool:
    obj = task_result(
        node_id=config.node_id,
        namespace=config.namespace,
        workflow_name=config.workflow_name,
        outputs=outputs,
        message=message,
        error=error,
    )
    try:
        write_task_result(store, obj)
    except WorkflowEngineError as exc:
        sandbox.log(f"wf-exec: cannot write the task result: {exc}")
        return False
    return True


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        name = f" {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{name}"
    return str(exc)
