"""One soak: script the emulator, fault it, run every wait in one event loop as the triggerer
does, and judge each wait by what its task does with the event.

Each trigger is built by a real sensor's ``make_trigger()`` and rebuilt from ``serialize()``
(as the triggerer rebuilds it from its table row), so the soak runs the shipped code with
the kwargs a deferral stores. The only instrumentation is counting: a wrapper around each
trigger's ``acheck`` (checks, failed checks, the longest run of them) and a log handler on
the transport's retry warnings. The emulator runs in its own process
(:func:`benchmarks.server.emulator_process`), so its CPU never delays the waits.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.poller import cancel_all, connection_env, drain, rebuild
from benchmarks.server import BV_ORG, emulator_process
from soak.expect import RETURNED, Outcome, expected_outcome, judge, task_outcome
from soak.mix import BAD_CONN, BLENDVISION, CAMB, Case, make_mix

# Every kind the emulator can inject, the seven and a sign-in page answered with 200.
FAULT_KINDS = ("429", "500", "502_html", "503", "drop", "truncate", "html200", "slow")
RETRY_LOGGER = "airflow_provider_dubbing.client.transport"


@dataclass(frozen=True)
class SoakConfig:
    """What a soak runs: how many waits, how faulty the emulator is, the sensors' settings.

    :param waits: concurrent deferred waits.
    :param seed: the seed of the mix (scripts, order) and of the emulator's fault draw.
    :param fault_rate: the share of status checks (GET requests) the emulator faults.
    :param fault_kinds: the kinds drawn from, evenly.
    :param retry_after_s: the ``Retry-After`` a ``429`` sends.
    :param slow_s: how late a ``slow`` fault answers; above ``request_timeout_s``, so the
        client gives up on it.
    :param request_timeout_s: the connections' ``request_timeout_s`` extra.
    :param poke_interval_s: the sensors' ``poke_interval`` (doubling, up to ``max_wait_s``).
    :param max_wait_s: the sensors' ``max_wait``.
    :param max_consecutive_failures: the sensors' bound on failed checks in a row.
    :param max_pending: the most PENDING/PROCESSING answers an object gives before its outcome.
    :param deadline_s: every wait must have ended this long after the first one started;
        one still running then is a hang.
    """

    waits: int = 200
    seed: int = 1
    fault_rate: float = 0.3
    fault_kinds: tuple[str, ...] = FAULT_KINDS
    retry_after_s: float = 1.0
    slow_s: float = 3.0
    request_timeout_s: float = 1.0
    poke_interval_s: float = 1.0
    max_wait_s: float = 4.0
    max_consecutive_failures: int = 5
    max_pending: int = 6
    deadline_s: float = 240.0

    @property
    def sensor_timeout_s(self) -> float:
        # Far past the soak's deadline: a wait that never ends must show as a hang, not be
        # cut short by its own timeout (which would be a failure, and hide the hang).
        return 10 * self.deadline_s


@dataclass
class Wait:
    """One wait while it runs, and what became of it."""

    case: Case
    sensor: Any
    trigger: Any
    start_delay_s: float
    started: float = 0.0
    ended: float | None = None
    events: list[Any] = field(default_factory=list)
    checks: int = 0
    passing_failures: int = 0
    streak: int = 0
    longest_streak: int = 0


class RetryCounter(logging.Handler):
    """Counts the transport's ``... retry N of M in X s`` warnings: one per client retry."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.retries = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "retry %d of %d" in str(record.msg):
            self.retries += 1


