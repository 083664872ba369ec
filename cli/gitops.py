"""`wf gitops`: a config repository in git (init, app create, promote, mark-verified,
history, rollback) and promotion gates (verify). Thin: one function of
`workflow_engine.gitops` per command. The sync side (sync, diff, status, drift, canary)
joins this group from its own module.

The repository comes from `--repo` or $WF_GITOPS_REPO; who commits from `--author` or
$WF_GITOPS_AUTHOR (`Name <email>`). Exit codes: 0 done (or nothing to change),
1 a verification gate failed, 2 bad input or a refused change (nothing pushed).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import click
from rich.table import Table

from cli.gitops_sync import COMMANDS as SYNC_COMMANDS
from cli.output import show, show_data
from workflow_engine import gitops as lib
from workflow_engine.gitops import Changed, Identity, Remote

_REPO = click.option(
    "--repo", envvar="WF_GITOPS_REPO", required=True, help="the config repository's git URL"
)
_BRANCH = click.option("--main-branch", default="main", show_default=True, help="its branch")
_AUTHOR = click.option("--author", envvar="WF_GITOPS_AUTHOR", help="who commits, as 'Name <email>'")


def _remote(url: str, branch: str, author: str | None) -> Remote:
    return Remote(url, branch, _identity(author))


def _identity(author: str | None) -> Identity:
    if not author:
        return Identity()
    name, sep, rest = author.partition("<")
    if not sep or not rest.endswith(">") or not name.strip():
        raise click.UsageError(f"--author {author!r}: write 'Name <email>'")
    return Identity(name.strip(), rest[:-1].strip())


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _done(changed: Changed, what: str) -> None:
    if changed.pushed is None:
        show(f"nothing changed: {what} is already so")
        return
    pushed = changed.pushed
    rebased = " (rebased onto the moved remote)" if pushed.rebased else ""
    show(f"{pushed.commit[:10]} pushed to {pushed.branch}{rebased}: {pushed.message}")


@click.group()
def gitops() -> None:
    """GitOps: environments described in git (layout, promotion, release gates, rollback),
    synced to the cluster (sync, diff, status, drift, canary)."""


@gitops.command()
@click.argument("repo_url")
@click.option("--envs", default="dev,staging,prod", show_default=True, help="in promotion order")
@_BRANCH
@_AUTHOR
def init(repo_url: str, envs: str, main_branch: str, author: str | None) -> None:
    """Lay out the config repository REPO_URL (bootstrap/, apps/, pipelines/), push it."""
    changed = lib.init(_remote(repo_url, main_branch, author), _csv(envs))
    _done(changed, "the layout")


@gitops.group()
def app() -> None:
    """Applications of the config repository."""


@app.command("create")
@click.argument("name")
@click.option(
    "--app",
    "source",
    required=True,
    help="a manifest file or URL, a kustomization directory, or image:IMG:TAG",
)
@click.option("--env", "envs", help="environments to add it to (default: all), comma separated")
@click.option("--port", default=8080, show_default=True, help="container port for image:")
@click.option("-p", "--project", help="label every object of the app with this project")
@click.option(
    "--wait-timeout",
    help="then sync each environment to the cluster and wait this long (e.g. 2m) for health",
)
@_REPO
@_BRANCH
@_AUTHOR
@click.pass_context
def create(
    ctx: click.Context,
    name: str,
    source: str,
    envs: str | None,
    port: int,
    project: str | None,
    wait_timeout: str | None,
    repo: str,
    main_branch: str,
    author: str | None,
) -> None:
    """Add application NAME to the config repository, with an overlay per environment;
    with --wait-timeout, sync those environments and return once they are healthy
    (exit 1 listing what is not, when the time passes)."""
    seconds = None
    if wait_timeout is not None:
        seconds = lib.parse_duration(wait_timeout, "--wait-timeout").total_seconds()
    request = lib.AppRequest(name, source, tuple(_csv(envs)), port, project)
    created = lib.create_app(_remote(repo, main_branch, author), request)
    _done(created.changed, f"app {name}")
    if seconds is not None:
        _sync_and_wait(ctx, repo, main_branch, created.envs, seconds)


def _sync_and_wait(
    ctx: click.Context, repo: str, branch: str, envs: list[str], seconds: float
) -> None:
    """`wf gitops sync ENV` of each environment, at the commit just pushed."""
    from cli.gitops_sync import kube_of
    from workflow_engine.gitops import apply
    from workflow_engine.gitops.source import checkout

    kubeconfig, context = kube_of(ctx)
    with checkout(repo, None, branch) as (root, revision):
        for env in envs:
            try:
                apply.sync_directory(
                    root,
                    env,
                    revision=revision,
                    kubeconfig=kubeconfig,
                    context=context,
                    namespace=ctx.find_root().params.get("namespace"),
                    timeout=seconds,
                )
            except apply.SyncFailed as exc:
                click.echo(f"error: {env}: {exc}", err=True)
                ctx.exit(1)
            show(f"{env}: synced at {revision[:10]}, healthy")


@gitops.command()
@click.argument("app_name")
@click.option("--to", "to", required=True, help="the environment to promote into")
@click.option("--from", "from_env", help="promote the release this environment runs")
@click.option("--image", "images", multiple=True, help="IMG:TAG or IMG@DIGEST (repeatable)")
@click.option("--release", help="the release's name (new with --image, else an existing one)")
@click.option("--set", "values", multiple=True, help="[FILE:]YAML.PATH=VALUE in the overlay")
@click.option("--branch", help="push to this branch for review instead of the main branch")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text")
@_REPO
@_BRANCH
@_AUTHOR
def promote(
    app_name: str,
    to: str,
    from_env: str | None,
    images: tuple[str, ...],
    release: str | None,
    values: tuple[str, ...],
    branch: str | None,
    output: str,
    repo: str,
    main_branch: str,
    author: str | None,
) -> None:
    """Promote a release or values of APP_NAME into an environment (one commit, pushed)."""
    request = lib.PromoteRequest(
        app_name,
        to,
        from_env,
        tuple(lib.ImageRef.parse(i) for i in images),
        release,
        tuple(lib.SetValue.parse(v) for v in values),
        branch,
    )
    done = lib.promote(_remote(repo, main_branch, author), request, datetime.now(UTC))
    if output == "json":
        show_data(
            {
                "app": done.app,
                "env": done.env,
                "release": done.release,
                "changes": done.changes,
                "commit": done.commit,
            },
            "json",
        )
        return
    if done.changed is not None:
        _done(done.changed, f"{app_name} in {to}")


@gitops.command("mark-verified")
@click.argument("app_name")
@click.option("--env", required=True, help="the environment the verification ran in")
@click.option("--failed", is_flag=True, help="record a failed verification")
@click.option("--release", help="the release (default: what the environment runs)")
@click.option("--detail", default="", help="a line saying what was checked")
@_REPO
@_BRANCH
@_AUTHOR
def mark_verified(
    app_name: str,
    env: str,
    failed: bool,
    release: str | None,
    detail: str,
    repo: str,
    main_branch: str,
    author: str | None,
) -> None:
    """Record the verification outcome of the release ENV runs (the next stage's gate)."""
    marked = lib.mark_verified(
        _remote(repo, main_branch, author),
        app_name,
        env,
        not failed,
        datetime.now(UTC),
        release,
        detail,
    )
    _done(marked.changed, f"the verification of {marked.release} in {env}")


@gitops.command()
@click.argument("app_name")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table")
@_REPO
@_BRANCH
def history(app_name: str, output: str, repo: str, main_branch: str) -> None:
    """Every promotion, verification and rollback of APP_NAME, newest first."""
    entries = lib.app_history(_remote(repo, main_branch, None), app_name)
    if output == "json":
        show_data([e.to_dict() for e in entries], "json")
    elif not entries:
        show(f"No promotions of {app_name}")
    else:
        show(history_table(entries))


def history_table(entries: list[lib.Entry]) -> Table:
    table = Table(box=None, pad_edge=False)
    for column in ("WHEN", "ACTION", "ENV", "RELEASE", "OUTCOME", "WHO", "COMMIT", "CHANGE"):
        table.add_column(column, overflow="fold")
    for e in entries:
        table.add_row(e.when, e.action, e.env, e.release, e.outcome, e.who, e.commit[:10], e.change)
    return table


@gitops.group()
def release() -> None:
    """Release records (immutable bundles of images and the config commit)."""


@release.command("list")
@click.argument("app_name")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table")
@_REPO
@_BRANCH
def release_list(app_name: str, output: str, repo: str, main_branch: str) -> None:
    """The releases of APP_NAME, newest first: images, where they run, verifications."""
    found = lib.release_statuses(_remote(repo, main_branch, None), app_name)
    if output == "json":
        show_data([s.to_dict() for s in found], "json")
    elif not found:
        show(f"No releases of {app_name}")
    else:
        show(release_table(found))


def release_table(found: list[lib.ReleaseStatus]) -> Table:
    table = Table(box=None, pad_edge=False)
    for column in ("NAME", "CREATED", "IMAGES", "RUNNING IN", "VERIFIED", "CONFIG COMMIT"):
        table.add_column(column, overflow="fold")
    for s in found:
        r = s.release
        verified = ", ".join(f"{e} {'passed' if ok else 'failed'}" for e, ok in s.verified.items())
        table.add_row(
            r.name,
            r.created_at,
            ", ".join(map(str, r.images)),
            ", ".join(s.running_in) or "-",
            verified or "-",
            (r.config_commit or "")[:10],
        )
    return table


@gitops.command()
@click.argument("env")
@click.option("--app", "app_name", required=True, help="the application")
@_REPO
@_BRANCH
@_AUTHOR
def rollback(env: str, app_name: str, repo: str, main_branch: str, author: str | None) -> None:
    """Revert the last promotion of --app into ENV (a revert commit, pushed)."""
    done = lib.rollback(_remote(repo, main_branch, author), app_name, env)
    _done(done.changed, f"{app_name} in {env}")


@gitops.command()
@click.option("--http", "urls", multiple=True, help="a URL to GET (repeatable)")
@click.option("--status", default=200, show_default=True, help="the expected HTTP status")
@click.option("--body", help="a regular expression the body must match")
@click.option("--tries", default=1, show_default=True, help="tries per URL")
@click.option("--window", default="0s", show_default=True, help="spread the tries over this time")
@click.option(
    "--success-ratio", default=1.0, show_default=True, help="share of tries that must pass"
)
@click.option("--timeout", default="10s", show_default=True, help="per request")
@click.option("--prometheus", help="a Prometheus-compatible server's base URL")
@click.option("--query", "queries", multiple=True, help="'QUERY OP NUMBER' (repeatable)")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text")
def verify(
    urls: tuple[str, ...],
    status: int,
    body: str | None,
    tries: int,
    window: str,
    success_ratio: float,
    timeout: str,
    prometheus: str | None,
    queries: tuple[str, ...],
    output: str,
) -> None:
    """Promotion gate: HTTP checks and Prometheus thresholds. Exit 1 when one fails."""
    window_s = lib.parse_duration(window, "--window").total_seconds()
    timeout_s = lib.parse_duration(timeout, "--timeout").total_seconds()
    if queries and not prometheus:
        raise click.UsageError("--query needs --prometheus URL")
    checks: list[lib.HttpCheck | lib.PromCheck] = [
        lib.HttpCheck(u, status, body, tries, window_s, success_ratio, timeout_s) for u in urls
    ]
    checks += [lib.PromCheck.parse(prometheus or "", q) for q in queries]
    report = lib.run_checks(checks, time.sleep)
    if output == "json":
        show_data(
            {"passed": report.passed, "checks": [r.to_dict() for r in report.results]}, "json"
        )
    else:
        for r in report.results:
            show(f"{'PASS' if r.passed else 'FAIL'}  {r.name}: {r.detail}")
    if not report.passed:
        failed = sum(not r.passed for r in report.results)
        raise lib.GateFailed(f"verification failed: {failed} of {len(report.results)} checks")


for _command in SYNC_COMMANDS:
    gitops.add_command(_command)
