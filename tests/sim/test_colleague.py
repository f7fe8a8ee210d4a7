"""A colleague spending the team's bucket, on the simulator's own clock."""

from __future__ import annotations

import pytest

from reviewer.sim.cli import build_parser, config_from_args

from .conftest import OTHER_KEY, Api, ApiFactory


def _drain_post(api: Api) -> str:
    """Spend the first team's characters_post bucket to 0; answers a ready character."""
    char_id = str(api.first("ready")["id"])
    for _ in range(60):
        assert api.post(f"/v1/characters/{char_id}/save").status_code == 200
    assert api.post(f"/v1/characters/{char_id}/save").status_code == 429
    return char_id


def _remaining(api: Api, key: str | None = None, method: str = "PATCH") -> int:
    """Tokens left in characters_post (characters_get for GET), read without spending one:
    an unknown url shows them."""
    response = api.request(method, "/v1/nowhere", **({"key": key} if key else {}))
    return int(response.headers["X-RateLimit-Remaining"])


def test_a_colleague_takes_its_share_of_the_refill(api: Api) -> None:
    char_id = _drain_post(api)
    api.sim.set_colleague(20)  # characters_post refills 30 a minute
    api.sim.advance(60)
    assert _remaining(api) == 10
    assert api.sim.colleagues() == [
        {"team": "team_0", "bucket": "characters_post", "per_minute": 20.0, "spent": 20,
         "refused": 0}
    ]  # fmt: skip
    saves = [api.post(f"/v1/characters/{char_id}/save").status_code for _ in range(11)]
    assert saves == [200] * 10 + [429]


def test_a_greedy_colleague_is_refused_when_the_bucket_is_empty(api: Api) -> None:
    _drain_post(api)
    api.sim.set_colleague(60)  # a request a second, twice the refill
    api.sim.advance(60)
    (colleague,) = api.sim.colleagues()
    assert (colleague["spent"], colleague["refused"]) == (30, 30)
    assert _remaining(api) == 0


def test_a_colleague_with_tokens_to_spare_leaves_a_full_bucket_full(api: Api) -> None:
    api.sim.set_colleague(20)
    api.sim.advance(600)
    assert _remaining(api) == 59  # its 200th request came just now
    api.sim.advance(2)
    assert _remaining(api) == 60
    assert api.sim.colleagues()[0]["spent"] == 200


def test_the_result_does_not_depend_on_when_it_is_looked_at(make_api: ApiFactory) -> None:
    once, often = make_api(), make_api()
    for api in (once, often):
        _drain_post(api)
        api.sim.set_colleague(45)
    once.sim.advance(120)
    for _ in range(120):
        often.sim.advance(1)
        _remaining(often)
    assert _remaining(once) == _remaining(often)
    assert once.sim.colleagues() == often.sim.colleagues()


def test_other_teams_and_buckets_are_untouched(api: Api) -> None:
    _drain_post(api)
    api.sim.set_colleague(600)
    api.sim.advance(30)
    assert _remaining(api, OTHER_KEY) == 60
    assert api.get("/v1/balance").headers["X-RateLimit-Remaining"] == "239"


def test_any_bucket_and_team_and_stopping(api: Api) -> None:
    api.sim.set_colleague(120, bucket="characters_get", team=OTHER_KEY)
    api.sim.advance(60)
    assert _remaining(api, OTHER_KEY, "GET") == 239  # one every 0.5 s, the refill rate
    api.sim.set_colleague(0, bucket="characters_get", team=OTHER_KEY)
    assert api.sim.colleagues() == []
    api.sim.advance(1)
    assert _remaining(api, OTHER_KEY, "GET") == 240
    with pytest.raises(ValueError, match="bucket"):
        api.sim.set_colleague(5, bucket="characters_put")
    with pytest.raises(ValueError, match=">= 0"):
        api.sim.set_colleague(-1)


def test_a_new_rate_starts_from_now_and_keeps_what_was_spent(api: Api) -> None:
    _drain_post(api)
    api.sim.set_colleague(30)
    api.sim.advance(30)  # the old one spent all 15 refilled tokens
    api.sim.set_colleague(10)
    api.sim.advance(6)  # the new one's first request is due at 6 s
    assert api.sim.colleagues()[0]["spent"] == 1
    assert _remaining(api) == 2  # 3 refilled, 1 taken


def test_from_config_cli_and_control_route(make_api: ApiFactory) -> None:
    api = make_api(colleague_per_minute={"characters_post": 20})
    _drain_post(api)
    api.sim.advance(60)
    assert _remaining(api) == 10
    set_ = api.client.post("/_sim/colleagues", json={"per_minute": 12, "bucket": "characters_post"})
    assert set_.json()["colleagues"][0]["per_minute"] == 12
    assert api.client.get("/_sim/colleagues").json()["colleagues"][0]["spent"] == 0
    assert api.client.post("/_sim/colleagues", json={}).status_code == 400
    assert api.client.post("/_sim/colleagues", json={"per_minute": 1, "rate": 2}).status_code == 400
    assert api.client.post("/_sim/colleagues", json={"per_minute": "x"}).status_code == 400
    args = build_parser().parse_args(
        ["--colleague-post-per-minute", "20", "--colleague-synthesize-per-minute", "2"]
    )
    assert config_from_args(args).colleague_per_minute == {
        "characters_post": 20.0,
        "characters_synthesize": 2.0,
    }
    with pytest.raises(ValueError, match="unknown bucket"):
        make_api(colleague_per_minute={"posts": 1})
