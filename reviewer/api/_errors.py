"""The exception tree raised by the client, built from the API's error envelope."""

from __future__ import annotations

import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AurousError",
    "AuthenticationError",
    "ConflictError",
    "DownloadError",
    "DownloadTooLargeError",
    "IdempotencyConflictError",
    "InsufficientCreditsError",
    "InvalidRequestError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "ServerError",
    "error_from_response",
    "parse_retry_after",
]


class AurousError(Exception):
    """Base of every error the client raises. Never carries the API key."""

    def __init__(self, message: str, *, idempotency_key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        # Set on errors from paid calls so a caller can retry with the same key.
        self.idempotency_key = idempotency_key


class APIError(AurousError):
    """The server answered with an error status (the error envelope, or something else)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
        doc_url: str | None = None,
        retry_after: float | None = None,
        body: object = None,
        idempotency_key: str | None = None,
    ) -> None:
        super().__init__(message, idempotency_key=idempotency_key)
        self.status_code = status_code
        self.type = type
        self.code = code
        self.param = param
        self.request_id = request_id
        self.doc_url = doc_url
        self.retry_after = retry_after
        self.body = body

    def __str__(self) -> str:
        parts = [f"{self.message} (HTTP {self.status_code}"]
        if self.code:
            parts.append(f", {self.code}")
        if self.param:
            parts.append(f", param {self.param}")
        parts.append(")")
        if self.request_id:
            parts.append(f" [request {self.request_id}]")
        return "".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code}, code={self.code!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )


class InvalidRequestError(APIError):
    """400 or 422: the request was malformed or not allowed in the resource's state."""


class AuthenticationError(APIError):
    """401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(AuthenticationError):
    """403: the key is valid but lacks a scope."""


class InsufficientCreditsError(APIError):
    """402: the team has too few credits for this generation."""


class NotFoundError(APIError):
    """404: unknown, deleted or another team's resource."""


class ConflictError(APIError):
    """409."""


class IdempotencyConflictError(ConflictError):
    """409 idempotency_key_in_use: the key is in flight, or was used with another body."""


class RateLimitError(APIError):
    """429: a rate-limit bucket is empty; ``retry_after`` says when to try again."""


class ServerError(APIError):
    """5xx: the server or its provider failed."""


class APIConnectionError(AurousError):
    """The request did not get an HTTP answer (DNS, refused, reset, TLS...)."""


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class ResponseValidationError(AurousError):
    """A success response whose body is not what the contract describes."""

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(message if not request_id else f"{message} [request {request_id}]")
        self.request_id = request_id


class DownloadError(AurousError):
    """A storage URL could not be fetched (often an expired token: refresh the character)."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class DownloadTooLargeError(DownloadError):
    """The file is larger than the caller allows; a fresh URL would not help."""


_BY_STATUS: Mapping[int, type[APIError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: InvalidRequestError,
    429: RateLimitError,
}

# A code decides the class where it is more specific than the status.
_BY_CODE: Mapping[str, type[APIError]] = {
    "insufficient_credits": InsufficientCreditsError,
    "idempotency_key_in_use": IdempotencyConflictError,
    "too_many_requests": RateLimitError,
    "missing_scope": PermissionDeniedError,
}


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, seconds)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def error_from_response(
    response: httpx.Response, *, idempotency_key: str | None = None
) -> APIError:
    """Build the most specific error for a non-2xx response, whatever its body holds."""
    status = response.status_code
    header_request_id = response.headers.get("Aurous-Request-Id")
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    body: object
    envelope: Mapping[str, Any] | None = None
    try:
        body = response.json()
    except ValueError:
        body = response.text
    else:
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            envelope = body["error"]

    if envelope is not None:
        code = _str_or_none(envelope.get("code"))
        message = _str_or_none(envelope.get("message")) or f"HTTP {status} error"
        kwargs: dict[str, Any] = {
            "type": _str_or_none(envelope.get("type")),
            "code": code,
            "param": _str_or_none(envelope.get("param")),
            "request_id": _str_or_none(envelope.get("request_id")) or header_request_id,
            "doc_url": _str_or_none(envelope.get("doc_url")),
        }
    else:
        code = None
        text = body if isinstance(body, str) else repr(body)
        snippet = " ".join(text.split())[:200]
        reason = response.reason_phrase or "error"
        message = f"HTTP {status} {reason} with no error envelope"
        if snippet:
            message += f": {snippet}"
        kwargs = {"request_id": header_request_id}

    cls = (_BY_CODE.get(code) if code else None) or _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else APIError
    return cls(
        message,
        status_code=status,
        retry_after=retry_after,
        body=body,
        idempotency_key=idempotency_key,
        **kwargs,
    )
