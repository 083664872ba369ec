"""`wf install` (CRDs, RBAC and the controller onto a cluster) and `wf convert`
(manifests between Argo's API group and ours). Thin: the objects come from
`workflow_engine.spec.install`, the apply from the Kubernetes store's client."""

from __future__ import annotations

import click

from cli.app import app_of
from cli.dumps import to_yaml
from cli.output import show
from cli.workflows import read_source
from workflow_engine.spec.convert import convert_documents
from workflow_engine.spec.crds import ARGO_GROUP
from workflow_engine.spec.install import install_objects
from workflow_engine.spec.objects import API_GROUP
from workflow_engine.store.kubernetes import KubernetesOptions

MODES = {"side-by-side": API_GROUP, "replace": ARGO_GROUP}


@click.command()
@click.option(
    "--mode",
    type=click.Choice(list(MODES)),
    default="side-by-side",
    show_default=True,
    help=f"side-by-side: CRDs in {API_GROUP} (Argo may run too); replace: in {ARGO_GROUP}",
)
@click.option("--print", "print_", is_flag=True, help="print the manifests instead of applying")
@click.option("--without-controller", is_flag=True, help="leave out the controller Deployment")
@click.option("--kubeconfig", help="the cluster (default: wf's --kubeconfig, $KUBECONFIG)")
@click.option("--context", help="the kubeconfig context")
@click.pass_context
def install(
    ctx: click.Context,
    mode: str,
    print_: bool,
    without_controller: bool,
    kubeconfig: str | None,
    context: str | None,
) -> None:
    """Install the CRDs, RBAC and the controller (what `kubectl apply -k crds/` does)."""
    objects = install_objects(MODES[mode], controller=not without_controller)
    if print_:
        click.echo("---\n".join(to_yaml(o) for o in objects), nl=False)
        return
    from workflow_engine.store.kubernetes.apply import apply_objects  # slow import: on use

    known = app_of(ctx).kubernetes or KubernetesOptions()
    options = KubernetesOptions(
        kubeconfig=kubeconfig or known.kubeconfig,
        context=context or known.context,
        qps=known.qps,
        burst=known.burst,
    )
    for applied in apply_objects(options, objects):
        show(f"{applied} applied")


@click.command()
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--to",
    "group",
    type=click.Choice([API_GROUP, ARGO_GROUP]),
    default=API_GROUP,
    show_default=True,
    help="the API group to write",
)
def convert(files: tuple[str, ...], group: str) -> None:
    """Print FILES (or - for stdin) with our kinds moved to another API group:
    `wf convert workflow.yaml | kubectl apply -f -` on a side-by-side install."""
    out = []
    for path in files:
        text, source = read_source(path)
        out.append(convert_documents(text, group, source))
    click.echo("---\n".join(out), nl=False)
