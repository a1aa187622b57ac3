"""The YooKassa client's refunds against the simulator: a refund created and read back, a lost
answer retried with the SAME Idempotence-Key (one refund), YooKassa's refusals raised at once,
and answers that are not a refund treated as transient."""

from collections.abc import AsyncIterator

import pytest

from tests.sandbox.test_yookassa_api import SECRET, SHOP, valid_body
from tests.yookassa.test_client import QUICK, Sleeps
from trt.domain.yookassa_refunds import YooRefundStatus
from trt.sandbox.yookassa import Fault, RefundStatus, YooKassaSimulator
from trt.yookassa import YooKassaClient, YooKassaNotFound, YooKassaPermanentError
from trt.yookassa.answers import parse_refund
from trt.yookassa.errors import YooKassaTransientError


@pytest.fixture
async def yookassa() -> AsyncIterator[YooKassaSimulator]:
    async with YooKassaSimulator(shop_id=SHOP, secret_key=SECRET) as simulator:
        yield simulator


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def client(yookassa: YooKassaSimulator, sleeps: Sleeps) -> AsyncIterator[YooKassaClient]:
    async with YooKassaClient(
        api_base=yookassa.api_base, shop_id=SHOP, secret_key=SECRET, retry=QUICK, sleep=sleeps
    ) as made:
        yield made


async def paid(client: YooKassaClient, sim: YooKassaSimulator) -> str:
    payment = await client.create_payment(valid_body(), idempotence_key="trt-order-1")
    sim.pay(payment.id)
    return payment.id


def full_refund(payment_id: str) -> dict[str, object]:
    return {"payment_id": payment_id, "amount": {"value": "300.00", "currency": "RUB"}}


async def test_a_refund_is_created_and_read_back(
    client: YooKassaClient, yookassa: YooKassaSimulator
) -> None:
    payment_id = await paid(client, yookassa)

    made = await client.create_refund(full_refund(payment_id), idempotence_key="trt-refund-1")

    assert (made.payment_id, made.status, made.amount, made.currency) == (
        payment_id,
        YooRefundStatus.SUCCEEDED,
        30_000,
        "RUB",
    )
    assert await client.get_refund(made.id) == made


async def test_a_lost_answer_is_retried_with_the_same_key_and_refunds_once(
    client: YooKassaClient, yookassa: YooKassaSimulator, sleeps: Sleeps
) -> None:
    payment_id = await paid(client, yookassa)
    yookassa.inject_fault(Fault(status=500, after_processing=True))

    made = await client.create_refund(full_refund(payment_id), idempotence_key="trt-refund-1")

    [only] = yookassa.refunds.all()
    assert (made.id, only.status) == (only.id, RefundStatus.SUCCEEDED)
    assert len(sleeps.waits) == 1


async def test_a_refund_yookassa_refuses_is_not_retried(
    client: YooKassaClient, yookassa: YooKassaSimulator, sleeps: Sleeps
) -> None:
    pending = await client.create_payment(valid_body(), idempotence_key="trt-order-2")

    with pytest.raises(YooKassaPermanentError) as refused:
        await client.create_refund(full_refund(pending.id), idempotence_key="trt-refund-2")

    assert (refused.value.http_status, refused.value.code) == (400, "invalid_request")
    assert "payment_id" in refused.value.message
    assert sleeps.waits == []
    assert yookassa.refunds.all() == []


async def test_an_unknown_or_impossible_refund_id_is_not_found(
    client: YooKassaClient, yookassa: YooKassaSimulator
) -> None:
    with pytest.raises(YooKassaNotFound):
        await client.get_refund("2419a771-0016-5000-8000-1edaf29243f2")
    with pytest.raises(YooKassaNotFound):
        await client.get_refund("../payments")
    assert yookassa.requests == [("GET", "/v3/refunds/2419a771-0016-5000-8000-1edaf29243f2")]


@pytest.mark.parametrize(
    "document",
    [
        {"id": "r-1", "payment_id": "p-1", "status": "refunded", "amount": {"value": "1.00"}},
        {"id": "r-1", "status": "succeeded", "amount": {"value": "1.00"}},
        {"id": "r/1", "payment_id": "p-1", "status": "succeeded", "amount": {"value": "1"}},
        {"id": "r-1", "payment_id": "p-1", "status": "succeeded", "amount": {"value": "x"}},
        {"id": "r-1", "payment_id": "p-1", "status": "succeeded"},
    ],
)
def test_an_answer_that_is_not_a_refund_is_transient(document: dict[str, object]) -> None:
    with pytest.raises(YooKassaTransientError):
        parse_refund(document)
