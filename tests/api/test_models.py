from datetime import UTC, datetime

import pytest

from reviewer.api import Attributes, CharacterStatus, Pose, ResponseValidationError
from reviewer.api._models import ResponseMeta, parse_balance, parse_character, parse_page

from .conftest import character_json

META = ResponseMeta(status_code=200, request_id="req_1")


def test_parses_documented_character() -> None:
    c = parse_character(character_json())
    assert c.id.startswith("char_")
    assert c.status == CharacterStatus.REVIEWING
    assert [r.pose for r in c.refs] == ["portrait", "front", "side", "back"]
    assert c.ref(Pose.SIDE) is not None
    assert c.created_at == datetime(2026, 5, 8, 10, tzinfo=UTC)
    assert c.attributes is not None
    assert c.attributes.age == 28


def test_unknown_fields_statuses_and_poses_are_kept_not_fatal() -> None:
    data = character_json(
        status="queued_for_moderation",
        refs=[{"pose": "three_quarter", "url": "https://x/y.bin", "width": 1024}],
        brand_new_field={"nested": True},
        attributes={"gender": "male", "tattoos": "dragon on left arm", "age": "30s"},
    )
    c = parse_character(data)
    assert c.status == "queued_for_moderation"
    assert c.refs[0].pose == "three_quarter"
    assert c.attributes is not None
    assert c.attributes.age == "30s"
    assert c.attributes.extra == {"tattoos": "dragon on left arm"}
    # PATCH replaces attributes whole, so unknown keys must survive a round trip.
    assert c.attributes.to_dict()["tattoos"] == "dragon on left arm"


def test_null_attributes_and_refs() -> None:
    c = parse_character(character_json(attributes=None, refs=None, status="synthesizing"))
    assert c.attributes is None
    assert c.refs == ()


def test_naive_timestamps_are_utc() -> None:
    c = parse_character(character_json(created_at="2026-05-08T10:00:00"))
    assert c.created_at.tzinfo is not None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": None}, "character.id"),
        ({"status": 3}, "character.status"),
        ({"created_at": "yesterday"}, "character.created_at"),
        ({"refs": [{"pose": "front"}]}, "character.refs[0].url"),
        ({"refs": "nope"}, "character.refs"),
    ],
)
def test_bad_required_field_is_named(change, field) -> None:
    with pytest.raises(
        ResponseValidationError, match=field.replace("[", r"\[").replace("]", r"\]")
    ):
        parse_character(character_json(**change), META)


def test_validation_error_carries_request_id() -> None:
    with pytest.raises(ResponseValidationError) as info:
        parse_character([], META)
    assert info.value.request_id == "req_1"
    assert "req_1" in str(info.value)


def test_page() -> None:
    page = parse_page(
        {"object": "list", "data": [character_json()], "has_more": True, "next_cursor": "c"}, META
    )
    assert len(page.data) == 1
    assert page.has_more
    assert page.next_cursor == "c"
    assert page.meta.request_id == "req_1"


def test_balance_derives_missing_available() -> None:
    b = parse_balance({"credits": 10, "held_credits": 4}, META)
    assert b.available_credits == 6
    assert b.currency == "credit"
    with pytest.raises(ResponseValidationError):
        parse_balance({"credits": "many"}, META)


def test_attributes_to_dict_omits_unset() -> None:
    assert Attributes(gender="female", age=30).to_dict() == {"gender": "female", "age": 30}
