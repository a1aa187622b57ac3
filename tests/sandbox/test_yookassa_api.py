"""The YooKassa simulator's API as YooKassa documents it: Basic auth, the Idempotence-Key,
validation of the amount and the 54-FZ receipt with YooKassa-shaped errors, reading a payment.
A plain aiohttp client speaks to it, so the bot's own client cannot hide a misreading."""

import asyncio
import copy
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from trt.sandbox.yookassa import Fault, YooKassaSimulator

SHOP, SECRET = "100500", "test_secret"


def valid_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "amount": {"value": "300.00", "currency": "RUB"},
        "capture": True,
        "confirmation": {"type": "redirect", "return_url": "https://t.me/trt_bot"},
        "description": "Пополнение баланса, заказ №1",
        "metadata": {"order_id": "1"},
        "receipt": {
            "customer": {"email": "payer@example.com"},
            "items": [
                {
                    "description": "Пополнение баланса",
                    "quantity": "1",
                    "amount": {"value": "300.00", "currency": "RUB"},
                    "vat_code": 1,
                    "payment_mode": "full_prepayment",
                    "payment_subject": "payment",
                }
            ],
        },
    }
    body.update(changes)
    return body


class Shop:
    """The shop's side of the API, over plain HTTP."""

    def __init__(self, session: aiohttp.ClientSession, sim: YooKassaSimulator) -> None:
        self.session = session
        self.base = sim.api_base
        self.auth = aiohttp.encode_basic_auth(SHOP, SECRET)

    async def create(
        self,
        body: Any,
        *,
        key: str | None = "key-1",
        auth: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": auth or self.auth}
        if key is not None:
            headers["Idempotence-Key"] = key
        async with self.session.post(
            f"{self.base}/payments", json=body, headers=headers
        ) as response:
            return response.status, await response.json()

    async def read(self, payment_id: str) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": self.auth}
        async with self.session.get(f"{self.base}/payments/{payment_id}", headers=headers) as r:
            return r.status, await r.json()


@pytest.fixture
async def yookassa() -> AsyncIterator[YooKassaSimulator]:
    async with YooKassaSimulator(shop_id=SHOP, secret_key=SECRET) as simulator:
        yield simulator


@pytest.fixture
async def shop(yookassa: YooKassaSimulator) -> AsyncIterator[Shop]:
    async with aiohttp.ClientSession() as session:
        yield Shop(session, yookassa)


async def test_a_payment_is_created_pending_with_a_confirmation_url(
    shop: Shop, yookassa: YooKassaSimulator
) -> None:
    status, payment = await shop.create(valid_body())

    assert status == 200
    assert payment["status"] == "pending"
    assert payment["paid"] is False
    assert payment["amount"] == {"value": "300.00", "currency": "RUB"}
    assert payment["metadata"] == {"order_id": "1"}
    assert payment["recipient"]["account_id"] == SHOP
    confirmation = payment["confirmation"]
    assert confirmation["type"] == "redirect"
    assert confirmation["return_url"] == "https://t.me/trt_bot"
    assert confirmation["confirmation_url"] == f"{yookassa.base_url}/checkout/{payment['id']}"
    assert await shop.read(payment["id"]) == (200, payment)


@pytest.mark.parametrize(
    "auth",
    [
        aiohttp.encode_basic_auth(SHOP, "wrong"),
        aiohttp.encode_basic_auth("999", SECRET),
        aiohttp.encode_basic_auth(SHOP),
        "Bearer test_secret",
        "Basic !!!",
    ],
)
async def test_wrong_credentials_get_401_and_create_nothing(
    shop: Shop, yookassa: YooKassaSimulator, auth: str
) -> None:
    status, error = await shop.create(valid_body(), auth=auth)

    assert status == 401
    assert (error["type"], error["code"]) == ("error", "invalid_credentials")
    assert yookassa.payments() == []


async def test_a_request_without_any_authorization_gets_401(shop: Shop) -> None:
    async with shop.session.get(f"{shop.base}/payments/whatever") as response:
        assert response.status == 401
        assert (await response.json())["code"] == "invalid_credentials"


async def test_the_same_key_and_body_make_one_payment_even_at_once(
    shop: Shop, yookassa: YooKassaSimulator
) -> None:
    answers = await asyncio.gather(*(shop.create(valid_body(), key="order-7") for _ in range(5)))

    assert {status for status, _ in answers} == {200}
    assert len({payment["id"] for _, payment in answers}) == 1
    assert len(yookassa.payments()) == 1


async def test_the_same_key_with_another_body_is_refused_like_yookassa(
    shop: Shop, yookassa: YooKassaSimulator
) -> None:
    await shop.create(valid_body(), key="order-8")
    changed = valid_body(description="another order")

    status, error = await shop.create(changed, key="order-8")

    assert status == 400
    assert error["type"] == "error"
    assert error["code"] == "invalid_request"
    assert error["parameter"] == "Idempotence-Key"
    assert len(yookassa.payments()) == 1


@pytest.mark.parametrize("key", [None, "", "k" * 65])
async def test_a_create_needs_an_idempotence_key_of_at_most_64_chars(
    shop: Shop, yookassa: YooKassaSimulator, key: str | None
) -> None:
    status, error = await shop.create(valid_body(), key=key)

    assert status == 400
    assert (error["code"], error["parameter"]) == ("invalid_request", "Idempotence-Key")
    assert yookassa.payments() == []


def with_receipt(change: Any) -> dict[str, Any]:
    body = valid_body()
    change(body["receipt"])
    return body


def without(key: str) -> Any:
    return lambda mapping: mapping.pop(key)


BAD_BODIES = [
    ("amount", valid_body(amount={"value": "300.001", "currency": "RUB"})),
    ("amount", valid_body(amount={"value": "-1.00", "currency": "RUB"})),
    ("amount", valid_body(amount={"value": "0", "currency": "RUB"})),
    ("amount", valid_body(amount=300)),
    ("amount.currency", valid_body(amount={"value": "300.00", "currency": "USD"})),
    ("confirmation", valid_body(confirmation=None)),
    ("confirmation.type", valid_body(confirmation={"type": "embedded"})),
    ("confirmation.return_url", valid_body(confirmation={"type": "redirect"})),
    ("description", valid_body(description="x" * 129)),
    ("metadata", valid_body(metadata={f"k{n}": "v" for n in range(17)})),
    ("metadata", valid_body(metadata={"order_id": 1})),
    ("receipt", valid_body(receipt=None)),
    ("receipt.customer", with_receipt(without("customer"))),
    ("receipt.customer", with_receipt(lambda r: r.update(customer={}))),
    ("receipt.customer.email", with_receipt(lambda r: r.update(customer={"email": "nope"}))),
    ("receipt.customer.phone", with_receipt(lambda r: r.update(customer={"phone": "+7 912"}))),
    ("receipt.items", with_receipt(lambda r: r.update(items=[]))),
    ("receipt.items[0].description", with_receipt(lambda r: r["items"][0].update(description=""))),
    (
        "receipt.items[0].description",
        with_receipt(lambda r: r["items"][0].update(description="x" * 129)),
    ),
    ("receipt.items[0].quantity", with_receipt(lambda r: r["items"][0].update(quantity="0"))),
    ("receipt.items[0].vat_code", with_receipt(lambda r: r["items"][0].update(vat_code=99))),
    ("receipt.tax_system_code", with_receipt(lambda r: r.update(tax_system_code=9))),
    (
        "receipt.items",
        with_receipt(lambda r: r["items"][0].update(amount={"value": "299.99", "currency": "RUB"})),
    ),
    ("receipt.items", with_receipt(lambda r: r["items"][0].update(quantity="2"))),
]


@pytest.mark.parametrize(("parameter", "body"), BAD_BODIES)
async def test_an_invalid_payment_is_refused_with_the_parameter_named(
    shop: Shop, yookassa: YooKassaSimulator, parameter: str, body: dict[str, Any]
) -> None:
    status, error = await shop.create(copy.deepcopy(body), key=f"bad-{parameter}")

    assert status == 400
    assert error["type"] == "error"
    assert error["code"] == "invalid_request"
    assert error["parameter"] == parameter
    assert error["description"]
    assert error["id"]
    assert yookassa.payments() == []


async def test_a_receipt_of_several_items_must_add_up_exactly(shop: Shop) -> None:
    item = valid_body()["receipt"]["items"][0]
    split = [
        dict(item, amount={"value": "100.00", "currency": "RUB"}, quantity="2"),
        dict(item, amount={"value": "100", "currency": "RUB"}, quantity=1),
    ]
    body = valid_body(
        receipt={"customer": {"phone": "79123456789"}, "items": split, "tax_system_code": 1}
    )

    status, payment = await shop.create(body)

    assert status == 200
    assert payment["amount"]["value"] == "300.00"


async def test_a_body_that_is_not_json_gets_a_400_error_object(shop: Shop) -> None:
    async with shop.session.post(
        f"{shop.base}/payments",
        data=b"{not json",
        headers={
            "Idempotence-Key": "k",
            "Content-Type": "application/json",
            "Authorization": shop.auth,
        },
    ) as response:
        assert response.status == 400
        assert (await response.json())["code"] == "invalid_request"


async def test_an_unknown_payment_is_404_not_found(shop: Shop) -> None:
    status, error = await shop.read("2419a771-000f-5000-9000-1edaf29243f2")

    assert status == 404
    assert (error["type"], error["code"]) == ("error", "not_found")


async def test_a_fault_after_processing_loses_the_answer_but_keeps_the_payment(
    shop: Shop, yookassa: YooKassaSimulator
) -> None:
    yookassa.inject_fault(Fault(status=500, after_processing=True))

    status, error = await shop.create(valid_body(), key="order-9")
    assert (status, error["code"]) == (500, "internal_server_error")
    [made] = yookassa.payments()

    status, again = await shop.create(valid_body(), key="order-9")
    assert (status, again["id"]) == (200, made["id"])
    assert len(yookassa.payments()) == 1


async def test_a_fault_before_processing_makes_nothing(
    shop: Shop, yookassa: YooKassaSimulator
) -> None:
    yookassa.inject_fault(Fault(status=429, count=2))

    first = await shop.create(valid_body(), key="order-10")
    second = await shop.create(valid_body(), key="order-10")
    third = await shop.create(valid_body(), key="order-10")

    assert [first[0], second[0], third[0]] == [429, 429, 200]
    assert first[1]["code"] == "too_many_requests"
    assert len(yookassa.payments()) == 1
