"""Queued requests: Slack requests the web process acked, waiting for the worker process.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queued_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("body", AutoString(), nullable=False),
        sa.Column("content_type", AutoString(length=100), nullable=False),
        sa.Column("request_id", AutoString(length=64), nullable=False),
        sa.Column("enqueued_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_by", AutoString(length=64), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
    )
    op.create_index("ix_queued_requests_claimed_by", "queued_requests", ["claimed_by"])


def downgrade() -> None:
    op.drop_index("ix_queued_requests_claimed_by", "queued_requests")
    op.drop_table("queued_requests")
