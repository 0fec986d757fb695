"""A killed task says its work keeps running, and ``execution_timeout`` bounds a deferred wait.

Neither API documents a way to cancel work, so a killed operator, sensor or trigger only
warns (naming the id, and the console page on BlendVision One). A deferred wait's deadline
is never later than the task's start plus its ``execution_timeout``, and a wait that ends
there fails as ``execution_timeout`` fails a worker: ``AirflowTaskTimeout``, retried. The
methods are called directly against the emulator, then the whole path runs in ``dag.test()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_dubbing._compat import AirflowSensorTimeout, AirflowSkipException, AirflowTaskTimeout
from airflow_provider_dubbing.hooks.blendvision import DEFAULT_CONSOLE_URL
from airflow_provider_dubbing.operators.blendvision import BlendVisionCreateDubbingJobOperator
from airflow_provider_dubbing.operators.camb import CambExportAltFormatOperator
from airflow_provider_dubbing.sensors.blendvision import BlendVisionDubbingJobSensor
from airflow_provider_dubbing.sensors.camb import CambAltFormatSensor
from airflow_provider_dubbing.tasks.base import DEFER_TIMEOUT_GRACE_S
from airflow_provider_dubbing.tasks.failures import DubbingWaitTimeout
from airflow_provider_dubbing.triggers.blendvision import BlendVisionDubbingJobTrigger
from airflow_provider_dubbing.triggers.camb import CambAltFormatTrigger
from tests.conftest import AIRFLOW_LINE, needs_dag_test, task_rows
from tests.dags import kill_timeout_dags as kt

try:
    from airflow.sdk.exceptions import TaskDeferred
except ImportError:  # Airflow 2
    from airflow.exceptions import TaskDeferred  # type: ignore[no-redef,attr-defined,unused-ignore]

pytestmark = pytest.mark.timeout(300)

SOURCE = "vod-kill-001"


@dataclass
class FakeTI:
    """What the tasks read of their task instance: its identity, its try's start, XComs."""

    start_date: datetime
    map_index: int = -1
    dag_id: str = "kill_and_timeout"
    run_id: str = "manual__2026-11-28"
    task_id: str = "task"
    pushed: dict[str, Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value


class MemoryStore:
    """A task state store (Airflow 3.3's ``context["task_state_store"]``) kept in memory, so a
    start operator notes its work here rather than in an Airflow Variable."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any, *, retention: timedelta | None = None) -> None:
        self.values[key] = value


def started(seconds_ago: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)


def context(start_date: datetime) -> dict[str, Any]:
    return {"ti": FakeTI(start_date=start_date), "task_state_store": MemoryStore()}


def warnings_naming(lines: list[str], object_id: str) -> list[str]:
    return [line for line in lines if object_id in line and "keeps running" in line]


# on_kill


def test_a_killed_start_operator_warns_once_that_its_job_keeps_running(
    connections: Any, log_lines: Any
) -> None:
    connections.script_blendvision_source(SOURCE, processing_polls=10)
    op = BlendVisionCreateDubbingJobOperator(
        task_id="create_job",
        source_type="video",
        source_id=SOURCE,
        source_lang_code="en",
        target_lang_code="ja",
        deferrable=True,
    )
    ctx = context(started(1))
    with pytest.raises(TaskDeferred):
        op.execute(ctx)
    job_id = ctx["ti"].pushed["dubbing_job_id"]

    op.on_kill()

    [warning] = warnings_naming(log_lines(), job_id)
    console = DEFAULT_CONSOLE_URL.replace("{job_id}", job_id)
    assert f"dubbing job '{job_id}' keeps running on BlendVision One (console: {console})" in warning
    assert "its API documents no way to cancel it" in warning
    assert "stays noted for this task instance, so clearing the task reattaches to it" in warning


def test_a_start_operator_killed_before_it_had_an_id_says_so(log_lines: Any) -> None:
    op = CambExportAltFormatOperator(task_id="export", run_id=5150, language="es-ES", output_format="mp4")
    op.on_kill()
    assert [line for line in log_lines() if "before CAMB.AI answered" in line] == [
        "the task was ended before CAMB.AI answered with the new export's id: if CAMB.AI started it, it "
        "keeps running, and is not noted for later tries"
    ]


def test_a_killed_sensor_warns_once_that_the_work_keeps_running(connections: Any, log_lines: Any) -> None:
    CambAltFormatSensor(task_id="wait", alt_format_task_id="t-kill").on_kill()
    BlendVisionDubbingJobSensor(task_id="wait_job", dubbing_job_id="job-kill").on_kill()

    lines = log_lines()
    [export] = warnings_naming(lines, "t-kill")
    assert export == (
        "the task was ended while waiting: export 't-kill' keeps running on CAMB.AI, and is billed: its API "
        "documents no way to cancel it. Clearing the task waits on it again"
    )
    [job] = warnings_naming(lines, "job-kill")
    assert f"(console: {DEFAULT_CONSOLE_URL.replace('{job_id}', 'job-kill')})" in job


def test_a_killed_trigger_warns_in_the_triggerer(connections: Any, log_lines: Any) -> None:
    # Airflow 3.3's triggerer awaits on_kill() when a person ends the deferred task; Airflow 2
    # has no such call, and the method is then simply never used.
    asyncio.run(BlendVisionDubbingJobTrigger(dubbing_job_id="job-t").on_kill())
    asyncio.run(CambAltFormatTrigger(alt_format_task_id="t-t").on_kill())

    lines = log_lines()
    [job] = warnings_naming(lines, "job-t")
    console = DEFAULT_CONSOLE_URL.replace("{job_id}", "job-t")
    assert f"dubbing job 'job-t' keeps running on BlendVision One (console: {console})" in job
    assert "a start operator's started-work note is kept, so it reattaches" in job
    [export] = warnings_naming(lines, "t-t")
    assert "export 't-t' keeps running on CAMB.AI, and is billed" in export


def test_a_killed_trigger_still_warns_when_its_connection_cannot_be_read(log_lines: Any) -> None:
    trigger = BlendVisionDubbingJobTrigger(
        dubbing_job_id="job-lost", blendvision_conn_id="no_such_connection"
    )
    asyncio.run(trigger.on_kill())
    [warning] = warnings_naming(log_lines(), "job-lost")
    assert "keeps running on BlendVision One, and is billed" in warning  # without a console link


def test_a_killed_trigger_still_warns_when_a_secrets_backend_fails(
    log_lines: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_dubbing._compat import AirflowException
    from airflow_provider_dubbing.hooks.blendvision import BlendVisionHook

    async def backend_down(self: Any) -> Any:
        raise AirflowException("the secrets backend timed out")

    monkeypatch.setattr(BlendVisionHook, "aget_client_config", backend_down)
    asyncio.run(BlendVisionDubbingJobTrigger(dubbing_job_id="job-backend").on_kill())
    [warning] = warnings_naming(log_lines(), "job-backend")
    assert "keeps running on BlendVision One, and is billed" in warning


# execution_timeout bounds a deferred wait


def test_a_sensor_defers_with_a_deadline_bounded_by_execution_timeout(connections: Any) -> None:
    connections.script_camb_task("t-1", pending_polls=10)
    start = started(20)
    sensor = CambAltFormatSensor(
        task_id="wait",
        alt_format_task_id="t-1",
        deferrable=True,
        timeout=600,
        execution_timeout=timedelta(seconds=60),
    )
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(context(start))
    _, kwargs = deferred.value.trigger.serialize()
    assert kwargs["deadline"] == pytest.approx(start.timestamp() + 60)
    # Airflow's own deferral timeout stays the grace behind the deadline, counted from the
    # deferral (about 40 s left of the 60).
    assert (
        40 + DEFER_TIMEOUT_GRACE_S - 5 <= deferred.value.timeout.total_seconds() <= 40 + DEFER_TIMEOUT_GRACE_S
    )


def test_an_execution_timeout_longer_than_the_wait_leaves_the_wait_s_own_deadline(connections: Any) -> None:
    connections.script_camb_task("t-1", pending_polls=10)
    sensor = CambAltFormatSensor(
        task_id="wait",
        alt_format_task_id="t-1",
        deferrable=True,
        timeout=600,
        execution_timeout=timedelta(hours=1),
    )
    before = time.time()
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(context(started(1)))
    _, kwargs = deferred.value.trigger.serialize()
    assert before + 600 <= kwargs["deadline"] <= time.time() + 600
    assert deferred.value.timeout == timedelta(seconds=600 + DEFER_TIMEOUT_GRACE_S)


def test_a_start_operator_defers_with_a_deadline_bounded_by_execution_timeout(connections: Any) -> None:
    connections.script_blendvision_source(SOURCE, processing_polls=10)
    start = started(30)
    op = BlendVisionCreateDubbingJobOperator(
        task_id="create_job",
        source_type="video",
        source_id=SOURCE,
        source_lang_code="en",
        target_lang_code="ja",
        deferrable=True,
        wait_timeout_s=3600,
        execution_timeout=timedelta(minutes=2),
    )
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(context(start))
    _, kwargs = deferred.value.trigger.serialize()
    assert kwargs["deadline"] == pytest.approx(start.timestamp() + 120)
    assert (
        90 + DEFER_TIMEOUT_GRACE_S - 5 <= deferred.value.timeout.total_seconds() <= 90 + DEFER_TIMEOUT_GRACE_S
    )


def test_start_from_trigger_bounds_the_wait_by_execution_timeout() -> None:
    sensor = CambAltFormatSensor(
        task_id="wait",
        alt_format_task_id="t-1",
        deferrable=True,
        start_from_trigger=True,
        timeout=600,
        execution_timeout=timedelta(seconds=90),
    )
    assert sensor.start_trigger_args.trigger_kwargs["schedule"]["wait_timeout_s"] == 90
    assert sensor.start_trigger_args.timeout == timedelta(seconds=90 + DEFER_TIMEOUT_GRACE_S)


TIMED_OUT = {
    "failure": "timeout",
    "message": "timed out waiting for export 't-1': still PENDING",
    "object_id": "t-1",
}


# (the wait's own timeout, execution_timeout, how long ago the try started: None when unknown)
LIMITS = {
    "execution_timeout_shorter": (600, 60, None),
    "own_timeout_shorter": (60, 120, 30),
    "resumed_past_execution_timeout": (60, 120, 130),
}


@pytest.mark.parametrize(
    ("case", "raised"),
    [
        ("execution_timeout_shorter", AirflowTaskTimeout),
        ("own_timeout_shorter", AirflowSensorTimeout),
        ("resumed_past_execution_timeout", AirflowTaskTimeout),
    ],
)
def test_a_sensor_s_timeout_event_fails_as_the_limit_that_set_the_deadline(case: str, raised: type) -> None:
    timeout_s, execution_timeout_s, seconds_ago = LIMITS[case]
    sensor = CambAltFormatSensor(
        task_id="wait",
        alt_format_task_id="t-1",
        deferrable=True,
        timeout=timeout_s,
        execution_timeout=timedelta(seconds=execution_timeout_s),
    )
    ctx = {} if seconds_ago is None else context(started(seconds_ago))
    with pytest.raises(raised) as failed:
        sensor.execute_complete(ctx, TIMED_OUT)
    if raised is AirflowTaskTimeout:
        limit = timedelta(seconds=execution_timeout_s)
        assert str(failed.value).startswith(
            f"the task's execution_timeout ({limit}) passed: timed out waiting"
        )


def test_soft_fail_skips_a_sensor_past_its_execution_timeout() -> None:
    sensor = CambAltFormatSensor(
        task_id="wait",
        alt_format_task_id="t-1",
        deferrable=True,
        soft_fail=True,
        execution_timeout=timedelta(seconds=60),
    )
    with pytest.raises(AirflowSkipException, match="execution_timeout"):
        sensor.execute_complete(context(started(61)), TIMED_OUT)


@pytest.mark.parametrize(
    ("case", "raised"),
    [
        ("execution_timeout_shorter", AirflowTaskTimeout),
        ("own_timeout_shorter", DubbingWaitTimeout),
        ("resumed_past_execution_timeout", AirflowTaskTimeout),
    ],
)
def test_a_start_operator_s_timeout_event_fails_as_the_limit_that_set_the_deadline(
    case: str, raised: type
) -> None:
    wait_timeout_s, execution_timeout_s, seconds_ago = LIMITS[case]
    op = CambExportAltFormatOperator(
        task_id="export",
        run_id=5150,
        language="es-ES",
        output_format="mp4",
        deferrable=True,
        wait_timeout_s=wait_timeout_s,
        execution_timeout=timedelta(seconds=execution_timeout_s),
    )
    ctx = {} if seconds_ago is None else context(started(seconds_ago))
    with pytest.raises(raised):
        op.execute_complete(ctx, TIMED_OUT)


# The whole path: dag.test() runs the trigger inline, so without the bound it would wait 600 s.


@needs_dag_test
@pytest.mark.timeout(240)
def test_execution_timeout_ends_deferred_waits_and_the_retries_reattach(
    airflow_db: Path, connections: Any
) -> None:
    kt.SEEN.clear()
    connections.script_camb_task(kt.EXPORT, pending_polls=100_000)
    connections.script_blendvision_source(kt.SOURCE, processing_polls=100_000)
    began = time.monotonic()
    if AIRFLOW_LINE < (3, 0):
        # Airflow 2's dag.test() catches Exception only, so the first AirflowTaskTimeout (a
        # BaseException, as Airflow's own execution_timeout raises it) ends the test run; the
        # task has been set up for retry first, as a real run does.
        with pytest.raises(AirflowTaskTimeout, match=r"execution_timeout \(0:00:03\) passed: timed out"):
            kt.kt_execution_timeout.test()
        assert time.monotonic() - began < kt.WAIT_TIMEOUT_S / 4
        [(task_id, failures)] = kt.SEEN.items()
        assert [name for name, _ in failures] == ["AirflowTaskTimeout"]
        assert last_run_states(airflow_db, kt.kt_execution_timeout.dag_id)[task_id] == ("up_for_retry", 1)
        return

    dag_run = kt.kt_execution_timeout.test()
    assert time.monotonic() - began < kt.WAIT_TIMEOUT_S / 4
    rows = task_rows(dag_run)
    assert {task: (state, tries) for task, (state, tries, _) in rows.items()} == {
        "sense": ("failed", 2),
        "create_job": ("failed", 2),
    }
    for task_id in ("sense", "create_job"):
        # Each try failed as execution_timeout fails a worker: retried, not final.
        seen = kt.SEEN[task_id]
        assert [name for name, _ in seen] == ["AirflowTaskTimeout"] * 2, seen
        assert all("execution_timeout (0:00:03) passed: timed out" in message for _, message in seen), seen
    # The retry reattached to the job the first try created.
    assert connections.stats()["created"]["blendvision"] == 1


def last_run_states(home: Path, dag_id: str) -> dict[str, tuple[str, int]]:
    """Task id -> (state, try number) in the latest run of ``dag_id``."""
    with contextlib.closing(sqlite3.connect(home / "airflow.db")) as db:
        return {
            task_id: (state, tries)
            for task_id, state, tries in db.execute(
                "SELECT task_id, state, try_number FROM task_instance WHERE dag_id = ? AND run_id ="
                " (SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1)",
                (dag_id, dag_id),
            )
        }
