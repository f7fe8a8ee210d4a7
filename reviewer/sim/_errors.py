"""The error envelope: one exception type that every layer raises and one function that
renders it, so no response can drift from the documented shape."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

DOC_URL = "https://docs.aurous-labs.com/errors"

# HTTP status -> error type, per the contract's table.
_TYPE_BY_STATUS = {
    400: "invalid_request",
    401: "authentication",
    402: "invalid_request",
    403: "authentication",
    404: "not_found",
    405: "invalid_request",
    409: "invalid_request",
    422: "invalid_request",
    429: "rate_limit",
}

SERVER_ERROR_CODES = {
    500: "internal_error",
    502: "provider_unavailable",
    503: "provider_unavailable",
    504: "provider_timeout",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        self.headers = dict(headers or {})

    @property
    def type(self) -> str:
        return _TYPE_BY_STATUS.get(self.status, "server_error")

    def envelope(self, request_id: str) -> dict[str, Any]:
        return {
            "error": {
                "type": self.type,
                "code": self.code,
                "message": self.message,
                "param": self.param,
                "doc_url": f"{DOC_URL}#{self.code}",
                "request_id": request_id,
            }
        }

    def body(self, request_id: str) -> bytes:
        return json.dumps(self.envelope(request_id)).encode()


def bad_request(message: str, *, param: str | None = None) -> ApiError:
    return ApiError(400, "invalid_request_error", message, param=param)


def invalid_format(message: str, *, param: str | None = None) -> ApiError:
    return ApiError(400, "invalid_format", message, param=param)


def missing_field(param: str) -> ApiError:
    return ApiError(400, "missing_field", f"Missing required field '{param}'.", param=param)


def not_found(message: str = "No such character.") -> ApiError:
    return ApiError(404, "resource_not_found", message)


def server_error(status: int) -> ApiError:
    code = SERVER_ERROR_CODES.get(status, "internal_error")
    messages = {
        "internal_error": "An internal error occurred. Quote the request id to support.",
        "provider_unavailable": "The synthesis provider is unavailable. Retry shortly.",
        "provider_timeout": "The synthesis provider did not answer in time. Retry shortly.",
    }
    return ApiError(status, code, messages[code])


def too_many_requests(message: str, retry_after: int | None = None) -> ApiError:
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return ApiError(429, "too_many_requests", message, headers=headers)


def injected(status: int, retry_after: int) -> ApiError:
    """The envelope of a fault injected by a test."""
    if status == 429:
        return too_many_requests("Too many requests; retry after Retry-After.", retry_after)
    return server_error(status)
