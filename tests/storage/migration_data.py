"""Rows written right after each migration; they must survive every later one unchanged.

A new migration adds an entry here (the stairway test fails until it does), writing rows into
the tables as they stand at that revision, in plain SQL so later schema changes do not matter.
"""

from collections.abc import Awaitable, Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

NOW = "2026-01-12 10:00:00"

Seed = Callable[[AsyncConnection], Awaitable[None]]
Snapshot = dict[str, list[tuple[object, ...]]]


async def seed_0001(conn: AsyncConnection) -> None:
    statements = [
        "INSERT INTO users (id, username, first_name, language, is_banned, is_active, created_at,"
        f" last_seen_at) VALUES (501, 'anna', 'Анна', 'ru', false, true, '{NOW}', '{NOW}')",
        "INSERT INTO balances (user_id, available, held, updated_at)"
        f" VALUES (501, 9000, 1000, '{NOW}')",
        "INSERT INTO ledger_entries (user_id, kind, available_delta, held_delta, idempotency_key,"
        f" created_at) VALUES (501, 'topup', 10000, 0, 'tg-charge:x1', '{NOW}')",
        "INSERT INTO ledger_entries (user_id, kind, available_delta, held_delta, idempotency_key,"
        " reference, created_at) VALUES"
        f" (501, 'hold', -1000, 1000, 'job-hold:1', 'job:1', '{NOW}')",
        "INSERT INTO holds (user_id, hold_key, amount, status, created_at)"
        f" VALUES (501, 'job-hold:1', 1000, 'held', '{NOW}')",
        "INSERT INTO jobs (user_id, chat_id, model_id, family, status, is_free, price, inputs,"
        " correlation_id, task_id, deadline_at, created_at, updated_at) VALUES (501, 501,"
        " 'z-image', 'market', 'submitted', false, 1000, '{\"prompt\": \"кот\"}', 'corr-1',"
        f" 'task_1', '{NOW}', '{NOW}', '{NOW}')",
    ]
    for statement in statements:
        await conn.execute(sa.text(statement))


async def seed_0002(conn: AsyncConnection) -> None:
    data = '{"model": "z-image", "prompt": "кот"}'
    await conn.execute(
        sa.text(
            "INSERT INTO fsm_records (key, state, data, updated_at) VALUES"
            f" ('fsm:1:501:501:default', 'Wizard:prompt', '{data}', '{NOW}')"
        )
    )


async def seed_0003(conn: AsyncConnection) -> None:
    await conn.execute(
        sa.text(
            "INSERT INTO deliveries (job_id, status, attempts, due_at, created_at, updated_at)"
            f" SELECT id, 'pending', 0, '{NOW}', '{NOW}', '{NOW}' FROM jobs"
            " WHERE task_id = 'task_1'"
        )
    )
    await conn.execute(
        sa.text(
            "INSERT INTO free_uses (user_id, day, delta, idempotency_key, created_at)"
            f" VALUES (501, '2026-01-12', 1, 'free-use:1', '{NOW}')"
        )
    )


async def seed_0004(conn: AsyncConnection) -> None:
    await conn.execute(
        sa.text(
            "INSERT INTO processed_updates (update_id, bot_id, received_at)"
            f" VALUES (900001, 42, '{NOW}')"
        )
    )


async def seed_0005(conn: AsyncConnection) -> None:
    await conn.execute(
        sa.text(
            "INSERT INTO jobs (user_id, chat_id, model_id, family, status, is_free, price,"
            " inputs, correlation_id, deadline_at, created_at, updated_at, request_key)"
            " VALUES (501, 501, 'nano-banana', 'market', 'pending', false, 2000, '{}',"
            f" 'corr-5', '{NOW}', '{NOW}', '{NOW}', 'wizard:501:abc')"
        )
    )


async def seed_0006(conn: AsyncConnection) -> None:
    statements = [
        "INSERT INTO payment_orders (user_id, method, currency, amount, credit, status, payload,"
        " telegram_payment_charge_id, provider_payment_charge_id, created_at, updated_at,"
        " paid_at) VALUES (501, 'stars', 'XTR', 50, 10000, 'paid', 'topup:501:seed',"
        f" 'stxSEED', 'prov_seed', '{NOW}', '{NOW}', '{NOW}')",
        "INSERT INTO promo_codes (code, amount, max_uses, uses, expires_at, created_by,"
        f" created_at) VALUES ('WELCOME', 5000, 10, 1, '{NOW}', 777, '{NOW}')",
    ]
    for statement in statements:
        await conn.execute(sa.text(statement))


