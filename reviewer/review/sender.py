"""Carries decisions out against the API, checking first that they still make sense, and
retrying each step by the retry policy until the server has really answered.

Discard and the paid decisions look at the character first: DELETE cannot be taken back
and a paid call costs credits, so neither may go out on a character that another reviewer
saved or regenerated since this one looked at it. The look is skipped once the call itself
has gone out (in this run or one before a crash): then our own attempt may have changed the
character, and the retry relies on the idempotency key (paid calls) or on reading a 404 as
our earlier DELETE having worked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from reviewer.api import (
    AsyncAurousClient,
    AurousError,
    Character,
    CharacterStatus,
    InvalidRequestError,
    NotFoundError,
)

from .decisions import Decision, DecisionKind, Outcome
from .retry import RetryPolicy

__all__ = ["ClientSender", "DecisionConflictError", "SendProgress", "UnconfirmedError"]

T = TypeVar("T")


class DecisionConflictError(InvalidRequestError):
    """The character changed on the server so that the decision no longer applies
    (another reviewer regenerated it, say). Nothing was sent."""

    def __init__(self, message: str, character: Character) -> None:
        super().__init__(message, status_code=409, code="state_changed")
        self.character = character


class UnconfirmedError(AurousError):
    """The server said yes, but the character it returned says otherwise."""

    def __init__(self, message: str, *, request_id: str | None) -> None:
        super().__init__(message)
        self.request_id = request_id

    def __str__(self) -> str:
        return f"{self.message} [request {self.request_id}]" if self.request_id else self.message


class _Call(Protocol):
    async def __call__(self, attempt: Callable[[], Awaitable[T]]) -> T: ...


class SendProgress(Protocol):
    def dispatching(self) -> None:
        """The call that changes the server is about to go out (noted durably)."""
        ...

    def retrying(self, error: AurousError, seconds: float) -> None:
        """An attempt failed for a passing reason; the next comes in ``seconds``."""
        ...

    def attempting(self) -> None:
        """An attempt starts (after a wait, the decision is on its way again)."""
        ...


class ClientSender:
    def __init__(self, client: AsyncAurousClient, retry: RetryPolicy) -> None:
        self._client = client
        self._retry = retry

    async def send(self, decision: Decision, progress: SendProgress) -> Outcome:
        async def call(attempt: Callable[[], Awaitable[T]]) -> T:
            async def go() -> T:
                progress.attempting()
                return await attempt()

            return await self._retry.call(go, on_retry=progress.retrying)

        cid = decision.character_id
        name = decision.character_name
        kind = decision.kind
        if kind is DecisionKind.SAVE:
            return await self._save(decision, call)
        if not decision.dispatched:
            try:
                current = await call(lambda: self._client.retrieve_character(cid))
            except NotFoundError as exc:
                # Gone before anything of ours went out: someone else deleted it.
                return Outcome(
                    None,
                    gone=True,
                    note=f"“{name}” was deleted elsewhere",
                    request_id=exc.request_id,
                )
            if (outcome := self._precheck(decision, current)) is not None:
                return outcome
        earlier = decision.dispatched
        progress.dispatching()
        tries = 0

        async def dispatch() -> tuple[Character | None, str | None]:
            nonlocal tries
            tries += 1
            if kind is DecisionKind.DISCARD:
                deleted = await self._client.delete_character(cid)
                return None, deleted.meta.request_id
            if kind is DecisionKind.REGENERATE:
                assert decision.pose is not None
                character = await self._client.regenerate_ref(
                    cid, decision.pose, idempotency_key=decision.idempotency_key
                )
            else:
                character = await self._client.resynthesize(
                    cid, idempotency_key=decision.idempotency_key
                )
            return character, character.meta.request_id

        try:
            character, request_id = await call(dispatch)
        except NotFoundError as exc:
            if kind is DecisionKind.DISCARD and (earlier or tries > 1):
                # An earlier DELETE of ours took effect.
                return Outcome(None, gone=True, request_id=exc.request_id)
            note = f"“{name}” was deleted elsewhere"
            return Outcome(None, gone=True, note=note, request_id=exc.request_id)
        return Outcome(character, gone=kind is DecisionKind.DISCARD, request_id=request_id)

    async def _save(self, decision: Decision, call: _Call) -> Outcome:
        name = decision.character_name
        try:
            character = await call(lambda: self._client.save_character(decision.character_id))
        except NotFoundError as exc:
            note = f"“{name}” was deleted elsewhere; not saved"
            return Outcome(None, gone=True, note=note, request_id=exc.request_id)
        if character.status != CharacterStatus.READY:
            raise UnconfirmedError(
                f"The server answered that “{name}” was saved, but it is still {character.status}",
                request_id=character.meta.request_id,
            )
        return Outcome(character, request_id=character.meta.request_id)

    @staticmethod
    def _precheck(decision: Decision, current: Character) -> Outcome | None:
        name = decision.character_name
        status = current.status
        if status == CharacterStatus.READY:
            # Someone saved it: it has left review. Don't delete or bill it.
            return Outcome(
                current,
                note=f"“{name}” was saved by someone else; not {decision.kind.past}",
                request_id=current.meta.request_id,
            )
        if status == CharacterStatus.SYNTHESIZING:
            raise DecisionConflictError(
                f"“{name}” is being regenerated by someone else; nothing was sent", current
            )
        return None
