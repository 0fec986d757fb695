"""The emulator in its own process, with the counters the benchmark reads.

Run as ``python -m benchmarks.server``: prints its port, then serves until stdin closes;
:func:`emulator_process` does that from a parent (the benchmark, the soak).
Its CPU is not the poller's, so the poller's figures hold only the polling side. Besides
the emulator's API it answers ``/_bench/...`` (scripting thousands of waiting jobs at
once, resetting and reading the counters) from a middleware placed before the emulator.

Counted here, alike for every design: API requests, TCP connections opened (a new
transport seen by a request), and the gap between two polls of the same object, from
which the poller derives how late each poll ran against its interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from aiohttp import web

from airflow_provider_dubbing.emulator.app import build_app
from airflow_provider_dubbing.emulator.settings import EmulatorSettings
from airflow_provider_dubbing.emulator.state import EmulatorState

CAMB_KEY = "bench-camb-key"
BV_TOKEN = "bench-bv-token"
BV_ORG = "bench-org"
BACKLOG = 8192

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Counters:
    """What the benchmark reads back: requests, connections and poll gaps since the last reset."""

    def __init__(self) -> None:
        self.seen: weakref.WeakSet[asyncio.BaseTransport] = weakref.WeakSet()
        self.last_poll: dict[str, float] = {}
        self.connections_total = 0
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.connections = 0
        self.statuses: dict[int, int] = {}
        self.gaps: list[float] = []

    def count(self, request: web.Request, status: int) -> None:
        now = time.monotonic()
        self.requests += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        transport = request.transport
        if transport is not None and transport not in self.seen:
            self.seen.add(transport)
            self.connections += 1
            self.connections_total += 1
        key = request.path
        last = self.last_poll.get(key)
        if last is not None:
            self.gaps.append(now - last)
        self.last_poll[key] = now

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "connections": self.connections,
            "connections_total": self.connections_total,
            "statuses": self.statuses,
            "gaps": self.gaps,
        }


def script_waiting_jobs(state: EmulatorState, count: int) -> None:
    """``count`` CAMB.AI exports and BlendVision jobs that stay pending however often polled."""
    for index in range(count):
        state.script_camb_task(f"bench-{index}", {"steps": [{"status": "PENDING", "run_id": None}]})
        state.script_blendvision_job(f"bench-{index}", {"steps": [{"status": "DUBBING_STATUS_PROCESSING"}]})


def bench_middleware(state: EmulatorState, counters: Counters) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/_bench/"):
            action = request.path.removeprefix("/_bench/")
            if action == "setup":
                script_waiting_jobs(state, int(request.query["jobs"]))
                counters.reset()
                counters.last_poll.clear()
                counters.connections_total = 0
                return web.json_response({"ok": True})
            if action == "reset":
                counters.reset()
                return web.json_response({"ok": True})
            if action == "stats":
                return web.json_response(counters.snapshot())
            raise web.HTTPNotFound()
        response = await handler(request)
        counters.count(request, response.status)
        return response

    return middleware


async def serve(port: int) -> None:
    settings = EmulatorSettings(camb_api_key=CAMB_KEY, bv_token=BV_TOKEN, bv_org_id=BV_ORG)
    state = EmulatorState(settings)
    counters = Counters()
    app = build_app(state)
    app.middlewares.append(bench_middleware(state, counters))
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=BACKLOG)
    await site.start()
    print(json.dumps({"port": runner.addresses[0][1]}), flush=True)
    loop = asyncio.get_running_loop()
    # Serve until the parent closes our stdin (it dies, or it is done).
    await loop.run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


@contextlib.contextmanager
def emulator_process() -> Iterator[int]:
    """This server in a child process, so its CPU is not the caller's; yields its port."""
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert server.stdin is not None
    assert server.stdout is not None
    try:
        yield int(json.loads(server.stdout.readline())["port"])
    finally:
        server.stdin.close()
        server.wait(timeout=30)
        server.stdout.close()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
