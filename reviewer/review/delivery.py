"""Where the decisions on their way stand, in one line for the status bar."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from reviewer.api import BucketStatus

from .decisions import Decision, Phase
from .health import ServiceHealth
from .notices import NoticeLevel

__all__ = ["Delivery", "attention_text", "describe_delivery", "progress_text", "resumed_text"]

# Below this, a wait for the rate limit is not worth a line.
_WORTH_SAYING = 2.0


@dataclass(frozen=True, slots=True)
class Delivery:
    text: str
    level: NoticeLevel
    sign_in: bool = False  # offer to sign in with another key, right there


# (short, for a queue row; long, for its tooltip); {undo} is the undo key in force.
_PHASES = {
    Phase.WAITING: ("{undo} undoes", "about to be sent; {undo} takes it back"),
    Phase.RATE_LIMITED: ("rate limit", "waiting for the API's rate limit"),
    Phase.SENDING: ("sending…", "being sent"),
    Phase.RETRYING: ("retrying", "retrying"),
    Phase.OFFLINE: ("offline", "offline; it is sent when the connection is back"),
    Phase.SIGN_IN: ("sign in", "waits until you sign in again"),
    Phase.FINISHED: ("done", "done"),
}


def progress_text(decision: Decision, *, undo_key: str, short: bool = False) -> str:
    """Where one decision stands: 'rate limit' for its row, or a sentence."""
    brief, full = _PHASES[decision.phase]
    if short:
        return brief.format(undo=undo_key)
    if decision.phase is Phase.RETRYING and decision.phase_reason:
        return f"retrying: {decision.phase_reason}"
    return full.format(undo=undo_key)


def _decisions(n: int) -> str:
    return f"{n} decision{'' if n == 1 else 's'}"


def _about(seconds: float) -> str:
    if seconds < 60:
        return f"about {max(5, math.ceil(seconds / 5) * 5)} s"
    minutes = seconds / 60
    return f"about {math.ceil(minutes)} min"


def describe_delivery(
    decisions: Sequence[Decision], buckets: Sequence[BucketStatus], health: ServiceHealth
) -> Delivery | None:
    """One line about decisions not yet answered, or None when there is nothing to say."""
    unsent = [d for d in decisions if d.phase is not Phase.FINISHED]
    phases = Counter(d.phase for d in unsent)
    if health.key_refused is not None:
        waiting = len(unsent)
        text = "The API key was refused"
        if waiting:
            text += f" — {_decisions(waiting)} will be sent once you sign in"
        else:
            text += " — sign in again to keep the queue up to date"
        return Delivery(text, NoticeLevel.ERROR, sign_in=True)
    if not health.online:
        if unsent:
            text = f"Offline — {_decisions(len(unsent))} will be sent when the connection is back"
        else:
            text = (
                "Offline — showing what was loaded; the queue updates when the connection is back"
            )
        return Delivery(text, NoticeLevel.WARNING)
    limited = phases[Phase.RATE_LIMITED]
    eta = max((b.eta for b in buckets if b.decisions_waiting), default=0.0)
    if limited and eta >= _WORTH_SAYING:
        return Delivery(
            f"{_decisions(limited)} waiting for the API's rate limit · {_about(eta)}",
            NoticeLevel.INFO,
        )
    retrying = [d for d in unsent if d.phase is Phase.RETRYING]
    if retrying:
        reason = retrying[-1].phase_reason or "the server did not answer"
        return Delivery(f"Retrying {_decisions(len(retrying))} — {reason}", NoticeLevel.WARNING)
    return None


def resumed_text(going: int, waiting: int, undo_seconds: float, undo_key: str) -> str:
    """What the last session left: ``going`` are sent now, ``waiting`` were cut off inside
    their undo window and get it again."""
    wait = f"{undo_seconds:g} s"
    back = "it" if waiting == 1 else "them"
    are = "is" if going == 1 else "are"
    if not waiting:
        return f"{_decisions(going)} from your last session {are} being sent"
    if not going:
        return (
            f"{_decisions(waiting)} from your last session will be sent in {wait} "
            f"({undo_key} takes {back} back)"
        )
    return (
        f"{_decisions(going)} from your last session {are} being sent; {waiting} made just "
        f"before it stopped will be sent in {wait} ({undo_key} takes {back} back)"
    )


def attention_text(count: int) -> str:
    need = "needs" if count == 1 else "need"
    return f"{_decisions(count)} from earlier {need} your attention (see “Needs attention”)"
