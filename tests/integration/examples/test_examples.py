"""Every file in examples/ runs end to end in embedded mode (real store, runtime, executor
and controller: see tests/integration/controller/conftest.py) and ends as it should.

The table below names each example with its expected phase and a check of its key
outputs; `test_every_example_has_a_test` makes a new example without an entry fail the
suite. The artifact examples are run (locally and against S3) by
tests/integration/artifacts/test_examples.py, whose table is counted here too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.artifacts.test_examples import CASES as ARTIFACT_CASES
from tests.integration.controller.conftest import REPO, Embedded, embedded, poll  # noqa: F401
from workflow_engine.runtime.process.isolation import describe_boundary

pytestmark = pytest.mark.integration
EXAMPLES = REPO / "examples"
Wf = dict[str, Any]


def nodes(wf: Wf) -> dict[str, Wf]:
    """Nodes by display name (the last one wins for repeated names)."""
    return {n["displayName"]: n for n in wf["status"]["nodes"].values()}


def result(wf: Wf, step: str) -> str:
    return str(nodes(wf)[step]["outputs"]["result"])


def started(node: Wf) -> str:
    return str(node["startedAt"])


def check_hello(wf: Wf, logs: str) -> None:
    assert "hello world" in logs


def check_parameters(wf: Wf, logs: str) -> None:
    [param] = nodes(wf)[wf["metadata"]["name"]]["outputs"]["parameters"]
    assert (param["name"], param["value"]) == ("said", "from the test")


def check_steps(wf: Wf, logs: str) -> None:
    by_name = nodes(wf)
    assert {by_name[s]["phase"] for s in ("hello1", "hello2a", "hello2b")} == {"Succeeded"}
    assert by_name["hello1"]["finishedAt"] <= started(by_name["hello2a"])
    assert all(f"hello{n}" in logs for n in ("1", "2a", "2b"))


def check_diamond(wf: Wf, logs: str) -> None:
    by_name = nodes(wf)
    assert by_name["A"]["finishedAt"] <= min(started(by_name["B"]), started(by_name["C"]))
    assert max(by_name["B"]["finishedAt"], by_name["C"]["finishedAt"]) <= started(by_name["D"])
    assert by_name["D"]["phase"] == "Succeeded"


def check_with_items(wf: Wf, logs: str) -> None:
    for line in ("debian:12", "alpine:3.19", "ubuntu:24.04"):
        assert line in logs


def check_with_param(wf: Wf, logs: str) -> None:
    assert result(wf, "generate") == "[1, 2, 3, 4]"
    assert result(wf, "total") == "30"  # 1 + 4 + 9 + 16, through the aggregated JSON list


def check_coinflip(wf: Wf, logs: str) -> None:
    flip = result(wf, "flip-coin")
    assert flip in {"heads", "tails"}
    other = "tails" if flip == "heads" else "heads"
    assert nodes(wf)[flip]["phase"] == "Succeeded"
    assert nodes(wf)[other]["phase"] == "Skipped"
    assert f"it was {flip}" in logs


def check_retry(wf: Wf, logs: str) -> None:
    retry = nodes(wf)[wf["metadata"]["name"]]
    assert retry["type"] == "Retry"
    attempts = [wf["status"]["nodes"][c] for c in retry["children"]]
    assert [a["phase"] for a in attempts] == ["Failed", "Failed", "Succeeded"]
    assert all(f"attempt {n}" in logs for n in range(3))


def check_exit_handler(wf: Wf, logs: str) -> None:
    by_name = nodes(wf)
    assert by_name[f"{wf['metadata']['name']}.onExit"]["phase"] == "Succeeded"
    assert by_name["cry"]["phase"] == "Succeeded"
    assert by_name["celebrate"]["phase"] == "Skipped"
    assert f"send e-mail: {wf['metadata']['name']} Failed" in logs


def check_output_parameters(wf: Wf, logs: str) -> None:
    [greeting] = wf["status"]["outputs"]["parameters"]
    assert (greeting["name"], greeting["value"]) == ("greeting", "hello world")
    assert result(wf, "consume-parameter") == "hello world"


def check_python_script(wf: Wf, logs: str) -> None:
    number = int(result(wf, "generate"))
    assert 1 <= number <= 100
    assert result(wf, "print") == f"result was: {number}"


def check_bash_script(wf: Wf, logs: str) -> None:
    number = result(wf, "generate")
    text = result(wf, "print")
    assert text.startswith(f"result was: {number}, and a random one: ")
    assert text.rsplit(" ", 1)[1].isdigit()  # busybox ash has $RANDOM


def check_parallelism(wf: Wf, logs: str) -> None:
    pods = [n for n in wf["status"]["nodes"].values() if n["type"] == "Pod"]
    assert len(pods) == 6 and {p["phase"] for p in pods} == {"Succeeded"}


def check_timeout(wf: Wf, logs: str) -> None:
    node = nodes(wf)[wf["metadata"]["name"]]
    assert node["phase"] == "Failed"
    assert "deadline" in node["message"].lower()
    # The deadline counts from the pod's start, so on a busy machine the pod may be
    # killed before its shell printed its line: the log holds that line or nothing.
    assert {line.split(": ", 1)[-1] for line in logs.splitlines()} <= {"going to sleep"}


def check_dag_depends(wf: Wf, logs: str) -> None:
    by_name = nodes(wf)
    assert by_name["test"]["phase"] == "Failed"
    assert by_name["cleanup"]["phase"] == "Succeeded"
    assert by_name["publish"]["phase"] == "Omitted"
    assert "cleaned up" in logs and "published" not in logs


def check_with_sequence(wf: Wf, logs: str) -> None:
    for n in range(1, 5):
        assert f"shard-{n:02d}" in logs


def check_global_parameters(wf: Wf, logs: str) -> None:
    assert f"deploying {wf['metadata']['name']} to staging" in logs


def check_template_ref(wf: Wf, logs: str) -> None:
    assert "hello templateRef" in logs


def check_argosay(wf: Wf, logs: str) -> None:
    assert "hello argo" in logs
    assert "read: written by argosay" in logs


def check_dag_target(wf: Wf, logs: str) -> None:
    by_name = nodes(wf)
    assert {n for n in by_name if n != wf["metadata"]["name"]} == {"A", "B", "D"}
    assert "task D" in logs and "task C" not in logs


def check_skipped_outputs(wf: Wf, logs: str) -> None:
    """Argo v4: a skipped task's outputs are its declared defaults, an argument naming
    one it never produced is dropped (the input default applies), `??` reads optionally
    (argoproj/argo-workflows#16223)."""
    by_name = nodes(wf)
    assert by_name["build"]["phase"] == "Skipped"
    assert result(wf, "with-output-default") == "latest-report"
    assert result(wf, "with-input-default") == "dev-report"
    assert result(wf, "with-coalesce") == "none-report"
    [param] = by_name[wf["metadata"]["name"]]["outputs"]["parameters"]
    assert param["value"] == "unbuilt"


def check_tty(wf: Wf, logs: str) -> None:
    """`tty: true`: the command's stdin, stdout and stderr are a terminal, as Argo's
    emissary gives it (workflow/executor/osspecific/command_unix.go, pty.Start); its
    output still reaches the log and `outputs.result`."""
    assert result(wf, "with-terminal") == "on a terminal"
    assert result(wf, "without-terminal") == "no terminal"
    assert "on a terminal" in logs and "no terminal" in logs


def check_expressions(wf: Wf, logs: str) -> None:
    """Printed as Argo prints an expression's value (Go's %v: docs/variables.md of
    argoproj/argo-workflows, expressions use expr-lang); RE2's leftmost-first `a|ab`."""
    printed = {
        "list": "[3 4]",
        "map": "map[a:[x y] b:1]",
        "date": "2024-02-29 12:00",
        "duration": "1h30m0s",
        "regex": "a",
        "today": "true",
    }
    for step, text in printed.items():
        assert f"{step}: {text}" in logs


Check = Callable[[Wf, str], None]
# example file -> (extra `wf submit` arguments, expected phase, check)
TABLE: dict[str, tuple[tuple[str, ...], str, Check]] = {
    "hello-world.yaml": ((), "Succeeded", check_hello),
    "parameters.yaml": (("-p", "message=from the test"), "Succeeded", check_parameters),
    "steps.yaml": ((), "Succeeded", check_steps),
    "dag-diamond.yaml": ((), "Succeeded", check_diamond),
    "loops-with-items.yaml": ((), "Succeeded", check_with_items),
    "loops-with-param.yaml": ((), "Succeeded", check_with_param),
    "coinflip.yaml": ((), "Succeeded", check_coinflip),
    "retry-backoff.yaml": ((), "Succeeded", check_retry),
    "exit-handler.yaml": ((), "Failed", check_exit_handler),
    "output-parameters.yaml": ((), "Succeeded", check_output_parameters),
    "scripts-python.yaml": ((), "Succeeded", check_python_script),
    "scripts-bash.yaml": ((), "Succeeded", check_bash_script),
    "parallelism-limit.yaml": ((), "Succeeded", check_parallelism),
    "timeout.yaml": ((), "Failed", check_timeout),
    "dag-depends.yaml": ((), "Failed", check_dag_depends),
    "with-sequence.yaml": ((), "Succeeded", check_with_sequence),
    "global-parameters.yaml": ((), "Succeeded", check_global_parameters),
    "argosay.yaml": ((), "Succeeded", check_argosay),
    "dag-target.yaml": (("-p", "target=D"), "Succeeded", check_dag_target),
    "skipped-outputs.yaml": ((), "Succeeded", check_skipped_outputs),
    "tty.yaml": ((), "Succeeded", check_tty),
    "expressions.yaml": ((), "Succeeded", check_expressions),
}
# Examples that need more than one `wf submit`: tested by their own functions below.
SCENARIOS = {
    "suspend-resume.yaml",
    "template-ref.yaml",
    "templates/greeting-template.yaml",
    "security-context.yaml",
    "cron-nightly.yaml",
    "secrets-and-configmaps.yaml",
}
# run by tests/integration/examples/test_synchronization.py
SCENARIOS |= {"synchronization-mutex.yaml", "synchronization-semaphore.yaml"}
SCENARIOS |= {"memoize.yaml"}  # tests/integration/examples/test_memoize.py
SCENARIOS |= {"http-template.yaml"}  # tests/integration/examples/test_http_template.py
SCENARIOS |= {"data-template.yaml"}  # tests/integration/examples/test_data_template.py
SCENARIOS |= {"metrics.yaml"}  # tests/integration/examples/test_metrics.py
SCENARIOS |= {"container-set.yaml"}  # tests/integration/examples/test_container_set.py
# run through `wf server` by tests/integration/server/test_events.py
SCENARIOS |= {"events/build-and-test.yaml", "events/push-binding.yaml"}
# run by tests/integration/controller/test_pod_gc.py and test_ttl.py
SCENARIOS |= {"pod-gc.yaml", "ttl-strategy.yaml"}
# run by tests/integration/examples/test_volumes.py
SCENARIOS |= {"volumes-claim-template.yaml", "volumes-existing-claim.yaml"}
# needs a cluster: tests/integration/controller/test_resources.py (without one) and
# tests/cluster/test_kube_resources.py
SCENARIOS |= {"resource-job.yaml"}
# The gitops WorkflowTemplates run against a git daemon in
# tests/integration/gitops/test_pipelines_embedded.py.
SCENARIOS |= {f"gitops/{n}.yaml" for n in ("promote-env", "verify-env", "rollback-env")}
SCENARIOS |= {"gitops/promotion-pipeline.yaml"}
# their steps run against the test cluster in tests/cluster/test_gitops_sync.py
SCENARIOS |= {"gitops/drift-cron.yaml", "gitops/sync-env.yaml"}
# the nightly CronWorkflow runs the whole pipeline in tests/cluster/test_gitops_pipeline.py
SCENARIOS |= {"gitops/nightly-promotion-cron.yaml"}


def test_every_example_has_a_test() -> None:
    on_disk = {str(p.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*.yaml")}
    artifact_examples = {case.values[0] for case in ARTIFACT_CASES}
    assert on_disk == set(TABLE) | SCENARIOS | artifact_examples


def submit(env: Embedded, path: Path | str, *args: str) -> Wf:
    run = env.wf("submit", str(path), "--wait", "-o", "json", *args)
    assert run.exit_code in (0, 1), run.output
    return json.loads(run.output)


def logs_of(env: Embedded, name: str) -> str:
    run = env.wf("logs", name)
    assert run.exit_code == 0, run.output
    return run.output


@pytest.mark.parametrize("example", sorted(TABLE))
def test_example(embedded: Embedded, example: str) -> None:  # noqa: F811
    args, phase, check = TABLE[example]
    wf = submit(embedded, EXAMPLES / example, *args)
    assert wf["status"]["phase"] == phase, json.dumps(wf["status"], indent=1)[:3000]
    check(wf, logs_of(embedded, wf["metadata"]["name"]))


def test_suspend_waits_for_resume_then_resumes_by_itself(embedded: Embedded) -> None:  # noqa: F811
    run = embedded.wf("submit", str(EXAMPLES / "suspend-resume.yaml"), "-o", "name")
    name = run.output.strip()

    def approve_phase() -> str:
        wf = json.loads(embedded.wf("get", name, "-o", "json").output)
        if not (wf.get("status") or {}).get("nodes"):
            return ""
        return str(nodes(wf).get("approve", {}).get("phase", ""))

    poll(lambda: approve_phase() == "Running", what="the approval step to suspend")
    assert json.loads(embedded.wf("get", name, "-o", "json").output)["status"]["phase"] == (
        "Running"
    )
    assert embedded.wf("resume", name).exit_code == 0
    assert embedded.wf("wait", name).exit_code == 0
    wf = json.loads(embedded.wf("get", name, "-o", "json").output)
    delay = nodes(wf)["delay"]
    assert delay["phase"] == "Succeeded"
    assert nodes(wf)["release"]["startedAt"] >= delay["finishedAt"]


def test_template_ref_and_submit_from_template(embedded: Embedded) -> None:  # noqa: F811
    template = EXAMPLES / "templates" / "greeting-template.yaml"
    assert embedded.wf("template", "create", str(template)).exit_code == 0
    wf = submit(embedded, EXAMPLES / "template-ref.yaml")
    assert wf["status"]["phase"] == "Succeeded"
    check_template_ref(wf, logs_of(embedded, wf["metadata"]["name"]))

    run = embedded.wf(
        "submit", "--from", "workflowtemplate/greeting-template", "-p", "name=you", "--wait"
    )
    assert run.exit_code == 0, run.output
    assert "hello you" in logs_of(embedded, "@latest")


def test_security_context_and_memory_limit(embedded: Embedded) -> None:  # noqa: F811
    """The pod boundary as the embedded controller builds it (probed the same way)."""
    boundary = describe_boundary("overlay")
    if not boundary.startswith("pid") or "limits by cgroup" not in boundary:
        pytest.skip(f"this kernel or set-up refuses part of the pod boundary: {boundary}")
    wf = submit(embedded, EXAMPLES / "security-context.yaml")
    by_name = nodes(wf)
    assert wf["status"]["phase"] == "Failed"
    assert by_name["as-user"]["outputs"]["result"] == "uid=1000 caps=0000000000000000"
    assert by_name["greedy"]["phase"] == "Failed"
    assert by_name["greedy"]["message"].startswith("OOMKilled (exit code 137)")
    if "user namespace" in boundary:
        assert by_name["isolated"]["outputs"]["result"] == "uid=0 host=100000"
    else:
        assert "hostUsers: false cannot be honoured" in by_name["isolated"]["message"]


def test_nightly_cron_workflow(embedded: Embedded) -> None:  # noqa: F811
    """Stored as a CronWorkflow, then run by hand; its schedule's own firing is tested
    on a stepped clock in tests/integration/controller/test_cron.py."""
    created = embedded.wf("cron", "create", str(EXAMPLES / "cron-nightly.yaml"))
    assert created.exit_code == 0, created.output
    assert "0 2 * * * (Europe/Paris)" in embedded.wf("cron", "list").output
    run = embedded.wf("submit", "--from", "cronwf/nightly-report", "--wait", "-o", "json")
    assert run.exit_code == 0, run.output
    wf = json.loads(run.output)
    assert wf["metadata"]["labels"]["purpose"] == "report"
    assert "nightly report: 42 rows" in logs_of(embedded, wf["metadata"]["name"])
    listed = embedded.wf("list", "--cron", "nightly-report", "-o", "name").output.split()
    assert listed == [wf["metadata"]["name"]]


def test_secrets_and_configmaps_reach_env_and_files(embedded: Embedded) -> None:  # noqa: F811
    example = EXAMPLES / "secrets-and-configmaps.yaml"
    config = ("configmap", "create", "app-config", "--from-literal", "greeting=hello")
    assert embedded.wf(*config, "--from-literal", "colour=blue").exit_code == 0
    secret = ("secret", "create", "app-secret", "--from-literal", "password=s3cret")
    assert embedded.wf(*secret).exit_code == 0
    wf = submit(embedded, example)
    assert wf["status"]["phase"] == "Succeeded", json.dumps(wf["status"], indent=1)[:3000]
    logs = logs_of(embedded, wf["metadata"]["name"])
    assert "greeting=hello colour=blue unset=[]" in logs
    assert "file says hello" in logs
    assert "password file matches" in logs
    assert "s3cret" not in logs

    assert embedded.wf("secret", "delete", "app-secret").exit_code == 0
    failed = submit(embedded, example)
    assert failed["status"]["phase"] == "Failed"
    [pod] = [n for n in failed["status"]["nodes"].values() if n["type"] == "Pod"]
    assert pod["phase"] in ("Failed", "Error")
    assert pod["message"] == 'CreateContainerConfigError: secret "app-secret" not found'
    assert "CreateContainerConfigError" in failed["status"]["message"]
