"""The chaos checks themselves: a clean end state passes, and each kind of damage is named."""

from datetime import date
from typing import Any

from tests.chaos import invariants
from tests.chaos.invariants import Expectations, Snapshot
from trt.sandbox.botapi import BotApiEmulator, Call
from trt.sandbox.botapi.payments import Invoice

USER = 501
PRICE = 400
GRANT = 1_000


def entry(key: str, available: int, held: int = 0, user: int = USER) -> dict[str, Any]:
    return {
        "idempotency_key": key,
        "user_id": user,
        "available_delta": available,
        "held_delta": held,
    }


def clean() -> tuple[Snapshot, BotApiEmulator]:
    """One paid job delivered, one free job failed, one Stars top-up of 100 ₽, all settled."""
    telegram = BotApiEmulator()
    invoice = Invoice(USER, 1, "Stars", "top-up", "topup:501:x", "XTR", 50)
    charge = telegram.ctx.payments.charge(invoice, USER)
    message = {"message_id": 7, "chat": {"id": USER}}
    telegram.log.add(Call("sendPhoto", {"chat_id": USER}, {}, message, None, 0.0))
    entries = [
        entry("grant", GRANT),
        entry(f"tg-charge:{charge.telegram_payment_charge_id}", 10_000),
        entry("job-hold:1", -PRICE, PRICE),
        entry("job-capture:1", 0, -PRICE),
    ]
    state = Snapshot(
        jobs=[
            job(1, status="succeeded", is_free=False, result={"files": [{"url": "u"}]}),
            job(2, status="failed", is_free=True),
        ],
        entries={e["idempotency_key"]: e for e in entries},
        holds={"job-hold:1": {"amount": PRICE, "status": "captured"}},
        balances={USER: {"available": GRANT + 10_000 - PRICE, "held": 0}},
        deliveries={1: {"status": "sent", "message_ids": [7], "last_error": None}},
        free_uses={
            "free-use:2": {"user_id": USER, "day": date(2026, 1, 1), "delta": 1},
            "free-return:2": {"user_id": USER, "day": date(2026, 1, 1), "delta": -1},
        },
        orders={"topup:501:x": {"credit": 10_000}},
    )
    return state, telegram


def job(job_id: int, *, status: str, is_free: bool, result: Any = None) -> dict[str, Any]:
    price = 0 if is_free else PRICE
    return {
        "id": job_id,
        "user_id": USER,
        "chat_id": USER,
        "model_id": "m",
        "status": status,
        "is_free": is_free,
        "price": price,
        "result": result,
    }


EXPECT = Expectations(grants={USER: GRANT}, blocked=frozenset(), free_quota=3)


def test_a_clean_end_state_has_no_violations() -> None:
    state, telegram = clean()
    assert invariants.check(state, telegram, EXPECT) == []


def test_a_job_charged_and_refunded_or_left_running_is_named() -> None:
    state, telegram = clean()
    state.entries["job-release:1"] = entry("job-release:1", PRICE, -PRICE)
    state.jobs.append(job(3, status="running", is_free=True))
    found = invariants.check(state, telegram, EXPECT)
    assert any("job 1 succeeded: release" in problem for problem in found)
    assert any("job 3 (m) ended running" in problem for problem in found)


def test_a_result_sent_twice_or_never_is_named() -> None:
    state, telegram = clean()
    again = {"message_id": 8, "chat": {"id": USER}}
    telegram.log.add(Call("sendPhoto", {"chat_id": USER}, {}, again, None, 0.0))
    [problem] = invariants.deliveries_once(state, telegram, blocked=())
    assert "not recorded [8]" in problem
    telegram.log.entries.clear()
    assert any("absent [7]" in p for p in invariants.deliveries_once(state, telegram, blocked=()))


