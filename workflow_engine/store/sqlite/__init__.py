"""The embedded mode's store: every object in one SQLite file (see `store.py`)."""

from workflow_engine.store.sqlite.schema import SCHEMA_VERSION
from workflow_engine.store.sqlite.store import SqliteStore

__all__ = ["SCHEMA_VERSION", "SqliteStore"]
