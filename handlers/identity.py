"""Mapping platform users to people in the org directory (the identity step before a handler)."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.ports import PlatformDirectory
from handlers.services import Services
from handlers.types import PlatformUser
from store.models import Person


@dataclass(frozen=True)
class Resolution:
    """What a platform user id turned out to be."""

    user_id: str
    person: Person | None
    profile: PlatformUser | None

    @property
    def is_bot(self) -> bool:
        """Whether the platform says this is a bot (or an app)."""
        return self.profile is not None and self.profile.is_bot


async def resolve(services: Services, directory: PlatformDirectory, user_id: str) -> Resolution:
    """Find the person behind a platform user id.

    Known ids come from the directory; unknown ones are looked up on the platform and matched
    by email, and the id is remembered so the next lookup is local.
    """
    people = services.store.people
    person = people.by_platform_id(directory.platform, user_id)
    if person is not None:
        return Resolution(user_id, person, None)
    profile = await directory.user(user_id)
    if profile is None or profile.is_bot or profile.deleted or not profile.email:
        return Resolution(user_id, None, profile)
    person = people.by_email(profile.email)
    if person is None or person.id is None:
        return Resolution(user_id, None, profile)
    people.link_platform_id(directory.platform, person.id, user_id, services.clock())
    people.set_tz(person.id, profile.tz, services.clock())
    return Resolution(user_id, people.get(person.id), profile)
