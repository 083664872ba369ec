"""The API's models and their loading: Argo-compatible documents in, typed objects out.

Models live in `workflow_engine.spec.models`; this package's surface is the loading API.
"""

from workflow_engine.spec.loader import (
    dump_yaml,
    format_path,
    load_documents,
    load_objects,
    parse_object,
    validation_errors,
)
from workflow_engine.spec.objects import (
    ACCEPTED_API_VERSIONS,
    API_GROUP,
    API_VERSION,
    ARGO_API_VERSION,
    KINDS,
)

__all__ = [
    "ACCEPTED_API_VERSIONS",
    "API_GROUP",
    "API_VERSION",
    "ARGO_API_VERSION",
    "KINDS",
    "dump_yaml",
    "format_path",
    "load_documents",
    "load_objects",
    "parse_object",
    "validation_errors",
]
