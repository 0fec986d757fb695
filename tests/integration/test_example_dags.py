"""Every example DAG runs end to end under ``dag.test()`` against the emulator, on real Airflow."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import needs_dag_test, task_rows

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
    return {task_id: (state, value) for task_id, (state, _, value) in task_rows(dag_run).items()}


@needs_dag_test
@pytest.mark.timeout(240)
def test_example_dubbing_hooks(airflow_db: Path, connections: Any) -> None:
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


@needs_dag_test
@pytest.mark.timeout(240)
def test_example_dubbing_sensors(airflow_db: Path, connections: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUBBING_EXAMPLE_FIRST_WAIT_S", "0.05")
    dag = load_dag("example_dubbing_sensors.py", "example_dubbing_sensors")
    assert dag.get_task("wait_for_camb_export").deferrable is True
    dag_run = dag.test()
    assert dag_run.state == "success"
    results = task_results(dag_run)
    assert {task: state for task, (state, _) in results.items()} == {
        "start_camb_export": "success",
        "wait_for_camb_export": "success",
        "start_blendvision_job": "success",
        "wait_for_blendvision_job": "success",
        "report": "success",
    }
    export = results["wait_for_camb_export"][1]
    assert export["task_id"] == results["start_camb_export"][1]
    assert export["status"] == "SUCCESS"
    job = results["wait_for_blendvision_job"][1]
    assert job["id"] == results["start_blendvision_job"][1]
    assert job["status"] == "DUBBING_STATUS_SUCCEEDED"
    report = results["report"][1]
    assert report["blendvision_job"]["output_file_ids"] == [job["outputs"][0]["id"]]
    stats = connections.stats()
    assert stats["created"] == {"camb": 1, "blendvision": 1}
    # The sensors checked more than once: the first check in the task, the rest in the trigger.
    assert stats["polls"][export["task_id"]] >= 2
    assert stats["polls"][job["id"]] >= 2
