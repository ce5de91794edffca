"""The router: where commands are registered with their usage and permissions, and dispatched.

Each feature module exposes `register(router)`. Adapters ask the router which commands exist
(for the Slack manifest and help) and hand it normalized commands; identity and permission
checks happen here, once, before any handler runs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers.errors import NotRegistered, PermissionDenied, UsageError
from handlers.identity import resolve
from handlers.messages import Outgoing
from handlers.ports import PlatformDirectory
from handlers.services import RequestContext, Services
from handlers.types import Command, Role

log = logging.getLogger(__name__)

CommandHandler = Callable[[Command, RequestContext], Awaitable[list[Outgoing]]]

EVERYONE = frozenset(Role)


@dataclass(frozen=True)
class CommandSpec:
    """A registered command: its handler, help and who may run it."""

    name: str
    handler: CommandHandler
    summary: str
    usage: str
    examples: tuple[str, ...] = ()
    roles: frozenset[Role] = EVERYONE


class Router:
    """Registry and dispatcher of Candor's commands."""

    def __init__(self) -> None:
        self._commands: dict[str, CommandSpec] = {}

    def command(
        self,
        name: str,
        *,
        summary: str,
        usage: str,
        examples: tuple[str, ...] = (),
        roles: frozenset[Role] = EVERYONE,
    ) -> Callable[[CommandHandler], CommandHandler]:
        """Register a handler for a command (`name` without the slash)."""

        def decorate(handler: CommandHandler) -> CommandHandler:
            if name in self._commands:
                raise ValueError(f"command {name!r} is registered twice")
            self._commands[name] = CommandSpec(name, handler, summary, usage, examples, roles)
            return handler

        return decorate

    @property
    def commands(self) -> dict[str, CommandSpec]:
        """Every registered command, by name."""
        return dict(self._commands)

    async def dispatch(
        self, command: Command, services: Services, directory: PlatformDirectory
    ) -> list[Outgoing]:
        """Resolve who is asking, check they may, and run the command's handler.

        Raises:
            CandorError: with a message for the user (unknown command, not in the directory,
                not allowed, or whatever the handler rejects).
        """
        spec = self._commands.get(command.name)
        if spec is None:
            known = ", ".join(f"/{n}" for n in sorted(self._commands))
            raise UsageError(f"I don't know /{command.name}. Commands I know: {known}.")
        who = await resolve(services, directory, command.user_id)
        if who.person is None:
            raise NotRegistered(
                "You're not in Candor's org directory yet, so I can't do that for you. "
                "Ask your HR team to add you (they run `candor org import`)."
            )
        actor = who.person
        if Role(actor.role) not in spec.roles:
            allowed = ", ".join(sorted(r.value for r in spec.roles))
            raise PermissionDenied(f"Only people with the role {allowed} can use /{spec.name}.")
        log.info("command /%s by person %s (request %s)", spec.name, actor.id, command.request_key)
        return await spec.handler(command, RequestContext(services, actor, directory))
