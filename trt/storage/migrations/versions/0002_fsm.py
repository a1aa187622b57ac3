"""FSM records: the bot's conversation state, so a wizard survives a restart or a deploy.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

One row per aiogram storage key (rendered to a string by aiogram's DefaultKeyBuilder): the
current state, if any, and the wizard's JSON data. Forward-only, like every revision.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fsm_records",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("state", sa.String(255)),
        sa.Column("data", Json, nullable=False, server_default=sa.text("'{}'")),
        sa.Column("updated_at", Ts, nullable=False),
    )
