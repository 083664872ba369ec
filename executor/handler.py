"""The executor as a container handler of the embedded process runtime.

`make_container_handler(store)` is given to ProcessRuntime for `wf-exec`: instead of
starting a Python per pod, the runtime calls the handler in a worker thread with the
main container's spec and its Sandbox. The handler reads the `WF_*` entries of the
spec's env (never os.environ), runs `executor.work.execute`, and returns the exit code.

Per-pod cost is kept small: the template JSON is parsed once, the artifact repository
and its drivers are parsed and built once per distinct (repository JSON, namespace) and
reused. Drivers read credentials from Secret objects in the store, in the pod's
namespace (`workflow_engine.artifacts.StoreSecrets`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from executor.command import DEFAULT_SEARCH_PATH
from executor.config import ExecutorConfig
from executor.kubeenv import literal_env, user_argv
from executor.work import EXECUTOR_FAILED, execute
from workflow_engine.artifacts import (
    ArtifactRepository,
    Drivers,
    SecretResolver,
    StoreSecrets,
    default_drivers,
    parse_repository,
)
from workflow_engine.errors import WorkflowEngineError
from workflow_engine.ports import ContainerHandler, ObjectStore, Sandbox

DriverFactory = Callable[[ArtifactRepository | None, SecretResolver], Drivers]
_CACHE_LIMIT = 16


def make_container_handler(
    store: ObjectStore, drivers: DriverFactory = default_drivers
) -> ContainerHandler:
    repos: dict[str, ArtifactRepository] = {}
    built: dict[tuple[str, str], Drivers] = {}

    def cached_repository(text: str) -> ArtifactRepository:
        repo = repos.get(text)
        if repo is None:
            if len(repos) >= _CACHE_LIMIT:
                repos.clear()
            repo = repos[text] = parse_repository(text)
        return repo

    def drivers_for(config: ExecutorConfig) -> Drivers:
        key = (config.repository_json, config.namespace)
        found = built.get(key)
        if found is None:
            if len(built) >= _CACHE_LIMIT:
                built.clear()
            found = built[key] = drivers(config.repository, StoreSecrets(store, config.namespace))
        return found

    def handle(spec: Mapping[str, Any], sandbox: Sandbox) -> int:
        try:
            env = literal_env(spec)
            config = ExecutorConfig.from_env(env, cached_repository)
            argv = user_argv(spec, env)
        except WorkflowEngineError as exc:
            # Without a valid configuration there is no node to report to.
            sandbox.log(f"wf-exec: {exc}")
            return EXECUTOR_FAILED
        path = env.get("PATH") or DEFAULT_SEARCH_PATH
        return execute(config, argv, sandbox, store, drivers_for(config), path)

    return handle
