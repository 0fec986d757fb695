"""One measurement: N concurrent waits of one design in one event loop, in this process.

Run by ``python -m benchmarks`` as ``python -m benchmarks.poller DESIGN N INTERVAL WINDOW PORT``;
prints one JSON line. The waits start spread over one interval (as tasks reach the
triggerer at different times), run one more interval to warm up (connection lookups,
first status logs), then the counters are reset and CPU and requests are counted over
``WINDOW`` seconds with every wait still pending.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchmarks.server import BV_ORG, BV_TOKEN, CAMB_KEY

# Our two triggers as shipped, the anchor, the floor; ``camb@<client>`` is our CAMB.AI
# trigger on one of the candidate clients of benchmarks/candidates.py.
DESIGNS = ("camb", "blendvision", "http-anchor", "floor")
FLOOR_POOL_SIZE = 10


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def connection_env(port: int, extra: dict[str, Any] | None = None) -> dict[str, str]:
    """The ``AIRFLOW_CONN_*`` variables of the default connections to the emulator on ``port``.

    :param extra: added to the extra of both dubbing connections (e.g. ``request_timeout_s``).
    """
    base = f"http://127.0.0.1:{port}"
    return {
        "AIRFLOW_CONN_CAMB_DEFAULT": json.dumps(
            {"conn_type": "camb", "host": f"{base}/apis", "password": CAMB_KEY, "extra": {**(extra or {})}}
        ),
        "AIRFLOW_CONN_BLENDVISION_DEFAULT": json.dumps(
            {
                "conn_type": "blendvision",
                "host": base,
                "password": BV_TOKEN,
                "extra": {"org_id": BV_ORG, **(extra or {})},
            }
        ),
        "AIRFLOW_CONN_HTTP_BENCH": json.dumps(
            {"conn_type": "http", "host": "127.0.0.1", "port": port, "schema": "http"}
        ),
    }


def set_connections(port: int) -> None:
    """Point this process's default connections at the emulator on ``port``."""
    os.environ.update(connection_env(port))


def admin(port: int, action: str, query: str = "") -> Any:
    url = f"http://127.0.0.1:{port}/_bench/{action}{'?' + query if query else ''}"
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())


def waiter_factory(design: str, interval_s: float, port: int) -> Callable[[int], Awaitable[Any]]:
    """A function giving the coroutine of wait number ``i`` of ``design``."""
    service, _, client = design.partition("@")
    if service in ("camb", "blendvision"):
        if client:
            from benchmarks.candidates import install

            install(client)
        return _our_trigger(service, interval_s)
    if design == "http-anchor":
        from airflow.providers.http.triggers.http import HttpSensorTrigger

        def anchor(index: int) -> Awaitable[Any]:
            # The kwargs HttpSensor.execute defers with; a 404 keeps it polling.
            trigger = HttpSensorTrigger(
                endpoint=f"apis/dub-alt-format/missing-{index}",
                http_conn_id="http_bench",
                method="GET",
                data=None,
                headers={"x-api-key": CAMB_KEY},
                extra_options={},
                poke_interval=interval_s,
            )
            return drain(trigger)

        return anchor
    if design == "floor":
        from benchmarks.floor import StreamPool, floor_wait

        pool = StreamPool("127.0.0.1", port, FLOOR_POOL_SIZE)
        return lambda index: floor_wait(pool, f"bench-{index}", CAMB_KEY, interval_s)
    raise SystemExit(f"unknown design {design!r}; known: {', '.join(DESIGNS)}")


def _our_trigger(design: str, interval_s: float) -> Callable[[int], Awaitable[Any]]:
    """Triggers built exactly as the sensors build them, then rebuilt from ``serialize()``
    as the triggerer does."""
    from airflow_provider_dubbing.sensors.blendvision import BlendVisionDubbingJobSensor
    from airflow_provider_dubbing.sensors.camb import CambAltFormatSensor
    from airflow_provider_dubbing.waiting.engine import WaitState

    common: dict[str, Any] = {"poke_interval": interval_s, "exponential_backoff": False, "deferrable": True}
    if design == "camb":
        sensor: Any = CambAltFormatSensor(task_id="wait", alt_format_task_id="bench-0", **common)
        id_name = "alt_format_task_id"
    else:
        sensor = BlendVisionDubbingJobSensor(task_id="wait", dubbing_job_id="bench-0", **common)
        id_name = "dubbing_job_id"
    started = time.time()
    # What DubbingSensor.execute passes after its first check found the object pending.
    classpath, kwargs = sensor.make_trigger(
        schedule=sensor.schedule, deadline=started + sensor.timeout, state=WaitState(checks=1)
    ).serialize()

    def ours(index: int) -> Awaitable[Any]:
        return drain(rebuild(classpath, {**kwargs, id_name: f"bench-{index}"}))

    return ours


