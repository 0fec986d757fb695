"""One soak: script the emulator, fault it, run every wait in one event loop as the triggerer
does, and judge each wait by what its task does with the event.

A wait starts as a real task does, half of them each way: the sensor's ``execute()`` makes
the first check on a worker thread and defers, or (``start_from_trigger``) the trigger
makes it. Either way the trigger is rebuilt from what Airflow stores (``serialize()``, or
``start_trigger_args``), so the soak runs the shipped code with the stored kwargs, and the
sensor's ``execute_complete`` turns the event into the task's outcome. The only
instrumentation is counting: wrappers around the check the sensor and the trigger build
(checks, failed checks, the longest run of them) and a log handler on the
transport's retry warnings. The emulator runs in its own process
(:func:`benchmarks.server.emulator_process`), so its CPU never delays the waits.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# Every kind the emulator can inject: the seven and a sign-in page answered with 200.
from airflow_provider_dubbing.emulator.faults import FAULT_KINDS
from benchmarks.poller import cancel_all, connection_env, drain, rebuild
from benchmarks.server import BV_ORG, emulator_process
from soak.expect import RETURNED, Outcome, expected_outcome, judge, raised, returned, task_outcome
from soak.mix import BAD_CONN, BLENDVISION, CAMB, CAMB_DUB, TRIGGERER, Case, make_mix

try:
    from airflow.sdk.exceptions import TaskDeferred
except ImportError:  # Airflow 2
    from airflow.exceptions import TaskDeferred  # type: ignore[no-redef,attr-defined,unused-ignore]

RETRY_LOGGER = "airflow_provider_dubbing.client.transport"
# How long a worker's first check may go on after the deadline before it counts as stuck.
WORKER_GRACE_S = 60.0


@dataclass(frozen=True)
class SoakConfig:
    """What a soak runs: how many waits, how faulty the emulator is, the sensors' settings.

    :param waits: concurrent waits.
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
    start_delay_s: float
    trigger: Any = None
    ended_at_start: Outcome | None = None
    first_check: concurrent.futures.Future[None] | None = None
    started: float = 0.0
    ended: float | None = None
    events: list[Any] = field(default_factory=list)
    checks: int = 0
    passing_failures: int = 0
    streak: int = 0
    longest_streak: int = 0

    def count_check(self, error: BaseException | None) -> None:
        """Count one check, failed with ``error`` (None: it got an answer)."""
        from airflow_provider_dubbing.client.retry import is_transient

        self.checks += 1
        if error is None:
            self.streak = 0
        elif is_transient(error):
            self.passing_failures += 1
            self.streak += 1
            self.longest_streak = max(self.longest_streak, self.streak)


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


# Where the emulator's admin API scripts each kind of object.
_SCRIPT_ROUTES = {CAMB: "camb/tasks", CAMB_DUB: "camb/dubs", BLENDVISION: "blendvision/jobs"}


def script_cases(port: int, cases: Iterable[Case]) -> None:
    """Give the emulator each case's script; an unscripted case's id stays unknown to it."""
    for case in cases:
        if case.script is None:
            continue
        admin(port, "PUT", f"{_SCRIPT_ROUTES[case.service]}/{case.object_id}", case.script)


def build_wait(case: Case, index: int, config: SoakConfig) -> Wait:
    """The sensor of ``case``; for a start in the triggerer, also the trigger the scheduler
    builds from its ``start_trigger_args``."""
    from airflow_provider_dubbing.sensors.blendvision import BlendVisionDubbingJobSensor
    from airflow_provider_dubbing.sensors.camb import CambAltFormatSensor, CambDubbingSensor

    common: dict[str, Any] = {
        "task_id": f"wait_{index}",
        "deferrable": True,
        "start_from_trigger": case.start == TRIGGERER,
        "poke_interval": config.poke_interval_s,
        "exponential_backoff": True,
        "max_wait": config.max_wait_s,
        "max_consecutive_failures": config.max_consecutive_failures,
        "timeout": config.sensor_timeout_s,
    }
    sensor: Any
    if case.service == CAMB:
        sensor = CambAltFormatSensor(alt_format_task_id=case.object_id, camb_conn_id=case.conn_id, **common)
    elif case.service == CAMB_DUB:
        sensor = CambDubbingSensor(dubbing_task_id=case.object_id, camb_conn_id=case.conn_id, **common)
    else:
        sensor = BlendVisionDubbingJobSensor(
            dubbing_job_id=case.object_id, blendvision_conn_id=case.conn_id, **common
        )
    wait = Wait(case, sensor, start_delay_s=config.poke_interval_s * index / config.waits)
    _count_sync_checks(wait)
    if case.start == TRIGGERER:
        args = sensor.start_trigger_args
        _use_trigger(wait, rebuild(args.trigger_cls, args.trigger_kwargs))
    return wait


