"""Base-URL rules: https only (plain http to loopback for local servers), and /v1."""

from __future__ import annotations

import ipaddress
import re

import httpx

__all__ = ["DEFAULT_BASE_URL", "InsecureURLError", "is_loopback_host", "normalize_base_url"]

DEFAULT_BASE_URL = "https://api.aurous-labs.com/v1"

_VERSION_SEGMENT = re.compile(r"^v\d+$")


class InsecureURLError(ValueError):
    """The base URL would send the API key in the clear, or is not a URL at all."""


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_base_url(url: str) -> str:
    """Check ``url`` and return it without a trailing slash, ending in ``/v1``
    (appended when the path names no API version)."""
    text = url.strip()
    try:
        parsed = httpx.URL(text)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InsecureURLError(f"not a valid URL: {text!r} ({exc})") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InsecureURLError(f"the API URL must start with https:// and name a host: {text!r}")
    if parsed.scheme == "http" and not is_loopback_host(parsed.host):
        raise InsecureURLError(
            f"refusing plain http:// to {parsed.host}: the API key would travel unencrypted. "
            "Use https:// (plain http is allowed only to localhost/127.0.0.1/::1)."
        )
    if parsed.query or parsed.fragment:
        raise InsecureURLError(f"the API URL must not have a query or fragment: {text!r}")
    path = parsed.path.rstrip("/")
    if not _VERSION_SEGMENT.match(path.rsplit("/", 1)[-1]):
        path += "/v1"
    return str(parsed.copy_with(path=path))
