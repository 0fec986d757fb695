"""A sensor that starts in the triggerer: the DAG must serialize, and ``dag.test()`` (which
ignores ``start_from_trigger``) must still finish it through ``execute()``."""

from __future__ import annotations

from datetime import datetime

from airflow_provider_dubbing.sensors.camb import CambAltFormatSensor

try:
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[no-redef,attr-defined,unused-ignore]

with DAG("sensor_start_from_trigger", schedule=None, start_date=datetime(2026, 1, 1), catchup=False) as dag:
    CambAltFormatSensor(
        task_id="wait",
        alt_format_task_id="t-sft",
        deferrable=True,
        start_from_trigger=True,
        poke_interval=0.05,
        max_wait=0.1,
        timeout=120,
    )
