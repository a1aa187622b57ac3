"""The pure rules of manual transfers: typed amounts, preset buttons, what counts as a receipt
document, and the order state machine (no way out of rejected; expired only to paid)."""

import pytest

from trt.domain.manual_topups import ManualOffer, document_receipt, parse_rubles
from trt.domain.money import Kopecks
from trt.domain.payments import ORDER_TRANSITIONS, OrderStatus, can_move

LOW, HIGH = 10_000, 5_000_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1500", 150_000),
        ("1 500", 150_000),
        ("1500 ₽", 150_000),
        ("1500руб", 150_000),
        ("99.50", None),  # below the minimum of 100 ₽
        ("150.50", 15_050),
        ("150,5", 15_050),
        ("50000", 5_000_000),
        ("50000.01", None),
        ("100.005", None),
        ("-500", None),
        ("+500", None),
        ("", None),
        ("a lot", None),
        ("1e3", None),
        ("NaN", None),
    ],
)
def test_a_typed_amount(text: str, expected: int | None) -> None:
    assert parse_rubles(text, low=LOW, high=HIGH) == expected


@pytest.mark.parametrize(
    ("low", "high", "presets"),
    [
        (10_000, 5_000_000, (30_000, 50_000, 100_000, 200_000, 500_000)),
        (60_000, 150_000, (100_000,)),
        (60_000, 70_000, (60_000,)),  # no preset fits: the minimum is offered
    ],
)
def test_presets_stay_within_the_bounds(low: int, high: int, presets: tuple[int, ...]) -> None:
    offer = ManualOffer("details", Kopecks(low), Kopecks(high))
    assert offer.presets == presets
    assert all(offer.allows(amount) for amount in offer.presets)


def test_an_offer_without_details_is_off() -> None:
    assert not ManualOffer(None, Kopecks(1), Kopecks(2)).enabled
    assert not ManualOffer("   ", Kopecks(1), Kopecks(2)).enabled
    assert ManualOffer("IBAN …", Kopecks(1), Kopecks(2)).enabled


@pytest.mark.parametrize(
    ("mime", "name", "accepted"),
    [
        ("application/pdf", "receipt.pdf", True),
        ("application/octet-stream", "RECEIPT.PDF", True),
        ("image/jpeg", "scan.jpg", True),
        ("image/png", None, True),
        ("application/msword", "receipt.doc", False),
        ("application/zip", "receipt.zip", False),
        (None, None, False),
    ],
)
def test_which_documents_are_receipts(mime: str | None, name: str | None, accepted: bool) -> None:
    assert document_receipt(mime, name) is accepted


def test_the_order_state_machine() -> None:
    assert set(ORDER_TRANSITIONS) == set(OrderStatus)
    assert can_move(OrderStatus.PENDING, OrderStatus.REJECTED)
    assert can_move(OrderStatus.PENDING, OrderStatus.EXPIRED)
    assert can_move(OrderStatus.EXPIRED, OrderStatus.PAID)  # a late Stars charge is credited
    assert not can_move(OrderStatus.EXPIRED, OrderStatus.REJECTED)
    for final in (OrderStatus.REJECTED, OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        assert ORDER_TRANSITIONS[final] == frozenset()
