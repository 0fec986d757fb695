"""Every example DAG runs end to end under ``dag.test()`` against the emulator, on real Airflow."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.airflow

EXAMPLES = Path(__file__).resolve().parents[2] / "example_dags"


def load_dag(file_name: str, dag_id: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"example_{dag_id}", EXAMPLES / file_name)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (dag,) = [v for v in vars(module).values() if getattr(v, "dag_id", None) == dag_id]
    return dag


def task_results(dag_run: Any) -> dict[str, tuple[str, Any]]:
    """Task id -> (state, return value), read back from the metadata DB."""
    import json
    import os
    import sqlite3

    db = sqlite3.connect(Path(os.environ["AIRFLOW_HOME"]) / "airflow.db")
    states = dict(
        db.execute(
            "SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?",
            (dag_run.dag_id, dag_run.run_id),
        ).fetchall()
    )
    values = {
        task_id: json.loads(value.decode() if isinstance(value, bytes) else value)
        for task_id, value in db.execute(
            "SELECT task_id, value FROM xcom WHERE dag_id = ? AND run_id = ? AND key = 'return_value'",
            (dag_run.dag_id, dag_run.run_id),
        ).fetchall()
    }
    return {task_id: (state, values.get(task_id)) for task_id, state in states.items()}


def airflow_version() -> tuple[int, int]:
    from airflow import __version__
    from packaging.version import Version

    release = Version(__version__).release
    return release[0], release[1]


@pytest.mark.timeout(240)
def test_example_dubbing_hooks(airflow_db: Path, connections: Any) -> None:
    if airflow_version() == (3, 2):
        # dag.test() runs tasks through an in-process execution API that Airflow 3.2 starts without
        # waiting for its lifespan, so requests can arrive before its services exist ("'State'
        # object has no attribute 'svcs_registry'"; apache/airflow#65945, fixed in 3.3). Here the
        # tasks failed that way before reaching our code, on every run.
        pytest.skip(
            "Airflow 3.2's dag.test() races its in-process execution API startup (apache/airflow#65945)"
        )
    dag = load_dag("example_dubbing_hooks.py", "example_dubbing_hooks")
    dag_run = dag.test(run_conf={"poll_interval_s": 0})
    assert dag_run.state == "success"
    results = task_results(dag_run)
    assert {task: state for task, (state, _) in results.items()} == {
        "start_camb_export": "success",
        "wait_for_camb_export": "success",
        "start_blendvision_job": "success",
        "wait_for_blendvision_job": "success",
        "report": "success",
    }
    report = results["report"][1]
    assert report["camb_export"]["status"] == "SUCCESS"
    assert report["camb_export"]["task_id"] == results["start_camb_export"][1]
    assert report["blendvision_job"]["status"] == "DUBBING_STATUS_SUCCEEDED"
    assert report["blendvision_job"]["id"] == results["start_blendvision_job"][1]
    assert report["blendvision_job"]["output_file_ids"][0]
    stats = connections.stats()
    assert stats["created"] == {"camb": 1, "blendvision": 1}
