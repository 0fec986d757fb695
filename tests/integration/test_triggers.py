"""Both triggers' ``run()`` against the emulator, with time injected: no test here sleeps.

A fake clock and a fake sleep, given through the trigger's public ``clock`` argument, stand
in for the wall clock, so the backoff schedule, Retry-After, the tolerance of failed checks
and the deadline are read off exactly. Retries inside a check are set through the hook the
trigger is given (``hook``), never through private attributes.
"""

from __future__ import annotations

import asyncio
import importlib
import json
from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider_dubbing.client.retry import RetryPolicy
from airflow_provider_dubbing.hooks.blendvision import BlendVisionHook
from airflow_provider_dubbing.hooks.camb import CambHook
from airflow_provider_dubbing.triggers.base import Clock, DubbingWaitTrigger
from airflow_provider_dubbing.triggers.blendvision import BlendVisionDubbingJobTrigger
from airflow_provider_dubbing.triggers.camb import CambAltFormatTrigger
from airflow_provider_dubbing.waiting.engine import WaitState
from airflow_provider_dubbing.waiting.events import FailureKind, WaitEvent
from airflow_provider_dubbing.waiting.schedule import WaitSchedule
from tests.conftest import BV_TOKEN, CAMB_KEY, connection_uri_env

T0 = 1_800_000_000.0
NO_RETRIES = RetryPolicy(max_retries=0)


class FakeTime:
    """A clock that only moves when the trigger sleeps."""

    def __init__(self) -> None:
        self.now = T0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def drive(
    make: Callable[..., DubbingWaitTrigger[Any]],
    *,
    rand: float = 0.0,
    retry: RetryPolicy = NO_RETRIES,
    **kwargs: Any,
) -> tuple[WaitEvent, FakeTime, int]:
    """Build a trigger with fake time and run it to its one event; returns (event, time, events seen)."""
    fake = FakeTime()
    trigger = make(clock=Clock(now=fake.clock, sleep=fake.sleep, rand=lambda: rand), retry=retry, **kwargs)
    events = asyncio.run(collect(trigger))
    return WaitEvent.model_validate(events[0].payload), fake, len(events)


async def collect(trigger: DubbingWaitTrigger[Any]) -> list[Any]:
    return [event async for event in trigger.run()]


def camb(
    task_id: str = "t-1",
    *,
    run_id: int | None = None,
    camb_conn_id: str = "camb_default",
    deadline: float | None = None,
    state: WaitState | None = None,
    clock: Clock | None = None,
    retry: RetryPolicy | None = None,
    **schedule: Any,
) -> CambAltFormatTrigger:
    return CambAltFormatTrigger(
        alt_format_task_id=task_id,
        run_id=run_id,
        camb_conn_id=camb_conn_id,
        schedule=WaitSchedule(**schedule),
        deadline=deadline,
        state=state,
        hook=CambHook(camb_conn_id, retry=retry),
        clock=clock,
    )


def bv(
    job_id: str = "job-1",
    *,
    blendvision_conn_id: str = "blendvision_default",
    deadline: float | None = None,
    state: WaitState | None = None,
    clock: Clock | None = None,
    retry: RetryPolicy | None = None,
    **schedule: Any,
) -> BlendVisionDubbingJobTrigger:
    return BlendVisionDubbingJobTrigger(
        dubbing_job_id=job_id,
        blendvision_conn_id=blendvision_conn_id,
        schedule=WaitSchedule(**schedule),
        deadline=deadline,
        state=state,
        hook=BlendVisionHook(blendvision_conn_id, retry=retry),
        clock=clock,
    )


# -- serialization ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: camb("t-9", run_id=42, deadline=T0 + 600, state=WaitState(checks=1, last_status="PENDING")),
        lambda: bv(
            "job-9",
            poll_interval_s=2,
            exponential_backoff=False,
            max_poll_interval_s=None,
            wait_timeout_s=90.0,
        ),
    ],
    ids=["camb", "blendvision"],
)
def test_serialize_round_trips_into_an_equal_trigger(make: Callable[[], DubbingWaitTrigger]) -> None:
    trigger = make()
    classpath, kwargs = trigger.serialize()
    assert json.loads(json.dumps(kwargs)) == kwargs
    module, _, name = classpath.rpartition(".")
    rebuilt = getattr(importlib.import_module(module), name)(**kwargs)
    assert type(rebuilt) is type(trigger)
    assert rebuilt.serialize() == (classpath, kwargs)


