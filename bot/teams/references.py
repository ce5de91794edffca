"""Conversation references: where a Teams activity came from, saved to write back later."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, ConversationReference

from bot.teams.parse import (
    PLATFORM,
    base_conversation_id,
    channel_id,
    conversation_kind,
    tenant_id,
)
from store.models import ConversationRef
from store.repository import Store


@dataclass(frozen=True)
class Origin:
    """The conversation a request came from, and who sent it: what a reply and "here" mean."""

    reference: ConversationReference
    kind: str
    user_id: str
    tenant_id: str
    service_url: str
    channel_id: str | None
    activity_id: str | None

    @property
    def conversation_id(self) -> str:
        """The conversation (for a channel: the thread) the request came from."""
        return str(self.reference.conversation.id)


def origin_from_activity(activity: Activity) -> Origin:
    """Where an incoming activity came from."""
    return Origin(
        reference=TurnContext.get_conversation_reference(activity),
        kind=conversation_kind(activity),
        user_id=str(getattr(activity.from_property, "id", "") or ""),
        tenant_id=tenant_id(activity),
        service_url=str(activity.service_url or ""),
        channel_id=channel_id(activity),
        activity_id=activity.id,
    )


def _account(account: Any) -> ChannelAccount | None:
    # Ids and display name only: whatever else a payload carries is not kept.
    if account is None or not getattr(account, "id", None):
        return None
    return ChannelAccount(
        id=account.id, name=account.name, aad_object_id=getattr(account, "aad_object_id", None)
    )


def saved_reference(
    reference: ConversationReference, kind: str, tenant: str
) -> ConversationReference:
    """A copy fit for storing: no activity id (new messages, not replies), a channel rather
    than one of its threads, and the sender kept only for 1:1 chats."""
    conversation = reference.conversation
    conversation_id = str(conversation.id)
    if kind == "channel":
        conversation_id = base_conversation_id(conversation_id)
    return ConversationReference(
        activity_id=None,
        user=_account(reference.user) if kind == "personal" else None,
        bot=_account(reference.bot),
        conversation=ConversationAccount(
            id=conversation_id,
            conversation_type=kind,
            tenant_id=tenant or None,
            is_group=kind != "personal",
            name=getattr(conversation, "name", None),
        ),
        channel_id=reference.channel_id,
        locale=reference.locale,
        service_url=reference.service_url,
    )


def save_reference(
    store: Store,
    reference: ConversationReference,
    *,
    kind: str,
    tenant: str,
    at: datetime,
    user_id: str | None = None,
) -> bool:
    """Save (or refresh) a conversation's reference; True if it was new or changed."""
    stored = saved_reference(reference, kind, tenant)
    if not stored.service_url or not stored.conversation.id:
        return False
    return store.conversations.save(
        platform=PLATFORM,
        conversation_id=str(stored.conversation.id),
        conversation_type=kind,
        service_url=str(stored.service_url),
        reference=stored.serialize(),
        at=at,
        user_id=user_id if kind == "personal" else None,
        tenant_id=tenant or None,
    )


def save_origin(store: Store, origin: Origin, at: datetime) -> bool:
    """Save the reference of the conversation an activity came from."""
    return save_reference(
        store,
        origin.reference,
        kind=origin.kind,
        tenant=origin.tenant_id,
        at=at,
        user_id=origin.user_id,
    )


def reference_from_row(row: ConversationRef) -> ConversationReference:
    """A stored reference, ready for `continue_conversation`."""
    reference: ConversationReference = ConversationReference().deserialize(row.reference)
    reference.service_url = reference.service_url or row.service_url
    return reference
