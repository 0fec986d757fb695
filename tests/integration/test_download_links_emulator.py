"""BlendVision One download links against the emulator: the hook's twins over real HTTP,
and the operators through ``dag.test()``: links returned by the job operators and by the
links operator (templated, mapped), fetched for real (the emulator serves small real MP4s
at presigned URLs), no link request when the option is off or the job failed, and no log
line that shows a URI's signing query string.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from airflow_provider_dubbing.blendvision.models import FileDownloadLink
from airflow_provider_dubbing.client.errors import InvalidInputError, NotFoundError
from airflow_provider_dubbing.hooks.blendvision import BlendVisionHook
from airflow_provider_dubbing.operators.blendvision import (
    BlendVisionCreateDubbingJobOperator,
    BlendVisionGetDownloadLinksOperator,
    BlendVisionGetDubbingJobOperator,
)
from tests.conftest import NO_EXCEPTION_IN_CALLBACKS, needs_dag_test
from tests.dags import download_link_dags as dl

pytestmark = [pytest.mark.airflow, pytest.mark.timeout(300)]

LINK_KEYS = {"id", "lang_code", "download_uri", "download_filename", "expiration_time"}
MODES = ["worker", "deferred"]


def rows(home: Path, dag_run: Any) -> dict[tuple[str, int], dict[str, Any]]:
    """(task id, map index) -> state, tries and return value of that task instance."""
    with contextlib.closing(sqlite3.connect(home / "airflow.db")) as db:
        found: dict[tuple[str, int], dict[str, Any]] = {
            (task_id, index): {"state": state, "tries": tries, "value": None}
            for task_id, index, state, tries in db.execute(
                "SELECT task_id, map_index, state, try_number FROM task_instance"
                " WHERE dag_id = ? AND run_id = ?",
                (dag_run.dag_id, dag_run.run_id),
            )
        }
        for task_id, index, value in db.execute(
            "SELECT task_id, map_index, value FROM xcom"
            " WHERE dag_id = ? AND run_id = ? AND key = 'return_value'",
            (dag_run.dag_id, dag_run.run_id),
        ):
            found[(task_id, index)]["value"] = json.loads(
                value.decode() if isinstance(value, bytes) else value
            )
    return found


def link_requests(emulator: Any) -> int:
    """How many download-link requests reached the emulator's API (its stats, by route)."""
    return sum(n for route, n in emulator.stats()["by_route"].items() if ":download" in route)


