"""The review session: the queue, the poller, the outbox and the images, joined up.

The window calls the intent methods here (``save``, ``discard``, ``regenerate``...)
and listens to the signals; every rule about what a decision does lives here or below.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Coroutine
from typing import Any

from psygnal import Signal

from reviewer.api import (
    SYNTHESIZED_POSES,
    AsyncAurousClient,
    AurousError,
    AuthenticationError,
    Balance,
    Character,
    CharacterStatus,
    NotFoundError,
    Pose,
    RateLimiter,
    ResponseMeta,
)
from reviewer.imaging.decode import Box

from ._clock import Clock, SystemClock
from .arrange import LaterStore, MemoryLaterStore, SortOrder
from .decisions import COSTS, Decision, DecisionKind, DecisionStore, Outcome, Phase
from .delivery import Delivery, attention_text, describe_delivery, resumed_text
from .feed import ImageFeed
from .health import ServiceHealth
from .images import ImagePipeline
from .keys import KeyNames
from .notices import (
    Notice,
    NoticeLevel,
    describe_error,
    error_details,
    out_of_credits_text,
    short_reason,
)
from .outbox import DecisionSender, Outbox
from .poller import Poller, PollResult
from .queue import Entry, ReviewQueue
from .retry import RetryPolicy
from .selection import GroupPlan, Selection, generations
from .sender import ClientSender, DecisionConflictError, UnconfirmedError

__all__ = ["PREFETCH_AHEAD", "ReviewSession"]

log = logging.getLogger(__name__)

PREFETCH_AHEAD = 2
FLUSH_TIMEOUT = 15.0
# The balance also moves with others' runs on the same team: re-read it now and then.
BALANCE_INTERVAL = 60.0


class ReviewSession:
    notice = Signal(object)  # Notice
    balance_changed = Signal(object)  # Balance | None
    connection_changed = Signal(object)  # str | None (None: all is well)
    pose_changed = Signal(str)
    loading_changed = Signal(bool)  # True until the first sweep of the list is in
    # Decisions on their way moved (rate limit, retries, offline, sign-in): read delivery().
    delivery_changed = Signal()
    attention_changed = Signal()  # read attention()

    def __init__(
        self,
        client: AsyncAurousClient,
        *,
        images: ImagePipeline | None = None,
        clock: Clock | None = None,
        undo_seconds: float = 4.0,
        poll_interval: float = 10.0,
        store: DecisionStore | None = None,
        sender: DecisionSender | None = None,
        later: LaterStore | None = None,
    ) -> None:
        self.client = client
        self.clock: Clock = clock or SystemClock()
        self.health = ServiceHealth(self.clock)
        if client.limiter is None:
            client.limiter = RateLimiter(clock=self.clock)
        self.limiter = client.limiter
        client.on_response = self._on_response
        self.retry = RetryPolicy(self.clock, self.health)
        self.queue = ReviewQueue()
        self.selection = Selection(self.queue)
        # "Later" flags live with the decisions (the journal keeps both across restarts).
        if later is None:
            later = store if isinstance(store, LaterStore) else MemoryLaterStore()
        self.later_store: LaterStore = later
        self.queue.load_later(later.later_flags())
        self._last_flag = 0.0
        self.outbox = Outbox(
            sender or ClientSender(client, self.retry),
            clock=self.clock,
            undo_seconds=undo_seconds,
            store=store,
            online=lambda: self.health.online,
        )
        self.poller = Poller(
            client,
            clock=self.clock,
            health=self.health,
            known_ids=lambda: {e.id for e in self.queue.all_entries()},
            synthesizing_ids=self._synthesizing_ids,
            idle_interval=poll_interval,
            active_interval=max(1.0, poll_interval / 5),
        )
        self.images = images
        # How notices write keys: the window's keymap, once it is there.
        self.keys = KeyNames()
        self.feed = ImageFeed(images, self.keys) if images is not None else None
        # What the next characters' poses are decoded to fit: the grid's tile (the window
        # says, as it lays out), a square until it does.
        self.prefetch_box: Box = 512
        self._prefetch_due: asyncio.Handle | None = None
        self.selected_pose: str = Pose.PORTRAIT
        self.balance: Balance | None = None
        self.loading = True
        self._tasks: set[asyncio.Task[Any]] = set()
        self._poll_task: asyncio.Task[None] | None = None
        self._reported_skips: set[str | None] = set()
        self._reported_problem: str | None = None
        # One balance request at a time; asks meanwhile make one more after it.
        self._balance_task: asyncio.Task[None] | None = None
        self._balance_again = False
        self._balance_read_at: float | None = None
        # The request id of each paid run sent from here, to quote if the run fails.
        self._run_requests: dict[str, str | None] = {}

        self.outbox.sent.connect(self._on_sent)
        self.outbox.failed.connect(self._on_failed)
        self.outbox.undone.connect(self._on_undone)
        self.outbox.changed.connect(self._on_phase)
        self.outbox.attention_changed.connect(self.attention_changed.emit)
        for signal in (self.outbox.queued, self.outbox.sent, self.outbox.undone):
            signal.connect(lambda *_: self.delivery_changed.emit())
        self.poller.polled.connect(self._on_polled)
        self.poller.failed.connect(self._on_poll_failed)
        self.poller.recovered.connect(lambda: self.connection_changed.emit(None))
        self.health.changed.connect(self._health_changed)
        self.health.back_online.connect(self._back_online)
        self.queue.current_changed.connect(lambda _: self._prefetch_soon())

    # -- lifetime -----------------------------------------------------------------------

    async def start(self) -> None:
        """Take up what the last session left, begin polling, fetch the balance."""
        resumed = self.outbox.resume()
        if resumed:
            waiting = sum(1 for d in resumed if d.due_at > self.clock.monotonic())
            text = resumed_text(
                len(resumed) - waiting, waiting, self.outbox.undo_seconds, self.keys("undo")
            )
            self.notice.emit(Notice(NoticeLevel.INFO, text))
        attention = len(self.outbox.attention())
        if attention:
            self.notice.emit(Notice(NoticeLevel.WARNING, attention_text(attention)))
        self.queue.follow_top(self.loading)
        self._poll_task = self.spawn(self.poller.run())
        self.request_balance()

    async def aclose(self, *, flush: bool = True) -> list[Decision]:
        """Send what is still waiting (bounded by FLUSH_TIMEOUT), then stop everything.

        Returns the decisions the server did not answer in time. They stay in the journal
        and go at the next start; the window names them."""
        if self._poll_task is not None:
            self._poll_task.cancel()
        if self._prefetch_due is not None:
            self._prefetch_due.cancel()
            self._prefetch_due = None
        if flush and self.outbox.pending():
            unsent = await self.outbox.flush(FLUSH_TIMEOUT)
            if unsent:
                log.warning("closing with %d decisions unanswered", len(unsent))
        else:
            unsent = self.outbox.pending()
        await self.outbox.aclose()
        if self.feed is not None:
            self.feed.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.images is not None:
            await self.images.aclose()
        return unsent

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run in the background, holding a reference; failures are logged and shown."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        exc = task.exception()
        log.error("background task failed", exc_info=exc)
        self.notice.emit(
            Notice(
                NoticeLevel.ERROR,
                "Something went wrong inside the app. Your decisions are kept; if it happens "
                "again, copy the details from the Activity log and report it.",
                details=error_details(exc) if exc is not None else None,
            )
        )

    # -- reading ------------------------------------------------------------------------

    @property
    def current(self) -> Entry | None:
        return self.queue.current

    def why_not(self, kind: DecisionKind, entry: Entry | None = None) -> str | None:
        """Why ``kind`` cannot be decided for the entry now, or None if it can."""
        blocker = self._blocker(kind, entry or self.queue.current)
        return None if blocker is None else blocker[1]

    def _blocker(self, kind: DecisionKind, entry: Entry | None) -> tuple[str, str] | None:
        """(a short reason, for counting a selection's; the full sentence), or None."""
        if entry is None:
            return "none", "No character selected"
        status = entry.status
        if entry.decided and entry.pending is not None:
            return f"already {entry.pending.past}", (
                f"“{entry.name}” is already {entry.pending.past}; it is on its way to the "
                f"server ({self.keys('undo')} takes back the latest decision while it waits)"
            )
        if entry.pending is not None or status == CharacterStatus.SYNTHESIZING:
            return "synthesizing", (
                f"“{entry.name}” is synthesizing; wait until it is back for review"
            )
        if kind is DecisionKind.SAVE and status != CharacterStatus.REVIEWING:
            return status, (f"Only a character in review can be saved (“{entry.name}” is {status})")
        if status not in (CharacterStatus.REVIEWING, CharacterStatus.FAILED):
            return status, f"“{entry.name}” is {status}"
        if kind is DecisionKind.REGENERATE and entry.character.ref(self.selected_pose) is None:
            # The service regenerates only a pose the character has (a failed first
            # synthesis has none): resynthesizing is the way out.
            return f"no {self.selected_pose} pose", (
                f"“{entry.name}” has no {self.selected_pose} pose to regenerate; "
                f"resynthesize it instead ({self.keys('resynthesize')})"
            )
        return None

    def plan(self, kind: DecisionKind) -> GroupPlan:
        """What ``kind`` would do to the selection (several characters)."""
        entries: list[Entry] = []
        skipped: Counter[str] = Counter()
        selected = self.selection.entries
        for entry in selected:
            blocker = self._blocker(kind, entry)
            if blocker is None:
                entries.append(entry)
            else:
                skipped[blocker[0]] += 1
        pose = self.selected_pose if kind is DecisionKind.REGENERATE else None
        return GroupPlan(kind, len(selected), entries, skipped, pose)

    def _synthesizing_ids(self) -> set[str]:
        return self.queue.synthesizing_ids()

    # -- intents ------------------------------------------------------------------------

    def save(self) -> Decision | None:
        return self._decide(DecisionKind.SAVE)

    def discard(self) -> Decision | None:
        return self._decide(DecisionKind.DISCARD)

    def regenerate(self, pose: str | None = None) -> Decision | None:
        return self._decide(DecisionKind.REGENERATE, pose or self.selected_pose)

    def resynthesize(self) -> Decision | None:
        return self._decide(DecisionKind.RESYNTHESIZE)

    def undo(self) -> Decision | None:
        last = self.outbox.last_undoable()
        group = self.outbox.group(last) if last is not None else []
        decision = self.outbox.undo_last()
        if decision is None:
            self.notice.emit(Notice(NoticeLevel.INFO, "Nothing to undo: every decision was sent"))
        elif decision.group_id is not None:
            # Back as they were: selected together, the first one current.
            back = [d.character_id for d in group if self.queue.row_of(d.character_id) is not None]
            if back:
                self.queue.select(back[0])
            self.selection.select_ids(back)
            self.notice.emit(Notice(NoticeLevel.INFO, f"Undone: {_group_text(group)}"))
        return decision

    def toggle_later(self) -> bool:
        """L: flag the current character "later" (to the end of this reviewer's queue;
        the server is not told) or, when it is flagged, clear the flag. True: flagged.
        With several selected, all of them (cleared only when all are flagged)."""
        if self.selection.is_multi:
            return self._toggle_later_selection()
        entry = self.queue.current
        if entry is None:
            self.notice.emit(Notice(NoticeLevel.WARNING, "No character selected"))
            return False
        if entry.later is not None:
            self._set_later(entry.id, None)
            self.notice.emit(
                Notice(
                    NoticeLevel.INFO,
                    f"“{entry.name}” is no longer for later",
                    character_id=entry.id,
                )
            )
            return False
        self._set_later(entry.id, self._next_flag())
        self.notice.emit(
            Notice(
                NoticeLevel.INFO,
                f"“{entry.name}” moved to the end, for later",
                character_id=entry.id,
            )
        )
        return True

    def _toggle_later_selection(self) -> bool:
        entries = self.selection.entries
        flag = any(e.later is None for e in entries)
        self.selection.clear()  # done with them, as after a decision
        changed = [e for e in entries if (e.later is None) == flag]
        for entry in changed:  # in queue order: they keep it at the end
            self._set_later(entry.id, self._next_flag() if flag else None)
        many = len(changed) > 1
        what = f"{len(changed)} characters" if many else f"“{changed[0].name}”"
        text = (
            f"{what} moved to the end, for later"
            if flag
            else f"{what} {'are' if many else 'is'} no longer for later"
        )
        self.notice.emit(Notice(NoticeLevel.INFO, text))
        return flag

    def _next_flag(self) -> float:
        # Strictly increasing, so the last one flagged is the last in the queue.
        self._last_flag = max(self.clock.time(), self._last_flag + 0.001)
        return self._last_flag

    def toggle_sort(self) -> SortOrder:
        order = self.queue.sort_order.toggled()
        self.queue.set_sort(order)
        self.notice.emit(
            Notice(NoticeLevel.INFO, f"Queue sorted {order.label.lower()}", toast=False)
        )
        return order

    def _set_later(self, character_id: str, flagged_at: float | None) -> None:
        # The journal first: what the window shows is what a restart brings back.
        if flagged_at is None:
            self.later_store.clear_later(character_id)
        else:
            self.later_store.set_later(character_id, flagged_at)
        self.queue.set_later(character_id, flagged_at)

    def next(self) -> bool:
        self.selection.clear()  # a plain move ends a multi-selection
        return self.queue.step(+1)

    def previous(self) -> bool:
        self.selection.clear()
        return self.queue.step(-1)

    def extend_next(self) -> bool:
        return self.selection.extend(+1)

    def extend_previous(self) -> bool:
        return self.selection.extend(-1)

    def select_all(self) -> int:
        """Select every character shown that can still be decided (saved or discarded)."""
        count = self.selection.select_all(lambda e: self._blocker(DecisionKind.DISCARD, e) is None)
        if not count:
            self.notice.emit(Notice(NoticeLevel.INFO, "No character shown can be decided now"))
        return count

    def select_pose(self, pose: str) -> None:
        if pose not in SYNTHESIZED_POSES:
            raise ValueError(f"unknown pose {pose!r}")
        if pose != self.selected_pose:
            self.selected_pose = pose
            self.pose_changed.emit(pose)

    def refresh(self) -> None:
        """Poll the whole list now, and load again the images that failed (F5)."""
        self.poller.poke(sweep=True)
        if self.feed is not None:
            self.feed.retry_failed()

    def replace_key(self, api_key: str) -> None:
        """The reviewer signed in with another key: whatever waited for one goes now."""
        self.client.set_api_key(api_key)
        self.health.key_replaced()
        self.poller.poke()

    def delivery(self) -> Delivery | None:
        """One line about decisions on their way, or None when all is well."""
        return describe_delivery(self.outbox.pending(), self.limiter.status(), self.health)

    def attention(self) -> list[Decision]:
        """Decisions that failed for good, oldest first."""
        return self.outbox.attention()

    def retry_decision(self, decision_id: str) -> Decision | None:
        decision = self.outbox.retry(decision_id)
        if decision is not None and decision.character_id in self.queue:
            self.queue.set_pending(decision.character_id, decision.kind, decision.pose, decision)
        return decision

    def drop_decision(self, decision_id: str) -> Decision | None:
        return self.outbox.drop(decision_id)

    def can_afford(self, kind: DecisionKind, count: int = 1) -> bool:
        """False when the last balance read cannot cover ``kind`` (``count`` times) on
        top of the paid decisions still waiting to go. Unknown balance or exempt billing:
        True (the server has the last word, with a 402)."""
        cost = COSTS[kind] * count
        balance = self.balance
        if not cost or balance is None or balance.billing_mode == "exempt":
            return True
        waiting = sum(d.cost for d in self.outbox.pending() if not d.dispatched)
        return balance.available_credits >= cost + waiting

    def _decide(self, kind: DecisionKind, pose: str | None = None) -> Decision | None:
        if self.selection.is_multi:
            decisions = self.decide_selection(kind)
            return decisions[-1] if decisions else None
        entry = self.queue.current
        reason = self.why_not(kind, entry)
        if reason is not None or entry is None:
            self.notice.emit(Notice(NoticeLevel.WARNING, reason or "No character selected"))
            return None
        if not self.can_afford(kind):
            # Refused here, in the words a 402 gets, rather than sent to be refused.
            doing = _doing_kind(kind, entry.name, pose)
            self.notice.emit(
                Notice(NoticeLevel.ERROR, out_of_credits_text(doing), character_id=entry.id)
            )
            self.request_balance()
            return None
        decision = self.outbox.submit(kind, entry.id, entry.name, pose=pose)
        self.queue.set_pending(entry.id, kind, pose, decision)
        self.queue.add_decided(+1)
        if entry.later is not None:
            # Decided: triage is over for it. After set_pending, so the next one is the
            # next in the "later" run, not next to the place it goes back to.
            self._set_later(entry.id, None)
        cost = COSTS[kind]
        what = decision.describe()
        if cost:
            what += f" ({cost} generation{'s' if cost > 1 else ''})"
        self.notice.emit(Notice(NoticeLevel.INFO, what, character_id=entry.id, decision=decision))
        return decision

    def decide_selection(self, kind: DecisionKind) -> list[Decision]:
        """``kind`` for every selected character that can take it, as one group: one
        undo, one notice. Paid ones are refused whole if the balance cannot cover all."""
        plan = self.plan(kind)
        if not plan.entries:
            self.notice.emit(Notice(NoticeLevel.WARNING, plan.refusal()))
            return []
        count = len(plan.entries)
        if not self.can_afford(kind, count):
            doing = _doing_kind(kind, f"{count} characters", plan.pose, quoted=False)
            self.notice.emit(Notice(NoticeLevel.ERROR, out_of_credits_text(doing)))
            self.request_balance()
            return []
        decisions = self.outbox.submit_group(
            kind, [(e.id, e.name) for e in plan.entries], pose=plan.pose
        )
        self.selection.clear()
        for entry, decision in zip(plan.entries, decisions, strict=True):
            self.queue.set_pending(entry.id, kind, plan.pose, decision)
            if entry.later is not None:
                self._set_later(entry.id, None)  # decided: triage is over for it
        self.queue.add_decided(+count)
        text = _group_text(decisions)
        if plan.skipped:
            text += f" · {sum(plan.skipped.values())} left out ({plan.skipped_text()})"
        self.notice.emit(Notice(NoticeLevel.INFO, text, decision=decisions[-1]))
        return decisions

    # -- what the outbox reports --------------------------------------------------------

    def _on_sent(self, decision: Decision, outcome: Outcome) -> None:
        cid = decision.character_id
        self.queue.confirm(cid)
        if outcome.gone:
            self.queue.remove(cid)
        elif outcome.character is not None:
            self.queue.upsert(outcome.character)
        if outcome.note:
            self.notice.emit(Notice(NoticeLevel.WARNING, outcome.note, character_id=cid))
        if decision.kind.paid:
            character = outcome.character
            self._run_requests[cid] = character.meta.request_id if character else None
            self.request_balance()
            self.poller.poke()

    def _on_failed(self, decision: Decision, error: AurousError) -> None:
        cid = decision.character_id
        if isinstance(error, DecisionConflictError | UnconfirmedError):
            # These say it plainly themselves.
            text = f"Could not finish {_doing(decision)}: {error.message}."
        else:
            text = describe_error(error, doing=_doing(decision))
        self.queue.clear_pending(cid, message=text)
        if not decision.resumed:
            self.queue.add_decided(-1)
        if isinstance(error, DecisionConflictError):
            self.queue.upsert(error.character)
        elif isinstance(error, NotFoundError):
            self.queue.remove(cid)
        self.notice.emit(
            Notice(
                NoticeLevel.ERROR,
                text,
                request_id=decision.request_id,
                character_id=cid,
                details=error_details(error, decision.request_id),
            )
        )
        self.delivery_changed.emit()
        if decision.kind.paid:
            self.request_balance()

    def _on_phase(self, decision: Decision) -> None:
        self.queue.touch(decision.character_id)
        self.delivery_changed.emit()

    def _health_changed(self) -> None:
        # Decisions retrying while the link went down now show as offline, and back.
        for decision in self.outbox.pending():
            if decision.phase in (Phase.RETRYING, Phase.OFFLINE) and decision.phase_reason:
                self.outbox.set_phase(
                    decision,
                    Phase.RETRYING if self.health.online else Phase.OFFLINE,
                    decision.phase_reason,
                )
        self.delivery_changed.emit()

    def _on_response(self, meta: ResponseMeta) -> None:
        self.health.observe_response(meta)

    def _back_online(self) -> None:
        self.notice.emit(Notice(NoticeLevel.INFO, "The API answers again", toast=False))
        self.poller.poke()
        if self.feed is not None:
            self.feed.retry_failed()

    def _on_undone(self, decision: Decision) -> None:
        self.queue.clear_pending(decision.character_id)
        if not decision.resumed:
            self.queue.add_decided(-1)
        if decision.group_id is not None:
            return  # undo() selects the group and says it once
        self.queue.select(decision.character_id)
        self.notice.emit(
            Notice(
                NoticeLevel.INFO,
                f"Undone: {decision.describe()}",
                character_id=decision.character_id,
            )
        )

    # -- what the poller reports --------------------------------------------------------

    def _on_polled(self, result: PollResult) -> None:
        with self.queue.counting_once():
            self._merge_polled(result)
        if result.sweep_complete and self.loading:
            self.loading = False
            self.queue.follow_top(False)
            self.loading_changed.emit(False)
        self._balance_due()
        self.prefetch()

    def _merge_polled(self, result: PollResult) -> None:
        for character in result.characters:
            self._merge(character)
        for item in result.skipped:
            if item.id not in self._reported_skips:
                self._reported_skips.add(item.id)
                what = f"Character {item.id}" if item.id else "A character"
                self.notice.emit(
                    Notice(
                        NoticeLevel.WARNING,
                        f"{what} in the server's list could not be read and is left out; "
                        "the rest of the queue is fine.",
                        character_id=item.id,
                        details=item.reason,
                    )
                )
        if result.problem is not None and result.problem != self._reported_problem:
            self._reported_problem = result.problem
            self.notice.emit(Notice(NoticeLevel.WARNING, result.problem))
        for character_id in result.missing:
            entry = self.queue.get(character_id)
            if entry is not None and not self.outbox.pending_for(character_id):
                self.queue.remove(character_id)
                if not self.loading:
                    self.notice.emit(
                        Notice(
                            NoticeLevel.WARNING,
                            f"“{entry.name}” was deleted elsewhere",
                            character_id=character_id,
                        )
                    )

    def _merge(self, character: Character) -> None:
        before = self.queue.get(character.id)
        was = before.status if before is not None else None
        regenerated_here = before is not None and bool(before.regenerating)
        # The poses being made anew, read before the update clears them.
        remade = before.regenerating if before is not None else frozenset()
        ours = self.outbox.pending_for(character.id)
        entry = self.queue.upsert(character)
        if was == CharacterStatus.SYNTHESIZING and character.status != was:
            # A paid run settled: its held credits were spent or released.
            self.request_balance()
        if entry is not None and entry.pending is None and ours:
            # A decision from the last session: the row shows it as on its way.
            self.queue.set_pending(character.id, ours[-1].kind, ours[-1].pose, ours[-1])
        if before is None or ours:
            return
        if entry is None:
            gone = _LEFT_QUEUE.get(character.status, f"is now {character.status}")
            self.notice.emit(
                Notice(NoticeLevel.WARNING, f"“{before.name}” {gone}", character_id=character.id)
            )
        elif regenerated_here and was == CharacterStatus.SYNTHESIZING and entry.status != was:
            # Only for what this reviewer sent back: others' arrivals just update the counts.
            request_id = self._run_requests.pop(character.id, None)
            if entry.status == CharacterStatus.REVIEWING:
                text = f"“{entry.name}” is back for review"
                self.notice.emit(Notice(NoticeLevel.INFO, text, character_id=character.id))
            else:
                self.notice.emit(_run_failed(entry, remade, request_id, self.keys))

    def _on_poll_failed(self, error: AurousError, retry_in: float) -> None:
        logged = Notice(
            NoticeLevel.WARNING,
            f"Can't update the queue: {short_reason(error)}. It is tried again by itself.",
            toast=False,
            details=error_details(error),
        )
        if not self.health.online or self.health.key_refused is not None:
            # The status line says it in plain words; the Activity log keeps the details.
            self.notice.emit(logged)
            self.connection_changed.emit(None)
            return
        if isinstance(error, AuthenticationError):
            text = "The API key was refused. Sign in again with a valid key."
        else:
            text = f"Can't update the queue: {short_reason(error)}. Retrying in {retry_in:.0f} s."
            self.notice.emit(logged)
        self.connection_changed.emit(text)

    # -- balance and images -------------------------------------------------------------

    def request_balance(self) -> None:
        """Re-read the balance soon, coalesced: one request in flight, at most one after."""
        if self._balance_task is not None and not self._balance_task.done():
            self._balance_again = True
            return
        self._balance_read_at = self.clock.monotonic()
        self._balance_task = self.spawn(self._read_balance())

    async def _read_balance(self) -> None:
        await self.refresh_balance()
        while self._balance_again:
            self._balance_again = False
            self._balance_read_at = self.clock.monotonic()
            await self.refresh_balance()

    def _balance_due(self) -> None:
        # The slow timer rides on the poller, which runs every few seconds anyway.
        read_at = self._balance_read_at
        if read_at is None or self.clock.monotonic() - read_at >= BALANCE_INTERVAL:
            self.request_balance()

    async def refresh_balance(self) -> Balance | None:
        try:
            balance = await self.client.get_balance()
        except AurousError as exc:
            log.warning("balance unavailable: %s", exc)
            return None
        self.balance = balance
        self.balance_changed.emit(balance)
        return balance

    async def refresh_character(self, character_id: str) -> Character:
        """Fresh storage URLs for a character whose image links expired."""
        character = await self.client.retrieve_character(character_id)
        if not self.outbox.pending_for(character_id):
            self.queue.upsert(character)
        return character

    def _prefetch_soon(self) -> None:
        """Prefetch once the loop turns: after the window has painted the move (its
        bookkeeping, ~0.5 ms a press, is then not part of the reviewer's wait), and once
        for a burst of moves."""
        if self._prefetch_due is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous caller): at once
            self.prefetch()
            return
        self._prefetch_due = loop.call_soon(self._prefetch_now)

    def _prefetch_now(self) -> None:
        self._prefetch_due = None
        self.prefetch()

    def prefetch(self) -> None:
        if self.images is None:
            return
        wanted = [e.character for e in self.queue.following(PREFETCH_AHEAD)]
        current = self.queue.current
        if current is not None:
            wanted.insert(0, current.character)
        self.images.prefetch(wanted, max_side=self.prefetch_box)