def test_a_trigger_stored_by_an_older_version_still_runs_its_wait() -> None:
    # Kwargs as package version 0.1 stored them in the trigger table.
    old = CambAltFormatTrigger(
        alt_format_task_id="t-9",
        run_id=None,
        camb_conn_id="camb_default",
        poke_interval_s=2.0,
        exponential_backoff=False,
        max_wait_s=None,
        deadline=T0 + 60,
        timeout_s=None,
        checks_made=3,
        max_consecutive_failures=4,
        last_status="PENDING",
        consecutive_failures=1,
    )
    assert old.schedule == WaitSchedule(2.0, False, None, None, 4)
    assert old.state == WaitState(checks=3, failures=1, last_status="PENDING")
    assert old.deadline == T0 + 60
    with pytest.raises(TypeError, match="poke_interval"):
        CambAltFormatTrigger(alt_format_task_id="t-9", poke_interval=2)


def test_camb_trigger_kwargs_name_the_sensor_template_fields() -> None:
    from airflow_provider_dubbing.sensors.camb import CambAltFormatSensor

    _, kwargs = camb().serialize()
    # Airflow 3.3 renders start_from_trigger kwargs whose names are template fields.
    assert set(CambAltFormatSensor.template_fields) <= set(kwargs)


# -- the schedule ------------------------------------------------------------------------


def test_backoff_doubles_from_the_interval_up_to_the_cap(connections: Any) -> None:
    connections.script_camb_task("t-1", pending_polls=6, run_id=5)
    event, fake, count = drive(camb, poll_interval_s=5, max_poll_interval_s=30)
    assert count == 1
    assert event.succeeded
    assert event.checks == 7
    assert fake.sleeps == [5, 10, 20, 30, 30, 30]
    assert event.result == {
        "task_id": "t-1",
        "status": "SUCCESS",
        "run_id": 5,
        "exception_reason": None,
        "message": None,  # no reference documents a file location in the status
        "output_url": None,
    }


def test_a_wait_that_follows_a_check_in_the_task_waits_its_turn_first(connections: Any) -> None:
    connections.script_blendvision_job("job-1", processing_polls=1)
    event, fake, _ = drive(
        bv, poll_interval_s=5, state=WaitState(checks=1, last_status="DUBBING_STATUS_CREATED")
    )
    assert event.succeeded
    # The sensor made check 1 (CREATED), so the trigger first sleeps, then sees PROCESSING, SUCCEEDED.
    assert fake.sleeps == [5, 10, 20]
    assert connections.stats()["polls"]["job-1"] == 3


def test_jitter_only_shortens_a_wait(connections: Any) -> None:
    connections.script_camb_task("t-1", pending_polls=3)
    _, fake, _ = drive(camb, poll_interval_s=10, max_poll_interval_s=20, rand=1.0)
    assert fake.sleeps == [9, 18, 18]


def test_a_fixed_interval_when_backoff_is_off(connections: Any) -> None:
    connections.script_camb_task("t-1", pending_polls=3)
    _, fake, _ = drive(camb, poll_interval_s=7, exponential_backoff=False)
    assert fake.sleeps == [7, 7, 7]


# -- failed checks -----------------------------------------------------------------------


def test_transient_failures_do_not_end_the_wait(connections: Any) -> None:
    connections.script_camb_task("t-1", pending_polls=1)
    connections.queue_faults(["500", "drop", "html200", "429", "truncate"], retry_after=45)
    event, fake, _ = drive(camb, poll_interval_s=1, max_poll_interval_s=8, max_consecutive_failures=6)
    assert event.succeeded
    assert event.checks == 7
    # checks 1-3 fail (waits 1, 2, 4), check 4 is a 429 asking for 45 s, check 5 is cut off.
    assert fake.sleeps == [1, 2, 4, 45, 8, 8]


def test_a_run_of_failed_checks_past_the_bound_ends_with_an_error_event(connections: Any) -> None:
    connections.script_camb_task("t-1", pending_polls=10)
    connections.set_faults(1.0, kinds=["503"])
    event, fake, _ = drive(camb, poll_interval_s=1, max_consecutive_failures=3)
    assert event.failure is FailureKind.UNAVAILABLE
    assert event.checks == 3
    assert "3 failed checks in a row" in event.message
    assert "503" in event.message
    assert fake.sleeps == [1, 2]


def test_a_success_resets_the_count_of_failed_checks(connections: Any) -> None:
    connections.script_camb_task("t-1", pending_polls=3)
    connections.queue_faults(["500", "none", "500", "none", "500"])
    event, _, _ = drive(camb, poll_interval_s=1, max_consecutive_failures=2)
    assert event.succeeded


def test_the_client_retries_inside_a_check_before_the_trigger_counts_a_failure(connections: Any) -> None:
    connections.script_camb_task("t-1", pending_polls=0)
    connections.queue_faults(["500", "502_html", "503"])
    fast = RetryPolicy(max_retries=3, initial_delay_s=0.001, max_delay_s=0.001)
    event, fake, _ = drive(camb, max_consecutive_failures=1, retry=fast)
    assert event.succeeded
    assert event.checks == 1
    assert fake.sleeps == []


