"""The Bolt app: every command the router knows becomes a Slack listener that acks first."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.web.async_client import AsyncWebClient

from bot.inflight import InFlight
from bot.metrics import Metrics
from bot.settings import Settings
from bot.slack.deferral import SlackRole, defer_to_worker
from bot.slack.directory import SlackDirectory
from bot.slack.home import register_home_listeners
from bot.slack.oauth import InstallHook, SlackOAuth, register_revocation_listeners
from bot.slack.parse import command_from_payload, interaction_from_payload, interaction_from_view
from bot.slack.retry_policy import slack_retry_handlers
from bot.slack.sender import ReplyTarget, SlackSender
from bot.slack.workspaces import client_with_token
from handlers.errors import InvalidInput
from handlers.identity import resolve
from handlers.messages import Outgoing
from handlers.outcome import outcome
from handlers.router import Router
from handlers.services import Services
from handlers.types import MentionRef
from handlers.welcome import maybe_welcome

log = logging.getLogger(__name__)

# Events API subscriptions the app handles; the manifest must list exactly these.
SUBSCRIBED_EVENTS: tuple[str, ...] = (
    "app_uninstalled",
    "tokens_revoked",
    "app_home_opened",
    "team_join",
    "message.im",
)


def make_client(settings: Settings) -> AsyncWebClient:
    """A Web API client for `SLACK_API_URL` that waits out 429s and retries 5xx and timeouts.

    With OAuth (several workspaces) it carries no token: each request gets its workspace's.
    """
    token = None if settings.slack_oauth.requested else settings.slack_bot_token.get()
    return AsyncWebClient(
        token=token or None,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=slack_retry_handlers(),
    )


def installer_welcome(
    services: Services, sender: SlackSender, client: AsyncWebClient, inflight: InFlight
) -> InstallHook:
    """What runs after an install through `/slack/install`: the installer's welcome DM, sent
    once ever (`handlers.welcome`), with the new workspace's bot token.

    The installer is matched to a person by their Slack id, else by their profile's email;
    someone not in the org directory gets nothing. It runs before Bolt's success page goes
    back (a lookup and one DM at most), so the install is complete when the page shows; a
    failure is logged with ids only and the page is shown all the same.
    """

    async def welcome(installation: Installation) -> None:
        token, user_id, team_id = installation.bot_token, installation.user_id, installation.team_id
        if not token or not user_id:
            return
        speaking = client_with_token(client, token)
        person = (await resolve(services, SlackDirectory(speaking), user_id)).person
        if person is None:
            log.info("installer of team %s is not in the org directory: no welcome", team_id)
            return
        if team_id:
            services.store.people.set_slack_team({user_id}, team_id)
        outgoing = await maybe_welcome(services, person.id)
        if outgoing:
            report = await sender.with_client(speaking).deliver(outgoing, ReplyTarget(user_id))
            log.info("installer welcome: %s sent, %s failed", report.sent, len(report.failed))

    async def tracked(installation: Installation) -> None:
        async with inflight.track():  # a shutdown waits for it like for any listener
            await welcome(installation)

    return tracked


def build_slack_app(
    settings: Settings,
    services: Services,
    router: Router,
    *,
    client: AsyncWebClient | None = None,
    sender: SlackSender | None = None,
    oauth: SlackOAuth | None = None,
    inflight: InFlight | None = None,
    metrics: Metrics | None = None,
    role: SlackRole = "inline",
) -> AsyncApp:
    """Build the Bolt app. Signature verification is on; it needs the signing secret.

    `role` says where the work after an ack runs (`bot.slack.deferral`): "inline" in this
    process; "web" queues it for a worker process; "worker" replays what the web process
    queued (requests it already verified, so this app does not check signatures again).

    With `SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET` the app installs into several workspaces
    (`/slack/install`, tokens in Candor's database) and answers each request with the token of
    the workspace it came from; otherwise it uses the one `SLACK_BOT_TOKEN`.

    Raises:
        SettingsError: if a setting the mode needs is missing.
    """
    settings.require(*settings.slack_required)
    client = client or make_client(settings)
    if oauth is None and settings.slack_oauth.requested:
        oauth = SlackOAuth.build(settings.slack_oauth, services.store.engine, client)
    replaying = role == "worker"
    app = AsyncApp(
        signing_secret=settings.slack_signing_secret.get(),
        client=client,
        name="candor",
        # Without OAuth the client carries the token; passing it twice makes Bolt warn.
        oauth_settings=oauth.settings if oauth is not None else None,
        request_verification_enabled=not replaying,
        # A replay returns once its listener has finished, so the worker knows it is done.
        process_before_response=replaying,
    )
    if role == "web":
        defer_to_worker(app, services.store.request_queue, services.clock)
    directory = SlackDirectory(client)
    sender = sender or SlackSender(client, services.store)
    inflight = inflight or InFlight()
    metrics = metrics or Metrics()

    def count(kind: str, outgoing: list[Outgoing]) -> None:
        failed = any(o.purpose == "error" for o in outgoing)
        metrics.replies.inc(platform="slack", kind=kind, outcome="error" if failed else "ok")

    def speaking(request_client: AsyncWebClient) -> tuple[SlackSender, SlackDirectory]:
        # One token: the app's own client. Several workspaces: Bolt's per-request client,
        # which carries the token of the workspace the request came from.
        if oauth is None:
            return sender, directory
        return sender.with_client(request_client), SlackDirectory(request_client)

    def remember_workspace(team_id: str, user_ids: set[str]) -> None:
        # Scheduled posts later pick each person's workspace token by it.
        if oauth is not None and team_id:
            services.store.people.set_slack_team(user_ids, team_id)

    async def run(
        what: str,
        key: str,
        target: ReplyTarget,
        via: SlackSender,
        work: Callable[[], Awaitable[list[Outgoing]]],
    ) -> None:
        async with inflight.after_ack():
            outgoing = await outcome(what, key, work)
            count(what.split(" ", 1)[0] if what.startswith("action") else "command", outgoing)
            report = await via.deliver(outgoing, target)
        log.info(
            "%s delivered %s message(s), %s failed (request %s)",
            what,
            report.sent,
            len(report.failed),
            key,
        )

    async def on_command(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        # Ack first: Slack gives us three seconds; lookups, storage and posts come after.
        await ack()
        command = command_from_payload(body)
        target = ReplyTarget(
            command.user_id, command.channel_id, body.get("response_url"), body.get("trigger_id")
        )
        via, people = speaking(client)
        await run(
            f"/{command.name}",
            command.request_key,
            target,
            via,
            lambda: router.dispatch(command, services, people),
        )
        mentioned = {a.platform_user_id for a in command.args if isinstance(a, MentionRef)}
        remember_workspace(command.workspace_id, {command.user_id} | mentioned)

    async def on_action(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        interaction = interaction_from_payload(body)
        target = ReplyTarget(
            interaction.user_id,
            interaction.channel_id,
            body.get("response_url"),
            body.get("trigger_id"),
        )
        via, people = speaking(client)
        await run(
            f"action {interaction.action_id.split(':', 1)[0]}",
            interaction.request_key,
            target,
            via,
            lambda: router.dispatch_action(interaction, services, people),
        )
        remember_workspace(interaction.workspace_id, {interaction.user_id})

    async def on_view(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        # A modal's Submit: the work runs before the ack (small writes), so that field errors
        # can go back into the still-open modal; everything else is answered in a DM.
        interaction = interaction_from_view(body)
        what = f"form {interaction.action_id.split(':', 1)[0]}"
        via, people = speaking(client)
        rejected: dict[str, str] = {}

        async def work() -> list[Outgoing]:
            try:
                return await router.dispatch_action(interaction, services, people)
            except InvalidInput as error:
                rejected.update(error.fields)
                raise

        async with inflight.track():
            outgoing = await outcome(what, interaction.request_key, work)
            count("form", outgoing)
            if rejected:
                await ack(response_action="errors", errors=rejected)
                return
            await ack()
            report = await via.deliver(outgoing, ReplyTarget(interaction.user_id))
        log.info(
            "%s delivered %s message(s), %s failed (request %s)",
            what,
            report.sent,
            len(report.failed),
            interaction.request_key,
        )
        remember_workspace(interaction.workspace_id, {interaction.user_id})

    for name in router.top_level:
        app.command(f"/{name}")(on_command)
    for prefix in router.actions:
        app.action(re.compile("^" + re.escape(prefix)))(on_action)
        app.view(re.compile("^" + re.escape(prefix)))(on_view)
    register_revocation_listeners(app, oauth)
    if oauth is not None:
        oauth.on_installed(installer_welcome(services, sender, client, inflight))
    register_home_listeners(app, services, router, speaking, inflight)
    return app
