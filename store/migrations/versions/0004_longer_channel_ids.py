"""Room for Teams conversation ids in kudos.channel_id (40 → 400 characters).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _resize(old: int, new: int) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.alter_column(
            "kudos",
            "channel_id",
            existing_type=AutoString(length=old),
            type_=AutoString(length=new),
            existing_nullable=True,
        )
        return
    # SQLite rebuilds the table; dropping the old one with foreign keys on cascades to
    # kudos_recipients, and the pragma can't change inside the migration's transaction.
    bind.execute(sa.text("CREATE TEMP TABLE _recipients AS SELECT * FROM kudos_recipients"))
    with op.batch_alter_table("kudos") as batch:
        batch.alter_column(
            "channel_id",
            existing_type=AutoString(length=old),
            type_=AutoString(length=new),
            existing_nullable=True,
        )
    bind.execute(sa.text("DELETE FROM kudos_recipients"))
    bind.execute(sa.text("INSERT INTO kudos_recipients SELECT * FROM _recipients"))
    bind.execute(sa.text("DROP TABLE _recipients"))


def upgrade() -> None:
    _resize(40, 400)


def downgrade() -> None:
    _resize(400, 40)