def fetch_mp4(link: dict[str, Any]) -> bytes:
    """The file behind a link, fetched as the next task would."""
    answer = httpx.get(link["download_uri"], timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.content[4:8] == b"ftyp", answer.content[:16]  # an MP4's first box
    return answer.content


def check_link(link: dict[str, Any], file_id: str, lang_code: str | None) -> None:
    assert set(link) == LINK_KEYS
    assert (link["id"], link["lang_code"]) == (file_id, lang_code)
    assert "?" in link["download_uri"]  # presigned: the whole URI, query string included
    assert link["download_filename"]
    expires = datetime.fromisoformat(link["expiration_time"].replace("Z", "+00:00"))
    assert expires.tzinfo is not None


# --- the hook, sync and async ----------------------------------------------------------


def finished_job(emulator: Any, job_id: str = "job-links") -> str:
    """A succeeded job's output file id."""
    emulator.script_blendvision_job(job_id, processing_polls=0)
    hook = BlendVisionHook()
    job = hook.get_dubbing_job(job_id)  # CREATED
    job = hook.get_dubbing_job(job_id)  # SUCCEEDED, with the output's file id
    assert job.status == "DUBBING_STATUS_SUCCEEDED"
    assert job.outputs[0].id
    return job.outputs[0].id


def test_hook_twins_get_a_link_that_serves_the_file(connections: Any, via: Any) -> None:
    file_id = finished_job(connections)
    link = via(BlendVisionHook(), "get_download_link", file_id)
    assert isinstance(link, FileDownloadLink)
    assert link.id == file_id
    assert link.expiration_time is not None
    assert link.expiration_time.tzinfo is not None
    fetch_mp4(link.to_result())
    assert link_requests(connections) == 1


def test_hook_twins_a_missing_file_is_not_found(connections: Any, via: Any) -> None:
    with pytest.raises(NotFoundError):
        via(BlendVisionHook(), "get_download_link", "file-does-not-exist")


# --- the operators through dag.test() --------------------------------------------------


@needs_dag_test
@pytest.mark.parametrize("mode", MODES)
def test_a_waited_job_returns_links_to_real_files(
    airflow_db: Path, connections: Any, log_lines: Any, mode: str
) -> None:
    connections.script_blendvision_source(dl.SOURCE, processing_polls=1)
    dag_run = getattr(dl, f"dl_wait_{mode}").test()
    found = rows(airflow_db, dag_run)
    assert {key: row["state"] for key, row in found.items()} == {
        ("create_job", -1): "success",
        ("read_job", -1): "success",
        ("links", -1): "success",
    }

    job = found[("create_job", -1)]["value"]
    file_id = job["outputs"][0]["id"]
    [link] = job["download_links"]
    check_link(link, file_id, "ja")
    [read_link] = found[("read_job", -1)]["value"]["download_links"]
    check_link(read_link, file_id, "ja")
    [plain_link] = found[("links", -1)]["value"]
    check_link(plain_link, file_id, None)
    assert link_requests(connections) == 3  # one per task, none while waiting

    # Each link was logged, its URI shown without the query string that signs it.
    lines = log_lines()
    logged = [line for line in lines if line.startswith(f"download link for file {file_id!r}")]
    assert len(logged) == 3, logged
    path = link["download_uri"].partition("?")[0]
    assert f"download link for file {file_id!r} (ja): {path}?... expires " in "\n".join(logged)
    for uri in (link["download_uri"], read_link["download_uri"], plain_link["download_uri"]):
        query = uri.partition("?")[2]
        assert not [line for line in lines if query in line]

    for each in (link, read_link, plain_link):  # after the log check: fetching logs the URL
        fetch_mp4(each)


@needs_dag_test
def test_the_links_operator_maps_over_upstream_ids(airflow_db: Path, connections: Any) -> None:
    connections.script_blendvision_source(dl.SOURCE, processing_polls=0)
    dag_run = dl.dl_mapped.test()
    found = rows(airflow_db, dag_run)

    jobs = [found[("create_jobs", i)]["value"] for i in range(len(dl.LANGUAGES))]
    assert all("download_links" not in job for job in jobs)  # the option is off there
    file_ids = [job["outputs"][0]["id"] for job in jobs]
    assert len(set(file_ids)) == 2
    each = [found[("link_each", i)] for i in range(2)]
    assert [row["state"] for row in each] == ["success", "success"]
    for row, file_id in zip(each, file_ids, strict=True):
        [link] = row["value"]
        check_link(link, file_id, None)
        fetch_mp4(link)
    together = found[("link_all", -1)]
    assert together["state"] == "success"
    assert [link["id"] for link in together["value"]] == file_ids
    assert link_requests(connections) == 4


@needs_dag_test
def test_option_off_makes_no_link_request(airflow_db: Path, connections: Any) -> None:
    connections.script_blendvision_source(dl.SOURCE, processing_polls=0)
    dag_run = dl.dl_off.test()
    found = rows(airflow_db, dag_run)
    for task_id in ("create_job", "read_job"):
        row = found[(task_id, -1)]
        assert row["state"] == "success"
        assert row["value"]["status"] == "DUBBING_STATUS_SUCCEEDED"
        assert "download_links" not in row["value"]
    assert link_requests(connections) == 0
    assert connections.stats()["requests"] > 0


@needs_dag_test
def test_a_failed_job_makes_no_link_request(airflow_db: Path, connections: Any) -> None:
    connections.script_blendvision_source(
        dl.SOURCE, processing_polls=0, outcome="DUBBING_STATUS_FAILED", error_infos=[{"reason": "NO_AUDIO"}]
    )
    connections.script_blendvision_job(
        "job-failed", [{"status": "DUBBING_STATUS_FAILED", "error_infos": [{"reason": "BAD_SOURCE"}]}]
    )
    dag_run = dl.dl_failed.test()
    found = rows(airflow_db, dag_run)
    assert found[("create_job", -1)]["state"] == "failed"
    read = found[("read_failed_job", -1)]
    assert read["state"] == "success"
    assert read["value"]["status"] == "DUBBING_STATUS_FAILED"
    assert read["value"]["download_links"] == []  # the option is on: present, and empty
    assert link_requests(connections) == 0


@needs_dag_test
def test_bad_ids_are_refused_and_a_missing_file_fails_once(airflow_db: Path, connections: Any) -> None:
    dl.SEEN.clear()
    dag_run = dl.dl_bad_ids.test()
    found = rows(airflow_db, dag_run)
    # Both refusals are final: no retries (a 404 cannot heal), and the blank id sent nothing.
    assert (found[("blank", -1)]["state"], found[("blank", -1)]["tries"]) == ("failed", 1)
    assert (found[("missing", -1)]["state"], found[("missing", -1)]["tries"]) == ("failed", 1)
    assert link_requests(connections) == 1  # the missing file's only
    if not NO_EXCEPTION_IN_CALLBACKS:
        [(kind, message)] = dl.SEEN["blank"]
        assert kind == "DubbingRequestRefused"
        assert "file_ids is invalid: must not be empty or blank" in message
        [(kind, message)] = dl.SEEN["missing"]
        assert kind == "DubbingRequestRefused"
        assert "library file 'file-does-not-exist' was not found" in message


# --- without a DAG run -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_ids", "field"), [([], "file_ids"), ("", "file_ids"), (["f1", " "], "file_ids[1]")]
)
def test_a_bad_literal_fails_the_dag_import(file_ids: Any, field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        BlendVisionGetDownloadLinksOperator(task_id="x", file_ids=file_ids)
    assert info.value.field == field


def test_templated_ids_are_checked_when_the_task_runs(connections: Any) -> None:
    op = BlendVisionGetDownloadLinksOperator(task_id="x", file_ids=["{{ ti.xcom_pull('a') }}"])
    op.file_ids = []  # as if it rendered empty
    with pytest.raises(Exception, match="file_ids is invalid: must not be empty") as caught:
        op.execute({})
    assert type(caught.value).__name__ == "DubbingRequestRefused"
    assert connections.stats()["requests"] == 0


SUCCEEDED = {"id": "j", "status": "DUBBING_STATUS_SUCCEEDED", "outputs": [{"id": "f1", "lang_code": "ja"}]}


@pytest.mark.parametrize(
    "op",
    [
        BlendVisionGetDubbingJobOperator(task_id="read", dubbing_job_id="j", download_links=False),
        BlendVisionCreateDubbingJobOperator(
            task_id="create",
            source_type="video",
            source_id="s",
            source_lang_code="en",
            target_lang_code="ja",
            download_links=False,
        ),
    ],
    ids=["read", "create"],
)
def test_option_off_returns_the_job_dict_as_it_is(connections: Any, op: Any) -> None:
    assert op.returned(dict(SUCCEEDED)) == SUCCEEDED
    assert connections.stats()["requests"] == 0


def test_a_link_failure_fails_the_task_like_a_failed_read(connections: Any) -> None:
    connections.queue_faults(["503"])
    op = BlendVisionGetDubbingJobOperator(task_id="read", dubbing_job_id="j")
    with pytest.raises(Exception, match="the download link of library file 'f1'") as caught:
        op.returned(dict(SUCCEEDED))
    assert type(caught.value).__name__ == "DubbingServiceUnavailable"  # the task's retries apply
    with pytest.raises(Exception, match="library file 'f1' was not found") as caught:
        op.returned(dict(SUCCEEDED))
    assert type(caught.value).__name__ == "DubbingRequestRefused"  # final
