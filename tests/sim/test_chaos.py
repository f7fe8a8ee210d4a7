"""Random faults: shares, determinism, what they change and what they leave alone."""

from __future__ import annotations

import io
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from PIL import Image, UnidentifiedImageError

from reviewer.sim import ConnectionDropped, serve_in_thread

from .conftest import KEY, Api, ApiFactory, config

CREATE = {"name": "Chaotic", "generate": True}
N = 1000
RESETS = ("reset_before", "reset_after")


def _statuses(api: Api, count: int, path: str = "/v1/balance") -> list[int | str]:
    """Each request's status, or 'reset' for a dropped connection."""
    seen: list[int | str] = []
    for _ in range(count):
        try:
            seen.append(api.get(path).status_code)
        except ConnectionDropped:
            seen.append("reset")
    return seen


def test_off_by_default(api: Api) -> None:
    assert set(_statuses(api, 50)) == {200}
    chaos = api.sim.chaos()
    assert chaos["fault_rate"] == chaos["reset_rate"] == chaos["corrupt_image_rate"] == 0.0
    assert chaos["latency_ms"] == 0.0
    assert chaos["injected"] == {}


def test_fault_rate_one_answers_every_call_5xx_with_the_envelope_and_changes_nothing(
    make_api: ApiFactory,
) -> None:
    api = make_api(fault_rate=1.0, rate_limit_scale=100)
    before = api.sim.balance()
    for _ in range(30):
        response = api.post("/v1/characters", json=CREATE)
        assert response.status_code in (500, 502, 503)
        error = response.json()["error"]
        assert error["type"] == "server_error"
        assert error["request_id"] == response.headers["Aurous-Request-Id"]
        assert response.headers["X-RateLimit-Limit"] == str(12 * 100)
        # Before the call: no token spent either.
        assert response.headers["X-RateLimit-Remaining"] == str(12 * 100)
    assert api.sim.balance() == before
    assert len(api.sim.characters()) == 24
    assert api.sim.ledger() == []
    assert api.sim.applied() == []
    assert api.sim.chaos()["injected"] == dict(
        Counter(f"status_{r.status}" for r in api.sim.requests)
    )


def test_random_faults_come_before_authentication(make_api: ApiFactory) -> None:
    api = make_api(fault_rate=1.0)
    response = api.get("/v1/balance", key=None)
    assert response.status_code in (500, 502, 503)
    assert "X-RateLimit-Limit" not in response.headers  # no valid key, no team limits


def test_fault_rate_share_and_statuses_over_a_thousand_requests(make_api: ApiFactory) -> None:
    api = make_api(fault_rate=0.2, rate_limit_scale=100, seed=3)
    seen = Counter(_statuses(api, N))
    faults = seen[500] + seen[502] + seen[503]
    assert 0.17 * N <= faults <= 0.23 * N
    assert min(seen[500], seen[502], seen[503]) >= 0.04 * N  # each of the three shows up
    assert seen[200] == N - faults
    assert sum(api.sim.chaos()["injected"].values()) == faults


def test_reset_rate_one_drops_every_call_before_or_after(make_api: ApiFactory) -> None:
    api = make_api(reset_rate=1.0, rate_limit_scale=100)
    reviewing = [c["id"] for c in api.sim.characters() if c["status"] == "reviewing"]
    for char_id in reviewing:
        with pytest.raises(ConnectionDropped) as caught:
            api.post(f"/v1/characters/{char_id}/save")
        assert isinstance(caught.value, httpx.TransportError)
    records = api.sim.requests
    assert all(r.dropped and r.status is None for r in records if r.fault == "reset_before")
    after = [r for r in records if r.fault == "reset_after"]
    assert after
    assert all(r.dropped and r.status == 200 for r in after)
    # After: the save happened though its answer was lost; before: nothing happened.
    saved = {a.character_id for a in api.sim.applied()}
    assert saved == {r.path.split("/")[3] for r in after}
    assert len(saved) < len(reviewing)
    for char_id in reviewing:
        expected = "ready" if char_id in saved else "reviewing"
        assert api.raw(char_id)["status"] == expected


def _labels(api: Api, route: str, count: int = N) -> list[str | None]:
    """What the front door would do to the next requests: the same draw, without the HTTP."""
    return [api.sim.take_fault(route).label() for _ in range(count)]


def test_reset_share_is_split_before_and_after(make_api: ApiFactory) -> None:
    seen = Counter(_labels(make_api(reset_rate=0.3, seed=5), "save"))
    resets = seen["reset_before"] + seen["reset_after"]
    assert 0.26 * N <= resets <= 0.34 * N
    assert 0.4 <= seen["reset_before"] / resets <= 0.6
    assert seen[None] == N - resets


