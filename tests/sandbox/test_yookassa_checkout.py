"""The YooKassa simulator as a payer and a shop see it after the create: the confirmation page
with Pay and Cancel, the notifications it sends (retried, lost or duplicated on request), and
the `/_sim/` controls tests drive it with."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.sandbox.conftest import FAST_NOTIFICATIONS
from tests.sandbox.test_kie_support import Receiver
from tests.sandbox.test_yookassa_api import SECRET, SHOP, Shop, valid_body
from trt.sandbox.yookassa import PaymentNotPending, YooKassaSimulator


@pytest.fixture
async def shop(yookassa: YooKassaSimulator) -> AsyncIterator[Shop]:
    async with aiohttp.ClientSession() as session:
        yield Shop(session, yookassa)


async def created(shop: Shop, key: str = "order-1") -> dict[str, Any]:
    status, payment = await shop.create(valid_body(), key=key)
    assert status == 200
    return payment


async def test_the_page_shows_the_amount_and_pay_moves_it_to_succeeded(
    shop: Shop, yookassa: YooKassaSimulator, receiver: Receiver
) -> None:
    payment = await created(shop)
    url = payment["confirmation"]["confirmation_url"]

    async with shop.session.get(url) as page:
        html = await page.text()
    assert page.status == 200
    assert "300.00 RUB" in html
    assert f'action="/checkout/{payment["id"]}/pay"' in html
    assert f'action="/checkout/{payment["id"]}/cancel"' in html

    async with shop.session.post(f"{url}/pay") as done:  # the browser follows the 303
        result = await done.text()
    assert done.status == 200
    assert "Оплачено · Paid" in result
    assert 'href="https://t.me/trt_bot"' in result
    assert await yookassa.wait_notifications(5)

    [note] = receiver.received
    assert note.path == "/payments/yookassa"
    assert note.body["type"] == "notification"
    assert note.body["event"] == "payment.succeeded"
    assert note.body["object"]["id"] == payment["id"]
    assert note.body["object"]["status"] == "succeeded"
    assert note.body["object"]["paid"] is True
    status, read = await shop.read(payment["id"])
    assert (status, read["status"]) == (200, "succeeded")
    assert read["captured_at"].endswith("Z")
    assert "confirmation" not in read


async def test_cancel_moves_it_to_canceled_with_the_reason(
    shop: Shop, yookassa: YooKassaSimulator, receiver: Receiver
) -> None:
    payment = await created(shop)
    async with shop.session.post(f"{payment['confirmation']['confirmation_url']}/cancel") as page:
        assert "Отменено · Cancelled" in await page.text()
    assert await yookassa.wait_notifications(5)

    [note] = receiver.received
    assert note.body["event"] == "payment.canceled"
    _, read = await shop.read(payment["id"])
    assert read["status"] == "canceled"
    assert read["cancellation_details"] == {
        "party": "yoo_money",
        "reason": "expired_on_confirmation",
    }


async def test_a_second_press_changes_nothing_and_sends_nothing_more(
    shop: Shop, yookassa: YooKassaSimulator, receiver: Receiver
) -> None:
    payment = await created(shop)
    url = payment["confirmation"]["confirmation_url"]
    for action in ("pay", "cancel", "pay"):
        async with shop.session.post(f"{url}/{action}") as page:
            assert page.status == 200
    assert await yookassa.wait_notifications(5)

    assert [n.body["event"] for n in receiver.received] == ["payment.succeeded"]
    with pytest.raises(PaymentNotPending):
        yookassa.cancel(payment["id"])


async def test_the_page_escapes_what_the_shop_sent(shop: Shop) -> None:
    body = valid_body(description='<script>alert("x")</script>')
    _, payment = await shop.create(body)
    async with shop.session.get(payment["confirmation"]["confirmation_url"]) as page:
        html = await page.text()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


async def test_an_unknown_checkout_page_is_404(shop: Shop, yookassa: YooKassaSimulator) -> None:
    async with shop.session.get(f"{yookassa.base_url}/checkout/nope") as page:
        assert page.status == 404


async def test_a_failed_notification_is_retried_until_the_shop_answers_200() -> None:
    async with (
        Receiver(statuses=[500, 503]) as flaky,
        YooKassaSimulator(
            shop_id=SHOP,
            secret_key=SECRET,
            notification_url=flaky.url("/payments/yookassa"),
            policy=FAST_NOTIFICATIONS,
        ) as yookassa,
        aiohttp.ClientSession() as session,
    ):
        payment = await created(Shop(session, yookassa))
        yookassa.pay(payment["id"])
        assert await yookassa.wait_notifications(5)

        assert [a.status for a in yookassa.notifications] == [500, 503, 200]
        assert len(flaky.received) == 3


async def test_controls_drop_duplicate_and_resend_notifications(
    shop: Shop, yookassa: YooKassaSimulator, receiver: Receiver
) -> None:
    first, second = await created(shop, "order-1"), await created(shop, "order-2")
    control = f"{yookassa.base_url}/_sim"

    async with shop.session.post(f"{control}/notifications/drop?count=1") as response:
        assert response.status == 200
    async with shop.session.post(f"{control}/payments/{first['id']}/pay") as response:
        assert (await response.json())["status"] == "succeeded"
    async with shop.session.post(f"{control}/notifications/duplicate?copies=5") as response:
        assert response.status == 200
    async with shop.session.post(f"{control}/payments/{second['id']}/expire") as response:
        assert (await response.json())["status"] == "canceled"
    assert await yookassa.wait_notifications(5)

    assert [n.body["object"]["id"] for n in receiver.received] == [second["id"]] * 5
    async with shop.session.get(f"{control}/notifications") as response:
        attempts = await response.json()
    assert attempts[0] == {
        "payment_id": first["id"],
        "event": "payment.succeeded",
        "status": None,
        "dropped": True,
    }

    async with shop.session.post(f"{control}/payments/{first['id']}/notify?copies=2") as r:
        assert r.status == 200
    assert await yookassa.wait_notifications(5)
    resent = [n.body for n in receiver.received[5:]]
    assert [(b["event"], b["object"]["id"]) for b in resent] == [
        ("payment.succeeded", first["id"])
    ] * 2


async def test_controls_refuse_unknown_payments_and_settled_ones(
    shop: Shop, yookassa: YooKassaSimulator
) -> None:
    payment = await created(shop)
    control = f"{yookassa.base_url}/_sim"
    async with shop.session.post(f"{control}/payments/nope/pay") as response:
        assert response.status == 404
    async with shop.session.post(f"{control}/payments/{payment['id']}/cancel") as response:
        assert response.status == 200
    async with shop.session.post(f"{control}/payments/{payment['id']}/pay") as response:
        assert response.status == 409
    async with shop.session.get(f"{control}/payments") as response:
        assert [p["status"] for p in await response.json()] == ["canceled"]


async def test_faults_and_the_notification_url_can_be_set_over_http(
    shop: Shop, yookassa: YooKassaSimulator
) -> None:
    control = f"{yookassa.base_url}/_sim"
    async with shop.session.post(f"{control}/faults", json={"status": 503, "count": 1}) as r:
        assert r.status == 200
    status, error = await shop.create(valid_body())
    assert (status, error["type"]) == (503, "error")
    async with shop.session.delete(f"{control}/faults") as r:
        assert r.status == 200
    async with shop.session.post(f"{control}/faults", json={"status": "x"}) as r:
        assert r.status == 400
    async with shop.session.post(f"{control}/notification-url", json={"url": None}) as r:
        assert (await r.json()) == {"url": None}
    assert yookassa.notification_url is None

    payment = await created(shop)
    yookassa.pay(payment["id"])  # nowhere to send it: recorded as not delivered
    await asyncio.sleep(0)
    assert [a.dropped for a in yookassa.notifications] == [True]


async def test_without_capture_a_paid_payment_waits_for_capture(
    shop: Shop, yookassa: YooKassaSimulator, receiver: Receiver
) -> None:
    _, payment = await shop.create(valid_body(capture=False))
    control = f"{yookassa.base_url}/_sim/payments/{payment['id']}"
    async with shop.session.post(f"{control}/notify") as response:
        assert response.status == 409  # nothing to notify about yet

    yookassa.pay(payment["id"])
    assert await yookassa.wait_notifications(5)

    [note] = receiver.received
    assert note.body["event"] == "payment.waiting_for_capture"
    _, read = await shop.read(payment["id"])
    assert (read["status"], read["paid"]) == ("waiting_for_capture", True)
