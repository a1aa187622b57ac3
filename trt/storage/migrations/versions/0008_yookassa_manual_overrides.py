"""YooKassa and manual-transfer orders, model overrides, broadcast retries.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27

Forward-only: never drop or rewrite user data (tests/storage/test_migrations.py checks).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("receipt_contact", sa.String(254)))  # email or phone, 54-FZ
    with op.batch_alter_table("payment_orders") as batch:
        batch.add_column(sa.Column("external_id", sa.String(64)))  # the YooKassa payment id
        batch.add_column(sa.Column("confirmation_url", sa.String(2048)))
        batch.add_column(sa.Column("receipt_file_id", sa.String(255)))  # a manual transfer's
        batch.add_column(sa.Column("receipt_kind", sa.String(16)))
        batch.add_column(sa.Column("decided_by", sa.BigInteger))
        batch.add_column(sa.Column("decided_at", Ts))
    op.create_index("ix_payment_orders_external_id", "payment_orders", ["external_id"], unique=True)
    op.create_index("ix_payment_orders_status", "payment_orders", ["status", "method"])
    op.create_table(
        "model_overrides",
        sa.Column("model_id", sa.String(100), primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("price_kopecks", sa.BigInteger),  # a fixed price for every option
        sa.Column("updated_by", sa.BigInteger, nullable=False),
        sa.Column("updated_at", Ts, nullable=False),
        sa.CheckConstraint(
            "price_kopecks IS NULL OR price_kopecks >= 0", name="price_not_negative"
        ),
    )
    with op.batch_alter_table("broadcast_recipients") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
