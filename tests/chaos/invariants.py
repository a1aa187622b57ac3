"""What must hold after a chaos run has settled, read from the database, the Bot API
emulator's record of what reached each chat, and the emulator's record of Stars charges.

Each check returns human-readable violations; an empty list means the guarantee held.
"""

import hashlib
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.domain.ledger import job_capture_key, job_hold_key, job_release_key, telegram_charge_key
from trt.domain.quota import free_return_key, free_use_key
from trt.sandbox.botapi import BotApiEmulator
from trt.storage.database import Database
from trt.storage.tables import (
    balances,
    deliveries,
    free_uses,
    holds,
    jobs,
    ledger_entries,
    payment_orders,
)

RESULT_METHODS = frozenset(
    {"sendPhoto", "sendVideo", "sendAudio", "sendDocument", "sendAnimation", "sendVoice"}
)
ALBUM_METHOD = "sendMediaGroup"
RECIPIENT_GONE = "recipient unavailable"
# A result message accepted this shortly before a kill -9 and never recorded falls in the
# window delivery.py documents (Telegram has no idempotency key for a send).
KILL_WINDOW = 0.5
# The emulator stamps a message when it has read the whole request, which a process killed
# just after writing it no longer waits for: the harness can see the death first (CI, seed 228).
IN_FLIGHT_AT_DEATH = 0.5
# A delivery retries a failed progress commit with pauses up to 5 s (trt/services/delivery.py):
# a kill within that much of an outage's end can still find the commit not yet made.
COMMIT_RETRY_SLACK = 5.0 + KILL_WINDOW


@dataclass(frozen=True)
class Expectations:
    """What the harness itself knows: the users, what it granted them, who blocked the bot."""

    grants: dict[int, int]  # user id → kopecks credited before the run
    blocked: frozenset[int]  # users who blocked the bot at some point of the run
    free_quota: int
    kills: tuple[float, ...] = ()  # wall-clock times of every kill -9 and crash point
    outages: tuple[tuple[float, float], ...] = ()  # (start, end) of every DB cut or outage


@dataclass(frozen=True)
class Snapshot:
    jobs: list[dict[str, Any]]
    entries: dict[str, dict[str, Any]]  # idempotency key → ledger entry
    holds: dict[str, dict[str, Any]]  # hold key → hold
    balances: dict[int, dict[str, Any]]
    deliveries: dict[int, dict[str, Any]]
    free_uses: dict[str, dict[str, Any]]  # idempotency key → entry
    orders: dict[str, dict[str, Any]]  # payload → order


async def snapshot(db: Database) -> Snapshot:
    async with db.read() as tx:
        return Snapshot(
            jobs=await _rows(tx, jobs),
            entries=_by(await _rows(tx, ledger_entries), "idempotency_key"),
            holds=_by(await _rows(tx, holds), "hold_key"),
            balances=_by(await _rows(tx, balances), "user_id"),
            deliveries=_by(await _rows(tx, deliveries), "job_id"),
            free_uses=_by(await _rows(tx, free_uses), "idempotency_key"),
            orders=_by(await _rows(tx, payment_orders), "payload"),
        )


def check(state: Snapshot, telegram: BotApiEmulator, expect: Expectations) -> list[str]:
    return [
        *jobs_terminal(state),
        *job_money(state),
        *free_quota(state, expect.free_quota),
        *deliveries_once(state, telegram, expect.blocked, expect.kills, expect.outages),
        *payments_once(state, telegram),
        *balances_exact(state, telegram, expect.grants),
    ]


def jobs_terminal(state: Snapshot) -> list[str]:
    return [
        f"job {job['id']} ({job['model_id']}) ended {job['status']}, not terminal"
        for job in state.jobs
        if job["status"] not in ("succeeded", "failed")
    ]


def job_money(state: Snapshot) -> list[str]:
    """A paid job holds its price once; success captures it, failure releases it."""
    found = []
    for job in state.jobs:
        if job["is_free"]:
            keys = (job_hold_key(job["id"]), job_capture_key(job["id"]), job_release_key(job["id"]))
            found += [
                f"free job {job['id']} has ledger entry {key}"
                for key in keys
                if key in state.entries
            ]
            continue
        found += _paid_job_money(state, job)
    return found


def _paid_job_money(state: Snapshot, job: dict[str, Any]) -> list[str]:
    job_id, price = job["id"], job["price"]
    hold = state.entries.get(job_hold_key(job_id))
    capture = state.entries.get(job_capture_key(job_id))
    release = state.entries.get(job_release_key(job_id))
    problems = []
    if hold is None or (hold["available_delta"], hold["held_delta"]) != (-price, price):
        problems.append(f"job {job_id}: hold entry {_deltas(hold)} is not (-{price}, +{price})")
    succeeded = job["status"] == "succeeded"
    wanted_capture = (0, -price) if succeeded else None
    wanted_release = None if succeeded else (price, -price)
    if _deltas(capture) != wanted_capture:
        problems.append(f"job {job_id} {job['status']}: capture {_deltas(capture)}")
    if _deltas(release) != wanted_release and job["status"] in ("succeeded", "failed"):
        problems.append(f"job {job_id} {job['status']}: release {_deltas(release)}")
    stored = state.holds.get(job_hold_key(job_id))
    wanted_status = {"succeeded": "captured", "failed": "released"}.get(job["status"], "held")
    if stored is None or (stored["amount"], stored["status"]) != (price, wanted_status):
        problems.append(f"job {job_id}: hold row {stored and (stored['amount'], stored['status'])}")
    return problems


