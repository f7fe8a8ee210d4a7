"""Shared test configuration: headless Qt, so a bare ``pytest`` works with no screen."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

from collections.abc import Iterator

import pytest

from tests.keyrings import MemoryKeyring, NoKeyring, using


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    # Async tests below the UI run on plain asyncio (the anyio plugin ships with httpx).
    return "asyncio"


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    with using(backend):
        yield backend


@pytest.fixture
def no_keyring() -> Iterator[None]:
    with using(NoKeyring()):
        yield
