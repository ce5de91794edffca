"""Settings people control from chat: `/candor settings` (their own) and `/candor settings org`
(HR's organisation settings), each a form checked field by field.

Personal: their own check-in day and time (empty: the team's), mood sharing with their
manager (off by default), quiet hours, and a manager's lead time for 1:1 prep nudges. Org (HR
and admins): company values, the minimum group size (never below 3), the digest channel and
the digest's day and time, stored in `org_settings` over the environment's values. Every
change is audited by the store with the names of the changed fields, never their values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from handlers.effective_settings import (
    day_time,
    digest_schedule,
    effective_core_config,
    is_manager,
    org_settings,
    personal_cadence,
    team_cadence,
)
from handlers.errors import InvalidInput, PermissionDenied, UsageError
from handlers.messages import (
    Block,
    Choice,
    Context,
    Form,
    Input,
    Message,
    Outgoing,
    Section,
    ToRequester,
    text,
)
from handlers.router import HR_ONLY, Router
from handlers.services import RequestContext, Services
from handlers.types import Command, Interaction, Role
from insights.anonymity import MIN_GROUP_FLOOR, effective_min_group
from insights.schedule import parse_cadence
from store.models import Person

USAGE = "/candor settings [org]"
PERSONAL_SUBMIT = "settings.personal"
ORG_SUBMIT = "settings.org"
OPEN_PERSONAL = "home.settings"
OPEN_ORG = "home.org_settings"
MAX_MIN_GROUP = 50
MAX_VALUES = 20
MAX_LEAD_HOURS = 168
_VALUE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_QUIET = re.compile(r"(\d{1,2})(?::00)?\s*(?:-|–|to)\s*(\d{1,2})(?::00)?")
_CHANNEL = re.compile(r"[^\s#<>]{1,400}")


# --- personal settings ------------------------------------------------------------------------


def personal_form(services: Services, person: Person) -> Form:
    """The personal settings form, prefilled with what the person chose before."""
    assert person.id is not None
    row = services.store.settings.get(person.id)
    own = personal_cadence(row)
    team = day_time(team_cadence(services, person))
    quiet = (
        f"{row.quiet_start:02d}-{row.quiet_end:02d}"
        if row.quiet_start is not None and row.quiet_end is not None
        else ""
    )
    blocks: list[Block] = [
        Input(
            f"My check-in day and time (empty: my team's, {team})",
            "checkin_time",
            placeholder="e.g. fri 09:00",
            initial=day_time(own) if own else "",
            optional=True,
        ),
        Input(
            "Share my mood with my manager",
            "share_mood",
            kind="select",
            choices=(Choice("No, keep it to me", "no"), Choice("Yes, share my mood", "yes")),
            initial="yes" if row.share_mood else "no",
        ),
        Input(
            "Quiet hours: no messages from Candor (local hours)",
            "quiet_hours",
            placeholder="e.g. 18-08",
            initial=quiet,
            optional=True,
        ),
    ]
    if is_manager(services, person):
        default = services.config.prep_lead_hours
        blocks.append(
            Input(
                f"1:1 prep nudge: hours before each 1:1 (empty: {default})",
                "prep_lead_hours",
                kind="number",
                initial=str(row.prep_lead_hours) if row.prep_lead_hours else "",
                optional=True,
            )
        )
    blocks.append(
        Context(text("Times are your local time. Blockers you name always reach your manager."))
    )
    return Form(title="Your Candor settings", submit_action=PERSONAL_SUBMIT, blocks=tuple(blocks))


def read_personal(inputs: Mapping[str, str], *, manager: bool) -> dict[str, int | bool | None]:
    """The personal form's values, ready for `PersonSettingsRepo.save_personal`.

    Raises:
        InvalidInput: naming each field to fix.
    """
    errors: dict[str, str] = {}
    values: dict[str, int | bool | None] = {}
    raw = (inputs.get("checkin_time") or "").strip()
    values.update(checkin_weekday=None, checkin_hour=None, checkin_minute=None)
    if raw:
        try:
            cadence = parse_cadence(raw)
        except ValueError:
            errors["checkin_time"] = "Give a weekday and a time, e.g. `fri 09:00` or `mon 9am`."
        else:
            if cadence.every_weeks != 1:
                errors["checkin_time"] = "Give only a day and time; your team sets how often."
            elif cadence.weekday >= 5:
                errors["checkin_time"] = "Check-ins go out Monday to Friday; pick a weekday."
            values.update(
                checkin_weekday=cadence.weekday,
                checkin_hour=cadence.hour,
                checkin_minute=cadence.minute,
            )
    choice = (inputs.get("share_mood") or "no").strip()
    if choice not in ("yes", "no"):
        errors["share_mood"] = "Choose yes or no."
    values["share_mood"] = choice == "yes"
    quiet = (inputs.get("quiet_hours") or "").strip()
    values.update(quiet_start=None, quiet_end=None)
    if quiet:
        match = _QUIET.fullmatch(quiet)
        start, end = (int(match[1]), int(match[2])) if match else (-1, -1)
        if not (0 <= start <= 23 and 0 <= end <= 23) or start == end:
            errors["quiet_hours"] = "Give two different hours from 0 to 23, e.g. `18-08`."
        values.update(quiet_start=start, quiet_end=end)
    if manager:
        lead = (inputs.get("prep_lead_hours") or "").strip()
        values["prep_lead_hours"] = None
        if lead:
            if not lead.isdigit() or not 1 <= int(lead) <= MAX_LEAD_HOURS:
                errors["prep_lead_hours"] = f"Give a whole number of hours, 1 to {MAX_LEAD_HOURS}."
            else:
                values["prep_lead_hours"] = int(lead)
    if errors:
        raise InvalidInput(errors)
    return values


def _personal_saved(services: Services, person: Person, changed: list[str]) -> Message:
    assert person.id is not None
    row = services.store.settings.get(person.id)
    own = personal_cadence(row)
    when = (
        f"your own time, {day_time(own)}"
        if own
        else f"your team's time, {day_time(team_cadence(services, person))}"
    )
    mood = "shared with your manager" if row.share_mood else "seen only by you"
    lines = [f"• Check-ins come at {when} (your local time).", f"• Your mood is {mood}."]
    if row.quiet_start is not None and row.quiet_end is not None:
        lines.append(f"• Quiet hours: {row.quiet_start:02d}:00–{row.quiet_end:02d}:00.")
    if row.prep_lead_hours:
        lines.append(f"• 1:1 prep nudges arrive {row.prep_lead_hours} h before each 1:1.")
    lead = ":gear: Your settings are saved." if changed else ":gear: Nothing changed."
    return Message(
        summary="Settings saved" if changed else "Settings unchanged",
        blocks=(
            Section(text(lead)),
            Section(text("\n".join(lines))),
            Context(text("Change them any time with `/candor settings` or from Candor's Home.")),
        ),
    )


# --- org settings (HR) ------------------------------------------------------------------------


def _require_hr(actor: Person) -> None:
    if Role(actor.role) not in HR_ONLY:
        raise PermissionDenied(
            "Only HR and admins can change the organisation's settings. "
            "Use `/candor settings` for your own."
        )


def org_form(services: Services) -> Form:
    """HR's form: values, minimum group size, digest channel and time, prefilled."""
    config = effective_core_config(services)
    digest = digest_schedule(services)
    return Form(
        title="Organisation settings",
        submit_action=ORG_SUBMIT,
        blocks=(
            Input(
                "Company values (comma-separated; used as #tags in kudos)",
                "values",
                initial=", ".join(config.values),
            ),
            Input(
                f"Minimum group size for any number or theme (at least {MIN_GROUP_FLOOR})",
                "min_group",
                kind="number",
                initial=str(effective_min_group(config.min_group)),
            ),
            Input(
                "Weekly digest channel id (empty: the server's setting)",
                "hr_channel",
                placeholder="e.g. C0123ABCD",
                initial=config.hr_channel or "",
                optional=True,
            ),
            Input(
                "Digest day and time (org time zone)",
                "digest_time",
                placeholder="e.g. mon 09:00",
                initial=day_time(digest),
            ),
            Context(text("Changes apply from the next digest and the next request.")),
        ),
    )


