"""Every example DAG runs end to end under ``dag.test()`` against the emulator, on real Airflow."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NO_EXCEPTION_IN_CALLBACKS, needs_dag_test, task_rows

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


def test_every_example_dag_imports_without_errors() -> None:
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 2
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef,attr-defined,unused-ignore]

    bag = DagBag(dag_folder=str(EXAMPLES))
    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == [
        "example_blendvision_localisation",
        "example_camb_export_formats",
        "example_dubbing_hooks",
        "example_dubbing_sensors",
    ]


def mapped_rows(dag_run: Any) -> dict[tuple[str, int], tuple[str, Any]]:
    """(task id, map index) -> (state, return value), read back from the metadata DB."""
    import contextlib
    import json
    import sqlite3

    from tests.conftest import _HOME

    with contextlib.closing(sqlite3.connect(_HOME / "airflow.db")) as db:
        states = db.execute(
            "SELECT task_id, map_index, state FROM task_instance WHERE dag_id = ? AND run_id = ?",
            (dag_run.dag_id, dag_run.run_id),
        ).fetchall()
        values = {
            (task_id, map_index): json.loads(value.decode() if isinstance(value, bytes) else value)
            for task_id, map_index, value in db.execute(
                "SELECT task_id, map_index, value FROM xcom"
                " WHERE dag_id = ? AND run_id = ? AND key = 'return_value'",
                (dag_run.dag_id, dag_run.run_id),
            )
        }
    return {(task_id, index): (state, values.get((task_id, index))) for task_id, index, state in states}


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


@needs_dag_test
@pytest.mark.timeout(240)
def test_example_blendvision_localisation(
    airflow_db: Path, connections: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DUBBING_EXAMPLE_FIRST_WAIT_S", "0.05")
    monkeypatch.setenv("DUBBING_EXAMPLE_DELIVERY_DIR", str(tmp_path))
    dag = load_dag("example_blendvision_localisation.py", "example_blendvision_localisation")
    dag_run = dag.test()
    assert dag_run.state == "success"
    rows = mapped_rows(dag_run)
    languages = ["ja", "fr", "de-DE"]
    jobs = [rows[("dub", i)] for i in range(3)]
    assert [state for state, _ in jobs] == ["success"] * 3
    assert [job["outputs"][0]["lang_code"] for _, job in jobs] == languages
    assert all(job["status"] == "DUBBING_STATUS_SUCCEEDED" for _, job in jobs)
    # read_job read back the very jobs dub created, in the same order.
    assert [rows[("read_job", i)][1] for i in range(3)] == [job for _, job in jobs]
    state, manifest = rows[("write_manifest", -1)]
    assert state == "success"
    written = json.loads(Path(manifest["path"]).read_text())
    assert Path(manifest["path"]).is_relative_to(tmp_path)
    assert written["source_id"] == "vod-demo-001"
    assert {(d["lang_code"], d["file_id"]) for d in written["deliveries"]} == {
        (job["outputs"][0]["lang_code"], job["outputs"][0]["id"]) for _, job in jobs
    }
    assert connections.stats()["created"] == {"camb": 0, "blendvision": 3}


@needs_dag_test
@pytest.mark.timeout(240)
def test_example_camb_export_formats_and_its_payment_branch(
    airflow_db: Path, connections: Any, monkeypatch: pytest.MonkeyPatch, log_lines: Any
) -> None:
    monkeypatch.setenv("DUBBING_EXAMPLE_FIRST_WAIT_S", "0.05")
    # The broadcast master's run is on a plan that does not cover MXF.
    connections.script_camb_run(
        18343, pending_polls=1, outcome="PAYMENT_REQUIRED", exception_reason="PLAN_LIMIT"
    )
    dag = load_dag("example_camb_export_formats.py", "example_camb_export_formats")
    dag_run = dag.test()
    # The failure branch is not a leaf: the report runs and the run itself succeeds.
    assert dag_run.state == "success"
    rows = mapped_rows(dag_run)
    exports = [rows[("export", i)] for i in range(3)]
    assert [(state, value["status"]) for state, value in exports] == [("success", "SUCCESS")] * 3
    state, value = rows[("export_broadcast_master", -1)]
    assert (state, value) == ("failed", None)
    if not NO_EXCEPTION_IN_CALLBACKS:
        failure = [line for line in log_lines() if "needs payment" in line]
        assert failure
        assert "PLAN_LIMIT" in failure[0]
    state, report = rows[("report", -1)]
    assert state == "success"
    assert sorted(d["task_id"] for d in report["delivered"]) == sorted(v["task_id"] for _, v in exports)
    assert all(d["where"]["output_url"] for d in report["delivered"])
    assert len(report["missing"]) == 1
    assert "broadcast master (mxf) of run 18343" in report["missing"][0]
    # No retry of a payment-required export: one export per format plus one master.
    assert connections.stats()["created"]["camb"] == 4
