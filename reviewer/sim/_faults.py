"""Scripted faults: latency, forced error statuses, dropped connections, corrupted downloads
and gates that hold a request in flight until a test releases it. Random ones: _chaos.py."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio

FaultKind = Literal["latency", "status", "drop", "hold", "corrupt"]
Corruption = Literal["truncated", "not_image"]
CORRUPTIONS: tuple[Corruption, ...] = ("truncated", "not_image")
FAULT_STATUSES = (429, 500, 502, 503, 504)
ANY_ROUTE = "*"


class Gate:
    """Holds one request after its idempotency key is taken, until released."""

    def __init__(self) -> None:
        self._entered = threading.Event()
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    def wait_entered(self, timeout: float = 10.0) -> bool:
        """Block until a request is being held; True if one arrived in time."""
        return self._entered.wait(timeout)

    @property
    def entered(self) -> bool:
        return self._entered.is_set()

    async def pass_through(self) -> None:
        self._entered.set()
        # Released from another thread, so wait on the threading event off the loop;
        # abandoning the wait keeps it cancellable at shutdown.
        await anyio.to_thread.run_sync(self._released.wait, abandon_on_cancel=True)


@dataclass
class _Rule:
    id: int
    route: str
    kind: FaultKind
    remaining: int | None  # None: until cleared
    seconds: float = 0.0
    status: int = 0
    retry_after: int = 1
    after: bool = False
    gate: Gate | None = None
    corruption: Corruption | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "route": self.route,
            "kind": self.kind,
            "remaining": self.remaining,
            "seconds": self.seconds,
            "status": self.status or None,
            "retry_after": self.retry_after,
            "after": self.after,
            "corruption": self.corruption,
        }


@dataclass(frozen=True)
class FaultAction:
    drop_before: bool = False
    drop_after: bool = False
    status: int | None = None
    retry_after: int = 1
    latency: float = 0.0
    gates: tuple[Gate, ...] = ()
    corrupt: Corruption | None = None

    @property
    def decisive(self) -> bool:
        """Whether it decides the answer (a drop or a status) rather than only slowing it."""
        return self.drop_before or self.drop_after or self.status is not None

    def label(self) -> str | None:
        """How the request log names what was done to this request."""
        if self.drop_before or self.drop_after:
            return "reset_before" if self.drop_before else "reset_after"
        if self.status is not None:
            return f"status_{self.status}"
        return f"corrupt_{self.corrupt}" if self.corrupt is not None else None


NO_FAULT = FaultAction()


@dataclass
class FaultPlan:
    """Not thread-safe on its own; the simulator calls it under its lock."""

    _rules: list[_Rule] = field(default_factory=list)
    _next_id: int = 1
    _gates: list[Gate] = field(default_factory=list)  # every gate handed out, to free on clear

    def add(self, route: str, kind: FaultKind, count: int | None, **options: Any) -> int:
        if count is not None and count < 1:
            raise ValueError("count must be >= 1, or None for until cleared")
        rule = _Rule(self._next_id, route, kind, count, **options)
        self._next_id += 1
        if rule.gate is not None:
            self._gates.append(rule.gate)
        self._rules.append(rule)
        return rule.id

    def clear(self) -> None:
        for gate in self._gates:
            gate.release()
        self._gates.clear()
        self._rules.clear()

    def describe(self) -> list[dict[str, Any]]:
        return [rule.describe() for rule in self._rules]

    def take(self, route: str) -> FaultAction:
        if not self._rules:
            return NO_FAULT
        # A rule for this route wins over a global one.
        matching = sorted(
            (r for r in self._rules if r.route in (route, ANY_ROUTE)),
            key=lambda r: r.route == ANY_ROUTE,
        )
        decisive = next((r for r in matching if r.kind in ("drop", "status")), None)
        gate = next((r for r in matching if r.kind == "hold"), None)
        corrupt = next((r for r in matching if r.kind == "corrupt"), None) if not decisive else None
        latencies = [r for r in matching if r.kind == "latency"]
        for rule in [decisive, gate, corrupt, *latencies]:
            if rule is not None:
                self._use(rule)
        return FaultAction(
            drop_before=decisive is not None and decisive.kind == "drop" and not decisive.after,
            drop_after=decisive is not None and decisive.kind == "drop" and decisive.after,
            status=decisive.status if decisive is not None and decisive.kind == "status" else None,
            retry_after=decisive.retry_after if decisive is not None else 1,
            latency=sum(r.seconds for r in latencies),
            gates=(gate.gate,) if gate is not None and gate.gate is not None else (),
            corrupt=corrupt.corruption if corrupt is not None else None,
        )

    def _use(self, rule: _Rule) -> None:
        if rule.remaining is None:
            return
        rule.remaining -= 1
        if rule.remaining <= 0:
            self._rules.remove(rule)
