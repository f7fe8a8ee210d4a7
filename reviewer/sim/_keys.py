"""API keys: a team may hold several, each can be revoked, and new ones can be issued, so a
test can give a colleague the same buckets or rotate a key mid-session.

A revoked key stays known, so its requests answer 401 `revoked_api_key` rather than
`invalid_api_key`, and it can still name its team in the test controls. A key is issued once:
neither a live nor a revoked key can be issued again.
"""

from __future__ import annotations

from ._store import Team


class KeyRing:
    """Not thread-safe on its own; the simulator calls it under its lock."""

    def __init__(self) -> None:
        self._live: dict[str, Team] = {}
        self._revoked: dict[str, Team] = {}

    def issue(self, key: str, team: Team) -> None:
        if not isinstance(key, str) or not key.strip():
            raise ValueError("an api key must be a non-empty string")
        if key in self._live or key in self._revoked:
            raise ValueError("this api key was already issued")
        self._live[key] = team

    def revoke(self, key: str) -> Team:
        team = self._live.pop(key, None)
        if team is None:
            why = "is already revoked" if key in self._revoked else "was never issued"
            raise KeyError(f"this api key {why}")
        self._revoked[key] = team
        return team

    def team(self, key: str) -> Team | None:
        """The team a live key belongs to; None for unknown and revoked keys."""
        return self._live.get(key)

    def is_revoked(self, key: str) -> bool:
        return key in self._revoked

    def owner(self, key: str) -> Team | None:
        """The team a key was issued to, revoked or not."""
        return self._live.get(key) or self._revoked.get(key)

    def keys_of(self, team: Team) -> list[str]:
        """A team's live keys, oldest first."""
        return [key for key, owner in self._live.items() if owner is team]
