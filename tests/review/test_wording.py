"""Words an artist reads: every notice says what happened and what to do in plain words;
the technical line (address, exception, request id) is kept apart, in ``details``."""

from __future__ import annotations

import re

import pytest

from reviewer.api import (
    APIConnectionError,
    AurousError,
    AuthenticationError,
    InsufficientCreditsError,
    NotFoundError,
    ResponseValidationError,
    ServerError,
)
from reviewer.review.notices import NoticeLevel, describe_error, error_details, short_reason
from tests.simfixtures import KEY

from .test_session_sim import Rig, current_id, rig, until

__all__ = ["rig"]

pytestmark = pytest.mark.anyio

TECHNICAL = re.compile(r"https?://|127\.0\.0\.1|GET /|POST /|Error\b|Traceback|\bHTTP \d|char_\w+")

ERRORS: list[AurousError] = [
    APIConnectionError(
        "GET /characters/char_1 could not reach 127.0.0.1: All connection attempts failed"
    ),
    ServerError("upstream exploded", status_code=503, code="unavailable", request_id="req_9"),
    AuthenticationError("invalid api key", status_code=401, request_id="req_8"),
    NotFoundError("no such character char_2", status_code=404),
    InsufficientCreditsError("balance 0", status_code=402, code="insufficient_credits"),
    ResponseValidationError("field 'status' missing at GET /characters"),
]


def plain(text: str) -> bool:
    return TECHNICAL.search(text) is None


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_error_wording_is_plain_and_the_technical_line_is_kept(error: AurousError) -> None:
    text = describe_error(error, doing="saving “Aurora”")
    assert plain(text), text
    assert plain(short_reason(error))
    assert text.endswith(".")
    assert str(error) in error_details(error)


async def test_a_failed_regenerate_names_its_pose_the_reason_and_the_request_id(
    rig: Rig,
) -> None:
    rig.session.queue.select(rig.h.of_status("reviewing")[0]["id"])
    cid = current_id(rig)
    name = rig.session.current.name  # type: ignore[union-attr]
    rig.sim.set_chaos(synthesis_failure_rate=1.0)
    rig.session.regenerate("front")
    await rig.pass_undo_window()
    rig.sim.advance(31)
    await rig.poll()
    await rig.poll()
    await until(lambda: rig.session.queue.get(cid).status == "failed")  # type: ignore[union-attr]
    failed = [n for n in rig.notices if n.level is NoticeLevel.ERROR]
    assert len(failed) == 1
    notice = failed[0]
    reason = rig.sim.character(cid)["error_message"]  # type: ignore[index]
    assert notice.text.startswith(f"The front pose of “{name}” could not be regenerated: ")
    assert reason.rstrip(".") in notice.text
    # The server's reason belongs to the pose that was regenerated, not another one.
    assert not re.search(r"\b(back|side|portrait)\b", reason), reason
    assert notice.request_id is not None
    assert notice.request_id.startswith("req_")
    assert notice.details is not None
    assert notice.request_id in notice.details
    assert notice.character_id == cid


async def test_offline_and_refused_key_notices_are_plain(rig: Rig) -> None:
    rig.sim.drop_next(20)
    for _ in range(4):
        await rig.poll()
    rig.sim.clear_faults()
    rig.sim.fail_next(1, 503)
    await rig.poll()
    rig.sim.revoke_key(KEY)
    rig.session.refresh()
    await until(lambda: rig.session.health.key_refused is not None, "key refused")
    texts = [n.text for n in rig.notices]
    assert len(texts) >= 2
    assert all(plain(t) for t in texts), texts
    assert all(n.details for n in rig.notices if "Can't update" in n.text)
    assert KEY not in " ".join(n.details or "" for n in rig.notices)
