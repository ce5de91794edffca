"""What the Teams bot says on its own: help, welcome, and answers to things that aren't commands.

Written in Candor's message model from the router's registry, so a new command shows up in
help (and in the manifest's command list, which a test keeps in sync) without edits here.
"""

from __future__ import annotations

import difflib

from handlers.help import command_groups, group_sections
from handlers.messages import Block, Context, Header, Message, Section, text
from handlers.router import CommandSpec, Router

HELP = "help"


def _usage(spec: CommandSpec) -> str:
    # In Teams a command is a message; the leading slash is optional.
    return spec.usage.removeprefix("/")


def _line(spec: CommandSpec) -> str:
    example = f" · e.g. `{spec.examples[0].removeprefix('/')}`" if spec.examples else ""
    return f"*{spec.name}* — {spec.summary}\n`{_usage(spec)}`{example}"


def _command_section(spec: CommandSpec) -> Section:
    fields = [("Usage", text(f"`{_usage(spec)}`"))]
    if spec.examples:
        fields.append(("Example", text(f"`{spec.examples[0].removeprefix('/')}`")))
    return Section(text(f"*{spec.name}* — {spec.summary}"), tuple(fields))


def help_message(router: Router) -> Message:
    """Every command the router knows, with its usage and an example."""
    blocks: list[Block] = [Header("What I can do")]
    for group in command_groups(router):
        blocks.extend(group_sections([_line(spec) for spec in group]))
    blocks.append(
        Context(
            text(
                "Send a command to me in a 1:1 chat, or mention me first in a channel "
                "(`@Candor kudos …`). Type `help <command>` for one command."
            )
        )
    )
    return Message(summary="What Candor can do", blocks=tuple(blocks))


def command_help(spec: CommandSpec) -> Message:
    """Help for one command."""
    return Message(summary=f"How to use {spec.name}", blocks=(_command_section(spec),))


def suggestion(word: str, router: Router) -> str | None:
    """The known command closest to a word the bot didn't recognise, if any is close."""
    matches = difflib.get_close_matches(word, [*router.commands, HELP], n=1, cutoff=0.6)
    return matches[0] if matches else None


def unknown_command(word: str, router: Router) -> Message:
    """An answer to a message that isn't a command: the closest command, or the full list."""
    close = suggestion(word, router) if word else None
    if close is not None:
        note = f"I don't know *{word}*. Did you mean *{close}*? Type *help* to see everything."
        return Message(summary=f"Did you mean {close}?", blocks=(Section(text(note)),))
    lead = Section(
        text("I only understand commands, and I didn't find one in that message. :bulb:")
    )
    listing = help_message(router)
    return Message(summary="Here's what I can do", blocks=(lead, *listing.blocks))


def welcome_message(kind: str, router: Router) -> Message:
    """The hello when Candor is added to a 1:1 chat, a group chat or a team."""
    if kind == "personal":
        lead = (
            ":wave: Hi, I'm Candor. I help you give specific, public kudos and, over time, "
            "prepare fair feedback for 1:1s and reviews. People only ever see what they're "
            "allowed to see."
        )
    else:
        lead = (
            ":wave: Thanks for adding Candor here. Mention me with a command, like "
            "`@Candor kudos @person for …`; replies that are only for you come to your "
            "1:1 chat with me."
        )
    listing = help_message(router)
    return Message(summary="Hi, I'm Candor", blocks=(Section(text(lead)), *listing.blocks[1:]))
