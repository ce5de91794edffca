"""Delivery keys (send once) and conversation references (proactive messages).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("key", AutoString(length=255), primary_key=True),
        sa.Column("kind", AutoString(length=40), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "conversation_refs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", AutoString(length=20), nullable=False),
        sa.Column("conversation_id", AutoString(length=400), nullable=False),
        sa.Column("conversation_type", AutoString(length=20), nullable=False),
        sa.Column("user_id", AutoString(length=200), nullable=True),
        sa.Column("tenant_id", AutoString(length=100), nullable=True),
        sa.Column("service_url", AutoString(length=500), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("platform", "conversation_id"),
    )
    op.create_index("ix_conversation_refs_user_id", "conversation_refs", ["user_id"])


def downgrade() -> None:
    op.drop_table("conversation_refs")
    op.drop_table("deliveries")