def test_fault_and_reset_shares_are_exclusive(make_api: ApiFactory) -> None:
    seen = Counter(_labels(make_api(fault_rate=0.6, reset_rate=0.6, seed=2), "list"))
    assert seen[None] == 0  # resets take what faults leave
    assert 0.55 * N <= seen["status_500"] + seen["status_502"] + seen["status_503"] <= 0.65 * N


def test_the_same_seed_and_order_give_the_same_faults(make_api: ApiFactory) -> None:
    options: dict[str, Any] = {"fault_rate": 0.2, "reset_rate": 0.1, "rate_limit_scale": 100}
    first = _statuses(make_api(seed=9, **options), 100)
    assert first == _statuses(make_api(seed=9, **options), 100)
    assert first != _statuses(make_api(seed=10, **options), 100)
    # Also when the rates change mid-run: every request draws the same numbers.
    steady = _labels(make_api(seed=9, fault_rate=0.2, reset_rate=0.1), "save", 200)
    changed = make_api(seed=9)
    assert _labels(changed, "save", 50) == [None] * 50
    changed.sim.set_chaos(fault_rate=0.2, reset_rate=0.1)
    assert _labels(changed, "save", 150) == steady[50:]


def test_image_downloads_do_not_shift_the_api_faults(make_api: ApiFactory) -> None:
    options = {"fault_rate": 0.3, "corrupt_image_rate": 0.5, "rate_limit_scale": 100}
    plain, busy = make_api(seed=4, **options), make_api(seed=4, **options)
    # Signed alike: the two simulators share the seed, so one url works on both.
    url = next(c for c in plain.sim.characters() if c["refs"])["refs"][0]["url"]
    seen_plain: list[int | str] = []
    seen_busy: list[int | str] = []
    for i in range(100):
        seen_plain += _statuses(plain, 1)
        if i % 3 == 0:
            busy.client.get(url)
        seen_busy += _statuses(busy, 1)
    assert seen_plain == seen_busy


def test_control_routes_are_never_faulted(make_api: ApiFactory) -> None:
    api = make_api(fault_rate=0.5, reset_rate=0.5)
    for _ in range(50):
        assert api.client.get("/_sim/clock").status_code == 200
    assert api.client.get("/v1/nowhere").status_code == 404  # unknown urls neither
    assert api.sim.requests[-1].fault is None


def test_storage_is_not_hit_by_api_faults(make_api: ApiFactory) -> None:
    api = make_api(rate_limit_scale=100)
    url = api.first("reviewing")["refs"][0]["url"]
    api.sim.set_chaos(fault_rate=1.0, reset_rate=0.0)
    assert all(api.client.get(url).status_code == 200 for _ in range(20))


def test_a_scripted_fault_wins_over_a_random_one(make_api: ApiFactory) -> None:
    api = make_api(fault_rate=1.0)
    api.sim.fail_next(1, 429, route="balance", retry_after=4)
    response = api.get("/v1/balance")
    assert (response.status_code, response.headers["Retry-After"]) == (429, "4")
    assert api.sim.chaos()["injected"] == {}  # the random one did not take effect
    api.sim.clear_faults()
    assert api.sim.chaos()["fault_rate"] == 1.0  # clearing scripted faults keeps chaos


