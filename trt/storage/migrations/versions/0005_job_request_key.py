"""A job remembers the request that started it, so a repeated request finds it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24

Forward-only: never drop or rewrite user data (tests/storage/test_migrations.py checks).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN and a unique index work in place on both engines (no table copy).
    op.add_column("jobs", sa.Column("request_key", sa.String(120)))
    op.create_index("uq_jobs_request_key", "jobs", ["request_key"], unique=True)
