"""The outbox: decisions wait out their undo window, then go to the server.

One task per decision; decisions for one character are sent in order, different
characters in parallel. Sending itself is a ``DecisionSender`` and bookkeeping a
``DecisionStore``: the seams where retries and a crash-safe journal plug in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Protocol

from psygnal import Signal

from reviewer.api import AurousError

from ._clock import Clock, sleep_or_wake
from .decisions import (
    Decision,
    DecisionKind,
    DecisionState,
    DecisionStore,
    MemoryDecisionStore,
    Outcome,
)

__all__ = ["DecisionSender", "Outbox", "UnexpectedSendError"]

log = logging.getLogger(__name__)


class DecisionSender(Protocol):
    async def send(self, decision: Decision) -> Outcome:
        """Carry the decision out; raise ``AurousError`` when the server refuses it."""
        ...


class UnexpectedSendError(AurousError):
    """A bug or surprise while sending: reported like any failure, never swallowed."""


class Outbox:
    queued = Signal(Decision)
    undone = Signal(Decision)
    sending = Signal(Decision)
    sent = Signal(Decision, Outcome)
    failed = Signal(Decision, AurousError)

    def __init__(
        self,
        sender: DecisionSender,
        *,
        clock: Clock,
        undo_seconds: float,
        store: DecisionStore | None = None,
    ) -> None:
        if undo_seconds < 0:
            raise ValueError("undo_seconds must be 0 or more")
        self._sender = sender
        self._clock = clock
        self.undo_seconds = undo_seconds
        self._store: DecisionStore = store if store is not None else MemoryDecisionStore()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._send_now: dict[str, asyncio.Event] = {}
        self._decisions: dict[str, Decision] = {}  # live ones, in the order they were made
        self._locks: dict[str, asyncio.Lock] = {}

    # -- making and taking back decisions -------------------------------------------------

    def submit(
        self,
        kind: DecisionKind,
        character_id: str,
        character_name: str,
        *,
        pose: str | None = None,
    ) -> Decision:
        decision = Decision(
            kind=kind,
            character_id=character_id,
            character_name=character_name,
            pose=pose,
            made_at=self._clock.time(),
            due_at=self._clock.monotonic() + self.undo_seconds,
        )
        self._store.record(decision)
        self._schedule(decision)
        self.queued.emit(decision)
        return decision

    def resume(self) -> list[Decision]:
        """Send what the store still holds from an earlier run, now, with the same keys."""
        resumed = self._store.unfinished()
        for decision in resumed:
            decision.state = DecisionState.PENDING
            decision.due_at = self._clock.monotonic()
            self._schedule(decision)
        return resumed

    def undo_last(self) -> Decision | None:
        """Take back the most recent decision not yet sent; None if there is none."""
        decision = self.last_undoable()
        if decision is None:
            return None
        decision.state = DecisionState.UNDONE
        self._store.update(decision)
        self._forget(decision)
        self.undone.emit(decision)
        return decision

    def last_undoable(self) -> Decision | None:
        return next(
            (d for d in reversed(self._decisions.values()) if d.state is DecisionState.PENDING),
            None,
        )

    def pending(self) -> list[Decision]:
        """Decisions not yet finished (waiting or being sent), oldest first."""
        return list(self._decisions.values())

    def pending_for(self, character_id: str) -> list[Decision]:
        return [d for d in self._decisions.values() if d.character_id == character_id]

    # -- sending --------------------------------------------------------------------------

    def send_now(self, decisions: Iterable[Decision] | None = None) -> None:
        """End the undo window early for these decisions (all when None)."""
        ids = [d.id for d in decisions] if decisions is not None else list(self._send_now)
        for decision_id in ids:
            event = self._send_now.get(decision_id)
            if event is not None:
                event.set()

    async def flush(self) -> None:
        """Send everything now and wait until each decision has an answer."""
        self.send_now()
        tasks = list(self._tasks.values())
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def aclose(self) -> None:
        """Stop without sending. Unsent decisions stay in the store for ``resume``."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _schedule(self, decision: Decision) -> None:
        self._decisions[decision.id] = decision
        self._send_now[decision.id] = asyncio.Event()
        task = asyncio.get_running_loop().create_task(
            self._run(decision), name=f"decision-{decision.kind}-{decision.character_id}"
        )
        self._tasks[decision.id] = task

    def _forget(self, decision: Decision) -> None:
        self._decisions.pop(decision.id, None)
        self._send_now.pop(decision.id, None)
        task = self._tasks.pop(decision.id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _run(self, decision: Decision) -> None:
        try:
            delay = decision.due_at - self._clock.monotonic()
            await sleep_or_wake(self._clock, delay, self._send_now[decision.id])
            lock = self._locks.setdefault(decision.character_id, asyncio.Lock())
            async with lock:
                if decision.state is not DecisionState.PENDING:
                    return
                await self._send(decision)
        finally:
            if self._tasks.get(decision.id) is asyncio.current_task():
                self._forget(decision)
            held = self._locks.get(decision.character_id)
            if (
                held is not None
                and not held.locked()
                and not self.pending_for(decision.character_id)
            ):
                del self._locks[decision.character_id]  # one per live character, not forever

    async def _send(self, decision: Decision) -> None:
        decision.state = DecisionState.SENDING
        decision.attempts += 1
        self._store.update(decision)
        self.sending.emit(decision)
        try:
            outcome = await self._sender.send(decision)
        except AurousError as exc:
            self._fail(decision, exc)
        except Exception as exc:
            log.exception("unexpected error sending %s", decision.describe())
            self._fail(decision, UnexpectedSendError(f"{type(exc).__name__}: {exc}"))
        else:
            decision.state = DecisionState.DONE
            self._store.update(decision)
            self.sent.emit(decision, outcome)

    def _fail(self, decision: Decision, error: AurousError) -> None:
        decision.state = DecisionState.FAILED
        decision.error = str(error)
        self._store.update(decision)
        self.failed.emit(decision, error)
