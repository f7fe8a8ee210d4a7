"""Team credit accounts.

Billing works like a card authorisation: dispatching a run *holds* its cost, completing it
*settles* (charges) the hold, and a failed run *releases* it. Deleting a character whose run
is still going settles the hold: the contract says deletes are not refunded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._config import BillingMode
from ._errors import ApiError


@dataclass
class Account:
    credits: int
    billing_mode: BillingMode
    held: int = 0

    @property
    def available(self) -> int:
        return max(0, self.credits - self.held)

    def hold(self, cost: int) -> int:
        """Reserve cost or raise 402; returns the amount actually held."""
        if self.billing_mode == "exempt":
            return 0
        if self.available < cost:
            raise ApiError(
                402,
                "insufficient_credits",
                f"This request needs {cost} credits; {self.available} available.",
            )
        self.held += cost
        return cost

    def settle(self, amount: int) -> None:
        self.held -= amount
        self.credits -= amount

    def release(self, amount: int) -> None:
        self.held -= amount

    def view(self) -> dict[str, Any]:
        return {
            "credits": self.credits,
            "held_credits": self.held,
            "available_credits": self.available,
            "currency": "credit",
            "billing_mode": self.billing_mode,
        }
