"""Signed storage urls: an HMAC over the object path, its expiry and the revocation epoch.

A url handed out stays the same until half its life is gone, so two fetches of a character
a minute apart agree on every ref; later fetches get a fresh one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math

from ._errors import ApiError


def storage_path(object_key: str, pose: str) -> str:
    return f"/storage/{object_key}/{pose}.bin"


class UrlSigner:
    def __init__(self, secret: bytes, ttl_seconds: float) -> None:
        self._secret = secret
        self._ttl = ttl_seconds
        self._epoch = 0
        self._issued: dict[str, int] = {}

    @property
    def epoch(self) -> int:
        return self._epoch

    def url(self, base: str, object_key: str, pose: str, now: float) -> str:
        path = storage_path(object_key, pose)
        expires = self._issued.get(path)
        if expires is None or expires - now < self._ttl / 2:
            expires = math.ceil(now + self._ttl)
            self._issued[path] = expires
        return f"{base}{path}?token={self._token(path, expires, self._epoch)}"

    def expire_all(self) -> int:
        """Invalidate every url handed out so far; the next fetch re-signs."""
        self._epoch += 1
        self._issued.clear()
        return self._epoch

    def forget(self, object_key: str, pose: str) -> None:
        self._issued.pop(storage_path(object_key, pose), None)

    def verify(self, object_key: str, pose: str, token: str | None, now: float) -> None:
        path = storage_path(object_key, pose)
        claims = self._parse(token)
        if claims is None or not hmac.compare_digest(self._token(path, *claims), token or ""):
            raise ApiError(403, "url_signature_invalid", "This storage url is not validly signed.")
        expires, epoch = claims
        if now >= expires or epoch != self._epoch:
            raise ApiError(
                403,
                "url_expired",
                "This storage url has expired. Retrieve the character again for a fresh url.",
            )

    def _token(self, path: str, expires: int, epoch: int) -> str:
        claims = base64.urlsafe_b64encode(f"{expires}:{epoch}".encode()).decode().rstrip("=")
        mac = hmac.new(self._secret, f"{path}|{expires}|{epoch}".encode(), hashlib.sha256)
        return f"{claims}.{mac.hexdigest()[:40]}"

    @staticmethod
    def _parse(token: str | None) -> tuple[int, int] | None:
        if not token or "." not in token:
            return None
        claims = token.split(".", 1)[0]
        try:
            raw = base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)).decode()
            expires, epoch = raw.split(":")
            return int(expires), int(epoch)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
