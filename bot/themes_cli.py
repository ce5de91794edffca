"""`candor themes`: the theme engine on an exported CSV, for analysts."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any

from bot.settings import Settings, SettingsError
from insights.anonymity import effective_min_group
from insights.themes import FeedbackItem, ThemeResult, find_themes
from store.vector.embedder import make_embedder


def _read(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    path = args.input
    if not path.is_file():
        raise SettingsError(f"no such file: {path}")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        for column in filter(None, (args.text_column, args.person_column)):
            if column not in columns:
                raise SettingsError(
                    f"{path.name} has no column {column!r}; its columns are: {', '.join(columns)}"
                )
        texts: list[str] = []
        people: list[str] = []
        for number, row in enumerate(reader):
            texts.append((row.get(args.text_column) or "").strip())
            people.append(
                row.get(args.person_column) or f"row{number}"
                if args.person_column
                else f"row{number}"
            )
    return texts, people


def analyse(
    texts: list[str], people: list[str], vectors: list[list[float]], min_size: int
) -> ThemeResult:
    """Run the engine on rows; empty texts get no theme."""
    ids = {name: i for i, name in enumerate(dict.fromkeys(people))}
    items = [
        FeedbackItem(id=f"row:{n}", text=t, vector=v, subject_ids=(ids[p],), author_id=None)
        for n, (t, p, v) in enumerate(zip(texts, people, vectors, strict=True))
        if t
    ]
    return find_themes(items, min_size=min_size)


def run_themes(settings: Settings, args: argparse.Namespace) -> int:
    """Read the CSV, embed the texts offline, find themes and print them."""
    texts, people = _read(args)
    min_size = effective_min_group(args.min_size or settings.core.min_group)
    embedder = make_embedder(settings.embedder, settings.data_dir / "models")
    vectors = embedder.embed(texts) if texts else []
    result = analyse(texts, people, vectors, min_size)
    by_item = {f"row:{n}": n for n in range(len(texts))}
    assignments: list[str | None] = [None] * len(texts)
    for item_id, assigned in zip(
        [f"row:{n}" for n, t in enumerate(texts) if t], result.assignments, strict=True
    ):
        assignments[by_item[item_id]] = assigned
    if args.json:
        payload: dict[str, Any] = {
            "themes": [
                {
                    "id": t.id,
                    "label": t.label,
                    "keywords": list(t.keywords),
                    "polarity": t.polarity,
                    "size": t.size,
                    "people": t.people,
                    "representative_rows": [int(i.split(":")[1]) for i in t.representative_ids],
                }
                for t in result.themes
            ],
            "assignments": assignments,
        }
        json.dump(payload, sys.stdout, indent=2)
        print()
        return 0
    print(f"{len(result.themes)} themes in {len(texts)} rows (themes need {min_size}+ items)")
    for theme in result.themes:
        print(f"  {theme.id:>4}  {theme.size:>5}  {theme.polarity:<8}  {theme.label}")
    unassigned = sum(a is None for a in assignments)
    print(f"  rows without a theme: {unassigned}")
    return 0
