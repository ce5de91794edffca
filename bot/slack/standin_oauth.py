"""The Slack stand-in's OAuth side: installs into several workspaces, one bot token per
workspace, token rotation, expiry and revocation.

A test plays the installer's browser: ``authorize_install(team_id)`` stands for the person
pressing "Allow" on slack.com and returns the one-time ``code`` Slack would put on the redirect
URL; the app then exchanges it with ``oauth.v2.access``. Token values are recorded for
assertions (``RecordedCall.token``), never logged.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

Args = dict[str, Any]
APP_ID = "A0CANDOR"
TOKEN_LIFETIME_S = 12 * 60 * 60  # Slack's rotating tokens last 12 hours


class OAuthError(Exception):
    """Answered as ``{"ok": false, "error": str(exc)}`` (a Slack error code)."""


@dataclass(frozen=True)
class Workspace:
    """A workspace the app is installed in, as its bot sees it."""

    team_id: str
    team_name: str
    bot_user_id: str
    bot_id: str


@dataclass
class Grant:
    """One access token: whose it is, and until when it works."""

    workspace: Workspace
    expires_at: float | None = None
    revoked: bool = False


@dataclass
class _Pending:
    workspace: Workspace
    installer_id: str
    scopes: tuple[str, ...]


@dataclass
class _OAuthApp:
    client_id: str
    client_secret: str
    rotation: bool
    lifetime_s: int
    codes: dict[str, _Pending] = field(default_factory=dict)
    refresh_tokens: dict[str, tuple[Workspace, tuple[str, ...]]] = field(default_factory=dict)


class OAuthStandIn:
    """Mixed into ``SlackStandIn``: token bookkeeping and the ``oauth.v2.access`` method."""

    team_id: str
    bot_user_id: str
    bot_id: str
    _lock: threading.Lock
    _grants: dict[str, Grant]
    _oauth: _OAuthApp | None
    _caller: Workspace

    def _init_tokens(self, token: str) -> None:
        primary = Workspace(self.team_id, "Candor Stand-in", self.bot_user_id, self.bot_id)
        self._grants = {token: Grant(primary)}
        self._oauth = None
        self._caller = primary

    # Test controls.

    def enable_oauth(
        self,
        client_id: str,
        client_secret: str,
        *,
        rotation: bool = False,
        lifetime_s: int = TOKEN_LIFETIME_S,
    ) -> None:
        """Register the app's OAuth credentials; with ``rotation`` (the Slack app's token
        rotation setting) tokens expire after ``lifetime_s`` and come with refresh tokens."""
        with self._lock:
            self._oauth = _OAuthApp(client_id, client_secret, rotation, lifetime_s)

    def authorize_install(
        self,
        team_id: str,
        team_name: str = "",
        *,
        installer_id: str = "U0INSTALLER",
        scopes: Sequence[str] = ("commands", "chat:write"),
    ) -> str:
        """The installer pressed "Allow" for ``team_id``: the one-time code for the redirect."""
        app = self._oauth_app()
        suffix = team_id.removeprefix("T")
        workspace = Workspace(team_id, team_name or team_id, f"U{suffix}BOT", f"B{suffix}BOT")
        code = f"code-{team_id}-{secrets.token_hex(6)}"
        with self._lock:
            app.codes[code] = _Pending(workspace, installer_id, tuple(scopes))
        return code

    def bot_tokens(self, team_id: str) -> list[str]:
        """The tokens of ``team_id`` that still work, oldest first."""
        now = time.time()
        with self._lock:
            return [
                token
                for token, grant in self._grants.items()
                if grant.workspace.team_id == team_id
                and not grant.revoked
                and (grant.expires_at is None or grant.expires_at > now)
            ]

    def expire(self, token: str) -> None:
        """Make ``token`` expired now (Slack answers ``token_expired``)."""
        with self._lock:
            self._grants[token].expires_at = time.time() - 1

    def revoke(self, team_id: str) -> None:
        """Revoke every token of ``team_id``, as an uninstall does."""
        with self._lock:
            for grant in self._grants.values():
                if grant.workspace.team_id == team_id:
                    grant.revoked = True
            if self._oauth is not None:
                self._oauth.refresh_tokens = {
                    k: v for k, v in self._oauth.refresh_tokens.items() if v[0].team_id != team_id
                }

    # Server side.

    def _oauth_app(self) -> _OAuthApp:
        if self._oauth is None:
            raise RuntimeError("call enable_oauth() first")
        return self._oauth

    def _authenticate(self, method: str, token: str | None, args: Args, basic: str) -> None:
        """Check the caller (a token, or the app's credentials for oauth.v2.access) and note
        whose call this is for methods that answer per workspace."""
        if method == "oauth.v2.access":
            self._check_client(args, basic)
            return
        if not token:
            raise OAuthError("not_authed")
        with self._lock:
            grant = self._grants.get(token)
        if grant is None:
            raise OAuthError("invalid_auth")
        if grant.revoked:
            raise OAuthError("token_revoked")
        if grant.expires_at is not None and grant.expires_at <= time.time():
            raise OAuthError("token_expired")
        self._caller = grant.workspace

    def _check_client(self, args: Args, basic: str) -> None:
        client_id, secret = args.get("client_id"), args.get("client_secret")
        if basic:
            try:
                client_id, _, secret = base64.b64decode(basic).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise OAuthError("invalid_client_id") from None
        app = self._oauth
        if app is None or client_id != app.client_id:
            raise OAuthError("invalid_client_id")
        if secret != app.client_secret:
            raise OAuthError("bad_client_secret")

    def _issue(self, workspace: Workspace, scopes: tuple[str, ...]) -> Args:
        app = self._oauth_app()
        prefix = "xoxe.xoxb-1-" if app.rotation else "xoxb-"
        token = f"{prefix}{workspace.team_id}-{secrets.token_hex(8)}"
        grant = Grant(workspace, time.time() + app.lifetime_s if app.rotation else None)
        issued: Args = {"access_token": token, "token_type": "bot", "scope": ",".join(scopes)}
        with self._lock:
            self._grants[token] = grant
            if app.rotation:
                refresh = f"xoxe-1-{workspace.team_id}-{secrets.token_hex(8)}"
                app.refresh_tokens[refresh] = (workspace, scopes)
                issued |= {"refresh_token": refresh, "expires_in": app.lifetime_s}
        return issued | {
            "bot_user_id": workspace.bot_user_id,
            "app_id": APP_ID,
            "team": {"id": workspace.team_id, "name": workspace.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _m_oauth_v2_access(self, args: Args) -> Args:
        app = self._oauth_app()
        if args.get("grant_type") == "refresh_token":
            with self._lock:
                found = app.refresh_tokens.pop(str(args.get("refresh_token") or ""), None)
            if found is None:
                raise OAuthError("invalid_refresh_token")
            return self._issue(*found)
        with self._lock:
            pending = app.codes.pop(str(args.get("code") or ""), None)
        if pending is None:
            raise OAuthError("invalid_code")
        issued = self._issue(pending.workspace, pending.scopes)
        return issued | {"authed_user": {"id": pending.installer_id}}
