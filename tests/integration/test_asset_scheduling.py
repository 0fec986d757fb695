"""In Airflow's own scheduler, a DAG scheduled on the dubbed files' alias runs when a dubbing
task's files land, and reads each file's facts from the events that triggered it.

``dag.test()`` does not schedule, so this starts Airflow's components on 127.0.0.1 in a
throwaway home (``scripts/real_airflow.py``; on Airflow 3 the API server, DAG processor and
scheduler, on Airflow 2 the scheduler, which parses the DAGs itself). The producer exports a
CAMB.AI run (ready at once: a URL, no trigger needed) with the alias among its outlets; the
consumer is ``example_dubbing_publish``, unchanged. On Airflow 2 this is also the proof that
an alias recorded by the DAG processor gets its dataset events (``airflow dags test`` alone
leaves it unrecorded, see ``tasks/outputs.py``).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from scripts.real_airflow import AirflowHome, AirflowInstall, connection_env, wait_until
from tests.conftest import BV_ORG, BV_TOKEN, CAMB_KEY

pytestmark = [pytest.mark.airflow, pytest.mark.timeout(600)]

EXAMPLES = Path(__file__).resolve().parents[2] / "example_dags"
PRODUCER = "asset_scheduling_producer"
CONSUMER = "example_dubbing_publish"
RUN = 8180
STARTUP_TIMEOUT_S = 240.0
RUN_TIMEOUT_S = 240.0

PRODUCER_SOURCE = f'''
"""Written by tests/integration/test_asset_scheduling.py: one ready export and one dub, aliased."""
from datetime import datetime

from airflow_provider_dubbing.operators.camb import CambExportAltFormatOperator

try:
    from airflow.sdk import DAG, AssetAlias
except ImportError:
    from airflow import DAG
    from airflow.datasets import DatasetAlias as AssetAlias

with DAG(
    dag_id="{PRODUCER}",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,
):
    for output_format in ("wav", "mp3"):
        CambExportAltFormatOperator(
            task_id=f"export_{{output_format}}",
            run_id={RUN},
            language="ko-KR",
            output_format=output_format,
            outlets=[AssetAlias("dubbed-files")],
        )
'''


def test_the_publish_dag_runs_on_the_files_a_dubbing_dag_made(emulator: Any, tmp_path: Path) -> None:
    install = AirflowInstall.running()
    home = AirflowHome.create(
        tmp_path / "home",
        install,
        {
            **connection_env(emulator.url, camb_key=CAMB_KEY, bv_token=BV_TOKEN, bv_org=BV_ORG),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "DUBBING_EXAMPLE_DELIVERY_DIR": str(tmp_path / "deliveries"),
        },
    )
    for name in ("example_dubbing_publish.py", "dubbing_delivery.py"):
        shutil.copy(EXAMPLES / name, home.path / "dags" / name)
    home.write_dag(f"{PRODUCER}.py", PRODUCER_SOURCE)
    with home:
        home.cli("db", "migrate", timeout_s=300)
        if install.major >= 3:
            home.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(home.api_port))
            home.start("dag-processor", "dag-processor")
        home.start("scheduler", "scheduler", "--skip-serve-logs")
        for dag_id in (PRODUCER, CONSUMER):
            wait_until(
                lambda dag_id=dag_id: home.is_dag_parsed(dag_id),
                STARTUP_TIMEOUT_S,
                f"{dag_id} parsed",
                check=home.check_alive,
            )
        if install.major >= 3:
            wait_until(home.api_is_healthy, STARTUP_TIMEOUT_S, "the API server", check=home.check_alive)
        home.cli("dags", "trigger", PRODUCER, "--run-id", "produce")
        assert wait_until(
            lambda: home.dag_run_state(PRODUCER, "produce") in ("success", "failed") or None,
            RUN_TIMEOUT_S,
            "the producer's run",
            check=home.check_alive,
        )
        assert home.dag_run_state(PRODUCER, "produce") == "success", home.log_tail("scheduler")

        def consumer_runs_ended() -> list[tuple[Any, ...]] | None:
            rows = home.query("SELECT run_id, state, run_type FROM dag_run WHERE dag_id = ?", CONSUMER)
            ended = bool(rows) and all(state in ("success", "failed") for _, state, _ in rows)
            return rows if ended else None

        runs = wait_until(
            consumer_runs_ended, RUN_TIMEOUT_S, "the publish DAG's runs", check=home.check_alive
        )

    assert {run_type for _, _, run_type in runs} == {
        "asset_triggered" if install.major >= 3 else "dataset_triggered"
    }
    assert {state for _, state, _ in runs} == {"success"}
    published = [
        entry
        for run_id, _, _ in runs
        for entry in home.xcoms(CONSUMER, run_id)[("publish", "return_value")]["files"]
    ]
    assert sorted((e["asset"], e["format"], e["from_dag"]) for e in published) == [
        (f"camb://runs/{RUN}/ko-KR/exports/{fmt}", fmt, PRODUCER) for fmt in ("mp3", "wav")
    ]
    for entry in published:
        assert entry["service"] == "CAMB.AI"
        assert entry["noun"] == "export"
        assert entry["location"].endswith(f".{entry['format']}")
        assert "?" not in entry["location"]
