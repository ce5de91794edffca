"""Ack latency of signed `/kudos` requests: `candor serve` next to a bare Bolt app, same run.

Usage: python -m bench.ack_latency [--rate 50] [--seconds 20] [--no-inline]
                                   [--postgres ADMIN_URL] [--profile FILE]

Each part runs in its own process, as in production: the server under test (`candor serve`,
or a bare Bolt app that only acks), the Slack Web API stand-in, and this load generator, so
none of them borrows the others' event loop or interpreter lock. Candor does everything it does
in production after the ack (directory lookups, SQLite writes, posts, DMs, background embedding
with the offline model). It runs twice: as `candor serve` runs by default (a web process that
acks and queues, and its worker process), and with `CANDOR_WORKER=inline` (everything in one
process). After each run the bench waits until every kudos is stored and reports how long
that took after the last ack, so a fast ack can't hide work that was never done. Prints a
table and writes `.candor/bench/ack_latency.json`.

SQLite (the embedded default) is used unless `--postgres` names a server (e.g.
`postgresql+psycopg://postgres@127.0.0.1:5432/postgres`): each run then gets a fresh database
there, dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings
from bot.slack.app import make_client
from bot.slack.directory import SlackDirectory
from bot.slack.signed_requests import signed_headers, slash_command_body
from bot.slack.standin import SlackStandIn, SlackUser
from handlers.org_import import import_directory
from store.repository import Store

SECRET = uuid.uuid4().hex
TOKEN = "xoxb-bench"
PEOPLE = 20
STARTUP_SECONDS = 120.0


def _org() -> tuple[str, list[SlackUser]]:
    rows = ["email,name,manager_email,department,title,role"]
    users = []
    for i in range(PEOPLE):
        manager = "" if i == 0 else "p0@bench.example"
        rows.append(f"p{i}@bench.example,Person {i},{manager},Eng,Engineer,")
        users.append(SlackUser(f"U{i:04d}", f"p{i}", f"Person {i}", f"p{i}@bench.example"))
    return "\n".join(rows) + "\n", users


def _bare_bolt(api_url: str, secret: str) -> web.Application:
    bolt = AsyncApp(signing_secret=secret, client=AsyncWebClient(token=TOKEN, base_url=api_url))

    async def kudos(ack: AsyncAck) -> None:
        await ack()

    bolt.command("/kudos")(kudos)

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", events)
    return app


async def _until_told(conn: Connection) -> None:
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)


async def _run_standin(conn: Connection) -> None:
    api = SlackStandIn(_org()[1], token=TOKEN)
    await api.start("127.0.0.1", 0)
    conn.send((api.base_url, api.response_url_base))
    await _until_told(conn)
    await api.stop()


async def _run_bare(api_url: str, secret: str, conn: Connection) -> None:
    runner = web.AppRunner(_bare_bolt(api_url, secret))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    conn.send(f"http://127.0.0.1:{port}/slack/events")
    await _until_told(conn)
    await runner.cleanup()


def _standin_process(conn: Connection) -> None:
    """The Slack Web API stand-in, in a process of its own (Slack is not on our machine)."""
    asyncio.run(_run_standin(conn))


def _bare_process(api_url: str, secret: str, conn: Connection) -> None:
    """The reference: a bare Bolt app with a no-op /kudos, in a process of its own."""
    asyncio.run(_run_bare(api_url, secret, conn))


@contextmanager
def _child(target: Any, *args: Any) -> Iterator[Any]:
    """Run `target(*args, conn)` in a fresh process; yield what it sends first."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=target, args=(*args, theirs), daemon=True)
    process.start()
    try:
        if not ours.poll(STARTUP_SECONDS):
            raise RuntimeError(f"{target.__name__} did not start")
        yield ours.recv()
    finally:
        ours.send("stop")
        process.join(timeout=30)
        if process.is_alive():
            process.kill()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _candor_serve(env: dict[str, str], workdir: Path, profile: Path | None) -> Iterator[str]:
    """`candor serve` in its own process; yield its events URL once `/healthz` answers.

    With `profile`, the server runs under cProfile (its event-loop thread) and writes the
    stats there when it stops: that is where time before the ack, and work that holds the
    loop after it, show up.
    """
    port = _free_port()
    log_path = workdir / "candor-serve.log"
    command = [sys.executable]
    if profile is not None:
        command += ["-m", "cProfile", "-o", str(profile.resolve())]
    command += ["-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env={**os.environ, **env}, cwd=workdir, stdout=log, stderr=log
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"candor serve did not start:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    break
            except OSError:
                time.sleep(0.2)  # waiting on another process: nothing to await
        yield f"http://127.0.0.1:{port}/slack/events"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


async def _load(
    url: str, response_url: str, secret: str, rate: float, seconds: float
) -> list[float]:
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
            headers = signed_headers(secret, body)
            started = time.perf_counter()
            async with http.post(url, data=body.encode(), headers=headers) as r:
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


def _summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)], 2),
        "max_ms": round(ordered[-1], 2),
    }


