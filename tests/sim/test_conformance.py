"""Property-based conformance: generated requests to every documented operation get answers
whose status codes, headers and bodies are those docs/openapi.yaml documents."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from reviewer.sim import create_app

from .conftest import KEY, config

SCHEMA = schemathesis.openapi.from_path(Path(__file__).resolve().parents[2] / "docs/openapi.yaml")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
CHARACTER_KEYS = {
    "id", "object", "name", "status", "refs", "created_at", "updated_at", "attributes",
    "error_message", "aurous_version",
}  # fmt: skip


def _aim_at_real_characters(case: Any, ids: list[str]) -> None:
    """Most generated ids name nothing; send three in four at a seeded character instead, so
    the state machine answers and not only the 404 (or unknown-cursor 400) path."""
    for params, name in ((case.path_parameters, "char_id"), (case.query, "starting_after")):
        generated = params.get(name) if isinstance(params, dict) else None
        if isinstance(generated, str):
            digest = int(hashlib.sha256(generated.encode()).hexdigest(), 16)
            if digest % 4:
                params[name] = ids[digest % len(ids)]


def _characters_in(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict) and body.get("object") == "list":
        return list(body.get("data", []))
    if isinstance(body, dict) and body.get("object") == "character" and "name" in body:
        return [body]
    return []


@SCHEMA.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_responses_follow_the_contract(case: Any) -> None:
    app = create_app(config(characters=8, rate_limit_scale=1000, credits=10_000, image_size=32))
    _aim_at_real_characters(case, [c["id"] for c in app.state.sim.characters(KEY)])
    # Both documented schemes carry the key, so a generated one cannot contradict the other.
    auth = {"X-Api-Key": KEY, "Authorization": f"Bearer {KEY}"}
    response = case.call_and_validate(
        app=app, base_url="http://testserver/v1", headers=auth, checks=CHECKS
    )
    if response.status_code < 300:
        for character in _characters_in(response.json()):
            assert set(character) == CHARACTER_KEYS  # nothing internal leaks out


def _create(app: Any, headers: dict[str, str], name: str = "Edge") -> Any:
    case = SCHEMA["/characters"]["POST"].Case(
        body={"name": name, "generate": True}, headers=headers
    )
    # A 5xx is the point of one case; every other check still applies to it.
    checks = [check for check in CHECKS if check is not not_a_server_error]
    return case.call_and_validate(app=app, base_url="http://testserver/v1", checks=checks)


@pytest.mark.parametrize(
    ("situation", "status"),
    [
        ("no key", 401),
        ("no credits", 402),
        ("key reused with another body", 409),
        ("key replayed", 201),
        ("bucket empty", 429),
        ("provider down", 502),
    ],
)
def test_error_answers_follow_the_contract(situation: str, status: int) -> None:
    """The rare statuses generation seldom reaches, validated the same way."""
    app = create_app(config(characters=0, rate_limit_scale=1 / 12))  # synthesize burst: 1
    sim = app.state.sim
    auth = {"X-Api-Key": KEY}
    keyed = {**auth, "Idempotency-Key": "edge-1"}
    if situation == "no key":
        auth = {}
    elif situation == "no credits":
        sim.set_credits(KEY, 0)
    elif situation == "bucket empty":
        _create(app, auth)
    elif situation == "provider down":
        sim.fail_next(1, 502)
    elif situation in ("key reused with another body", "key replayed"):
        _create(app, keyed)
        sim.advance(120)  # refill the one-token bucket (scaled to 0.5 per minute)
        auth = keyed
    name = "Other" if situation == "key reused with another body" else "Edge"
    assert _create(app, auth, name).status_code == status
