"""Conversation references: where a chat platform can reach a person or a channel later.

Teams only lets a bot message a conversation it has a reference for (service URL, ids), so
each one is saved when the bot is installed or first contacted; proactive messages read them
back, in this process or after a restart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from store.db import session_scope
from store.models import ConversationRef


def _find(session: Session, platform: str, conversation_id: str) -> ConversationRef | None:
    query = select(ConversationRef).where(
        ConversationRef.platform == platform, ConversationRef.conversation_id == conversation_id
    )
    return session.exec(query).first()


class ConversationRepo:
    """Saves and finds conversation references, one per (platform, conversation id)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def save(
        self,
        *,
        platform: str,
        conversation_id: str,
        conversation_type: str,
        service_url: str,
        reference: dict[str, Any],
        at: datetime,
        user_id: str | None = None,
        tenant_id: str | None = None,
    ) -> bool:
        """Create or update the reference for a conversation; True if anything changed.

        An unchanged reference is not rewritten, so saving on every message costs one read.
        """
        values: dict[str, Any] = {
            "conversation_type": conversation_type,
            "service_url": service_url,
            "reference": reference,
            "user_id": user_id,
            "tenant_id": tenant_id,
        }
        for _attempt in range(2):
            try:
                with session_scope(self._engine) as session:
                    row = _find(session, platform, conversation_id)
                    if row is None:
                        row = ConversationRef(
                            platform=platform,
                            conversation_id=conversation_id,
                            service_url=service_url,
                            updated_at=at,
                        )
                    elif all(getattr(row, k) == v for k, v in values.items()):
                        return False
                    for key, value in values.items():
                        setattr(row, key, value)
                    row.updated_at = at
                    session.add(row)
                return True
            except IntegrityError:
                continue  # a concurrent first save won: update that row instead
        return False

    def get(self, platform: str, conversation_id: str) -> ConversationRef | None:
        """The reference for one conversation, or None."""
        with session_scope(self._engine) as session:
            return _find(session, platform, conversation_id)

    def personal_for(self, platform: str, user_id: str) -> ConversationRef | None:
        """The most recently seen 1:1 conversation between the bot and a user, or None."""
        query = (
            select(ConversationRef)
            .where(
                ConversationRef.platform == platform,
                ConversationRef.user_id == user_id,
                ConversationRef.conversation_type == "personal",
            )
            .order_by(col(ConversationRef.updated_at).desc(), col(ConversationRef.id).desc())
        )
        with session_scope(self._engine) as session:
            return session.exec(query).first()

    def latest(self, platform: str, tenant_id: str | None = None) -> ConversationRef | None:
        """The most recently seen conversation (in a tenant): a route for starting new chats."""
        query = select(ConversationRef).where(ConversationRef.platform == platform)
        if tenant_id:
            query = query.where(ConversationRef.tenant_id == tenant_id)
        query = query.order_by(
            col(ConversationRef.updated_at).desc(), col(ConversationRef.id).desc()
        )
        with session_scope(self._engine) as session:
            return session.exec(query).first()

    def all(self, platform: str, conversation_type: str | None = None) -> list[ConversationRef]:
        """Every saved conversation on a platform (of one type), oldest id first."""
        query = select(ConversationRef).where(ConversationRef.platform == platform)
        if conversation_type:
            query = query.where(ConversationRef.conversation_type == conversation_type)
        with session_scope(self._engine) as session:
            return list(session.exec(query.order_by(col(ConversationRef.id))))

    def delete(self, platform: str, conversation_id: str) -> bool:
        """Forget a conversation (the bot was removed from it); True if one was saved."""
        with session_scope(self._engine) as session:
            row = _find(session, platform, conversation_id)
            if row is None:
                return False
            session.delete(row)
            return True
