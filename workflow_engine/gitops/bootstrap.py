"""`wf gitops init`: lay out a config repository (as argocd-autopilot does for Argo CD)
and push it as one commit: `gitops.yaml`, `bootstrap/` (this engine's own install
manifests, so the engine is managed by GitOps too), `apps/`, `pipelines/` (the promotion
WorkflowTemplates, versioned with the config they promote) and `releases/`.

Running it again on a repository laid out with the same environments adds only what is
missing; other environments are refused.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import yaml

from workflow_engine.gitops import layout
from workflow_engine.gitops.errors import Refused
from workflow_engine.gitops.gitrepo import Changed, Checkout, Remote, change
from workflow_engine.spec.install import install_objects
from workflow_engine.spec.objects import API_GROUP

# The install is about 20,000 lines: libyaml writes it in a tenth of the time.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
PIPELINES = (
    "promote-env.yaml",
    "sync-env.yaml",
    "verify-env.yaml",
    "rollback-env.yaml",
    "promotion-pipeline.yaml",
)
_README = """# Config repository

Laid out by `wf gitops init`. Desired state of every environment lives here:

- `gitops.yaml`: environments in promotion order (`requires`, `soak`)
- `bootstrap/`: the workflow engine's own install manifests (`kubectl apply -k bootstrap`)
- `apps/<app>/base`, `apps/<app>/envs/<env>`: each app and its per-environment overlays
- `pipelines/`: the promotion WorkflowTemplates (`wf template create pipelines/*.yaml`)
- `releases/<app>/<release>`: immutable release records and their verifications

Change it with `wf gitops app create`, `promote`, `mark-verified` and `rollback`.
"""


def pipeline_templates() -> dict[str, str]:
    """The shipped promotion WorkflowTemplates, by file name."""
    folder = resources.files("workflow_engine.gitops") / "pipelines"
    return {name: (folder / name).read_text() for name in PIPELINES}


def install_yaml() -> str:
    return yaml.dump_all(install_objects(API_GROUP), Dumper=_DUMPER, sort_keys=False)


def files_for(config: layout.GitOpsConfig) -> dict[str, Callable[[], str]]:
    """Every file of a fresh layout by path relative to the root, made on demand."""
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": ["install.yaml"],
    }
    texts = {
        layout.CONFIG_FILE: layout.dump_config(config),
        "README.md": _README,
        "bootstrap/kustomization.yaml": yaml.safe_dump(kustomization, sort_keys=False),
        "apps/.gitkeep": "",
        "releases/.gitkeep": "",
        **{f"pipelines/{name}": text for name, text in pipeline_templates().items()},
    }
    files: dict[str, Callable[[], str]] = {k: functools.partial(str, v) for k, v in texts.items()}
    return files | {"bootstrap/install.yaml": install_yaml}


def init(remote: Remote, envs: list[str]) -> Changed:
    config = layout.chain_config(envs)

    def mutate(checkout: Checkout) -> str:
        root = checkout.root
        if layout.config_file(root).is_file():
            existing = layout.read_config(root)
            if existing.names != config.names:
                raise Refused(
                    "--envs",
                    f"the repository is laid out already, for {', '.join(existing.names)}",
                )
        for rel, text in files_for(config).items():
            _write_missing(root / rel, text)
        return (
            f"gitops init: layout for {', '.join(config.names)}\n\n"
            "bootstrap/, apps/, pipelines/, releases/ and gitops.yaml by wf gitops init.\n"
        )

    return change(remote, mutate)


def _write_missing(path: Path, text: Callable[[], str]) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text())
