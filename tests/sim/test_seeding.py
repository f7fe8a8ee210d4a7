"""The seeded catalogue: a realistic mix, repeatable under the seed, cheap at scale."""

from __future__ import annotations

import collections
import time

from reviewer.sim import ManualClock, SimConfig, Simulator, demo_api_key

from .conftest import KEY, SYNTHESIS, Api


def test_same_seed_same_world(make_api) -> None:
    first, second = make_api(), make_api()
    listing = "/v1/characters?limit=100"
    assert first.ok("GET", listing) == second.ok("GET", listing)
    first.sim.advance(30)
    second.sim.advance(30)
    assert first.ok("GET", listing) == second.ok("GET", listing)


def test_another_seed_another_world(make_api) -> None:
    names = {c["name"] for c in make_api(seed=1).ok("GET", "/v1/characters")["data"]}
    others = {c["name"] for c in make_api(seed=2).ok("GET", "/v1/characters")["data"]}
    assert names != others


def test_a_realistic_mix(api: Api) -> None:
    chars = api.sim.characters(KEY)
    counts = collections.Counter(c["status"] for c in chars)
    assert counts == {"reviewing": 16, "synthesizing": 3, "ready": 3, "failed": 2}
    assert all(c["error_message"] for c in chars if c["status"] == "failed")
    assert all(c["error_message"] is None for c in chars if c["status"] != "failed")
    assert all(len(c["refs"]) == 4 for c in chars if c["status"] in ("reviewing", "ready"))
    assert any(c["attributes"] is None for c in chars)
    full = [c["attributes"] for c in chars if c["attributes"]]
    assert all(len(a) == 8 and all(v is not None for v in a.values()) for a in full)
    assert all(" " in c["name"] for c in chars)
    days = {c["created_at"][:10] for c in chars}
    assert len(days) >= 4


def test_arrivals_are_staggered_within_one_synthesis_period(api: Api) -> None:
    arriving = [c["id"] for c in api.sim.characters(KEY) if c["status"] == "synthesizing"]
    ready_at = sorted(api.raw(i)["_sim"]["ready_at"] for i in arriving)
    now = api.sim.now()
    assert now < ready_at[0] < ready_at[-1] < now + SYNTHESIS
    seen = []
    for _ in range(int(SYNTHESIS)):
        api.sim.advance(1)
        seen.append(sum(c["status"] == "synthesizing" for c in api.sim.characters(KEY)))
    assert seen[-1] == 0
    assert len(set(seen)) > 2  # they land one by one


def test_small_catalogues(make_api) -> None:
    assert make_api(characters=0).ok("GET", "/v1/characters")["data"] == []
    one = make_api(characters=1).ok("GET", "/v1/characters")["data"]
    assert [c["status"] for c in one] == ["reviewing"]


def test_hundreds_of_characters_are_quick_to_seed_and_list() -> None:
    started = time.perf_counter()
    sim = Simulator(SimConfig(api_keys=[KEY], characters=600, clock=ManualClock()))
    assert len(sim.characters(KEY)) == 600
    assert time.perf_counter() - started < 2.0  # no images are rendered up front


def test_a_keyless_config_gets_a_deterministic_demo_key() -> None:
    config = SimConfig(seed=5)
    assert config.api_keys == [demo_api_key(5)]
    assert config.api_keys[0].startswith("al_live_")
    assert len(config.api_keys[0]) == len("al_live_") + 64
    assert SimConfig(seed=5).api_keys == config.api_keys != SimConfig(seed=6).api_keys
