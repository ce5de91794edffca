"""`candor deliveries`: the scheduled messages Candor gave up on, and trying one again."""

from __future__ import annotations

import argparse
from typing import Any

from bot.settings import Settings


def add_parser(sub: Any) -> None:
    """Add `candor deliveries dead` and `candor deliveries retry KEY` to the sub-commands."""
    deliveries = sub.add_parser("deliveries", help="scheduled messages that could not be sent")
    actions = deliveries.add_subparsers(dest="deliveries_command", required=True, metavar="ACTION")
    actions.add_parser("dead", help="list dead-lettered deliveries (gave up after failed sends)")
    retry = actions.add_parser("retry", help="let the next scheduler round send one again")
    retry.add_argument("key", help="the delivery key, as `candor deliveries dead` lists it")


def run_deliveries(settings: Settings, args: argparse.Namespace) -> int:
    """List dead letters, or bring one back for the next round; exit 1 for an unknown key."""
    from store.repository import Store

    store = Store.open(settings.database_url)
    try:
        if args.deliveries_command == "retry":
            if not store.deliveries.retry(args.key):
                print(f"candor: no dead delivery with key {args.key!r}")
                return 1
            print(f"{args.key}: the next scheduler round sends it again if it is still due.")
            return 0
        dead = store.deliveries.dead()
        if not dead:
            print("No dead deliveries.")
            return 0
        print("given up at (UTC)   attempts  job              kind              key")
        for d in dead:
            when = f"{d.last_failed_at:%Y-%m-%d %H:%M}" if d.last_failed_at else "?"
            print(f"{when:<19} {d.attempts:>8}  {d.job or '?':<16} {d.kind:<17} {d.key}")
        return 0
    finally:
        store.close()