@pytest.mark.parametrize(
    ("make", "conn", "words"),
    [
        (lambda **kw: camb("t-404", **kw), None, ["export 't-404' was not found", "camb_default", "404"]),
        (lambda **kw: bv("job-404", **kw), None, ["dubbing job 'job-404' was not found", "404"]),
        (lambda **kw: camb(camb_conn_id="camb_bad", **kw), "camb", ["'camb_bad'", "401", "API key"]),
        (lambda **kw: bv(blendvision_conn_id="bv_bad", **kw), "blendvision", ["'bv_bad'", "401"]),
        (lambda **kw: camb(camb_conn_id="camb_missing", **kw), "none", ["'camb_missing'", "not defined"]),
    ],
    ids=["camb-404", "bv-404", "camb-401", "bv-401", "no-connection"],
)
def test_a_refusal_ends_the_wait_at_once(
    connections: Any, monkeypatch: pytest.MonkeyPatch, make: Any, conn: str | None, words: list[str]
) -> None:
    connections.script_camb_task("t-1", pending_polls=5)
    connections.script_blendvision_job("job-1", processing_polls=5)
    if conn == "camb":
        monkeypatch.setenv(
            "AIRFLOW_CONN_CAMB_BAD", connection_uri_env("camb", connections.camb_base_url, "nope")
        )
    elif conn == "blendvision":
        monkeypatch.setenv(
            "AIRFLOW_CONN_BV_BAD",
            connection_uri_env("blendvision", connections.blendvision_base_url, "nope", {"org_id": "o"}),
        )
    event, fake, _ = drive(make)
    assert event.failure is FailureKind.REFUSED
    assert event.checks == 1
    assert fake.sleeps == []
    for word in words:
        assert word in event.message


# -- outcomes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "failure", "words"),
    [
        ("ERROR", "job_failed", ["failed (ERROR)", "PROCESSING_ERROR"]),
        ("TIMEOUT", "timed_out", ["timed out on CAMB.AI's side", "PROCESSING_ERROR"]),
        ("PAYMENT_REQUIRED", "payment_required", ["needs payment", "PROCESSING_ERROR"]),
    ],
)
def test_camb_failure_statuses_end_as_failed_events(
    connections: Any, outcome: str, failure: str, words: list[str]
) -> None:
    connections.script_camb_task("t-1", pending_polls=1, outcome=outcome, exception_reason="PROCESSING_ERROR")
    event, _, _ = drive(camb)
    assert (event.failure, event.remote_status) == (failure, outcome)
    assert event.reasons == ("PROCESSING_ERROR",)
    for word in words:
        assert word in event.message


def test_blendvision_failure_names_every_reason_domain_and_metadata(connections: Any) -> None:
    infos = [
        {"reason": "SOURCE_AUDIO_UNREADABLE", "domain": "cms.blendvision.com", "metadata": {"track": "0"}},
        {"reason": "QUOTA_EXCEEDED", "domain": "billing.blendvision.com", "metadata": {}},
    ]
    connections.script_blendvision_job("job-1", outcome="DUBBING_STATUS_FAILED", error_infos=infos)
    event, _, _ = drive(bv)
    assert event.failure is FailureKind.JOB_FAILED
    assert event.reasons == (
        "SOURCE_AUDIO_UNREADABLE (cms.blendvision.com) track=0",
        "QUOTA_EXCEEDED (billing.blendvision.com)",
    )
    assert "dubbing job 'job-1' failed: SOURCE_AUDIO_UNREADABLE (cms.blendvision.com)" in event.message


def test_an_unknown_status_keeps_waiting_until_the_deadline(connections: Any, log_lines: Any) -> None:
    connections.script_blendvision_job("job-1", processing_polls=0, outcome="DUBBING_STATUS_ARCHIVED")
    event, fake, _ = drive(bv, poll_interval_s=5, max_poll_interval_s=20, deadline=T0 + 60)
    assert event.failure is FailureKind.WAIT_TIMEOUT
    assert event.remote_status == "DUBBING_STATUS_ARCHIVED"
    assert "timed out waiting for dubbing job 'job-1'" in event.message
    # Waits never pass the deadline; one last check happens on it.
    assert fake.sleeps == [5, 10, 20, 20, 5]
    assert fake.now == T0 + 60
    warnings = [line for line in log_lines() if "does not know" in line]
    assert len(warnings) == 1, warnings


