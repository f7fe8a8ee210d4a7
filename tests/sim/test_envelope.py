"""Authentication, version pinning, request ids and the error envelope."""

from __future__ import annotations

import re

import httpx
import pytest

from .conftest import KEY, Api

REQUEST_ID = re.compile(r"^req_[0-9A-HJKMNP-TV-Z]{26}$")
ENVELOPE_KEYS = {"type", "code", "message", "param", "doc_url", "request_id"}


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    error: dict[str, object] = response.json()["error"]
    assert set(error) == ENVELOPE_KEYS
    assert error["code"] == code
    assert error["request_id"] == response.headers["Aurous-Request-Id"]
    assert str(error["doc_url"]).startswith("https://docs.aurous-labs.com/errors#")
    return error


def test_x_api_key_and_bearer_both_authenticate(api: Api) -> None:
    assert api.get("/v1/balance").status_code == 200
    bearer = api.get("/v1/balance", key=None, headers={"Authorization": f"Bearer {KEY}"})
    assert bearer.status_code == 200
    assert bearer.json() == api.balance()


def test_missing_key_is_401_missing_api_key(api: Api) -> None:
    error = error_of(api.get("/v1/characters", key=None), 401, "missing_api_key")
    assert error["type"] == "authentication"


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Api-Key": "al_live_" + "0" * 64},
        {"Authorization": "Bearer nope"},
        {"Authorization": f"Basic {KEY}"},
        {"X-Api-Key": KEY, "Authorization": "Bearer al_live_other"},
    ],
)
def test_wrong_key_is_401_invalid_api_key(api: Api, headers: dict[str, str]) -> None:
    error_of(api.get("/v1/characters", key=None, headers=headers), 401, "invalid_api_key")


def test_401_still_carries_rate_limit_headers(api: Api) -> None:
    response = api.get("/v1/characters", key=None)
    assert response.headers["X-RateLimit-Limit"] == "240"


def test_version_is_echoed_default_or_pinned(api: Api) -> None:
    assert api.get("/v1/balance").headers["Aurous-Version"] == "2026-05-15"
    pinned = api.get("/v1/balance", headers={"Aurous-Version": "2026-02-12"})
    assert pinned.status_code == 200
    assert pinned.headers["Aurous-Version"] == "2026-02-12"


def test_character_carries_the_version_it_was_created_with(api: Api) -> None:
    char = api.create(headers={"Aurous-Version": "2025-10-01"})
    assert char["aurous_version"] == "2025-10-01"
    assert api.first("reviewing")["aurous_version"] == "2026-05-15"


def test_unknown_version_is_400_unknown_version(api: Api) -> None:
    response = api.get("/v1/balance", headers={"Aurous-Version": "2019-01-01"})
    error = error_of(response, 400, "unknown_version")
    assert error["type"] == "invalid_request"
    assert error["param"] == "Aurous-Version"
    assert response.headers["Aurous-Version"] == "2026-05-15"


@pytest.mark.parametrize("version", ["2026-5-15", "latest", "2026-05-15T00:00:00Z", ""])
def test_malformed_version_is_400_invalid_format(api: Api, version: str) -> None:
    response = api.get("/v1/balance", headers={"Aurous-Version": version})
    assert error_of(response, 400, "invalid_format")["param"] == "Aurous-Version"


@pytest.mark.parametrize(
    ("method", "path", "key", "status"),
    [
        ("GET", "/v1/characters", KEY, 200),
        ("GET", "/v1/characters", None, 401),
        ("GET", "/v1/characters/char_01HXMQ7Z3K8Y2NABCDEFGHJKMR", KEY, 404),
        ("GET", "/v1/nowhere", KEY, 404),
        ("PUT", "/v1/characters", KEY, 405),
        ("GET", "/storage/x/front.bin?token=bad", None, 403),
    ],
)
def test_every_response_has_a_request_id(
    api: Api, method: str, path: str, key: str | None, status: int
) -> None:
    response = api.request(method, path, key=key)
    assert response.status_code == status
    request_id = response.headers["Aurous-Request-Id"]
    assert REQUEST_ID.fullmatch(request_id)
    if status >= 400:
        assert response.json()["error"]["request_id"] == request_id


def test_unknown_route_and_wrong_method_use_the_envelope(api: Api) -> None:
    nowhere = api.get("/v1/nowhere")
    assert error_of(nowhere, 404, "resource_not_found")["type"] == "not_found"
    wrong = api.request("PUT", "/v1/characters")
    error_of(wrong, 405, "invalid_request_error")
    assert "GET" in wrong.headers["Allow"]
    # They show the caller's limits, and spend nothing.
    assert nowhere.headers["X-RateLimit-Remaining"] == "240"
    assert wrong.headers["X-RateLimit-Limit"] == "60"


def test_request_ids_are_unique_and_repeat_under_the_seed(make_api) -> None:
    first, second = make_api(), make_api()
    ids_a = [first.get("/v1/balance").headers["Aurous-Request-Id"] for _ in range(5)]
    ids_b = [second.get("/v1/balance").headers["Aurous-Request-Id"] for _ in range(5)]
    assert len(set(ids_a)) == 5
    assert ids_a == ids_b


def test_timestamps_are_utc_with_z(api: Api) -> None:
    char = api.first("reviewing")
    for field in ("created_at", "updated_at"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", char[field])


def test_malformed_json_is_400(api: Api) -> None:
    response = api.post(
        "/v1/characters", content=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    assert error_of(response, 400, "invalid_format")["param"] is None
    assert error_of(api.post("/v1/characters", json=[1]), 400, "invalid_format")


def test_request_log_records_presence_never_the_key(api: Api) -> None:
    api.get("/v1/balance", headers={"Idempotency-Key": "ignored-on-get"})
    api.get("/v1/balance", key=None, headers={"Authorization": f"Bearer {KEY}"})
    api.get("/v1/balance", key=None)
    logged = api.sim.requests[-3:]
    assert [r.auth_scheme for r in logged] == ["x-api-key", "bearer", None]
    assert [r.auth_header for r in logged] == [True, True, False]
    assert [r.status for r in logged] == [200, 200, 401]
    assert all(r.route == "balance" for r in logged)
    assert KEY not in repr(api.sim.requests)
