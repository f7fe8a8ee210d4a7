from __future__ import annotations

import pytest

from reviewer.review.credentials import (
    ENV_VAR,
    ApiKey,
    KeySource,
    forget_api_key,
    looks_like_api_key,
    resolve_api_key,
    store_api_key,
)
from tests.keyrings import MemoryKeyring

KEY = "al_live_" + "ab" * 32
BASE = "https://api.aurous-labs.com/v1"


def test_environment_wins(memory_keyring: MemoryKeyring) -> None:
    store_api_key(BASE, "al_live_from_keychain")
    found = resolve_api_key(BASE, {ENV_VAR: f"  {KEY}\n"})
    assert found == ApiKey(KEY, KeySource.ENVIRONMENT)


def test_keychain_per_host(memory_keyring: MemoryKeyring) -> None:
    assert resolve_api_key(BASE, {}) is None
    assert store_api_key(BASE, KEY)
    assert resolve_api_key(BASE, {}) == ApiKey(KEY, KeySource.KEYCHAIN)
    assert resolve_api_key("http://127.0.0.1:8787/v1", {}) is None
    forget_api_key(BASE)
    assert resolve_api_key(BASE, {}) is None


def test_no_keychain_means_session_only(no_keyring: None) -> None:
    assert resolve_api_key(BASE, {}) is None
    assert store_api_key(BASE, KEY) is False
    forget_api_key(BASE)  # no error either


def test_key_is_never_in_repr() -> None:
    key = ApiKey(KEY, KeySource.SIGN_IN)
    assert KEY not in repr(key)
    assert KEY not in str(key)
    assert KEY not in f"{key}"


@pytest.mark.parametrize(
    ("text", "problem"),
    [("", "Enter"), ("al_live_ab cd", "spaces"), ("sk-123", "al_"), (KEY, None)],
)
def test_looks_like_api_key(text: str, problem: str | None) -> None:
    result = looks_like_api_key(text)
    if problem is None:
        assert result is None
    else:
        assert result is not None
        assert problem in result
