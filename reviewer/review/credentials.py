"""The API key: from AUROUS_API_KEY, else the OS keychain, else the reviewer signs in.

Keys are stored per API host, so a staging server and production keep their own.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import ModuleType

import httpx

from reviewer.api import AsyncAurousClient, AurousError, AuthenticationError

__all__ = [
    "ENV_VAR",
    "KEYRING_SERVICE",
    "ApiKey",
    "KeySource",
    "forget_api_key",
    "looks_like_api_key",
    "resolve_api_key",
    "store_api_key",
    "verify_api_key",
]

log = logging.getLogger(__name__)

ENV_VAR = "AUROUS_API_KEY"
KEYRING_SERVICE = "aurous-reviewer"


class KeySource(StrEnum):
    ENVIRONMENT = "environment"
    KEYCHAIN = "keychain"
    SIGN_IN = "sign-in"
    DEMO = "demo"


@dataclass(frozen=True, slots=True)
class ApiKey:
    value: str
    source: KeySource

    def __repr__(self) -> str:
        return f"ApiKey(<redacted>, source={self.source})"

    __str__ = __repr__


def _account(base_url: str) -> str:
    url = httpx.URL(base_url)
    return f"{url.host}:{url.port}" if url.port else url.host


def looks_like_api_key(text: str) -> str | None:
    """Why ``text`` is not an API key, or None if it could be one."""
    text = text.strip()
    if not text:
        return "Enter your API key."
    if any(c.isspace() for c in text):
        return "An API key has no spaces in it."
    if not text.startswith("al_"):
        return "Aurous API keys start with “al_” (e.g. al_live_…)."
    return None


def _keyring() -> ModuleType:
    # Imported when first needed: the demo and AUROUS_API_KEY starts never touch the
    # keychain, and its backends cost ~20 ms of a cold start.
    import keyring
    import keyring.errors

    return keyring


def resolve_api_key(base_url: str, environ: Mapping[str, str] | None = None) -> ApiKey | None:
    env = os.environ if environ is None else environ
    value = env.get(ENV_VAR, "").strip()
    if value:
        return ApiKey(value, KeySource.ENVIRONMENT)
    keyring = _keyring()
    try:
        stored = keyring.get_password(KEYRING_SERVICE, _account(base_url))
    except keyring.errors.KeyringError as exc:
        log.info("no usable keychain (%s)", type(exc).__name__)
        return None
    return ApiKey(stored, KeySource.KEYCHAIN) if stored else None


def store_api_key(base_url: str, value: str) -> bool:
    """Keep the key in the OS keychain. False when there is no keychain: the caller
    keeps it for this session only and tells the reviewer."""
    keyring = _keyring()
    try:
        keyring.set_password(KEYRING_SERVICE, _account(base_url), value)
    except keyring.errors.KeyringError as exc:
        log.warning("could not store the API key in a keychain (%s)", type(exc).__name__)
        return False
    return True


def forget_api_key(base_url: str) -> None:
    keyring = _keyring()
    with contextlib.suppress(keyring.errors.KeyringError):
        keyring.delete_password(KEYRING_SERVICE, _account(base_url))


async def verify_api_key(
    base_url: str,
    value: str,
    *,
    api_version: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> str | None:
    """Ask the server whether it takes this key: None if so, else why not, in words."""
    client = AsyncAurousClient(
        api_key=value, base_url=base_url, api_version=api_version, transport=transport
    )
    try:
        await client.get_balance()
    except AuthenticationError as exc:
        return f"That key was refused: {exc.message}"
    except AurousError as exc:
        return f"Could not check the key with the server: {exc}"
    finally:
        await client.aclose()
    return None
