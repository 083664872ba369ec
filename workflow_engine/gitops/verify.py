"""`wf gitops verify`: promotion gates. HTTP checks (expected status, a body regex, N tries
spread over a window, a success-ratio threshold) and Prometheus query thresholds (the
instant-query HTTP API of any Prometheus-compatible server: every sample must satisfy
the comparison, and no data fails).

Checks are values; `run_checks` takes the sleep function, so tests pass a window of 0
or their own sleep. An unreachable endpoint is a failed try, not bad input.
"""

from __future__ import annotations

import json
import math
import operator
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workflow_engine.gitops.errors import Refused

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_THRESHOLD = re.compile(r"^(?P<query>.+?)\s*(?P<op><=|>=|==|!=|<|>)\s*(?P<value>[-+.\deE]+)\s*$")


@dataclass(frozen=True)
class HttpCheck:
    url: str
    status: int = 200
    body: str | None = None  # a regular expression the body must match
    tries: int = 1
    window: float = 0.0  # seconds the tries are spread over
    ratio: float = 1.0  # the share of tries that must pass
    timeout: float = 10.0

    def check(self) -> None:
        if urllib.parse.urlsplit(self.url).scheme not in ("http", "https"):
            raise Refused("--http", f"{self.url!r} is not an http(s) URL")
        if not 100 <= self.status <= 599:
            raise Refused("--status", f"{self.status} is not an HTTP status")
        if self.tries < 1:
            raise Refused("--tries", "at least 1")
        if self.window < 0:
            raise Refused("--window", "must not be negative")
        if not 0 < self.ratio <= 1:
            raise Refused("--success-ratio", "a number in (0, 1]")
        if self.body is not None:
            try:
                re.compile(self.body)
            except re.error as exc:
                raise Refused(
                    "--body", f"{self.body!r} is not a regular expression: {exc}"
                ) from None


@dataclass(frozen=True)
class PromCheck:
    server: str
    query: str
    op: str
    threshold: float
    timeout: float = 10.0

    @classmethod
    def parse(cls, server: str, text: str) -> PromCheck:
        if urllib.parse.urlsplit(server).scheme not in ("http", "https"):
            raise Refused("--prometheus", f"{server!r} is not an http(s) URL")
        match = _THRESHOLD.match(text)
        if not match:
            raise Refused("--query", f"{text!r}: write QUERY OP NUMBER, e.g. 'error_rate < 0.05'")
        try:
            value = float(match["value"])
        except ValueError:
            raise Refused("--query", f"{match['value']!r} is not a number") from None
        return cls(server.rstrip("/"), match["query"], match["op"], value)

    def __str__(self) -> str:
        return f"{self.query} {self.op} {self.threshold:g}"


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.name, "passed": self.passed, "detail": self.detail}


@dataclass(frozen=True)
class Report:
    results: list[CheckResult]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)


Sleep = Callable[[float], None]


def run_checks(checks: list[HttpCheck | PromCheck], sleep: Sleep) -> Report:
    if not checks:
        raise Refused("--http", "give at least one check (--http URL or --prometheus with --query)")
    for check in checks:
        if isinstance(check, HttpCheck):
            check.check()
    return Report([run_http(c, sleep) if isinstance(c, HttpCheck) else run_prom(c) for c in checks])


def run_http(check: HttpCheck, sleep: Sleep) -> CheckResult:
    interval = check.window / (check.tries - 1) if check.tries > 1 else 0.0
    passed, last = 0, ""
    for i in range(check.tries):
        if i and interval:
            sleep(interval)
        ok, why = _one_try(check)
        passed += ok
        last = why or last
    needed = math.ceil(check.ratio * check.tries - 1e-9)
    detail = f"{passed}/{check.tries} tries passed (need {needed})"
    if passed < needed and last:
        detail += f"; last failure: {last}"
    return CheckResult(f"http {check.url}", passed >= needed, detail)


def _one_try(check: HttpCheck) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(check.url, timeout=check.timeout) as reply:
            status, body = reply.status, reply.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read().decode(errors="replace")
    except (urllib.error.URLError, OSError) as exc:
        return False, f"unreachable: {getattr(exc, 'reason', exc)}"
    if status != check.status:
        return False, f"status {status}, expected {check.status}"
    if check.body is not None and not re.search(check.body, body):
        return False, f"body does not match {check.body!r}"
    return True, ""


def run_prom(check: PromCheck) -> CheckResult:
    name = f"prometheus {check}"
    url = f"{check.server}/api/v1/query?" + urllib.parse.urlencode({"query": check.query})
    try:
        with urllib.request.urlopen(url, timeout=check.timeout) as reply:
            answer = json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return CheckResult(name, False, f"the server answered {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return CheckResult(name, False, f"query failed: {getattr(exc, 'reason', exc)}")
    try:
        values = _sample_values(answer)
    except (KeyError, TypeError, ValueError, IndexError):
        return CheckResult(name, False, "the server's answer is not a Prometheus query result")
    if not values:
        return CheckResult(name, False, "no data")
    compare = _OPS[check.op]
    bad = [v for v in values if not compare(v, check.threshold)]
    shown = ", ".join(f"{v:g}" for v in values[:5])
    return CheckResult(name, not bad, f"values {shown}" + (f"; {len(bad)} outside" if bad else ""))


def _sample_values(answer: dict[str, Any]) -> list[float]:
    if answer.get("status") != "success":
        raise ValueError(answer.get("error"))
    data = answer["data"]
    kind, result = data["resultType"], data["result"]
    if kind == "scalar":
        return [float(result[1])]
    if kind == "vector":
        return [float(sample["value"][1]) for sample in result]
    raise ValueError(kind)
