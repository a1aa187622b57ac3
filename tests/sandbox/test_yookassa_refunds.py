"""The YooKassa simulator's refunds as YooKassa documents them, spoken to over plain HTTP:
`POST /v3/refunds` with Basic auth and an Idempotence-Key (a repeat answers the first answer),
only a succeeded payment and never more than is left of it, the payment's `refunded_amount`,
`GET /v3/refunds/{id}`, the `refund.succeeded` notification, and the `/_sim/` controls that
make the next refunds fail or stay pending."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.sandbox.test_kie_support import Receiver
from tests.sandbox.test_yookassa_api import SHOP, Shop, valid_body
from trt.sandbox.yookassa import Fault, RefundStatus, YooKassaSimulator

RECEIPT = valid_body()["receipt"]


def refund_body(payment_id: str, value: str = "300.00", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "payment_id": payment_id,
        "amount": {"value": value, "currency": "RUB"},
        "description": "Возврат, заказ №1",
    }
    body.update(changes)
    return body


class Refunder(Shop):
    """The shop's side of the refunds API."""

    async def refund(
        self, body: Any, *, key: str | None = "refund-1", auth: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": auth or self.auth}
        if key is not None:
            headers["Idempotence-Key"] = key
        async with self.session.post(f"{self.base}/refunds", json=body, headers=headers) as r:
            return r.status, await r.json()

    async def read_refund(self, refund_id: str) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": self.auth}
        async with self.session.get(f"{self.base}/refunds/{refund_id}", headers=headers) as r:
            return r.status, await r.json()

    async def control(self, path: str, body: object = None) -> tuple[int, Any]:
        root = self.base.removesuffix("/v3")
        async with self.session.post(f"{root}/_sim/{path}", json=body) as response:
            return response.status, await response.json()

    async def paid(self, sim: YooKassaSimulator, key: str = "pay-1") -> str:
        status, payment = await self.create(valid_body(), key=key)
        assert status == 200
        sim.pay(payment["id"])
        return str(payment["id"])


@pytest.fixture
async def shop(yookassa: YooKassaSimulator) -> AsyncIterator[Refunder]:
    async with aiohttp.ClientSession() as session:
        yield Refunder(session, yookassa)


async def test_a_refund_succeeds_and_the_payment_shows_what_was_refunded(
    shop: Refunder, yookassa: YooKassaSimulator, receiver: Receiver
) -> None:
    payment_id = await shop.paid(yookassa)

    status, refund = await shop.refund(refund_body(payment_id, receipt=RECEIPT))

    assert status == 200
    assert (refund["payment_id"], refund["status"]) == (payment_id, "succeeded")
    assert refund["amount"] == {"value": "300.00", "currency": "RUB"}
    assert refund["id"] != payment_id
    assert refund["created_at"].endswith("Z")
    assert await shop.read_refund(refund["id"]) == (200, refund)
    _, payment = await shop.read(payment_id)
    assert payment["refunded_amount"] == {"value": "300.00", "currency": "RUB"}
    assert payment["refundable"] is False
    assert await yookassa.wait_notifications(5)
    [_, note] = receiver.received  # payment.succeeded, then refund.succeeded
    assert note.body["event"] == "refund.succeeded"
    assert note.body["object"] == refund


async def test_the_same_key_and_body_make_one_refund_even_at_once(
    shop: Refunder, yookassa: YooKassaSimulator
) -> None:
    payment_id = await shop.paid(yookassa)

    answers = await asyncio.gather(*(shop.refund(refund_body(payment_id)) for _ in range(5)))

    assert {status for status, _ in answers} == {200}
    assert len({refund["id"] for _, refund in answers}) == 1
    assert len(yookassa.refunds.all()) == 1
    assert yookassa.store.get(payment_id) is not None
    _, payment = await shop.read(payment_id)
    assert payment["refunded_amount"]["value"] == "300.00"


async def test_the_same_key_with_another_body_is_refused(
    shop: Refunder, yookassa: YooKassaSimulator
) -> None:
    payment_id = await shop.paid(yookassa)
    assert (await shop.refund(refund_body(payment_id)))[0] == 200

    status, error = await shop.refund(refund_body(payment_id, description="another"))

    assert (status, error["code"], error["parameter"]) == (
        400,
        "invalid_request",
        "Idempotence-Key",
    )
    assert len(yookassa.refunds.all()) == 1


async def test_never_more_than_is_left_of_the_payment(
    shop: Refunder, yookassa: YooKassaSimulator
) -> None:
    payment_id = await shop.paid(yookassa)
    partial = refund_body(payment_id, "200.00", receipt=RECEIPT | {"items": receipt_of("200.00")})
    assert (await shop.refund(partial, key="r-1"))[0] == 200

    too_much = refund_body(payment_id, "100.01", receipt=RECEIPT | {"items": receipt_of("100.01")})
    status, error = await shop.refund(too_much, key="r-2")
    assert (status, error["parameter"]) == (400, "amount")

    rest = refund_body(payment_id, "100.00", receipt=RECEIPT | {"items": receipt_of("100.00")})
    assert (await shop.refund(rest, key="r-3"))[0] == 200
    _, payment = await shop.read(payment_id)
    assert payment["refunded_amount"]["value"] == "300.00"
    status, error = await shop.refund(refund_body(payment_id, "1.00"), key="r-4")
    assert (status, error["parameter"]) == (400, "amount")


def receipt_of(value: str) -> list[dict[str, Any]]:
    [item] = RECEIPT["items"]
    return [item | {"amount": {"value": value, "currency": "RUB"}}]


async def test_only_a_succeeded_payment_can_be_refunded(
    shop: Refunder, yookassa: YooKassaSimulator
) -> None:
    _, pending = await shop.create(valid_body(), key="pay-pending")
    status, error = await shop.refund(refund_body(pending["id"]))
    assert (status, error["parameter"]) == (400, "payment_id")

    yookassa.cancel(pending["id"])
    assert (await shop.refund(refund_body(pending["id"]), key="r-2"))[0] == 400
    status, error = await shop.refund(
        refund_body("2419a771-000f-5000-9000-1edaf29243f2"), key="r-3"
    )
    assert (status, error["parameter"]) == (400, "payment_id")
    assert yookassa.refunds.all() == []


@pytest.mark.parametrize(
    ("change", "parameter"),
    [
        ({"payment_id": 5}, "payment_id"),
        ({"payment_id": "../payments"}, "payment_id"),
        ({"amount": {"value": "-1.00", "currency": "RUB"}}, "amount"),
        ({"amount": {"value": "300.00", "currency": "USD"}}, "amount.currency"),
        ({"description": "x" * 129}, "description"),
        ({"receipt": {"items": receipt_of("300.00")}}, "receipt.customer"),
        ({"receipt": RECEIPT | {"items": receipt_of("299.00")}}, "receipt.items"),
    ],
)
async def test_an_invalid_refund_is_refused_with_the_parameter_named(
    shop: Refunder, yookassa: YooKassaSimulator, change: dict[str, Any], parameter: str
) -> None:
    payment_id = await shop.paid(yookassa)

    status, error = await shop.refund(refund_body(payment_id) | change)

    assert (status, error["type"], error["parameter"]) == (400, "error", parameter)
    assert yookassa.refunds.all() == []


async def test_a_partial_refund_needs_its_own_receipt_a_full_one_does_not(
    shop: Refunder, yookassa: YooKassaSimulator
) -> None:
    payment_id = await shop.paid(yookassa)
    status, error = await shop.refund(refund_body(payment_id, "100.00"), key="r-1")
    assert (status, error["parameter"]) == (400, "receipt")

    assert (await shop.refund(refund_body(payment_id), key="r-2"))[0] == 200


async def test_a_refund_needs_credentials_and_a_key(
    shop: Refunder, yookassa: YooKassaSimulator
) -> None:
    payment_id = await shop.paid(yookassa)
    wrong = aiohttp.encode_basic_auth(SHOP, "wrong")
    status, error = await shop.refund(refund_body(payment_id), auth=wrong)
    assert (status, error["code"]) == (401, "invalid_credentials")
    assert (await shop.refund(refund_body(payment_id), key=None))[0] == 400
    assert (await shop.refund(refund_body(payment_id), key="k" * 65))[0] == 400
    status, error = await shop.read_refund("2419a771-0016-5000-8000-1edaf29243f2")
    assert (status, error["code"]) == (404, "not_found")
    assert yookassa.refunds.all() == []


async def test_the_next_refund_can_be_made_to_fail_and_changes_nothing(
    shop: Refunder, yookassa: YooKassaSimulator, receiver: Receiver
) -> None:
    payment_id = await shop.paid(yookassa)
    assert await shop.control("refunds/plan", {"status": "canceled", "reason": "general_decline"})

    status, refund = await shop.refund(refund_body(payment_id), key="r-1")

    assert (status, refund["status"]) == (200, "canceled")
    assert refund["cancellation_details"] == {"party": "yoo_money", "reason": "general_decline"}
    _, payment = await shop.read(payment_id)
    assert "refunded_amount" not in payment
    assert await shop.refund(refund_body(payment_id), key="r-1") == (200, refund)  # remembered
    status, second = await shop.refund(refund_body(payment_id), key="r-2")  # only the next one
    assert (status, second["status"]) == (200, "succeeded")
    assert await yookassa.wait_notifications(5)
    events = [note.body["event"] for note in receiver.received]
    assert events == ["payment.succeeded", "refund.succeeded"]


async def test_a_pending_refund_repeats_its_first_answer_until_read_afresh(
    shop: Refunder, yookassa: YooKassaSimulator, receiver: Receiver
) -> None:
    payment_id = await shop.paid(yookassa)
    await shop.control("refunds/plan", {"status": "pending"})
    status, refund = await shop.refund(refund_body(payment_id))
    assert (status, refund["status"]) == (200, "pending")
    status, error = await shop.refund(refund_body(payment_id, "1.00"), key="r-9")
    assert (status, error["parameter"]) == (400, "amount")  # the pending one is counted

    status, settled = await shop.control(f"refunds/{refund['id']}/succeed")
    assert (status, settled["status"]) == (200, "succeeded")
    assert (await shop.control(f"refunds/{refund['id']}/cancel"))[0] == 409

    assert await shop.refund(refund_body(payment_id)) == (200, refund)  # still the first answer
    assert (await shop.read_refund(refund["id"]))[1]["status"] == "succeeded"
    _, payment = await shop.read(payment_id)
    assert payment["refunded_amount"]["value"] == "300.00"
    assert await yookassa.wait_notifications(5)
    assert receiver.received[-1].body["event"] == "refund.succeeded"


async def test_a_dashboard_refund_is_notified_and_counts(
    shop: Refunder, yookassa: YooKassaSimulator, receiver: Receiver
) -> None:
    payment_id = await shop.paid(yookassa)

    status, refund = await shop.control(f"payments/{payment_id}/refund", {"amount": "120.50"})

    assert (status, refund["status"], refund["amount"]["value"]) == (200, "succeeded", "120.50")
    assert (await shop.control(f"payments/{payment_id}/refund", {"amount": "180.00"}))[0] == 409
    assert (await shop.control(f"payments/{payment_id}/refund"))[0] == 200  # the rest
    _, payment = await shop.read(payment_id)
    assert payment["refunded_amount"]["value"] == "300.00"
    listed = await shop.session.get(f"{shop.base.removesuffix('/v3')}/_sim/refunds")
    assert [r["amount"]["value"] for r in await listed.json()] == ["120.50", "179.50"]
    assert await yookassa.wait_notifications(5)
    assert [n.body["event"] for n in receiver.received].count("refund.succeeded") == 2


async def test_a_plan_must_be_a_failure_or_pending(shop: Refunder) -> None:
    assert (await shop.control("refunds/plan", {"status": "succeeded"}))[0] == 400
    assert (await shop.control("refunds/plan", {"status": "canceled", "count": 0}))[0] == 400
    assert (await shop.control("refunds/plan", {"status": "odd"}))[0] == 400


async def test_a_lost_answer_keeps_the_refund_and_a_retry_gets_it(
    shop: Refunder, yookassa: YooKassaSimulator
) -> None:
    payment_id = await shop.paid(yookassa)
    yookassa.inject_fault(Fault(status=500, after_processing=True))

    status, _ = await shop.refund(refund_body(payment_id))
    assert status == 500
    status, refund = await shop.refund(refund_body(payment_id))

    assert (status, refund["status"]) == (200, "succeeded")
    assert len(yookassa.refunds.all()) == 1
    assert yookassa.refunds.all()[0].status is RefundStatus.SUCCEEDED
