"""YooKassa notifications are never trusted without the API re-read: forged and hostile bodies to
`POST /payments/yookassa` of the real app, on both engines. Every answer is 200 and `/health`
stays 200; a body claiming `succeeded` for a payment the API still calls pending, or for a
payment no order of ours made, credits nothing, moves no order and tells nobody anything; only
ids of our own orders are ever re-read through the API. Then the real payment goes through, so
the pipeline was alive all along."""

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_payments import available, entries, has, stays, texts
from tests.e2e.test_yookassa import (
    LINK_EN,
    PAID_EN,
    card_stack,
    link_of,
    open_card_screen,
    order_rows,
    pay_on_page,
)
from trt.sandbox.yookassa import YooKassaSimulator

USER = 7501


@pytest.fixture
async def card(db_url: str) -> AsyncIterator[tuple[Stack, YooKassaSimulator]]:
    # The scheduled re-read runs often here: it must not be fooled either.
    async with card_stack(db_url, yookassa_check_seconds=0.2) as running:
        yield running


def hostile_bodies(payment: dict[str, Any]) -> list[bytes]:
    claimed = dict(payment, status="succeeded", paid=True, amount={"value": "99999.00"})
    notification = {"type": "notification", "event": "payment.succeeded", "object": claimed}
    unknown = [dict(notification, object=dict(claimed, id=str(uuid.uuid4()))) for _ in range(20)]
    shapes: list[object] = [
        notification,  # authentic shape, real id, a lie about the status
        dict(notification, event="payment.canceled", object=dict(claimed, status="canceled")),
        *unknown,
        dict(notification, object=dict(claimed, id="../../v3/payments")),
        dict(notification, object=dict(claimed, id="x" * 65)),
        dict(notification, object=dict(claimed, id=12345)),
        dict(notification, object=[claimed]),
        {"type": "notification", "event": "payment.succeeded"},
        [notification],
        None,
        "payment.succeeded",
    ]
    raw = [json.dumps(shape).encode() for shape in shapes]
    raw += [
        b"",
        b"\x00\xff" * 100,
        b"{" * 60_000,
        b"[" * 50_000 + b"]" * 50_000,
        b'{"object": {"id": "' + payment["id"].encode() + b'"}' + b" " * (2 << 20),
    ]
    return raw


async def test_notifications_never_move_money_without_the_api_saying_so(
    card: tuple[Stack, YooKassaSimulator],
) -> None:
    stack, shop = card
    user = stack.telegram.user(user_id=USER, language_code="en")
    await open_card_screen(user)
    await user.click("300 ₽")
    await user.wait_for(has("receipt"))
    await user.send_text("payer@example.com")
    link = await user.wait_for(has(LINK_EN))
    [payment] = shop.payments()
    bodies = hostile_bodies(payment)

    async with aiohttp.ClientSession() as session:
        for n, body in enumerate(bodies):
            content_type = ("application/json", "text/plain", "application/x-www-form-urlencoded")
            headers = {"Content-Type": content_type[n % 3]}
            async with session.post(
                f"{stack.base_url}/payments/yookassa", data=body, headers=headers
            ) as answer:
                assert answer.status == 200, n
        async with session.get(f"{stack.base_url}/health") as health:
            assert health.status == 200

    await stays(lambda: not texts(user, PAID_EN) and not texts(user, "❌"), seconds=1.5)
    assert await available(stack, USER) == 0
    assert await entries(stack, "yk:") == 0
    [row] = await order_rows(stack)
    assert row["status"] == "pending"
    reads = {path for method, path in shop.requests if method == "GET"}
    assert reads == {f"/v3/payments/{payment['id']}"}  # only our own payment was re-read

    await pay_on_page(link_of(link))
    await user.wait_for(has(PAID_EN), since=link, timeout=10)
    await stays(lambda: len(texts(user, PAID_EN)) == 1)
    assert await available(stack, USER) == 30_000
    assert await entries(stack, "yk:") == 1
