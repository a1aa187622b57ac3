"""The KIE low-balance alert: once per crossing, at most once an hour, across instances."""

from decimal import Decimal

from tests.conftest import ManualClock
from trt.kie import KieClient
from trt.sandbox.kie import KieSimulator
from trt.services.admin import LowBalanceWatch
from trt.storage.database import Database


class RecordingAdmins:
    """The admins' side of the port, recorded."""

    def __init__(self) -> None:
        self.alerts: list[Decimal] = []

    async def low_kie_balance(self, *, admin_ids: frozenset[int], credits: Decimal) -> None:
        assert admin_ids == frozenset({1, 2})
        self.alerts.append(credits)


async def test_admins_are_alerted_once_per_crossing_and_at_most_hourly(
    db: Database, clock: ManualClock
) -> None:
    admins = RecordingAdmins()
    async with (
        KieSimulator(api_key="k", credits=5_000) as sim,
        KieClient(api_base=sim.base_url, upload_base=sim.base_url, api_key="k") as kie,
    ):

        def watch() -> LowBalanceWatch:  # a fresh instance, as after a restart
            return LowBalanceWatch(
                db=db,
                clock=clock,
                kie=kie,
                notifier=admins,
                admin_ids=frozenset({1, 2}),
                threshold=Decimal(1000),
            )

        first = watch()
        assert not await first.check()  # 5,000 credits: fine
        sim.set_credits(900)
        assert await first.check()
        assert not await first.check()  # still below: already told
        clock.advance(minutes=10)
        assert not await watch().check()  # another instance within the hour stays quiet
        sim.set_credits(2_000)
        assert not await first.check()
        sim.set_credits(500)
        clock.advance(minutes=20)
        assert not await first.check()  # a new crossing, but within the hour of the last alert
        clock.advance(minutes=31)
        assert await watch().check()

    assert admins.alerts == [Decimal(900), Decimal(500)]
