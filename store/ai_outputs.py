"""AI outputs, kept with the model, the prompt version and the ids of the records they used."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from store import audit
from store.db import session_scope
from store.models import AIOutput, Kudos, KudosRecipient

_PAGE = 500


@dataclass(frozen=True)
class SourceRef:
    """A record of the person's own that an AI output used: what it is, never what it says."""

    kind: str  # "kudos"
    record_id: int
    at: datetime
    relation: Literal["given", "received"]


@dataclass(frozen=True)
class PersonalAIOutput:
    """An AI output that used records about a person, with which of their records it used."""

    output: AIOutput
    sources: tuple[SourceRef, ...]
    other_inputs: int  # records about other people it also used (counted, never described)


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

    def concerning(self, person_id: int) -> list[PersonalAIOutput]:
        """Every AI output that used a record the person gave or received, newest first."""
        with session_scope(self._engine) as session:
            given = session.exec(
                select(Kudos.id, Kudos.created_at).where(Kudos.giver_id == person_id)
            ).all()
            received = session.exec(
                select(Kudos.id, Kudos.created_at)
                .join(KudosRecipient, col(KudosRecipient.kudos_id) == col(Kudos.id))
                .where(KudosRecipient.person_id == person_id)
            ).all()
            mine: dict[str, SourceRef] = {}
            for kudos_id, at in received:
                if kudos_id is not None:
                    mine[f"kudos:{kudos_id}"] = SourceRef("kudos", kudos_id, at, "received")
            for kudos_id, at in given:
                if kudos_id is not None:
                    mine[f"kudos:{kudos_id}"] = SourceRef("kudos", kudos_id, at, "given")
            found: list[PersonalAIOutput] = []
            if not mine:
                return found
            after = 0
            while True:
                page = list(
                    session.exec(
                        select(AIOutput)
                        .where(col(AIOutput.id) > after)
                        .order_by(col(AIOutput.id))
                        .limit(_PAGE)
                    )
                )
                for row in page:
                    used = [mine[i] for i in dict.fromkeys(row.input_ids) if i in mine]
                    if used:
                        others = len(set(row.input_ids)) - len(used)
                        found.append(PersonalAIOutput(row, tuple(used), others))
                if len(page) < _PAGE:
                    break
                after = page[-1].id or after
        return sorted(found, key=lambda f: (f.output.created_at, f.output.id or 0), reverse=True)
