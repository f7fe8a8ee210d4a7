"""Signing in: the dialog, the server's verdict on the key, and the keychain."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from reviewer.review.credentials import ApiKey, KeySource, store_api_key, verify_api_key

from .dialogs import SignInDialog

__all__ = ["SignedIn", "sign_in"]


@dataclass(frozen=True, slots=True)
class SignedIn:
    key: ApiKey
    session_only: bool  # the reviewer wanted it remembered, but there is no keychain


async def sign_in(
    base_url: str,
    *,
    api_version: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> SignedIn | None:
    """Show the sign-in dialog until the server accepts a key, or the reviewer quits."""
    dialog = SignInDialog(base_url)
    result: asyncio.Future[SignedIn | None] = asyncio.get_running_loop().create_future()
    checks: set[asyncio.Task[None]] = set()

    async def check(value: str, remember: bool) -> None:
        problem = await verify_api_key(
            base_url, value, api_version=api_version, transport=transport
        )
        if problem is not None:
            dialog.fail(problem)
            return
        stored = remember and await asyncio.to_thread(store_api_key, base_url, value)
        if not result.done():
            result.set_result(
                SignedIn(ApiKey(value, KeySource.SIGN_IN), session_only=remember and not stored)
            )
        dialog.accept()

    def submitted(value: str, remember: bool) -> None:
        task = asyncio.ensure_future(check(value, remember))
        checks.add(task)
        task.add_done_callback(checks.discard)

    def rejected() -> None:
        if not result.done():
            result.set_result(None)

    dialog.submitted.connect(submitted)
    dialog.rejected.connect(rejected)
    dialog.show()
    try:
        return await result
    finally:
        dialog.deleteLater()
