"""Building signed Slack requests the way Slack sends them: for the demo, tests and benchmarks."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier


def signed_headers(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack adds to a request: the timestamp and the v0 HMAC-SHA256 signature."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": str(signature),
        "Content-Type": "application/x-www-form-urlencoded",
    }


def slash_command_body(
    *,
    command: str,
    text: str,
    user_id: str,
    user_name: str = "",
    channel_id: str = "C0GENERAL",
    channel_name: str = "general",
    team_id: str = "T0CANDOR",
    trigger_id: str,
    response_url: str,
) -> str:
    """A slash-command payload, form-encoded exactly as Slack posts it."""
    return urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": team_id,
            "team_domain": "candor-demo",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": "A0CANDOR",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )
