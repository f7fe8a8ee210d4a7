from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.review.arrange import SortOrder
from reviewer.review.decisions import DecisionKind
from reviewer.review.queue import Counts, ReviewQueue, StatusFilter

from .factories import character


class Rows:
    """Mirrors the queue from its row signals alone, as the Qt model does."""

    def __init__(self, queue: ReviewQueue) -> None:
        self.queue = queue
        self.ids: list[str] = []
        self.events: list[tuple[str, int]] = []
        queue.inserted.connect(self._inserted)
        queue.removed.connect(self._removed)
        queue.changed.connect(lambda row: self.events.append(("changed", row)))
        queue.reset.connect(self._reset)

    def _inserted(self, row: int) -> None:
        self.ids.insert(row, self.queue.at(row).id)
        self.events.append(("inserted", row))

    def _removed(self, row: int) -> None:
        del self.ids[row]
        self.events.append(("removed", row))

    def _reset(self) -> None:
        self.ids = [e.id for e in self.queue]


def ids(*ns: int) -> list[str]:
    return [character(n).id for n in ns]


def test_newest_first_whatever_the_arrival_order() -> None:
    q = ReviewQueue()
    rows = Rows(q)
    for n in (2, 5, 1, 4, 3):
        q.upsert(character(n))
    assert [e.id for e in q] == ids(5, 4, 3, 2, 1)
    assert rows.ids == ids(5, 4, 3, 2, 1)


def test_first_arrival_becomes_current_and_newer_arrivals_do_not_steal_it() -> None:
    q = ReviewQueue()
    seen: list[object] = []
    q.current_changed.connect(seen.append)
    q.upsert(character(1))
    q.upsert(character(9))
    assert q.current is not None
    assert q.current.id == ids(1)[0]
    assert len(seen) == 1


def test_first_current_is_the_first_that_can_be_decided() -> None:
    q = ReviewQueue()
    q.upsert(character(9, "synthesizing"))
    q.upsert(character(8, "failed"))
    assert q.current is not None
    assert q.current.id == ids(9)[0]
    q.upsert(character(7))
    q.upsert(character(6))
    assert q.current is not None
    assert q.current.id == ids(7)[0]


def test_a_chosen_synthesizing_current_is_not_taken_away() -> None:
    q = ReviewQueue()
    q.upsert(character(9, "synthesizing"))
    q.upsert(character(8, "synthesizing"))
    q.select(ids(8)[0])
    q.upsert(character(7))
    assert q.current is not None
    assert q.current.id == ids(8)[0]


def test_statuses_outside_review_leave_the_queue() -> None:
    q = ReviewQueue()
    rows = Rows(q)
    for n, status in enumerate(["reviewing", "synthesizing", "failed", "ready", "deleted"]):
        q.upsert(character(n, status))
    assert rows.ids == ids(2, 1, 0)
    q.upsert(character(1, "ready"))
    assert rows.ids == ids(2, 0)
    assert character(1).id not in q


def test_unknown_status_is_not_shown_and_does_not_crash() -> None:
    q = ReviewQueue()
    assert q.upsert(character(1, "queued_for_moderation")) is None
    assert len(q) == 0


def test_a_save_keeps_its_row_until_confirmed_and_advances_to_the_next_older() -> None:
    q = ReviewQueue()
    rows = Rows(q)
    for n in (3, 2, 1):
        q.upsert(character(n))
    q.select(ids(2)[0])
    q.set_pending(ids(2)[0], DecisionKind.SAVE)
    assert rows.ids == ids(3, 2, 1)  # shown as on its way, not gone
    entry = q.get(ids(2)[0])
    assert entry is not None
    assert entry.decided
    assert q.counts.to_review == 2
    assert q.current is not None
    assert q.current.id == ids(1)[0]
    # At the end of the list the nearest newer undecided one is next.
    q.set_pending(ids(1)[0], DecisionKind.DISCARD)
    assert q.current is not None
    assert q.current.id == ids(3)[0]
    # Confirmed by the server: the row goes.
    q.confirm(ids(2)[0])
    q.upsert(character(2, "ready"))
    assert rows.ids == ids(3, 1)


def test_moving_through_the_queue_passes_over_decided_rows() -> None:
    q = ReviewQueue()
    for n in (5, 4, 3, 2, 1):
        q.upsert(character(n))
    q.select(ids(5)[0])
    q.set_pending(ids(4)[0], DecisionKind.SAVE)
    q.set_pending(ids(3)[0], DecisionKind.DISCARD)
    assert q.step(+1)
    assert q.current is not None
    assert q.current.id == ids(2)[0]
    assert q.step(-1)
    assert q.current.id == ids(5)[0]
    assert not q.step(-1)
    assert [e.id for e in q.following(2)] == ids(2, 1)


