"""Ack latency of signed `/kudos` requests: Candor next to a bare Bolt app, same machine, same run.

Usage: python -m bench.ack_latency [--rate 50] [--seconds 20]

Both servers answer real signed HTTP requests; the Slack Web API is the local stand-in running
on its own thread. Candor does everything it does in production after the ack (directory
lookups, SQLite writes, posts, DMs, background embedding with the offline model); the bare app
only acks. Prints a table and writes `.candor/bench/ack_latency.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import create_app
from bot.settings import Settings
from bot.slack.app import make_client
from bot.slack.directory import SlackDirectory
from bot.slack.signed_requests import signed_headers, slash_command_body
from bot.slack.standin import SlackStandIn, SlackUser, StandInThread
from handlers.org_import import import_directory

SECRET = uuid.uuid4().hex
TOKEN = "xoxb-bench"
PEOPLE = 20


def _org() -> tuple[str, list[SlackUser]]:
    rows = ["email,name,manager_email,department,title,role"]
    users = []
    for i in range(PEOPLE):
        manager = "" if i == 0 else "p0@bench.example"
        rows.append(f"p{i}@bench.example,Person {i},{manager},Eng,Engineer,")
        users.append(SlackUser(f"U{i:04d}", f"p{i}", f"Person {i}", f"p{i}@bench.example"))
    return "\n".join(rows) + "\n", users


def _bare_bolt(api_url: str) -> web.Application:
    bolt = AsyncApp(
        token=TOKEN, signing_secret=SECRET, client=AsyncWebClient(token=TOKEN, base_url=api_url)
    )

    async def kudos(ack: AsyncAck) -> None:
        await ack()

    bolt.command("/kudos")(kudos)

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", events)
    return app


async def _load(url: str, response_url: str, rate: float, seconds: float) -> list[float]:
    """Send signed /kudos at a steady rate; return each request's time to the ack, in ms."""
    latencies: list[float] = []

    async with ClientSession() as http:

        async def one(n: int) -> None:
            giver, receiver = n % PEOPLE, (n + 1) % PEOPLE
            body = slash_command_body(
                command="/kudos",
                text=f"<@U{receiver:04d}|p{receiver}> for the careful review of change {n} #craft",
                user_id=f"U{giver:04d}",
                trigger_id=uuid.uuid4().hex,
                response_url=response_url,
            )
            started = time.perf_counter()
            async with http.post(
                url, data=body.encode(), headers=signed_headers(SECRET, body)
            ) as r:
                await r.read()
                if r.status != 200:
                    raise RuntimeError(f"HTTP {r.status}")
            latencies.append((time.perf_counter() - started) * 1000)

        tasks = []
        start = time.perf_counter()
        total = int(rate * seconds)
        for n in range(total):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
    return latencies


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/slack/events"


def _summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)], 2),
        "max_ms": round(ordered[-1], 2),
    }


async def _measure(
    make: Callable[[], Awaitable[web.Application]], api: StandInThread, rate: float, seconds: float
) -> dict[str, float]:
    runner, url = await _serve(await make())
    try:
        latencies = await _load(url, api.standin.response_url_base + "bench", rate, seconds)
    finally:
        await runner.cleanup()
    return _summary(latencies)


def main() -> None:
    """Run both servers under the same load and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to send")
    args = parser.parse_args()
    csv_text, users = _org()
    results: dict[str, Any] = {"rate": args.rate, "seconds": args.seconds}

    with (
        tempfile.TemporaryDirectory() as tmp,
        StandInThread(SlackStandIn(users, token=TOKEN)) as api,
    ):
        settings = Settings.from_env(
            {
                "CANDOR_DATA_DIR": str(Path(tmp) / "data"),
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": api.base_url,
                "CANDOR_KUDOS_DAILY_LIMIT": "1000000",
                "CANDOR_EMBEDDER": os.environ.get("BENCH_EMBEDDER", "minilm"),
            },
            dotenv_path=None,
        )

        async def bare() -> web.Application:
            return _bare_bolt(api.base_url)

        async def candor_app() -> web.Application:
            candor = create_app(settings)
            directory = SlackDirectory(make_client(settings))
            await import_directory(candor.store, csv_text, candor.services.clock(), directory)
            return candor.web_app()

        async def run_all() -> None:
            results["bare_bolt"] = await _measure(bare, api, args.rate, args.seconds)
            results["candor"] = await _measure(candor_app, api, args.rate, args.seconds)

        asyncio.run(run_all())

    print(f"signed /kudos at {args.rate:g}/s for {args.seconds:g}s — time to the ack")
    print(f"{'server':<12}{'requests':>10}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for name in ("bare_bolt", "candor"):
        r = results[name]
        print(f"{name:<12}{r['requests']:>10}{r['p50_ms']:>10}{r['p99_ms']:>10}{r['max_ms']:>10}")
    out = Path(".candor/bench/ack_latency.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
