"""CAMB.AI from a video to files a next task can fetch, through ``dag.test()`` against the emulator.

A dub mapped over languages waits on the worker and deferred, its run's result is read
back, and the URLs in it are fetched; a sensor follows a dub started elsewhere; an export
answered with a URL returns at once without a status poll, and a retry after it returns
the same URL without a second export; a dub whose checks failed is reattached to, never
paid for twice.
"""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import Any

import httpx
import pytest

from airflow_provider_dubbing.hooks.camb import CambHook
from tests.conftest import NO_EXCEPTION_IN_CALLBACKS, needs_dag_test
from tests.dags import camb_dubbing_dags as dags
from tests.dags import operator_dags as ops
from tests.integration.test_operators import MODES, rows, skip_retried_deferral_on_3_0, started_notes

pytestmark = [pytest.mark.airflow, needs_dag_test, pytest.mark.timeout(300)]


@pytest.fixture(autouse=True)
def _clean() -> Any:
    ops.SEEN.clear()
    dags.ExportThenLoseTheWorker.failed.clear()
    return


def fetch(url: str) -> bytes:
    answer = httpx.get(url, timeout=10)
    assert answer.status_code == 200, f"{answer.status_code} for the file of {url.split('?')[0]}"
    return answer.content


def is_mp4(content: bytes) -> bool:
    return content[4:8] == b"ftyp"


def wav_frames(content: bytes) -> int:
    with wave.open(io.BytesIO(content)) as audio:
        return audio.getnframes()


@pytest.mark.parametrize("mode", MODES)
def test_a_mapped_dub_ends_in_files_a_next_task_can_fetch(
    airflow_db: Path, connections: Any, mode: str
) -> None:
    connections.script_camb_video(dags.VIDEO, pending_polls=2)
    dag_run = getattr(dags, f"camb_dub_{mode}").test()
    found = rows(airflow_db, dag_run)

    dubs = [found[("dub", index)] for index in range(len(dags.LANGUAGES))]
    assert [(dub["state"], dub["tries"]) for dub in dubs] == [("success", 1)] * 3
    for dub, language in zip(dubs, dags.LANGUAGES, strict=True):
        value = dub["xcom"]["return_value"]
        assert value["status"] == "SUCCESS"
        assert value["task_id"] == dub["xcom"]["dubbing_task_id"]
        assert isinstance(value["run_id"], int)
        result = value["result"]
        assert result["run_id"] == value["run_id"]
        [output] = result["outputs"]  # one target language per dub: the reference's single object
        assert output["language"] is None
        assert is_mp4(fetch(output["video_url"]))
        assert wav_frames(fetch(output["audio_url"])) > 0
        # The read operator returns the same result for the same run.
        read = found[("read_result", dubs.index(dub))]["xcom"]["return_value"]
        assert read["run_id"] == value["run_id"]
        assert [o["language"] for o in read["outputs"]] == [None], language

    stats = connections.stats()
    assert stats["created"]["camb_dub"] == 3  # one paid dub per language, no more
    assert all(stats["polls"][dub["xcom"]["dubbing_task_id"]] == 3 for dub in dubs)
    notes = sorted(note["object_id"] for note in started_notes(dag_run))
    assert notes == sorted(dub["xcom"]["dubbing_task_id"] for dub in dubs)


def test_a_several_language_result_parses_per_language(connections: Any, via: Any) -> None:
    # One dub into three languages: the emulator answers camb-sdk's map by language.
    hook = CambHook()
    task_id = via(hook, "dub", dags.VIDEO, "en-US", dags.LANGUAGES, project_name="p")
    progress = via(hook, "get_dubbing_status", task_id)
    while progress.status != "SUCCESS":
        progress = via(hook, "get_dubbing_status", task_id)
    result = via(hook, "get_dubbing_result", progress.run_id)
    assert result.run_id == progress.run_id
    assert [output.language for output in result.outputs] == dags.LANGUAGES
    assert all(is_mp4(fetch(str(output.video_url))) for output in result.outputs)