def test_preceding_nearest_first() -> None:
    q = ReviewQueue()
    for n in (1, 2, 3, 4):
        q.upsert(character(n))
    q.select_row(2)
    assert [e.id for e in q.preceding(5)] == ids(3, 4)
    q.select_row(0)
    assert q.preceding(1) == []


def test_undo_restores_in_place() -> None:
    q = ReviewQueue()
    rows = Rows(q)
    for n in (3, 2, 1):
        q.upsert(character(n))
    q.set_pending(ids(2)[0], DecisionKind.SAVE)
    q.clear_pending(ids(2)[0])
    assert rows.ids == ids(3, 2, 1)


def test_regenerate_keeps_the_entry_as_synthesizing_with_before_image() -> None:
    q = ReviewQueue()
    q.upsert(character(1))
    cid = ids(1)[0]
    q.set_pending(cid, DecisionKind.REGENERATE, "side")
    entry = q.get(cid)
    assert entry is not None
    assert entry.status == "synthesizing"
    assert entry.regenerating == {"side"}
    assert entry.before == character(1)
    assert q.counts == Counts(to_review=0, synthesizing=1)
    # Confirmed, then the server reports synthesizing: still only "side" regenerating.
    q.confirm(cid)
    q.upsert(character(1, "synthesizing", version=1))
    assert entry.regenerating == {"side"}
    # Back for review with the new pose: before/after is on offer.
    q.upsert(character(1, "reviewing", version=2))
    assert entry.regenerating == frozenset()
    assert entry.comparing
    # The next decision on it ends the comparison.
    q.set_pending(cid, DecisionKind.SAVE)
    assert not entry.comparing


def test_failed_decision_restores_with_message() -> None:
    q = ReviewQueue()
    q.upsert(character(1))
    cid = ids(1)[0]
    q.set_pending(cid, DecisionKind.RESYNTHESIZE)
    q.clear_pending(cid, message="Out of credits")
    entry = q.get(cid)
    assert entry is not None
    assert entry.status == "reviewing"
    assert entry.regenerating == frozenset()
    assert entry.message == "Out of credits"


def test_pending_entry_survives_a_poll_saying_ready() -> None:
    q = ReviewQueue()
    q.upsert(character(1))
    cid = ids(1)[0]
    q.set_pending(cid, DecisionKind.SAVE)
    q.upsert(character(1, "ready"))
    assert cid in q  # still ours until the outbox answers
    q.clear_pending(cid)
    q.upsert(character(1, "ready"))
    assert cid not in q


def test_filter_and_search() -> None:
    q = ReviewQueue()
    rows = Rows(q)
    q.upsert(character(1, name="Aurora the Adventurer"))
    q.upsert(character(2, "synthesizing", name="Borin Ironfist"))
    q.upsert(character(3, "failed", name="Aurelio"))
    q.set_filter(StatusFilter.REVIEWING)
    assert rows.ids == ids(1)
    q.set_filter(StatusFilter.ALL, search="  aur ")
    assert rows.ids == ids(3, 1)
    # An entry changing status moves in or out of a filtered view.
    q.set_filter(StatusFilter.SYNTHESIZING, search="")
    assert rows.ids == ids(2)
    q.upsert(character(2, "reviewing", version=1))
    assert rows.ids == []
    assert q.current is None


def test_filter_moves_current_into_view() -> None:
    q = ReviewQueue()
    q.upsert(character(1))
    q.upsert(character(2, "failed"))
    q.select(ids(1)[0])
    q.set_filter(StatusFilter.FAILED)
    assert q.current is not None
    assert q.current.id == ids(2)[0]


def test_step_and_select_row_stop_at_the_ends() -> None:
    q = ReviewQueue()
    for n in (1, 2, 3):
        q.upsert(character(n))
    q.select_row(0)
    assert not q.step(-1)
    assert q.step(+1)
    assert q.step(+1)
    assert not q.step(+1)
    assert q.current_row == 2
    assert not q.select("char_unknown")


def test_following_for_prefetch() -> None:
    q = ReviewQueue()
    for n in (1, 2, 3, 4):
        q.upsert(character(n))
    q.select_row(1)
    assert [e.id for e in q.following(2)] == ids(2, 1)


def test_counts_describe() -> None:
    q = ReviewQueue()
    counts: list[Counts] = []
    q.counts_changed.connect(counts.append)
    q.upsert(character(1))
    q.upsert(character(2))
    q.upsert(character(3, "synthesizing"))
    q.add_decided(40)
    assert q.counts.describe() == "2 to review · 1 synthesizing · 40 decided this session"
    q.upsert(character(4, "failed"))
    assert "1 failed" in q.counts.describe()
    assert counts[-1] == q.counts


