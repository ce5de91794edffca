"""/candor help: every command with an example, generated from the router's registry."""

from __future__ import annotations

from handlers.messages import Block, Context, Header, Message, Outgoing, Section, ToRequester, text
from handlers.router import CommandSpec, Router
from handlers.services import RequestContext
from handlers.types import Command, Role

USAGE = "/candor help | privacy | ai | mydata | erase | audit"


# Below Block Kit's 3,000 characters per section and an Adaptive Card's practical text size.
SECTION_CHARS = 2500


def command_groups(router: Router, role: Role | None = None) -> list[list[CommandSpec]]:
    """Commands grouped under their top-level command (`/goal`, then `/goal add`, …), the
    ones `role` may use (all when None); one group per top-level command keeps the help within
    every platform's limit on blocks per message."""
    groups = []
    for top in router.top_level:
        specs = [
            spec
            for name, spec in sorted(router.commands.items())
            if (name == top or name.startswith(f"{top} ")) and (role is None or role in spec.roles)
        ]
        if specs:
            groups.append(specs)
    return groups


def group_sections(lines: list[str]) -> list[Section]:
    """Lines of help as as few sections as fit the size limit."""
    sections: list[Section] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > SECTION_CHARS:
            sections.append(Section(text(current)))
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        sections.append(Section(text(current)))
    return sections


def _line(spec: CommandSpec) -> str:
    example = f" · e.g. `{spec.examples[0]}`" if spec.examples else ""
    return f"*/{spec.name}* — {spec.summary}\n`{spec.usage}`{example}"


def help_message(router: Router, role: Role) -> Message:
    """The commands this person may use, with usage and an example each."""
    blocks: list[Block] = [Header("What Candor can do for you")]
    for group in command_groups(router, role):
        shown = [spec for spec in group if spec.name != "candor"]
        blocks.extend(group_sections([_line(spec) for spec in shown]))
    blocks.append(
        Context(
            text(
                "Every command answers `help` with its usage. Candor prepares, never decides: "
                "it doesn't rate anyone, never shows groups smaller than the minimum, and "
                "managers can't read private notes. See `/candor privacy`."
            )
        )
    )
    return Message(summary="What Candor can do", blocks=tuple(blocks))


def register(router: Router) -> None:
    """Add /candor and /candor help (listing whatever else is registered)."""

    async def show_help(command: Command, ctx: RequestContext) -> list[Outgoing]:
        message = help_message(router, Role(ctx.actor.role))
        return [Outgoing(ToRequester(), message, "help")]

    router.command(
        "candor",
        summary="Help, privacy and your own data",
        usage=USAGE,
        examples=("/candor help",),
    )(show_help)
    router.command(
        "candor help",
        summary="Every command, with an example",
        usage="/candor help",
        examples=("/candor help",),
    )(show_help)
