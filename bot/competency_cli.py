"""`candor competencies import`, `candor learning import` and `candor skills link`.

Imports are validated whole (every bad line reported, nothing stored) and update in place, so
importing a file twice stores it once. `skills link` recomputes every evidence link.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.settings import Settings, SettingsError

COMMANDS = ("competencies", "learning", "skills")


def add_parsers(sub: Any) -> None:
    """Register the competency sub-commands on `candor`."""
    competencies = sub.add_parser("competencies", help="the competency framework")
    c_sub = competencies.add_subparsers(
        dest="competencies_command", required=True, metavar="ACTION"
    )
    c_imp = c_sub.add_parser("import", help="import roles, competencies and level descriptors")
    c_imp.add_argument("file", type=Path, help="YAML, or CSV: role,level,competency,descriptor")
    learning = sub.add_parser("learning", help="the learning catalogue")
    l_sub = learning.add_subparsers(dest="learning_command", required=True, metavar="ACTION")
    l_imp = l_sub.add_parser("import", help="import learning items from a CSV file")
    l_imp.add_argument("file", type=Path, help="CSV: title,url,competency,level,format,duration")
    skills = sub.add_parser("skills", help="skill profiles")
    s_sub = skills.add_subparsers(dest="skills_command", required=True, metavar="ACTION")
    s_sub.add_parser("link", help="recompute which records speak to which competencies")


def _read(path: Path) -> str:
    if not path.is_file():
        raise SettingsError(f"no such file: {path}")
    return path.read_text(encoding="utf-8-sig")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run one of the competency sub-commands."""
    from handlers.services import utc_now
    from store.repository import Store

    store = Store.open(settings.database_url)
    try:
        if args.command == "competencies":
            return _import_framework(store, args.file, utc_now())
        if args.command == "learning":
            return _import_catalogue(store, args.file, utc_now())
        return _link(store, settings)
    finally:
        store.close()


def _import_framework(store: Any, path: Path, at: Any) -> int:
    from handlers.competency_files import parse_framework

    framework = parse_framework(_read(path), path.name)
    s = store.competencies.import_framework(framework.competencies, framework.expectations, at=at)
    print(
        f"Imported {path.name}: {len(framework.competencies)} competencies, "
        f"{len(framework.expectations)} role expectations — {s.added} added, {s.updated} "
        f"updated, {s.unchanged} unchanged. Run `candor skills link` to link evidence."
    )
    return 0


def _import_catalogue(store: Any, path: Path, at: Any) -> int:
    from handlers.competency_files import parse_catalogue

    known = {c.name.lower() for c in store.competencies.framework().competencies}
    if not known:
        raise SettingsError("import a competency framework first (`candor competencies import`)")
    rows = parse_catalogue(_read(path), known)
    s = store.competencies.import_catalogue(rows, at=at)
    print(f"Imported {path.name}: {s.added} added, {s.updated} updated, {s.unchanged} unchanged.")
    return 0


def _link(store: Any, settings: Settings) -> int:
    from handlers.skills_data import link_all
    from store.vector.embedder import make_embedder

    embedder = make_embedder(settings.embedder, settings.data_dir / "models")
    s = link_all(store, embedder)
    print(f"Linked {s.linked_records} of {s.records} records to competencies ({s.links} links).")
    return 0
