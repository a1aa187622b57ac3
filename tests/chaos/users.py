"""What the simulated users do in a chaos run: start generations and top up with Stars.

Generations start through the same `Generation` service the bot's confirm button calls (a job
row and its hold in one transaction, on the harness's own database connection). Top-ups go
through the bot like a person's: /topup, a package button, the invoice, Pay. Under faults any
step may get no answer; the user then gives up, as a person would, and nothing was charged
unless the emulator charged the Stars.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from trt.domain.catalog import load_catalog
from trt.domain.errors import TrtError
from trt.domain.ledger import EntryKind
from trt.domain.pricing import PricingPolicy
from trt.sandbox.botapi import BotApiEmulator, StoredMessage, UserDriver
from trt.services.billing import Billing
from trt.services.generation import Generation
from trt.services.ports import SystemClock
from trt.storage.database import Database

STEP_TIMEOUT = 3.0  # how long a user waits for the bot at each step of a top-up


@dataclass
class Outcomes:
    """What the users got, counted for the report."""

    jobs: int = 0
    refused: int = 0  # not enough money or free quota: nothing created
    topups_paid: int = 0
    topups_abandoned: int = 0
    double_starts: list[str] | None = None  # a repeated request that created a second job


class Users:
    def __init__(self, *, db: Database, free_quota: int) -> None:
        clock = SystemClock()
        self._billing = Billing(db=db, clock=clock)
        self._generation = Generation(
            db=db,
            catalog=load_catalog(),
            pricing=PricingPolicy(),
            clock=clock,
            free_daily_quota=free_quota,
        )
        self.outcomes = Outcomes(double_starts=[])

    async def open(self, user_id: int, *, grant: int, key: str) -> None:
        await self._billing.open_account(user_id=user_id)
        if grant > 0:
            await self._billing.credit(user_id=user_id, amount=grant, kind=EntryKind.TOPUP, key=key)

    async def generate(
        self, *, user_id: int, model_id: str, prompt: str, request_key: str, twice: bool
    ) -> None:
        async def start() -> int | None:
            try:
                started = await self._generation.start(
                    user_id=user_id,
                    chat_id=user_id,
                    model_id=model_id,
                    values={"prompt": prompt},
                    request_key=request_key,
                )
            except TrtError:  # insufficient funds or free quota: refused, nothing created
                return None
            return started.job_id

        ids = await asyncio.gather(*(start() for _ in range(2 if twice else 1)))
        if ids[0] is None:
            self.outcomes.refused += 1
            return
        self.outcomes.jobs += 1
        if len(set(ids)) > 1:
            assert self.outcomes.double_starts is not None
            self.outcomes.double_starts.append(f"request {request_key} started jobs {ids}")

    async def top_up(self, telegram: BotApiEmulator, *, user_id: int, stars: int) -> None:
        user = telegram.user(user_id=user_id, language_code="en")
        try:
            paid = await _buy_package(user, stars)
        except (TimeoutError, LookupError):
            paid = False
        if paid:
            self.outcomes.topups_paid += 1
        else:
            self.outcomes.topups_abandoned += 1


async def _buy_package(user: UserDriver, stars: int) -> bool:
    before = user.last_message()
    await user.send_command("/topup")
    label = f"{stars} ⭐"
    screen = await user.wait_for(_has_button(label), timeout=STEP_TIMEOUT, since=before)
    [data] = [
        b["callback_data"] for row in screen.buttons for b in row if b["text"].startswith(label)
    ]
    await user.press(screen, data, timeout=STEP_TIMEOUT)
    invoice = await user.wait_for(lambda m: m.kind == "invoice", timeout=STEP_TIMEOUT, since=screen)
    outcome = await user.pay(invoice, deadline=STEP_TIMEOUT)
    return outcome.ok


def _has_button(prefix: str) -> Callable[[StoredMessage], bool]:
    return lambda m: any(b.get("text", "").startswith(prefix) for row in m.buttons for b in row)
