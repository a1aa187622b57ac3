"""Payment orders (Stars invoices) and promo codes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

Forward-only: never drop or rewrite user data (tests/storage/test_migrations.py checks).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "payment_orders",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("credit", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("payload", sa.String(128), nullable=False, unique=True),
        sa.Column("telegram_payment_charge_id", sa.String(200), unique=True),
        sa.Column("provider_payment_charge_id", sa.String(200)),
        sa.Column("refund_debit", sa.BigInteger),
        sa.Column("created_at", Ts, nullable=False),
        sa.Column("updated_at", Ts, nullable=False),
        sa.Column("paid_at", Ts),
        sa.Column("refunded_at", Ts),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("credit > 0", name="credit_positive"),
    )
    op.create_index("ix_payment_orders_user_id_id", "payment_orders", ["user_id", "id"])
    op.create_table(
        "promo_codes",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("max_uses", sa.Integer, nullable=False),
        sa.Column("uses", sa.Integer, nullable=False, server_default="0"),
        sa.Column("expires_at", Ts),
        sa.Column("created_by", sa.BigInteger, nullable=False),
        sa.Column("created_at", Ts, nullable=False),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("max_uses > 0", name="max_uses_positive"),
        sa.CheckConstraint("uses >= 0 AND uses <= max_uses", name="uses_within_limit"),
    )