def free_quota(state: Snapshot, quota: int) -> list[str]:
    """Each free job counts one use, given back if it failed; no day exceeds the quota."""
    problems = []
    for job in (job for job in state.jobs if job["is_free"]):
        use = state.free_uses.get(free_use_key(job["id"]))
        back = state.free_uses.get(free_return_key(job["id"]))
        if use is None or use["delta"] != 1:
            problems.append(f"free job {job['id']}: use entry {use and use['delta']}")
        wanted_back = -1 if job["status"] == "failed" else None
        if (back and back["delta"]) != wanted_back:
            problems.append(
                f"free job {job['id']} {job['status']}: return {back and back['delta']}"
            )
    per_day: Counter[tuple[int, Any]] = Counter()
    for entry in state.free_uses.values():
        per_day[(entry["user_id"], entry["day"])] += entry["delta"]
    problems += [
        f"user {user} used {used} free generations on {day} (quota {quota})"
        for (user, day), used in per_day.items()
        if not 0 <= used <= quota
    ]
    return problems


def deliveries_once(
    state: Snapshot,
    telegram: BotApiEmulator,
    blocked: Collection[int],
    kills: Sequence[float] = (),
    outages: Sequence[tuple[float, float]] = (),
) -> list[str]:
    """Every succeeded job's files reach its chat once: nothing missing, nothing extra.

    Extra messages sent just before a kill -9 are left to `kill_window_duplicates`.
    """
    problems = []
    recorded: dict[int, list[int]] = defaultdict(list)  # chat → ids the bot says it delivered
    for job in state.jobs:
        row = state.deliveries.get(job["id"])
        if job["status"] != "succeeded":
            if row is not None:
                problems.append(f"job {job['id']} {job['status']} has a delivery")
            continue
        files = len((job["result"] or {}).get("files") or [])
        ids = list(row["message_ids"] or []) if row is not None else []
        recorded[job["chat_id"]] += ids
        if row is not None and row["status"] == "sent" and len(ids) == files:
            continue
        if _refused_by_blocked(job, row, blocked, files):
            continue
        status = row and (row["status"], row["last_error"])
        problems.append(f"job {job['id']}: {files} file(s), delivery {status}, messages {ids}")
    sent = result_messages(telegram)
    excused = {m for m in _unrecorded(sent, recorded) if _before_a_kill(m, sent, kills, outages)}
    for chat_id in set(sent) | set(recorded):
        in_chat = Counter(message_id for message_id, _ in sent.get(chat_id, []))
        ours = Counter(recorded.get(chat_id, []))
        extra = sorted(m for m in (in_chat - ours).elements() if (chat_id, m) not in excused)
        missing = sorted((ours - in_chat).elements())
        if extra or missing:
            problems.append(
                f"chat {chat_id}: result messages not recorded {extra}, "
                f"recorded but absent {missing}"
            )
    return problems


def kill_window_duplicates(
    state: Snapshot,
    telegram: BotApiEmulator,
    kills: Sequence[float],
    outages: Sequence[tuple[float, float]] = (),
) -> list[str]:
    """Result messages accepted by Telegram and never recorded because a kill -9 came before the
    progress commit: within KILL_WINDOW s, or later while that commit was still being retried
    through a database outage that began right after the accept.

    trt/services/delivery.py documents this window: a process killed after Telegram accepted
    a message but before its progress commit leaves that one message to be sent again.
    """
    recorded: dict[int, list[int]] = defaultdict(list)
    for job in state.jobs:
        row = state.deliveries.get(job["id"])
        recorded[job["chat_id"]] += list(row["message_ids"] or []) if row is not None else []
    sent = result_messages(telegram)
    return [
        f"chat {chat_id}: message {message_id} sent, then the bot was killed before recording it"
        for chat_id, message_id in _unrecorded(sent, recorded)
        if _before_a_kill((chat_id, message_id), sent, kills, outages)
    ]


def _refused_by_blocked(
    job: dict[str, Any], row: dict[str, Any] | None, blocked: Collection[int], files: int
) -> bool:
    """The user blocked the bot: the delivery stopped for good, some files may have gone out."""
    return (
        row is not None
        and row["status"] == "failed"
        and job["user_id"] in blocked
        and (row["last_error"] or "").startswith(RECIPIENT_GONE)
        and len(row["message_ids"] or []) < files
    )


def _unrecorded(
    sent: dict[int, list[tuple[int, float]]], recorded: dict[int, list[int]]
) -> list[tuple[int, int]]:
    found = []
    for chat_id, messages in sent.items():
        extra = Counter(m for m, _ in messages) - Counter(recorded.get(chat_id, []))
        found += [(chat_id, message_id) for message_id in extra.elements()]
    return found


