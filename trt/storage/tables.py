"""Every table and constraint, in one place.

Money invariants live here as well as in code: balances never go negative (CHECK), every
ledger entry has a unique idempotency key, a hold is settled once (status compare-and-set),
a KIE task id belongs to one job.
"""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both engines (SQLite stores them naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),  # Telegram user id
    sa.Column("username", sa.String(64)),
    sa.Column("first_name", sa.String(128)),
    sa.Column("language", sa.String(8)),
    sa.Column("is_banned", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("referrer_id", sa.BigInteger, sa.ForeignKey("users.id")),
    sa.Column("receipt_contact", sa.String(254)),  # email or phone for 54-FZ receipts
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),
)

balances = sa.Table(
    "balances",
    metadata,
    sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("available", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("held", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.CheckConstraint("available >= 0", name="available_not_negative"),
    sa.CheckConstraint("held >= 0", name="held_not_negative"),
)

ledger_entries = sa.Table(
    "ledger_entries",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("available_delta", sa.BigInteger, nullable=False),
    sa.Column("held_delta", sa.BigInteger, nullable=False),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("reference", sa.String(200)),
    sa.Column("reason", sa.Text),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_ledger_entries_user_id_id", "user_id", "id"),
)

holds = sa.Table(
    "holds",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("hold_key", sa.String(200), nullable=False, unique=True),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("settled_at", UtcDateTime),
    sa.CheckConstraint("amount > 0", name="amount_positive"),
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("chat_id", sa.BigInteger, nullable=False),
    sa.Column("model_id", sa.String(100), nullable=False),
    sa.Column("family", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("is_free", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("price", sa.BigInteger, nullable=False),
    sa.Column("sku", sa.String(200)),
    sa.Column("credits_quoted", sa.Numeric(14, 3)),
    sa.Column("inputs", Json, nullable=False),
    sa.Column("correlation_id", sa.String(64), nullable=False),
    sa.Column("task_id", sa.String(200), unique=True),
    sa.Column("submit_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("check_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_check_at", UtcDateTime),
    sa.Column("deadline_at", UtcDateTime, nullable=False),
    sa.Column("result", Json),
    sa.Column("fail_reason", sa.String(32)),
    sa.Column("fail_code", sa.String(64)),
    sa.Column("fail_message", sa.Text),
    sa.Column("credits_consumed", sa.Numeric(14, 3)),
    sa.Column("status_message_id", sa.BigInteger),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("submitted_at", UtcDateTime),
    sa.Column("finished_at", UtcDateTime),
    # Who asked, once: a repeated request (a double press, a retried call) finds its job here.
    sa.Column("request_key", sa.String(120)),
    sa.CheckConstraint("price >= 0", name="price_not_negative"),
    sa.Index("ix_jobs_status_next_check_at", "status", "next_check_at"),
    sa.Index("ix_jobs_user_id_id", "user_id", "id"),
    sa.Index("uq_jobs_request_key", "request_key", unique=True),
)

# aiogram FSM: one row per storage key (DefaultKeyBuilder's string); JSON data only, no pickles.
fsm_records = sa.Table(
    "fsm_records",
    metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("state", sa.String(255)),
    sa.Column("data", Json, nullable=False, server_default=sa.text("'{}'")),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

# One row per succeeded job: the claim that makes delivery happen once. A worker claims a row by
# setting `lease_until`; a crashed worker's claim expires and another worker retries.
deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("job_id", sa.BigInteger, sa.ForeignKey("jobs.id"), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("due_at", UtcDateTime, nullable=False),
    sa.Column("lease_until", UtcDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("message_ids", Json),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("sent_at", UtcDateTime),
    sa.Index("ix_deliveries_status_due_at", "status", "due_at"),
)

# Free-model uses, kept like money: +1 when a free job starts, -1 when it fails; each entry keyed
# by the event (free-use:<job>, free-return:<job>) so a repeat changes nothing.
free_uses = sa.Table(
    "free_uses",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("delta", sa.Integer, nullable=False),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_free_uses_user_id_day", "user_id", "day"),
)

# Telegram updates already handled: a webhook retry or a redelivery after a restart finds its
# update id here and is skipped. Old rows are pruned; they carry no user data.
processed_updates = sa.Table(
    "processed_updates",
    metadata,
    sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("bot_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Index("ix_processed_updates_received_at", "received_at"),
)

# Money in: one row per invoice. The payload names the order; a Telegram charge id belongs to
# one order (unique), and the status moves by compare-and-set in the transaction that credits.
payment_orders = sa.Table(
    "payment_orders",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("currency", sa.String(8), nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),  # smallest units: Stars for XTR
    sa.Column("credit", sa.BigInteger, nullable=False),  # kopecks the balance receives
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("payload", sa.String(128), nullable=False, unique=True),
    sa.Column("telegram_payment_charge_id", sa.String(200), unique=True),
    sa.Column("provider_payment_charge_id", sa.String(200)),
    sa.Column("refund_debit", sa.BigInteger),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("paid_at", UtcDateTime),
    sa.Column("refunded_at", UtcDateTime),
    sa.Column("external_id", sa.String(64)),  # the YooKassa payment id
    sa.Column("confirmation_url", sa.String(2048)),
    sa.Column("receipt_file_id", sa.String(255)),  # a manual transfer's receipt (photo or PDF)
    sa.Column("receipt_kind", sa.String(16)),
    sa.Column("decided_by", sa.BigInteger),  # the admin who approved or rejected it
    sa.Column("decided_at", UtcDateTime),
    sa.CheckConstraint("amount > 0", name="amount_positive"),
    sa.CheckConstraint("credit > 0", name="credit_positive"),
    sa.Index("ix_payment_orders_user_id_id", "user_id", "id"),
    sa.Index("ix_payment_orders_external_id", "external_id", unique=True),
    sa.Index("ix_payment_orders_status", "status", "method"),
)

# Promo codes: `uses` only grows through a guarded UPDATE (uses < max_uses) in the transaction
# that credits the ledger under `promo:<code>:<user>`; the CHECK agrees.
promo_codes = sa.Table(
    "promo_codes",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("max_uses", sa.Integer, nullable=False),
    sa.Column("uses", sa.Integer, nullable=False, server_default="0"),
    sa.Column("expires_at", UtcDateTime),
    sa.Column("created_by", sa.BigInteger, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.CheckConstraint("amount > 0", name="amount_positive"),
    sa.CheckConstraint("max_uses > 0", name="max_uses_positive"),
    sa.CheckConstraint("uses >= 0 AND uses <= max_uses", name="uses_within_limit"),
)

# Every admin action (balance adjustment, ban, broadcast…): who, what, on whom, with details.
admin_audit = sa.Table(
    "admin_audit",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("admin_id", sa.BigInteger, nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("target", sa.String(64)),
    sa.Column("details", Json, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Index("ix_admin_audit_created_at", "created_at"),
)

# A broadcast and its recipients: one row per user, claimed with a lease and marked sent right
# after its message went out, so a restart resumes without messaging anyone twice.
broadcasts = sa.Table(
    "broadcasts",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("admin_id", sa.BigInteger, nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("text", sa.Text),
    sa.Column("photo_file_id", sa.String(255)),
    sa.Column("total", sa.Integer, nullable=False, server_default="0"),
    sa.Column("progress_message_id", sa.BigInteger),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime),
)

broadcast_recipients = sa.Table(
    "broadcast_recipients",
    metadata,
    sa.Column("broadcast_id", sa.BigInteger, sa.ForeignKey("broadcasts.id"), primary_key=True),
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("lease_until", UtcDateTime),
    sa.Column("sent_at", UtcDateTime),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_broadcast_recipients_status", "broadcast_id", "status"),
)

# An operator's changes to the catalog: a model switched off, or a fixed price for it.
model_overrides = sa.Table(
    "model_overrides",
    metadata,
    sa.Column("model_id", sa.String(100), primary_key=True),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("price_kopecks", sa.BigInteger),  # a fixed price for every option, or None
    sa.Column("updated_by", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.CheckConstraint("price_kopecks IS NULL OR price_kopecks >= 0", name="price_not_negative"),
)
