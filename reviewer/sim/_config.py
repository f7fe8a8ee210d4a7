"""Knobs for one simulated service."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ._clock import Clock, SystemClock
from ._ratelimit import BUCKETS

BillingMode = Literal["metered", "exempt"]


def demo_api_key(seed: int) -> str:
    """The key a keyless run prints; derived from the seed so a demo script can know it."""
    digest = hashlib.sha256(f"aurous-sim-demo-key:{seed}".encode()).hexdigest()
    return f"al_live_{digest}"


@dataclass
class SimConfig:
    """One simulated Aurous Labs service.

    Each entry of `api_keys` is its own team; `team_keys` gives a team more keys, by the
    team's index in `api_keys`. Seeded characters belong to the first team.
    """

    api_keys: list[str] = field(default_factory=list)
    seed: int = 0
    characters: int = 24
    # The real pipeline takes 30-90 s; a short default keeps demos lively.
    synthesis_seconds: float = 6.0
    # Completion lands in [s, s * (1 + jitter)], never earlier than synthesis_seconds.
    synthesis_jitter: float = 0.2
    credits: int = 200
    billing_mode: BillingMode = "metered"
    url_ttl_seconds: float = 24 * 3600.0
    image_size: int = 1024
    # Storage draws a run's images this long before it ends (all of a shorter run), as
    # real storage has them by the time the character is in review; 0 draws each on its
    # first download instead.
    render_ahead_seconds: float = 10.0
    # Storage draws the seeded characters' images in review at start, newest first (the
    # order a reviewer opens them), as real storage holds them already; the demo wants it.
    render_seeded_ahead: bool = False
    failure_rate: float = 0.05  # chance a synthesis run fails (--synthesis-failure-rate)
    clock: Clock = field(default_factory=SystemClock)
    # Serve storage urls from this origin instead of the request's own.
    storage_base_url: str | None = None
    # Added to every API and storage request, on top of injected latency faults.
    latency_seconds: float = 0.0
    # Multiplies every bucket's rate and burst; conformance tests use a large value.
    rate_limit_scale: float = 1.0
    idempotency_ttl_seconds: float = 24 * 3600.0
    request_log_size: int = 10_000
    # Random faults, off by default; see _chaos.py. Seeded from `seed`.
    fault_rate: float = 0.0  # share of /v1 requests answered 500/502/503
    reset_rate: float = 0.0  # share of /v1 connections dropped, before or after the call
    corrupt_image_rate: float = 0.0  # share of storage downloads with broken bytes
    # Another client of the first team spending its buckets: bucket name -> requests/min.
    colleague_per_minute: Mapping[str, float] = field(default_factory=dict)
    # More keys for a team, by its index in api_keys: they share its buckets and credits.
    team_keys: Mapping[int, Sequence[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.api_keys:
            self.api_keys = [demo_api_key(self.seed)]
        if any(not isinstance(k, str) or not k.strip() for k in self.api_keys):
            raise ValueError("api keys must be non-empty strings")
        if len(set(self.api_keys)) != len(self.api_keys):
            raise ValueError("api keys must be distinct: each key is a separate team")
        self._check_team_keys()
        _check(self.characters >= 0, "characters must be >= 0")
        _check(self.synthesis_seconds >= 0, "synthesis_seconds must be >= 0")
        _check(self.synthesis_jitter >= 0, "synthesis_jitter must be >= 0")
        _check(self.credits >= 0, "credits must be >= 0")
        _check(self.billing_mode in ("metered", "exempt"), "billing_mode is metered or exempt")
        _check(self.url_ttl_seconds > 0, "url_ttl_seconds must be > 0")
        _check(32 <= self.image_size <= 4096, "image_size must be within 32..4096")
        _check(0.0 <= self.failure_rate <= 1.0, "failure_rate must be within 0..1")
        _check(self.latency_seconds >= 0, "latency_seconds must be >= 0")
        _check(self.render_ahead_seconds >= 0, "render_ahead_seconds must be >= 0")
        _check(self.rate_limit_scale > 0, "rate_limit_scale must be > 0")
        _check(self.idempotency_ttl_seconds > 0, "idempotency_ttl_seconds must be > 0")
        _check(self.request_log_size > 0, "request_log_size must be > 0")
        for name in ("fault_rate", "reset_rate", "corrupt_image_rate"):
            _check(0.0 <= getattr(self, name) <= 1.0, f"{name} must be within 0..1")
        for bucket, per_minute in self.colleague_per_minute.items():
            _check(bucket in BUCKETS, f"unknown bucket {bucket!r}; one of {', '.join(BUCKETS)}")
            _check(per_minute >= 0, "colleague_per_minute values must be >= 0")
        if self.storage_base_url is not None:
            self.storage_base_url = self.storage_base_url.rstrip("/")

    def _check_team_keys(self) -> None:
        every = list(self.api_keys)
        for index, keys in self.team_keys.items():
            _check(0 <= index < len(self.api_keys), f"team_keys: no team at index {index}")
            _check(not isinstance(keys, str), "team_keys values are lists of keys")
            every.extend(keys)
        if any(not isinstance(k, str) or not k.strip() for k in every):
            raise ValueError("api keys must be non-empty strings")
        _check(len(set(every)) == len(every), "every api key must be distinct")


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)
