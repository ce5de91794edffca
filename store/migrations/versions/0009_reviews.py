"""Reviews: feedback requests, feedback (peer, upward, self, manager notes), review drafts and
their versions.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("requester_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("responder_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("topic", AutoString(length=300), nullable=False),
        sa.Column("status", AutoString(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("reminded_at", UTCDateTime(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_feedback_requests_requester_id", "feedback_requests", ["requester_id"])
    op.create_index("ix_feedback_requests_responder_id", "feedback_requests", ["responder_id"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("kind", AutoString(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("topic", AutoString(length=300), nullable=False),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("feedback_requests.id"), nullable=True),
        sa.Column("shareable", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_feedback_author_id", "feedback", ["author_id"])
    op.create_index("ix_feedback_subject_id", "feedback", ["subject_id"])
    op.create_index("ix_feedback_created_at", "feedback", ["created_at"])
    op.create_table(
        "review_drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("manager_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", AutoString(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("engine", AutoString(length=200), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_review_drafts_subject_id", "review_drafts", ["subject_id"])
    op.create_index("ix_review_drafts_manager_id", "review_drafts", ["manager_id"])
    op.create_table(
        "review_draft_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "draft_id",
            sa.Integer(),
            sa.ForeignKey("review_drafts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("reason", AutoString(length=20), nullable=False),
        sa.Column("engine", AutoString(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("draft_id", "version"),
    )
    op.create_index("ix_review_draft_versions_draft_id", "review_draft_versions", ["draft_id"])


def downgrade() -> None:
    for table in ("review_draft_versions", "review_drafts", "feedback", "feedback_requests"):
        op.drop_table(table)
