"""Shared test configuration: headless Qt, so a bare ``pytest`` works with no screen."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

import pytest


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    # Async tests below the UI run on plain asyncio (the anyio plugin ships with httpx).
    return "asyncio"
