"""The DAG the kill-and-timeout tests run through ``dag.test()``: a deferred sensor and a
deferred start operator whose ``execution_timeout`` ends long before their own wait
timeout, each waiting on work that does not end.

The tests script the emulator before the run. Each task records the exception each of its
failed tries ended with.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow_provider_dubbing.operators.blendvision import BlendVisionCreateDubbingJobOperator
from airflow_provider_dubbing.sensors.camb import CambAltFormatSensor

try:
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[no-redef,attr-defined,unused-ignore]

EXPORT = "t-never-done"
SOURCE = "vod-never-done"
EXECUTION_TIMEOUT = timedelta(seconds=3)
WAIT_TIMEOUT_S = 600

# task id -> (exception class name, message) of each failed try, in order
SEEN: dict[str, list[tuple[str, str]]] = {}


def _record(context: Any) -> None:
    error = context.get("exception")
    SEEN.setdefault(context["ti"].task_id, []).append((type(error).__name__, str(error)))


with DAG(
    "kt_execution_timeout",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    default_args={
        "retries": 1,
        "retry_delay": timedelta(0),
        "execution_timeout": EXECUTION_TIMEOUT,
        "on_failure_callback": _record,
        "on_retry_callback": _record,
    },
) as kt_execution_timeout:
    CambAltFormatSensor(
        task_id="sense",
        alt_format_task_id=EXPORT,
        deferrable=True,
        poke_interval=0.05,
        max_wait=0.2,
        timeout=WAIT_TIMEOUT_S,
    )
    BlendVisionCreateDubbingJobOperator(
        task_id="create_job",
        source_type="video",
        source_id=SOURCE,
        source_lang_code="en",
        target_lang_code="ja",
        deferrable=True,
        poll_interval_s=0.05,
        max_poll_interval_s=0.2,
        wait_timeout_s=WAIT_TIMEOUT_S,
    )
