"""The outermost layer: request ids, version echo, the request log and injected faults.

It sits outside Starlette's error middleware so a dropped connection really sends nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx
from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._api import BUCKET_BY_ROUTE, error_response
from ._errors import injected
from ._faults import NO_FAULT, FaultAction
from ._model import DEFAULT_VERSION
from ._requestlog import RequestRecord
from ._simulator import Simulator


class ConnectionDropped(httpx.RemoteProtocolError):
    """Raised in place of a response. In-process transports (httpx's ASGITransport, Starlette's
    TestClient) surface it as httpx's own transport error; the uvicorn runner closes the
    socket instead."""


class FrontDoor:
    def __init__(self, app: ASGIApp, sim: Simulator, routes: Sequence[BaseRoute]) -> None:
        self._app = app
        self._sim = sim
        self._routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        sim = self._sim
        request_id = sim.new_request_id()
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["aurous_version"] = DEFAULT_VERSION
        control = scope["path"].startswith("/_sim")
        route = None if control else self._route_name(scope)
        action = sim.take_fault(route) if route is not None else NO_FAULT
        state["fault"] = action
        recorded = False

        def record(status: int | None, replayed: bool) -> None:
            nonlocal recorded
            if not control and not recorded:
                recorded = True
                self._record(scope, request_id, route, status, replayed, action)

        async def decorate(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Aurous-Request-Id"] = request_id
                headers.setdefault("Aurous-Version", state["aurous_version"])
                # Logged before the client can see the answer, so a test that got one
                # always finds it in the log.
                record(message["status"], headers.get("aurous-idempotent-replayed") == "true")
            if not action.drop_after:
                await send(message)

        try:
            if action.drop_before:
                raise ConnectionDropped("connection dropped by an injected fault")
            if action.status is not None:
                await self._injected(scope, route, action)(scope, receive, decorate)
            else:
                await self._app(scope, receive, decorate)
            if action.drop_after:
                raise ConnectionDropped("response dropped by an injected fault")
        finally:
            record(None, False)

    def _route_name(self, scope: Scope) -> str | None:
        for route in self._routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return getattr(route, "name", None)
        return None

    def _injected(self, scope: Scope, route: str | None, action: FaultAction) -> ASGIApp:
        headers: dict[str, str] = {}
        bucket = BUCKET_BY_ROUTE.get(route or "")
        team = self._sim.team_for(api_key(Headers(scope=scope)))
        if bucket is not None and team is not None:
            headers = self._sim.rate(team, bucket, consume=False).headers()
            if action.status == 429:
                headers["X-RateLimit-Remaining"] = "0"
        error = injected(action.status or 500, action.retry_after)
        return error_response(error, scope["state"]["request_id"], headers)

    def _record(
        self,
        scope: Scope,
        request_id: str,
        route: str | None,
        status: int | None,
        replayed: bool,
        action: FaultAction,
    ) -> None:
        headers = Headers(scope=scope)
        has_key, authorization = "x-api-key" in headers, headers.get("authorization")
        scheme = None
        if has_key:
            scheme = "x-api-key"
        elif authorization is not None:
            scheme = "bearer" if authorization.lower().startswith("bearer ") else "other"
        self._sim.record(
            RequestRecord(
                request_id=request_id,
                at=self._sim.now(),
                method=scope["method"],
                path=scope["path"],
                query=scope.get("query_string", b"").decode("latin-1"),
                route=route,
                status=status,
                idempotency_key=headers.get("idempotency-key"),
                replayed=replayed,
                auth_header=scheme is not None,
                auth_scheme=scheme,
                version_header=headers.get("aurous-version"),
                dropped=action.drop_before or action.drop_after,
                fault=action.label(),
            )
        )


def api_key(headers: Headers) -> str:
    """The key a request carries, by either scheme; empty when none."""
    key = headers.get("x-api-key", "").strip()
    if key:
        return key
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""
