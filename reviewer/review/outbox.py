"""The outbox: decisions wait out their undo window, then go to the server.

Every decision is in the store (the journal) before anything else sees it, and stays
there, pending or sending, until the server has answered for it; closing or a crash leaves
it for ``resume`` at the next start. One task per decision; decisions for one character
go in order, different characters in parallel, and all of them queue for the rate limit
in the order they were made.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Protocol

from psygnal import Signal

from reviewer.api import (
    APIConnectionError,
    APIError,
    AurousError,
    AuthenticationError,
    RateLimitError,
    decision_lane,
)

from ._clock import Clock, sleep_or_wake
from .decisions import (
    Decision,
    DecisionKind,
    DecisionState,
    DecisionStore,
    MemoryDecisionStore,
    Outcome,
    Phase,
)
from .history import HistoryRow
from .notices import short_reason
from .sender import SendProgress

__all__ = ["DecisionSender", "Outbox", "UnexpectedSendError"]

log = logging.getLogger(__name__)


class DecisionSender(Protocol):
    async def send(self, decision: Decision, progress: SendProgress) -> Outcome:
        """Carry the decision out; raise ``AurousError`` when the server refuses it."""
        ...


class UnexpectedSendError(AurousError):
    """A bug or surprise while sending: reported like any failure, never swallowed."""


class _Progress:
    def __init__(self, outbox: Outbox, decision: Decision) -> None:
        self._outbox = outbox
        self._decision = decision

    def dispatching(self) -> None:
        if not self._decision.dispatched:
            self._decision.dispatched = True
            self._outbox._store.update(self._decision)

    def retrying(self, error: AurousError, seconds: float) -> None:
        if isinstance(error, APIConnectionError) and not self._outbox.online():
            phase = Phase.OFFLINE
        elif isinstance(error, AuthenticationError):
            phase = Phase.SIGN_IN
        elif isinstance(error, RateLimitError):
            phase = Phase.RATE_LIMITED
        else:
            phase = Phase.RETRYING
        log.info("%s: retrying in %.1f s after %s", self._decision.describe(), seconds, error)
        self._outbox.set_phase(self._decision, phase, short_reason(error))

    def attempting(self) -> None:
        if self._decision.phase in (Phase.RETRYING, Phase.OFFLINE, Phase.SIGN_IN):
            self._outbox.set_phase(self._decision, Phase.SENDING)

    def waiting_for_token(self, waiting: bool) -> None:
        self._outbox.set_phase(self._decision, Phase.RATE_LIMITED if waiting else Phase.SENDING)


class Outbox:
    queued = Signal(Decision)
    undone = Signal(Decision)
    sending = Signal(Decision)
    sent = Signal(Decision, Outcome)
    failed = Signal(Decision, AurousError)
    changed = Signal(Decision)  # its phase moved (waiting for the rate limit, retrying...)
    attention_changed = Signal()  # the list of failed decisions changed

    def __init__(
        self,
        sender: DecisionSender,
        *,
        clock: Clock,
        undo_seconds: float,
        store: DecisionStore | None = None,
        online: Callable[[], bool] = lambda: True,
    ) -> None:
        if undo_seconds < 0:
            raise ValueError("undo_seconds must be 0 or more")
        # Whether the API is reachable, as the session's health sees it.
        self.online = online
        self._sender = sender
        self._clock = clock
        self.undo_seconds = undo_seconds
        self._store: DecisionStore = store if store is not None else MemoryDecisionStore()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._send_now: dict[str, asyncio.Event] = {}
        self._decisions: dict[str, Decision] = {}  # live ones, in the order they were made
        self._locks: dict[str, asyncio.Lock] = {}
        # Groups one of whose decisions has left its undo window: no longer one undo.
        self._groups_gone: set[str] = set()

    # -- making and taking back decisions -------------------------------------------------

    def submit(
        self,
        kind: DecisionKind,
        character_id: str,
        character_name: str,
        *,
        pose: str | None = None,
    ) -> Decision:
        return self._submit(kind, [(character_id, character_name)], pose, group=False)[0]

    def submit_group(
        self,
        kind: DecisionKind,
        characters: list[tuple[str, str]],
        *,
        pose: str | None = None,
    ) -> list[Decision]:
        """One decision per (id, name), made together: recorded in one transaction,
        sharing a group id and an undo window, so ``undo_last`` takes them all back.
        They are sent one by one, in this order, through the same rate limits."""
        if not characters:
            raise ValueError("a group needs at least one character")
        return self._submit(kind, characters, pose, group=True)

    def _submit(
        self,
        kind: DecisionKind,
        characters: list[tuple[str, str]],
        pose: str | None,
        *,
        group: bool,
    ) -> list[Decision]:
        group_id = uuid.uuid4().hex if group else None
        made_at, due_at = self._clock.time(), self._clock.monotonic() + self.undo_seconds
        decisions = [
            Decision(
                kind=kind,
                character_id=character_id,
                character_name=character_name,
                pose=pose,
                made_at=made_at,
                due_at=due_at,
                group_id=group_id,
            )
            for character_id, character_name in characters
        ]
        self._store.record_group(decisions)  # durable before anyone is told
        ids = {d.character_id for d in decisions}
        for old in self._store.failed():
            if old.character_id in ids:
                # A new decision for the character supersedes one that failed before:
                # retrying that later could undo or double this one.
                self._drop(old)
        for decision in decisions:
            self._schedule(decision)
            self.queued.emit(decision)
        return decisions

    def resume(self) -> list[Decision]:
        """Take up what the store holds from an earlier run, with the same keys. Those
        still inside their undo window then get a fresh one; the others go now."""
        resumed = self._store.unfinished()
        now = self._clock.monotonic()
        for decision in resumed:
            decision.resumed = True
            waiting = decision.state is DecisionState.PENDING
            decision.due_at = now + (self.undo_seconds if waiting else 0.0)
            decision.phase = Phase.WAITING if waiting else Phase.SENDING
            self._schedule(decision)
        return resumed

    def undo_last(self) -> Decision | None:
        """Take back the most recent decision not yet sent, with the rest of its group;
        None if there is none. Returns the latest one taken back (``group`` names all)."""
        decision = self.last_undoable()
        if decision is None:
            return None
        taken = self.group(decision)
        for member in taken:
            member.state = DecisionState.UNDONE
            member.phase = Phase.FINISHED
            self._store.update(member)
            self._forget(member)
        for member in taken:
            self.undone.emit(member)
        return decision

    def last_undoable(self) -> Decision | None:
        """The latest decision still inside its undo window; a group counts only while
        all of it is."""
        return next(
            (
                d
                for d in reversed(self._decisions.values())
                if d.state is DecisionState.PENDING and self._group_waits(d)
            ),
            None,
        )

    def group(self, decision: Decision) -> list[Decision]:
        """The live decisions made together with this one (itself alone if no group)."""
        if decision.group_id is None:
            return [decision]
        return [d for d in self._decisions.values() if d.group_id == decision.group_id]

    def _group_waits(self, decision: Decision) -> bool:
        if decision.group_id is None:
            return True
        if decision.group_id in self._groups_gone:
            return False
        return all(d.state is DecisionState.PENDING for d in self.group(decision))

    def pending(self) -> list[Decision]:
        """Decisions not yet finished (waiting or being sent), oldest first."""
        return list(self._decisions.values())

    def pending_for(self, character_id: str) -> list[Decision]:
        return [d for d in self._decisions.values() if d.character_id == character_id]

    def history(self, since: datetime | None = None, limit: int | None = None) -> list[HistoryRow]:
        """Every decision the store keeps, newest first (the Decided panel)."""
        return self._store.history(since, limit)

    # -- decisions that need the reviewer -------------------------------------------------

    def attention(self) -> list[Decision]:
        """Decisions that failed for good, oldest first: each can be retried or dropped."""
        return self._store.failed()

    def retry(self, decision_id: str) -> Decision | None:
        """Send a failed decision again (with its idempotency key), now."""
        decision = next((d for d in self._store.failed() if d.id == decision_id), None)
        if decision is None:
            return None
        decision.state = DecisionState.PENDING
        decision.error = decision.request_id = None
        decision.due_at = self._clock.monotonic()
        self._store.update(decision)
        self._schedule(decision)
        self.attention_changed.emit()
        self.queued.emit(decision)
        return decision

    def drop(self, decision_id: str) -> Decision | None:
        """Let a failed decision go: it is not sent."""
        decision = next((d for d in self._store.failed() if d.id == decision_id), None)
        if decision is not None:
            self._drop(decision)
        return decision

    def _drop(self, decision: Decision) -> None:
        decision.state = DecisionState.DROPPED
        self._store.update(decision)
        self.attention_changed.emit()

    # -- sending --------------------------------------------------------------------------

    def send_now(self, decisions: Iterable[Decision] | None = None) -> None:
        """End the undo window early for these decisions (all when None)."""
        ids = [d.id for d in decisions] if decisions is not None else list(self._send_now)
        for decision_id in ids:
            event = self._send_now.get(decision_id)
            if event is not None:
                event.set()

    async def flush(self, within: float | None = None) -> list[Decision]:
        """Send everything now and wait (up to ``within`` seconds) for the answers.
        Returns what is still unanswered; it stays in the store, to go at the next start."""
        self.send_now()
        tasks: list[asyncio.Future[None]] = list(self._tasks.values())
        if tasks:
            # Not wait_for(gather(...)): a timeout must not cancel the sends (that once
            # made them vanish from pending() before anyone was told).
            deadline = asyncio.ensure_future(self._wait_out(within))
            try:
                while not deadline.done() and tasks:
                    await asyncio.wait([deadline, *tasks], return_when=asyncio.FIRST_COMPLETED)
                    tasks = [t for t in tasks if not t.done()]
            finally:
                deadline.cancel()
        return self.pending()

    async def _wait_out(self, seconds: float | None) -> None:
        if seconds is None:
            await asyncio.Event().wait()
        else:
            await self._clock.sleep(seconds)

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
        finished = False
        try:
            delay = decision.due_at - self._clock.monotonic()
            await sleep_or_wake(self._clock, delay, self._send_now[decision.id])
            lock = self._locks.setdefault(decision.character_id, asyncio.Lock())
            async with lock:
                if decision.state in (DecisionState.PENDING, DecisionState.SENDING):
                    await self._send(decision)
            finished = True
        finally:
            # Cancelled (closing): the decision stays live in the store for the next start.
            if finished and self._tasks.get(decision.id) is asyncio.current_task():
                self._forget(decision)
            held = self._locks.get(decision.character_id)
            if (
                held is not None
                and not held.locked()
                and not self.pending_for(decision.character_id)
            ):
                del self._locks[decision.character_id]  # one per live character, not forever

    async def _send(self, decision: Decision) -> None:
        if decision.group_id is not None:
            self._groups_gone.add(decision.group_id)
        decision.state = DecisionState.SENDING
        decision.attempts += 1
        self._store.update(decision)
        progress = _Progress(self, decision)
        self.set_phase(decision, Phase.SENDING)
        self.sending.emit(decision)
        try:
            with decision_lane(decision.seq, on_wait=progress.waiting_for_token):
                outcome = await self._sender.send(decision, progress)
        except AurousError as exc:
            self._fail(decision, exc)
        except Exception as exc:
            log.exception("unexpected error sending %s", decision.describe())
            self._fail(decision, UnexpectedSendError(f"{type(exc).__name__}: {exc}"))
        else:
            decision.state = DecisionState.DONE
            decision.phase = Phase.FINISHED
            decision.sent_at = self._clock.time()
            decision.request_id = outcome.request_id
            self._store.update(decision)
            self.sent.emit(decision, outcome)

    def _fail(self, decision: Decision, error: AurousError) -> None:
        decision.state = DecisionState.FAILED
        decision.phase = Phase.FINISHED
        decision.error = _reason(error)
        decision.request_id = getattr(error, "request_id", None)
        self._store.update(decision)
        self.failed.emit(decision, error)
        self.attention_changed.emit()

    def set_phase(self, decision: Decision, phase: Phase, reason: str | None = None) -> None:
        if decision.phase is phase and decision.phase_reason == reason:
            return
        decision.phase = phase
        decision.phase_reason = reason
        self.changed.emit(decision)


def _reason(error: AurousError) -> str:
    """The server's reason, without the request id (kept beside it)."""
    if isinstance(error, APIError):
        code = f", {error.code}" if error.code else ""
        return f"{error.message} (HTTP {error.status_code}{code})"
    return error.message
