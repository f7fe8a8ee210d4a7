"""The /v1 routes and the pipeline every one of them runs.

Order, per request: authenticate (401), take a rate-limit token (429), check the version (400),
parse the body (400), claim the idempotency key (replay or 409), wait out injected latency,
then run the operation. Every request that gets past authentication spends a token, whatever
its outcome (a 429 spends nothing): the bucket counts requests, not successes.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import _validation as v
from ._errors import ApiError, bad_request, not_found, too_many_requests
from ._faults import FaultAction
from ._idempotency import MAX_KEY_LENGTH, Conflict, Replay, StoredResponse
from ._ids import CHAR_ID_RE
from ._ledger import Origin
from ._model import DEFAULT_VERSION, KNOWN_VERSIONS
from ._ratelimit import RateDecision
from ._simulator import Simulator
from ._store import Team

VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
JSON = "application/json"


@dataclass(frozen=True)
class Call:
    sim: Simulator
    team: Team
    base: str  # where storage urls point
    version: str
    body: dict[str, Any]
    query: Sequence[tuple[str, str]]
    char_id: str
    origin: Origin


Operation = Callable[[Call], tuple[int, dict[str, Any]]]


@dataclass(frozen=True)
class Api:
    name: str
    method: str
    path: str
    bucket: str
    operation: Operation
    has_body: bool = False


def error_response(error: ApiError, request_id: str, headers: Mapping[str, str]) -> Response:
    return Response(
        error.body(request_id),
        status_code=error.status,
        headers={**headers, **error.headers},
        media_type=JSON,
    )


def authenticate(sim: Simulator, request: Request) -> Team:
    key = request.headers.get("x-api-key", "").strip()
    authorization = request.headers.get("authorization", "").strip()
    bearer = ""
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(
                401, "invalid_api_key", "Use 'X-Api-Key: <key>' or 'Authorization: Bearer <key>'."
            )
        bearer = token.strip()
    if not key and not bearer:
        raise ApiError(401, "missing_api_key", "No API key: send it in the X-Api-Key header.")
    if key and bearer and key != bearer:
        raise ApiError(401, "invalid_api_key", "X-Api-Key and Authorization carry different keys.")
    team = sim.team_for(key or bearer)
    if team is None:
        if sim.is_revoked(key or bearer):
            raise ApiError(401, "revoked_api_key", "This API key has been revoked.")
        raise ApiError(401, "invalid_api_key", "This API key is not valid.")
    return team


def negotiate_version(request: Request) -> str:
    asked = request.headers.get("aurous-version")
    if asked is None:
        return DEFAULT_VERSION
    if not VERSION_RE.fullmatch(asked):
        raise ApiError(
            400,
            "invalid_format",
            "Aurous-Version must look like YYYY-MM-DD.",
            param="Aurous-Version",
        )
    if asked not in KNOWN_VERSIONS:
        raise ApiError(
            400,
            "unknown_version",
            f"Unknown Aurous-Version '{asked}'; known: {', '.join(KNOWN_VERSIONS)}.",
            param="Aurous-Version",
        )
    return asked


def spend(decision: RateDecision, bucket: str, headers: dict[str, str]) -> None:
    headers.update(decision.headers())
    if not decision.allowed:
        raise too_many_requests(
            f"Rate limit of the {bucket} bucket exceeded; retry in {decision.retry_after} s."
        )


def storage_base(sim: Simulator, request: Request) -> str:
    return sim.config.storage_base_url or str(request.base_url).rstrip("/")


async def wait_out(sim: Simulator, action: FaultAction) -> None:
    # The action carries the configured latency too (see _chaos.py).
    if action.latency > 0:
        await asyncio.sleep(action.latency)
    for gate in action.gates:
        await gate.pass_through()


def endpoint(api: Api) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        sim: Simulator = request.app.state.sim
        state = request.scope["state"]
        headers: dict[str, str] = {}
        try:
            try:
                team = authenticate(sim, request)
            except ApiError:
                # Unknown callers are limited per address, so a 401 carries limits too.
                client = request.client.host if request.client else "unknown"
                spend(sim.anonymous_rate(client, api.bucket), api.bucket, headers)
                raise
            spend(sim.rate(team, api.bucket), api.bucket, headers)
            state["aurous_version"] = version = negotiate_version(request)
            body = v.parse_body(await request.body()) if api.has_body else {}
            call = Call(
                sim,
                team,
                storage_base(sim, request),
                version,
                body,
                list(request.query_params.multi_items()),
                request.path_params.get("char_id", ""),
                Origin(state["request_id"], _idempotency_key(api, request)),
            )
            return await _run(api, call, request, state["fault"], headers)
        except ApiError as error:
            return error_response(error, state["request_id"], headers)

    handle.__name__ = api.name
    return handle


async def _run(
    api: Api, call: Call, request: Request, fault: FaultAction, headers: dict[str, str]
) -> Response:
    key = call.origin.idempotency_key
    if key is not None:
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            raise bad_request(
                f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.",
                param="Idempotency-Key",
            )
        fingerprint = f"{api.method} {request.url.path}\n{v.canonical(call.body)}"
        outcome = call.sim.idempotency_begin(call.team, key, fingerprint)
        if isinstance(outcome, Replay):
            replay = {**headers, "Aurous-Idempotent-Replayed": "true"}
            stored = outcome.response
            return Response(stored.body, stored.status, headers=replay, media_type=JSON)
        if isinstance(outcome, Conflict):
            raise ApiError(409, "idempotency_key_in_use", outcome.message)
    done: StoredResponse | None = None
    try:
        await wait_out(call.sim, fault)
        status, payload = api.operation(call)
        done = StoredResponse(status, json.dumps(payload).encode())
        return Response(done.body, status, headers=headers, media_type=JSON)
    finally:
        # Only a success is remembered; any failure leaves the key free for a fresh attempt.
        if key is not None:
            call.sim.idempotency_finish(call.team, key, done)


def _idempotency_key(api: Api, request: Request) -> str | None:
    return request.headers.get("idempotency-key") if api.method != "GET" else None


# -- operations --------------------------------------------------------------------------


def _char_id(call: Call) -> str:
    v.no_query(call.query)
    if not CHAR_ID_RE.fullmatch(call.char_id):
        raise not_found(f"No such character: '{call.char_id}'.")
    return call.char_id


def _list(call: Call) -> tuple[int, dict[str, Any]]:
    limit, cursor, status = v.list_query(call.query)
    return 200, call.sim.list_page(call.team, call.base, status, cursor, limit)


def _create(call: Call) -> tuple[int, dict[str, Any]]:
    v.no_query(call.query)
    name, attributes = v.create_payload(call.body)
    return 201, call.sim.create(call.team, call.base, name, attributes, call.version, call.origin)


def _retrieve(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, call.sim.retrieve(call.team, call.base, _char_id(call))


def _patch(call: Call) -> tuple[int, dict[str, Any]]:
    char_id = _char_id(call)
    changes = v.patch_payload(call.body)
    return 200, call.sim.patch(call.team, call.base, char_id, changes, call.origin)


def _save(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, call.sim.save(call.team, call.base, _char_id(call), call.origin)


def _regenerate(call: Call) -> tuple[int, dict[str, Any]]:
    char_id = _char_id(call)
    pose = v.regenerate_payload(call.body)
    return 200, call.sim.regenerate(call.team, call.base, char_id, pose, call.origin)


def _resynthesize(call: Call) -> tuple[int, dict[str, Any]]:
    char_id = _char_id(call)
    v.resynthesize_payload(call.body)
    return 200, call.sim.resynthesize(call.team, call.base, char_id, call.origin)


def _delete(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, call.sim.delete(call.team, _char_id(call), call.origin)


def _balance(call: Call) -> tuple[int, dict[str, Any]]:
    v.no_query(call.query)
    return 200, call.sim.team_balance(call.team)


_ONE = "/v1/characters/{char_id}"
APIS = (
    Api("list", "GET", "/v1/characters", "characters_get", _list),
    Api("create", "POST", "/v1/characters", "characters_synthesize", _create, has_body=True),
    Api("retrieve", "GET", _ONE, "characters_get", _retrieve),
    Api("patch", "PATCH", _ONE, "characters_post", _patch, has_body=True),
    Api("delete", "DELETE", _ONE, "characters_post", _delete),
    Api("save", "POST", f"{_ONE}/save", "characters_post", _save),
    Api(
        "regenerate", "POST", f"{_ONE}/refs/regenerate", "characters_synthesize", _regenerate, True
    ),
    Api(
        "resynthesize", "POST", f"{_ONE}/resynthesize", "characters_synthesize", _resynthesize, True
    ),
    Api("balance", "GET", "/v1/balance", "characters_get", _balance),
)
BUCKET_BY_ROUTE = {api.name: api.bucket for api in APIS}


def api_routes() -> list[Route]:
    return [Route(a.path, endpoint(a), methods=[a.method], name=a.name) for a in APIS]
