"""Delivery attempts: a failed scheduled send is counted on its delivery row and, after
`CANDOR_DELIVERY_MAX_ATTEMPTS` failures, dead-lettered (no more tries; admins are alerted).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        # Every row written before this revision stands for a send that went out.
        batch.add_column(
            sa.Column("status", AutoString(length=10), nullable=False, server_default="sent")
        )
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_failed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("job", AutoString(length=40), nullable=True))
        batch.add_column(sa.Column("alerted_at", UTCDateTime(), nullable=True))
        batch.create_index("ix_deliveries_status", ["status"])


def downgrade() -> None:
    # Before this revision a failed send gave its key back: do the same for failed and dead ones.
    op.execute(sa.text("DELETE FROM deliveries WHERE status IN ('failed', 'dead')"))
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_index("ix_deliveries_status")
        for name in ("alerted_at", "job", "last_failed_at", "attempts", "status"):
            batch.drop_column(name)
