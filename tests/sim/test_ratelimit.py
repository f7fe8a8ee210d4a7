"""Three token buckets per team, refilled by the injected clock."""

from __future__ import annotations

import httpx
import pytest

from reviewer.sim import DEMO_EPOCH
from reviewer.sim._clock import ManualClock
from reviewer.sim._ratelimit import TokenBucket

from .conftest import KEY, OTHER_KEY, Api

BUCKETS = {
    # bucket: (a call in it, burst, seconds per token)
    "characters_get": (("GET", "/v1/balance", None), 240, 0.5),
    "characters_post": (
        ("POST", "/v1/characters/char_01HXMQ7Z3K8Y2NABCDEFGHJKMR/save", None),
        60,
        2.0,
    ),
    "characters_synthesize": (
        ("POST", "/v1/characters", {"name": "N", "generate": True}),
        12,
        10.0,
    ),
}


def limits(response: httpx.Response) -> tuple[int, int, int]:
    h = response.headers
    return int(h["X-RateLimit-Limit"]), int(h["X-RateLimit-Remaining"]), int(h["X-RateLimit-Reset"])


def spend(api: Api, call: tuple[str, str, object], times: int, key: str = KEY) -> httpx.Response:
    method, path, body = call
    response = None
    for _ in range(times):
        response = api.request(method, path, key=key, json=body)
        assert response.status_code != 429, f"limited early: {response.text}"
    assert response is not None
    return response


@pytest.mark.parametrize("bucket", list(BUCKETS))
def test_burst_then_429_with_retry_after_then_refill(make_api, bucket: str) -> None:
    api = make_api(credits=1000)
    call, burst, per_token = BUCKETS[bucket]
    last = spend(api, call, burst)
    assert limits(last) == (burst, 0, int(DEMO_EPOCH + burst * per_token))
    method, path, body = call
    limited = api.request(method, path, json=body)
    assert limited.status_code == 429
    error = limited.json()["error"]
    assert (error["type"], error["code"]) == ("rate_limit", "too_many_requests")
    assert int(limited.headers["Retry-After"]) == max(1, int(per_token))
    assert limits(limited)[1] == 0
    api.sim.advance(per_token - 0.01)
    assert api.request(method, path, json=body).status_code == 429
    api.sim.advance(0.01)
    assert api.request(method, path, json=body).status_code != 429
    api.sim.advance(burst * per_token)
    assert limits(api.request(method, path, json=body))[1] == burst - 1


def test_each_team_and_each_bucket_counts_apart(api: Api) -> None:
    call, burst, _ = BUCKETS["characters_synthesize"]
    spend(api, call, burst)
    assert api.post("/v1/characters", json=call[2]).status_code == 429
    assert api.post("/v1/characters", key=OTHER_KEY, json=call[2]).status_code == 201
    assert limits(api.get("/v1/balance"))[1] == 239
    assert limits(api.post("/v1/characters/char_01HXMQ7Z3K8Y2NABCDEFGHJKMR/save"))[1] == 59


def test_4xx_spend_tokens_but_429_does_not(api: Api) -> None:
    assert api.get("/v1/characters?limit=0").status_code == 400
    assert api.get("/v1/characters/char_01HXMQ7Z3K8Y2NABCDEFGHJKMR").status_code == 404
    assert limits(api.get("/v1/balance"))[1] == 237
    call, burst, _ = BUCKETS["characters_synthesize"]
    spend(api, call, burst)
    for _ in range(3):
        assert api.post("/v1/characters", json=call[2]).status_code == 429
    api.sim.advance(10)
    assert api.post("/v1/characters", json=call[2]).status_code == 201


def test_the_reset_header_names_when_the_bucket_is_full(api: Api) -> None:
    first = api.get("/v1/balance")
    assert limits(first) == (240, 239, int(DEMO_EPOCH) + 1)
    api.sim.advance(0.5)
    assert limits(api.get("/v1/balance"))[1:] == (239, int(DEMO_EPOCH) + 1)


def test_scale_knob_for_load_tests(make_api) -> None:
    api = make_api(rate_limit_scale=10)
    assert limits(api.get("/v1/balance"))[0] == 2400


@pytest.mark.parametrize("step", [0.1, 0.25, 0.05])
def test_a_token_due_after_exactly_one_refill_is_given_on_the_manual_clock(step: float) -> None:
    # Seen in the throughput benchmark: 20 steps of 0.1 s added to seconds since 1970
    # came to 1.9999990 s, so the save due when the first token after the burst refilled
    # (30 a minute: 2 s) was refused with a 429.
    clock = ManualClock()
    clock.advance(0.35)
    bucket = TokenBucket(30, 60, clock.time())
    assert all(bucket.take(clock.time()).allowed for _ in range(60))
    steps = round(2.0 / step)
    for _ in range(steps - 1):
        clock.advance(step)
    assert not bucket.take(clock.time()).allowed  # a step early
    clock.advance(step)
    decision = bucket.take(clock.time())
    assert decision.allowed
