"""The exception tree raised by the client, built from the API's error envelope."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any, Final

import httpx

from ._text import display_safe, html_summary, looks_like_html
from ._transport import decode_json

__all__ = [
    "RETRY_AFTER_CAP",
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
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "RedirectError",
    "ResponseValidationError",
    "ServerError",
    "UnknownVersionError",
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
        retry_after_header: str | None = None,
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
        # Seconds to wait, read from Retry-After and capped at RETRY_AFTER_CAP; None
        # when the header is missing or unreadable. What the server sent, for messages:
        self.retry_after = retry_after
        self.retry_after_header = retry_after_header
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


class UnknownVersionError(InvalidRequestError):
    """400 unknown_version: the server does not know the pinned ``Aurous-Version``."""


class RedirectError(APIError):
    """3xx on an API call. Redirects are not followed, so the key never goes elsewhere."""


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

    def __init__(
        self, message: str, *, idempotency_key: str | None = None, maybe_sent: bool = True
    ) -> None:
        super().__init__(message, idempotency_key=idempotency_key)
        # False when the request surely never reached the server (no connection was
        # made); True when it may have taken effect before the answer was lost.
        self.maybe_sent = maybe_sent


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class ResponseValidationError(AurousError):
    """A success response whose body is not what the contract describes."""

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(message if not request_id else f"{message} [request {request_id}]")
        self.request_id = request_id
        self.reason = message  # without the request id


class PaginationError(ResponseValidationError):
    """A list's cursor repeated or never ended; the walk was stopped."""


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
    "unknown_version": UnknownVersionError,
}


# The longest wait a Retry-After can impose. A server (or a proxy) that asks for a
# day, or for ever, must not stop the app: it tries again after this at most.
RETRY_AFTER_CAP: Final = 120.0


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date),
    within 0..RETRY_AFTER_CAP; None when missing or unreadable (NaN, garbage)."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds):
        return None
    return min(RETRY_AFTER_CAP, max(0.0, seconds))


def _str_or_none(value: Any, limit: int = 2000) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    return display_safe(value[:limit])


def _retry_note(header: str | None, seconds: float | None) -> str:
    """Words for a Retry-After the client did not take as given."""
    if header is None:
        return ""
    shown = display_safe(header.strip()[:40])
    if seconds is None:
        return f" (unreadable Retry-After {shown!r} ignored)"
    try:
        exact = float(header) == seconds
    except ValueError:
        exact = seconds < RETRY_AFTER_CAP
    return "" if exact else f" (the server asked to wait {shown!r}; waiting {seconds:g} s)"


def _redirect_message(response: httpx.Response, status: int) -> str:
    location = response.headers.get("Location", "")
    try:
        target = httpx.URL(location)
        if not target.is_absolute_url:
            target = response.request.url.join(location)
        host = target.host
    except (httpx.InvalidURL, TypeError, ValueError, RuntimeError):  # RuntimeError: no request
        host = ""
    where = f" to {display_safe(host[:200])}" if host else ""
    return f"the API answered a redirect (HTTP {status}){where}; not followed"


def _text_message(response: httpx.Response, status: int, text: str) -> str:
    reason = response.reason_phrase or "error"
    if looks_like_html(text, response.headers.get("Content-Type")):
        # Usually a proxy, gateway or captive portal, not the API itself.
        return f"HTTP {status} {reason}: an HTML page, not the API's answer: {html_summary(text)}"
    message = f"HTTP {status} {reason} with no error envelope"
    snippet = display_safe(" ".join(text[:1000].split())[:200])
    return f"{message}: {snippet}" if snippet else message


def error_from_response(
    response: httpx.Response,
    *,
    content: bytes | None = None,
    api_version: str | None = None,
    idempotency_key: str | None = None,
) -> APIError:
    """Build the most specific error for a non-2xx response, whatever its body holds.
    ``content`` is the (capped) body when the response was streamed; ``api_version``
    the version the request asked for, named when the server does not know it."""
    status = response.status_code
    raw = response.content if content is None else content
    header_request_id = _str_or_none(response.headers.get("Aurous-Request-Id"), 128)
    retry_header = response.headers.get("Retry-After")
    retry_after = parse_retry_after(retry_header)
    body: object
    envelope: Mapping[str, Any] | None = None
    text = raw.decode("utf-8", errors="replace")
    try:
        body = decode_json(raw)
    except ValueError:
        body = text
    else:
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            envelope = body["error"]

    if envelope is not None:
        code = _str_or_none(envelope.get("code"), 200)
        message = _str_or_none(envelope.get("message")) or f"HTTP {status} error"
        kwargs: dict[str, Any] = {
            "type": _str_or_none(envelope.get("type"), 200),
            "code": code,
            "param": _str_or_none(envelope.get("param"), 200),
            "request_id": _str_or_none(envelope.get("request_id"), 128) or header_request_id,
            "doc_url": _str_or_none(envelope.get("doc_url"), 500),
        }
    else:
        code = None
        if 300 <= status < 400:
            message = _redirect_message(response, status)
        else:
            message = _text_message(response, status, text)
        kwargs = {"request_id": header_request_id}
    if code == "unknown_version":
        asked = f"Aurous-Version {display_safe(api_version)}" if api_version else "the version"
        message = f"the API does not know {asked} this client asked for: {message}"
    if status == 429:
        message += _retry_note(retry_header, retry_after)

    cls = (_BY_CODE.get(code) if code else None) or _BY_STATUS.get(status)
    if cls is None:
        cls = RedirectError if 300 <= status < 400 else ServerError if status >= 500 else APIError
    return cls(
        message,
        status_code=status,
        retry_after=retry_after,
        retry_after_header=retry_header[:100] if retry_header is not None else None,
        body=body,
        idempotency_key=idempotency_key,
        **kwargs,
    )
