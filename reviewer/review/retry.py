"""When a failed request is tried again, and how long to wait first.

Connection errors, timeouts, resets and 5xx are retried with exponential backoff and full
jitter for as long as the app is open (the decision is in the journal meanwhile, so
closing loses nothing); the wait is cut short the moment the API answers again. A 429
waits for its bucket (the rate limiter holds the next attempt until ``Retry-After``); a
409 ``idempotency_key_in_use`` waits for the first attempt to finish; a refused key waits
for a new one. 400, 402, 404 and the rest are the server's answer: never retried.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_random_exponential

from reviewer.api import (
    APIConnectionError,
    APIError,
    AurousError,
    AuthenticationError,
    IdempotencyConflictError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
)

from ._clock import Clock
from .health import ServiceHealth

__all__ = ["MAX_BACKOFF", "RetryPolicy", "is_retryable"]

T = TypeVar("T")

MAX_BACKOFF: Final = 30.0
# An answer that breaks the contract is retried for this long, then reported: a server
# that keeps answering nonsense should reach the reviewer, not loop unseen.
MALFORMED_BUDGET: Final = 120.0
# How long a paid call may stay "in use" (the first attempt still running) before the
# reviewer is told.
IN_USE_BUDGET: Final = 600.0

_backoff = wait_random_exponential(multiplier=0.5, max=MAX_BACKOFF)
_in_use_backoff = wait_random_exponential(multiplier=1.0, max=10.0)


def is_retryable(error: BaseException) -> bool:
    if isinstance(
        error,
        APIConnectionError
        | ServerError
        | RateLimitError
        | IdempotencyConflictError
        | AuthenticationError
        | ResponseValidationError,
    ):
        return True
    return isinstance(error, APIError) and error.status_code in (408, 425)


class RetryPolicy:
    def __init__(self, clock: Clock, health: ServiceHealth) -> None:
        self._clock = clock
        self._health = health

    async def call(
        self,
        attempt: Callable[[], Awaitable[T]],
        *,
        on_retry: Callable[[AurousError, float], None] | None = None,
    ) -> T:
        """Run ``attempt`` until it succeeds or fails for good (then its error is raised).
        ``on_retry(error, seconds)`` is told before each wait; seconds may be inf."""
        started = self._clock.monotonic()

        def stop(state: RetryCallState) -> bool:
            error = _error(state)
            elapsed = self._clock.monotonic() - started
            if isinstance(error, ResponseValidationError):
                return elapsed > MALFORMED_BUDGET
            if isinstance(error, IdempotencyConflictError):
                return elapsed > IN_USE_BUDGET
            return False

        def wait(state: RetryCallState) -> float:
            error = _error(state)
            if isinstance(error, RateLimitError):
                return 0.0  # the limiter holds the next attempt for Retry-After
            if isinstance(error, AuthenticationError):
                return math.inf  # until a new key is given
            if isinstance(error, IdempotencyConflictError):
                return float(_in_use_backoff(state))
            return float(_backoff(state))

        def observe(state: RetryCallState) -> None:
            error = _error(state)
            self._health.observe_error(error)
            if on_retry is not None and state.next_action is not None:
                on_retry(error, state.next_action.sleep)

        retrying = AsyncRetrying(
            retry=retry_if_exception(is_retryable),
            stop=stop,
            wait=wait,
            sleep=self._health.pause,
            before_sleep=observe,
            reraise=True,
        )

        async def run() -> T:
            # A coroutine function, so tenacity awaits it (a lambda returning a
            # coroutine would be taken for a plain function).
            return await attempt()

        try:
            return await retrying(run)
        except AurousError as error:
            self._health.observe_error(error)
            raise


def _error(state: RetryCallState) -> AurousError:
    outcome = state.outcome
    error = outcome.exception() if outcome is not None else None
    if not isinstance(error, AurousError):  # retry_if_exception lets only ours through
        raise TypeError(f"unexpected outcome {error!r}")
    return error
