"""Keys per team: more than one, shared buckets, revocation and rotation."""

from __future__ import annotations

import pytest

from reviewer.sim.cli import build_parser, config_from_args

from .conftest import KEY, OTHER_KEY, Api, ApiFactory, config

COLLEAGUE_KEY = "al_live_" + "c3" * 32
NEW_KEY = "al_live_" + "d4" * 32


@pytest.fixture
def shared(make_api: ApiFactory) -> Api:
    return make_api(team_keys={0: [COLLEAGUE_KEY]})


def test_a_second_key_is_the_same_team(shared: Api) -> None:
    mine = shared.ok("GET", "/v1/characters?limit=100")["data"]
    theirs = shared.ok("GET", "/v1/characters?limit=100", key=COLLEAGUE_KEY)["data"]
    assert [c["id"] for c in mine] == [c["id"] for c in theirs]
    assert shared.balance(COLLEAGUE_KEY) == shared.balance(KEY)
    assert shared.sim.keys() == [KEY, COLLEAGUE_KEY]
    assert shared.sim.keys(OTHER_KEY) == [OTHER_KEY]
    assert shared.sim.team_id(COLLEAGUE_KEY) == shared.sim.team_id(KEY) == "team_0"


def test_keys_of_a_team_share_its_buckets(shared: Api) -> None:
    char_id = shared.first("ready")["id"]
    remaining = []
    for key in (KEY, COLLEAGUE_KEY, KEY, COLLEAGUE_KEY):
        response = shared.post(f"/v1/characters/{char_id}/save", key=key)
        remaining.append(int(response.headers["X-RateLimit-Remaining"]))
    assert remaining == [59, 58, 57, 56]
    other = shared.post(f"/v1/characters/{char_id}/save", key=OTHER_KEY)
    assert other.headers["X-RateLimit-Remaining"] == "59"  # another team, its own bucket


def test_a_colleague_can_spend_the_bucket_empty(shared: Api) -> None:
    char_id = shared.first("ready")["id"]
    for _ in range(60):
        assert shared.post(f"/v1/characters/{char_id}/save", key=COLLEAGUE_KEY).status_code == 200
    refused = shared.post(f"/v1/characters/{char_id}/save")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2"  # 30/min: a token every 2 s


def test_a_revoked_key_answers_401_revoked_and_the_team_keeps_working(shared: Api) -> None:
    assert shared.sim.revoke_key(COLLEAGUE_KEY) == "team_0"
    response = shared.get("/v1/balance", key=COLLEAGUE_KEY)
    assert response.status_code == 401
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("authentication", "revoked_api_key")
    bearer = shared.get(
        "/v1/balance", key=None, headers={"Authorization": f"Bearer {COLLEAGUE_KEY}"}
    )
    assert bearer.json()["error"]["code"] == "revoked_api_key"
    assert shared.get("/v1/balance").status_code == 200
    assert shared.sim.keys() == [KEY]
    # Unknown keys still read invalid, not revoked.
    assert shared.get("/v1/balance", key=NEW_KEY).json()["error"]["code"] == "invalid_api_key"


def test_rotation_a_new_key_for_the_same_team(api: Api) -> None:
    before = [c["id"] for c in api.sim.characters()]
    assert api.sim.add_key(KEY, NEW_KEY) == "team_0"
    api.sim.revoke_key(KEY)
    assert api.get("/v1/balance").json()["error"]["code"] == "revoked_api_key"
    page = api.ok("GET", "/v1/characters?limit=100", key=NEW_KEY)
    assert [c["id"] for c in page["data"]] == [
        c["id"] for c in api.sim.characters() if c["status"] != "deleted"
    ]
    # The revoked key still names its team in the controls.
    assert [c["id"] for c in api.sim.characters(KEY)] == before
    assert api.sim.balance(KEY) == api.balance(NEW_KEY)


def test_a_team_without_live_keys_can_be_given_one(api: Api) -> None:
    api.sim.revoke_key(OTHER_KEY)
    assert api.sim.keys("team_1") == []
    api.sim.add_key("team_1", NEW_KEY)
    assert api.balance(NEW_KEY)["credits"] == 200
    assert api.sim.team_id(NEW_KEY) == "team_1"


def test_key_misuse_is_refused(api: Api) -> None:
    with pytest.raises(ValueError, match="already issued"):
        api.sim.add_key(None, OTHER_KEY)
    api.sim.revoke_key(OTHER_KEY)
    with pytest.raises(ValueError, match="already issued"):
        api.sim.add_key(None, OTHER_KEY)  # a revoked key does not come back
    with pytest.raises(KeyError, match="already revoked"):
        api.sim.revoke_key(OTHER_KEY)
    with pytest.raises(KeyError, match="never issued"):
        api.sim.revoke_key(NEW_KEY)
    with pytest.raises(KeyError, match="no team"):
        api.sim.add_key("team_9", NEW_KEY)
    with pytest.raises(ValueError, match="non-empty"):
        api.sim.add_key(None, " ")


def test_key_control_routes(api: Api) -> None:
    client = api.client
    assert client.get("/_sim/keys").json() == {"team": "team_0", "keys": [KEY]}
    assert client.get("/_sim/keys", params={"team": "team_1"}).json()["keys"] == [OTHER_KEY]
    added = client.post("/_sim/keys", json={"team": KEY, "key": NEW_KEY})
    assert added.json() == {"team": "team_0", "keys": [KEY, NEW_KEY]}
    assert api.get("/v1/balance", key=NEW_KEY).status_code == 200
    revoked = client.post("/_sim/keys/revoke", json={"key": KEY})
    assert revoked.json() == {"team": "team_0", "keys": [NEW_KEY]}
    assert api.get("/v1/balance").status_code == 401
    # Other controls take a revoked key or a team id too.
    credits = client.post("/_sim/credits", json={"api_key": KEY, "credits": 7})
    assert credits.json()["credits"] == 7
    assert (
        client.post("/_sim/credits", json={"team": "team_1", "credits": 3}).json()["credits"] == 3
    )
    assert api.balance(OTHER_KEY)["credits"] == 3
    for path, body in [
        ("/_sim/keys/revoke", {"key": KEY}),
        ("/_sim/keys/revoke", {}),
        ("/_sim/keys", {"key": NEW_KEY}),
        ("/_sim/keys", {"team": "team_7", "key": "al_live_x"}),
        ("/_sim/credits", {"api_key": "al_live_unknown"}),
    ]:
        response = client.post(path, json=body)
        assert response.status_code == 400, (path, body, response.text)
        assert response.json()["error"]["code"] == "invalid_request_error"


def test_config_checks_team_keys() -> None:
    with pytest.raises(ValueError, match="no team at index 2"):
        config(team_keys={2: [NEW_KEY]})
    with pytest.raises(ValueError, match="distinct"):
        config(team_keys={0: [OTHER_KEY]})
    with pytest.raises(ValueError, match="distinct"):
        config(team_keys={0: [NEW_KEY], 1: [NEW_KEY]})
    with pytest.raises(ValueError, match="lists of keys"):
        config(team_keys={0: NEW_KEY})


def test_cli_team_key_adds_keys_to_the_first_team() -> None:
    args = build_parser().parse_args(["--team-key", COLLEAGUE_KEY, "--team-key", NEW_KEY])
    built = config_from_args(args)
    assert built.team_keys == {0: [COLLEAGUE_KEY, NEW_KEY]}
    assert len(built.api_keys) == 1  # the demo key, still one team
    assert config_from_args(build_parser().parse_args([])).team_keys == {}
