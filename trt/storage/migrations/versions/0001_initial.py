"""Users, balances, the ledger, holds and jobs.

Revision ID: 0001
Revises:
Create Date: 2026-11-24

Forward-only: never drop or rewrite user data (tests/storage/test_migrations.py checks).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("username", sa.String(64)),
        sa.Column("first_name", sa.String(128)),
        sa.Column("language", sa.String(8)),
        sa.Column("is_banned", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("referrer_id", sa.BigInteger, sa.ForeignKey("users.id")),
        sa.Column("created_at", Ts, nullable=False),
        sa.Column("last_seen_at", Ts, nullable=False),
    )
    op.create_table(
        "balances",
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("available", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("held", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("updated_at", Ts, nullable=False),
        sa.CheckConstraint("available >= 0", name="available_not_negative"),
        sa.CheckConstraint("held >= 0", name="held_not_negative"),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("available_delta", sa.BigInteger, nullable=False),
        sa.Column("held_delta", sa.BigInteger, nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
        sa.Column("reference", sa.String(200)),
        sa.Column("reason", sa.Text),
        sa.Column("created_at", Ts, nullable=False),
    )
    op.create_index("ix_ledger_entries_user_id_id", "ledger_entries", ["user_id", "id"])
    op.create_table(
        "holds",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("hold_key", sa.String(200), nullable=False, unique=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", Ts, nullable=False),
        sa.Column("settled_at", Ts),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )
    op.create_table(
        "jobs",
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
        sa.Column("next_check_at", Ts),
        sa.Column("deadline_at", Ts, nullable=False),
        sa.Column("result", Json),
        sa.Column("fail_reason", sa.String(32)),
        sa.Column("fail_code", sa.String(64)),
        sa.Column("fail_message", sa.Text),
        sa.Column("credits_consumed", sa.Numeric(14, 3)),
        sa.Column("status_message_id", sa.BigInteger),
        sa.Column("created_at", Ts, nullable=False),
        sa.Column("updated_at", Ts, nullable=False),
        sa.Column("submitted_at", Ts),
        sa.Column("finished_at", Ts),
        sa.CheckConstraint("price >= 0", name="price_not_negative"),
    )
    op.create_index("ix_jobs_status_next_check_at", "jobs", ["status", "next_check_at"])
    op.create_index("ix_jobs_user_id_id", "jobs", ["user_id", "id"])
