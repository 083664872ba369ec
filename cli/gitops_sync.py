"""`wf gitops sync|diff|status|drift ENV` and `wf gitops canary`: the cluster side of
GitOps. Thin: each command checks out the config repository (`--repo URL` or
`--dir PATH`, at `--revision`), renders the environment and calls one function of
workflow_engine.gitops (canary works on two live Deployments, no repository).

Exit codes: 0 done (drift: none found, or healed); 1 unhealthy after `--timeout`,
drift found and not healed, diff with `--exit-code` finding differences, or a canary
aborted; 2 bad input (unknown environment, missing directory, bad manifest).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import click

from cli.app import app_of
from cli.output import show
from workflow_engine.engine.durations import BadDuration, parse_duration
from workflow_engine.gitops import apply, canary, drift, status
from workflow_engine.gitops.cluster import Cluster, connect
from workflow_engine.gitops.diff import format_diffs, summary
from workflow_engine.gitops.render import Rendered, load_environments, render
from workflow_engine.gitops.source import checkout


def _source(fn: Callable[..., Any], *, env_required: bool = True) -> Callable[..., Any]:
    for option in reversed(
        [
            click.argument("env", required=env_required),
            click.option(
                "--repo",
                envvar="WF_GITOPS_REPO",
                help="clone the config repository from this URL (default: $WF_GITOPS_REPO)",
            ),
            click.option(
                "--dir",
                "directory",
                type=click.Path(path_type=Path),
                help="use this checked-out config repository",
            ),
            click.option("--revision", help="the branch, tag or commit (default: HEAD)"),
            click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text"),
        ]
    ):
        fn = option(fn)
    return fn


def _checkout(
    ctx: click.Context, repo: str | None, directory: Path | None, revision: str | None
) -> AbstractContextManager[tuple[Path, str]]:
    """The work tree to read: --dir wins over a repository from $WF_GITOPS_REPO."""
    from_env = ctx.get_parameter_source("repo") == click.core.ParameterSource.ENVIRONMENT
    if directory is not None and from_env:
        repo = None
    return checkout(repo, directory, revision)


def _timeout(_ctx: click.Context, _param: click.Parameter, value: str) -> float:
    try:
        return parse_duration(value)
    except BadDuration as exc:
        raise click.BadParameter(str(exc)) from None


def kube_of(ctx: click.Context) -> tuple[str | None, str | None]:
    """--kubeconfig and --context (else $KUBECONFIG, as the backend read it)."""
    root = ctx.find_root()
    options = app_of(ctx).kubernetes
    kubeconfig = root.params.get("kubeconfig") or (options.kubeconfig if options else None)
    context = root.params.get("context") or (options.context if options else None)
    return kubeconfig, context


def _cluster(ctx: click.Context, rendered: Rendered) -> Cluster:
    """The cluster of --kubeconfig/--context (or $KUBECONFIG); the namespace from -n,
    else the environment's `namespace` in gitops.yaml, else $WF_NAMESPACE/default."""
    namespace = (
        ctx.find_root().params.get("namespace") or rendered.env.namespace or app_of(ctx).namespace
    )
    return connect(*kube_of(ctx), namespace)


def _emit(output: str, data: dict[str, Any], text: str) -> None:
    show(json.dumps(data, indent=2, sort_keys=True) if output == "json" else text)