def test_a_payment_never_credited_or_credited_from_nowhere_is_named() -> None:
    state, telegram = clean()
    [key] = [k for k in state.entries if k.startswith("tg-charge:")]
    state.entries["tg-charge:forged"] = state.entries.pop(key) | {
        "idempotency_key": "tg-charge:forged"
    }
    found = invariants.payments_once(state, telegram)
    assert any("was never credited" in problem for problem in found)
    assert "ledger entry tg-charge:forged matches no charge" in found


def test_a_balance_apart_from_its_ledger_or_negative_is_named() -> None:
    state, telegram = clean()
    state.balances[USER] = {"available": -5, "held": 0}
    found = invariants.balances_exact(state, telegram, EXPECT.grants)
    assert any("negative balance" in problem for problem in found)
    assert any("!= ledger sums" in problem for problem in found)


def test_free_uses_over_the_quota_or_unreturned_are_named() -> None:
    state, _ = clean()
    del state.free_uses["free-return:2"]
    for n in range(4):
        state.free_uses[f"x{n}"] = {"user_id": USER, "day": date(2026, 1, 2), "delta": 1}
    found = invariants.free_quota(state, quota=3)
    assert "free job 2 failed: return None" in found
    assert "user 501 used 4 free generations on 2026-01-02 (quota 3)" in found


def test_a_message_sent_just_before_a_kill_is_the_documented_window_not_a_violation() -> None:
    state, telegram = clean()
    again = {"message_id": 8, "chat": {"id": USER}}
    telegram.log.add(Call("sendPhoto", {"chat_id": USER}, {}, again, None, 100.0))
    assert invariants.deliveries_once(state, telegram, blocked=(), kills=(100.2,)) == []
    assert invariants.kill_window_duplicates(state, telegram, kills=(100.2,)) == [
        f"chat {USER}: message 8 sent, then the bot was killed before recording it"
    ]
    assert invariants.deliveries_once(state, telegram, blocked=(), kills=(102.0,)) != []
    assert invariants.kill_window_duplicates(state, telegram, kills=(102.0,)) == []


def test_a_message_read_by_telegram_just_after_its_sender_died_is_the_same_window() -> None:
    state, telegram = clean()
    again = {"message_id": 8, "chat": {"id": USER}}
    telegram.log.add(Call("sendPhoto", {"chat_id": USER}, {}, again, None, 100.0))
    assert invariants.deliveries_once(state, telegram, blocked=(), kills=(99.8,)) == []
    assert invariants.deliveries_once(state, telegram, blocked=(), kills=(98.0,)) != []


def test_a_kill_while_the_progress_commit_waits_out_a_database_outage_is_the_same_window() -> None:
    state, telegram = clean()
    again = {"message_id": 8, "chat": {"id": USER}}
    telegram.log.add(Call("sendPhoto", {"chat_id": USER}, {}, again, None, 100.0))
    outage = ((100.1, 101.5),)  # began right after the accept, healed at 101.5

    assert invariants.deliveries_once(state, telegram, (), kills=(103.0,), outages=outage) == []
    assert invariants.kill_window_duplicates(state, telegram, (103.0,), outage) != []
    # An outage long after the accept, or a kill long after the outage ended, excuses nothing.
    later = ((101.0, 102.0),)
    assert invariants.deliveries_once(state, telegram, (), kills=(103.0,), outages=later) != []
    assert invariants.deliveries_once(state, telegram, (), kills=(110.0,), outages=outage) != []


def test_a_user_who_blocked_the_bot_may_get_part_of_a_result_and_no_more() -> None:
    state, telegram = clean()
    state.jobs[0]["result"] = {"files": [{"url": "a"}, {"url": "b"}]}
    error = "recipient unavailable: Forbidden: bot was blocked by the user"
    state.deliveries[1] = {"status": "failed", "message_ids": [7], "last_error": error}
    assert invariants.deliveries_once(state, telegram, blocked={USER}) == []
    assert invariants.deliveries_once(state, telegram, blocked=()) != []
