"""The character state machine, driven by the manual clock."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import DONE, OTHER_KEY, POSES, SYNTHESIS, Api


def urls(char: dict[str, Any]) -> dict[str, str]:
    return {ref["pose"]: ref["url"] for ref in char["refs"]}


def download(api: Api, url: str) -> bytes:
    response = api.client.get(url)
    assert response.status_code == 200
    data: bytes = response.content
    return data


def test_create_synthesizes_then_awaits_review(api: Api) -> None:
    created = api.create("Aurora the Adventurer")
    assert created["status"] == "synthesizing"
    assert created["refs"] == []
    assert created["name"] == "Aurora the Adventurer"
    assert created["attributes"] == {"hair_color": "red"}
    assert created["error_message"] is None
    api.sim.advance(SYNTHESIS - 0.5)
    assert api.character(created["id"])["status"] == "synthesizing"
    api.sim.advance(DONE)
    done = api.character(created["id"])
    assert done["status"] == "reviewing"
    assert [ref["pose"] for ref in done["refs"]] == list(POSES)
    assert done["updated_at"] > created["updated_at"]


def test_create_answers_201(api: Api) -> None:
    body = {"name": "Kofi the Ranger", "generate": True}
    response = api.post("/v1/characters", json=body)
    assert response.status_code == 201
    assert response.json()["attributes"] is None


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"generate": True}, "name", "missing_field"),
        ({"name": "A"}, "generate", "missing_field"),
        ({"name": "", "generate": True}, "name", "invalid_format"),
        ({"name": 7, "generate": True}, "name", "invalid_format"),
        ({"name": "A", "generate": "yes"}, "generate", "invalid_format"),
        ({"name": "A", "generate": False}, "generate", "invalid_request_error"),
        ({"name": "A", "generate": True, "attributes": []}, "attributes", "invalid_format"),
        (
            {"name": "A", "generate": True, "attributes": {"age": "old"}},
            "attributes.age",
            "invalid_format",
        ),
        (
            {"name": "A", "generate": True, "attributes": {"hair_colour": "red"}},
            "attributes.hair_colour",
            "invalid_request_error",
        ),
        ({"name": "A", "generate": True, "colour": "red"}, "colour", "invalid_request_error"),
        ({"name": "A", "upload_ids": ["upl_1"]}, "upload_ids", "invalid_request_error"),
    ],
)
def test_create_validation(api: Api, body: dict[str, Any], param: str, code: str) -> None:
    before = api.balance()
    response = api.post("/v1/characters", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["param"], error["code"]) == (param, code)
    assert api.balance() == before


def test_save_reviewing_makes_it_ready_and_again_changes_nothing(api: Api) -> None:
    char = api.first("reviewing")
    api.sim.advance(60)
    saved = api.ok("POST", f"/v1/characters/{char['id']}/save")
    assert saved["status"] == "ready"
    assert saved["updated_at"] > char["updated_at"]
    api.sim.advance(60)
    again = api.ok("POST", f"/v1/characters/{char['id']}/save")
    assert again == saved


@pytest.mark.parametrize("status", ["synthesizing", "failed"])
def test_save_is_refused_while_synthesizing_or_failed(api: Api, status: str) -> None:
    char = api.first(status)
    response = api.post(f"/v1/characters/{char['id']}/save")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request_error"
    assert api.character(char["id"])["status"] == status


def test_regenerate_replaces_only_that_pose(api: Api) -> None:
    char = api.reviewing()
    before = urls(char)
    images = {pose: download(api, url) for pose, url in before.items()}
    body = {"pose": "side", "prompt_override": "ignored, as documented"}
    running = api.ok("POST", f"/v1/characters/{char['id']}/refs/regenerate", json=body)
    assert running["status"] == "synthesizing"
    assert urls(running) == before  # the old refs stay until the new pose is minted
    api.sim.advance(DONE)
    after = api.character(char["id"])
    assert after["status"] == "reviewing"
    now = urls(after)
    assert now["side"] != before["side"]
    assert download(api, now["side"]) != images["side"]
    for pose in ("portrait", "front", "back"):
        assert now[pose] == before[pose]
        assert download(api, now[pose]) == images[pose]
    assert api.raw(char["id"])["_sim"]["ref_versions"] == {
        "portrait": 1, "front": 1, "side": 2, "back": 1,
    }  # fmt: skip


def test_regenerate_from_ready_returns_to_reviewing(api: Api) -> None:
    char = api.first("ready")
    api.ok("POST", f"/v1/characters/{char['id']}/refs/regenerate", json={"pose": "front"})
    api.sim.advance(DONE)
    assert api.character(char["id"])["status"] == "reviewing"


def test_resynthesize_replaces_all_four(api: Api) -> None:
    char = api.reviewing()
    before = urls(char)
    running = api.ok("POST", f"/v1/characters/{char['id']}/resynthesize", json={"force_all": False})
    assert running["status"] == "synthesizing"
    api.sim.advance(DONE)
    after = urls(api.character(char["id"]))
    assert set(after) == set(POSES)
    assert all(after[p] != before[p] for p in POSES)


def test_resynthesize_takes_no_body_too(api: Api) -> None:
    char = api.first("failed")
    assert api.post(f"/v1/characters/{char['id']}/resynthesize").status_code == 200
    api.sim.advance(DONE)
    done = api.character(char["id"])
    assert (done["status"], done["error_message"], len(done["refs"])) == ("reviewing", None, 4)


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({}, "pose", "missing_field"),
        ({"pose": "left"}, "pose", "invalid_format"),
        ({"pose": "other"}, "pose", "invalid_request_error"),
        ({"pose": "front", "prompt_override": 5}, "prompt_override", "invalid_format"),
        ({"pose": "front", "seed": 5}, "seed", "invalid_request_error"),
    ],
)
def test_regenerate_validation(api: Api, body: dict[str, Any], param: str, code: str) -> None:
    char = api.first("reviewing")
    response = api.post(f"/v1/characters/{char['id']}/refs/regenerate", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["param"], error["code"]) == (param, code)
    assert api.character(char["id"])["status"] == "reviewing"


@pytest.mark.parametrize("route", ["refs/regenerate", "resynthesize"])
def test_rerun_is_refused_while_synthesizing(api: Api, route: str) -> None:
    char = api.first("synthesizing")
    response = api.post(f"/v1/characters/{char['id']}/{route}", json={"pose": "front"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request_error"


def test_a_failed_run_reports_why_and_only_resynthesize_can_fix_it(make_api) -> None:
    api = make_api(failure_rate=1.0)
    char = api.create()
    api.sim.advance(DONE)
    failed = api.character(char["id"])
    assert failed["status"] == "failed"
    assert failed["error_message"]
    assert failed["refs"] == []
    path = f"/v1/characters/{char['id']}"
    response = api.post(f"{path}/refs/regenerate", json={"pose": "front"})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "pose"
    assert api.post(f"{path}/resynthesize").status_code == 200


def test_patch_renames_and_replaces_attributes_whole(api: Api) -> None:
    char = api.first("reviewing")
    api.sim.advance(1)
    path = f"/v1/characters/{char['id']}"
    renamed = api.ok("PATCH", path, json={"name": "Renamed", "attributes": {"age": 40}})
    assert renamed["name"] == "Renamed"
    assert renamed["attributes"] == {"age": 40}
    assert renamed["updated_at"] > char["updated_at"]
    assert renamed["refs"] == char["refs"]
    cleared = api.ok("PATCH", path, json={"attributes": None})
    assert (cleared["name"], cleared["attributes"]) == ("Renamed", None)
    api.sim.advance(1)
    assert api.ok("PATCH", path, json={})["updated_at"] == cleared["updated_at"]


@pytest.mark.parametrize(
    ("body", "param"),
    [({"status": "ready"}, "status"), ({"name": None}, "name"), ({"refs": []}, "refs")],
)
def test_patch_refuses_other_fields(api: Api, body: dict[str, Any], param: str) -> None:
    char = api.first("reviewing")
    response = api.request("PATCH", f"/v1/characters/{char['id']}", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


def test_delete_reviewing_is_hard(api: Api) -> None:
    char = api.first("reviewing")
    url = char["refs"][0]["url"]
    gone = api.ok("DELETE", f"/v1/characters/{char['id']}")
    assert gone == {"id": char["id"], "object": "character", "deleted": True}
    assert api.sim.character(char["id"]) is None
    assert api.get(f"/v1/characters/{char['id']}").status_code == 404
    assert api.client.get(url).status_code == 404


@pytest.mark.parametrize("status", ["ready", "failed", "synthesizing"])
def test_delete_other_statuses_is_soft(api: Api, status: str) -> None:
    char = api.first(status)
    api.ok("DELETE", f"/v1/characters/{char['id']}")
    assert api.raw(char["id"])["status"] == "deleted"
    assert api.get(f"/v1/characters/{char['id']}").status_code == 404
    api.sim.advance(DONE)
    assert api.raw(char["id"])["status"] == "deleted"


@pytest.mark.parametrize("status", ["reviewing", "ready"])
def test_second_delete_is_404(api: Api, status: str) -> None:
    path = f"/v1/characters/{api.first(status)['id']}"
    api.ok("DELETE", path)
    second = api.request("DELETE", path)
    assert second.status_code == 404
    assert second.json()["error"]["code"] == "resource_not_found"


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"name": "x"}),
        ("DELETE", "", None),
        ("POST", "/save", None),
        ("POST", "/refs/regenerate", {"pose": "front"}),
        ("POST", "/resynthesize", None),
    ],
)
def test_another_teams_character_is_a_plain_404(
    api: Api, method: str, suffix: str, body: dict[str, Any] | None
) -> None:
    char = api.first("reviewing")
    path = f"/v1/characters/{char['id']}{suffix}"
    theirs = api.request(method, path, key=OTHER_KEY, json=body)
    unknown = api.request(
        method, f"/v1/characters/char_01HXMQ7Z3K8Y2NABCDEFGHJKMR{suffix}", json=body
    )
    assert theirs.status_code == unknown.status_code == 404
    strip = {"request_id", "message"}
    assert {k: v for k, v in theirs.json()["error"].items() if k not in strip} == {
        k: v for k, v in unknown.json()["error"].items() if k not in strip
    }
    assert api.character(char["id"]) == char


def test_malformed_ids_are_404(api: Api) -> None:
    assert api.get("/v1/characters/not-an-id").status_code == 404
