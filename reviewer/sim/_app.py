"""The ASGI application: /v1, /storage and /_sim behind the front door."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from ._api import api_routes, error_response
from ._config import SimConfig
from ._control import control_routes
from ._errors import ApiError, bad_request, not_found, server_error
from ._frontdoor import FrontDoor, api_key
from ._simulator import Simulator
from ._storage import storage_routes


class _SimApp(Starlette):
    def build_middleware_stack(self) -> ASGIApp:
        # Outside Starlette's ServerErrorMiddleware, so a drop is not turned into a 500.
        return FrontDoor(super().build_middleware_stack(), self.state.sim, self.routes)


def _request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    where = f"{request.method} {request.url.path}"
    if exc.status_code == 405:
        error = ApiError(405, "invalid_request_error", f"Method not allowed: {where}.")
    elif exc.status_code == 404:
        error = not_found(f"Unrecognized request URL: {where}.")
    else:
        error = bad_request(str(exc.detail))
        error.status = exc.status_code
    headers = dict(exc.headers or {})
    sim: Simulator = request.app.state.sim
    team = sim.team_for(api_key(request.headers))
    if request.url.path.startswith("/v1/") and team is not None:
        # Every /v1 answer shows the caller's limits; an unknown url spends no token.
        bucket = "characters_get" if request.method in ("GET", "HEAD") else "characters_post"
        headers.update(sim.rate(team, bucket, consume=False).headers())
    return error_response(error, _request_id(request), headers)


async def _crash(request: Request, exc: Exception) -> Response:
    return error_response(server_error(500), _request_id(request), {})


def create_app(config: SimConfig) -> Starlette:
    """A fresh simulated service; its state is `app.state.sim`."""
    app = _SimApp(
        routes=[*api_routes(), *storage_routes(), *control_routes()],
        exception_handlers={HTTPException: _http_error, Exception: _crash},
    )
    app.state.sim = Simulator(config)
    return app
