"""People, kudos, idempotency keys, the index outbox and the audit log.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

S = AutoString
T = UTCDateTime


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", S(length=320), nullable=False),
        sa.Column("name", S(length=200), nullable=False),
        sa.Column("manager_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
        sa.Column("department", S(length=200), nullable=False),
        sa.Column("title", S(length=200), nullable=False),
        sa.Column("role", S(length=20), nullable=False),
        sa.Column("slack_user_id", S(length=40), nullable=True, unique=True),
        sa.Column("teams_user_id", S(length=200), nullable=True, unique=True),
        sa.Column("tz", S(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", T(), nullable=False),
        sa.Column("updated_at", T(), nullable=False),
    )
    op.create_index("ix_people_email", "people", ["email"], unique=True)
    op.create_index("ix_people_manager_id", "people", ["manager_id"])

    op.create_table(
        "kudos",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("giver_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("company_values", sa.JSON(), nullable=False),
        sa.Column("platform", S(length=20), nullable=False),
        sa.Column("channel_id", S(length=40), nullable=True),
        sa.Column("created_at", T(), nullable=False),
    )
    op.create_index("ix_kudos_giver_id", "kudos", ["giver_id"])
    op.create_index("ix_kudos_created_at", "kudos", ["created_at"])

    op.create_table(
        "kudos_recipients",
        sa.Column(
            "kudos_id",
            sa.Integer(),
            sa.ForeignKey("kudos.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), primary_key=True),
    )
    op.create_index("ix_kudos_recipients_person_id", "kudos_recipients", ["person_id"])

    op.create_table(
        "processed_requests",
        sa.Column("key", S(length=255), primary_key=True),
        sa.Column("kind", S(length=40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("created_at", T(), nullable=False),
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("doc_id", S(length=80), nullable=False),
        sa.Column("op", S(length=10), nullable=False),
        sa.Column("created_at", T(), nullable=False),
        sa.Column("processed_at", T(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", S(length=200), nullable=True),
    )
    op.create_index("ix_outbox_doc_id", "outbox", ["doc_id"])
    op.create_index("ix_outbox_processed_at", "outbox", ["processed_at"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", T(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", S(length=60), nullable=False),
        sa.Column("subject_kind", S(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_actor_id", "audit_log", ["actor_id"])


def downgrade() -> None:
    for table in (
        "audit_log",
        "outbox",
        "processed_requests",
        "kudos_recipients",
        "kudos",
        "people",
    ):
        op.drop_table(table)
