"""The sensor matrix's DAGs: one per (mode, soft_fail), one sensor task per outcome case.

Lives in the DAGs folder because Airflow 3's ``dag.test()`` runs only DAGs it can find
there; ``tests/integration/test_sensor_matrix.py`` scripts the emulator and runs them.
Each task records the exception it ended with through its callbacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# What each task's callback saw: task id -> (exception class name, message, MRO names).
SEEN: dict[str, tuple[str, str, list[str]]] = {}


def _record(context: Any) -> None:
    error = context.get("exception")
    ti = context["ti"]
    SEEN[ti.task_id] = (
        type(error).__name__,
        str(error),
        [cls.__name__ for cls in type(error).__mro__] + _causes(error),
    )


def _causes(error: BaseException | None) -> list[str]:
    names = []
    while error is not None and error.__cause__ is not None:
        error = error.__cause__
        names.append(type(error).__name__)
        names.append(str(error))
    return names


@dataclass(frozen=True)
class Case:
    """One sensor task: how the emulator answers, and what the task must end as."""

    task_id: str
    api: str  # camb | bv
    object_id: str
    conn_id: str
    outcome: str  # success | failed | timeout | refused
    exception: str | None = None
    words: tuple[str, ...] = ()


CASES = [
    Case("camb_success", "camb", "t-ok", "camb_default", "success"),
    Case(
        "camb_error",
        "camb",
        "t-error",
        "camb_default",
        "failed",
        "DubbingJobFailed",
        ("export 't-error' failed (ERROR)", "PROCESSING_ERROR", "audio track missing"),
    ),
    Case(
        "camb_timeout",
        "camb",
        "t-timeout",
        "camb_default",
        "failed",
        "DubbingRemoteTimeout",
        ("timed out on CAMB.AI's side (TIMEOUT)", "EXPORT_TOOK_TOO_LONG"),
    ),
    Case(
        "camb_payment",
        "camb",
        "t-payment",
        "camb_default",
        "failed",
        "DubbingPaymentRequired",
        ("needs payment", "PAYMENT_REQUIRED", "credits exhausted"),
    ),
    Case("camb_unknown", "camb", "t-unknown", "camb_default", "timeout", None, ("t-unknown",)),
    Case(
        "camb_401",
        "camb",
        "t-ok",
        "camb_bad_key",
        "refused",
        "DubbingRequestRefused",
        ("'camb_bad_key'", "401"),
    ),
    Case(
        "camb_404",
        "camb",
        "t-missing",
        "camb_default",
        "refused",
        "DubbingRequestRefused",
        ("'t-missing' was not found", "404"),
    ),
    Case("bv_success", "bv", "job-ok", "blendvision_default", "success"),
    Case(
        "bv_failed",
        "bv",
        "job-failed",
        "blendvision_default",
        "failed",
        "DubbingJobFailed",
        ("dubbing job 'job-failed' failed", "SOURCE_AUDIO_UNREADABLE (cms.blendvision.com)", "track=0"),
    ),
    Case("bv_unknown", "bv", "job-unknown", "blendvision_default", "timeout", None, ("job-unknown",)),
    Case(
        "bv_401",
        "bv",
        "job-ok",
        "blendvision_bad_token",
        "refused",
        "DubbingRequestRefused",
        ("'blendvision_bad_token'", "401"),
    ),
    Case(
        "bv_404",
        "bv",
        "job-missing",
        "blendvision_default",
        "refused",
        "DubbingRequestRefused",
        ("'job-missing' was not found", "404"),
    ),
]


def script(emulator: Any) -> None:
    emulator.script_camb_task(
        "t-ok", pending_polls=2, run_id=77, message={"url": "https://cdn.example/t.mp4"}
    )
    emulator.script_camb_task(
        "t-error",
        pending_polls=1,
        outcome="ERROR",
        exception_reason="PROCESSING_ERROR",
        message="audio track missing",
    )
    emulator.script_camb_task("t-timeout", outcome="TIMEOUT", exception_reason="EXPORT_TOOK_TOO_LONG")
    emulator.script_camb_task(
        "t-payment",
        outcome="PAYMENT_REQUIRED",
        exception_reason="PAYMENT_REQUIRED",
        message="credits exhausted",
    )
    emulator.script_camb_task("t-unknown", outcome="QUEUED_FOR_REVIEW")
    emulator.script_blendvision_job("job-ok", processing_polls=2)
    emulator.script_blendvision_job(
        "job-failed",
        processing_polls=1,
        outcome="DUBBING_STATUS_FAILED",
        error_infos=[
            {"reason": "SOURCE_AUDIO_UNREADABLE", "domain": "cms.blendvision.com", "metadata": {"track": "0"}}
        ],
    )
    emulator.script_blendvision_job("job-unknown", processing_polls=0, outcome="DUBBING_STATUS_PAUSED")


def build_dag(dag_id: str, mode: str, soft_fail: bool) -> Any:
    try:
        from airflow.sdk import DAG
    except ImportError:
        from airflow import DAG

    from airflow_provider_dubbing.sensors.blendvision import BlendVisionDubbingJobSensor
    from airflow_provider_dubbing.sensors.camb import CambAltFormatSensor

    timing = {
        "poke_interval": 0.05,
        "max_wait": 0.2,
        "retries": 2,
        "retry_delay": timedelta(0),
        "soft_fail": soft_fail,
        "deferrable": mode == "deferrable",
        "mode": "reschedule" if mode == "reschedule" else "poke",
        "on_failure_callback": _record,
        "on_skipped_callback": _record,
    }
    with DAG(dag_id, schedule=None, start_date=datetime(2026, 1, 1), catchup=False) as dag:
        for case in CASES:
            # Only the cases meant to time out get a short timeout: a reschedule-mode check
            # waits its turn in dag.test's loop, which takes a second or so on Airflow 2.
            timing["timeout"] = 2.5 if case.outcome == "timeout" else 120
            if case.api == "camb":
                CambAltFormatSensor(
                    task_id=case.task_id,
                    alt_format_task_id=case.object_id,
                    run_id=77 if case.object_id == "t-ok" else None,
                    camb_conn_id=case.conn_id,
                    **timing,
                )
            else:
                BlendVisionDubbingJobSensor(
                    task_id=case.task_id,
                    dubbing_job_id=case.object_id,
                    blendvision_conn_id=case.conn_id,
                    **timing,
                )
    return dag


MODES = ("poke", "reschedule", "deferrable")


def dag_id(mode: str, soft_fail: bool) -> str:
    return f"sensor_matrix_{mode}_{'soft' if soft_fail else 'hard'}"


for _mode in MODES:
    for _soft in (False, True):
        globals()[dag_id(_mode, _soft)] = build_dag(dag_id(_mode, _soft), _mode, _soft)