def _decode(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        image.load()


@pytest.mark.parametrize("image_format", ["png", "jpeg", "webp"])
def test_corrupt_image_rate_one_breaks_every_download_with_200(
    make_api: ApiFactory, image_format: str
) -> None:
    api, clean = make_api(corrupt_image_rate=1.0), make_api()
    char = next(
        c for c in api.sim.characters() if c["refs"] and c["_sim"]["image_format"] == image_format
    )
    url = char["refs"][0]["url"]  # signed alike: both simulators share the seed
    good = clean.client.get(url)
    _decode(good.content)
    kinds: Counter[str] = Counter()
    for _ in range(30):
        response = api.client.get(url)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == good.headers["Content-Type"]
        if response.content == good.content[: len(good.content) // 2]:
            kinds["truncated"] += 1
            with pytest.raises(OSError, match=r"truncated|decoder"):
                _decode(response.content)
        else:
            assert response.content.startswith(b"<!DOCTYPE html>")
            kinds["not_image"] += 1
            with pytest.raises(UnidentifiedImageError):
                _decode(response.content)
    assert kinds["truncated"] >= 5
    assert kinds["not_image"] >= 5
    labels = Counter(r.fault for r in api.sim.requests if r.route == "storage")
    assert labels == {
        "corrupt_truncated": kinds["truncated"],
        "corrupt_not_image": kinds["not_image"],
    }


def test_corrupt_image_share(make_api: ApiFactory) -> None:
    seen = Counter(_labels(make_api(corrupt_image_rate=0.1, seed=8), "storage"))
    assert 0.07 * N <= seen["corrupt_truncated"] + seen["corrupt_not_image"] <= 0.13 * N
    assert seen["corrupt_truncated"] >= 0.03 * N
    assert seen["corrupt_not_image"] >= 0.03 * N


def test_corrupt_next_is_scripted(api: Api) -> None:
    url = api.first("reviewing")["refs"][0]["url"]
    good = api.client.get(url).content
    api.sim.corrupt_next(1, "not_image")
    api.sim.corrupt_next(1, "truncated")
    assert api.client.get(url).content.startswith(b"<!DOCTYPE html>")
    assert api.client.get(url).content == good[: len(good) // 2]
    assert api.client.get(url).content == good
    with pytest.raises(ValueError, match="kind"):
        api.sim.corrupt_next(1, "garbled")  # type: ignore[arg-type]
    added = api.client.post("/_sim/faults", json={"kind": "corrupt", "corruption": "not_image"})
    assert added.json()["faults"][0]["corruption"] == "not_image"
    assert api.get("/v1/balance").status_code == 200  # an API call does not use it up
    assert api.client.get(url).content.startswith(b"<!DOCTYPE html>")


def test_latency_applies_to_every_request_and_is_settable(make_api: ApiFactory) -> None:
    api = make_api(latency_seconds=0.25)
    assert api.sim.take_fault("save").latency == 0.25
    assert api.sim.take_fault("storage").latency == 0.25
    assert api.sim.chaos()["latency_ms"] == 250.0
    api.sim.set_chaos(latency_ms=40)
    assert api.sim.take_fault("list").latency == pytest.approx(0.04)
    api.sim.add_latency(1.0, route="list", count=1)
    assert api.sim.take_fault("list").latency == pytest.approx(1.04)  # scripted ones add up
    started = time.perf_counter()
    assert api.get("/v1/balance").status_code == 200
    assert time.perf_counter() - started >= 0.04


def test_set_chaos_at_runtime_and_through_the_control_route(api: Api) -> None:
    assert api.sim.set_chaos(fault_rate=1.0)["fault_rate"] == 1.0
    assert api.get("/v1/balance").status_code in (500, 502, 503)
    assert api.sim.set_chaos(fault_rate=0.0)["fault_rate"] == 0.0
    assert api.get("/v1/balance").status_code == 200
    answer = api.client.post("/_sim/chaos", json={"reset_rate": 1.0, "latency_ms": 0}).json()
    assert (answer["reset_rate"], answer["fault_rate"]) == (1.0, 0.0)
    with pytest.raises(ConnectionDropped):
        api.get("/v1/balance")
    injected = api.client.get("/_sim/chaos").json()["injected"]
    assert sum(injected.values()) == 2
    assert injected.keys() <= {"status_500", "status_502", "status_503", *RESETS}
    api.client.post("/_sim/chaos", json={"reset_rate": 0})
    assert api.get("/v1/balance").status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"fault_rate": 1.5}, {"reset_rate": -0.1}, {"latency_ms": -1}, {"fault_rate": "high"},
     {"corrupt_image_rate": True}, {"synthesis_failure_rate": 2}, {"fault_rte": 0.1}],
)  # fmt: skip
def test_bad_chaos_settings_are_refused_and_change_nothing(api: Api, body: dict[str, Any]) -> None:
    response = api.client.post("/_sim/chaos", json=body)
    assert response.status_code == 400, response.text
    assert api.sim.chaos()["fault_rate"] == 0.0


def test_synthesis_failure_rate_can_change_at_runtime(api: Api) -> None:
    api.sim.set_chaos(synthesis_failure_rate=1.0)
    assert api.sim.chaos()["synthesis_failure_rate"] == 1.0
    char = api.create()
    api.sim.advance(10)
    assert api.character(char["id"])["status"] == "failed"
    api.client.post("/_sim/chaos", json={"synthesis_failure_rate": 0.0})
    char = api.create()
    api.sim.advance(10)
    assert api.character(char["id"])["status"] == "reviewing"


@pytest.mark.parametrize("name", ["fault_rate", "reset_rate", "corrupt_image_rate"])
def test_config_refuses_rates_outside_zero_to_one(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        config(**{name: 1.01})


def test_resets_over_real_sockets_close_with_no_answer() -> None:
    with serve_in_thread(config(reset_rate=1.0)) as running:
        headers = {"X-Api-Key": KEY}
        with httpx.Client(base_url=running.base_url, headers=headers, timeout=10) as client:
            for _ in range(10):
                with pytest.raises(httpx.RemoteProtocolError):
                    client.get("/balance")
        labels = {r.fault for r in running.sim.requests}
        assert labels == {"reset_before", "reset_after"}
        running.sim.set_chaos(reset_rate=0.0)
        assert httpx.get(f"{running.base_url}/balance", headers=headers).status_code == 200


def test_a_held_request_gets_no_random_fault(make_api: ApiFactory) -> None:
    api = make_api(fault_rate=0.5, reset_rate=0.5)
    api.sim.hold_next("balance")
    action = api.sim.take_fault("balance")
    assert action.gates
    assert action.label() is None
    assert api.sim.take_fault("balance").label() is not None  # the next one is fair game
