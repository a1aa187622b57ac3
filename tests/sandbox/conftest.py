"""Fixtures shared by the sandbox tests: a fast KIE simulator signing its callbacks, a plain
HTTP client for it, a callback receiver, a Bot API emulator and a real aiogram Bot talking to
it, and a YooKassa simulator notifying the receiver. A test module may override any of them."""

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from tests.sandbox.test_kie_support import HMAC_KEY, KieClient, Receiver, fast_simulator
from tests.sandbox.test_yookassa_api import SECRET, SHOP
from trt.sandbox.botapi import BotApiEmulator
from trt.sandbox.kie import KieSimulator
from trt.sandbox.yookassa import NotificationPolicy, YooKassaSimulator

FAST_NOTIFICATIONS = NotificationPolicy(timeout=2.0, attempts=3, retry_delay=0.05)


@pytest.fixture
async def sim() -> AsyncIterator[KieSimulator]:
    async with fast_simulator(hmac_key=HMAC_KEY) as simulator:
        yield simulator


@pytest.fixture
async def client(sim: KieSimulator) -> AsyncIterator[KieClient]:
    async with aiohttp.ClientSession() as session:
        yield KieClient(session, sim.base_url)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver() as server:
        yield server


@pytest.fixture
async def yookassa(receiver: Receiver) -> AsyncIterator[YooKassaSimulator]:
    async with YooKassaSimulator(
        shop_id=SHOP,
        secret_key=SECRET,
        notification_url=receiver.url("/payments/yookassa"),
        policy=FAST_NOTIFICATIONS,
    ) as simulator:
        yield simulator


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as api:
        yield api


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    async with Bot(emulator.token, session=session) as client:
        yield client
