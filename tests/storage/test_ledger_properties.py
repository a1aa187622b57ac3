"""Random sequences of money operations keep balance == sum(ledger) and never go negative."""

import asyncio
import itertools
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ManualClock
from trt.domain.errors import HoldAlreadySettled, InsufficientFunds, UnknownHold
from trt.domain.ledger import EntryKind
from trt.services.billing import Billing
from trt.storage import ledger
from trt.storage.database import Database

_user_ids = itertools.count(10_000)

amounts = st.integers(min_value=1, max_value=50_000)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("credit"), amounts),
        st.tuples(st.just("debit"), amounts),
        st.tuples(st.just("hold"), amounts),
        st.tuples(st.just("capture"), st.integers(0, 20)),
        st.tuples(st.just("release"), st.integers(0, 20)),
        st.tuples(st.just("adjust"), st.integers(-50_000, 50_000).filter(bool)),
        st.tuples(st.just("repeat"), st.integers(0, 40)),
    ),
    max_size=25,
)


@dataclass
class Model:
    """What the balance must be, computed without a database."""

    available: int = 0
    held: int = 0
    holds: dict[str, int] = field(default_factory=dict)  # hold key -> amount, while held
    done: list[tuple[str, int, str]] = field(default_factory=list)  # (op, amount, key)


async def apply(billing: Billing, model: Model, user: int, op: str, arg: int, n: int) -> None:
    key = f"{user}:{n}"
    try:
        if op == "credit":
            await billing.credit(user_id=user, amount=arg, kind=EntryKind.TOPUP, key=key)
            model.available += arg
        elif op in ("debit", "adjust"):
            if op == "debit":
                await billing.debit(user_id=user, amount=arg, key=key, reason="test")
                model.available -= arg
            else:
                await billing.adjust(user_id=user, amount=arg, key=key, reason="test")
                model.available += arg
        elif op == "hold":
            await billing.hold(user_id=user, amount=arg, key=key, reference="p")
            model.available -= arg
            model.held += arg
            model.holds[key] = arg
        elif op in ("capture", "release"):
            hold_key = f"{user}:{arg}"
            settle = billing.capture if op == "capture" else billing.release
            await settle(hold_key=hold_key, key=f"{key}:{op}")
            amount = model.holds.pop(hold_key)
            model.held -= amount
            if op == "release":
                model.available += amount
        elif op == "repeat" and model.done:
            prev_op, prev_amount, prev_key = model.done[arg % len(model.done)]
            if prev_op == "credit":
                result = await billing.credit(
                    user_id=user, amount=prev_amount, kind=EntryKind.TOPUP, key=prev_key
                )
                assert result.duplicate
            return
        else:
            return
        model.done.append((op, arg, key))
    except (InsufficientFunds, UnknownHold, HoldAlreadySettled):
        assert op in ("debit", "adjust", "hold", "capture", "release")


async def run(url: str, ops: list[tuple[str, int]]) -> None:
    database = Database(url)
    billing = Billing(db=database, clock=ManualClock())
    user = next(_user_ids)
    model = Model()
    try:
        await billing.open_account(user_id=user)
        for n, (op, arg) in enumerate(ops):
            await apply(billing, model, user, op, arg, n)
            async with database.read() as tx:
                balance = await ledger.get_balance(tx, user)
                sums = await ledger.ledger_sums(tx, user)
            assert (balance.available, balance.held) == (model.available, model.held)
            assert (sums.available, sums.held) == (model.available, model.held)
            assert balance.available >= 0
            assert balance.held >= 0
    finally:
        await database.dispose()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_random_operations_keep_the_ledger_and_balance_equal(db_url: str, ops: list) -> None:
    asyncio.run(run(db_url, ops))
