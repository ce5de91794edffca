"""The Teams adapter's settings live with the others in `bot.settings`."""

from bot.settings import APP_TYPES, TeamsSettings

__all__ = ["APP_TYPES", "TeamsSettings"]
