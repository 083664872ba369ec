"""A mutator of the examples for the hostile-input fuzz test (`test_fuzz.py`).

Seeded and deterministic: case N is always the same document, so a failure names its
seed and can be replayed with `mutant(N)`. Mutations work on the parsed tree (replace
a value by junk of another shape, drop a key, add a field, nest deeply, blow up a
string) or on the YAML text (cut, insert punctuation, duplicate a line, open a tag).
"""

from __future__ import annotations

import copy
import random
from functools import cache
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).parents[3]
JUNK: list[Any] = [
    None,
    [],
    {},
    "",
    0,
    -1,
    2**70,
    1e308,
    True,
    "{{",
    "}}",
    "{{=",
    "{{inputs.parameters.x}}",
    "{{=1 +}}",
    "{{workflow.parameters.message}}",
    "a" * 300,
    "((((a",
    "a &&",
    "!",
    "-1s",
    "*",
    ["x"],
    [None],
    [{}],
    {"name": None},
    {"": ""},
    {"a": [1, {"b": None}]},
    "\x00",
    "é" * 3,
]
FIELDS = [
    "name",
    "template",
    "templateRef",
    "arguments",
    "parameters",
    "artifacts",
    "depends",
    "dependencies",
    "when",
    "withItems",
    "withParam",
    "withSequence",
    "steps",
    "dag",
    "tasks",
    "inputs",
    "outputs",
    "container",
    "script",
    "resource",
    "suspend",
    "retryStrategy",
    "onExit",
    "entrypoint",
    "metadata",
    "spec",
    "value",
    "valueFrom",
    "expression",
    "parallelism",
    "activeDeadlineSeconds",
    "hooks",
    "synchronization",
    "memoize",
]
PUNCTUATION = [*"{}[]:,-&*!|>'\"#%@`?\n\t ", "{{", "}}", ": ", "\n- ", "&a ", "*a"]


@cache
def seeds() -> list[tuple[str, dict[str, Any]]]:
    """(file name, document) of every example document."""
    out = []
    for path in sorted([*REPO.glob("examples/*.yaml"), *REPO.glob("examples/templates/*.yaml")]):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict):
                out.append((path.name, doc))
    return out


def mutant(seed: int) -> str:
    """The YAML text of case `seed`."""
    rng = random.Random(seed)
    _, doc = rng.choice(seeds())
    tree: Any = copy.deepcopy(doc)
    deep = [True]  # one deep nesting per case: the YAML dumper itself recurses
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
        if rng.random() < 0.5:
            _mutate_string(rng, tree)  # keeps the shape: reaches the semantic checks
        else:
            tree = _mutate_tree(rng, tree, deep)
    text = yaml.dump(tree, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
    if rng.random() < 0.2:
        for _ in range(rng.randint(1, 3)):
            text = _mutate_text(rng, text)
    return text


_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
STRINGS = [s for s in JUNK if isinstance(s, str)]


def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(tree, dict):
        for key, value in tree.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            out += _paths(value, (*prefix, index))
    return out


def _get(tree: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        tree = tree[part]
    return tree


def _mutate_tree(rng: random.Random, tree: Any, deep: list[bool]) -> Any:
    path = rng.choice(_paths(tree))
    node = _get(tree, path)
    choice = rng.random()
    if isinstance(node, str) and choice < 0.5:
        new: Any = rng.choice([*STRINGS, node + rng.choice(STRINGS), rng.choice(FIELDS)])
    elif isinstance(node, list) and node and choice < 0.5:
        node.pop(rng.randrange(len(node))) if rng.random() < 0.5 else rng.shuffle(node)
        return tree
    elif choice < 0.45:
        new = copy.deepcopy(rng.choice(JUNK))
    elif choice < 0.6 and isinstance(node, dict):
        if node:
            node.pop(rng.choice(list(node)))
        return tree
    elif choice < 0.75 and isinstance(node, dict):
        node[rng.choice(FIELDS)] = copy.deepcopy(rng.choice([*JUNK, node]))
        return tree
    elif choice < 0.8 and deep[0]:
        deep[0] = False
        new = node
        for _ in range(rng.choice([5, 50, 120])):
            new = [new] if rng.random() < 0.5 else {"a": new}
    elif choice < 0.9 and isinstance(node, list) and node:
        node.append(copy.deepcopy(rng.choice(node)))
        return tree
    elif isinstance(node, str):
        new = node * rng.choice([2, 50, 2000]) if len(node) < 50 else node[: len(node) // 2]
    else:
        new = list(node.values()) if isinstance(node, dict) else {"x": node}
    if not path:
        return new
    _get(tree, path[:-1])[path[-1]] = new
    return tree


def _mutate_string(rng: random.Random, tree: Any) -> None:
    paths = [p for p in _paths(tree) if p and isinstance(_get(tree, p), str)]
    if not paths:
        return
    path = rng.choice(paths)
    old = _get(tree, path)
    other = _get(tree, rng.choice(paths))
    new = rng.choice(
        [
            rng.choice(STRINGS),
            other,
            old + "-" + other,
            old + rng.choice(STRINGS),
            "{{" + other + "}}",
            "{{=" + other + "}}",
            old[: len(old) // 2],
            old.upper(),
        ]
    )
    _get(tree, path[:-1])[path[-1]] = new


def _mutate_text(rng: random.Random, text: str) -> str:
    if not text:
        return rng.choice(PUNCTUATION)
    at = rng.randrange(len(text))
    choice = rng.random()
    if choice < 0.35:
        return text[:at] + rng.choice(PUNCTUATION) + text[at:]
    if choice < 0.6:
        return text[:at] + text[at + rng.randint(1, 20) :]
    lines = text.splitlines(keepends=True)
    line = rng.randrange(len(lines))
    if choice < 0.8:
        lines.insert(line, lines[line])
    else:
        lines[line] = " " * rng.randint(1, 4) + lines[line]
    return "".join(lines)