def read_org(inputs: Mapping[str, str]) -> dict[str, Any]:
    """The org form's values, ready for `OrgSettingsRepo.save`.

    Raises:
        InvalidInput: naming each field to fix.
    """
    errors: dict[str, str] = {}
    found: dict[str, Any] = {}
    names = [v.strip().lstrip("#").lower() for v in (inputs.get("values") or "").split(",")]
    values = list(dict.fromkeys(v for v in names if v))
    bad = [v for v in values if not _VALUE.fullmatch(v)]
    if not values:
        errors["values"] = "List at least one company value, e.g. `ownership, craft`."
    elif bad:
        errors["values"] = f"“{bad[0]}” can't be a #tag: use letters, digits, - or _."
    elif len(values) > MAX_VALUES:
        errors["values"] = f"Keep it to {MAX_VALUES} values at most."
    found["values"] = values
    raw = (inputs.get("min_group") or "").strip()
    if not raw.isdigit() or not MIN_GROUP_FLOOR <= int(raw) <= MAX_MIN_GROUP:
        errors["min_group"] = (
            f"Give a whole number from {MIN_GROUP_FLOOR} to {MAX_MIN_GROUP}: smaller groups "
            "could single people out, so Candor never goes below 3."
        )
    else:
        found["min_group"] = int(raw)
    channel = (inputs.get("hr_channel") or "").strip()
    if channel and not _CHANNEL.fullmatch(channel):
        errors["hr_channel"] = "Give the channel's id (e.g. C0123ABCD), not its #name."
    found["hr_channel"] = channel or None
    try:
        digest = parse_cadence((inputs.get("digest_time") or "").strip())
    except ValueError:
        errors["digest_time"] = "Give a weekday and a time, e.g. `mon 09:00`."
    else:
        if digest.every_weeks != 1:
            errors["digest_time"] = "The digest is weekly: give only a day and a time."
        found["digest_schedule"] = {
            "weekday": digest.weekday,
            "hour": digest.hour,
            "minute": digest.minute,
        }
    if errors:
        raise InvalidInput(errors)
    return found


