"""Logging that carries ids and counts, never content.

Candor's own modules log ids only. The Slack SDKs log whole request and response bodies at
DEBUG (message text, names, emails), so their loggers never go below INFO here, whatever
`CANDOR_LOG_LEVEL` says.
"""

from __future__ import annotations

import logging

CHATTY_LIBRARIES = (
    "slack_sdk",
    "slack_bolt",
    "botbuilder",
    "botframework",
    "msrest",
    "msal",
    "chromadb",
    "httpx",
    "urllib3",
)
# Bolt also logs whole request bodies in some warnings (a bad signature, an unhandled request).
SDK_PREFIXES = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "msrest", "msal")
# "oauth": Bolt's install flow logs the redirect's query string, with its one-time code.
_CONTENT_MARKERS = ("body", "text", "payload", "blocks", "view", "user_name", "email", "oauth")


class ContentRedactor(logging.Filter):
    """Withholds the detail of SDK log lines that may quote what people wrote."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(SDK_PREFIXES):
            message = record.getMessage()
            if any(marker in message.lower() for marker in _CONTENT_MARKERS):
                head = message.split("(", 1)[0].split(":", 1)[0].strip()[:80]
                record.msg = f"{head} [details withheld: may quote message content]"
                record.args = ()
        return True


def configure_logging(level: str) -> None:
    """Set up the root logger at `level` and cap the SDKs that would log content."""
    numeric = getattr(logging, level.upper(), logging.INFO)
    logging.basicConfig(level=numeric, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.setLevel(numeric)
    for handler in root.handlers:
        if not any(isinstance(f, ContentRedactor) for f in handler.filters):
            handler.addFilter(ContentRedactor())
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(max(numeric, logging.INFO))
    # Alembic announces its plugins at INFO on every start; only its warnings matter here.
    logging.getLogger("alembic").setLevel(max(numeric, logging.WARNING))
