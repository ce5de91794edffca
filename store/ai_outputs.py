"""AI outputs, kept with the model, the prompt version and the ids of the records they used."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from store import audit
from store.db import session_scope
from store.models import AIOutput


class AIOutputRepo:
    """Records and reads AI outputs."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(
        self,
        *,
        kind: str,
        model: str,
        prompt: str,
        prompt_version: str,
        input_ids: Sequence[str],
        output: dict[str, Any],
        at: datetime,
    ) -> int:
        """Store an output and an audit event for it; return its id."""
        with session_scope(self._engine) as session:
            row = AIOutput(
                kind=kind,
                model=model,
                prompt=prompt,
                prompt_version=prompt_version,
                input_ids=list(input_ids),
                output=output,
                created_at=at,
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            audit.record(
                session,
                at=at,
                actor_id=None,
                action="ai.output",
                subject_kind=kind,
                subject_id=row.id,
                detail={
                    "model": model,
                    "prompt": f"{prompt}@{prompt_version}",
                    "inputs": len(input_ids),
                },
            )
            return row.id

    def recent(self, kind: str | None = None, limit: int = 100) -> list[AIOutput]:
        """The newest outputs first."""
        with session_scope(self._engine) as session:
            query = select(AIOutput).order_by(col(AIOutput.id).desc()).limit(limit)
            if kind is not None:
                query = query.where(AIOutput.kind == kind)
            return list(session.exec(query))
