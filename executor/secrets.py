"""Moved: the store-backed SecretResolver is `workflow_engine.artifacts.StoreSecrets`
(it reads Secret objects through the `ObjectReader` port, so the controller and the
runtimes use it without reaching into the executor). This name stays for callers
written against the old place."""

from workflow_engine.artifacts import StoreSecrets

__all__ = ["StoreSecrets"]
