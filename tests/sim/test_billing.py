"""Credits: held at dispatch, charged on completion, released on failure; 402 changes nothing."""

from __future__ import annotations

import pytest

from .conftest import DONE, KEY, OTHER_KEY, Api


def credits(api: Api, key: str = OTHER_KEY) -> tuple[int, int, int]:
    b = api.balance(key)
    assert b["available_credits"] == b["credits"] - b["held_credits"]
    return b["credits"], b["held_credits"], b["available_credits"]


def test_balance_shape(api: Api) -> None:
    assert api.balance(OTHER_KEY) == {
        "credits": 200,
        "held_credits": 0,
        "available_credits": 200,
        "currency": "credit",
        "billing_mode": "metered",
    }


def test_seeded_arrivals_hold_credits(api: Api) -> None:
    arriving = sum(c["status"] == "synthesizing" for c in api.sim.characters(KEY))
    assert credits(api, KEY) == (200, 4 * arriving, 200 - 4 * arriving)
    api.sim.advance(DONE)
    assert credits(api, KEY) == (200 - 4 * arriving, 0, 200 - 4 * arriving)


def test_create_holds_four_then_charges_them(api: Api) -> None:
    api.create(key=OTHER_KEY)
    assert credits(api) == (200, 4, 196)
    api.sim.advance(DONE)
    assert credits(api) == (196, 0, 196)


def test_regenerate_costs_one_and_resynthesize_four(api: Api) -> None:
    made = api.create(key=OTHER_KEY)
    api.sim.advance(DONE)
    path = f"/v1/characters/{made['id']}"
    api.ok("POST", f"{path}/refs/regenerate", key=OTHER_KEY, json={"pose": "back"})
    assert credits(api) == (196, 1, 195)
    api.sim.advance(DONE)
    api.ok("POST", f"{path}/resynthesize", key=OTHER_KEY)
    assert credits(api) == (195, 4, 191)
    api.sim.advance(DONE)
    assert credits(api) == (191, 0, 191)


def test_a_failed_run_releases_its_hold_and_keeps_old_refs(make_api) -> None:
    api = make_api(failure_rate=1.0)
    char = api.first("reviewing")
    api.sim.set_credits(KEY, 50)
    api.sim.advance(DONE)  # let seeded arrivals settle first
    before = credits(api, KEY)
    api.ok("POST", f"/v1/characters/{char['id']}/refs/regenerate", json={"pose": "front"})
    assert credits(api, KEY)[1] == 1
    api.sim.advance(DONE)
    after = api.character(char["id"])
    assert (after["status"], after["refs"]) == ("failed", char["refs"])
    assert credits(api, KEY) == before


@pytest.mark.parametrize(
    ("route", "body", "cost"),
    [("refs/regenerate", {"pose": "front"}, 1), ("resynthesize", {}, 4)],
)
def test_402_when_available_is_short_and_nothing_changes(
    api: Api, route: str, body: dict[str, str], cost: int
) -> None:
    made = api.create(key=OTHER_KEY)
    api.sim.advance(DONE)
    api.sim.set_credits(OTHER_KEY, cost - 1)  # one credit short
    before = api.character(made["id"], key=OTHER_KEY)
    response = api.post(f"/v1/characters/{made['id']}/{route}", key=OTHER_KEY, json=body)
    assert response.status_code == 402
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("invalid_request", "insufficient_credits")
    assert api.character(made["id"], key=OTHER_KEY) == before
    assert credits(api) == (cost - 1, 0, cost - 1)


def test_402_on_create_counts_held_credits(api: Api) -> None:
    api.sim.set_credits(OTHER_KEY, 7)
    api.create(key=OTHER_KEY)  # holds 4 of 7
    response = api.post(
        "/v1/characters", key=OTHER_KEY, json={"name": "Too Many", "generate": True}
    )
    assert response.status_code == 402
    assert credits(api) == (7, 4, 3)
    assert len(api.sim.characters(OTHER_KEY)) == 1


def test_deleting_a_running_character_is_not_refunded(api: Api) -> None:
    made = api.create(key=OTHER_KEY)
    api.ok("DELETE", f"/v1/characters/{made['id']}", key=OTHER_KEY)
    assert credits(api) == (196, 0, 196)
    api.sim.advance(DONE)
    assert credits(api) == (196, 0, 196)


def test_exempt_billing_never_charges(make_api) -> None:
    api = make_api(billing_mode="exempt", credits=0)
    made = api.create(key=OTHER_KEY)
    api.sim.advance(DONE)
    assert made["status"] == "synthesizing"
    assert api.balance(OTHER_KEY)["billing_mode"] == "exempt"
    assert credits(api) == (0, 0, 0)


def test_saving_is_free(api: Api) -> None:
    made = api.create(key=OTHER_KEY)
    api.sim.advance(DONE)
    api.ok("POST", f"/v1/characters/{made['id']}/save", key=OTHER_KEY)
    assert credits(api) == (196, 0, 196)