def _org_saved(services: Services, changed: list[str]) -> Message:
    config = effective_core_config(services)
    lines = [
        "• Values: " + ", ".join(f"#{v}" for v in config.values),
        f"• Minimum group size: {effective_min_group(config.min_group)}",
        f"• Digest: {day_time(digest_schedule(services))} to "
        + (f"`{config.hr_channel}`" if config.hr_channel else "no channel (not sent)"),
    ]
    lead = ":gear: Organisation settings saved." if changed else ":gear: Nothing changed."
    return Message(
        summary="Organisation settings saved" if changed else "Organisation settings unchanged",
        blocks=(Section(text(lead)), Section(text("\n".join(lines)))),
    )


# --- commands and actions ---------------------------------------------------------------------


async def settings_command(command: Command, ctx: RequestContext) -> list[Outgoing]:
    """/candor settings [org]: open the personal or (HR) the organisation form."""
    words = [w.lower() for w in command.words]
    if words in ([], ["me"], ["personal"]):
        return [Outgoing(ToRequester(), personal_form(ctx.services, ctx.actor), "form")]
    if words == ["org"]:
        _require_hr(ctx.actor)
        return [Outgoing(ToRequester(), org_form(ctx.services), "form")]
    raise UsageError(
        "`/candor settings` opens your settings; `/candor settings org` the organisation's.",
        usage=f"Usage: `{USAGE}`",
    )


async def open_personal(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The Settings button (Home, welcome): the personal form."""
    return [Outgoing(ToRequester(), personal_form(ctx.services, ctx.actor), "form")]


async def open_org(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """HR's Org settings button on Home."""
    _require_hr(ctx.actor)
    return [Outgoing(ToRequester(), org_form(ctx.services), "form")]


async def save_personal(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """The personal form was submitted: check, store (audited), confirm."""
    services, actor = ctx.services, ctx.actor
    assert actor.id is not None
    values = read_personal(interaction.inputs, manager=is_manager(services, actor))
    changed = services.store.settings.save_personal(actor.id, values, services.clock())
    return [Outgoing(ToRequester(), _personal_saved(services, actor, changed), "settings.saved")]


async def save_org(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
    """HR's form was submitted: check, store (audited), confirm."""
    _require_hr(ctx.actor)
    values = read_org(interaction.inputs)
    now = ctx.services.clock()
    changed = org_settings(ctx.services).save(values, at=now, actor_id=ctx.actor.id)
    return [Outgoing(ToRequester(), _org_saved(ctx.services, changed), "settings.org_saved")]


def register(router: Router) -> None:
    """Add /candor settings, its forms and the buttons that open them."""
    router.command(
        "candor settings",
        summary="Your check-in time, mood sharing and quiet hours (HR: add org for org settings)",
        usage=USAGE,
        examples=("/candor settings", "/candor settings org"),
    )(settings_command)
    router.action(OPEN_PERSONAL)(open_personal)
    router.action(PERSONAL_SUBMIT)(save_personal)
    router.action(OPEN_ORG, roles=HR_ONLY)(open_org)
    router.action(ORG_SUBMIT, roles=HR_ONLY)(save_org)
