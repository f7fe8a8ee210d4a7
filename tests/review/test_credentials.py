from __future__ import annotations

from collections.abc import Iterator

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend

from reviewer.review.credentials import (
    ENV_VAR,
    ApiKey,
    KeySource,
    forget_api_key,
    looks_like_api_key,
    resolve_api_key,
    store_api_key,
)

KEY = "al_live_" + "ab" * 32
BASE = "https://api.aurous-labs.com/v1"


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


class NoKeyring(KeyringBackend):
    priority = 0

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.NoKeyringError("no backend")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.NoKeyringError("no backend")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.NoKeyringError("no backend")


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def none() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    yield
    keyring.set_keyring(previous)


def test_environment_wins(memory: MemoryKeyring) -> None:
    store_api_key(BASE, "al_live_from_keychain")
    found = resolve_api_key(BASE, {ENV_VAR: f"  {KEY}\n"})
    assert found == ApiKey(KEY, KeySource.ENVIRONMENT)


def test_keychain_per_host(memory: MemoryKeyring) -> None:
    assert resolve_api_key(BASE, {}) is None
    assert store_api_key(BASE, KEY)
    assert resolve_api_key(BASE, {}) == ApiKey(KEY, KeySource.KEYCHAIN)
    assert resolve_api_key("http://127.0.0.1:8787/v1", {}) is None
    forget_api_key(BASE)
    assert resolve_api_key(BASE, {}) is None


def test_no_keychain_means_session_only(none: None) -> None:
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