def test_timeout_s_counts_from_the_start_when_no_deadline_was_given(connections: Any) -> None:
    connections.script_camb_task("t-1", pending_polls=100)
    event, fake, _ = drive(camb, poll_interval_s=10, exponential_backoff=False, wait_timeout_s=25)
    assert event.failure is FailureKind.WAIT_TIMEOUT
    assert fake.sleeps == [10, 10, 5]


def test_each_status_change_is_logged_once(connections: Any, log_lines: Any) -> None:
    connections.script_blendvision_job("job-1", processing_polls=4)
    event, _, _ = drive(bv, poll_interval_s=5, max_poll_interval_s=40)
    assert event.succeeded
    lines = [line for line in log_lines() if "dubbing job 'job-1'" in line]
    assert lines == [
        "waiting on dubbing job 'job-1'; first check now",
        "dubbing job 'job-1' is queued; next check in 5 s",
        "dubbing job 'job-1' is being dubbed; next check in 10 s",
        f"dubbing job 'job-1' succeeded (output files: {event.result['outputs'][0]['id']})",  # type: ignore[index]
    ]


class _Check:
    """A status check that fails as no check should, or never answers."""

    def __init__(self, answer: Callable[[], Any]) -> None:
        self.answer = answer

    async def acheck(self) -> Any:
        return await self.answer()


def with_check(answer: Callable[[], Any]) -> Callable[..., CambAltFormatTrigger]:
    """A CAMB.AI trigger whose check is ``answer`` (through the public ``status_check``)."""

    class Odd(CambAltFormatTrigger):
        def status_check(self) -> Any:
            return _Check(answer)

    return lambda deadline=None, **kw: Odd(alt_format_task_id="t-1", deadline=deadline, clock=kw["clock"])


def test_a_trigger_that_continues_a_task_s_wait_says_so_once(connections: Any, log_lines: Any) -> None:
    # After a triggerer restart the new one logs this too, so its part of the wait shows in the log.
    connections.script_camb_task("t-1", pending_polls=2)
    drive(camb, poll_interval_s=5, state=WaitState(checks=1, last_status="PENDING"))
    lines = [line for line in log_lines() if "export 't-1'" in line]
    assert lines[0] == "waiting on export 't-1' after 1 check(s), last status PENDING; next check in 5 s"
    # The status the task already logged is not logged again.
    assert not any(line.startswith("export 't-1' is still running") for line in lines)


def test_run_never_raises(connections: Any) -> None:
    async def broken() -> Any:
        raise RuntimeError("disk on fire")

    event, _, count = drive(with_check(broken))
    assert count == 1
    assert event.failure is FailureKind.UNAVAILABLE
    assert "RuntimeError: disk on fire" in event.message


def test_no_secret_in_kwargs_events_or_logs(connections: Any, log_lines: Any) -> None:
    connections.script_camb_task("t-1", pending_polls=1, outcome="ERROR", exception_reason="X")
    connections.script_blendvision_job("job-1", processing_polls=1)
    seen = []
    makers: list[Callable[..., Any]] = [camb, bv, lambda **kw: camb("t-404", **kw)]
    for make in makers:
        trigger = make()
        seen.append(json.dumps(trigger.serialize()))
        seen.append(repr(trigger))
        event, _, _ = drive(make)
        seen.append(json.dumps(event.to_payload()))
    seen.extend(log_lines())
    text = "\n".join(seen)
    assert "t-404" in text
    assert CAMB_KEY not in text
    assert BV_TOKEN not in text


def test_failed_checks_the_task_made_count_toward_the_bound(connections: Any) -> None:
    connections.script_camb_task("t-1", pending_polls=5)
    connections.queue_faults(["500"])
    event, _, _ = drive(camb, max_consecutive_failures=3, state=WaitState(checks=1, failures=2))
    assert event.failure is FailureKind.UNAVAILABLE
    assert event.checks == 2


def test_retry_after_is_capped(connections: Any) -> None:
    connections.script_camb_task("t-1", pending_polls=1)
    connections.queue_faults(["429"], retry_after=86_400)
    event, fake, _ = drive(camb, poll_interval_s=1, max_poll_interval_s=10)
    assert event.succeeded
    # The client's own cap (60 s) applies, or the schedule's longest wait when longer.
    assert fake.sleeps == [60, 2]


def test_a_check_still_running_past_the_deadline_ends_as_a_timeout(
    connections: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import airflow_provider_dubbing.triggers.base as trigger_base

    monkeypatch.setattr(trigger_base, "CHECK_GRACE_S", 0.05)

    async def hanging() -> Any:
        await asyncio.Event().wait()  # an answer that never comes

    event, _, _ = drive(with_check(hanging), deadline=T0 + 1)
    assert event.failure is FailureKind.WAIT_TIMEOUT
    assert "still unanswered" in event.message
