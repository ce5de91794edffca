"""Candor's settings: one typed object built once at start-up from the environment and `.env`."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from handlers.config import COACH_MODES, CoreConfig
from insights.schedule import parse_holidays

SLACK_DEFAULT_API_URL = "https://slack.com/api/"
WORKER_MODES = ("process", "external", "inline")
# The bot scopes in manifests/slack/manifest.yaml (tests/test_slack_oauth.py keeps them equal).
SLACK_DEFAULT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "files:write",
    "im:write",
    "im:history",
    "users:read",
    "users:read.email",
)
# user:password@ in a URL, parsed the way SQLAlchemy does (the password runs to the first "@").
_URL_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it and says how to fix it."""


class Secret:
    """A secret value that never prints: `repr`, `str` and f-strings show a mask."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        """Return the secret itself, for the one place that needs it (a client, a verifier)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')" if self._value else "Secret('')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _optional_int(env: Mapping[str, str], name: str, minimum: int) -> int | None:
    if not env.get(name, "").strip():
        return None
    return _int(env, name, minimum, minimum=minimum)


def _hide_password(url: str | None) -> str | None:
    """The URL with any password masked, so a database or Chroma URL can be printed."""
    return _URL_PASSWORD.sub(r"\1***@", url, count=1) if url else url


def _timezone(raw: str | None) -> str:
    name = (raw or "").strip() or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"CANDOR_TIMEZONE must be an IANA time zone such as Europe/Berlin, got {name!r}"
        ) from None
    return name


def _holidays(raw: str | None) -> frozenset[date]:
    """`CANDOR_HOLIDAYS`: ISO dates separated by commas or spaces, or the path of a file of them
    (one or more per line, `#` starts a comment)."""
    value = (raw or "").strip()
    if not value:
        return frozenset()
    if not value[0].isdigit():
        path = Path(value)
        if not path.is_file():
            raise SettingsError(
                f"CANDOR_HOLIDAYS must list dates like 2026-12-24,2026-12-25 or name a file of "
                f"them; {value!r} is neither"
            )
        lines = path.read_text(encoding="utf-8").splitlines()
        value = " ".join(line.split("#", 1)[0] for line in lines)
    try:
        return parse_holidays(value)
    except ValueError as error:
        raise SettingsError(f"CANDOR_HOLIDAYS: {error}") from None


def _values(raw: str | None) -> tuple[str, ...]:
    if raw is None or not raw.strip():
        return CoreConfig().values
    items = [v.strip().lstrip("#").lower() for v in raw.replace(";", ",").split(",")]
    return tuple(dict.fromkeys(v for v in items if v))


def _coach_mode(raw: str | None) -> str:
    mode = (raw or "").strip().lower() or "hint"
    if mode not in COACH_MODES:
        raise SettingsError(f"CANDOR_COACH must be hint, confirm or off, got {mode!r}")
    return mode


