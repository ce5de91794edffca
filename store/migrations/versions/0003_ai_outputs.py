"""AI outputs with their provenance (model, prompt version, records used).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ai_outputs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", AutoString(length=40), nullable=False),
        sa.Column("model", AutoString(length=200), nullable=False),
        sa.Column("prompt", AutoString(length=80), nullable=False),
        sa.Column("prompt_version", AutoString(length=20), nullable=False),
        sa.Column("input_ids", sa.JSON(), nullable=False),
        sa.Column("output", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_ai_outputs_created_at", "ai_outputs", ["created_at"])


def downgrade() -> None:
    op.drop_table("ai_outputs")
