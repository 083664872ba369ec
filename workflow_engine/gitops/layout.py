"""Where things live in a gitops config repository, and its `gitops.yaml`.

The layout (shared with the sync side of `wf gitops`):

    gitops.yaml                          environments in promotion order
    bootstrap/                           this engine's install manifests (kustomize)
    apps/<app>/base/                     kustomization.yaml + the app's manifests
    apps/<app>/envs/<env>/kustomization.yaml   overlay: resources [../../base], images, namespace
    pipelines/                           the promotion WorkflowTemplates
    releases/<app>/<release>/release.yaml      an immutable release record
    releases/<app>/<release>/verified-<env>.yaml  its verification in one environment

Pure: paths are computed, `read_config` is the only reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from workflow_engine.gitops.errors import Refused

CONFIG_FILE = "gitops.yaml"
DEFAULT_ENVIRONMENTS = ("dev", "staging", "prod")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")


def config_file(root: Path) -> Path:
    return root / CONFIG_FILE


def bootstrap_dir(root: Path) -> Path:
    return root / "bootstrap"


def pipelines_dir(root: Path) -> Path:
    return root / "pipelines"


def app_dir(root: Path, app: str) -> Path:
    return root / "apps" / app


def app_base_dir(root: Path, app: str) -> Path:
    return app_dir(root, app) / "base"


def app_env_dir(root: Path, app: str, env: str) -> Path:
    return app_dir(root, app) / "envs" / env


def overlay_file(root: Path, app: str, env: str) -> Path:
    return app_env_dir(root, app, env) / "kustomization.yaml"


def release_dir(root: Path, app: str, release: str) -> Path:
    return root / "releases" / app / release


def release_file(root: Path, app: str, release: str) -> Path:
    return release_dir(root, app, release) / "release.yaml"


def verification_file(root: Path, app: str, release: str, env: str) -> Path:
    return release_dir(root, app, release) / f"verified-{env}.yaml"


def check_name(value: str, what: str) -> str:
    """An app, environment or release name: a DNS label (it becomes a path and a namespace)."""
    if not _NAME.match(value):
        raise Refused(what, f"{value!r} is not a valid name (lower-case letters, digits, '-')")
    return value


def parse_duration(text: str, path: str) -> timedelta:
    """Go-style durations as Argo writes them: `0s`, `90s`, `1h30m`, `250ms`."""
    text = str(text).strip()
    pos, total = 0, 0.0
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * scale[match.group(2)]
        pos = match.end()
    if not text or pos != len(text):
        raise Refused(path, f"{text!r} is not a duration (e.g. 0s, 30m, 1h30m)")
    return timedelta(seconds=total)


@dataclass(frozen=True)
class Environment:
    name: str
    requires: str | None = None
    soak: timedelta = timedelta(0)


@dataclass(frozen=True)
class GitOpsConfig:
    environments: tuple[Environment, ...]

    @property
    def names(self) -> list[str]:
        return [e.name for e in self.environments]

    def environment(self, name: str, path: str = "--env") -> Environment:
        for env in self.environments:
            if env.name == name:
                return env
        raise Refused(path, f"unknown environment {name!r} (known: {', '.join(self.names)})")


def chain_config(names: list[str]) -> GitOpsConfig:
    """Environments promoted in this order, each requiring the one before it."""
    envs = []
    for i, name in enumerate(names):
        check_name(name, "--envs")
        envs.append(Environment(name, names[i - 1] if i else None))
    if len(set(names)) != len(names) or not names:
        raise Refused("--envs", "give each environment once, at least one")
    return GitOpsConfig(tuple(envs))


def parse_config(text: str, source: str = CONFIG_FILE) -> GitOpsConfig:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise Refused(source, f"not YAML: {exc}") from None
    items = doc.get("environments") if isinstance(doc, dict) else None
    if not isinstance(items, list) or not items:
        raise Refused(f"{source}: environments", "a non-empty list is required")
    envs: list[Environment] = []
    for i, item in enumerate(items):
        path = f"{source}: environments[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise Refused(path, "an object with a name is required")
        requires = item.get("requires")
        if requires is not None and requires not in [e.name for e in envs]:
            raise Refused(f"{path}.requires", f"{requires!r} is not an earlier environment")
        envs.append(
            Environment(
                check_name(item["name"], f"{path}.name"),
                requires,
                parse_duration(str(item.get("soak", "0s")), f"{path}.soak"),
            )
        )
    return GitOpsConfig(tuple(envs))


def read_config(root: Path) -> GitOpsConfig:
    path = config_file(root)
    if not path.is_file():
        raise Refused(
            "repo", f"not a gitops repository: {CONFIG_FILE} is missing (run wf gitops init)"
        )
    return parse_config(path.read_text(), CONFIG_FILE)


def dump_config(config: GitOpsConfig) -> str:
    items: list[dict[str, Any]] = []
    for env in config.environments:
        item: dict[str, Any] = {"name": env.name}
        if env.requires:
            item["requires"] = env.requires
            item["soak"] = f"{int(env.soak.total_seconds())}s"
        items.append(item)
    return yaml.safe_dump({"environments": items}, sort_keys=False)