@pytest.mark.parametrize("mode", MODES)
def test_a_sensor_follows_a_dub_started_elsewhere(airflow_db: Path, connections: Any, mode: str) -> None:
    connections.script_camb_dub("dub-started-elsewhere", pending_polls=2, run_id=4242)
    dag_run = getattr(dags, f"camb_sense_{mode}").test()
    sense = rows(airflow_db, dag_run)[("sense", -1)]
    assert (sense["state"], sense["tries"]) == ("success", 1)
    assert sense["xcom"]["return_value"] == {
        "task_id": "dub-started-elsewhere",
        "status": "SUCCESS",
        "run_id": 4242,
        "exception_reason": None,
        "message": None,
    }
    assert connections.stats()["polls"]["dub-started-elsewhere"] == 3


@pytest.mark.parametrize("mode", MODES)
def test_an_export_answered_with_a_url_returns_at_once(airflow_db: Path, connections: Any, mode: str) -> None:
    dag_run = getattr(dags, f"camb_ready_export_{mode}").test()
    export = rows(airflow_db, dag_run)[("export", -1)]
    assert (export["state"], export["tries"]) == ("success", 1)
    value = export["xcom"]["return_value"]
    assert (value["task_id"], value["status"], value["run_id"]) == (None, "SUCCESS", 77)
    assert export["xcom"].get("alt_format_task_id") is None  # nothing pushed: a pull reads None
    assert wav_frames(fetch(value["output_url"])) > 0
    stats = connections.stats()
    assert stats["created"]["camb"] == 1
    assert stats["polls"] == {}  # nothing to poll: the answer was the file
    [note] = started_notes(dag_run)
    assert note["result"] == value


def test_a_retry_after_a_ready_export_returns_its_url_without_exporting_again(
    airflow_db: Path, connections: Any
) -> None:
    dag_run = dags.camb_ready_export_retried.test()
    export = rows(airflow_db, dag_run)[("export", -1)]
    assert (export["state"], export["tries"]) == ("success", 2)
    assert connections.stats()["created"]["camb"] == 1
    value = export["xcom"]["return_value"]
    [note] = started_notes(dag_run)
    assert value == note["result"]
    assert value["output_url"].split("?")[0].endswith(".mp3")
    if not NO_EXCEPTION_IN_CALLBACKS:
        assert ops.SEEN["export"][0][0] == "RuntimeError"


@pytest.mark.parametrize("mode", MODES)
def test_a_retried_dub_reattaches_and_pays_once(airflow_db: Path, connections: Any, mode: str) -> None:
    skip_retried_deferral_on_3_0(mode)
    connections.script_camb_video(dags.VIDEO, pending_polls=1)
    # The create is answered; then 2 checks of 4 attempts each (the client's 3 retries) get 503.
    connections.queue_faults(["none"] + ["503"] * 8)
    dag_run = getattr(dags, f"camb_dub_retry_{mode}").test()
    dub = rows(airflow_db, dag_run)[("dub", -1)]
    assert (dub["state"], dub["tries"]) == ("success", 2)
    assert connections.stats()["created"]["camb_dub"] == 1
    assert dub["xcom"]["return_value"]["result"]["outputs"][0]["audio_url"]
    if not NO_EXCEPTION_IN_CALLBACKS:
        assert [kind for kind, _ in ops.SEEN["dub"]] == ["DubbingServiceUnavailable"]


def test_an_unpaid_dub_fails_once_naming_why(airflow_db: Path, connections: Any) -> None:
    connections.script_camb_video(
        dags.VIDEO + "?unpaid", pending_polls=1, outcome="PAYMENT_REQUIRED", exception_reason="NO_CREDITS"
    )
    dag_run = dags.camb_dub_unpaid.test()
    dub = rows(airflow_db, dag_run)[("dub", -1)]
    assert (dub["state"], dub["tries"]) == ("failed", 1)
    assert connections.stats()["created"]["camb_dub"] == 1
    if not NO_EXCEPTION_IN_CALLBACKS:
        kind, message = ops.SEEN["dub"][0]
        assert kind == "DubbingPaymentRequired"
        assert "NO_CREDITS" in message


def test_bad_dub_input_fails_before_any_request(airflow_db: Path, connections: Any) -> None:
    dag_run = dags.camb_dub_bad_input.test()
    dub = rows(airflow_db, dag_run)[("dub", -1)]
    assert (dub["state"], dub["tries"]) == ("failed", 1)
    assert connections.stats()["requests"] == 0
    if not NO_EXCEPTION_IN_CALLBACKS:
        kind, message = ops.SEEN["dub"][0]
        assert kind == "DubbingRequestRefused"
        assert "video_url" in message
