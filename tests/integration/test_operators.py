"""The operators through ``dag.test()`` against the emulator: waiting on the worker and
deferred, not waiting, mapped, reading only, and retried after they started work.

Each test reads the task states, tries, XComs and the emulator's create counts: a retry
must reattach to work an earlier try started, never pay for it twice.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_dubbing.client.errors import InvalidInputError
from airflow_provider_dubbing.operators.blendvision import BlendVisionCreateDubbingJobOperator
from airflow_provider_dubbing.operators.camb import CambExportAltFormatOperator
from airflow_provider_dubbing.triggers.base import DubbingWaitTrigger
from tests.conftest import (
    AIRFLOW_LINE,
    BV_TOKEN,
    CAMB_KEY,
    NO_EXCEPTION_IN_CALLBACKS,
    needs_dag_test,
    stored_trigger_kwargs,
)
from tests.dags import operator_dags as ops
from tests.integration.test_started_work_store import started_notes

pytestmark = [pytest.mark.airflow, needs_dag_test, pytest.mark.timeout(300)]

MODES = ["worker", "deferred"]


def skip_retried_deferral_on_3_0(mode: str) -> None:
    if AIRFLOW_LINE == (3, 0) and mode == "deferred":
        # Seen on 3.0.6 only: dag.test() re-runs a retried deferred try without running its
        # trigger again (no request reaches the emulator), so every try fails alike.
        pytest.skip("Airflow 3.0's dag.test() does not run the trigger of a retried deferred try")


def rows(home: Path, dag_run: Any) -> dict[tuple[str, int], dict[str, Any]]:
    """(task id, map index) -> state, tries and every XCom of that task instance."""
    with contextlib.closing(sqlite3.connect(home / "airflow.db")) as db:
        found: dict[tuple[str, int], dict[str, Any]] = {
            (task_id, map_index): {"state": state, "tries": tries, "xcom": {}}
            for task_id, map_index, state, tries in db.execute(
                "SELECT task_id, map_index, state, try_number FROM task_instance"
                " WHERE dag_id = ? AND run_id = ?",
                (dag_run.dag_id, dag_run.run_id),
            )
        }
        for task_id, map_index, key, value in db.execute(
            "SELECT task_id, map_index, key, value FROM xcom WHERE dag_id = ? AND run_id = ?",
            (dag_run.dag_id, dag_run.run_id),
        ):
            text = value.decode() if isinstance(value, bytes) else value
            found[(task_id, map_index)]["xcom"][key] = json.loads(text)
    return found


@pytest.fixture(autouse=True)
def _clean() -> Any:
    ops.SEEN.clear()
    ops.ON_RETRY.clear()
    yield
    ops.ON_RETRY.clear()


@pytest.mark.parametrize("mode", MODES)
def test_start_wait_and_read_back(
    airflow_db: Path, connections: Any, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    connections.script_blendvision_source(ops.BV_SOURCE, processing_polls=2)
    connections.script_camb_run(ops.CAMB_RUN, pending_polls=2)
    handed_hooks: list[bool] = []
    wait_here = DubbingWaitTrigger.wait_here

    def spy(trigger: DubbingWaitTrigger[Any]) -> dict[str, Any]:
        handed_hooks.append(trigger._hook is not None)  # given the task's hook, not building one
        return wait_here(trigger)

    monkeypatch.setattr(DubbingWaitTrigger, "wait_here", spy)
    dag_run = getattr(ops, f"ops_wait_{mode}").test()
    # Waiting on the worker, both start operators wait through their own hook.
    assert handed_hooks == ([] if mode == "deferred" else [True, True])
    found = rows(airflow_db, dag_run)

    job = found[("create_job", -1)]
    assert (job["state"], job["tries"]) == ("success", 1)
    final = job["xcom"]["return_value"]
    assert final["status"] == "DUBBING_STATUS_SUCCEEDED"
    assert final["outputs"][0]["lang_code"] == "ja"
    assert final["outputs"][0]["id"]
    assert job["xcom"]["dubbing_job_id"] == final["id"]
    assert final["id"] in job["xcom"]["blendvision_console_url"]
    # The read operator returns the same dict for the same job (each with download links of its own
    # signing time).
    read = found[("read_job", -1)]["xcom"]["return_value"]
    assert {k: v for k, v in read.items() if k != "download_links"} == {
        k: v for k, v in final.items() if k != "download_links"
    }
    assert [link["id"] for link in read["download_links"]] == [link["id"] for link in final["download_links"]]

    export = found[("export", -1)]
    assert (export["state"], export["tries"]) == ("success", 1)
    result = export["xcom"]["return_value"]
    assert result["status"] == "SUCCESS"
    assert result["task_id"] == export["xcom"]["alt_format_task_id"]
    assert found[("read_export", -1)]["xcom"]["return_value"] == result

    stats = connections.stats()
    assert stats["created"] == {"camb": 1, "blendvision": 1}
    # Each waited until the script's final answer: created/pending, 2 in progress, then done.
    assert stats["polls"][final["id"]] >= 3
    # The notes outlive success: a retry Airflow makes of a try that succeeded finds the work.
    notes = {note["task_id"]: note["object_id"] for note in started_notes(dag_run)}
    assert notes == {"create_job": final["id"], "export": result["task_id"]}


@pytest.mark.parametrize("mode", MODES)
def test_mapped_over_languages_and_formats(airflow_db: Path, connections: Any, mode: str) -> None:
    connections.script_blendvision_source(ops.BV_SOURCE, processing_polls=1)
    connections.script_camb_run(ops.CAMB_RUN, pending_polls=1)
    dag_run = getattr(ops, f"ops_mapped_{mode}").test()
    found = rows(airflow_db, dag_run)

    jobs = [found[("create_jobs", i)] for i in range(len(ops.LANGUAGES))]
    assert [(j["state"], j["tries"]) for j in jobs] == [("success", 1)] * 3
    assert [j["xcom"]["return_value"]["outputs"][0]["lang_code"] for j in jobs] == ops.LANGUAGES
    assert len({j["xcom"]["dubbing_job_id"] for j in jobs}) == 3
    exports = [found[("exports", i)] for i in range(len(ops.FORMATS))]
    assert [(e["state"], e["xcom"]["return_value"]["status"]) for e in exports] == [
        ("success", "SUCCESS")
    ] * 3
    assert connections.stats()["created"] == {"camb": 3, "blendvision": 3}


TASK = {"bv": "create_job", "camb": "export"}


@pytest.mark.parametrize("service", ["bv", "camb"])
@pytest.mark.parametrize("mode", MODES)
def test_a_retry_reattaches_to_the_work_the_first_try_started(
    airflow_db: Path, connections: Any, mode: str, service: str
) -> None:
    # Every status check of the first try fails (2 in a row end it); the retry finds the
    # same job or export still running and waits for it: one create in all.
    connections.script_blendvision_source(ops.BV_SOURCE, processing_polls=1)
    connections.script_camb_run(ops.CAMB_RUN, pending_polls=1)
    skip_retried_deferral_on_3_0(mode)
    # The create is answered; then 2 checks of 4 attempts each (the client's 3 retries) get 503.
    # A queue, not a callback between tries: Airflow 3.0's dag.test() runs no retry callbacks.
    connections.queue_faults(["none"] + ["503"] * 8)
    dag_run = getattr(ops, f"ops_retry_{service}_{mode}").test()
    task = rows(airflow_db, dag_run)[(TASK[service], -1)]

    assert (task["state"], task["tries"]) == ("success", 2)
    created = connections.stats()["created"]
    assert created == ({"camb": 0, "blendvision": 1} if service == "bv" else {"camb": 1, "blendvision": 0})
    assert task["xcom"]["return_value"]["status"] in ("DUBBING_STATUS_SUCCEEDED", "SUCCESS")
    if not NO_EXCEPTION_IN_CALLBACKS:
        assert [kind for kind, _ in ops.SEEN[TASK[service]]] == ["DubbingServiceUnavailable"]
    [note] = started_notes(dag_run)
    assert note["object_id"] == task["xcom"]["return_value"].get(
        "id", task["xcom"]["return_value"].get("task_id")
    )


@pytest.mark.parametrize("service", ["bv", "camb"])
@pytest.mark.parametrize("mode", MODES)
def test_failed_work_is_retried_with_new_work(
    airflow_db: Path, connections: Any, mode: str, service: str
) -> None:
    skip_retried_deferral_on_3_0(mode)
    connections.script_blendvision_source(
        ops.BV_SOURCE,
        processing_polls=1,
        outcome="DUBBING_STATUS_FAILED",
        error_infos=[{"reason": "NO_AUDIO"}],
    )
    connections.script_camb_run(ops.CAMB_RUN, pending_polls=0, outcome="ERROR", exception_reason="CODEC")
    # The second try's new work succeeds.
    ops.ON_RETRY.append(lambda: connections.script_blendvision_source(ops.BV_SOURCE, processing_polls=0))
    ops.ON_RETRY.append(lambda: connections.script_camb_run(ops.CAMB_RUN, pending_polls=0))
    dag_run = getattr(ops, f"ops_retry_{service}_{mode}").test()
    task = rows(airflow_db, dag_run)[(TASK[service], -1)]

    assert (task["state"], task["tries"]) == ("success", 2)
    created = connections.stats()["created"]
    assert created == ({"camb": 0, "blendvision": 2} if service == "bv" else {"camb": 2, "blendvision": 0})
    if not NO_EXCEPTION_IN_CALLBACKS:
        kind, message = ops.SEEN[TASK[service]][0]
        assert kind == "RemoteJobFailedError"
        assert ("NO_AUDIO" if service == "bv" else "CODEC") in message


@pytest.mark.parametrize("mode", MODES)
def test_payment_required_fails_once_without_a_second_export(
    airflow_db: Path, connections: Any, mode: str
) -> None:
    connections.script_camb_run(ops.CAMB_RUN, pending_polls=1, outcome="PAYMENT_REQUIRED")
    dag_run = getattr(ops, f"ops_retry_camb_{mode}").test()
    task = rows(airflow_db, dag_run)[("export", -1)]

    assert (task["state"], task["tries"]) == ("failed", 1)
    assert connections.stats()["created"]["camb"] == 1
    if not NO_EXCEPTION_IN_CALLBACKS:
        kind, message = ops.SEEN["export"][0]
        assert kind == "DubbingPaymentRequired"
        assert "needs payment" in message
    # The note stays: clearing the task after paying reattaches to the same export.
    [note] = started_notes(dag_run)
    assert (note["task_id"], note["service"]) == ("export", "CAMB.AI")
    if not NO_EXCEPTION_IN_CALLBACKS:
        assert note["object_id"] in ops.SEEN["export"][0][1]


def test_without_waiting_the_new_object_comes_back_at_once(airflow_db: Path, connections: Any) -> None:
    connections.script_blendvision_source(ops.BV_SOURCE, processing_polls=5)
    connections.script_camb_run(ops.CAMB_RUN, pending_polls=5)
    dag_run = ops.ops_no_wait.test()
    found = rows(airflow_db, dag_run)

    job = found[("create_job", -1)]["xcom"]["return_value"]
    assert job["status"] == "DUBBING_STATUS_CREATED"
    assert job["source_type"] == "DUBBING_SOURCE_TYPE_AUDIO"
    assert job["interval_sec"] == {"start": {"value": "1.5"}, "end": {"value": "30"}}
    export = found[("export", -1)]["xcom"]["return_value"]
    assert export["status"] == "PENDING"
    assert export["task_id"] == found[("export", -1)]["xcom"]["alt_format_task_id"]
    stats = connections.stats()
    assert stats["created"] == {"camb": 1, "blendvision": 1}
    assert stats["polls"].get(job["id"], 0) == 0  # the create answer was enough
    assert stats["polls"][export["task_id"]] == 1  # one status read after the create
    assert len(started_notes(dag_run)) == 2


def test_read_operators_follow_the_outcome_table(airflow_db: Path, connections: Any) -> None:
    # Failed from the first answer on, whichever read task runs first.
    failed_step = {
        "status": "DUBBING_STATUS_FAILED",
        "error_infos": [{"reason": "BAD_SOURCE", "domain": "bv"}],
    }
    connections.script_blendvision_job("job-failed", [failed_step])
    connections.script_camb_task("t-pending", pending_polls=3)
    dag_run = ops.ops_read_only.test()
    found = rows(airflow_db, dag_run)

    read = found[("read_failed_job", -1)]
    assert read["state"] == "success"
    assert read["xcom"]["return_value"]["status"] == "DUBBING_STATUS_FAILED"
    assert read["xcom"]["blendvision_console_url"].endswith("/job-failed")
    failed = found[("fail_on_failed_job", -1)]
    assert (failed["state"], failed["tries"]) == ("failed", 1)  # final: no retries
    pending = found[("read_pending_export", -1)]
    assert (pending["state"], pending["xcom"]["return_value"]["status"]) == ("success", "PENDING")
    missing = found[("read_missing_export", -1)]
    assert (missing["state"], missing["tries"]) == ("failed", 1)
    if not NO_EXCEPTION_IN_CALLBACKS:
        assert ops.SEEN["fail_on_failed_job"][0][0] == "DubbingJobFailed"
        assert "BAD_SOURCE" in ops.SEEN["fail_on_failed_job"][0][1]
        kind, message = ops.SEEN["read_missing_export"][0]
        assert kind == "DubbingRequestRefused"
        assert "'t-missing' was not found" in message


def test_a_literal_unknown_format_fails_the_dag_import() -> None:
    with pytest.raises(InvalidInputError, match="output_format"):
        CambExportAltFormatOperator(task_id="x", run_id=1, language=4, output_format="avi")


def test_bad_arguments_fail_before_any_request(connections: Any) -> None:
    op = BlendVisionCreateDubbingJobOperator(
        task_id="x", source_type="video", source_id="s", source_lang_code="english", target_lang_code="ja"
    )
    with pytest.raises(Exception, match="source_lang_code") as caught:
        op.execute({"ti": None})
    assert type(caught.value).__name__ == "DubbingRequestRefused"
    assert connections.stats()["requests"] == 0


def test_no_secret_in_trigger_kwargs_or_xcom(airflow_db: Path, connections: Any) -> None:
    connections.script_blendvision_source(ops.BV_SOURCE, processing_polls=1)
    connections.script_camb_run(ops.CAMB_RUN, pending_polls=1)
    dag_run = ops.ops_wait_deferred.test()
    stored = stored_trigger_kwargs()
    if AIRFLOW_LINE >= (3, 0):  # Airflow 2's dag.test() deletes its trigger rows
        assert any("dubbing_job_id" in text for text in stored)
    query = "SELECT value FROM xcom WHERE run_id = ?"
    with contextlib.closing(sqlite3.connect(airflow_db / "airflow.db")) as db:
        stored += [str(v) for (v,) in db.execute(query, (dag_run.run_id,))]
    assert not [text for text in stored if CAMB_KEY in text or BV_TOKEN in text]


@pytest.mark.skipif(AIRFLOW_LINE < (3, 0), reason="Airflow 2 builds links in the webserver from XCom")
def test_extra_link_is_stored_for_the_ui(airflow_db: Path, connections: Any) -> None:
    connections.script_blendvision_source(ops.BV_SOURCE, processing_polls=0)
    connections.script_camb_run(ops.CAMB_RUN, pending_polls=0)
    dag_run = ops.ops_wait_worker.test()
    xcoms = rows(airflow_db, dag_run)[("create_job", -1)]["xcom"]
    assert xcoms["_link_BlendVisionDubbingJobLink"] == xcoms["blendvision_console_url"]


@pytest.mark.skipif(AIRFLOW_LINE >= (3, 0), reason="Airflow 3 asks the link on the worker (test above)")
def test_extra_link_reads_the_console_url_the_task_pushed(airflow_db: Path, connections: Any) -> None:
    from airflow.models.taskinstancekey import TaskInstanceKey

    from airflow_provider_dubbing.links.blendvision import BlendVisionDubbingJobLink

    connections.script_blendvision_source(ops.BV_SOURCE, processing_polls=0)
    connections.script_camb_run(ops.CAMB_RUN, pending_polls=0)
    dag_run = ops.ops_wait_worker.test()
    job_id = rows(airflow_db, dag_run)[("create_job", -1)]["xcom"]["dubbing_job_id"]
    key = TaskInstanceKey(dag_run.dag_id, "create_job", dag_run.run_id, 1, -1)
    link = BlendVisionDubbingJobLink().get_link(ops.ops_wait_worker.get_task("create_job"), ti_key=key)
    assert link == f"https://app.one.blendvision.com/cms/dubbing/{job_id}"
    missing = TaskInstanceKey(dag_run.dag_id, "export", dag_run.run_id, 1, -1)
    assert BlendVisionDubbingJobLink().get_link(ops.ops_wait_worker.get_task("export"), ti_key=missing) == ""


def test_the_console_url_comes_from_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow_provider_dubbing.hooks.blendvision import BlendVisionHook
    from tests.conftest import connection_uri_env

    extra = {"org_id": "o", "console_url": "https://console.example/orgs/o/dubbing/{job_id}?tab=outputs"}
    monkeypatch.setenv(
        "AIRFLOW_CONN_BV_CONSOLE", connection_uri_env("blendvision", "https://api.example", "t", extra)
    )
    hook = BlendVisionHook("bv_console")
    assert (
        hook.dubbing_job_console_url("j 1/2")
        == "https://console.example/orgs/o/dubbing/j%201%2F2?tab=outputs"
    )
