"""The weekly digest and pre-1:1 preparation at scale: 100,000 stored kudos, 10,000 people,
1,000 managers each with a 1:1 due, check-ins and goals for every report.

Usage: python -m bench.scale [--items 100000] [--managers 1000] [--database-url URL]

Seeds a fresh database (SQLite in a temporary directory unless `--database-url` names an empty
PostgreSQL database) with bulk inserts, and an index holding a 384-dimension vector per kudos
(synthetic vectors around topic centres, as MiniLM's would cluster; embedding cost is measured by
`bench.embedder_throughput` and ingest by the outbox, not here). Then measures, each with wall
time and peak memory (Python and numpy allocations, traced in a second run):

- the weekly digest for the whole organisation (1 week against the week before), and a 4-week
  digest (8 weeks read: every stored item);
- the pre-1:1 round with all 1,000 managers' 1:1s due at once (topics for each report, from
  check-ins, goals, kudos and agendas);
- as references in the same run: reading the same rows with one SQL query each, and the theme
  engine alone on the same vectors — the floor each use case stands on.

Prints a table and writes `.candor/bench/scale.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench.synthetic_feedback import synthetic
from handlers.digest_render import render_digest
from handlers.digest_report import Scope, Window, build_report
from handlers.prep import prep_round
from handlers.services import Services
from insights.themes import find_themes
from store.kudos import doc_id
from store.models import (
    Checkin,
    Delivery,
    Goal,
    Kudos,
    KudosRecipient,
    OneOnOne,
    OutboxEntry,
    Person,
)
from store.repository import Store

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday; the 1:1s are tomorrow 09:00
DAYS = 56  # kudos spread over the last eight weeks


class _Vectors:
    """The part of the vector index the digest reads: stored vectors by document id."""

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self._vectors = vectors

    async def current(self) -> _Vectors:
        return self

    def vectors(self, ids: list[str]) -> dict[str, list[float]]:
        return {i: self._vectors[i] for i in ids if i in self._vectors}


def _seed(store: Store, items: int, managers: int, rng: random.Random) -> dict[str, Any]:
    """Bulk-insert the org, kudos, 1:1s, check-ins and goals; return what was made."""
    per_team = 9
    started = time.perf_counter()
    rows: list[dict[str, Any]] = [
        {
            "email": "hr@bench.example",
            "name": "HR",
            "role": "hr",
            "created_at": NOW,
            "updated_at": NOW,
            "department": "People",
            "title": "",
            "active": True,
        }
    ]
    for m in range(managers):
        rows.append(
            {
                "email": f"m{m}@bench.example",
                "name": f"Manager {m}",
                "role": "manager",
                "department": f"Dept {m % 25}",
                "title": "",
                "created_at": NOW,
                "updated_at": NOW,
                "active": True,
                "slack_user_id": f"UM{m:05d}",
            }
        )
    with store.engine.begin() as connection:
        connection.execute(insert(Person), rows)
        ids = dict(connection.execute(select(Person.email, Person.id)).all())
        reports = []
        for m in range(managers):
            for r in range(per_team):
                reports.append(
                    {
                        "email": f"p{m}-{r}@bench.example",
                        "name": f"Person {m}-{r}",
                        "role": "employee",
                        "department": f"Dept {m % 25}",
                        "title": "",
                        "manager_id": ids[f"m{m}@bench.example"],
                        "created_at": NOW,
                        "updated_at": NOW,
                        "active": True,
                        "slack_user_id": f"UP{m:05d}{r}",
                    }
                )
        connection.execute(insert(Person), reports)
        ids = dict(connection.execute(select(Person.email, Person.id)).all())
        people = list(ids.values())
        data = synthetic(items, seed=7)
        kudos_rows = [
            {
                "giver_id": rng.choice(people),
                "text": item.text,
                "company_values": ["craft"],
                "platform": "slack",
                "created_at": NOW - timedelta(seconds=rng.random() * DAYS * 86400),
            }
            for item in data["items"]
        ]
        for start in range(0, len(kudos_rows), 5000):
            connection.execute(insert(Kudos), kudos_rows[start : start + 5000])
        kudos_ids = [kid for (kid,) in connection.execute(select(Kudos.id).order_by(Kudos.id))]
        recipients = [{"kudos_id": kid, "person_id": rng.choice(people)} for kid in kudos_ids]
        for start in range(0, len(recipients), 10000):
            connection.execute(insert(KudosRecipient), recipients[start : start + 10000])
        # Every manager has a 1:1 with one report tomorrow at 09:00 UTC.
        meetings, checkins, goals = [], [], []
        for m in range(managers):
            manager = ids[f"m{m}@bench.example"]
            report = ids[f"p{m}-0@bench.example"]
            meetings.append(
                {
                    "manager_id": manager,
                    "report_id": report,
                    "weekday": (NOW + timedelta(days=1)).weekday(),
                    "hour": 9,
                    "minute": 0,
                    "every_weeks": 1,
                    "tz": "UTC",
                    "first_date": NOW.date(),
                    "active": True,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            for week in range(8):
                at = NOW - timedelta(days=7 * week + 3)
                blocker = "waiting on the vendor's sandbox keys" if week == 0 and m % 3 == 0 else ""
                checkins.append(
                    {
                        "person_id": report,
                        "period": f"2026-W{47 - week:02d}",
                        "sent_at": at,
                        "submitted_at": at,
                        "updated_at": at,
                        "answers": {"progress": "ok", "highlights": "shipped"},
                        "mood": 2 + (m + week) % 4,
                        "blocker": blocker,
                    }
                )
            goals.append(
                {
                    "owner_id": report,
                    "level": "personal",
                    "objective": "Cut refund API p95 from 800 ms to 300 ms",
                    "key_results": [],
                    "due": (NOW + timedelta(days=30)).date(),
                    "progress": 0.1,
                    "status": "active",
                    "created_at": NOW - timedelta(days=90),
                    "updated_at": NOW - timedelta(days=40),
                }
            )
        connection.execute(insert(OneOnOne), meetings)
        connection.execute(insert(Checkin), checkins)
        connection.execute(insert(Goal), goals)
    vectors = {
        doc_id(kid): item.vector.tolist()
        for kid, item in zip(kudos_ids, data["items"], strict=True)
    }
    return {
        "people": len(people),
        "kudos": len(kudos_ids),
        "vectors": vectors,
        "seconds": time.perf_counter() - started,
    }


async def _measure(work: Callable[[], Awaitable[Any]]) -> tuple[Any, float, float]:
    """Wall time of `work`, then its peak traced memory (MiB) from a second, traced run:
    tracing slows allocation-heavy code several times, so it must not touch the timing."""
    started = time.perf_counter()
    result = await work()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    await work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak / 2**20


async def run(items: int, managers: int, database_url: str | None) -> dict[str, Any]:
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'scale.db'}"
        store = Store.open(url)
        seeded = _seed(store, items, managers, rng)
        with store.engine.begin() as connection:  # nothing for an indexer to do
            connection.execute(OutboxEntry.__table__.delete())  # type: ignore[attr-defined]
        index = _Vectors(seeded.pop("vectors"))
        services = Services(store=store, clock=lambda: NOW, index=index)  # type: ignore[arg-type]
        everyone = frozenset(p.id for p in store.people.all() if p.id is not None)
        scope = Scope("all", "the whole organisation", everyone)
        results: dict[str, Any] = {
            "items": seeded["kudos"],
            "people": seeded["people"],
            "managers": managers,
            "seed_seconds": round(seeded["seconds"], 1),
        }

        async def digest(weeks: int) -> Any:
            report = await build_report(services, scope, Window(NOW, weeks))
            return render_digest(report, title="Weekly themes digest", details=True)

        async def rows() -> Any:
            return await asyncio.to_thread(store.kudos.between, NOW - timedelta(days=DAYS), NOW)

        records, read_s, read_mb = await _measure(rows)
        found = [index.vectors([doc_id(r.id)]) for r in records[:1]]
        assert found, "the index has the stored vectors"

        async def themes_only() -> Any:
            data = synthetic(len(records), seed=7)
            return await asyncio.to_thread(find_themes, data["items"], min_size=5)

        for name, work in (
            ("read all kudos (reference)", rows),
            ("theme engine alone, same size (reference)", themes_only),
            ("weekly digest (1 week vs the week before)", lambda: digest(1)),
            ("4-week digest (every stored item)", lambda: digest(4)),
        ):
            _, seconds, peak = await _measure(work)
            results[name] = {"seconds": round(seconds, 2), "peak_mib": round(peak, 1)}
        del read_s, read_mb

        async def prep() -> Any:
            with store.engine.begin() as connection:  # each run prepares every 1:1 afresh
                connection.execute(Delivery.__table__.delete())  # type: ignore[attr-defined]
            return await prep_round(services, NOW)

        async def prep_reads() -> Any:
            def read() -> int:
                with store.engine.connect() as connection:
                    n = len(connection.execute(select(Checkin)).all())
                    n += len(connection.execute(select(Goal)).all())
                    n += len(connection.execute(select(OneOnOne)).all())
                return n

            return await asyncio.to_thread(read)

        _, seconds, peak = await _measure(prep_reads)
        results["read check-ins, goals, 1:1s (reference)"] = {
            "seconds": round(seconds, 2),
            "peak_mib": round(peak, 1),
        }
        sent, seconds, peak = await _measure(prep)
        results["pre-1:1 round, all managers due"] = {
            "seconds": round(seconds, 2),
            "peak_mib": round(peak, 1),
            "messages": len(sent),
        }
        store.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--managers", type=int, default=1_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    results = asyncio.run(run(args.items, args.managers, args.database_url))
    print(
        f"{results['items']:,} kudos, {results['people']:,} people, "
        f"{results['managers']:,} managers (seeded in {results['seed_seconds']} s)"
    )
    print(f"{'measure':<48} {'seconds':>8} {'peak MiB':>9}")
    for name, value in results.items():
        if isinstance(value, dict):
            print(f"{name:<48} {value['seconds']:>8.2f} {value['peak_mib']:>9.1f}")
    out = Path(".candor/bench")
    out.mkdir(parents=True, exist_ok=True)
    (out / "scale.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