def _before_a_kill(
    message: tuple[int, int],
    sent: dict[int, list[tuple[int, float]]],
    kills: Sequence[float],
    outages: Sequence[tuple[float, float]] = (),
) -> bool:
    chat_id, message_id = message
    at = next(at for m, at in sent[chat_id] if m == message_id)
    if any(-IN_FLIGHT_AT_DEATH <= kill - at <= KILL_WINDOW for kill in kills):
        return True
    # The commit right after the accept met a database outage and was still being retried.
    blocked_until = [end for start, end in outages if start <= at + KILL_WINDOW and end >= at]
    return any(
        kill - at >= 0 and kill <= end + COMMIT_RETRY_SLACK
        for kill in kills
        for end in blocked_until
    )


def result_messages(telegram: BotApiEmulator) -> dict[int, list[tuple[int, float]]]:
    """(message id, when Telegram accepted it) of every result file that reached each chat."""
    found: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for call in telegram.log.entries:
        if not call.ok or (call.method not in RESULT_METHODS and call.method != ALBUM_METHOD):
            continue
        messages = call.result if isinstance(call.result, list) else [call.result]
        for message in messages:
            found[int(message["chat"]["id"])].append((int(message["message_id"]), call.at))
    return found


def duplicate_sends(telegram: BotApiEmulator) -> list[str]:
    """Messages that reached one chat twice with the same content (text, buttons, file bytes).

    Only meaningful where the bot has no reason to repeat itself (distinct prompts and models).
    """
    seen: Counter[tuple[object, ...]] = Counter()
    for call in telegram.log.entries:
        if not call.ok or not call.method.startswith("send"):
            continue
        files = tuple(
            sorted(hashlib.sha256(upload.data).hexdigest() for upload in call.files.values())
        )
        content = (
            call.params.get("text"),
            call.params.get("caption"),
            str(call.params.get("reply_markup")),
        )
        seen[(call.params.get("chat_id"), call.method, content, files)] += 1
    return [
        f"chat {chat}: {method} sent {count} times: {content[0] or content[1]!r}"
        for (chat, method, content, _), count in seen.items()
        if count > 1
    ]


def payments_once(state: Snapshot, telegram: BotApiEmulator) -> list[str]:
    """Every Stars charge Telegram made is credited once, at its order's amount, and only those."""
    problems = []
    charges = telegram.ctx.payments.charges
    for charge_id, charge in charges.items():
        entry = state.entries.get(telegram_charge_key(charge_id))
        order = state.orders.get(charge.invoice.payload)
        if entry is None:
            problems.append(f"charge {charge_id} of user {charge.user_id} was never credited")
            continue
        wanted = order["credit"] if order is not None else None
        if (entry["user_id"], entry["available_delta"]) != (charge.user_id, wanted):
            problems.append(
                f"charge {charge_id}: credited {entry['available_delta']} to {entry['user_id']}"
            )
    credited = {key for key in state.entries if key.startswith("tg-charge:")}
    unknown = credited - {telegram_charge_key(charge_id) for charge_id in charges}
    problems += [f"ledger entry {key} matches no charge" for key in sorted(unknown)]
    return problems


def balances_exact(state: Snapshot, telegram: BotApiEmulator, grants: dict[int, int]) -> list[str]:
    """Balance == the ledger, never negative, and exactly grants + top-ups − captured prices."""
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for entry in state.entries.values():
        sums[entry["user_id"]][0] += entry["available_delta"]
        sums[entry["user_id"]][1] += entry["held_delta"]
    expected = dict(grants)
    for charge in telegram.ctx.payments.charges.values():
        order = state.orders.get(charge.invoice.payload)
        expected[charge.user_id] = expected.get(charge.user_id, 0) + (
            order["credit"] if order else 0
        )
    for job in state.jobs:
        if job["status"] == "succeeded" and not job["is_free"]:
            expected[job["user_id"]] = expected.get(job["user_id"], 0) - job["price"]
    problems = []
    for user_id in set(sums) | set(state.balances) | set(expected):
        row = state.balances.get(user_id)
        actual = (row["available"], row["held"]) if row else (0, 0)
        if actual[0] < 0 or actual[1] < 0:
            problems.append(f"user {user_id}: negative balance {actual}")
        if list(actual) != sums[user_id]:
            problems.append(
                f"user {user_id}: balance {actual} != ledger sums {tuple(sums[user_id])}"
            )
        if actual != (expected.get(user_id, 0), 0):
            problems.append(
                f"user {user_id}: balance {actual}, expected ({expected.get(user_id, 0)}, 0)"
            )
    return problems


async def _rows(tx: AsyncConnection, table: sa.Table) -> list[dict[str, Any]]:
    return [dict(row) for row in (await tx.execute(sa.select(table))).mappings()]


def _by(rows: Iterable[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in rows}


def _deltas(entry: dict[str, Any] | None) -> tuple[int, int] | None:
    return None if entry is None else (entry["available_delta"], entry["held_delta"])