def test_counting_once_publishes_the_counts_at_the_end_only() -> None:
    q = ReviewQueue()
    counts: list[Counts] = []
    q.counts_changed.connect(counts.append)
    with q.counting_once():
        for n in range(10):
            q.upsert(character(n))
        with q.counting_once():  # nested: still once, at the outer end
            q.upsert(character(10, "synthesizing"))
        assert counts == []
    assert counts == [q.counts]
    assert (q.counts.to_review, q.counts.synthesizing) == (10, 1)
    with q.counting_once():
        q.upsert(character(3))  # nothing new
    assert len(counts) == 1


def test_changed_signal_for_updates_in_place() -> None:
    q = ReviewQueue()
    rows = Rows(q)
    q.upsert(character(1))
    q.upsert(character(2))
    rows.events.clear()
    q.upsert(replace(character(1), name="Renamed"))
    assert rows.events == [("changed", 1)]


# -- the row signals always describe the list exactly (any sequence of changes) --------

STATUSES = ["reviewing", "synthesizing", "failed", "ready", "deleted"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(
                st.just("upsert"), st.integers(0, 30), st.sampled_from(STATUSES), st.integers(0, 2)
            ),
            st.tuples(st.just("remove"), st.integers(0, 30)),
            st.tuples(st.just("pending"), st.integers(0, 30), st.sampled_from(list(DecisionKind))),
            st.tuples(st.just("clear"), st.integers(0, 30)),
            st.tuples(
                st.just("filter"),
                st.sampled_from(list(StatusFilter)),
                st.sampled_from(["", "1", "2"]),
            ),
            st.tuples(st.just("step"), st.integers(-2, 2)),
        ),
        max_size=60,
    )
)
def test_rows_follow_any_sequence_of_changes(ops: list[tuple[Any, ...]]) -> None:
    q = ReviewQueue()
    rows = Rows(q)
    for op in ops:
        kind = op[0]
        if kind == "upsert":
            _, n, status, version = op
            q.upsert(character(int(n), str(status), version=int(version)))
        elif kind == "remove":
            q.remove(character(int(op[1])).id)
        elif kind == "pending":
            cid = character(int(op[1])).id
            if cid in q:
                pose = "side" if op[2] is DecisionKind.REGENERATE else None
                q.set_pending(cid, op[2], pose)
        elif kind == "clear":
            q.clear_pending(character(int(op[1])).id)
        elif kind == "filter":
            q.set_filter(op[1], search=str(op[2]))
        else:
            q.step(int(op[1]))
        shown = [e.id for e in q]
        assert rows.ids == shown
        assert shown == sorted(shown, reverse=True)  # newest first (ids grow with n)
        assert [q.row_of(i) for i in shown] == list(range(len(shown)))
        current = q.current
        undecided = [i for i in shown if not q.get(i).decided]  # type: ignore[union-attr]
        assert (current is None) == (len(undecided) == 0)
        if current is not None:
            assert current.id in shown
            assert not current.decided
        visible = [e for e in q.all_entries() if not e.decided]
        assert q.counts.to_review == sum(e.status == "reviewing" for e in visible)
        assert q.counts.synthesizing == sum(e.status == "synthesizing" for e in visible)
        assert q.counts.failed == sum(e.status == "failed" for e in visible)
        # Kept as entries change, not scanned for: the same as a scan, decided or not.
        every = q.all_entries()
        assert q.synthesizing_ids() == {e.id for e in every if e.status == "synthesizing"}


def test_synthesizing_ids_follow_regenerates_arrivals_and_removals() -> None:
    q = ReviewQueue()
    q.upsert(character(1, "synthesizing"))
    q.upsert(character(2))
    q.upsert(character(3))
    assert q.synthesizing_ids() == {character(1).id}
    q.set_pending(character(2).id, DecisionKind.REGENERATE, "front")
    assert q.synthesizing_ids() == {character(1).id, character(2).id}
    q.upsert(character(1, version=1))  # it arrived
    q.remove(character(2).id)
    assert q.synthesizing_ids() == set()
    q.synthesizing_ids().add("char_x")  # a copy: the caller cannot change the queue's
    assert q.synthesizing_ids() == set()


def test_oldest_first_the_current_one_is_the_top_row_until_the_reviewer_moves() -> None:
    q = ReviewQueue()
    q.set_sort(SortOrder.OLDEST)
    q.follow_top(True)  # the first sweep
    for n in (9, 8, 7):  # as the API lists them: newest first
        q.upsert(character(n))
    assert q.current is not None
    assert q.current.id == character(7).id  # the top row, not the first one in
    q.step(+1)
    q.upsert(character(5))  # an older one arrives above: the reviewer has moved on
    assert q.current.id == character(8).id


def test_after_the_first_sweep_an_arrival_above_never_takes_the_current_place() -> None:
    q = ReviewQueue()
    q.set_sort(SortOrder.OLDEST)
    q.follow_top(True)
    q.upsert(character(9))
    q.follow_top(False)
    q.upsert(character(3))
    assert q.current is not None
    assert q.current.id == character(9).id
