"""Ground truth: the ledger of billed dispatches and the list of applied operations."""

from __future__ import annotations

import pytest

from reviewer.sim import ConnectionDropped

from .conftest import DONE, KEY, OTHER_KEY, Api, ApiFactory

CREATE = {"name": "Ledgered", "generate": True}


def test_create_regenerate_resynthesize_are_billed_once_each(api: Api) -> None:
    created = api.post("/v1/characters", json=CREATE, headers={"Idempotency-Key": "k-create"})
    char_id = created.json()["id"]
    api.sim.advance(DONE)
    regen = api.post(
        f"/v1/characters/{char_id}/refs/regenerate",
        json={"pose": "side"},
        headers={"Idempotency-Key": "k-regen"},
    )
    api.sim.advance(DONE)
    api.post(f"/v1/characters/{char_id}/resynthesize", headers={"Idempotency-Key": "k-resyn"})
    ledger = [d.as_dict() for d in api.sim.ledger()]
    assert [(d["kind"], d["pose"], d["generations"], d["credits_held"]) for d in ledger] == [
        ("create", None, 4, 4),
        ("regenerate", "side", 1, 1),
        ("resynthesize", None, 4, 4),
    ]
    assert {d["character_id"] for d in ledger} == {char_id}
    assert [d["idempotency_key"] for d in ledger] == ["k-create", "k-regen", "k-resyn"]
    assert ledger[0]["request_id"] == created.headers["Aurous-Request-Id"]
    assert ledger[1]["request_id"] == regen.headers["Aurous-Request-Id"]
    assert ledger[0]["poses"] == ["portrait", "front", "side", "back"]
    assert ledger[1]["at"] == ledger[0]["at"] + DONE
    applied = [(a.operation, a.pose) for a in api.sim.applied()]
    assert applied == [("create", None), ("regenerate", "side"), ("resynthesize", None)]


def test_an_idempotent_replay_adds_nothing(api: Api) -> None:
    char_id = api.reviewing()["id"]
    entries = len(api.sim.ledger()), len(api.sim.applied())
    path, body = f"/v1/characters/{char_id}/refs/regenerate", {"pose": "front"}
    headers = {"Idempotency-Key": "once"}
    assert api.post(path, json=body, headers=headers).status_code == 200
    for _ in range(3):
        replay = api.post(path, json=body, headers=headers)
        assert replay.headers["Aurous-Idempotent-Replayed"] == "true"
    assert (len(api.sim.ledger()), len(api.sim.applied())) == (entries[0] + 1, entries[1] + 1)


def test_refused_and_faulted_calls_add_nothing(api: Api) -> None:
    char_id = api.reviewing()["id"]
    before = api.sim.ledger(), api.sim.applied()
    regen = f"/v1/characters/{char_id}/refs/regenerate"
    assert api.post(regen, json={"pose": "other"}).status_code == 400
    api.sim.set_credits(KEY, 0)
    assert api.post(regen, json={"pose": "front"}).status_code == 402
    api.sim.set_credits(KEY, 100)
    api.sim.fail_next(1, 503, route="regenerate")
    assert api.post(regen, json={"pose": "front"}).status_code == 503
    api.sim.drop_next(1, route="regenerate")
    with pytest.raises(ConnectionDropped):
        api.post(regen, json={"pose": "front"})
    assert (api.sim.ledger(), api.sim.applied()) == before


def test_a_reset_after_the_call_keeps_its_entry(api: Api) -> None:
    char_id = api.reviewing()["id"]
    api.sim.drop_next(1, route="resynthesize", after=True)
    with pytest.raises(ConnectionDropped):
        api.post(f"/v1/characters/{char_id}/resynthesize", headers={"Idempotency-Key": "lost"})
    (billed,) = [d for d in api.sim.ledger() if d.kind == "resynthesize"]
    assert (billed.character_id, billed.idempotency_key) == (char_id, "lost")
    retry = api.post(f"/v1/characters/{char_id}/resynthesize", headers={"Idempotency-Key": "lost"})
    assert retry.headers["Aurous-Idempotent-Replayed"] == "true"
    assert len([d for d in api.sim.ledger() if d.kind == "resynthesize"]) == 1