_LEFT_QUEUE: dict[str, str] = {
    CharacterStatus.READY: "was saved by someone else",
    CharacterStatus.DELETED: "was deleted elsewhere",
}


def _run_failed(
    entry: Entry, poses: frozenset[str], request_id: str | None, keys: KeyNames
) -> Notice:
    """A run sent from here failed: which pose, why (the server's words), what to do."""
    reason = (entry.character.error_message or "the server gave no reason").rstrip(".")
    if len(poses) == 1:
        (pose,) = poses
        what = f"The {pose} pose of “{entry.name}” could not be regenerated"
        todo = (
            f"Regenerate it again ({keys('regenerate')}) or resynthesize all four "
            f"({keys('resynthesize')})."
        )
    else:
        what = f"“{entry.name}” could not be resynthesized"
        todo = f"Resynthesize it again ({keys('resynthesize')}) or discard it ({keys('discard')})."
    details = f"Server's reason: {entry.character.error_message or 'none given'}"
    if request_id:
        details += f"\nRequest id: {request_id}"
    return Notice(
        NoticeLevel.ERROR,
        f"{what}: {reason}. {todo}",
        request_id=request_id,
        character_id=entry.id,
        details=details,
    )


def _doing(decision: Decision) -> str:
    return _doing_kind(decision.kind, decision.character_name, decision.pose)


def _doing_kind(kind: DecisionKind, name: str, pose: str | None, *, quoted: bool = True) -> str:
    if quoted:
        name = f"“{name}”"
    return {
        DecisionKind.SAVE: f"saving {name}",
        DecisionKind.DISCARD: f"discarding {name}",
        DecisionKind.REGENERATE: f"regenerating the {pose} pose of {name}",
        DecisionKind.RESYNTHESIZE: f"resynthesizing {name}",
    }[kind]


def _group_text(decisions: list[Decision]) -> str:
    """'Saved 12 characters', 'Resynthesizing 3 characters (12 generations)'."""
    first = decisions[0]
    if len(decisions) == 1:
        text = first.describe()
    elif first.kind is DecisionKind.REGENERATE:
        text = f"{first.kind.verb} the {first.pose} pose of {len(decisions)} characters"
    else:
        text = f"{first.kind.verb} {len(decisions)} characters"
    cost = sum(d.cost for d in decisions)
    return f"{text} ({generations(cost)})" if cost else text
