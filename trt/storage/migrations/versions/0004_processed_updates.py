"""Processed Telegram updates, so duplicates are harmless.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

Forward-only: never drop or rewrite user data (tests/storage/test_migrations.py checks).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("bot_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_processed_updates_received_at", "processed_updates", ["received_at"])
