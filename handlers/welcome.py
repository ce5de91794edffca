"""Onboarding and the answer to chat that isn't a command.

`welcome` sends a person one short DM, once ever (`PersonSettingsRepo.mark_welcomed`): what
Candor does, what it never does, how AI is used, and three commands to try, each with a button.
Adapters call `maybe_welcome` when someone first opens Candor, joins the workspace or runs a
first command. `answer_message` replies to a DM that isn't a command, so nobody talks to
silence; what they wrote is neither read further, stored nor logged.
"""

from __future__ import annotations

import logging

from handlers.help import help_message
from handlers.home_sections import CHECKIN_ACTION, HELP_ACTION, SETTINGS_ACTION, period_of
from handlers.messages import (
    Actions,
    Block,
    Button,
    Context,
    Header,
    Message,
    Outgoing,
    Section,
    ToPerson,
    ToRequester,
    text,
)
from handlers.router import Router
from handlers.services import Services
from handlers.types import Role
from insights.anonymity import effective_min_group
from store.models import Person

log = logging.getLogger(__name__)

KUDOS_EXAMPLE = "/kudos @teammate for untangling the release checklist #teamwork"
HELP_WORDS = {"help", "?", "/help", "commands"}


def _ai_line(services: Services) -> str:
    if services.llm is None:
        engine = (
            "Here Candor uses its *offline engine*: themes and summaries are worked out on "
            "Candor's own server, and no feedback goes to an AI service."
        )
    else:
        engine = (
            "Your admin has connected a language model. It only sees aggregate key phrases "
            "and quotes that passed the group-size rules, with names removed."
        )
    return (
        f"*How AI is used*\n{engine} An AI model is used only when an admin configures one. "
        "Every AI sentence cites the records it rests on, and a person reviews and approves "
        "anything AI drafts before anyone else sees it."
    )


def welcome_message(services: Services, person: Person) -> Message:
    """The welcome DM: what Candor does and never does, how AI is used, three things to try."""
    first = person.name.split()[0] if person.name.strip() else "there"
    k = effective_min_group(services.config.min_group)
    now = services.clock()
    blocks: list[Block] = [
        Header("Welcome to Candor"),
        Section(
            text(
                f":wave: Hi {first}! Candor helps you give specific kudos, check in each week, "
                "keep your goals moving and come to 1:1s prepared — right here in chat."
            )
        ),
        Section(
            text(
                "*What Candor never does*\n"
                "• decide ratings or rank anyone — people decide, Candor prepares\n"
                f"• show a number or theme for a group of fewer than {k} people\n"
                "• let managers read your private notes; your mood reaches your manager only "
                "if you choose to share it"
            )
        ),
        Section(text(_ai_line(services))),
        Section(text(f"*Try these*\n• `{KUDOS_EXAMPLE}`\n• `/checkin`\n• `/candor settings`")),
        Actions(
            (
                Button("How to give kudos", f"{HELP_ACTION}:kudos", "kudos", "primary"),
                Button("Check in now", CHECKIN_ACTION, period_of(services, person, now)),
                Button("My settings", SETTINGS_ACTION),
            )
        ),
        Context(
            text(
                "Your Home (the Home tab in Slack, `candor home` in Teams) shows your own "
                "picture. `/candor help` lists every command; `/candor privacy` says who sees "
                "what."
            )
        ),
    ]
    return Message(summary="Welcome to Candor", blocks=tuple(blocks))


async def welcome(services: Services, person: Person) -> list[Outgoing]:
    """The welcome DM for a person, or nothing if they were welcomed before (ever)."""
    if person.id is None or not person.active:
        return []
    if not services.store.settings.mark_welcomed(person.id, services.clock()):
        return []
    log.info("welcoming person %s", person.id)
    return [Outgoing(ToPerson(person.id), welcome_message(services, person), "welcome")]


async def maybe_welcome(services: Services, person_id: int | None) -> list[Outgoing]:
    """The welcome DM for someone who just opened Candor, joined, or ran a first command;
    nothing for people Candor doesn't know or has welcomed already."""
    if person_id is None:
        return []
    person = services.store.people.get(person_id)
    return await welcome(services, person) if person is not None else []


def answer_message(router: Router, person: Person | None, words: str) -> Message:
    """The reply to a DM that isn't a command: the full help for "help", else a short hint."""
    if person is None:
        return Message(
            summary="You're not in Candor's directory yet",
            blocks=(
                Section(
                    text(
                        ":wave: Hi! You're not in Candor's org directory yet, so I can't do "
                        "much for you. Ask your HR team to add you."
                    )
                ),
            ),
        )
    role = Role(person.role)
    if words.strip().lower() in HELP_WORDS:
        return help_message(router, role)
    tops = sorted({n.split(" ", 1)[0] for n, s in router.commands.items() if role in s.roles})
    listed = " · ".join(f"`/{name}`" for name in tops)
    return Message(
        summary="I answer commands",
        blocks=(
            Section(
                text(
                    ":wave: I answer commands rather than chat, and I don't keep what you "
                    f"write here. Try `{KUDOS_EXAMPLE}`, or `/checkin` for this week's check-in."
                )
            ),
            Context(text(f"Commands: {listed}. Type `help` here or `/candor help` for all.")),
            Actions((Button("Show all commands", f"{HELP_ACTION}:all", "candor help"),)),
        ),
    )


def answer_reply(router: Router, person: Person | None, words: str) -> list[Outgoing]:
    """`answer_message` as a private reply."""
    return [Outgoing(ToRequester(), answer_message(router, person, words), "chat")]
