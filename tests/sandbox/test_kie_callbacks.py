"""Callback delivery: modes (lost, duplicate, out of order, delayed), retries, signatures."""

from __future__ import annotations

import asyncio
import socket

import aiohttp

from tests.sandbox.test_kie_support import (
    HMAC_KEY,
    RECORD,
    SUNO_CREATE,
    KieClient,
    Receiver,
    expected_signature,
    fast_simulator,
)
from trt.sandbox.kie import Behaviour, CallbackMode, DeliveryPolicy, KieSimulator

INPUTS = {"prompt": "a lighthouse"}
SUNO_REQUEST = {"prompt": "waves", "customMode": False, "instrumental": False, "model": "V5"}


def free_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def finish(sim: KieSimulator, client: KieClient, task_id: str) -> None:
    await client.poll(RECORD, task_id, lambda data: data["state"] in ("success", "fail"))
    assert await sim.wait_callbacks(max_wait=3.0)


async def test_lost_callback_is_never_sent(
    sim: KieSimulator, client: KieClient, receiver: Receiver
) -> None:
    sim.set_behaviour(Behaviour(latency=0.05, callback=CallbackMode.LOST))
    task_id = await client.create_market("z-image", INPUTS, receiver.url())

    await finish(sim, client, task_id)
    await asyncio.sleep(0.1)

    assert receiver.received == []
    assert sim.stats().callbacks.lost == 1
    assert sim.stats().callbacks.attempts == 0


async def test_duplicate_callback_arrives_n_times_identically(
    sim: KieSimulator, client: KieClient, receiver: Receiver
) -> None:
    sim.set_behaviour(Behaviour(latency=0.05, callback=CallbackMode.DUPLICATE, callback_copies=3))
    task_id = await client.create_market("z-image", INPUTS, receiver.url())

    deliveries = await receiver.wait_for(3)
    await finish(sim, client, task_id)

    assert len(receiver.received) == 3
    assert all(d.body == deliveries[0].body for d in deliveries)
    assert deliveries[0].body["data"]["state"] == "success"
    assert sim.stats().callbacks.sent == 3


async def test_out_of_order_market_sends_a_stale_generating_body_after_success(
    sim: KieSimulator, client: KieClient, receiver: Receiver
) -> None:
    sim.set_behaviour(Behaviour(latency=0.05, callback=CallbackMode.OUT_OF_ORDER))
    task_id = await client.create_market("z-image", INPUTS, receiver.url())

    deliveries = await receiver.wait_for(2)

    assert [d.body["data"]["state"] for d in deliveries] == ["success", "generating"]
    assert deliveries[1].body["data"]["taskId"] == task_id
    assert deliveries[1].body["data"]["resultJson"] is None


async def test_out_of_order_suno_delivers_earlier_stages_after_complete(
    sim: KieSimulator, client: KieClient, receiver: Receiver
) -> None:
    sim.set_behaviour(Behaviour(latency=0.05, callback=CallbackMode.OUT_OF_ORDER))
    await client.create(SUNO_CREATE, {**SUNO_REQUEST, "callBackUrl": receiver.url()})

    deliveries = await receiver.wait_for(3)

    stages = [d.body["data"]["callbackType"] for d in deliveries]
    assert stages == ["complete", "text", "first"]


async def test_delayed_callback_comes_late(
    sim: KieSimulator, client: KieClient, receiver: Receiver
) -> None:
    sim.set_behaviour(Behaviour(latency=0.0, callback=CallbackMode.DELAYED, callback_delay=0.4))
    loop = asyncio.get_running_loop()
    created = loop.time()
    task_id = await client.create_market("z-image", INPUTS, receiver.url())

    await client.poll(RECORD, task_id, lambda data: data["state"] == "success")
    assert receiver.received == []
    [delivery] = await receiver.wait_for(1)

    assert delivery.at - created >= 0.4


async def test_non_2xx_answers_are_retried_and_each_attempt_recorded(
    sim: KieSimulator, client: KieClient
) -> None:
    async with Receiver(statuses=[500, 404]) as flaky:
        task_id = await client.create_market("z-image", INPUTS, flaky.url())
        deliveries = await flaky.wait_for(3)
        await finish(sim, client, task_id)

    attempts = sim.stats().callback_attempts
    assert [(a.attempt, a.status) for a in attempts] == [(1, 500), (2, 404), (3, 200)]
    assert all(d.body == deliveries[0].body for d in deliveries)
    for delivery in deliveries:  # every attempt is signed afresh
        timestamp = delivery.headers["X-Webhook-Timestamp"]
        signature = expected_signature(HMAC_KEY, task_id, timestamp)
        assert delivery.headers["X-Webhook-Signature"] == signature
    assert (sim.stats().callbacks.sent, sim.stats().callbacks.failed) == (1, 0)


async def test_delivery_gives_up_after_three_retries(sim: KieSimulator, client: KieClient) -> None:
    async with Receiver(statuses=[503] * 10) as broken:
        task_id = await client.create_market("z-image", INPUTS, broken.url())
        await finish(sim, client, task_id)

    assert len(broken.received) == 4
    assert [a.status for a in sim.stats().callback_attempts] == [503] * 4
    assert (sim.stats().callbacks.sent, sim.stats().callbacks.failed) == (0, 1)


async def test_connection_errors_are_retried_and_recorded(
    sim: KieSimulator, client: KieClient
) -> None:
    url = f"http://127.0.0.1:{free_port()}/callbacks"
    task_id = await client.create_market("z-image", INPUTS, url)

    await finish(sim, client, task_id)

    attempts = sim.stats().callback_attempts
    assert [a.attempt for a in attempts] == [1, 2, 3, 4]
    assert all(a.status is None and a.error for a in attempts)
    assert sim.stats().callbacks.failed == 1


async def test_slow_receiver_times_out_per_attempt() -> None:
    policy = DeliveryPolicy(timeout=0.1, retries=1, retry_delay=0.0)
    async with (
        fast_simulator(delivery=policy) as sim,
        Receiver(delay=0.5) as slow,
        aiohttp.ClientSession() as session,
    ):
        client = KieClient(session, sim.base_url)
        task_id = await client.create_market("z-image", INPUTS, slow.url())
        await finish(sim, client, task_id)

        attempts = sim.stats().callback_attempts

    assert [(a.status, a.error) for a in attempts] == [(None, "TimeoutError")] * 2


async def test_without_hmac_key_no_signature_headers_are_sent(receiver: Receiver) -> None:
    async with fast_simulator() as sim, aiohttp.ClientSession() as session:
        client = KieClient(session, sim.base_url)
        await client.create_market("z-image", INPUTS, receiver.url())
        [delivery] = await receiver.wait_for(1)

    assert "X-Webhook-Signature" not in delivery.headers
    assert "X-Webhook-Timestamp" not in delivery.headers


async def test_no_callback_url_means_no_callback(sim: KieSimulator, client: KieClient) -> None:
    task_id = await client.create_market("z-image", INPUTS)

    await finish(sim, client, task_id)

    assert sim.stats().callbacks.attempts == 0