class CountedCheck:
    """A status check that counts each try for its wait; its behaviour is unchanged."""

    def __init__(self, inner: Any, wait: Wait) -> None:
        self.inner = inner
        self.wait = wait

    def check(self) -> Any:
        try:
            verdict = self.inner.check()
        except Exception as exc:
            self.wait.count_check(exc)
            raise
        self.wait.count_check(None)
        return verdict

    async def acheck(self) -> Any:
        try:
            verdict = await self.inner.acheck()
        except Exception as exc:
            self.wait.count_check(exc)
            raise
        self.wait.count_check(None)
        return verdict


def _count_sync_checks(wait: Wait) -> None:
    """Wrap the check the sensor builds so each of its checks is counted."""
    build = wait.sensor.status_check
    wait.sensor.status_check = lambda: CountedCheck(build(), wait)


def _use_trigger(wait: Wait, trigger: Any) -> None:
    """Run ``trigger`` for ``wait``, the check it builds wrapped to count checks."""
    build = trigger.status_check
    trigger.status_check = lambda: CountedCheck(build(), wait)
    wait.trigger = trigger


def _execute(wait: Wait) -> None:
    """The task's ``execute()`` on a worker: its first check ends the wait, or it defers."""
    try:
        value = wait.sensor.execute({}, **_execute_kwargs(wait.sensor))
    except TaskDeferred as deferred:
        # As the triggerer gets it: the stored class path and kwargs, rebuilt.
        _use_trigger(wait, rebuild(*deferred.trigger.serialize()))
    except Exception as exc:  # every way a task can end is an outcome to compare
        wait.ended_at_start = raised(exc)
    else:
        wait.ended_at_start = returned(value)


def _execute_kwargs(sensor: Any) -> dict[str, Any]:
    """What the task runner passes to ``execute()`` besides the context.

    Airflow 2's TaskInstance passes a sentinel its operators check for, which they keep in a
    thread-local made on the main thread only: without it, ``execute()`` on another thread
    fails in Airflow's guard before reaching the sensor.
    """
    import airflow

    if not airflow.__version__.startswith("2."):
        return {}
    from airflow.models.base import _sentinel

    return {f"{type(sensor).__name__}__sentinel": _sentinel}


async def _run_one(wait: Wait, workers: concurrent.futures.Executor) -> None:
    await asyncio.sleep(wait.start_delay_s)
    wait.started = time.monotonic()
    if wait.trigger is None:
        # A worker's blocking first check, in a thread as another process would run it.
        wait.first_check = workers.submit(_execute, wait)
        await asyncio.wrap_future(wait.first_check)
    if wait.trigger is not None:
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
    # Not the loop's default executor, which asyncio.run() waits for at the end: a worker
    # stuck in execute() must show as a hang in the figures, not stop them being printed.
    workers = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="soak-worker")
    started = time.monotonic()
    try:
        tasks = [asyncio.ensure_future(_run_one(wait, workers)) for wait in waits]
        _, pending = await asyncio.wait(tasks, timeout=config.deadline_s)
        wall_s = time.monotonic() - started
        if pending:
            await cancel_all(list(pending))
        # A thread cannot be cancelled: let first checks still under way end while the
        # emulator is up (each is bounded by its request timeouts and retries).
        running = [w.first_check for w in waits if w.first_check is not None and not w.first_check.done()]
        if running:
            await asyncio.to_thread(concurrent.futures.wait, running, WORKER_GRACE_S)
    finally:
        retry_log.removeHandler(counter)
        workers.shutdown(wait=False, cancel_futures=True)
    broken = [repr(t.exception()) for t in tasks if t.done() and not t.cancelled() and t.exception()]
    stats = await asyncio.to_thread(admin, port, "GET", "stats")
    return {
        "config": {**config.__dict__, "fault_kinds": list(config.fault_kinds)},
        "wall_s": wall_s,
        "retries": counter.retries,
        "emulator": stats,
        "broken": broken,
        "workers_still_running": sum(not future.done() for future in running),
        "waits": [_wait_row(wait, stats) for wait in waits],
    }


def _wait_row(wait: Wait, stats: dict[str, Any]) -> dict[str, Any]:
    expected = expected_outcome(wait.case)
    got = wait.ended_at_start
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
        "start": wait.case.start,
        "deferred": wait.trigger is not None,
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
