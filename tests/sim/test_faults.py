"""Injected faults, through Python and through the /_sim control surface."""

from __future__ import annotations

import time

import httpx
import pytest

from reviewer.sim import ConnectionDropped, SystemClock

from .conftest import KEY, Api

CREATE = {"name": "Faulty", "generate": True}


@pytest.mark.parametrize(
    ("status", "code"),
    [(500, "internal_error"), (502, "provider_unavailable"), (503, "provider_unavailable"),
     (504, "provider_timeout")],
)  # fmt: skip
def test_forced_5xx_uses_the_envelope_and_changes_nothing(api: Api, status: int, code: str) -> None:
    api.sim.fail_next(1, status, route="create")
    before = api.balance()
    response = api.post("/v1/characters", json=CREATE)
    assert response.status_code == status
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("server_error", code)
    assert error["request_id"] == response.headers["Aurous-Request-Id"]
    assert response.headers["X-RateLimit-Limit"] == "12"
    assert api.balance() == before
    assert api.post("/v1/characters", json=CREATE).status_code == 201


def test_forced_429_has_retry_after(api: Api) -> None:
    api.sim.fail_next(2, 429, retry_after=7)
    for _ in range(2):
        response = api.get("/v1/balance")
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
        assert response.headers["X-RateLimit-Remaining"] == "0"
        assert response.json()["error"]["type"] == "rate_limit"
    assert api.get("/v1/balance").status_code == 200


def test_route_faults_leave_other_routes_alone(api: Api) -> None:
    api.sim.fail_next(1, 502, route="save")
    assert api.get("/v1/balance").status_code == 200
    char = api.first("reviewing")
    assert api.post(f"/v1/characters/{char['id']}/save").status_code == 502
    assert api.post(f"/v1/characters/{char['id']}/save").status_code == 200


def test_storage_can_fail_too(api: Api) -> None:
    url = api.first("reviewing")["refs"][0]["url"]
    api.sim.fail_next(1, 503, route="storage")
    assert api.client.get(url).status_code == 503
    assert api.client.get(url).status_code == 200


def test_a_drop_before_sends_nothing_and_does_nothing(api: Api) -> None:
    api.sim.drop_next(1, route="create")
    with pytest.raises(ConnectionDropped) as caught:
        api.post("/v1/characters", json=CREATE, key=KEY)
    assert isinstance(caught.value, httpx.TransportError)
    assert len(api.sim.characters(KEY)) == 24
    record = api.sim.requests[-1]
    assert (record.dropped, record.status, record.route) == (True, None, "create")


def test_a_drop_after_loses_only_the_answer(api: Api) -> None:
    api.sim.drop_next(1, route="create", after=True)
    headers = {"Idempotency-Key": "lost-answer"}
    with pytest.raises(ConnectionDropped):
        api.post("/v1/characters", json=CREATE, headers=headers)
    assert len(api.sim.characters(KEY)) == 25
    retry = api.post("/v1/characters", json=CREATE, headers=headers)
    assert retry.status_code == 201
    assert retry.headers["Aurous-Idempotent-Replayed"] == "true"
    assert len(api.sim.characters(KEY)) == 25
    assert api.balance()["held_credits"] == 4 + 4 * 3  # this one plus the seeded arrivals


def test_latency_slows_the_next_requests(api: Api) -> None:
    api.sim.add_latency(0.05, route="balance", count=1)
    started = time.perf_counter()
    assert api.get("/v1/balance").status_code == 200
    assert time.perf_counter() - started >= 0.05
    assert api.sim.faults() == []


def test_faults_are_listed_and_cleared(api: Api) -> None:
    api.sim.add_latency(1.0)
    api.sim.fail_next(3, 500, route="list")
    kinds = [(f["kind"], f["route"], f["remaining"]) for f in api.sim.faults()]
    assert kinds == [("latency", "*", None), ("status", "list", 3)]
    api.sim.clear_faults()
    assert api.sim.faults() == []


def test_bad_fault_arguments_are_refused(api: Api) -> None:
    with pytest.raises(ValueError, match="unknown route"):
        api.sim.fail_next(route="charactrs")
    with pytest.raises(ValueError, match="status"):
        api.sim.fail_next(status=418)
    with pytest.raises(ValueError, match="count"):
        api.sim.drop_next(0)


def test_control_surface(api: Api) -> None:
    client = api.client
    assert client.get("/_sim/clock").json()["manual"] is True
    assert (
        client.post("/_sim/advance", json={"seconds": 30}).json()["now"] == "2026-05-08T10:00:30Z"
    )
    assert client.post("/_sim/credits", json={"api_key": KEY, "credits": 9}).json()["credits"] == 9
    added = client.post("/_sim/faults", json={"kind": "status", "status": 504, "route": "balance"})
    assert added.json()["faults"][0]["status"] == 504
    assert api.get("/v1/balance").status_code == 504
    client.post("/_sim/faults", json={"kind": "drop", "route": "list", "count": 2})
    assert len(client.get("/_sim/faults").json()["faults"]) == 1
    assert client.delete("/_sim/faults").json() == {"faults": []}
    url = api.first("reviewing")["refs"][0]["url"]
    assert client.post("/_sim/expire-urls").json() == {"url_epoch": 1}
    assert client.get(url).status_code == 403
    log = client.get("/_sim/requests?since=1").json()
    assert [r["route"] for r in log["data"]] == ["list", "storage"]
    assert log["next"] == 3
    char_id = api.first("ready")["id"]
    assert client.get(f"/_sim/characters/{char_id}").json()["_sim"]["team"] == "team_0"
    assert client.get("/_sim/characters/char_01HXMQ7Z3K8Y2NABCDEFGHJKMR").status_code == 404
    assert client.post("/_sim/faults", json={"kind": "status", "route": "nope"}).status_code == 400
    assert client.delete("/_sim/requests").json()["next"] == 0


def test_advancing_real_time_is_refused(make_api) -> None:
    api = make_api(clock=SystemClock())
    assert api.client.post("/_sim/advance", json={"seconds": 1}).status_code == 409
    with pytest.raises(TypeError):
        api.sim.advance(1)