@click.command("sync")
@_source
@click.option("--dry-run", is_flag=True, help="print the diff, change nothing")
@click.option("--timeout", default="2m", callback=_timeout, help="wait this long for health")
@click.option(
    "--create-namespace/--no-create-namespace",
    default=True,
    help="create missing namespaces the objects name (default: yes)",
)
@click.pass_context
def sync(
    ctx: click.Context,
    env: str,
    repo: str | None,
    directory: Path | None,
    revision: str | None,
    output: str,
    dry_run: bool,
    timeout: float,
    create_namespace: bool,
) -> None:
    """Apply environment ENV from git, prune what git no longer has, wait until healthy."""
    kubeconfig, context = kube_of(ctx)
    with _checkout(ctx, repo, directory, revision) as (root, rev):
        try:
            result = apply.sync_directory(
                root,
                env,
                revision=rev,
                kubeconfig=kubeconfig,
                context=context,
                namespace=ctx.find_root().params.get("namespace"),
                default_namespace=app_of(ctx).namespace,
                dry_run=dry_run,
                timeout=timeout,
                create_namespaces=create_namespace,
            )
        except apply.SyncFailed as exc:
            _emit(output, _sync_dict(exc.result), _sync_text(exc.result))
            click.echo(f"error: {env}: {exc}", err=True)
            ctx.exit(1)
    _emit(output, _sync_dict(result), _sync_text(result))


def _sync_dict(result: apply.SyncResult) -> dict[str, Any]:
    health = result.health
    return {
        "env": result.plan.rendered.env.name,
        "revision": result.plan.rendered.revision,
        "dryRun": result.dry_run,
        "diff": [d.to_dict() for d in result.plan.diffs if not d.in_sync],
        "applied": list(result.applied),
        "pruned": list(result.pruned),
        "healthy": None if health is None else health.healthy,
        "unhealthy": [
            {"object": k, "status": h.status, "reason": h.reason}
            for k, h in (health.unhealthy() if health else [])
        ],
    }


def _sync_text(result: apply.SyncResult) -> str:
    rendered = result.plan.rendered
    head = f"environment {rendered.env.name} at {rendered.revision}"
    diff = format_diffs(list(result.plan.diffs))
    if result.dry_run:
        return f"{head} (dry run)\n{diff}"
    lines = [head, diff]
    lines += [f"applied {key}" for key in result.applied]
    lines += [f"pruned {key}" for key in result.pruned]
    if result.health is not None:
        lines.append("healthy" if result.health.healthy else result.health.format())
    return "\n".join(lines)


@click.command("diff")
@_source
@click.option("--exit-code", is_flag=True, help="exit 1 when ENV differs from git")
@click.pass_context
def diff(
    ctx: click.Context,
    env: str,
    repo: str | None,
    directory: Path | None,
    revision: str | None,
    output: str,
    exit_code: bool,
) -> None:
    """Show how the live objects of ENV differ from git (added, changed, removed)."""
    with _checkout(ctx, repo, directory, revision) as (root, rev):
        rendered = render(root, env, rev)
        the_plan = apply.plan(_cluster(ctx, rendered), rendered)
    diffs = list(the_plan.diffs)
    data: dict[str, Any] = {"env": env, "revision": rev, "summary": summary(diffs)}
    data["objects"] = [d.to_dict() for d in diffs if not d.in_sync]
    _emit(output, data, format_diffs(diffs))
    if exit_code and not the_plan.in_sync:
        ctx.exit(1)


@click.command("status")
@functools.partial(_source, env_required=False)
@click.pass_context
def status_(
    ctx: click.Context,
    env: str | None,
    repo: str | None,
    directory: Path | None,
    revision: str | None,
    output: str,
) -> None:
    """Which revision ENV (default: every environment) runs, Synced/OutOfSync,
    Healthy/Progressing/Missing/Degraded."""
    found: list[status.EnvStatus] = []
    with _checkout(ctx, repo, directory, revision) as (root, rev):
        names = [env] if env else [e.name for e in load_environments(root)]
        for name in names:
            rendered = render(root, name, rev)
            found.append(status.env_status(_cluster(ctx, rendered), rendered))
    data: Any = found[0].to_dict() if env else [st.to_dict() for st in found]
    _emit(output, data, "\n\n".join(_status_text(st) for st in found))


