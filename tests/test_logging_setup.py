"""SDK log lines that quote request bodies are withheld; Candor's own id-only lines pass."""

from __future__ import annotations

import json
import logging

from bot.logging_setup import ContentRedactor, configure_logging


def _record(name: str, message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, logging.WARNING, __file__, 1, message, args, None)


def test_bolt_body_dumps_are_withheld() -> None:
    record = _record(
        "slack_bolt.middleware.request_verification",
        "Invalid request signature detected (signature: v0=1, timestamp: 1, body: %s)",
        "text=for+the+secret+project",
    )

    ContentRedactor().filter(record)

    assert "secret" not in record.getMessage()
    assert record.getMessage().startswith("Invalid request signature detected")


def test_candor_lines_are_untouched() -> None:
    record = _record("bot.slack.app", "/%s delivered %s message(s)", "kudos", 3)

    ContentRedactor().filter(record)

    assert record.getMessage() == "/kudos delivered 3 message(s)"


def test_sdks_never_log_below_info() -> None:
    configure_logging("DEBUG")

    assert logging.getLogger("slack_sdk").getEffectiveLevel() == logging.INFO
    assert logging.getLogger("slack_bolt").getEffectiveLevel() == logging.INFO
    assert logging.getLogger("bot").getEffectiveLevel() == logging.DEBUG


def test_lines_are_json_with_the_request_id_of_their_context() -> None:
    from bot.logging_setup import JsonLines, install_request_ids, request_context

    install_request_ids()
    factory = logging.getLogRecordFactory()
    with request_context("req-12345678"):
        inside = factory("bot.web", logging.INFO, __file__, 1, "%s ok", ("ping",), None)
    outside = factory("bot.web", logging.INFO, __file__, 1, "idle", (), None)

    line = json.loads(JsonLines().format(inside))
    assert line["request_id"] == "req-12345678" and line["message"] == "ping ok"
    assert json.loads(JsonLines().format(outside))["request_id"] is None