APP_TYPES = {
    "multitenant": "MultiTenant",
    "singletenant": "SingleTenant",
    "userassignedmsi": "UserAssignedMSI",
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise SettingsError(f"{name} must be on or off (1/0, true/false, yes/no), got {raw!r}")


@dataclass(frozen=True)
class TeamsSettings:
    """The bot's Microsoft app registration and whether incoming requests are authenticated.

    Authentication (Bot Framework JWTs on every incoming request) is on unless
    `CANDOR_TEAMS_AUTH_DISABLED` is set, which only tests and the offline demo do.
    """

    app_id: str = ""
    app_password: Secret = field(default_factory=lambda: Secret(""))
    app_type: str = "MultiTenant"
    tenant_id: str = ""
    auth_disabled: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TeamsSettings:
        """Read `MICROSOFT_APP_*` and `CANDOR_TEAMS_AUTH_DISABLED` from `env` (default: os.environ).

        Raises:
            SettingsError: for an unknown app type.
        """
        values = os.environ if env is None else env
        raw_type = (values.get("MICROSOFT_APP_TYPE") or "MultiTenant").strip()
        app_type = APP_TYPES.get(raw_type.lower())
        if app_type is None:
            raise SettingsError(
                "MICROSOFT_APP_TYPE must be MultiTenant, SingleTenant or UserAssignedMSI, "
                f"got {raw_type!r}"
            )
        return cls(
            app_id=(values.get("MICROSOFT_APP_ID") or "").strip(),
            app_password=Secret((values.get("MICROSOFT_APP_PASSWORD") or "").strip()),
            app_type=app_type,
            tenant_id=(values.get("MICROSOFT_APP_TENANT_ID") or "").strip(),
            auth_disabled=(values.get("CANDOR_TEAMS_AUTH_DISABLED") or "").strip().lower() in _TRUE,
        )

    @property
    def configured(self) -> bool:
        """Whether Teams is set up at all (an app id, or the explicit test switch)."""
        return bool(self.app_id) or self.auth_disabled

    def check(self) -> None:
        """Fail fast, naming every setting that authentication needs and lacks.

        Raises:
            SettingsError: listing the missing environment variables.
        """
        if self.auth_disabled:
            return
        missing = [] if self.app_id else ["MICROSOFT_APP_ID"]
        if self.app_type != "UserAssignedMSI" and not self.app_password:
            missing.append("MICROSOFT_APP_PASSWORD")
        if self.app_type != "MultiTenant" and not self.tenant_id:
            missing.append("MICROSOFT_APP_TENANT_ID")
        if missing:
            raise SettingsError(
                f"missing required Teams setting{'s' if len(missing) > 1 else ''}: "
                + ", ".join(missing)
                + f" (MICROSOFT_APP_TYPE={self.app_type}; set CANDOR_TEAMS_AUTH_DISABLED=1 "
                "only for offline tests)"
            )


@dataclass(frozen=True)
class SlackOAuthSettings:
    """Installing Candor in several Slack workspaces (OAuth), on when a client id and secret
    are set; tokens then live in the database, one bot token per workspace."""

    client_id: str = ""
    client_secret: Secret = field(default_factory=lambda: Secret(""))
    scopes: tuple[str, ...] = SLACK_DEFAULT_SCOPES
    redirect_uri: str | None = None
    token_rotation: bool = False
    # The workspace for posts that no request names (the weekly digest to the HR channel).
    team_id: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SlackOAuthSettings:
        """Read `SLACK_CLIENT_ID`, `SLACK_CLIENT_SECRET`, `SLACK_SCOPES`, `SLACK_REDIRECT_URI`,
        `SLACK_TOKEN_ROTATION` and `CANDOR_SLACK_TEAM_ID`."""
        raw_scopes = (env.get("SLACK_SCOPES") or "").replace(" ", ",").split(",")
        scopes = tuple(dict.fromkeys(s.strip() for s in raw_scopes if s.strip()))
        return cls(
            client_id=(env.get("SLACK_CLIENT_ID") or "").strip(),
            client_secret=Secret((env.get("SLACK_CLIENT_SECRET") or "").strip()),
            scopes=scopes or SLACK_DEFAULT_SCOPES,
            redirect_uri=(env.get("SLACK_REDIRECT_URI") or "").strip() or None,
            token_rotation=(env.get("SLACK_TOKEN_ROTATION") or "").strip().lower() in _TRUE,
            team_id=(env.get("CANDOR_SLACK_TEAM_ID") or "").strip() or None,
        )

    @property
    def requested(self) -> bool:
        """Whether either OAuth credential is set (both are then required)."""
        return bool(self.client_id or self.client_secret)


@dataclass(frozen=True)
class Settings:
    """Everything Candor reads from its environment. Build it with `Settings.from_env()`."""

    data_dir: Path = Path(".candor")
    database_url: str = ""
    chroma_url: str | None = None
    embedder: str = "minilm"
    slack_bot_token: Secret = field(default_factory=lambda: Secret(""))
    slack_signing_secret: Secret = field(default_factory=lambda: Secret(""))
    slack_app_token: Secret = field(default_factory=lambda: Secret(""))
    slack_api_url: str = SLACK_DEFAULT_API_URL
    llm: str | None = None
    log_level: str = "INFO"
    # A scheduled send that fails this many times is dead-lettered and admins are alerted.
    delivery_max_attempts: int = 5
    # Where `candor serve` handles Slack requests after the ack: "process" (a worker process
    # it starts), "external" (workers started separately with `candor worker`) or "inline";
    # None when CANDOR_WORKER is not set (see `bot.serve.worker_mode`).
    worker: str | None = None
    # Where that worker process serves /healthz and /metrics (default: the web port + 1).
    worker_port: int | None = None
    core: CoreConfig = field(default_factory=CoreConfig)
    teams: TeamsSettings = field(default_factory=TeamsSettings)
    slack_oauth: SlackOAuthSettings = field(default_factory=SlackOAuthSettings)

    def __repr__(self) -> str:
        # URLs may carry a password (postgresql://user:password@host/db): mask it like a Secret.
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("database_url", "chroma_url"):
                value = _hide_password(value)
            shown.append(f"{f.name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, dotenv_path: Path | None = Path(".env")
    ) -> Settings:
        """Read settings from `.env` (if present) overlaid by the process environment.

        Args:
            env: the environment to read; defaults to `os.environ`.
            dotenv_path: a `.env` file whose values apply where the environment has none.
        """
        merged: dict[str, str] = {}
        if dotenv_path is not None and dotenv_path.is_file():
            merged.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
        merged.update(os.environ if env is None else env)

        data_dir = Path(merged.get("CANDOR_DATA_DIR") or ".candor")
        database_url = merged.get("DATABASE_URL") or f"sqlite:///{data_dir / 'candor.db'}"
        if database_url.startswith("postgres://"):
            # Heroku-style URLs: SQLAlchemy wants the explicit dialect and driver.
            database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
        elif database_url.startswith("postgresql://"):
            database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
        api_url = merged.get("SLACK_API_URL") or SLACK_DEFAULT_API_URL
        if not api_url.endswith("/"):
            api_url += "/"
        embedder = (merged.get("CANDOR_EMBEDDER") or "minilm").strip().lower()
        if embedder not in ("minilm", "hashing"):
            raise SettingsError(f"CANDOR_EMBEDDER must be 'minilm' or 'hashing', got {embedder!r}")
        worker = (merged.get("CANDOR_WORKER") or "").strip().lower() or None
        if worker is not None and worker not in WORKER_MODES:
            raise SettingsError(
                f"CANDOR_WORKER must be one of {', '.join(WORKER_MODES)}, got {worker!r}"
            )
        core = CoreConfig(
            values=_values(merged.get("CANDOR_VALUES")),
            kudos_channel=(merged.get("CANDOR_KUDOS_CHANNEL") or "").strip() or None,
            kudos_daily_limit=_int(merged, "CANDOR_KUDOS_DAILY_LIMIT", 10, minimum=1),
            kudos_max_chars=_int(merged, "CANDOR_KUDOS_MAX_CHARS", 500, minimum=20),
            min_group=_int(merged, "CANDOR_MIN_GROUP", 5, minimum=3),
            hr_channel=(merged.get("CANDOR_HR_CHANNEL") or "").strip() or None,
            timezone=_timezone(merged.get("CANDOR_TIMEZONE")),
            retention_days=_optional_int(merged, "CANDOR_RETENTION_DAYS", minimum=30),
            skip_level=_switch(merged, "CANDOR_SKIP_LEVEL", True),
            holidays=_holidays(merged.get("CANDOR_HOLIDAYS")),
            checkin_reminder_hours=_int(merged, "CANDOR_CHECKIN_REMINDER_HOURS", 6, minimum=1),
            prep_lead_hours=_int(merged, "CANDOR_PREP_LEAD_HOURS", 24, minimum=1),
            goal_stale_weeks=_int(merged, "CANDOR_GOAL_STALE_WEEKS", 3, minimum=1),
            coach_mode=_coach_mode(merged.get("CANDOR_COACH")),
        )
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            chroma_url=(merged.get("CHROMA_URL") or "").strip() or None,
            embedder=embedder,
            slack_bot_token=Secret(merged.get("SLACK_BOT_TOKEN", "").strip()),
            slack_signing_secret=Secret(merged.get("SLACK_SIGNING_SECRET", "").strip()),
            slack_app_token=Secret(merged.get("SLACK_APP_TOKEN", "").strip()),
            slack_api_url=api_url,
            llm=(merged.get("CANDOR_LLM") or "").strip() or None,
            log_level=(merged.get("CANDOR_LOG_LEVEL") or "INFO").upper(),
            delivery_max_attempts=_int(merged, "CANDOR_DELIVERY_MAX_ATTEMPTS", 5, minimum=1),
            worker=worker,
            worker_port=_optional_int(merged, "CANDOR_WORKER_PORT", minimum=1),
            core=core,
            teams=TeamsSettings.from_env(merged),
            slack_oauth=SlackOAuthSettings.from_env(merged),
        )

    @property
    def slack_configured(self) -> bool:
        """Whether any Slack credential is set."""
        return bool(self.slack_bot_token or self.slack_signing_secret or self.slack_oauth.requested)

    @property
    def slack_required(self) -> tuple[str, ...]:
        """The settings serving Slack needs: a client id and secret for several workspaces
        (OAuth), else one bot token; the signing secret either way."""
        if self.slack_oauth.requested:
            return ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_SIGNING_SECRET")
        return ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")

    def require(self, *names: str) -> None:
        """Fail fast, naming every required setting that is empty.

        Raises:
            SettingsError: listing the missing environment variables.
        """
        attrs = {
            "SLACK_BOT_TOKEN": self.slack_bot_token,
            "SLACK_SIGNING_SECRET": self.slack_signing_secret,
            "SLACK_APP_TOKEN": self.slack_app_token,
            "SLACK_CLIENT_ID": self.slack_oauth.client_id,
            "SLACK_CLIENT_SECRET": self.slack_oauth.client_secret,
        }
        missing = [n for n in names if not attrs[n]]
        if missing:
            raise SettingsError(
                f"missing required setting{'s' if len(missing) > 1 else ''}: "
                + ", ".join(missing)
                + " (set in the environment or in .env; see the README's configuration table)"
            )
