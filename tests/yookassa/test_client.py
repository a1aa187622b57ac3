"""The YooKassa client against the simulator: payments created and read, transient failures
retried with the SAME Idempotence-Key (so a lost answer never makes a second payment),
permanent ones raised at once, every loop bounded."""

from collections.abc import AsyncIterator

import pytest

from tests.sandbox.test_yookassa_api import SECRET, SHOP, valid_body
from trt.domain.yookassa import YooPaymentStatus
from trt.sandbox.yookassa import Fault, YooKassaSimulator
from trt.yookassa import (
    RetryPolicy,
    YooKassaAuthError,
    YooKassaClient,
    YooKassaNotFound,
    YooKassaPermanentError,
    YooKassaTransientError,
)

QUICK = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, budget=5.0)


class Sleeps:
    """Records the client's backoff waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


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
        api_base=yookassa.api_base,
        shop_id=SHOP,
        secret_key=SECRET,
        request_timeout=0.5,
        retry=QUICK,
        sleep=sleeps,
    ) as made:
        yield made


async def test_a_payment_is_created_and_read_back(
    client: YooKassaClient, yookassa: YooKassaSimulator
) -> None:
    created = await client.create_payment(valid_body(), idempotence_key="trt-order-1")

    assert created.status is YooPaymentStatus.PENDING
    assert (created.amount, created.currency, created.order_id) == (30_000, "RUB", 1)
    assert created.confirmation_url == f"{yookassa.base_url}/checkout/{created.id}"
    yookassa.pay(created.id)
    read = await client.get_payment(created.id)
    assert read.status is YooPaymentStatus.SUCCEEDED
    assert read.confirmation_url is None


async def test_a_lost_answer_is_retried_with_the_same_key_and_makes_one_payment(
    client: YooKassaClient, yookassa: YooKassaSimulator, sleeps: Sleeps
) -> None:
    yookassa.inject_fault(Fault(status=500, after_processing=True))

    created = await client.create_payment(valid_body(), idempotence_key="trt-order-2")

    [only] = yookassa.payments()
    assert created.id == only["id"]
    assert len(sleeps.waits) == 1


async def test_a_timeout_is_retried(
    client: YooKassaClient, yookassa: YooKassaSimulator, sleeps: Sleeps
) -> None:
    yookassa.inject_fault(Fault(status=500, delay=1.0, after_processing=True))

    created = await client.create_payment(valid_body(), idempotence_key="trt-order-3")

    assert [p["id"] for p in yookassa.payments()] == [created.id]
    assert len(sleeps.waits) == 1


async def test_transient_failures_stop_after_the_attempts_run_out(
    client: YooKassaClient, yookassa: YooKassaSimulator, sleeps: Sleeps
) -> None:
    yookassa.inject_fault(Fault(status=503, count=10))

    with pytest.raises(YooKassaTransientError) as caught:
        await client.create_payment(valid_body(), idempotence_key="trt-order-4")

    assert caught.value.http_status == 503
    assert len(sleeps.waits) == QUICK.max_attempts - 1
    assert all(0 <= wait <= QUICK.max_delay for wait in sleeps.waits)
    assert yookassa.payments() == []


async def test_yookassas_retry_after_is_honoured_within_the_cap(
    client: YooKassaClient, yookassa: YooKassaSimulator, sleeps: Sleeps
) -> None:
    yookassa.inject_fault(Fault(status=429))  # the body says retry_after: 1000 ms

    await client.create_payment(valid_body(), idempotence_key="trt-order-5")

    assert sleeps.waits == [QUICK.max_delay]


async def test_a_refused_payment_is_not_retried(
    client: YooKassaClient, yookassa: YooKassaSimulator, sleeps: Sleeps
) -> None:
    body = valid_body(description="x" * 200)

    with pytest.raises(YooKassaPermanentError) as caught:
        await client.create_payment(body, idempotence_key="trt-order-6")

    assert caught.value.http_status == 400
    assert caught.value.code == "invalid_request"
    assert "[description]" in caught.value.message
    assert sleeps.waits == []


async def test_wrong_credentials_raise_the_auth_error_at_once(
    yookassa: YooKassaSimulator, sleeps: Sleeps
) -> None:
    async with YooKassaClient(
        api_base=yookassa.api_base, shop_id=SHOP, secret_key="wrong", retry=QUICK, sleep=sleeps
    ) as client:
        with pytest.raises(YooKassaAuthError):
            await client.create_payment(valid_body(), idempotence_key="trt-order-7")
    assert sleeps.waits == []


async def test_an_unknown_or_impossible_payment_id_is_not_found(
    client: YooKassaClient, yookassa: YooKassaSimulator
) -> None:
    with pytest.raises(YooKassaNotFound):
        await client.get_payment("2419a771-000f-5000-9000-1edaf29243f2")
    sent = list(yookassa.requests)
    for impossible in ("../payments", "a/b", "", "x" * 65, "id?status=succeeded"):
        with pytest.raises(YooKassaNotFound):
            await client.get_payment(impossible)
    assert yookassa.requests == sent  # refused before anything went out


async def test_an_idempotence_key_longer_than_64_is_refused_before_sending(
    client: YooKassaClient, yookassa: YooKassaSimulator
) -> None:
    with pytest.raises(YooKassaPermanentError):
        await client.create_payment(valid_body(), idempotence_key="k" * 65)
    assert yookassa.payments() == []


async def test_an_unreachable_yookassa_is_transient() -> None:
    async with YooKassaSimulator() as gone:
        base = gone.api_base
    async with YooKassaClient(
        api_base=base, shop_id=SHOP, secret_key=SECRET, retry=QUICK, sleep=Sleeps()
    ) as client:
        with pytest.raises(YooKassaTransientError):
            await client.get_payment("2419a771-000f-5000-9000-1edaf29243f2")


def test_a_client_needs_credentials() -> None:
    with pytest.raises(ValueError, match="shop_id"):
        YooKassaClient(api_base="http://127.0.0.1:1/v3", shop_id="", secret_key=SECRET)
