"""The router: where commands and actions are registered with their permissions, and dispatched.

Each feature module exposes `register(router)`. Adapters ask the router which commands exist
(for the Slack manifest and help) and hand it normalized commands and interactions; identity
and permission checks happen here, once, before any handler runs.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Literal

from handlers.errors import NotRegistered, PermissionDenied, UsageError
from handlers.identity import resolve
from handlers.messages import Outgoing
from handlers.ports import PlatformDirectory
from handlers.services import RequestContext, Services
from handlers.types import Command, Interaction, Role
from store.models import Person

log = logging.getLogger(__name__)

CommandHandler = Callable[[Command, RequestContext], Awaitable[list[Outgoing]]]
ActionHandler = Callable[[Interaction, RequestContext], Awaitable[list[Outgoing]]]

EVERYONE = frozenset(Role)
HR_ONLY = frozenset({Role.HR, Role.ADMIN})
ROLE_NAMES = {
    Role.EMPLOYEE: "employees",
    Role.MANAGER: "managers",
    Role.HR: "HR",
    Role.ADMIN: "admins",
}


@dataclass(frozen=True)
class CommandSpec:
    """A registered command: its handler, help and who may run it."""

    name: str
    handler: CommandHandler
    summary: str
    usage: str
    examples: tuple[str, ...] = ()
    roles: frozenset[Role] = EVERYONE


@dataclass(frozen=True)
class ActionSpec:
    """A registered button or form action: every `action_id` starting with `prefix`."""

    prefix: str
    handler: ActionHandler
    roles: frozenset[Role] = EVERYONE


@dataclass(frozen=True)
class Permission:
    """Who may use one registered command or action, as declared where it was registered."""

    name: str  # "/candor privacy" for a command, the `action_id` prefix for an action
    kind: Literal["command", "action"]
    roles: frozenset[Role]

    def allows(self, role: Role) -> bool:
        """Whether a person with `role` may use it."""
        return role in self.roles


class Router:
    """Registry and dispatcher of Candor's commands and actions."""

    def __init__(self) -> None:
        self._commands: dict[str, CommandSpec] = {}
        self._actions: dict[str, ActionSpec] = {}

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

    def action(
        self, prefix: str, *, roles: frozenset[Role] = EVERYONE
    ) -> Callable[[ActionHandler], ActionHandler]:
        """Register a handler for button/form actions whose id starts with `prefix`."""

        def decorate(handler: ActionHandler) -> ActionHandler:
            if prefix in self._actions:
                raise ValueError(f"action {prefix!r} is registered twice")
            self._actions[prefix] = ActionSpec(prefix, handler, roles)
            return handler

        return decorate

    @property
    def commands(self) -> dict[str, CommandSpec]:
        """Every registered command by name; sub-commands are named "candor mydata"."""
        return dict(self._commands)

    @property
    def top_level(self) -> list[str]:
        """The command names a platform registers (`/kudos`, `/candor`), sorted."""
        return sorted({name.split(" ", 1)[0] for name in self._commands})

    def resolve(self, command: Command) -> tuple[CommandSpec, Command]:
        """The spec a command runs and the command as its handler sees it.

        `/candor mydata json` runs "candor mydata" with args `json`; an unknown sub-command
        gets the closest match suggested.

        Raises:
            UsageError: the command or sub-command doesn't exist.
        """
        sub = f"{command.name} {command.first_word}"
        if command.first_word and sub in self._commands:
            return self._commands[sub], replace(command, args=command.args[1:])
        subs = sorted(
            n.split(" ", 1)[1] for n in self._commands if n.startswith(f"{command.name} ")
        )
        if command.name in self._commands and not (subs and command.first_word):
            return self._commands[command.name], command
        if not subs:
            known = ", ".join(f"/{n}" for n in self.top_level)
            raise UsageError(f"I don't know /{command.name}. Commands I know: {known}.")
        close = difflib.get_close_matches(command.first_word, subs, n=1, cutoff=0.5)
        hint = f" Did you mean `/{command.name} {close[0]}`?" if close else ""
        listed = ", ".join(f"`/{command.name} {s}`" for s in subs)
        raise UsageError(
            f"I don't know `/{command.name} {command.first_word}`.{hint} Try {listed}."
        )

    @property
    def actions(self) -> dict[str, ActionSpec]:
        """Every registered action, by id prefix."""
        return dict(self._actions)

    def permissions(self) -> list[Permission]:
        """The authorization matrix: every command and action with the roles allowed to use it.

        This is read from the registrations themselves, so it is exactly what `dispatch` and
        `dispatch_action` enforce.
        """
        commands = [Permission(f"/{n}", "command", s.roles) for n, s in self._commands.items()]
        actions = [Permission(p, "action", s.roles) for p, s in self._actions.items()]
        return sorted(commands, key=lambda p: p.name) + sorted(actions, key=lambda p: p.name)

    async def dispatch(
        self, command: Command, services: Services, directory: PlatformDirectory
    ) -> list[Outgoing]:
        """Resolve who is asking, check they may, and run the command's handler.

        Raises:
            CandorError: with a message for the user (unknown command, not in the directory,
                not allowed, or whatever the handler rejects).
        """
        spec, command = self.resolve(command)
        actor = await self._actor(services, directory, command.user_id)
        _check_role(services, actor, spec.roles, f"/{spec.name}")
        log.info("command /%s by person %s (request %s)", spec.name, actor.id, command.request_key)
        return await spec.handler(command, RequestContext(services, actor, directory))

    async def dispatch_action(
        self, interaction: Interaction, services: Services, directory: PlatformDirectory
    ) -> list[Outgoing]:
        """Like `dispatch`, for a button press or form submission."""
        matches = [p for p in self._actions if interaction.action_id.startswith(p)]
        if not matches:
            raise UsageError("That button is no longer supported. Run the command again.")
        spec = self._actions[max(matches, key=len)]
        actor = await self._actor(services, directory, interaction.user_id)
        _check_role(services, actor, spec.roles, "this")
        log.info("action %s by person %s", spec.prefix, actor.id)
        return await spec.handler(interaction, RequestContext(services, actor, directory))

    @staticmethod
    async def _actor(services: Services, directory: PlatformDirectory, user_id: str) -> Person:
        who = await resolve(services, directory, user_id)
        if who.person is None:
            raise NotRegistered(
                "You're not in Candor's org directory yet, so I can't do that for you. "
                "Ask your HR team to add you (they run `candor org import`)."
            )
        return who.person


def allowed_roles_text(roles: frozenset[Role]) -> str:
    """The roles in words, for messages: "managers, HR and admins"."""
    names = [ROLE_NAMES[r] for r in Role if r in roles]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


def _check_role(services: Services, actor: Person, roles: frozenset[Role], what: str) -> None:
    """The one authorization point: every command and action passes here before its handler."""
    if Role(actor.role) in roles:
        return
    allowed = allowed_roles_text(roles)
    who = [p.name for p in services.store.people.all() if p.active and Role(p.role) in roles]
    ask = f" Ask {', '.join(who[:3])}." if who and len(roles) < len(Role) else ""
    raise PermissionDenied(f"Only {allowed} can use {what}.{ask}")
