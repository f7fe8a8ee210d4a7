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
                raise bad_request(str(exc.args[0] if exc.args else exc)) from None
        except ApiError as error:
            body_bytes = error.body(request.scope["state"]["request_id"])
            return Response(body_bytes, error.status, media_type="application/json")

    return run


def _clock(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    now = sim.now()
    return {"time": now, "now": iso(now), "manual": isinstance(sim.clock, ManualClock)}


def _rendering(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    """How much drawing storage has in hand: a benchmark waits for none before it measures
    a client (the real service draws on its own machines, not the client's)."""
    return {"pending": sim.images.pending, "rendered": len(sim.images)}


def _advance(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    if not isinstance(sim.clock, ManualClock):
        raise ApiError(409, "invalid_request_error", "This simulator runs on the system clock.")
    seconds = body.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise bad_request("'seconds' must be a number >= 0.", param="seconds")
    sim.advance(float(seconds))
    return _clock(sim, body, request)


def _team(sim: Simulator, body: dict[str, Any], request: Request) -> str:
    """The team a control names, by `team` (an id or key) or `api_key`, in the body or the
    query; the first team when none is given."""
    for name in ("team", "api_key"):
        ref = body.get(name, request.query_params.get(name))
        if ref is not None:
            try:
                return sim.team_id(str(ref))
            except KeyError:
                raise bad_request(
                    f"'{name}' names no team of this simulator.", param=name
                ) from None
    return sim.team_id()


def _credits(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    key = _team(sim, body, request)
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
    elif kind == "corrupt":
        fault_id = sim.corrupt_next(count, body.get("corruption", "truncated"))
    else:
        raise bad_request("'kind' must be latency, status, drop or corrupt.", param="kind")
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


_CHAOS_FIELDS = (
    "fault_rate",
    "reset_rate",
    "latency_ms",
    "corrupt_image_rate",
    "synthesis_failure_rate",
)


def _chaos(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    return sim.chaos()


def _set_chaos(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    _only(body, _CHAOS_FIELDS)
    return sim.set_chaos(**{name: body[name] for name in _CHAOS_FIELDS if name in body})


def _keys(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    team = _team(sim, body, request)
    return {"team": team, "keys": sim.keys(team)}


def _add_key(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    key = body.get("key")
    if not isinstance(key, str):
        raise bad_request("'key' must be the new key, a string.", param="key")
    team = sim.add_key(_team(sim, body, request), key)
    return {"team": team, "keys": sim.keys(team)}


def _revoke_key(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    key = body.get("key")
    if not isinstance(key, str):
        raise bad_request("'key' must be the key to revoke, a string.", param="key")
    team = sim.revoke_key(key)
    return {"team": team, "keys": sim.keys(team)}


def _colleagues(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    return {"colleagues": sim.colleagues()}


def _set_colleague(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    _only(body, ("per_minute", "bucket", "team", "api_key"))
    if "per_minute" not in body:
        raise bad_request("'per_minute' is required (0 stops the colleague).", param="per_minute")
    bucket = body.get("bucket", "characters_post")
    sim.set_colleague(body["per_minute"], str(bucket), _team(sim, body, request))
    return {"colleagues": sim.colleagues()}


def _ledger(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    team = _team(sim, body, request)
    return {"team": team, "data": [entry.as_dict() for entry in sim.ledger(team)]}


def _applied(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    team = _team(sim, body, request)
    return {"team": team, "data": [entry.as_dict() for entry in sim.applied(team)]}


def _only(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for name in body:
        if name not in allowed:
            raise bad_request(f"Unknown field '{name}'; known: {', '.join(allowed)}.", param=name)


def _character(sim: Simulator, body: dict[str, Any], request: Request) -> Any:
    view = sim.character(request.path_params["char_id"])
    if view is None:
        raise not_found()
    return view


def control_routes() -> list[Route]:
    table: list[tuple[str, str, Handler]] = [
        ("GET", "/_sim/clock", _clock),
        ("POST", "/_sim/advance", _advance),
        ("GET", "/_sim/rendering", _rendering),
        ("POST", "/_sim/credits", _credits),
        ("GET", "/_sim/faults", _list_faults),
        ("POST", "/_sim/faults", _add_fault),
        ("DELETE", "/_sim/faults", _clear_faults),
        ("POST", "/_sim/expire-urls", _expire),
        ("GET", "/_sim/requests", _requests),
        ("DELETE", "/_sim/requests", _clear_requests),
        ("GET", "/_sim/characters/{char_id}", _character),
        ("GET", "/_sim/chaos", _chaos),
        ("POST", "/_sim/chaos", _set_chaos),
        ("GET", "/_sim/keys", _keys),
        ("POST", "/_sim/keys", _add_key),
        ("POST", "/_sim/keys/revoke", _revoke_key),
        ("GET", "/_sim/colleagues", _colleagues),
        ("POST", "/_sim/colleagues", _set_colleague),
        ("GET", "/_sim/ledger", _ledger),
        ("GET", "/_sim/applied", _applied),
    ]
    return [
        Route(path, _control(handler), methods=[method], name=f"sim{handler.__name__}")
        for method, path, handler in table
    ]
