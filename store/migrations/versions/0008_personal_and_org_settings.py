"""Personal settings (own check-in time, quiet hours, nudge lead) and HR's org settings.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_PERSONAL = (
    "checkin_weekday",
    "checkin_hour",
    "checkin_minute",
    "quiet_start",
    "quiet_end",
    "prep_lead_hours",
)


def upgrade() -> None:
    with op.batch_alter_table("person_settings") as batch:
        for name in _PERSONAL:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=True))
    op.create_table(
        "org_settings",
        sa.Column("key", AutoString(length=60), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("org_settings")
    with op.batch_alter_table("person_settings") as batch:
        for name in reversed(_PERSONAL):
            batch.drop_column(name)
