"""`candor demo`: a month of a sample org replayed offline through the real Slack app, then a
day of it on Microsoft Teams through the same Candor, then a week of check-ins, goals and 1:1s.

This module prepares the sandbox and the log file, runs a session (`bot.demo.session`) and
prints the summary. The heavy imports happen inside `run_demo`, once the log file is set up,
so that import-time log lines land in the file rather than on the terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from bot.demo import loop_scenario, scenario
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.demo.replay import Outcome

log = logging.getLogger(__name__)

MARKER = ".candor-demo"


class SandboxError(Exception):
    """The output folder can't be used; the message says why."""


def prepare_sandbox(out_dir: Path) -> None:
    """Empty `out_dir` for a fresh run; refuse a folder that isn't an earlier demo's.

    Raises:
        SandboxError: `out_dir` holds something other than a previous demo.
    """
    if out_dir.exists():
        if not out_dir.is_dir():
            raise SandboxError(f"{out_dir} is a file; choose another --out")
        if any(out_dir.iterdir()) and not (out_dir / MARKER).is_file():
            # Never wipe a folder the demo didn't create (--out . or the real data dir).
            raise SandboxError(
                f"{out_dir} is not empty and was not made by `candor demo`; "
                "choose another --out or empty it first"
            )
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    (out_dir / MARKER).write_text("Made by `candor demo`; wiped on the next run.\n")


class ExpectedWarnings(logging.Filter):
    """Keeps the demo's own, expected warnings off the console (the log file still has them).

    The demo runs Teams without request authentication on purpose (there is no Bot Framework
    service offline to sign requests) and says so in its summary; the adapter's warning about
    it would otherwise interrupt the terminal output.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.name == "bot.teams.adapter"
            and str(record.msg).startswith("Teams request authentication is DISABLED")
        )


@contextlib.contextmanager
def logs_to_file(path: Path) -> Iterator[None]:
    """Send log records to `path` for the run; the console keeps warnings and errors only.

    The terminal is for the demo's own output; the log file shows what an operator would see.
    """
    root = logging.getLogger()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    saved = [(h, h.level) for h in root.handlers]
    saved_level = root.level
    expected = ExpectedWarnings()
    for existing, level in saved:
        existing.setLevel(max(level, logging.WARNING))
        existing.addFilter(expected)
    root.addHandler(handler)
    root.setLevel(min(saved_level or logging.WARNING, logging.INFO))
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(saved_level)
        for existing, level in saved:
            existing.setLevel(level)
            existing.removeFilter(expected)


def check_log_privacy(outcome: Outcome) -> None:
    """Logs hold ids only: flag any feedback text or person name found in the log file."""
    if not outcome.log_path.is_file():
        return
    logged = outcome.log_path.read_text(encoding="utf-8", errors="replace")
    leaks = [k.text for k in outcome.kudos if k.text in logged]
    leaks += [m.name for m in scenario.ORG if m.name in logged]
    if outcome.loop is not None:
        leaks += [text for text in loop_scenario.private_texts() if text in logged]
    if leaks:
        outcome.problems.append(f"the log file contains {len(leaks)} piece(s) of sample text")


def run_demo(settings: Settings, out_dir: Path | None) -> int:
    """Run the demo and print its summary; returns the exit code (0 when all went as expected).

    Args:
        settings: the user's settings; only `data_dir` is read (for the default output folder
            and to reuse an already converted model).
        out_dir: where to write the demo; wiped first. Defaults to `data_dir / "demo"`.
    """
    out = out_dir or settings.data_dir / "demo"
    try:
        prepare_sandbox(out)
    except SandboxError as error:
        print(f"candor demo: {error}", file=sys.stderr)
        return 2
    shared_models = settings.data_dir / "models"
    models_dir = shared_models if shared_models.is_dir() else out / "models"
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if callable(reconfigure):
        reconfigure(errors="replace")  # emoji on a terminal that can't show them: no crash
    with logs_to_file(out / "demo.log"):
        try:
            from bot.demo.report import summary_json, terminal_report, transcript_html
            from bot.demo.session import replay

            outcome = asyncio.run(replay(out, models_dir))
        except Exception as error:
            log.exception("demo failed")
            # The terminal, not the log, gets the message: it may name a path or a setting.
            print(
                f"candor demo: failed: {type(error).__name__}: {error} (details in "
                f"{out / 'demo.log'})",
                file=sys.stderr,
            )
            return 1
    check_log_privacy(outcome)
    outcome.transcript_path.write_text(transcript_html(outcome), encoding="utf-8")
    (out / "summary.json").write_text(summary_json(outcome), encoding="utf-8")
    print(terminal_report(outcome))
    return 1 if outcome.all_problems() else 0
