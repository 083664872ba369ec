"""The Kubernetes store's one door to the API server: JSON over the official client.

Under `store.py` and `watch.py`. Uses the `kubernetes` package for what it is good
at (kubeconfig and in-cluster credentials, TLS, connection pooling) and sends plain
JSON, so objects stay dicts end to end. Every request passes a client-side rate
limiter (QPS with a burst, as client-go has) and every error answer is mapped to
our taxonomy here (`errors.py`).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import urllib3
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from workflow_engine.errors import PermanentError, TransientError
from workflow_engine.store.kubernetes.errors import error_for, parse_status
from workflow_engine.store.kubernetes.options import KubernetesOptions

Query = Sequence[tuple[str, str]]

JSON = "application/json"
APPLY_PATCH = "application/apply-patch+yaml"  # server-side apply (JSON is YAML)
_RETRY_AFTER_ATTEMPTS = 6
_RETRY_AFTER_MAX = 5.0


def _retry_after(response: urllib3.HTTPResponse) -> float | None:
    """Seconds the server asked us to wait before retrying, if it asked."""
    header = response.headers.get("Retry-After")
    if response.status != 429 and not (response.status >= 500 and header):
        return None
    try:
        return min(max(float(header or 1), 0.1), _RETRY_AFTER_MAX)
    except ValueError:
        return 1.0


class RateLimiter:
    """A token bucket: `burst` requests at once, then `qps` per second."""

    def __init__(
        self,
        qps: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if qps <= 0 or burst < 1:
            raise ValueError("qps must be positive and burst at least 1")
        self._qps = qps
        self._burst = float(burst)
        self._tokens = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, waiting for it if the bucket is empty; returns the wait."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._burst, self._tokens + (now - self._last) * self._qps)
            self._last = now
            self._tokens -= 1.0
            wait = -self._tokens / self._qps if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait


def api_client(options: KubernetesOptions) -> k8s.ApiClient:
    configuration = k8s.Configuration()
    try:
        if options.kubeconfig is None and _in_cluster():
            k8s_config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
        else:
            k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=options.kubeconfig,
                context=options.context,
                client_configuration=configuration,
                persist_config=False,
            )
    except (k8s_config.ConfigException, OSError) as err:
        raise PermanentError(f"cannot load Kubernetes credentials: {err}") from err
    # Enough pooled connections for the controller's workers and watches at once.
    configuration.connection_pool_maxsize = 32
    # The library retries reads itself by default; we retry in exactly one layer.
    configuration.retries = False
    return k8s.ApiClient(configuration)


def _in_cluster() -> bool:
    try:
        k8s_config.load_incluster_config(client_configuration=k8s.Configuration())  # type: ignore[no-untyped-call]
    except k8s_config.ConfigException:
        return False
    return True


class Http:
    """JSON requests with rate limiting and error mapping."""

    def __init__(self, client: k8s.ApiClient, options: KubernetesOptions) -> None:
        self._client = client
        self._limiter = RateLimiter(options.qps, options.burst)
        self._timeout = options.request_timeout

    def call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        query: Query = (),
        body: Mapping[str, Any] | None = None,
        content_type: str = JSON,
    ) -> dict[str, Any]:
        response = self.open(
            method,
            path,
            what,
            query=query,
            body=body,
            timeout=self._timeout,
            content_type=content_type,
        )
        try:
            data = response.data
        finally:
            response.release_conn()
        result = json.loads(data) if data else {}
        return result if isinstance(result, dict) else {}

    def open(
        self,
        method: str,
        path: str,
        what: str,
        *,
        query: Query = (),
        body: Mapping[str, Any] | None = None,
        timeout: float | tuple[float, float] | None = None,
        content_type: str = JSON,
    ) -> urllib3.HTTPResponse:
        """The raw answer (a stream for watches); error answers raise mapped errors."""
        for attempt in range(_RETRY_AFTER_ATTEMPTS):
            raw = self._send(method, path, what, query, body, timeout, content_type)
            if 200 <= raw.status < 300:
                return raw
            delay = _retry_after(raw)
            try:
                status = parse_status(raw.data)
            finally:
                raw.release_conn()
            if delay is None or attempt == _RETRY_AFTER_ATTEMPTS - 1:
                break
            # As client-go does: the server asked us to come back (429, or a 5xx with
            # Retry-After, e.g. a cache still initialising); the request was not acted on.
            time.sleep(delay)
        raise error_for(raw.status, status, what)

    def _send(
        self,
        method: str,
        path: str,
        what: str,
        query: Query,
        body: Mapping[str, Any] | None,
        timeout: float | tuple[float, float] | None,
        content_type: str,
    ) -> urllib3.HTTPResponse:
        headers = {"Accept": JSON, "Content-Type": content_type}
        self._limiter.acquire()
        request = self._client.param_serialize(
            method,
            path,
            query_params=list(query) or None,
            header_params=headers,
            auth_settings=["BearerToken"],
        )
        method_, url, headers_, _, _ = request
        try:
            # The REST layer serialises a JSON body itself; other types go as text.
            payload = body if content_type == JSON or body is None else json.dumps(body)
            answer = self._client.call_api(
                method_, url, headers_, payload, None, _request_timeout=timeout
            )
        except (urllib3.exceptions.HTTPError, OSError) as err:
            raise TransientError(f"{what}: cannot reach the API server: {err}") from err
        except k8s.ApiException as err:
            raise TransientError(f"{what}: {err.reason}") from err
        raw: urllib3.HTTPResponse = answer.response
        return raw

    @property
    def api_client(self) -> k8s.ApiClient:
        return self._client

    def close(self) -> None:
        self._client.close()  # type: ignore[no-untyped-call]
