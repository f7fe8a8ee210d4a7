"""/_sim: the test and benchmark controls, kept apart from the documented API.

No authentication: this is a local tool. Bodies and answers are JSON.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ._clock import ManualClock
from ._errors import ApiError, bad_request, not_found
from ._ids import iso
from ._simulator import Simulator

Handler = Callable[[Simulator, dict[str, Any], Request], Any]


def _control(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        sim: Simulator = request.app.state.sim
        try:
            raw = await request.body()
            try:
                body = json.loads(raw) if raw.strip() else {}
            except ValueError:
                raise bad_request("The request body is not valid JSON.") from None
            if not isinstance(body, dict):
                raise bad_request("The request body must be a JSON object.")
            try:
                return JSONResponse(handler(sim, body, request))
            except (ValueError, TypeError, KeyError) as exc:
                raise bad_request(str(exc)) from None
        except ApiError as error:
            body_bytes = error.body(request.scope["state"]["request_id"])
            return Response(body_bytes, error.status, media_type="application/json")

    return run


def _clock(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    now = sim.now()
    return {"time": now, "now": iso(now), "manual": isinstance(sim.clock, ManualClock)}


def _advance(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    if not isinstance(sim.clock, ManualClock):
        raise ApiError(409, "invalid_request_error", "This simulator runs on the system clock.")
    seconds = body.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise bad_request("'seconds' must be a number >= 0.", param="seconds")
    sim.advance(float(seconds))
    return _clock(sim, body, request)


def _team_key(sim: Simulator, body: dict[str, Any]) -> str:
    key = body.get("api_key", sim.api_keys[0])
    if key not in sim.api_keys:
        raise bad_request("'api_key' is not one of this simulator's keys.", param="api_key")
    return str(key)


def _credits(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    key = _team_key(sim, body)
    if "billing_mode" in body:
        sim.set_billing_mode(key, body["billing_mode"])
    if "credits" in body:
        credits = body["credits"]
        if isinstance(credits, bool) or not isinstance(credits, int):
            raise bad_request("'credits' must be an integer.", param="credits")
        sim.set_credits(key, credits)
    return sim.balance(key)


def _add_fault(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    kind = body.get("kind")
    route = str(body.get("route", "*"))
    count = body.get("count", 1)
    if kind == "latency":
        count = body.get("count")
        fault_id = sim.add_latency(float(body.get("seconds", 0.0)), route, count)
    elif kind == "status":
        status, retry_after = int(body.get("status", 503)), int(body.get("retry_after", 1))
        fault_id = sim.fail_next(count, status, route, retry_after)
    elif kind == "drop":
        fault_id = sim.drop_next(count, route, bool(body.get("after", False)))
    else:
        raise bad_request("'kind' must be latency, status or drop.", param="kind")
    return {"id": fault_id, "faults": sim.faults()}


def _list_faults(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    return {"faults": sim.faults()}


def _clear_faults(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    sim.clear_faults()
    return {"faults": []}


def _expire(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    return {"url_epoch": sim.expire_urls()}


def _requests(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    since = int(request.query_params.get("since", "0"))
    records = sim.requests
    return {"data": [r.as_dict() for r in records[since:]], "next": len(records)}


def _clear_requests(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    sim.clear_requests()
    return {"data": [], "next": 0}


def _character(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    view = sim.character(request.path_params["char_id"])
    if view is None:
        raise not_found()
    return view


def control_routes() -> list[Route]:
    table: list[tuple[str, str, Handler]] = [
        ("GET", "/_sim/clock", _clock),
        ("POST", "/_sim/advance", _advance),
        ("POST", "/_sim/credits", _credits),
        ("GET", "/_sim/faults", _list_faults),
        ("POST", "/_sim/faults", _add_fault),
        ("DELETE", "/_sim/faults", _clear_faults),
        ("POST", "/_sim/expire-urls", _expire),
        ("GET", "/_sim/requests", _requests),
        ("DELETE", "/_sim/requests", _clear_requests),
        ("GET", "/_sim/characters/{char_id}", _character),
    ]
    return [
        Route(path, _control(handler), methods=[method], name=f"sim{handler.__name__}")
        for method, path, handler in table
    ]
