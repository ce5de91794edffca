"""Competencies: the framework, the learning catalogue, evidence links and mentoring opt-ins.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _competency() -> sa.Column[int]:
    return sa.Column(
        "competency_id", sa.Integer(), sa.ForeignKey("competencies.id"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "competencies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", AutoString(length=100), nullable=False, unique=True),
        sa.Column("description", AutoString(length=1000), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "competency_levels",
        sa.Column("id", sa.Integer(), primary_key=True),
        _competency(),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("descriptor", AutoString(length=1000), nullable=False),
        sa.UniqueConstraint("competency_id", "level"),
    )
    op.create_index("ix_competency_levels_competency_id", "competency_levels", ["competency_id"])
    op.create_table(
        "role_expectations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("role", AutoString(length=200), nullable=False),
        _competency(),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.UniqueConstraint("role", "competency_id"),
    )
    op.create_index("ix_role_expectations_role", "role_expectations", ["role"])
    op.create_index("ix_role_expectations_competency_id", "role_expectations", ["competency_id"])
    op.create_table(
        "learning_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", AutoString(length=300), nullable=False),
        sa.Column("url", AutoString(length=1000), nullable=False),
        _competency(),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("format", AutoString(length=60), nullable=False),
        sa.Column("duration", AutoString(length=60), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_learning_items_competency_id", "learning_items", ["competency_id"])
    op.create_table(
        "evidence_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", AutoString(length=40), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        _competency(),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("polarity", AutoString(length=10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("source", "person_id", "competency_id"),
    )
    op.create_index("ix_evidence_links_source", "evidence_links", ["source"])
    op.create_index("ix_evidence_links_person_id", "evidence_links", ["person_id"])
    op.create_index("ix_evidence_links_competency_id", "evidence_links", ["competency_id"])
    op.create_table(
        "mentoring_optins",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("competency_id", sa.Integer(), sa.ForeignKey("competencies.id"), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("person_id", "competency_id"),
    )
    op.create_index("ix_mentoring_optins_person_id", "mentoring_optins", ["person_id"])


def downgrade() -> None:
    for table in (
        "mentoring_optins",
        "evidence_links",
        "learning_items",
        "role_expectations",
        "competency_levels",
        "competencies",
    ):
        op.drop_table(table)
