"""`wf controller`'s leader-election options (Kubernetes backend): flags, each with an
environment variable, turned into the controller's `ElectionConfig`."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from typing import Any, TypeVar, cast

import click

from workflow_engine.controller import ElectionConfig
from workflow_engine.errors import SpecError

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_NAMESPACE = "wf-system"  # where crds/ installs the controller and its Lease Role


def lease_options(command: F) -> F:
    """Decorate `command` with the election flags (passed as `lease_*` keywords)."""
    defaults = ElectionConfig(identity="-")
    options = [
        click.option(
            "--leader-elect/--no-leader-elect",
            "lease_elect",
            default=True,
            envvar="WF_LEADER_ELECT",
            show_default=True,
            help="Kubernetes backend: act only while holding a Lease (for several replicas)",
        ),
        click.option(
            "--lease-name",
            "lease_name",
            default=defaults.name,
            envvar="WF_LEASE_NAME",
            show_default=True,
            help="the Lease's name",
        ),
        click.option(
            "--lease-namespace",
            "lease_namespace",
            envvar="WF_LEASE_NAMESPACE",
            help=f"the Lease's namespace (default: -n with --namespaced, else {DEFAULT_NAMESPACE})",
        ),
        click.option(
            "--lease-identity",
            "lease_identity",
            envvar="WF_LEASE_IDENTITY",
            help="this replica's name in the Lease (default: host name and a random suffix)",
        ),
    ]
    for flag, key, value, what in (
        ("--lease-duration", "lease_duration", defaults.lease_duration, "a standby waits"),
        (
            "--lease-renew-deadline",
            "lease_renew_deadline",
            defaults.renew_deadline,
            "the leader keeps trying to renew",
        ),
        ("--lease-retry-period", "lease_retry_period", defaults.retry_period, "between tries"),
    ):
        env = "WF_" + key.upper()
        options.append(
            click.option(
                flag,
                key,
                type=float,
                default=value,
                envvar=env,
                show_default=True,
                help=f"seconds {what}",
            )
        )
    decorated: Callable[..., Any] = command
    for option in reversed(options):
        decorated = option(decorated)
    return cast(F, decorated)


def election_config(lease: dict[str, Any], namespace: str | None) -> ElectionConfig | None:
    """The ElectionConfig of the options, or None with --no-leader-elect; a bad
    combination is a usage error."""
    if not lease["lease_elect"]:
        return None
    identity = lease["lease_identity"] or f"{socket.gethostname()}_{uuid.uuid4().hex[:8]}"
    try:
        return ElectionConfig(
            identity=identity,
            name=lease["lease_name"],
            namespace=lease["lease_namespace"] or namespace or DEFAULT_NAMESPACE,
            lease_duration=lease["lease_duration"],
            renew_deadline=lease["lease_renew_deadline"],
            retry_period=lease["lease_retry_period"],
        )
    except SpecError as exc:
        raise click.UsageError(f"--{exc.path}: {exc.reason}") from None


__all__ = ["DEFAULT_NAMESPACE", "election_config", "lease_options"]