def connections(port: int, request_timeout_s: float) -> dict[str, str]:
    """The ``AIRFLOW_CONN_*`` variables a soak needs: the default connections to the emulator
    on ``port``, and one per service with a credential the emulator refuses."""
    extra = {"request_timeout_s": request_timeout_s}
    env = connection_env(port, extra)
    base = f"http://127.0.0.1:{port}"
    bad = {
        CAMB: {"conn_type": "camb", "host": f"{base}/apis", "password": "not-the-key", "extra": extra},
        BLENDVISION: {
            "conn_type": "blendvision",
            "host": base,
            "password": "not-the-token",
            "extra": {"org_id": BV_ORG, **extra},
        },
    }
    for service, conn_id in BAD_CONN.items():
        env[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(bad[service])
    return env


def admin(port: int, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """One call of the emulator's admin API (never faulted, not counted)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_emulator/{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def script_cases(port: int, cases: Iterable[Case]) -> None:
    """Give the emulator each case's script; an unscripted case's id stays unknown to it."""
    for case in cases:
        if case.script is None:
            continue
        route = "camb/tasks" if case.service == CAMB else "blendvision/jobs"
        admin(port, "PUT", f"{route}/{case.object_id}", case.script)


def build_wait(case: Case, index: int, config: SoakConfig) -> Wait:
    """The sensor of ``case`` and the trigger it defers with, as the triggerer rebuilds it."""
    from airflow_provider_dubbing.sensors.blendvision import BlendVisionDubbingJobSensor
    from airflow_provider_dubbing.sensors.camb import CambAltFormatSensor

    common: dict[str, Any] = {
        "task_id": f"wait_{index}",
        "deferrable": True,
        "poke_interval": config.poke_interval_s,
        "exponential_backoff": True,
        "max_wait": config.max_wait_s,
        "max_consecutive_failures": config.max_consecutive_failures,
        "timeout": config.sensor_timeout_s,
    }
    sensor: Any
    if case.service == CAMB:
        sensor = CambAltFormatSensor(alt_format_task_id=case.object_id, camb_conn_id=case.conn_id, **common)
    else:
        sensor = BlendVisionDubbingJobSensor(
            dubbing_job_id=case.object_id, blendvision_conn_id=case.conn_id, **common
        )
    # As start_from_trigger does: the trigger makes the first check (no worker made one).
    stored = sensor.make_trigger(
        deadline=time.time() + config.sensor_timeout_s,
        checks_made=0,
        last_status=None,
        consecutive_failures=0,
    ).serialize()
    wait = Wait(case, sensor, rebuild(*stored), start_delay_s=config.poke_interval_s * index / config.waits)
    _count_checks(wait)
    return wait


def _count_checks(wait: Wait) -> None:
    """Wrap the trigger's ``acheck`` to count checks and failed checks; behaviour unchanged."""
    from airflow_provider_dubbing.client.outcome import is_passing_failure

    check = wait.trigger.acheck

    async def acheck() -> Any:
        wait.checks += 1
        try:
            verdict = await check()
        except Exception as exc:
            if is_passing_failure(exc):
                wait.passing_failures += 1
                wait.streak += 1
                wait.longest_streak = max(wait.longest_streak, wait.streak)
            raise
        wait.streak = 0
        return verdict

    wait.trigger.acheck = acheck


async def _run_one(wait: Wait) -> None:
    await asyncio.sleep(wait.start_delay_s)
    wait.started = time.monotonic()
    wait.events = await drain(wait.trigger)
    wait.ended = time.monotonic()


async def soak(config: SoakConfig, port: int) -> dict[str, Any]:
    """Run the soak against the emulator on ``port`` (connections already set); the raw results."""
    cases = make_mix(config.waits, config.seed, config.max_pending)
    await asyncio.to_thread(script_cases, port, cases)
    waits = [build_wait(case, index, config) for index, case in enumerate(cases)]
    await asyncio.to_thread(
        admin,
        port,
        "PUT",
        "faults",
        {
            "rate": config.fault_rate,
            "seed": config.seed,
            "kinds": list(config.fault_kinds),
            "retry_after": config.retry_after_s,
            "slow_seconds": config.slow_s,
            # Status checks only, as the issue asks; the waits make no other request.
            "methods": ["GET"],
        },
    )
    counter = RetryCounter()
    retry_log = logging.getLogger(RETRY_LOGGER)
    retry_log.addHandler(counter)
    started = time.monotonic()
    try:
        tasks = [asyncio.ensure_future(_run_one(wait)) for wait in waits]
        _, pending = await asyncio.wait(tasks, timeout=config.deadline_s)
        wall_s = time.monotonic() - started
        if pending:
            await cancel_all(list(pending))
    finally:
        retry_log.removeHandler(counter)
    broken = [repr(t.exception()) for t in tasks if t.done() and not t.cancelled() and t.exception()]
    stats = await asyncio.to_thread(admin, port, "GET", "stats")
    return {
        "config": {**config.__dict__, "fault_kinds": list(config.fault_kinds)},
        "wall_s": wall_s,
        "retries": counter.retries,
        "emulator": stats,
        "broken": broken,
        "waits": [_wait_row(wait, stats) for wait in waits],
    }


def _wait_row(wait: Wait, stats: dict[str, Any]) -> dict[str, Any]:
    expected = expected_outcome(wait.case)
    got: Outcome | None = None
    if wait.events:
        got = task_outcome(wait.sensor, wait.events[0].payload)
    polls_served = stats["polls"].get(wait.case.object_id, 0)
    judged = judge(expected, got)
    if judged == "as_expected" and polls_served < wait.case.answers_to_outcome:
        # The right ending, but before the emulator ever gave the final answer: a guess.
        judged = "false_success" if expected.ended == RETURNED else "false_failure"
    return {
        "kind": wait.case.kind,
        "service": wait.case.service,
        "object_id": wait.case.object_id,
        "script": wait.case.script,
        "expected": expected.as_json(),
        "got": None if got is None else got.as_json(),
        "judged": judged,
        "events": len(wait.events),
        "checks": wait.checks,
        "passing_failures": wait.passing_failures,
        "longest_streak": wait.longest_streak,
        # Answers the emulator gave this object (faulted requests are not counted).
        "polls_served": polls_served,
        "duration_s": None if wait.ended is None else wait.ended - wait.started,
    }


def run(config: SoakConfig, set_env: Callable[[str, str], None]) -> dict[str, Any]:
    """The soak against a fresh emulator process; ``set_env`` sets the connections' variables."""
    with emulator_process() as port:
        for name, value in connections(port, config.request_timeout_s).items():
            set_env(name, value)
        return asyncio.run(soak(config, port))
