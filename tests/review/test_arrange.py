"""Triage, sort, attribute filter and the team split, below the window (no server)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from reviewer.api import Attributes, Character
from reviewer.review.arrange import (
    Attribute,
    AttributeFilter,
    Share,
    ShareError,
    SortOrder,
    age_range,
    attribute_options,
    parse_share,
)
from reviewer.review.decisions import DecisionKind
from reviewer.review.journal import open_journal
from reviewer.review.queue import ReviewQueue, StatusFilter

from .factories import character
from .test_queue import Rows, ids


def person(n: int, gender: str, age: int | str, hair: str, body: str) -> Character:
    attrs = Attributes(gender=gender, age=age, hair_color=hair, body_type=body)
    return replace(character(n), attributes=attrs)


def queue_of(*ns: int) -> ReviewQueue:
    q = ReviewQueue()
    for n in ns:
        q.upsert(character(n))
    return q


def mirror(q: ReviewQueue) -> Rows:
    rows = Rows(q)
    rows.ids = [e.id for e in q]
    return rows


# -- sort -----------------------------------------------------------------------------


def test_oldest_first_and_back_to_newest_first() -> None:
    q = queue_of(2, 5, 1, 4, 3)
    rows = mirror(q)
    arranged: list[object] = []
    q.arranged.connect(lambda: arranged.append(True))
    q.set_sort(SortOrder.OLDEST)
    assert [e.id for e in q] == ids(1, 2, 3, 4, 5)
    assert rows.ids == ids(1, 2, 3, 4, 5)  # the Qt model follows through reset
    q.upsert(character(6))  # a newcomer goes where the order puts it
    q.upsert(character(0))
    assert [e.id for e in q] == ids(0, 1, 2, 3, 4, 5, 6)
    assert rows.ids == [e.id for e in q]
    q.set_sort(SortOrder.NEWEST)
    assert [e.id for e in q] == ids(6, 5, 4, 3, 2, 1, 0)
    assert len(arranged) == 2
    assert SortOrder.NEWEST.toggled() is SortOrder.OLDEST


def test_sorting_keeps_the_current_character() -> None:
    q = queue_of(1, 2, 3)
    q.select(ids(2)[0])
    q.set_sort(SortOrder.OLDEST)
    assert q.current is not None
    assert q.current.id == ids(2)[0]


# -- later ----------------------------------------------------------------------------


def test_later_moves_to_the_end_in_either_order_and_moves_on() -> None:
    q = queue_of(1, 2, 3, 4)
    rows = mirror(q)
    q.select(ids(3)[0])
    q.set_later(ids(3)[0], 100.0)
    assert [e.id for e in q] == ids(4, 2, 1, 3)
    assert rows.ids == [e.id for e in q]
    assert q.current is not None
    assert q.current.id == ids(2)[0]
    q.set_later(ids(4)[0], 200.0)  # flagged later: after the earlier flagged one
    assert [e.id for e in q] == ids(2, 1, 3, 4)
    q.set_sort(SortOrder.OLDEST)
    assert [e.id for e in q] == ids(1, 2, 3, 4)
    q.set_sort(SortOrder.NEWEST)
    assert q.counts.later == 2
    # Cleared on the current one: back in its place, and still current.
    q.select(ids(3)[0])
    q.set_later(ids(3)[0], None)
    assert [e.id for e in q] == ids(3, 2, 1, 4)
    assert rows.ids == [e.id for e in q]
    assert q.current is not None
    assert q.current.id == ids(3)[0]
    assert q.counts.later == 1


def test_later_filter_shows_only_the_flagged_and_counts_them() -> None:
    q = queue_of(1, 2, 3, 4)
    q.set_later(ids(1)[0], 1.0)
    q.set_later(ids(3)[0], 2.0)
    q.set_later_only(True)
    assert [e.id for e in q] == ids(1, 3)
    assert q.narrowed
    assert q.counts.later == 2
    # Clearing a flag under the filter hides it; the current moves to what is left.
    q.select(ids(1)[0])
    q.set_later(ids(1)[0], None)
    assert [e.id for e in q] == ids(3)
    assert q.current is not None
    assert q.current.id == ids(3)[0]
    q.set_later_only(False)
    assert len(q) == 4
    assert not q.narrowed


def test_flags_arrive_before_the_characters_and_apply_when_they_come() -> None:
    q = ReviewQueue()
    q.load_later({ids(2)[0]: 5.0})
    for n in (1, 2, 3):
        q.upsert(character(n))
    assert [e.id for e in q] == ids(3, 1, 2)
    assert q.counts.later == 1


def test_a_decided_later_one_is_not_counted_as_later() -> None:
    q = queue_of(1, 2)
    q.set_later(ids(1)[0], 1.0)
    q.set_pending(ids(1)[0], DecisionKind.SAVE)
    assert q.counts.later == 0


def test_later_flags_survive_reopening_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = open_journal(path).journal
    journal.set_later("char_a", 10.0)
    journal.set_later("char_b", 20.0)
    journal.set_later("char_a", 30.0)  # flagged again: the newer time
    journal.clear_later("char_b")
    journal.close()
    reopened = open_journal(path).journal
    try:
        assert reopened.later_flags() == {"char_a": 30.0}
    finally:
        reopened.close()


# -- attribute filter -----------------------------------------------------------------


def test_age_ranges() -> None:
    assert age_range(19) == "under 25"
    assert age_range(25) == "25–34"
    assert age_range("49") == "35–49"
    assert age_range(64) == "50–64"
    assert age_range(72) == "65 and over"
    assert age_range("adult") == "adult"
    assert age_range(None) is None


def test_attribute_filter_is_and_across_attributes_and_or_within() -> None:
    q = ReviewQueue()
    people = [
        person(1, "female", 28, "black", "athletic"),
        person(2, "male", 28, "brown", "slim"),
        person(3, "female", 61, "brown", "slim"),
        person(4, "nonbinary", 30, "black", "slim"),
        character(5),  # no attributes: never matches a chosen value
    ]
    for p in people:
        q.upsert(p)
    f = AttributeFilter().toggled(Attribute.GENDER, "female")
    q.set_attribute_filter(f)
    assert [e.id for e in q] == ids(3, 1)
    f = f.toggled(Attribute.GENDER, "nonbinary")  # OR within gender
    q.set_attribute_filter(f)
    assert [e.id for e in q] == ids(4, 3, 1)
    f = f.toggled(Attribute.BODY_TYPE, "slim")  # AND with body type
    q.set_attribute_filter(f)
    assert [e.id for e in q] == ids(4, 3)
    f = f.toggled(Attribute.AGE, "25–34").toggled(Attribute.HAIR, "black")
    q.set_attribute_filter(f)
    assert [e.id for e in q] == ids(4)
    assert f.describe() == (
        "Gender: female or nonbinary · Age: 25–34 · Hair: black · Body type: slim"
    )
    assert f.short() == "female, nonbinary · 25–34 · black · slim"
    assert q.narrowed
    q.set_attribute_filter(AttributeFilter())
    assert (len(q), q.narrowed) == (5, False)
    # Untoggling the last value of an attribute drops it.
    assert not AttributeFilter().toggled(Attribute.HAIR, "x").toggled(Attribute.HAIR, "x").active


def test_attribute_filter_combines_with_status_and_search() -> None:
    q = ReviewQueue()
    q.upsert(person(1, "female", 28, "black", "slim"))
    q.upsert(replace(person(2, "female", 28, "black", "slim"), status="failed"))
    q.upsert(replace(person(3, "female", 28, "black", "slim"), name="Zed"))
    q.set_attribute_filter(AttributeFilter().toggled(Attribute.GENDER, "female"))
    q.set_filter(status_filter=StatusFilter.REVIEWING)
    assert [e.id for e in q] == ids(3, 1)
    q.set_filter(search="zed")
    assert [e.id for e in q] == ids(3)


def test_options_are_the_values_present_in_order() -> None:
    options = attribute_options(
        [
            person(1, "male", 70, "red", "stocky"),
            person(2, "female", 20, "black", "athletic"),
            person(3, "female", 40, "black", "average"),
            character(4),
        ]
    )
    assert options[Attribute.GENDER] == ["female", "male"]
    assert options[Attribute.AGE] == ["under 25", "35–49", "65 and over"]
    assert options[Attribute.HAIR] == ["black", "red"]
    assert options[Attribute.BODY_TYPE] == ["athletic", "average", "stocky"]


# -- the team split -------------------------------------------------------------------


def test_shares_are_disjoint_and_together_hold_every_character() -> None:
    every = [character(n).id for n in range(300)]
    shares = [Share(k, 3) for k in (1, 2, 3)]
    parts = [{cid for cid in every if share.includes(cid)} for share in shares]
    assert set().union(*parts) == set(every)
    assert sum(len(p) for p in parts) == len(every)  # no character in two shares
    assert all(60 < len(p) < 140 for p in parts)  # roughly even, not all in one
    # Stable: SHA-256 of the id, the same in every process (not Python's hash()).
    assert Share(1, 3).includes("char_01HXMQ7Z3K8Y2NABCDEFGHJKMR") is (
        int.from_bytes(
            __import__("hashlib").sha256(b"char_01HXMQ7Z3K8Y2NABCDEFGHJKMR").digest()[:8], "big"
        )
        % 3
        == 0
    )


def test_the_queue_shows_the_share_and_counts_the_others() -> None:
    q = queue_of(*range(30))
    share = Share(2, 3)
    q.set_share(share)
    mine = [character(n).id for n in range(30) if share.includes(character(n).id)]
    assert sorted(e.id for e in q) == sorted(mine)
    counts = q.counts
    assert counts.to_review == len(mine)
    assert counts.others == 30 - len(mine)
    assert counts.share == share
    assert f"share 2 of 3 · {30 - len(mine)} with others" in counts.describe()
    assert q.current is not None
    assert share.includes(q.current.id)
    assert len(q.all_entries()) == 30  # the poller still knows them all
    q.set_share(parse_share("all"))
    assert len(q) == 30
    assert q.counts.share is None
    assert q.counts.others == 0


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("4/3", "K must be from 1 to 3"),
        ("0/2", "K must be from 1 to 2"),
        ("x", "write K/N"),
        ("1/0", "N must be 1 or more"),
        ("2/", "write K/N"),
        ("-1/3", "write K/N"),
    ],
)
def test_bad_shares_say_what_is_expected(text: str, words: str) -> None:
    with pytest.raises(ShareError, match=words):
        parse_share(text)


def test_good_shares() -> None:
    assert parse_share("2/3") == Share(2, 3)
    assert parse_share(" 1 / 2 ") == Share(1, 2)
    assert not parse_share("all").splits
    assert str(Share(2, 3)) == "2/3"
