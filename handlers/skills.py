"""/candor skills and /candor mentor: skill profiles, gaps and development suggestions.

Who sees what: a person sees their own profile (shown to them first, on request); their
manager — anyone up their reporting line, as `handlers.reporting_lines` defines it — sees it
too; no one else (not HR, not peers). Managers and HR see team summaries in counts, under the
minimum group size. Every read of someone else's profile is audited (ids only).
"""

from __future__ import annotations

import difflib

from handlers.audit import log_read
from handlers.errors import PermissionDenied, UsageError
from handlers.feedback import mentioned_person
from handlers.home_sections import mention
from handlers.messages import Message, Outgoing, Section, Span, ToRequester, text
from handlers.reporting_lines import team_of
from handlers.router import HR_ONLY, Router
from handlers.services import RequestContext
from handlers.skills_data import load_profiles
from handlers.skills_feed import suggested_profile
from handlers.skills_render import NO_FRAMEWORK, profile_message, team_message
from handlers.types import Command, MentionRef, Role
from insights.anonymity import effective_min_group
from insights.skills.profile import MIN_EVIDENCE
from insights.skills.team import team_summary
from store.audit import ReadScope
from store.competencies import Framework
from store.models import Person

USAGE = "/candor skills [@report | team | help]"
MENTOR_USAGE = "/candor mentor on|off [competency]"


def _framework(ctx: RequestContext) -> Framework:
    framework = ctx.services.store.competencies.framework()
    if not framework.competencies:
        raise UsageError(NO_FRAMEWORK)
    return framework


def _reply(message: Message, kind: str) -> list[Outgoing]:
    return [Outgoing(ToRequester(), message, kind)]


def _team(ctx: RequestContext, manager_id: int) -> frozenset[int]:
    people = ctx.services.store.people.all()
    return team_of(manager_id, people, direct_only=not ctx.services.config.skip_level)


async def skills_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """Own profile; a report's (their managers only); or a team summary."""
    if command.first_word in ("help", "?"):
        note = (
            "`/candor skills` shows your skill profile: per competency, the records behind "
            "it, the gap to your role's expected level and suggestions. Managers add "
            "`@report` for a report's, or `team` for counts across their team (HR: the org)."
        )
        return _reply(Message("Skills help", (Section(text(note)),)), "help")
    mentions = [a for a in command.args if isinstance(a, MentionRef)]
    if command.first_word == "team" and not mentions:
        return _team_summary(ctx)
    if len(mentions) > 1 or (command.words and mentions) or (command.words and not mentions):
        raise UsageError("Name at most one person, or `team`.", usage=f"Usage: `{USAGE}`")
    if not mentions:
        return _profile(ctx, ctx.actor, "Your")
    person = await mentioned_person(ctx, mentions[0], f"Usage: `{USAGE}`")
    if person.id == ctx.actor.id:
        return _profile(ctx, ctx.actor, "Your")
    assert ctx.actor.id is not None and person.id is not None
    if person.id not in _team(ctx, ctx.actor.id):
        raise PermissionDenied(
            "Only the person and their manager can see a skill profile. "
            "Ask them to share it with you if it helps."
        )
    return _profile(ctx, person, f"{person.name}'s")


def _profile(ctx: RequestContext, person: Person, whose: str) -> list[Outgoing]:
    store = ctx.services.store
    framework = _framework(ctx)
    assert person.id is not None
    loaded = suggested_profile(store, framework, person)
    profile, suggestions = loaded.profile, loaded.suggestions
    mentors: dict[int, Span] = {
        s.mentor_id: mention(loaded.people[s.mentor_id])
        for s in suggestions
        if s.mentor_id is not None
    }
    scope: ReadScope = "self" if person.id == ctx.actor.id else "individual"
    log_read(ctx, scope, "skills", person.id, {"records": sum(c.evidence for c in profile.cells)})
    message = profile_message(profile, whose, suggestions, loaded.items, mentors, MIN_EVIDENCE)
    return _reply(message, "skills.profile")


def _team_summary(ctx: RequestContext) -> list[Outgoing]:
    store = ctx.services.store
    assert ctx.actor.id is not None
    if Role(ctx.actor.role) in HR_ONLY:
        members = [p for p in store.people.all() if p.active]
        title = "the organisation"
    else:
        team = _team(ctx, ctx.actor.id)
        if not team:
            raise PermissionDenied("Team summaries are for managers (of their team) and HR.")
        members = [p for p in store.people.all() if p.active and p.id in team]
        title = "your team"
    framework = _framework(ctx)
    profiles = load_profiles(store, framework, members, MIN_EVIDENCE)
    min_group = effective_min_group(ctx.services.config.min_group)
    summary = team_summary(
        list(profiles.values()), [c.name for c in framework.competencies], min_group
    )
    log_read(ctx, "aggregate", "skills.team", None, {"people": summary.people})
    return _reply(team_message(title, summary), "skills.team")


async def mentor_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """Offer (or stop offering) to mentor colleagues, in one competency or any."""
    words = command.words
    if not words or words[0].lower() not in ("on", "off"):
        raise UsageError(
            "Say `on` or `off`, optionally with a competency.", usage=f"Usage: `{MENTOR_USAGE}`"
        )
    framework = ctx.services.store.competencies.framework()
    name = " ".join(words[1:]).strip()
    competency = framework.by_name(name) if name else None
    if name and competency is None:
        known = [c.name for c in framework.competencies]
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
        hint = f" Did you mean {close[0]}?" if close else ""
        raise UsageError(
            f"There is no competency called {name}.{hint}",
            usage="Competencies: " + (", ".join(known) or "none imported yet"),
        )
    repo = ctx.services.store.skill_evidence
    assert ctx.actor.id is not None
    what = competency.name if competency else "any competency"
    competency_id = competency.id if competency else None
    if words[0].lower() == "on":
        repo.opt_in(ctx.actor.id, competency_id, at=ctx.services.clock())
        note = (
            f"Thanks! Colleagues with a gap in {what} may now see you suggested as a mentor "
            "(only where your own records show strength in it). `/candor mentor off` stops it."
        )
    else:
        repo.opt_out(ctx.actor.id, competency_id)
        note = f"Done: you're no longer suggested as a mentor for {what}."
    return _reply(Message("Mentoring", (Section(text(note)),)), "skills.mentor")


def register(router: Router) -> None:
    """Add /candor skills and /candor mentor."""
    router.command(
        "candor skills",
        summary="Your skill profile, gaps and development suggestions (managers: a report's)",
        usage=USAGE,
        examples=("/candor skills", "/candor skills team"),
    )(skills_command)
    router.command(
        "candor mentor",
        summary="Offer to mentor colleagues in a competency (or stop)",
        usage=MENTOR_USAGE,
        examples=("/candor mentor on Communication", "/candor mentor off"),
    )(mentor_command)
