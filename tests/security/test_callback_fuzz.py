"""The short CI run of the callback fuzz (`bench/fuzz_callbacks.py` runs 100,000): 2,000 hostile
bodies of every kind to `POST /callbacks/kie` of the real app, on both engines. Every answer is
200, `/health` stays 200, and no job, ledger entry, balance, hold, delivery or payment row
changes; KIE is not re-queried and the chat gets nothing."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.e2e.conftest import CALLBACK_SECRET, Stack, running_stack
from tests.security.callback_bodies import (
    FUZZ_HMAC_KEY,
    FUZZ_SETTINGS,
    KINDS,
    READS,
    BodyFactory,
    HealthSampler,
    differences,
    fire,
    prepare_jobs,
    snapshot,
)

COUNT = 2_000


def outgoing(stack: Stack) -> int:
    """Bot API calls other than reads: what the bot said or changed in any chat."""
    return sum(1 for call in stack.telegram.calls() if call.method not in READS)


@pytest.fixture
async def fuzz_stack(db_url: str) -> AsyncIterator[Stack]:
    async with running_stack(db_url, **FUZZ_SETTINGS) as running:
        yield running


async def test_hostile_callbacks_get_200_and_change_nothing(fuzz_stack: Stack) -> None:
    known = await prepare_jobs(fuzz_stack)
    before = await snapshot(fuzz_stack.db)
    record_queries = fuzz_stack.kie.stats().record_queries
    bot_calls = outgoing(fuzz_stack)
    factory = BodyFactory(known, callback_secret=CALLBACK_SECRET, hmac_key=FUZZ_HMAC_KEY, seed=10)

    async with HealthSampler(fuzz_stack.base_url, interval=0.1) as health:
        result = await fire(
            fuzz_stack.base_url, factory.generate(COUNT), concurrency=16, time_limit=240
        )
        await asyncio.sleep(0.5)  # room for any (wrong) wake-up to reach the reconciler

    assert result.total == COUNT
    assert set(result.sent) == set(KINDS)
    assert result.all_ok, (result.statuses, result.bad)
    assert health.healthy, health.statuses
    assert differences(before, await snapshot(fuzz_stack.db)) == []
    assert fuzz_stack.kie.stats().record_queries == record_queries
    assert outgoing(fuzz_stack) == bot_calls
