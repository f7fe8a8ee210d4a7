import httpx
import pytest

from reviewer.api import (
    APIError,
    AuthenticationError,
    ConflictError,
    IdempotencyConflictError,
    InsufficientCreditsError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnknownVersionError,
)
from reviewer.api._errors import error_from_response, parse_retry_after

from .conftest import error_json


def _response(status: int, body: object = None, text: str | None = None, **headers: str):
    request = httpx.Request("GET", "https://api.aurous-labs.com/v1/characters")
    if text is not None:
        return httpx.Response(status, text=text, headers=headers, request=request)
    return httpx.Response(status, json=body, headers=headers, request=request)


@pytest.mark.parametrize(
    ("status", "type_", "code", "cls"),
    [
        (400, "invalid_request", "invalid_request_error", InvalidRequestError),
        (400, "invalid_request", "unknown_version", UnknownVersionError),
        (422, "invalid_request", "invalid_format", InvalidRequestError),
        (401, "authentication", "invalid_api_key", AuthenticationError),
        (403, "authentication", "missing_scope", PermissionDeniedError),
        (402, "invalid_request", "insufficient_credits", InsufficientCreditsError),
        (404, "not_found", "resource_not_found", NotFoundError),
        (409, "invalid_request", "idempotency_key_in_use", IdempotencyConflictError),
        (409, "invalid_request", "something_new", ConflictError),
        (429, "rate_limit", "too_many_requests", RateLimitError),
        (500, "server_error", "internal_error", ServerError),
        (502, "server_error", "provider_unavailable", ServerError),
        (504, "server_error", "provider_timeout", ServerError),
        (418, "teapot", "brewing", APIError),
    ],
)
def test_status_and_code_pick_the_class(status, type_, code, cls) -> None:
    err = error_from_response(_response(status, error_json(type_, code, "Bad thing", param="pose")))
    assert type(err) is cls
    assert (err.status_code, err.type, err.code, err.param) == (status, type_, code, "pose")
    assert err.request_id == "req_01HXMQ7Z3K8Y2NABCDEFGHJKMR"
    assert err.message.endswith("Bad thing")
    assert "req_01HXMQ7Z3K8Y2NABCDEFGHJKMR" in str(err)
    assert f"HTTP {status}" in str(err)


def test_code_wins_over_an_unexpected_status() -> None:
    err = error_from_response(_response(400, error_json("invalid_request", "insufficient_credits")))
    assert isinstance(err, InsufficientCreditsError)


def test_retry_after_is_read_on_429() -> None:
    err = error_from_response(
        _response(429, error_json("rate_limit", "too_many_requests"), **{"Retry-After": "7"})
    )
    assert isinstance(err, RateLimitError)
    assert err.retry_after == 7.0


def test_non_json_body_still_gives_a_clear_error() -> None:
    err = error_from_response(
        _response(
            502, text="<html><body>Bad Gateway</body></html>", **{"Aurous-Request-Id": "req_X"}
        )
    )
    assert isinstance(err, ServerError)
    assert err.code is None
    assert "HTTP 502" in str(err)
    assert "Bad Gateway" in str(err)
    assert err.request_id == "req_X"


@pytest.mark.parametrize(
    "body", [{"error": "a string"}, {"message": "no envelope"}, [1, 2], {"error": {"code": 5}}]
)
def test_malformed_envelope(body) -> None:
    err = error_from_response(_response(404, body))
    assert isinstance(err, NotFoundError)
    assert err.message
    assert "404" in str(err)


def test_empty_body() -> None:
    err = error_from_response(_response(503, text=""))
    assert isinstance(err, ServerError)
    assert "503" in str(err)


def test_request_id_falls_back_to_header() -> None:
    body = error_json("not_found", "resource_not_found")
    del body["error"]["request_id"]
    err = error_from_response(_response(404, body, **{"Aurous-Request-Id": "req_FROMHEADER"}))
    assert err.request_id == "req_FROMHEADER"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0),
        ("0", 0.0),
        ("-4", 0.0),
        ("1.5", 1.5),
        ("Thu, 01 Jan 2026 00:00:10 GMT", 10.0),
        ("soon", None),
        (None, None),
    ],
)
def test_parse_retry_after(value, expected) -> None:
    assert parse_retry_after(value, now=1767225600.0) == expected
