"""Idempotency-Key: replays, conflicts, and failures that leave no trace."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from .conftest import DONE, KEY, OTHER_KEY, Api

REPLAYED = "Aurous-Idempotent-Replayed"


def post(api: Api, path: str, key: str, body: Any = None, team: str = KEY) -> httpx.Response:
    return api.post(path, key=team, json=body, headers={"Idempotency-Key": key})


def regenerate_path(api: Api) -> str:
    return f"/v1/characters/{api.reviewing()['id']}/refs/regenerate"


def test_a_retry_replays_the_first_answer_and_bills_once(api: Api) -> None:
    path = regenerate_path(api)
    before = api.balance()
    first = post(api, path, "key-1", {"pose": "front"})
    api.sim.advance(DONE)  # the run completes between the attempts
    again = post(api, path, "key-1", {"pose": "front"})
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again.headers[REPLAYED] == "true"
    assert REPLAYED not in first.headers
    assert again.headers["Aurous-Request-Id"] != first.headers["Aurous-Request-Id"]
    assert api.balance()["credits"] == before["credits"] - 1
    assert api.raw(path.split("/")[3])["status"] == "reviewing"
    logged = [r for r in api.sim.requests if r.route == "regenerate"]
    assert [(r.idempotency_key, r.replayed) for r in logged] == [("key-1", False), ("key-1", True)]


def test_a_replayed_create_makes_one_character(api: Api) -> None:
    body = {"generate": True, "name": "Once"}
    first = post(api, "/v1/characters", "create-1", body, OTHER_KEY)
    again = post(api, "/v1/characters", "create-1", {"name": "Once", "generate": True}, OTHER_KEY)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert len(api.sim.characters(OTHER_KEY)) == 1


def test_the_same_key_with_another_body_or_route_is_409(api: Api) -> None:
    path = regenerate_path(api)
    assert post(api, path, "key-2", {"pose": "front"}).status_code == 200
    for response in (
        post(api, path, "key-2", {"pose": "back"}),
        post(api, path.replace("refs/regenerate", "resynthesize"), "key-2", {"pose": "front"}),
    ):
        assert response.status_code == 409
        error = response.json()["error"]
        assert (error["type"], error["code"]) == ("invalid_request", "idempotency_key_in_use")


def test_the_same_key_while_the_first_is_in_flight_is_409(api: Api) -> None:
    path = regenerate_path(api)
    gate = api.sim.hold_next("regenerate")
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(post, api, path, "key-3", {"pose": "side"})
        assert gate.wait_entered(10)
        clash = post(api, path, "key-3", {"pose": "side"})
        assert clash.status_code == 409
        assert clash.json()["error"]["code"] == "idempotency_key_in_use"
        gate.release()
        assert first.result(10).status_code == 200
    assert post(api, path, "key-3", {"pose": "side"}).headers[REPLAYED] == "true"


def test_a_400_is_evaluated_afresh(api: Api) -> None:
    path = regenerate_path(api)
    assert post(api, path, "key-4", {"pose": "sideways"}).status_code == 400
    fresh = post(api, path, "key-4", {"pose": "side"})
    assert fresh.status_code == 200
    assert REPLAYED not in fresh.headers


def test_a_402_is_evaluated_afresh(api: Api) -> None:
    path = regenerate_path(api)
    api.sim.set_credits(KEY, 0)
    assert post(api, path, "key-5", {"pose": "side"}).status_code == 402
    api.sim.set_credits(KEY, 10)
    assert post(api, path, "key-5", {"pose": "side"}).status_code == 200
    assert api.balance()["held_credits"] == 1


def test_keys_are_per_team(api: Api) -> None:
    mine = post(api, "/v1/characters", "shared", {"name": "A", "generate": True})
    theirs = post(api, "/v1/characters", "shared", {"name": "B", "generate": True}, OTHER_KEY)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert REPLAYED not in theirs.headers


def test_keys_expire_after_24_hours(api: Api) -> None:
    body = {"name": "A", "generate": True}
    assert post(api, "/v1/characters", "old", body, OTHER_KEY).status_code == 201
    api.sim.advance(24 * 3600)
    fresh = post(api, "/v1/characters", "old", {"name": "B", "generate": True}, OTHER_KEY)
    assert fresh.status_code == 201
    assert REPLAYED not in fresh.headers


@pytest.mark.parametrize("key", ["", "k" * 257])
def test_key_length_is_1_to_256(api: Api, key: str) -> None:
    response = post(api, "/v1/characters", key, {"name": "A", "generate": True})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "Idempotency-Key"
    assert (
        post(api, "/v1/characters", "k" * 256, {"name": "A", "generate": True}).status_code == 201
    )


def test_delete_and_save_replay_too(api: Api) -> None:
    char = api.first("reviewing")
    path = f"/v1/characters/{char['id']}"
    first = api.request("DELETE", path, headers={"Idempotency-Key": "del"})
    again = api.request("DELETE", path, headers={"Idempotency-Key": "del"})
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers[REPLAYED] == "true"
    assert api.request("DELETE", path).status_code == 404