async def _import_org(env: dict[str, str], csv_text: str) -> None:
    settings = Settings.from_env(env, dotenv_path=None)
    store = Store.open(settings.database_url)
    try:
        directory = SlackDirectory(make_client(settings))
        await import_directory(store, csv_text, datetime.now(UTC), directory)
    finally:
        store.close()


@contextmanager
def _database(name: str, data: Path, postgres: str | None) -> Iterator[str]:
    """The run's database URL: a SQLite file in `data`, or a fresh PostgreSQL database."""
    if postgres is None:
        yield f"sqlite:///{data / 'candor.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    database = f"candor_bench_ack_{name}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield make_url(postgres).set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def _wait_stored(env: dict[str, str], expected: int, timeout: float = 300.0) -> float:
    """Seconds from now until `expected` kudos are stored (the work behind the acks is done).

    Raises:
        RuntimeError: if they aren't within `timeout` (the server dropped work).
    """
    settings = Settings.from_env(env, dotenv_path=None)
    store = Store.open(settings.database_url, run_migrations=False)
    started = time.monotonic()
    try:
        while (stored := store.kudos.count()) < expected:
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"only {stored} of {expected} kudos stored")
            time.sleep(0.1)  # another process does the work: nothing to await
    finally:
        store.close()
    return round(time.monotonic() - started, 1)


def main() -> None:
    """Run both servers under the same load and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to send")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of candor serve here")
    parser.add_argument(
        "--no-inline", action="store_true", help="skip the one-process CANDOR_WORKER=inline run"
    )
    parser.add_argument("--postgres", help="run Candor on this PostgreSQL server (admin URL)")
    args = parser.parse_args()
    csv_text, _users = _org()
    results: dict[str, Any] = {
        "rate": args.rate,
        "seconds": args.seconds,
        "database": "postgresql" if args.postgres else "sqlite",
    }

    def measure(url: str, response_url: str) -> dict[str, float]:
        return _summary(asyncio.run(_load(url, response_url, SECRET, args.rate, args.seconds)))

    with tempfile.TemporaryDirectory() as tmp, _child(_standin_process) as (api_url, replies):
        with _child(_bare_process, api_url, SECRET) as bare_url:
            results["bare_bolt"] = measure(bare_url, replies + "bench")
        env = {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": api_url,
            "CANDOR_KUDOS_DAILY_LIMIT": "1000000",
            "CANDOR_EMBEDDER": os.environ.get("BENCH_EMBEDDER", "minilm"),
        }
        modes = [("candor", "process")] + ([] if args.no_inline else [("candor_inline", "inline")])
        for name, mode in modes:
            data = Path(tmp) / name
            data.mkdir()
            with _database(name, data, args.postgres) as database_url:
                run_env = {
                    **env,
                    "CANDOR_DATA_DIR": str(data),
                    "DATABASE_URL": database_url,
                    "CANDOR_WORKER": mode,
                }
                asyncio.run(_import_org(run_env, csv_text))
                with _candor_serve(run_env, data, args.profile) as candor_url:
                    results[name] = measure(candor_url, replies + "bench")
                    after = _wait_stored(run_env, results[name]["requests"])
                    results[name]["stored_after_s"] = after

    print(
        f"signed /kudos at {args.rate:g}/s for {args.seconds:g}s on {results['database']}"
        " — time to the ack"
    )
    header = f"{'server':<15}{'requests':>10}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}"
    print(header + f"{'all stored':>14}")
    for name in ("bare_bolt", "candor", "candor_inline"):
        if name not in results:
            continue
        r = results[name]
        stored = f"{r['stored_after_s']:.1f} s later" if "stored_after_s" in r else "—"
        print(
            f"{name:<15}{r['requests']:>10}{r['p50_ms']:>10}{r['p99_ms']:>10}{r['max_ms']:>10}"
            f"{stored:>14}"
        )
    ratio = results["candor"]["p99_ms"] / results["bare_bolt"]["p99_ms"]
    results["p99_ratio"] = round(ratio, 2)
    print(f"candor p99 / bare Bolt p99: {ratio:.2f}x")
    out = Path(".candor/bench/ack_latency.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
