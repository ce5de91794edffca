"""Slack OAuth for several workspaces: the installation, bot and OAuth-state tables that
slack_sdk's SQLAlchemy stores read (same names and columns), in Candor's database, and the
workspace of each person.

The columns are spelled out rather than built from slack_sdk's code so the store layer stays
free of chat SDKs and this migration never changes under a library upgrade. Defaults live in
slack_sdk's own table objects, which do the inserts.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _s(length: int) -> sa.String:
    return sa.String(length=length)


def _workspace_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client_id", _s(32), nullable=False),
        sa.Column("app_id", _s(32), nullable=False),
        sa.Column("enterprise_id", _s(32)),
        sa.Column("enterprise_name", _s(200)),
    ]


def _bot_columns() -> list[sa.Column]:
    return [
        sa.Column("team_id", _s(32)),
        sa.Column("team_name", _s(200)),
        sa.Column("bot_token", _s(200)),
        sa.Column("bot_id", _s(32)),
        sa.Column("bot_user_id", _s(32)),
        sa.Column("bot_scopes", _s(1000)),
        sa.Column("bot_refresh_token", _s(200)),
        sa.Column("bot_token_expires_at", sa.DateTime()),
    ]


def upgrade() -> None:
    op.create_table(
        "slack_bots",
        *_workspace_columns(),
        *_bot_columns(),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "slack_bots_idx", "slack_bots", ["client_id", "enterprise_id", "team_id", "installed_at"]
    )
    op.create_table(
        "slack_installations",
        *_workspace_columns(),
        sa.Column("enterprise_url", _s(200)),
        *_bot_columns(),
        sa.Column("user_id", _s(32), nullable=False),
        sa.Column("user_token", _s(200)),
        sa.Column("user_scopes", _s(1000)),
        sa.Column("user_refresh_token", _s(200)),
        sa.Column("user_token_expires_at", sa.DateTime()),
        sa.Column("incoming_webhook_url", _s(200)),
        sa.Column("incoming_webhook_channel", _s(200)),
        sa.Column("incoming_webhook_channel_id", _s(200)),
        sa.Column("incoming_webhook_configuration_url", _s(200)),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("token_type", _s(32)),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "slack_installations_idx",
        "slack_installations",
        ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"],
    )
    op.create_table(
        "slack_oauth_states",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("state", _s(200), nullable=False),
        sa.Column("expire_at", sa.DateTime(), nullable=False),
    )
    # A plain ADD COLUMN: rebuilding `people` on SQLite would trip its foreign keys.
    op.add_column("people", sa.Column("slack_team_id", AutoString(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column("people", "slack_team_id")
    for table in ("slack_oauth_states", "slack_installations", "slack_bots"):
        op.drop_table(table)