def test_only_a_real_save_counts(api: Api) -> None:
    char_id = api.first("reviewing")["id"]
    for _ in range(3):
        assert api.post(f"/v1/characters/{char_id}/save").status_code == 200
    ready_id = api.first("ready")["id"]
    assert api.post(f"/v1/characters/{ready_id}/save").status_code == 200
    synthesizing_id = api.first("synthesizing")["id"]
    assert api.post(f"/v1/characters/{synthesizing_id}/save").status_code == 400
    assert [(a.operation, a.character_id) for a in api.sim.applied()] == [("save", char_id)]
    assert api.sim.ledger() == []  # saving is free


def test_deletes_hard_and_soft_and_patches_that_change_something(api: Api) -> None:
    reviewing, ready = api.first("reviewing")["id"], api.first("ready")["id"]
    for char_id in (reviewing, ready):
        assert api.request("DELETE", f"/v1/characters/{char_id}").status_code == 200
        assert api.request("DELETE", f"/v1/characters/{char_id}").status_code == 404
    patched = api.first("reviewing")
    path = f"/v1/characters/{patched['id']}"
    api.ok("PATCH", path, json={"name": "Renamed"})
    api.ok("PATCH", path, json={"name": "Renamed"})  # the same again: no change
    api.ok("PATCH", path, json={"name": "Renamed", "attributes": {"age": 40}})
    applied = [a.as_dict() for a in api.sim.applied()]
    assert [(a["operation"], a["character_id"], a["hard"], a["fields"]) for a in applied] == [
        ("delete", reviewing, True, []),
        ("delete", ready, False, []),
        ("patch", patched["id"], None, ["name"]),
        ("patch", patched["id"], None, ["attributes"]),
    ]


def test_per_team_and_exempt(api: Api) -> None:
    api.sim.set_billing_mode(OTHER_KEY, "exempt")
    api.create(key=OTHER_KEY)
    assert api.sim.ledger() == []
    (theirs,) = api.sim.ledger(OTHER_KEY)
    assert (theirs.team, theirs.credits_held, theirs.generations) == ("team_1", 0, 4)
    assert api.sim.ledger("team_1") == [theirs]
    assert [a.operation for a in api.sim.applied("team_1")] == ["create"]


def test_control_routes(api: Api) -> None:
    char_id = api.first("reviewing")["id"]
    saved = api.post(f"/v1/characters/{char_id}/save", headers={"Idempotency-Key": "s1"})
    api.create(key=OTHER_KEY)
    applied = api.client.get("/_sim/applied").json()
    assert applied["team"] == "team_0"
    (entry,) = applied["data"]
    assert entry == {
        "team": "team_0",
        "character_id": char_id,
        "operation": "save",
        "idempotency_key": "s1",
        "request_id": saved.headers["Aurous-Request-Id"],
        "at": api.sim.now(),
        "pose": None,
        "hard": None,
        "fields": [],
    }
    assert api.client.get("/_sim/ledger").json() == {"team": "team_0", "data": []}
    theirs = api.client.get("/_sim/ledger", params={"team": "team_1"}).json()["data"]
    assert [d["kind"] for d in theirs] == ["create"]
    assert api.client.get("/_sim/ledger", params={"api_key": OTHER_KEY}).json()["data"] == theirs
    assert api.client.get("/_sim/applied", params={"team": "team_5"}).status_code == 400


def test_seeded_characters_are_not_in_the_ledger(make_api: ApiFactory) -> None:
    api = make_api(characters=40)
    assert any(c["status"] == "synthesizing" for c in api.sim.characters())
    assert api.sim.ledger() == []
    assert api.sim.applied() == []
