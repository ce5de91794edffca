"""Alembic environment: Candor runs migrations programmatically on a connection it passes in."""

from alembic import context
from sqlmodel import SQLModel

# These modules register their tables on SQLModel.metadata.
import store.competency_models
import store.models
import store.queue_models
import store.rating_models  # noqa: F401

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations with `candor migrate` (store.db.migrate), not the alembic CLI"
    )

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
