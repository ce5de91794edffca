"""A person's skill profile with its suggestions, loaded once for every place that shows it:
`/candor skills`, the pre-1:1 topics, the review draft's focus and App Home.

Only the person's own profile and those of colleagues who offered to mentor are built (the
mentor candidates), not the whole organisation's.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.meetings import manages
from handlers.services import Services
from handlers.skills_data import catalogue_items, load_profiles, mentoring_offers
from insights.prep import DevelopmentSignal
from insights.skills.focus import DevelopmentFocus, development_focus
from insights.skills.profile import MIN_EVIDENCE, NOT_ENOUGH, Profile
from insights.skills.suggestions import CatalogueItem, Suggestion, suggest
from store.competencies import Framework
from store.models import Person
from store.repository import Store


@dataclass(frozen=True)
class SuggestedProfile:
    """A profile, its suggestions and what they refer to (catalogue items, mentors)."""

    profile: Profile
    suggestions: list[Suggestion]
    items: dict[int, CatalogueItem]
    people: dict[int, Person]  # the person and every mentor candidate, by id


def suggested_profile(
    store: Store, framework: Framework, person: Person, *, min_evidence: int = MIN_EVIDENCE
) -> SuggestedProfile:
    """`person`'s profile with suggestions from the catalogue and opted-in colleagues."""
    assert person.id is not None
    offers = mentoring_offers(store, framework)
    mentors = store.people.many(set(offers) - {person.id})
    people = {person.id: person} | {
        pid: p for pid, p in mentors.items() if p.active and p.id is not None
    }
    profiles = load_profiles(store, framework, list(people.values()), min_evidence)
    colleagues = [profiles[pid] for pid in people if pid != person.id]
    items = {i.id: i for i in catalogue_items(store, framework)}
    found = suggest(profiles[person.id], list(items.values()), colleagues, offers)
    return SuggestedProfile(profiles[person.id], found, items, people)


def focus_of(store: Store, person: Person) -> DevelopmentFocus | None:
    """The person's top gap as a development focus; None without a framework or a gap."""
    framework = store.competencies.framework()
    if not framework.competencies or person.id is None:
        return None
    loaded = suggested_profile(store, framework, person)
    return development_focus(loaded.profile, loaded.suggestions, loaded.items)


@dataclass(frozen=True)
class SkillsGlance:
    """What App Home says about a person's own profile: counts and the top gap's name."""

    evidenced: int  # competencies with enough evidence
    competencies: int
    top_gap: str | None


def glance(store: Store, person: Person) -> SkillsGlance | None:
    """The person's profile in one line's worth; None without a framework."""
    framework = store.competencies.framework()
    if not framework.competencies or person.id is None:
        return None
    profile = load_profiles(store, framework, [person], MIN_EVIDENCE)[person.id]
    gaps = profile.top_gaps(1)
    evidenced = sum(1 for c in profile.cells if c.status != NOT_ENOUGH)
    return SkillsGlance(evidenced, len(profile.cells), gaps[0].competency if gaps else None)


def prep_signal(services: Services, manager_id: int, report: Person) -> DevelopmentSignal | None:
    """The pre-1:1 development topic for `report`'s top gap, when `manager_id` may see their
    profile (their manager, as `/candor skills @report` allows); else None."""
    if report.id is None or not manages(services, manager_id, report.id):
        return None
    focus = focus_of(services.store, report)
    if focus is None:
        return None
    suggestion = focus.learning
    if not suggestion and focus.mentor_id is not None:
        mentor = services.store.people.get(focus.mentor_id)
        suggestion = f"mentoring from {mentor.name}" if mentor else ""
    records = []
    for source, at in focus.records:
        kind, _, number = source.partition(":")
        if number.isdigit():
            records.append((kind, int(number), at))
    return DevelopmentSignal(focus.competency, focus.gap, suggestion, tuple(records))
