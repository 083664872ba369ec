"""Workflows built with Hera (unchanged, as a user would write them), each with the
phase Argo gives it and a check of what it produced. `test_hera_workflows.py` renders
them to YAML with Hera and runs them through `wf submit --wait`."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hera.workflows import (
    DAG,
    Artifact,
    Container,
    Parameter,
    RetryStrategy,
    Steps,
    Suspend,
    Workflow,
    script,
)
from hera.workflows.models import ContinueOn, LifecycleHook, ValueFrom

Wf = dict[str, Any]


@dataclass(frozen=True)
class Case:
    workflow: Workflow
    phase: str
    check: Callable[[Wf], None]


def nodes(wf: Wf) -> dict[str, Wf]:
    return {n["displayName"]: n for n in wf["status"]["nodes"].values()}


def result(wf: Wf, name: str) -> str:
    return str(nodes(wf)[name]["outputs"]["result"])


def phase(wf: Wf, name: str) -> str:
    return str(nodes(wf)[name]["phase"])


@script(image="python:3.11")
def add(a: int, b: int) -> None:
    print(a + b)


@script(image="python:3.11")
def square(n: int) -> None:
    print(n * n)


@script(image="python:3.11")
def numbers(count: int) -> None:
    import json

    print(json.dumps(list(range(1, count + 1))))


@script(image="python:3.11")
def total(values: list) -> None:  # Hera's script loads a JSON parameter as JSON
    print(sum(int(v) for v in values))


@script(image="python:3.11")
def flip(side: str) -> None:
    print(side)


@script(image="python:3.11")
def say(message: str) -> None:
    print(message)


@script(image="python:3.11")
def fail(code: int) -> None:
    raise SystemExit(code)


@script(image="python:3.11", outputs=Artifact(name="report", path="/tmp/report.txt"))
def write_report(words: str) -> None:
    with open("/tmp/report.txt", "w") as out:
        out.write(words.upper())


@script(
    image="python:3.11",
    outputs=Parameter(name="version", value_from=ValueFrom(path="/tmp/version")),
)
def versioned(version: str) -> None:
    with open("/tmp/version", "w") as out:
        out.write(f"v{version}")


def hello() -> Case:
    with Workflow(generate_name="hera-hello-", entrypoint="hello") as w:
        Container(name="hello", image="busybox", command=["echo", "hello hera"])
    return Case(w, "Succeeded", lambda wf: None)


def script_parameters() -> Case:
    with Workflow(generate_name="hera-script-", entrypoint="main") as w, Steps(name="main"):
        add(name="sum", arguments={"a": 2, "b": 40})
    return Case(w, "Succeeded", lambda wf: _eq(result(wf, "sum"), "42"))


def dag_chain() -> Case:
    with Workflow(generate_name="hera-dag-", entrypoint="main") as w, DAG(name="main"):
        a = add(name="a", arguments={"a": 1, "b": 2})
        b = add(name="b", arguments={"a": a.result, "b": 10})
        c = add(name="c", arguments={"a": a.result, "b": 20})
        d = add(name="d", arguments={"a": b.result, "b": c.result})
        a >> [b, c] >> d
    return Case(w, "Succeeded", lambda wf: _eq(result(wf, "d"), "36"))


def loop_items() -> Case:
    with Workflow(generate_name="hera-items-", entrypoint="main") as w, DAG(name="main"):
        square(name="sq", with_items=[1, 2, 3, 4], arguments={"n": "{{item}}"})

    def check(wf: Wf) -> None:
        got = sorted(
            n["outputs"]["result"] for n in wf["status"]["nodes"].values() if n["type"] == "Pod"
        )
        _eq(got, ["1", "16", "4", "9"])

    return Case(w, "Succeeded", check)


def loop_param() -> Case:
    with Workflow(generate_name="hera-param-", entrypoint="main") as w, DAG(name="main"):
        made = numbers(name="made", arguments={"count": 4})
        fan = square(name="fan", with_param=made.result, arguments={"n": "{{item}}"})
        summed = total(name="summed", arguments={"values": "{{tasks.fan.outputs.result}}"})
        made >> fan >> summed
    return Case(w, "Succeeded", lambda wf: _eq(result(wf, "summed"), "30"))


def loop_sequence() -> Case:
    with Workflow(generate_name="hera-seq-", entrypoint="main") as w, Steps(name="main"):
        say(
            name="count",
            with_sequence={"count": "3", "start": "5"},  # type: ignore[arg-type]
            arguments={"message": "n{{item}}"},
        )

    def check(wf: Wf) -> None:
        got = sorted(
            n["outputs"]["result"] for n in wf["status"]["nodes"].values() if n["type"] == "Pod"
        )
        _eq(got, ["n5", "n6", "n7"])

    return Case(w, "Succeeded", check)


def conditions() -> Case:
    with (
        Workflow(
            generate_name="hera-when-",
            entrypoint="main",
            arguments=Parameter(name="side", value="heads"),
        ) as w,
        Steps(name="main") as steps,
    ):
        coin = flip(name="coin", arguments={"side": "{{workflow.parameters.side}}"})
        with steps.parallel():
            say(name="heads", arguments={"message": "H"}, when=f"{coin.result} == heads")
            say(name="tails", arguments={"message": "T"}, when=f"{coin.result} == tails")

    def check(wf: Wf) -> None:
        _eq((phase(wf, "heads"), phase(wf, "tails")), ("Succeeded", "Skipped"))

    return Case(w, "Succeeded", check)


def artifacts() -> Case:
    with Workflow(generate_name="hera-art-", entrypoint="main") as w:
        read = Container(
            name="read",
            image="busybox",
            command=["cat", "/tmp/in.txt"],
            inputs=Artifact(name="report", path="/tmp/in.txt"),
        )
        with DAG(name="main"):
            made = write_report(name="made", arguments={"words": "moved by artifact"})
            used = read(name="used", arguments=made.get_artifact("report"))
            made >> used
    return Case(w, "Succeeded", lambda wf: _eq(result(wf, "used"), "MOVED BY ARTIFACT"))


def output_parameters() -> Case:
    with Workflow(generate_name="hera-out-", entrypoint="main") as w, DAG(name="main"):
        v = versioned(name="v", arguments={"version": "1.2"})
        shown = say(name="shown", arguments={"message": v.get_parameter("version")})
        v >> shown
    return Case(w, "Succeeded", lambda wf: _eq(result(wf, "shown"), "v1.2"))


def exit_handler() -> Case:
    with Workflow(generate_name="hera-exit-", entrypoint="main", on_exit="report") as w:
        with Steps(name="report"):
            say(name="tell", arguments={"message": "workflow {{workflow.status}}"})
        with Steps(name="main"):
            fail(name="broken", arguments={"code": 3})
    return Case(w, "Failed", lambda wf: _eq(result(wf, "tell"), "workflow Failed"))


def exit_hook() -> Case:
    with Workflow(generate_name="hera-hook-", entrypoint="main") as w:
        Container(name="cleanup", image="busybox", command=["echo", "cleaned"])
        with DAG(name="main"):
            say(
                name="work",
                arguments={"message": "working"},
                hooks={"exit": LifecycleHook(template="cleanup")},
            )

    def check(wf: Wf) -> None:
        hooks = [n for n in wf["status"]["nodes"].values() if n["name"].endswith(".onExit")]
        _eq([n["outputs"]["result"] for n in hooks], ["cleaned"])

    return Case(w, "Succeeded", check)


def retries() -> Case:
    with Workflow(generate_name="hera-retry-", entrypoint="main") as w:
        flaky = Container(
            name="flaky",
            image="busybox",
            command=["sh", "-c", "test {{retries}} -ge 2"],
            retry_strategy=RetryStrategy(limit="3"),
        )
        with Steps(name="main"):
            flaky(name="try")

    def check(wf: Wf) -> None:
        pods = [n for n in wf["status"]["nodes"].values() if n["type"] == "Pod"]
        _eq(sorted(n["phase"] for n in pods), ["Failed", "Failed", "Succeeded"])

    return Case(w, "Succeeded", check)


def continue_on_failure() -> Case:
    with Workflow(generate_name="hera-continue-", entrypoint="main") as w, Steps(name="main"):
        fail(name="allowed", arguments={"code": 1}, continue_on=ContinueOn(failed=True))
        say(name="after", arguments={"message": "went on"})
    return Case(w, "Succeeded", lambda wf: _eq(result(wf, "after"), "went on"))


def depends_on_failure() -> Case:
    with Workflow(generate_name="hera-depends-", entrypoint="main") as w, DAG(name="main"):
        broken = fail(name="broken", arguments={"code": 2})
        rescue = say(name="rescue", arguments={"message": "rescued"})
        never = say(name="never", arguments={"message": "no"})
        broken.on_failure(rescue)
        broken.on_success(never)

    def check(wf: Wf) -> None:
        _eq(result(wf, "rescue"), "rescued")
        _eq(phase(wf, "never"), "Omitted")

    return Case(w, "Failed", check)


def failing() -> Case:
    with Workflow(generate_name="hera-fail-", entrypoint="main") as w, DAG(name="main"):
        fail(name="exit-5", arguments={"code": 5})
    return Case(w, "Failed", lambda wf: _eq(nodes(wf)["exit-5"]["outputs"]["exitCode"], "5"))


def suspend_with_duration() -> Case:
    with Workflow(generate_name="hera-suspend-", entrypoint="main") as w:
        pause = Suspend(name="pause", duration=1)
        with Steps(name="main"):
            pause(name="wait")
            say(name="after", arguments={"message": "resumed"})
    return Case(w, "Succeeded", lambda wf: _eq(result(wf, "after"), "resumed"))


def parallelism_and_globals() -> Case:
    with (
        Workflow(
            generate_name="hera-global-",
            entrypoint="main",
            parallelism=2,
            arguments=[Parameter(name="greeting", value="hi"), Parameter(name="who", value="hera")],
        ) as w,
        DAG(name="main"),
    ):
        say(
            name="greet",
            with_items=["a", "b", "c"],
            arguments={"message": "{{workflow.parameters.greeting}} {{workflow.parameters.who}}"},
        )

    def check(wf: Wf) -> None:
        got = {n["outputs"]["result"] for n in wf["status"]["nodes"].values() if n["type"] == "Pod"}
        _eq(got, {"hi hera"})

    return Case(w, "Succeeded", check)


@script(
    image="python:3.11",
    outputs=Parameter(name="tag", value_from=ValueFrom(path="/tmp/tag", default="untagged")),
)
def tag() -> None:
    with open("/tmp/tag", "w") as out:
        out.write("built")


def skipped_output_default() -> Case:
    """Argo v4: a skipped task's output is its declared valueFrom.default."""
    with Workflow(generate_name="hera-skipped-", entrypoint="main") as w, DAG(name="main"):
        built = tag(name="built", when="1 == 2")
        say(
            name="shown",
            arguments={"message": built.get_parameter("tag")},
            depends="built.Skipped || built.Succeeded",
        )

    def check(wf: Wf) -> None:
        _eq((phase(wf, "built"), result(wf, "shown")), ("Skipped", "untagged"))

    return Case(w, "Succeeded", check)


def _eq(got: Any, expected: Any) -> None:
    assert got == expected, f"{got!r} != {expected!r}"


CASES: dict[str, Callable[[], Case]] = {
    f.__name__: f
    for f in (
        hello,
        script_parameters,
        dag_chain,
        loop_items,
        loop_param,
        loop_sequence,
        conditions,
        artifacts,
        output_parameters,
        exit_handler,
        exit_hook,
        retries,
        continue_on_failure,
        depends_on_failure,
        failing,
        suspend_with_duration,
        parallelism_and_globals,
        skipped_output_default,
    )
}
