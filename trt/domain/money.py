"""Money is an integer number of kopecks; never a float.

Rubles appear only at the edges: parsing an operator's setting and formatting for a person.
"""

from decimal import ROUND_CEILING, Decimal
from typing import NewType

Kopecks = NewType("Kopecks", int)

KOPECKS_PER_RUBLE = 100


def rubles(amount: int) -> Kopecks:
    """Whole rubles to kopecks."""
    return Kopecks(amount * KOPECKS_PER_RUBLE)


def ceil_to_ruble(amount: Decimal) -> Kopecks:
    """Round a ruble amount up to whole rubles and return it in kopecks."""
    whole = amount.to_integral_value(rounding=ROUND_CEILING)
    return Kopecks(int(whole) * KOPECKS_PER_RUBLE)


def format_rub(amount: int) -> str:
    """1234 -> '12.34 ₽', 1200 -> '12 ₽', -50 -> '-0.50 ₽'."""
    sign = "-" if amount < 0 else ""
    whole, part = divmod(abs(amount), KOPECKS_PER_RUBLE)
    if part == 0:
        return f"{sign}{whole:,} ₽".replace(",", " ")
    return f"{sign}{whole:,}.{part:02d} ₽".replace(",", " ")


def decimal_rubles(amount: int) -> str:
    """Kopecks as the decimal string payment APIs want: 10000 -> '100.00'."""
    whole, part = divmod(amount, KOPECKS_PER_RUBLE)
    return f"{whole}.{part:02d}"
