"""`candor` — the command line: serve, import the org and ratings, calibration, reindex, export
the audit log, demo."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.logging_setup import configure_logging
from bot.settings import Settings, SettingsError
from handlers.errors import CandorError

log = logging.getLogger("candor")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every `candor` sub-command."""
    parser = argparse.ArgumentParser(
        prog="candor", description="Continuous, fair performance feedback in Slack and Teams."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the web server (Slack HTTP mode) or Socket Mode")
    serve.add_argument("--host", default="0.0.0.0", help="interface to listen on")
    serve.add_argument("--port", type=int, default=3000, help="port to listen on (default 3000)")
    serve.add_argument(
        "--socket", action="store_true", help="connect with Socket Mode (needs SLACK_APP_TOKEN)"
    )

    worker = sub.add_parser(
        "worker",
        help="do the work Slack requests start, index and schedule (`candor serve` starts one)",
    )
    worker.add_argument("--host", default="127.0.0.1", help="interface for /healthz, /metrics")
    worker.add_argument(
        "--port", type=int, default=None, help="serve /healthz and /metrics on this port"
    )

    org = sub.add_parser("org", help="manage the org directory")
    org_sub = org.add_subparsers(dest="org_command", required=True, metavar="ACTION")
    imp = org_sub.add_parser("import", help="import people from a CSV file")
    imp.add_argument("file", type=Path, help="CSV: email,name,manager_email,department,title,role")
    imp.add_argument(
        "--no-slack", action="store_true", help="don't look up Slack user ids by email"
    )

    from bot.calibration_cli import add_parsers as add_calibration_parsers

    add_calibration_parsers(sub, org_sub)

    from bot.competency_cli import add_parsers as add_competency_parsers

    add_competency_parsers(sub)

    themes = sub.add_parser("themes", help="find recurring themes in a CSV export of feedback")
    themes.add_argument("--input", type=Path, required=True, help="CSV file with a header row")
    themes.add_argument("--text-column", default="text", help="column holding the feedback text")
    themes.add_argument(
        "--person-column",
        default=None,
        help="column naming who the feedback is about (default: each row is its own person)",
    )
    themes.add_argument("--json", action="store_true", help="print JSON instead of a table")
    themes.add_argument(
        "--min-size", type=int, default=None, help="smallest theme (default CANDOR_MIN_GROUP)"
    )

    teams = sub.add_parser("teams", help="Microsoft Teams helpers")
    teams_sub = teams.add_subparsers(dest="teams_command", required=True, metavar="ACTION")
    package = teams_sub.add_parser("package", help="build the Teams app zip (manifest + icons)")
    package.add_argument("--out", type=Path, default=Path("candor-teams.zip"))
    package.add_argument("--domain", default=None, help="public host, e.g. candor.example.com")
    package.add_argument("--app-id", default=None, help="default: MICROSOFT_APP_ID")

    audit = sub.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    export = audit_sub.add_parser("export", help="write the audit log as CSV or JSON")
    export.add_argument(
        "--out", type=Path, required=True, help="file to write (.json: JSON with AI outputs)"
    )
    export.add_argument("--days", type=int, default=30, help="how far back (default 30 days)")

    erase = sub.add_parser("erase", help="erase a person's data from SQL and the vector index")
    erase.add_argument("--email", required=True, help="the person's email in the directory")
    erase.add_argument("--yes", action="store_true", help="don't ask to confirm")

    from bot.deliveries_cli import add_parser as add_deliveries_parser

    add_deliveries_parser(sub)

    sub.add_parser("reindex", help="rebuild the vector index from SQL")
    sub.add_parser("migrate", help="bring the database schema up to date")

    demo = sub.add_parser(
        "demo", help="replay a sample org through the real Slack and Teams apps, offline"
    )
    demo.add_argument(
        "--out", type=Path, default=None, help="where to write the demo (default DATA_DIR/demo)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `candor` command."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        configure_logging(settings.log_level)
        return _run(args, settings)
    except (SettingsError, CandorError) as error:
        message = error.user_message if isinstance(error, CandorError) else str(error)
        print(f"candor: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        from bot.serve import serve

        asyncio.run(serve(settings, host=args.host, port=args.port, socket_mode=args.socket))
        return 0
    if args.command == "worker":
        from bot.worker import run_worker

        asyncio.run(run_worker(settings, host=args.host, port=args.port))
        return 0
    if args.command in ("ratings", "calibration") or getattr(args, "org_command", "") == (
        "import-attributes"
    ):
        from bot import calibration_cli

        if args.command == "ratings" and args.ratings_command == "cycle":
            return calibration_cli.run_ratings_cycle(settings, args)
        if args.command == "ratings":
            return calibration_cli.run_ratings_import(settings, args)
        if args.command == "org":
            return calibration_cli.run_attributes_import(settings, args)
        return calibration_cli.run_calibration(settings, args)
    if args.command in ("competencies", "learning", "skills"):
        from bot import competency_cli

        return competency_cli.run(settings, args)
    if args.command == "org":
        return asyncio.run(_org_import(settings, args.file, use_slack=not args.no_slack))
    if args.command == "reindex":
        return _reindex(settings)
    if args.command == "deliveries":
        from bot.deliveries_cli import run_deliveries

        return run_deliveries(settings, args)
    if args.command == "erase":
        from bot.erase_cli import run_erase

        return run_erase(settings, args)
    if args.command == "audit":
        return _audit_export(settings, args.out, args.days)
    if args.command == "teams":
        return _teams_package(settings, args)
    if args.command == "themes":
        from bot.themes_cli import run_themes

        return run_themes(settings, args)
    if args.command == "migrate":
        from store.repository import Store

        Store.open(settings.database_url).close()
        print("Database schema is up to date.")
        return 0
    if args.command == "demo":
        from bot.demo.run import run_demo

        return run_demo(settings, out_dir=args.out)
    raise AssertionError(args.command)


async def _org_import(settings: Settings, path: Path, *, use_slack: bool) -> int:
    from bot.slack.app import make_client
    from bot.slack.directory import SlackDirectory
    from handlers.org_import import import_directory
    from handlers.services import utc_now
    from store.repository import Store

    if not path.is_file():
        raise SettingsError(f"no such file: {path}")
    directory = team = None
    if use_slack and not settings.slack_oauth.requested:
        if settings.slack_bot_token:
            directory = SlackDirectory(make_client(settings))
        else:
            print("SLACK_BOT_TOKEN is not set: importing without Slack ids (linked on first use).")
    store = Store.open(settings.database_url)
    try:
        if use_slack and settings.slack_oauth.requested:
            # Several workspaces: look people up in the default one, with its stored token.
            from bot.slack.workspaces import default_workspace_client

            found = await default_workspace_client(settings, store, make_client(settings))
            if found is None:
                print(
                    "No Slack workspace to look people up in (install Candor, or set "
                    "CANDOR_SLACK_TEAM_ID): importing without Slack ids (linked on first use)."
                )
            else:
                team, directory = found[0], SlackDirectory(found[1])
        report = await import_directory(
            store, path.read_text(encoding="utf-8-sig"), utc_now(), directory
        )
        if team is not None:
            linked = [p.slack_user_id for p in store.people.all() if not p.slack_team_id]
            store.people.set_slack_team([u for u in linked if u], team)
    finally:
        store.close()
    s = report.summary
    print(f"Imported {path.name}: {s.created} added, {s.updated} updated, {s.unchanged} unchanged.")
    if directory is not None:
        print(
            f"Slack: {report.slack_linked} linked by email, {len(report.slack_missing)} not found."
        )
        for email in report.slack_missing[:20]:
            print(f"  not in Slack: {email}")
    return 0


def _teams_package(settings: Settings, args: argparse.Namespace) -> int:
    from bot.teams.package import build_package

    app_id = args.app_id or settings.teams.app_id
    if not app_id:
        raise SettingsError("set MICROSOFT_APP_ID (or pass --app-id) to build the Teams package")
    try:
        out = build_package(args.out, app_id, domain=args.domain)
    except ValueError as error:
        raise SettingsError(str(error)) from None
    print(f"Wrote {out}. Upload it in Teams: Apps → Manage your apps → Upload an app.")
    return 0


def _audit_export(settings: Settings, out: Path, days: int) -> int:
    from handlers.audit import MAX_DAYS, export_audit
    from handlers.services import utc_now
    from store.repository import Store

    if not 1 <= days <= MAX_DAYS:
        raise SettingsError(f"--days must be between 1 and {MAX_DAYS}, got {days}")
    store = Store.open(settings.database_url)
    try:
        # The shell is the server's admin; the export is audited like one from chat.
        data, count = export_audit(
            store,
            now=utc_now(),
            days=days,
            actor_id=None,
            actor_role="admin",
            via="cli",
            fmt="json" if out.suffix.lower() == ".json" else "csv",
        )
    finally:
        store.close()
    out.write_bytes(data)
    print(f"Wrote {count} audit events from the last {days} days to {out}.")
    return 0


def _reindex(settings: Settings) -> int:
    from tqdm import tqdm

    from bot.app import index_opener
    from handlers.services import utc_now
    from store.index_documents import document_count
    from store.indexer import reindex
    from store.repository import Store
    from store.vector.index import IndexBusyError

    store = Store.open(settings.database_url)
    try:
        try:
            index = index_opener(settings, recreate=True, background=False)()
        except IndexBusyError as error:
            raise SettingsError(str(error)) from None
        try:
            with tqdm(total=document_count(store), unit="doc", desc="reindex") as bar:
                added = reindex(store, index, utc_now(), progress=bar.update)
        finally:
            index.close()
    finally:
        store.close()
    print(f"Rebuilt the vector index: {added} documents.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
