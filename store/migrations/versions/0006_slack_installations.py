"""Slack OAuth for several workspaces: slack_sdk's installation, bot and state tables in
Candor's database, and the workspace of each person.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlmodel.sql.sqltypes import AutoString

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("slack_installations", "slack_bots", "slack_oauth_states")


def _metadata() -> sa.MetaData:
    # slack_sdk defines these tables; building them from its own code keeps them in step
    # with the store that reads them.
    metadata = sa.MetaData()
    SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states")
    return metadata


def upgrade() -> None:
    _metadata().create_all(op.get_bind())
    # A plain ADD COLUMN: rebuilding `people` on SQLite would trip its foreign keys.
    op.add_column("people", sa.Column("slack_team_id", AutoString(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column("people", "slack_team_id")
    _metadata().drop_all(op.get_bind())
