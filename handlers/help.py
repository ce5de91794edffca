"""/candor help: every command with an example, generated from the router's registry."""

from __future__ import annotations

from handlers.messages import Block, Context, Header, Message, Outgoing, Section, ToRequester, text
from handlers.router import CommandSpec, Router
from handlers.services import RequestContext
from handlers.types import Command, Role

USAGE = "/candor help | privacy | ai | mydata | erase | audit"


def _line(spec: CommandSpec) -> Section:
    example = f"\nExample: `{spec.examples[0]}`" if spec.examples else ""
    return Section(text(f"*/{spec.name}* — {spec.summary}\n`{spec.usage}`{example}"))


def help_message(router: Router, role: Role) -> Message:
    """The commands this person may use, with usage and an example each."""
    specs = [s for name, s in sorted(router.commands.items()) if role in s.roles]
    blocks: list[Block] = [Header("What Candor can do for you")]
    blocks.extend(_line(spec) for spec in specs if spec.name != "candor")
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
