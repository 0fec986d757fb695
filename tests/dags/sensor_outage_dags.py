"""Sensors facing a service that answers every request with 500: an ordinary failure, so
the task's own retries apply (three tries with ``retries=2``) in poke and deferred mode."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow_provider_dubbing.sensors.camb import CambAltFormatSensor

try:
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[no-redef,attr-defined,unused-ignore]

# task id -> the exception each try ended with, in order
SEEN: dict[str, list[tuple[str, str]]] = {}


def _record(context: Any) -> None:
    error = context.get("exception")
    SEEN.setdefault(context["ti"].task_id, []).append((type(error).__name__, str(error)))


for mode in ("poke", "deferrable"):
    with DAG(f"sensor_outage_{mode}", schedule=None, start_date=datetime(2026, 1, 1), catchup=False) as dag:
        CambAltFormatSensor(
            task_id="wait",
            alt_format_task_id="t-outage",
            deferrable=mode == "deferrable",
            poke_interval=0.05,
            max_consecutive_failures=2,
            retries=2,
            retry_delay=timedelta(0),
            timeout=300,
            on_failure_callback=_record,
            on_retry_callback=_record,
        )
    globals()[dag.dag_id] = dag
