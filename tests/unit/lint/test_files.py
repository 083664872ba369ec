"""Lint over file sets: Argo's classic examples lint clean, broken files report every
error at once, each at its field path."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflow_engine.errors import SpecError
from workflow_engine.lint import lint_files, lint_files_warned, lint_warnings
from workflow_engine.spec.resolver import MappingResolver

DATA = Path(__file__).resolve().parents[2] / "data" / "lint"
GOOD = sorted((DATA / "good").glob("*.yaml"))
BAD = DATA / "bad"


@pytest.fixture(scope="module")
def good_results() -> dict[Path, list[SpecError]]:
    # An empty resolver makes templateRefs authoritative: every one must resolve in the set.
    return lint_files(GOOD, MappingResolver())


@pytest.mark.parametrize("path", GOOD, ids=[p.stem for p in GOOD])
def test_good_file_lints_clean(path: Path, good_results: dict[Path, list[SpecError]]) -> None:
    assert [str(e) for e in good_results[path]] == []


def test_template_ref_needs_the_template_file() -> None:
    alone = lint_files([DATA / "good" / "template-ref.yaml"], MappingResolver())
    reasons = [e.reason for e in alone[DATA / "good" / "template-ref.yaml"]]
    assert reasons == [
        'unknown WorkflowTemplate "workflow-template-print-message"',
        'unknown WorkflowTemplate "workflow-template-print-message"',
        'unknown WorkflowTemplate "workflow-template-print-message"',
    ]


STEPS = [
    ("metadata", "set name or generateName"),
    ("spec.entrypoint", 'unknown template "main-x"'),
    ("spec.templates[0].steps[0][0].template", 'unknown template "nope"'),
    ("spec.templates[0].steps[0][1].arguments.parameters[0].value", 'step "a" has not run yet'),
    ("spec.templates[0].steps[1][0].withParam", "reference or a JSON list"),
    ("spec.templates[0].steps[1][1].name", 'duplicate step name "a"'),
    (
        "spec.templates[0].steps[1][1].arguments.parameters[0].value",
        'unknown workflow parameter "missing"',
    ),
    ("spec.templates[0].steps[2][0]", "set only one of withItems, withSequence"),
    ("spec.templates[0].steps[2][0].withSequence", "set only one of count and end"),
    ("spec.templates[0].steps[2][1].name", 'name "e_bad" is invalid'),
    ("spec.templates[0].steps[2][1].arguments", 'missing parameter "message"'),
    ("spec.templates[0].steps[2][2].arguments.parameters[0].value", "unexpected end"),
    ("spec.templates[0].steps[2][2].arguments.parameters[0].value", "{{item}} is used outside"),
    ("spec.templates[1].container.command[2]", 'unknown input parameter "other"'),
    ("spec.templates[2].container.image", "required"),
    ("spec.templates[3]", "no template type"),
    ("spec.templates[4]", "several template types (container, script)"),
    ("spec.templates[5].name", 'duplicate template name "echo"'),
    ("spec.templates[6].steps[0][0].arguments.parameters[0].value", "{{item.name}} is used"),
]
DAG = [
    ("spec.templates[0].parallelism", "at least 1"),
    ("spec.templates[0].dag.tasks[5].name", 'duplicate task name "A"'),
    ("spec.templates[0].dag.tasks[1].depends", "unexpected end"),
    ("spec.templates[0].dag.tasks[2].continueOn", "not allowed with depends"),
    ("spec.templates[0].dag.tasks[2].depends", 'A.AnySucceeded needs task "A" to loop'),
    ("spec.templates[0].dag.tasks[2].depends", 'unknown task "Z"'),
    ("spec.templates[0].dag.tasks[3]", "dependency cycle: D -> E -> D"),
    (
        "spec.templates[0].dag.tasks[3].arguments.parameters[0].value",
        'task "A" is not a dependency',
    ),
    ("spec.templates[0].dag.target", 'unknown task "ghost"'),
    ("spec.templates[0].dag.tasks[4].when", "bad condition: unexpected end of condition"),
    ("spec.templates[1].dag.tasks[1].dependencies[1]", 'unknown task "three"'),
    (
        "spec.templates[1].dag.tasks[1].arguments.parameters[0].value",
        'unknown output parameter "nothing" of template "echo"',
    ),
    ("spec.templates[2].parallelism", "only valid for steps and dag templates"),
]
RETRY = [
    ("metadata.name", "not a valid DNS-1123 name"),
    ("spec.parallelism", "at least 1"),
    ("spec.podGC.strategy", 'unknown strategy "Sometimes"'),
    ("spec.onExit", 'unknown template "ghost"'),
    (
        "spec.templates[0].steps[0][1].hooks.failed.expression",
        'required for hooks other than "exit"',
    ),
    ("spec.templates[0].steps[0][1].hooks.exit.template", 'unknown template "missing"'),
    ("spec.templates[0].timeout", "not supported by steps templates"),
    ("spec.templates[0].activeDeadlineSeconds", "only valid for leaf templates"),
    ("spec.templates[1].timeout", '"30" needs a unit'),
    ("spec.templates[1].retryStrategy.retryPolicy", 'unknown retryPolicy "Sometimes"'),
    ("spec.templates[1].retryStrategy.limit", "must not be negative"),
    ("spec.templates[1].retryStrategy.backoff.duration", '"soon" is not a duration'),
    ("spec.templates[1].retryStrategy.backoff.maxDuration", '"1 minute" is not a duration'),
    ("spec.templates[1].retryStrategy.backoff.factor", "at least 1"),
    ("spec.templates[1].retryStrategy.expression", "bad expression: unexpected end"),
    ("spec.templates[2].suspend.duration", '"forever" is not a duration'),
    ("spec.templates[3].resource.manifest", "not valid YAML"),
    ("spec.templates[4].resource.manifestFrom.artifact", 'unknown input artifact "manifest"'),
]
MULTI = [
    ("[0].spec.templates[0].imagePullPolicy", "unknown field"),
    ("[0].metadata.name", "not a valid DNS-1123 name"),
    ("[0].spec.templates[1].steps[0][0].template", 'unknown template "greeter"'),
    ("[1].spec.templates[0].steps[0][0].arguments", 'missing parameter "who"'),
    (
        "[1].spec.templates[0].steps[1][0].templateRef.template",
        'WorkflowTemplate "Shared_Templates" has no template "nope"',
    ),
    ("[1].spec.templates[0].steps[2][0].templateRef.name", 'unknown WorkflowTemplate "ghost"'),
    ("[2].apiVersion", "unsupported apiVersion"),
    ("[3].metadata.name", "longer than 52 characters"),
    ("[3].spec.schedules", "set only one of schedule and schedules"),
    ("[3].spec.schedule", '"61 * * * *" is not a cron schedule'),
    ("[3].spec.schedules[0]", '"5" needs a unit'),
    ("[3].spec.timezone", 'unknown time zone "Mars/Olympus"'),
    ("[4].spec.arguments.parameters[1].name", 'name "bad name" is invalid'),
    ("[4].spec.arguments.parameters[0]", 'value "staging" is not one of the enum values'),
    ("[4].spec.arguments", 'missing parameter "required" required by entrypoint "main"'),
    ("[4].spec.templates[0].inputs.parameters[1]", 'value "loud" is not one of the enum'),
    ("[4].spec.templates[0].steps[0][0].arguments.parameters[1]", "set value or valueFrom"),
    ("[4].spec.templates[0].steps[0][0].arguments.artifacts[0]", "set from, fromExpression"),
    ("[4].spec.templates[0].steps[0][0].arguments", 'parameter "mode": value "fast"'),
    ("[4].spec.templates[0].steps[0][0].arguments", 'missing artifact "data"'),
    ("[4].spec.templates[1].outputs.parameters[0]", "set value or valueFrom"),
    ("[5].spec.arguments.artifacts[0]", "set from or an artifact location"),
]
YAML = [(str(BAD / "yaml-syntax.yaml") + ":8:1", "YAML syntax error")]
TABLE = {"steps": STEPS, "dag": DAG, "retry": RETRY, "multi": MULTI, "yaml-syntax": YAML}


@pytest.fixture(scope="module")
def bad_results() -> dict[Path, list[SpecError]]:
    return lint_files(sorted(BAD.glob("*.yaml")), MappingResolver())


@pytest.mark.parametrize("name", sorted(TABLE))
def test_bad_file_reports_every_error(name: str, bad_results: dict[Path, list[SpecError]]) -> None:
    actual = [(e.path, e.reason) for e in bad_results[BAD / f"{name}.yaml"]]
    unmatched = list(actual)
    missing = []
    for path, fragment in TABLE[name]:
        hit = next((a for a in unmatched if a[0] == path and fragment in a[1]), None)
        if hit is None:
            missing.append((path, fragment))
        else:
            unmatched.remove(hit)
    assert (missing, unmatched) == ([], [])


def test_table_covers_every_bad_file() -> None:
    assert sorted(TABLE) == sorted(p.stem for p in BAD.glob("*.yaml"))


def test_lint_files_warned_gives_lint_files_errors_and_lint_warnings_warnings() -> None:
    # `wf lint` parses each file once for both (it parsed twice before)
    cli_data = DATA.parents[0] / "cli"
    paths = [cli_data / "unhonoured.yaml", cli_data / "unknown-template.yaml", DATA / "nope.yaml"]
    errors, warnings = lint_files_warned(paths, MappingResolver())
    alone = lint_files(paths, MappingResolver())
    assert {p: list(map(str, e)) for p, e in errors.items()} == {
        p: list(map(str, e)) for p, e in alone.items()
    }
    assert errors[paths[1]] and errors[paths[2]]
    assert warnings[paths[0]]  # the file has fields accepted but not honoured
    for path in paths[:2]:
        assert list(map(str, warnings[path])) == list(
            map(str, lint_warnings(path.read_text(), str(path)))
        )
    assert warnings[paths[2]] == []  # unreadable: its error says so
