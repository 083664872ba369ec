"""A limit on request bodies for every endpoint (ASGI middleware): a body declared or
found larger than the limit gets 413 before a handler sees it. The events endpoint has
its own, smaller limit (`--max-body-bytes`)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workflow_engine.server.errors import error_response

TOO_LARGE = (8, 413)


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"the body is larger than {self.limit} bytes"
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await error_response(TOO_LARGE, message)(scope, receive, send)
            return
        # Read the body here (the app would hold it in memory all the same), then
        # replay it: an over-size chunked body is refused before any handler runs.
        chunks: list[bytes] = []
        seen = 0
        more = scope["method"] not in ("GET", "HEAD", "DELETE") or bool(declared)
        while more:
            received = await receive()
            if received["type"] != "http.request":
                return  # the client went away
            chunks.append(received.get("body", b""))
            seen += len(chunks[-1])
            if seen > self.limit:
                await error_response(TOO_LARGE, message)(scope, receive, send)
                return
            more = received.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
