"""The ground truth under random faults: a client that retries with its idempotency keys
lands every decision exactly once, and one that retries without them is caught billing twice.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from reviewer.sim import ConnectionDropped

from .conftest import Api, ApiFactory

CHAOS: dict[str, Any] = {
    "fault_rate": 0.2,
    "reset_rate": 0.1,
    "rate_limit_scale": 1000,
    "credits": 100_000,
    "characters": 300,
    "seed": 21,
}


def _until_answered(api: Api, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """Send until the answer is not a fault: the same request, the same key, every time."""
    for _ in range(100):
        try:
            response = api.request(method, path, **kwargs)
        except ConnectionDropped:
            continue
        if response.status_code < 500:
            return response
    raise AssertionError(f"{method} {path} never got through")


def test_every_decision_lands_exactly_once_under_faults(make_api: ApiFactory) -> None:
    api = make_api(**CHAOS)
    available = api.sim.balance()["available_credits"]
    expected: Counter[tuple[str, str]] = Counter()
    paid: dict[str, tuple[str, str]] = {}  # idempotency key -> (kind, character)
    reviewing = [c for c in api.sim.characters() if c["status"] == "reviewing"]
    for i, char in enumerate(reviewing):
        op, key = ("save", "delete", "regenerate", "resynthesize", "patch")[i % 5], f"d{i}"
        path = f"/v1/characters/{char['id']}"
        headers = {"Idempotency-Key": key}
        if op == "save":
            response = _until_answered(api, "POST", f"{path}/save", headers=headers)
        elif op == "delete":
            response = _until_answered(api, "DELETE", path, headers=headers)
            if response.status_code == 404:  # our earlier attempt took effect
                response = httpx.Response(200)
        elif op == "regenerate":
            body = {"pose": char["refs"][i % 4]["pose"]}
            response = _until_answered(
                api, "POST", f"{path}/refs/regenerate", json=body, headers=headers
            )
            paid[key] = (op, char["id"])
        elif op == "resynthesize":
            response = _until_answered(api, "POST", f"{path}/resynthesize", headers=headers)
            paid[key] = (op, char["id"])
        else:
            body = {"name": f"Renamed {i}"}
            response = _until_answered(api, "PATCH", path, json=body, headers=headers)
        assert response.status_code == 200, (op, response.text)
        expected[(op, char["id"])] += 1
    for i in range(300):
        key = f"c{i}"
        body = {"name": f"Fresh {i}", "generate": True}
        response = _until_answered(
            api, "POST", "/v1/characters", json=body, headers={"Idempotency-Key": key}
        )
        assert response.status_code == 201, response.text
        expected[("create", response.json()["id"])] += 1
        paid[key] = ("create", response.json()["id"])

    assert sum(expected.values()) >= 500
    applied = Counter((a.operation, a.character_id) for a in api.sim.applied())
    assert applied == expected  # every one, each exactly once
    ledger = api.sim.ledger()
    assert {d.idempotency_key: (d.kind, d.character_id) for d in ledger} == paid
    assert len(ledger) == len(paid)  # no key billed twice
    spent = available - api.sim.balance()["available_credits"]
    assert spent == sum(d.generations for d in ledger)  # and the account agrees
    injected = api.sim.chaos()["injected"]
    assert injected["reset_after"] >= 30  # the hard case happened, many times
    assert injected["status_503"] >= 30


def test_the_ledger_catches_a_keyless_retry_billing_twice(api: Api) -> None:
    keyed, keyless = [c["id"] for c in api.sim.characters() if c["status"] == "reviewing"][:2]
    for char_id, headers in ((keyed, {"Idempotency-Key": "k"}), (keyless, {})):
        path = f"/v1/characters/{char_id}/refs/regenerate"
        api.sim.drop_next(1, route="regenerate", after=True)
        with pytest.raises(ConnectionDropped):  # billed, but the answer is lost
            api.post(path, json={"pose": "front"}, headers=headers)
        api.sim.advance(60)  # the run finished: nothing blocks a second one now
        assert api.post(path, json={"pose": "front"}, headers=headers).status_code == 200
    billed = Counter(d.character_id for d in api.sim.ledger())
    assert billed == {keyed: 1, keyless: 2}