async def seed_0007(conn: AsyncConnection) -> None:
    statements = [
        "INSERT INTO admin_audit (admin_id, action, target, details, created_at)"
        f" VALUES (777, 'ban', '501', '{{}}', '{NOW}')",
        "INSERT INTO broadcasts (admin_id, language, status, text, total, created_at)"
        f" VALUES (777, 'ru', 'running', 'Привет', 1, '{NOW}')",
        "INSERT INTO broadcast_recipients (broadcast_id, user_id, status)"
        " SELECT id, 501, 'pending' FROM broadcasts WHERE text = 'Привет'",
    ]
    for statement in statements:
        await conn.execute(sa.text(statement))


async def seed_0008(conn: AsyncConnection) -> None:
    statements = [
        "INSERT INTO payment_orders (user_id, method, currency, amount, credit, status, payload,"
        " external_id, confirmation_url, created_at, updated_at) VALUES (501, 'yookassa', 'RUB',"
        " 50000, 50000, 'pending', 'topup:501:yk1', '2d8f1c3a-000f-5000-8000-1b2c3d4e5f60',"
        f" 'http://127.0.0.1/pay', '{NOW}', '{NOW}')",
        "INSERT INTO payment_orders (user_id, method, currency, amount, credit, status, payload,"
        " receipt_file_id, receipt_kind, created_at, updated_at) VALUES (501, 'manual', 'RUB',"
        f" 30000, 30000, 'pending', 'topup:501:m1', 'file-1', 'photo', '{NOW}', '{NOW}')",
        "INSERT INTO model_overrides (model_id, enabled, price_kopecks, updated_by, updated_at)"
        f" VALUES ('z-image', false, 1500, 777, '{NOW}')",
    ]
    for statement in statements:
        await conn.execute(sa.text(statement))


SEEDS: dict[str, Seed] = {
    "0001": seed_0001,
    "0002": seed_0002,
    "0003": seed_0003,
    "0004": seed_0004,
    "0005": seed_0005,
    "0006": seed_0006,
    "0007": seed_0007,
    "0008": seed_0008,
}

# The rows each seed wrote, read back by key columns; compared before and after later steps.
WATCHED = {
    "users": "SELECT id, username, first_name, language FROM users ORDER BY id",
    "balances": "SELECT user_id, available, held FROM balances ORDER BY user_id",
    "ledger_entries": (
        "SELECT user_id, kind, available_delta, held_delta, idempotency_key FROM ledger_entries"
        " ORDER BY id"
    ),
    "holds": "SELECT hold_key, amount, status FROM holds ORDER BY id",
    "jobs": (
        "SELECT user_id, model_id, status, price, task_id, correlation_id FROM jobs ORDER BY id"
    ),
    "fsm_records": "SELECT key, state, data FROM fsm_records ORDER BY key",
    "deliveries": "SELECT job_id, status, attempts FROM deliveries ORDER BY job_id",
    "free_uses": "SELECT user_id, day, delta, idempotency_key FROM free_uses ORDER BY id",
    "processed_updates": "SELECT update_id, bot_id FROM processed_updates ORDER BY update_id",
    "payment_orders": (
        "SELECT user_id, method, amount, credit, status, payload, telegram_payment_charge_id"
        " FROM payment_orders ORDER BY id"
    ),
    "promo_codes": "SELECT code, amount, max_uses, uses FROM promo_codes ORDER BY code",
    "admin_audit": "SELECT admin_id, action, target FROM admin_audit ORDER BY id",
    "broadcasts": "SELECT admin_id, status, text, total FROM broadcasts ORDER BY id",
    "broadcast_recipients": (
        "SELECT broadcast_id, user_id, status FROM broadcast_recipients"
        " ORDER BY broadcast_id, user_id"
    ),
    "model_overrides": (
        "SELECT model_id, enabled, price_kopecks, updated_by FROM model_overrides ORDER BY model_id"
    ),
}


async def snapshot(conn: AsyncConnection, tables: set[str]) -> Snapshot:
    result: Snapshot = {}
    for table, query in WATCHED.items():
        if table in tables:
            result[table] = [tuple(row) for row in (await conn.execute(sa.text(query))).all()]
    return result