def rebuild(classpath: str, kwargs: dict[str, Any]) -> Any:
    """The trigger the triggerer builds from a stored row: its class path and JSON kwargs."""
    import importlib

    module, _, name = classpath.rpartition(".")
    return getattr(importlib.import_module(module), name)(**kwargs)


async def drain(trigger: Any) -> Any:
    """Every event ``trigger.run()`` yields, as the triggerer would take them."""
    return [event async for event in trigger.run()]


async def measure(design: str, count: int, interval_s: float, window_s: float, port: int) -> dict[str, Any]:
    await asyncio.to_thread(admin, port, "setup", f"jobs={count}")
    make = waiter_factory(design, interval_s, port)
    rss_before = rss_bytes()
    cpu_start = time.process_time()
    tasks: list[asyncio.Task[Any]] = []
    step = interval_s / count
    started = time.monotonic()
    for index in range(count):
        tasks.append(asyncio.ensure_future(make(index)))
        delay = started + (index + 1) * step - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
    await asyncio.sleep(interval_s)  # every wait has polled at least once
    warmup_cpu = time.process_time() - cpu_start
    await asyncio.to_thread(admin, port, "reset")
    if os.environ.get("BENCH_NO_GC"):  # to see what the cyclic garbage collector costs
        import gc

        gc.disable()
    profiler = _profiler()
    sampler = _sampler()
    cpu0, wall0 = time.process_time(), time.monotonic()
    await asyncio.sleep(window_s)
    cpu1, wall1 = time.process_time(), time.monotonic()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(os.environ["BENCH_PROFILE"])
    if sampler is not None:
        sampler.stop()
        profile_summary: str | None = sampler.summary(40)
    else:
        profile_summary = None
    rss_after = rss_bytes()
    stats = await asyncio.to_thread(admin, port, "stats")
    ended = [t for t in tasks if t.done()]
    errors = [repr(t.exception())[:300] for t in ended if t.exception() is not None]
    events = [t.result() for t in ended if t.exception() is None]
    survived = await cancel_all(tasks)
    gaps = sorted(gap - interval_s for gap in stats["gaps"])
    return {
        "design": design,
        "n": count,
        "interval_s": interval_s,
        "window_s": wall1 - wall0,
        "cpu_s": cpu1 - cpu0,
        "warmup_cpu_s": warmup_cpu,
        "requests": stats["requests"],
        "statuses": stats["statuses"],
        "connections": stats["connections"],
        "connections_total": stats["connections_total"],
        "rss_per_wait_bytes": (rss_after - rss_before) / count,
        # No wait polled twice in the window: every one was at least a window late.
        "late_p50_s": _quantile(gaps, 0.5) if gaps else wall1 - wall0,
        "late_p99_s": _quantile(gaps, 0.99) if gaps else wall1 - wall0,
        "late_max_s": gaps[-1] if gaps else wall1 - wall0,
        "ended": len(ended),
        "errors": errors[:3],
        "survived_cancel": survived,
        "profile": profile_summary,
        "events": [str(e)[:300] for e in events[:3]],
    }


async def cancel_all(tasks: list[asyncio.Task[Any]]) -> int:
    """Cancel every wait; returns how many ignored the first cancellation (then cancels again).

    On Python 3.11 ``asyncio.wait_for`` can swallow a cancellation that arrives just as the
    awaited call finishes (fixed in 3.12), so a wait may need a second one.
    """
    for task in tasks:
        task.cancel()
    _, pending = await asyncio.wait(tasks, timeout=5.0)
    survived = len(pending)
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=5.0)
    return survived


def _sampler() -> Any:
    # BENCH_SAMPLE=path: sample the loop's stack during the window, summary into that file.
    if not os.environ.get("BENCH_SAMPLE"):
        return None
    from benchmarks.sampler import Sampler

    sampler = Sampler()
    sampler.start()
    return sampler


def _profiler() -> Any:
    # BENCH_PROFILE=path: cProfile the measurement window only, into that file.
    if not os.environ.get("BENCH_PROFILE"):
        return None
    import cProfile

    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    return profiler


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return values[min(len(values) - 1, int(q * len(values)))]


def main(argv: list[str]) -> None:
    design, count, interval_s, window_s, port = (
        argv[0],
        int(argv[1]),
        float(argv[2]),
        float(argv[3]),
        int(argv[4]),
    )
    set_connections(port)
    result = asyncio.run(measure(design, count, interval_s, window_s, port))
    profile = result.pop("profile")
    if profile is not None:
        Path(os.environ["BENCH_SAMPLE"]).write_text(profile + "\n")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
