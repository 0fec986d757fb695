"""The start and read operators' OpenLineage facets, as the OpenLineage provider gets them.

Each operator runs by ``dag.test()`` against the emulator, once where its work succeeds and
once where it fails. A listener registered for the test hands each finished task to the
provider's own ``ExtractorManager``, as the provider's listener does, so the facets are what
the provider picks up: inputs (the source media), outputs (one dataset per dubbed file,
named like its asset), the ``dubbing`` run facet (status; on failure the error and the
service's reasons) and nothing presigned or secret. One more run goes through the provider's
real listener, enabled with a file transport in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.conftest import BV_TOKEN, CAMB_KEY, NO_EXCEPTION_IN_CALLBACKS, copy_metadata_db, needs_dag_test

pytest.importorskip(
    "airflow.providers.openlineage", reason="apache-airflow-providers-openlineage is not installed"
)
from airflow.listeners import hookimpl

pytestmark = [pytest.mark.airflow, needs_dag_test, pytest.mark.timeout(300)]

# What must never reach a facet: the emulator's signature parameters, the source URL's own
# signature and userinfo, and the test credentials.
SECRETS = ("X-Amz", "Signature", "source-signature", "AKIDEXAMPLE", "uploader", "pw@", CAMB_KEY, BV_TOKEN)


def _listener_manager() -> Any:
    try:
        from airflow.sdk.listener import get_listener_manager
    except ImportError:  # Airflow 2
        from airflow.listeners.listener import get_listener_manager
    return get_listener_manager()


class ExtractingListener:
    """Hands each finished task to the OpenLineage provider's ExtractorManager; keeps what it
    returns, serialized as OpenLineage serializes it."""

    def __init__(self) -> None:
        self.seen: dict[str, dict[str, Any]] = {}
        self.errors: list[str] = []

    def _extract(self, task_instance: Any, state: Any) -> None:
        from airflow.providers.openlineage.extractors import ExtractorManager
        from openlineage.client.serde import Serde

        try:
            lineage = ExtractorManager().extract_metadata(
                dagrun=SimpleNamespace(run_id=task_instance.run_id),
                task=task_instance.task,
                task_instance_state=state,
                task_instance=task_instance,
            )
            self.seen[task_instance.task_id] = {
                "state": str(state.value),
                "inputs": [Serde.to_dict(d) for d in lineage.inputs],
                "outputs": [Serde.to_dict(d) for d in lineage.outputs],
                "run_facets": {k: Serde.to_dict(v) for k, v in lineage.run_facets.items()},
            }
        except Exception as exc:  # a listener's error is only logged by Airflow: keep it for the test
            self.errors.append(f"{task_instance.task_id}: {exc!r}")

    @hookimpl
    def on_task_instance_success(self, previous_state: Any, task_instance: Any) -> None:
        from airflow.utils.state import TaskInstanceState

        self._extract(task_instance, TaskInstanceState.SUCCESS)

    @hookimpl
    def on_task_instance_failed(self, previous_state: Any, task_instance: Any, error: Any) -> None:
        from airflow.utils.state import TaskInstanceState

        self._extract(task_instance, TaskInstanceState.FAILED)


@pytest.fixture
def extracted() -> Any:
    listener = ExtractingListener()
    manager = _listener_manager()
    manager.add_listener(listener)
    try:
        yield listener
    finally:
        manager.pm.unregister(listener)


def _names(datasets: list[dict[str, Any]]) -> list[str]:
    return [f"{d['namespace']}/{d['name']}" for d in datasets]


def _fields(facet: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facet.items() if not k.startswith("_")}


def _no_secret(seen: Any) -> None:
    text = json.dumps(seen)
    for secret in SECRETS:
        assert secret not in text, secret
    for task in seen.values():
        for dataset in [*task["inputs"], *task["outputs"]]:
            assert "?" not in dataset["namespace"] + dataset["name"], dataset


def test_finished_operators_name_their_source_and_dubbed_files(connections: Any, extracted: Any) -> None:
    from tests.conftest import task_rows
    from tests.dags import lineage_dags as dags

    connections.script_camb_video(dags.VIDEO, pending_polls=1)
    connections.script_camb_run(dags.EXPORT_RUN, pending_polls=1)
    connections.script_blendvision_source(dags.SOURCE, processing_polls=1)
    rows = task_rows(dags.lineage_ok.test())
    assert {state for state, _, _ in rows.values()} == {"success"}, rows
    assert not extracted.errors
    seen = extracted.seen
    dub, job = rows["dub"][2], rows["create_job"][2]
    run_id = dub["run_id"]

    files = {
        f"camb://runs/{run_id}/{language}/{kind}"
        for language in ("ja", "fr-FR")
        for kind in ("video", "audio")
    }
    assert _names(seen["dub"]["inputs"]) == ["https://media.example/lineage/ok.mp4"]
    assert seen["dub"]["inputs"][0]["namespace"] == "https://media.example"
    assert set(_names(seen["dub"]["outputs"])) == files
    assert {d["namespace"] for d in seen["dub"]["outputs"]} == {"camb://runs"}
    # OpenLineage leaves None out of an event.
    assert _fields(seen["dub"]["run_facets"]["dubbing"]) == {
        "service": "CAMB.AI",
        "noun": "dub",
        "objectId": dub["task_id"],
        "status": "SUCCESS",
        "files": 4,
        "reasons": [],
    }

    # The run's result names the same files; its answer names no source.
    assert seen["read_result"]["inputs"] == []
    assert set(_names(seen["read_result"]["outputs"])) == files
    assert seen["read_result"]["run_facets"]["dubbing"]["objectId"] == str(run_id)

    # An mp3 export is made from the run's dubbed audio in its language.
    assert _names(seen["export"]["inputs"]) == [f"camb://runs/{dags.EXPORT_RUN}/es-ES/audio"]
    assert _names(seen["export"]["outputs"]) == [f"camb://runs/{dags.EXPORT_RUN}/es-ES/exports/mp3"]
    assert seen["export"]["run_facets"]["dubbing"]["status"] == "SUCCESS"

    # BlendVision One: the library source in, the job's dubbed file out.
    assert _names(seen["create_job"]["inputs"]) == [f"blendvision://library/video/{dags.SOURCE}"]
    assert _names(seen["create_job"]["outputs"]) == [f"blendvision://dubbing-jobs/{job['id']}/ko"]
    facet = seen["create_job"]["run_facets"]["dubbing"]
    assert (facet["objectId"], facet["status"], facet["files"]) == (job["id"], "DUBBING_STATUS_SUCCEEDED", 1)
    # The read names the source from the job's answer.
    assert seen["read_job"]["inputs"] == seen["create_job"]["inputs"]
    assert seen["read_job"]["outputs"] == seen["create_job"]["outputs"]
    _no_secret(seen)


def test_failed_operators_name_the_failure_and_the_services_reasons(connections: Any, extracted: Any) -> None:
    from tests.conftest import task_rows
    from tests.dags import lineage_dags as dags

    connections.script_camb_video(
        dags.FAILING_VIDEO, pending_polls=1, outcome="ERROR", exception_reason="CODEC"
    )
    connections.script_camb_run(dags.UNPAID_RUN, pending_polls=1, outcome="PAYMENT_REQUIRED")
    connections.script_blendvision_source(
        dags.FAILING_SOURCE,
        processing_polls=1,
        outcome="DUBBING_STATUS_FAILED",
        error_infos=[{"reason": "NO_AUDIO"}],
    )
    connections.script_blendvision_job(
        dags.FAILED_JOB, [{"status": "DUBBING_STATUS_FAILED", "error_infos": [{"reason": "BAD_SOURCE"}]}]
    )
    rows = task_rows(dags.lineage_failed.test())
    assert {state for state, _, _ in rows.values()} == {"failed"}, rows
    assert not extracted.errors
    seen = extracted.seen
    assert {task["state"] for task in seen.values()} == {"failed"}
    for task in seen.values():
        assert task["outputs"] == []  # a failed task made no file

    # The source is named without its userinfo and signature.
    assert _names(seen["dub"]["inputs"]) == ["https://media.example/lineage/broken.mp4"]
    assert _names(seen["export"]["inputs"]) == [f"camb://runs/{dags.UNPAID_RUN}/es-ES/video"]
    assert _names(seen["create_job"]["inputs"]) == [f"blendvision://library/audio/{dags.FAILING_SOURCE}"]
    assert seen["read_result"]["inputs"] == seen["read_job"]["inputs"] == []

    facets = {task: seen[task]["run_facets"]["dubbing"] for task in seen}
    assert facets["dub"]["service"] == "CAMB.AI"
    assert facets["create_job"]["service"] == "BlendVision One"
    assert facets["read_job"]["objectId"] == dags.FAILED_JOB
    assert facets["read_result"]["objectId"] == str(dags.UNKNOWN_RUN)
    assert facets["create_job"]["objectId"]  # the job the service made before it failed
    if NO_EXCEPTION_IN_CALLBACKS:
        return  # dag.test() on 3.0/3.1 keeps no exception in the context: no failure to name
    failures = {
        task: (f.get("error"), f.get("status"), f["reasons"], f.get("httpStatus"))
        for task, f in facets.items()
    }
    assert failures == {
        "dub": ("RemoteJobFailedError", "ERROR", ["CODEC"], None),
        "export": ("DubbingPaymentRequired", "PAYMENT_REQUIRED", [], None),
        "read_result": ("DubbingRequestRefused", None, [], 404),
        "create_job": ("RemoteJobFailedError", "DUBBING_STATUS_FAILED", ["NO_AUDIO"], None),
        "read_job": ("DubbingJobFailed", "DUBBING_STATUS_FAILED", ["BAD_SOURCE"], None),
    }
    for task in seen.values():
        assert task["run_facets"]["errorMessage"]["programmingLanguage"] == "python"
        assert task["run_facets"]["errorMessage"]["message"]
    assert "CODEC" in seen["dub"]["run_facets"]["errorMessage"]["message"]
    _no_secret(seen)


_LISTENER_RUN = """
import json, sys
from tests.conftest import task_rows
from tests.dags import lineage_dags as dags
dag_run = dags.lineage_ok.test()
print("STATES", json.dumps({task: state for task, (state, _, _) in task_rows(dag_run).items()}))
"""


def test_the_providers_own_listener_emits_the_facets(
    connections: Any, airflow_db: Path, tmp_path: Path
) -> None:
    from tests.dags import lineage_dags as dags

    connections.script_camb_video(dags.VIDEO, pending_polls=1)
    connections.script_camb_run(dags.EXPORT_RUN, pending_polls=1)
    connections.script_blendvision_source(dags.SOURCE, processing_polls=1)
    events = tmp_path / "events"
    # The child gets a home of its own, with a copy of the migrated DB: a process that shares this
    # one's SQLite file would delete its WAL on exit if this process had lost its locks.
    child_home = tmp_path / "home"
    child_home.mkdir()
    copy_metadata_db(airflow_db, child_home)
    env = {
        **os.environ,
        "DUBBING_TEST_AIRFLOW_HOME": str(child_home),
        "AIRFLOW_HOME": str(child_home),
        "AIRFLOW__OPENLINEAGE__DISABLED": "False",
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "dubbing-test",
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
            {"type": "file", "log_file_path": str(events), "append": True}
        ),
        "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).resolve().parents[2]), os.environ.get("PYTHONPATH", "")]
        ),
    }
    done = subprocess.run(
        [sys.executable, "-c", _LISTENER_RUN],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [states] = [json.loads(line[7:]) for line in done.stdout.splitlines() if line.startswith("STATES ")]
    assert set(states.values()) == {"success"}, states
    lines = [json.loads(line) for line in events.read_text().splitlines() if line.strip()]
    complete = {
        e["job"]["name"].rsplit(".", 1)[-1]: e
        for e in lines
        if e.get("eventType") == "COMPLETE" and e["job"]["name"].startswith("lineage_ok.")
    }
    assert set(complete) >= {"dub", "read_result", "export", "create_job", "read_job"}, sorted(complete)
    dub = complete["dub"]
    assert [f"{d['namespace']}/{d['name']}" for d in dub["inputs"]] == [
        "https://media.example/lineage/ok.mp4"
    ]
    assert {d["namespace"] for d in dub["outputs"]} == {"camb://runs"}
    assert len(dub["outputs"]) == 4
    assert dub["run"]["facets"]["dubbing"]["status"] == "SUCCESS"
    assert complete["create_job"]["run"]["facets"]["dubbing"]["status"] == "DUBBING_STATUS_SUCCEEDED"
    text = events.read_text()
    for secret in SECRETS:
        assert secret not in text, secret