def _status_text(st: status.EnvStatus) -> str:
    live = ", ".join(st.live_revisions) or "(nothing applied)"
    lines = [
        f"environment: {st.env} (namespace {st.namespace})",
        f"git revision: {st.desired_revision}",
        f"live revision: {live}",
        f"sync: {st.sync}",
        f"health: {st.health}",
    ]
    lines += [f"  {d.key}: {d.action}" for d in st.out_of_sync]
    lines += [f"  {k}: {s}: {r}" for k, s, r in st.unhealthy]
    return "\n".join(lines)


@click.command("drift")
@_source
@click.option("--webhook", help="POST a JSON summary here when ENV has drifted")
@click.option("--heal", is_flag=True, help="sync ENV again when it has drifted")
@click.option("--no-event", is_flag=True, help="do not record Kubernetes Events")
@click.option("--timeout", default="2m", callback=_timeout, help="health wait when healing")
@click.pass_context
def drift_(
    ctx: click.Context,
    env: str,
    repo: str | None,
    directory: Path | None,
    revision: str | None,
    output: str,
    webhook: str | None,
    heal: bool,
    no_event: bool,
    timeout: float,
) -> None:
    """Report how ENV diverges from git; alert (webhook, Events); heal with --heal.
    Exit 1 when drift is found and not healed."""
    if webhook is not None:
        drift.check_webhook(webhook)
    with _checkout(ctx, repo, directory, revision) as (root, rev):
        rendered = render(root, env, rev)
        cluster = _cluster(ctx, rendered)
        found = drift.detect(cluster, rendered)
        data = found.to_dict()
        if not found.drifted:
            _emit(output, data, f"{env}: in sync with {rev}")
            return
        data["events"] = [] if no_event else drift.record_events(cluster, found)
        if webhook:
            data["webhook"] = drift.post_webhook(webhook, found)
        healing = heal or rendered.env.self_heal
        if healing:
            result = apply.sync(cluster, rendered, waiting=apply.Waiting(timeout=timeout))
            data["healed"] = list(result.applied) + list(result.pruned)
    text = f"{env}: drifted from {rev}\n{format_diffs(list(found.diffs))}"
    _emit(output, data, text + ("\nhealed" if healing else ""))
    if not healing:
        ctx.exit(1)


@click.command("canary")
@click.argument("stable")
@click.option("--canary", "canary_name", required=True, help="the canary Deployment")
@click.option("--steps", default="20,50,100", help="percent of replicas on the canary per step")
@click.option("--verify-cmd", help="shell command run after each step (CANARY_WEIGHT is set)")
@click.option("--verify-url", help="GET this URL after each step; a 2xx answer passes")
@click.option("--verify-body", help="with --verify-url: the answer must contain this text")
@click.option("--timeout", default="2m", callback=_timeout, help="health wait per step")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def canary_(
    ctx: click.Context,
    stable: str,
    canary_name: str,
    steps: str,
    verify_cmd: str | None,
    verify_url: str | None,
    verify_body: str | None,
    timeout: float,
    output: str,
) -> None:
    """Shift STABLE's replicas to the --canary Deployment step by step, verifying after
    each; on failure put them all back on STABLE and exit 1."""
    if (verify_cmd is None) == (verify_url is None):
        raise click.UsageError("give one of --verify-cmd and --verify-url")
    weights = canary.parse_steps(steps)
    verify = (
        canary.command_check(verify_cmd)
        if verify_cmd is not None
        else canary.http_check(str(verify_url), verify_body)
    )
    cluster = connect(*kube_of(ctx), app_of(ctx).namespace)
    result = canary.run_canary(
        cluster, stable, canary_name, weights, verify, apply.Waiting(timeout=timeout)
    )
    lines = [
        f"{s.weight}%: stable {s.stable}, canary {s.canary}"
        + (f" - failed: {s.failure}" if s.failure else " - ok")
        for s in result.steps
    ]
    if result.aborted:
        lines.append(f"aborted {result.reason}; all replicas back on {stable}")
    _emit(output, result.to_dict(), "\n".join(lines))
    if result.aborted:
        ctx.exit(1)


COMMANDS = (sync, diff, status_, drift_, canary_)
