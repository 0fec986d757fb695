"""The sensors' own decisions, one at a time: schedule, tolerance, deferral, events, start_from_trigger.

The full outcome table runs through ``dag.test()`` in ``test_sensor_matrix.py``; here
the sensor methods are called directly, against the emulator where a check is made.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from airflow_provider_dubbing._compat import (
    AIRFLOW_V_3_1_PLUS,
    AirflowException,
    AirflowSensorTimeout,
    AirflowSkipException,
    PokeReturnValue,
)
from airflow_provider_dubbing.client.retry import RetryPolicy
from airflow_provider_dubbing.hooks.camb import CambHook
from airflow_provider_dubbing.sensors.blendvision import BlendVisionDubbingJobSensor
from airflow_provider_dubbing.sensors.camb import CambAltFormatSensor
from airflow_provider_dubbing.tasks.base import DEFER_TIMEOUT_GRACE_S
from airflow_provider_dubbing.tasks.failures import (
    DubbingJobFailed,
    DubbingPaymentRequired,
    DubbingRemoteTimeout,
    DubbingRequestRefused,
    DubbingServiceUnavailable,
)
from airflow_provider_dubbing.triggers.blendvision import BlendVisionDubbingJobTrigger
from airflow_provider_dubbing.triggers.camb import CambAltFormatTrigger
from tests.conftest import AIRFLOW_LINE, NO_EXCEPTION_IN_CALLBACKS, needs_dag_test, task_rows


def camb_sensor(**kwargs: Any) -> CambAltFormatSensor:
    kwargs.setdefault("task_id", "wait")
    kwargs.setdefault("alt_format_task_id", "t-1")
    sensor = CambAltFormatSensor(**kwargs)
    # One attempt per check, so failing checks cost no real waiting.
    sensor.hook = CambHook(sensor.camb_conn_id, retry=RetryPolicy(max_retries=0))
    return sensor


def test_defaults_follow_the_services_polling_advice() -> None:
    sensor = CambAltFormatSensor(task_id="wait", alt_format_task_id="t-1")
    assert sensor.schedule.poll_interval_s == 5
    assert sensor.schedule.exponential_backoff is True
    assert sensor.schedule.max_poll_interval_s == 120
    assert [sensor.schedule.nominal_s(n) for n in range(1, 8)] == [5, 10, 20, 40, 80, 120, 120]


def test_template_fields_hold_the_ids_and_the_connection() -> None:
    assert set(CambAltFormatSensor.template_fields) == {"alt_format_task_id", "run_id", "camb_conn_id"}
    assert set(BlendVisionDubbingJobSensor.template_fields) == {"dubbing_job_id", "blendvision_conn_id"}


@pytest.mark.parametrize("configured", ["True", "False"])
def test_deferrable_defaults_to_airflows_setting(monkeypatch: pytest.MonkeyPatch, configured: str) -> None:
    monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", configured)
    assert CambAltFormatSensor(task_id="w", alt_format_task_id="t").deferrable is (configured == "True")
    assert CambAltFormatSensor(task_id="w", alt_format_task_id="t", deferrable=False).deferrable is False


def test_poke_and_reschedule_intervals_follow_the_same_schedule(connections: Any) -> None:
    connections.script_camb_task("t-1", pending_polls=10)
    poke = camb_sensor(poke_interval=5, max_wait=60, timeout=10_000)
    for checks, nominal in [(1, 5), (2, 10), (3, 20), (4, 40), (5, 60)]:
        assert poke.poke({}) is False
        # Jitter takes up to a tenth off a wait, never adds to it.
        assert 0.9 * nominal <= poke._get_next_poke_interval(0.0, lambda: 0.0, checks) <= nominal
    rescheduled = camb_sensor(poke_interval=5, max_wait=60, timeout=10_000, mode="reschedule")
    # Reschedule mode forgets its poke count; it finds its place from the time waited.
    after_35_s = rescheduled._get_next_poke_interval(0.0, lambda: 35.0, 1)
    assert 0.9 * 40 <= after_35_s <= 40


def test_no_wait_runs_past_the_timeout(connections: Any) -> None:
    connections.script_camb_task("t-1", pending_polls=10)
    sensor = camb_sensor(poke_interval=5, max_wait=60, timeout=100)
    assert sensor.poke({}) is False
    assert sensor._get_next_poke_interval(0.0, lambda: 97.0, 1) == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("outcome", "failure"),
    [
        ("ERROR", DubbingJobFailed),
        ("TIMEOUT", DubbingRemoteTimeout),
        ("PAYMENT_REQUIRED", DubbingPaymentRequired),
    ],
)
def test_poke_fails_without_retries_on_a_final_status(connections: Any, outcome: str, failure: type) -> None:
    connections.script_camb_task("t-1", pending_polls=1, outcome=outcome, exception_reason="WHY")
    sensor = camb_sensor()
    assert sensor.poke({}) is False
    with pytest.raises(failure, match="WHY") as caught:
        sensor.poke({})
    assert caught.value.object_id == "t-1"
    assert caught.value.status == outcome


def test_poke_returns_the_same_dict_the_trigger_would(connections: Any) -> None:
    connections.script_camb_task("t-1", pending_polls=0, run_id=3)
    done = camb_sensor(run_id=3).poke({})
    assert isinstance(done, PokeReturnValue)
    assert done.is_done
    assert done.xcom_value["task_id"] == "t-1"
    assert done.xcom_value["status"] == "SUCCESS"
    assert done.xcom_value["run_id"] == 3


def test_poke_tolerates_failed_checks_up_to_the_bound(connections: Any) -> None:
    connections.script_camb_task("t-1", pending_polls=5)
    connections.queue_faults(["500", "503", "none", "500", "drop", "429"])
    sensor = camb_sensor(max_consecutive_failures=3)
    assert [sensor.poke({}) for _ in range(5)] == [False] * 5
    with pytest.raises(DubbingServiceUnavailable, match="3 failed checks in a row") as caught:
        sensor.poke({})
    # Not an AirflowException: the task's retries apply, and soft_fail does not hide it.
    assert not isinstance(caught.value, AirflowException)


def test_reschedule_mode_counts_failed_checks_within_one_poke(connections: Any) -> None:
    connections.script_camb_task("t-1", pending_polls=5)
    connections.queue_faults(["500", "429", "none"], retry_after=7)
    sensor = camb_sensor(mode="reschedule", poke_interval=2, max_consecutive_failures=3)
    waits: list[float] = []
    sensor._sleep = waits.append  # type: ignore[method-assign]
    assert sensor.poke({}) is False  # the third check got through: PENDING
    assert len(waits) == 2
    assert 0.9 * 2 <= waits[0] <= 2  # the schedule's first wait
    assert waits[1] == 7  # the 429's Retry-After
    connections.queue_faults(["500", "500", "500"])
    with pytest.raises(DubbingServiceUnavailable, match="3 failed checks in a row"):
        sensor.poke({})


def test_a_refusal_names_the_connection(connections: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import connection_uri_env

    monkeypatch.setenv(
        "AIRFLOW_CONN_CAMB_OTHER", connection_uri_env("camb", connections.camb_base_url, "bad")
    )
    with pytest.raises(DubbingRequestRefused, match="connection 'camb_other'") as caught:
        camb_sensor(camb_conn_id="camb_other").poke({})
    assert caught.value.http_status == 401


def test_bad_input_is_refused_before_any_request(connections: Any) -> None:
    with pytest.raises(DubbingRequestRefused, match="task_id"):
        camb_sensor(alt_format_task_id="  ").poke({})
    assert connections.stats()["requests"] == 0


def test_deferrable_mode_finishes_at_once_when_already_done(connections: Any) -> None:
    connections.script_blendvision_job("job-1", [{"status": "DUBBING_STATUS_SUCCEEDED"}])
    sensor = BlendVisionDubbingJobSensor(task_id="w", dubbing_job_id="job-1", deferrable=True)
    result = sensor.execute({})
    assert result["id"] == "job-1"
    assert result["status"] == "DUBBING_STATUS_SUCCEEDED"
    assert connections.stats()["polls"]["job-1"] == 1


def test_deferrable_mode_checks_once_then_defers_with_a_deadline(connections: Any) -> None:
    try:
        from airflow.sdk.exceptions import TaskDeferred
    except ImportError:  # Airflow 2
        from airflow.exceptions import TaskDeferred

    connections.script_blendvision_job("job-1", processing_polls=3)
    sensor = BlendVisionDubbingJobSensor(
        task_id="w", dubbing_job_id="job-1", deferrable=True, timeout=600, poke_interval=2, max_wait=30
    )
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute({})
    trigger = deferred.value.trigger
    assert isinstance(trigger, BlendVisionDubbingJobTrigger)
    _, kwargs = trigger.serialize()
    assert kwargs["state"] == {"checks": 1, "failures": 0, "last_status": "DUBBING_STATUS_CREATED"}
    assert kwargs["schedule"]["poll_interval_s"] == 2
    assert kwargs["schedule"]["max_poll_interval_s"] == 30
    assert kwargs["deadline"] == pytest.approx(trigger.deadline)
    assert deferred.value.timeout == timedelta(seconds=600 + DEFER_TIMEOUT_GRACE_S)
    assert deferred.value.method_name == "execute_complete"


def test_deferrable_first_check_honours_soft_fail(connections: Any) -> None:
    connections.script_camb_task("t-1", pending_polls=0, outcome="ERROR")
    with pytest.raises(AirflowSkipException, match="failed"):
        camb_sensor(deferrable=True, soft_fail=True).execute({})


@pytest.mark.parametrize(
    ("event", "raised"),
    [
        ({"failure": "timeout", "message": "timed out waiting", "object_id": "t"}, AirflowSensorTimeout),
        (
            {"failure": "refused", "message": "404", "object_id": "t", "status_code": 404},
            DubbingRequestRefused,
        ),
        ({"failure": "error", "message": "gave up", "object_id": "t"}, DubbingServiceUnavailable),
        ({"failure": "payment_required", "message": "m", "object_id": "t"}, DubbingPaymentRequired),
        # The shape a triggerer of package version 0.1 stored.
        (
            {"status": "failed", "message": "m", "object_id": "t", "failure": "payment_required"},
            DubbingPaymentRequired,
        ),
        ({"message": "m", "object_id": "t"}, AirflowException),
        ({"failure": "finished", "message": "m", "object_id": "t"}, AirflowException),
        (None, AirflowException),
    ],
    ids=[
        "timeout",
        "refused",
        "error",
        "failed",
        "failed-old-shape",
        "success-without-result",
        "unknown-failure",
        "none",
    ],
)
def test_execute_complete_validates_the_event(event: Any, raised: type) -> None:
    with pytest.raises(raised):
        camb_sensor().execute_complete({}, event)


def test_execute_complete_returns_the_result() -> None:
    result = {"task_id": "t", "status": "SUCCESS", "run_id": None, "exception_reason": None, "message": None}
    event = {"message": "done", "object_id": "t", "result": result}
    assert camb_sensor().execute_complete({}, event) == result


def test_start_from_trigger_sets_the_trigger_up_front() -> None:
    sensor = CambAltFormatSensor(
        task_id="w", alt_format_task_id="t-7", run_id=4, deferrable=True, start_from_trigger=True, timeout=300
    )
    assert sensor.start_from_trigger is True
    args = sensor.start_trigger_args
    assert args.trigger_cls == "airflow_provider_dubbing.triggers.camb.CambAltFormatTrigger"
    assert args.next_method == "execute_complete"
    assert args.timeout == timedelta(seconds=300 + DEFER_TIMEOUT_GRACE_S)
    assert args.trigger_kwargs["alt_format_task_id"] == "t-7"
    assert args.trigger_kwargs["schedule"]["wait_timeout_s"] == 300
    assert args.trigger_kwargs["deadline"] is None
    assert args.trigger_kwargs["state"]["checks"] == 0
    assert CambAltFormatTrigger(**args.trigger_kwargs).serialize()[1] == args.trigger_kwargs
    # The class attribute stays untouched for other tasks.
    assert CambAltFormatSensor.start_trigger_args is None


def test_start_from_trigger_refuses_what_it_cannot_do() -> None:
    with pytest.raises(ValueError, match="deferrable"):
        CambAltFormatSensor(task_id="w", alt_format_task_id="t", deferrable=False, start_from_trigger=True)
    templated = "{{ ti.xcom_pull('start') }}"
    sensor = CambAltFormatSensor(
        task_id="w", alt_format_task_id=templated, deferrable=True, start_from_trigger=True
    )
    if AIRFLOW_V_3_1_PLUS:
        # 3.3 renders the kwargs before starting the trigger; 3.1 and 3.2 run execute() anyway.
        assert sensor.start_from_trigger is True
        assert sensor.start_trigger_args.trigger_kwargs["alt_format_task_id"] == templated
    else:
        # Older lines would send the template itself to the triggerer: start on a worker instead.
        assert sensor.start_from_trigger is False


@pytest.mark.airflow
@needs_dag_test
@pytest.mark.timeout(240)
def test_a_start_from_trigger_dag_serializes_and_runs_under_dag_test(
    airflow_db: Any, connections: Any
) -> None:
    from tests.dags.sensor_start_from_trigger_dags import dag

    connections.script_camb_task("t-sft", pending_polls=2)
    dag_run = dag.test()
    assert dag_run.state == "success"
    state, _, value = task_rows(dag_run)["wait"]
    assert state == "success"
    assert value["task_id"] == "t-sft"
    assert value["status"] == "SUCCESS"
    assert connections.stats()["polls"]["t-sft"] == 3


@pytest.mark.airflow
@needs_dag_test
@pytest.mark.timeout(300)
@pytest.mark.parametrize("mode", ["poke", "deferrable"])
def test_an_outage_is_an_ordinary_failure_that_the_task_retries(
    airflow_db: Any, connections: Any, mode: str
) -> None:
    from tests.dags import sensor_outage_dags

    connections.script_camb_task("t-outage", pending_polls=1)
    connections.set_faults(1.0, kinds=["500"])
    sensor_outage_dags.SEEN.clear()
    dag_run = getattr(sensor_outage_dags, f"sensor_outage_{mode}").test()
    state, tries, _ = task_rows(dag_run)["wait"]
    assert (state, tries) == ("failed", 3)
    if not NO_EXCEPTION_IN_CALLBACKS:
        seen = sensor_outage_dags.SEEN["wait"]
        assert [kind for kind, _ in seen] == ["DubbingServiceUnavailable"] * 3
        assert all("2 failed checks in a row" in message and "500" in message for _, message in seen)
    if AIRFLOW_LINE != (3, 0):
        # Each try: 2 checks, each sent 4 times (the client's 3 retries). Airflow 3.0's dag.test()
        # sent only the first try's 8 requests (its later tries made none); state and tries hold.
        assert connections.stats()["faults"] == {"500": 3 * 2 * 4}


def test_poke_mode_logs_each_status_change_once(connections: Any, log_lines: Any) -> None:
    connections.script_blendvision_job("job-1", processing_polls=3)
    sensor = BlendVisionDubbingJobSensor(task_id="w", dubbing_job_id="job-1", poke_interval=5, max_wait=60)
    done: Any = False
    checks = 0
    while not done:
        done = sensor.poke({})
        checks += 1
        if not done:
            sensor._get_next_poke_interval(0.0, lambda: 0.0, checks)
    lines = [line for line in log_lines() if "dubbing job 'job-1'" in line]
    assert checks == 5
    assert [line.split(";")[0] for line in lines] == [
        "dubbing job 'job-1' is queued",
        "dubbing job 'job-1' is being dubbed",
        lines[-1],
    ]
    assert "next check in 5 s" in lines[0] or "next check in 4 s" in lines[0]
    assert lines[-1].startswith("dubbing job 'job-1' succeeded (output files: ")


def test_start_from_trigger_survives_dag_serialization() -> None:
    from datetime import datetime

    try:
        from airflow.sdk import DAG
    except ImportError:  # Airflow 2
        from airflow import DAG
    try:
        from airflow.serialization.serialized_objects import DagSerialization as Serializer
    except ImportError:  # Airflow 2
        from airflow.serialization.serialized_objects import SerializedDAG as Serializer

    with DAG("serialize_me", schedule=None, start_date=datetime(2026, 1, 1)) as dag:
        CambAltFormatSensor(
            task_id="s",
            alt_format_task_id="t-1",
            run_id=3,
            deferrable=True,
            start_from_trigger=True,
            timeout=300,
        )
    task = Serializer.from_dict(Serializer.to_dict(dag)).get_task("s")
    assert task.start_from_trigger is True
    assert (
        task.start_trigger_args.trigger_cls == "airflow_provider_dubbing.triggers.camb.CambAltFormatTrigger"
    )
    kwargs = task.start_trigger_args.trigger_kwargs
    kwargs = kwargs.get("__var", kwargs)  # Airflow 3 keeps them in its serialized form until used
    assert kwargs["alt_format_task_id"] == "t-1"
    assert kwargs["run_id"] == 3


def test_a_sensor_copies_and_pickles_after_a_check(connections: Any) -> None:
    import copy
    import pickle

    connections.script_camb_task("t-1", pending_polls=3)
    sensor = camb_sensor()
    assert sensor.poke({}) is False  # the hook now holds the connection's secrets
    assert copy.deepcopy(sensor).alt_format_task_id == "t-1"
    assert pickle.loads(pickle.dumps(sensor)).alt_format_task_id == "t-1"


def test_max_wait_zero_means_no_cap_as_in_airflow() -> None:
    assert camb_sensor(max_wait=0).schedule.max_poll_interval_s is None
    assert camb_sensor(max_wait=None).schedule.max_poll_interval_s is None
    assert camb_sensor(max_wait=timedelta(minutes=1)).schedule.max_poll_interval_s == 60


@pytest.mark.parametrize(
    ("event", "soft_fail", "never_fail", "raised"),
    [
        ({"failure": "job_failed", "message": "m", "object_id": "t"}, False, True, "skip"),
        ({"failure": "error", "message": "gave up", "object_id": "t"}, False, True, "skip"),
        (
            {"failure": "error", "message": "gave up", "object_id": "t"},
            True,
            False,
            "DubbingServiceUnavailable",
        ),
        ({"failure": "timeout", "message": "timed out", "object_id": "t"}, True, False, "skip"),
        ({"failure": "refused", "message": "401", "object_id": "t"}, True, False, "skip"),
    ],
    ids=[
        "failed-never_fail",
        "error-never_fail",
        "error-soft_fail",
        "timeout-soft_fail",
        "refused-soft_fail",
    ],
)
def test_soft_fail_and_never_fail_after_deferral_match_poke_mode(
    event: dict[str, Any], soft_fail: bool, never_fail: bool, raised: str
) -> None:
    sensor = camb_sensor(soft_fail=soft_fail, never_fail=never_fail)
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the type is the point of the table
        sensor.execute_complete({}, event)
    expected = AirflowSkipException if raised == "skip" else DubbingServiceUnavailable
    assert type(caught.value) is expected, caught.value
