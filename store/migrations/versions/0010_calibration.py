"""Calibration: review cycles, ratings, and protected attributes (kept apart).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rating_cycles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", AutoString(length=100), nullable=False, unique=True),
        sa.Column("scale_low", sa.Float(), nullable=False),
        sa.Column("scale_high", sa.Float(), nullable=False),
        sa.Column("competencies", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cycle_id", sa.Integer(), sa.ForeignKey("rating_cycles.id"), nullable=False),
        sa.Column("rater_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("ratee_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("competency", AutoString(length=100), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rated_at", UTCDateTime(), nullable=False),
        sa.Column("source", AutoString(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("cycle_id", "rater_id", "ratee_id", "competency", "rated_at"),
    )
    op.create_index("ix_ratings_cycle_id", "ratings", ["cycle_id"])
    op.create_index("ix_ratings_rater_id", "ratings", ["rater_id"])
    op.create_index("ix_ratings_ratee_id", "ratings", ["ratee_id"])
    op.create_table(
        "protected_attributes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("attribute", AutoString(length=60), nullable=False),
        sa.Column("value", AutoString(length=100), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("person_id", "attribute"),
    )
    op.create_index("ix_protected_attributes_person_id", "protected_attributes", ["person_id"])


def downgrade() -> None:
    for table in ("protected_attributes", "ratings", "rating_cycles"):
        op.drop_table(table)
