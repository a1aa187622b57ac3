"""Found by the chaos runs: Stars that Telegram took must be credited even when the
`successful_payment` update itself is lost to the bot.

In polling mode an update is confirmed to Telegram by the next `getUpdates`, which aiogram
sends while the update's handler is still running; in webhook mode the update is answered 200
before it is handled. A process that dies (kill -9) or loses its database in between never sees
that update again. The bot must find the payment in Telegram's record of its Star transactions
(`getStarTransactions`) and credit it, once.
"""

import asyncio

import pytest
import sqlalchemy as sa

from tests.chaos.world import Stage, World
from trt.domain.ledger import telegram_charge_key
from trt.sandbox.botapi import StoredMessage, UserDriver
from trt.storage.tables import ledger_entries

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.postgres]

USER = 9100
PACKAGE = "50 ⭐ → 100 ₽"
CREDIT = 10_000
PAID_TEXT = "✅ Payment received"


async def open_invoice(user: UserDriver) -> StoredMessage:
    await user.send_command("/topup")
    await user.wait_for(lambda m: any(b["text"] == PACKAGE for row in m.buttons for b in row))
    before = user.last_message()
    await user.click(PACKAGE)
    return await user.wait_for(lambda m: m.kind == "invoice", since=before)


async def credits_of(world: World, charge_id: str) -> list[int]:
    query = sa.select(ledger_entries.c.available_delta).where(
        ledger_entries.c.idempotency_key == telegram_charge_key(charge_id)
    )
    async with world.db.read() as tx:
        return [int(value) for value in (await tx.execute(query)).scalars()]


async def wait_credited(world: World, charge_id: str, *, timeout: float) -> list[int]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (found := await credits_of(world, charge_id)) and loop.time() < deadline:
        await asyncio.sleep(0.1)
    return found


async def restart(stage: Stage) -> None:
    await stage.stop_bot()
    await stage.start_bot()
    await stage.wait_active()


async def test_a_payment_lost_with_its_update_is_credited_once_after_a_restart(
    chaos_world: World,
) -> None:
    world = chaos_world
    async with world.stage(seed=9100) as stage:
        await stage.start_bot()
        await stage.wait_active()
        user = stage.telegram.user(user_id=USER, language_code="en")
        invoice = await open_invoice(user)

        async def database_goes_away() -> None:  # right after the bot's ok to the pre-checkout
            world.proxy.refuse_for(60)

        outcome = await user.pay(invoice, deadline=5, on_approved=database_goes_away)
        assert outcome.ok
        assert outcome.telegram_payment_charge_id is not None
        charge_id = outcome.telegram_payment_charge_id
        # The bot fetched the update (so Telegram counts it delivered) but cannot record it.
        await stage.telegram.wait_until(lambda: not stage.telegram.ctx.updates.pending, timeout=10)
        await asyncio.sleep(0.5)
        await stage.stop_bot()  # kill -9 while the database is away
        world.proxy.heal()
        await stage.start_bot()
        await stage.wait_active()

        assert await wait_credited(world, charge_id, timeout=15) == [CREDIT]
        await user.wait_for(lambda m: (m.text or "").startswith(PAID_TEXT), timeout=5)
        await restart(stage)  # a second look at Telegram's record credits nothing more
        await asyncio.sleep(1.0)
        assert await credits_of(world, charge_id) == [CREDIT]
        paid = [m for m in user.messages(from_bot=True) if (m.text or "").startswith(PAID_TEXT)]
        assert len(paid) == 1
