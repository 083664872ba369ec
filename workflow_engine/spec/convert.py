"""`wf convert`: move documents between Argo's API group and ours (pure text in, text out).

For clusters that run Argo beside us (side-by-side install), our CRDs live in
`wfengine.io`; existing manifests say `argoproj.io/v1alpha1`. Converting rewrites the
top-level `apiVersion` of the kinds we serve and nothing else (a `resource` template's
manifest or a ConfigMap stays as it is). Comments are not kept.
"""

from __future__ import annotations

from typing import Any

import yaml

from workflow_engine.errors import SpecError
from workflow_engine.spec.objects import ACCEPTED_API_VERSIONS, KINDS

_OUR_KINDS = frozenset(KINDS) | {"WorkflowTaskResult"}


def convert_documents(text: str, group: str, source: str = "<input>") -> str:
    """Every document of `text` (YAML or JSON, `---`-separated), ours moved to `group`."""
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as err:
        raise SpecError(source, f"not YAML: {err}") from None
    converted = [_convert(document, group) for document in documents]
    return "---\n".join(yaml.safe_dump(d, sort_keys=False) for d in converted)


def _convert(document: Any, group: str) -> Any:
    if (
        isinstance(document, dict)
        and document.get("kind") in _OUR_KINDS
        and document.get("apiVersion") in ACCEPTED_API_VERSIONS
    ):
        version = str(document["apiVersion"]).rpartition("/")[2]
        return {**document, "apiVersion": f"{group}/{version}"}
    return document
