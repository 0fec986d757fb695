"""Every example DAG runs end to end under ``dag.test()`` against the emulator, on real Airflow."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NO_EXCEPTION_IN_CALLBACKS, needs_dag_test, task_rows

pytestmark = pytest.mark.airflow

EXAMPLES = Path(__file__).resolve().parents[2] / "example_dags"
# The example DAGs import their shared module (dubbing_delivery) by name, as Airflow lets DAG files
# import modules of the DAGs folder; a DagBag or a load_dag of the folder here needs the same.
if str(EXAMPLES) not in sys.path:
    sys.path.append(str(EXAMPLES))


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
        "example_camb_dubbing_pipeline",
        "example_camb_export_formats",
        "example_dubbing_hooks",
        "example_dubbing_publish",
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


# The emulator answers an export to a video format with a task id, to an audio format with a URL.
EXPORT_FORMS = pytest.mark.parametrize(
    ("output_format", "ready"), [("mp4", False), ("wav", True)], ids=["task_id", "output_url"]
)


def assert_export_report(export_report: dict[str, Any], started: dict[str, Any], ready: bool) -> None:
    """The report's CAMB.AI part: the URL shown when the export answered one, else a plain "none"."""
    assert export_report["status"] == "SUCCESS"
    assert export_report["task_id"] == started["task_id"]
    if ready:
        assert started["task_id"] is None
        assert export_report["where"] == shown(started["output_url"])
        assert export_report["where"].endswith(".wav?...")
    else:
        assert started["task_id"]
        assert started["output_url"] is None
        assert export_report["where"].startswith("no file URL: CAMB.AI answered a task id")
    assert_no_query_string(export_report)


@needs_dag_test
@pytest.mark.timeout(240)
@EXPORT_FORMS
def test_example_dubbing_hooks(airflow_db: Path, connections: Any, output_format: str, ready: bool) -> None:
    dag = load_dag("example_dubbing_hooks.py", "example_dubbing_hooks")
    dag_run = dag.test(run_conf={"poll_interval_s": 0, "output_format": output_format})
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
    started = results["start_camb_export"][1]
    assert_export_report(report["camb_export"], started, ready)
    assert report["blendvision_job"]["status"] == "DUBBING_STATUS_SUCCEEDED"
    assert report["blendvision_job"]["id"] == results["start_blendvision_job"][1]
    assert report["blendvision_job"]["output_file_ids"][0]
    stats = connections.stats()
    assert stats["created"] == {"camb": 1, "blendvision": 1}
    # A ready export is never polled: there is no task to poll.
    assert bool(started["task_id"] and stats["polls"].get(started["task_id"])) is not ready


@needs_dag_test
@pytest.mark.timeout(240)
@EXPORT_FORMS
def test_example_dubbing_sensors(
    airflow_db: Path, connections: Any, monkeypatch: pytest.MonkeyPatch, output_format: str, ready: bool
) -> None:
    monkeypatch.setenv("DUBBING_EXAMPLE_FIRST_WAIT_S", "0.05")
    dag = load_dag("example_dubbing_sensors.py", "example_dubbing_sensors")
    assert dag.get_task("wait_for_camb_export").deferrable is True
    dag_run = dag.test(run_conf={"output_format": output_format})
    assert dag_run.state == "success"
    results = task_results(dag_run)
    assert {task: state for task, (state, _) in results.items()} == {
        "start_camb_export": "success",
        "camb_export_needs_waiting": "success",
        # The sensor is needed only for the task-id form.
        "wait_for_camb_export": "skipped" if ready else "success",
        "start_blendvision_job": "success",
        "wait_for_blendvision_job": "success",
        "report": "success",
    }
    started = results["start_camb_export"][1]
    report = results["report"][1]
    assert_export_report(report["camb_export"], started, ready)
    job = results["wait_for_blendvision_job"][1]
    assert job["id"] == results["start_blendvision_job"][1]
    assert job["status"] == "DUBBING_STATUS_SUCCEEDED"
    assert report["blendvision_job"]["output_file_ids"] == [job["outputs"][0]["id"]]
    stats = connections.stats()
    assert stats["created"] == {"camb": 1, "blendvision": 1}
    # The sensors checked more than once: the first check in the task, the rest in the trigger.
    if not ready:
        export = results["wait_for_camb_export"][1]
        assert export["task_id"] == started["task_id"]
        assert export["status"] == "SUCCESS"
        assert export["output_url"] is None
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
    # read_job read back the very jobs dub created, in the same order, with their download links.
    read = [rows[("read_job", i)][1] for i in range(3)]
    assert [{k: v for k, v in job.items() if k != "download_links"} for job in read] == [
        job for _, job in jobs
    ]
    state, manifest = rows[("write_manifest", -1)]
    assert state == "success"
    written = json.loads(Path(manifest["path"]).read_text())
    assert Path(manifest["path"]).is_relative_to(tmp_path)
    assert written["source_id"] == "vod-demo-001"
    assert {(d["lang_code"], d["file_id"]) for d in written["deliveries"]} == {
        (job["outputs"][0]["lang_code"], job["outputs"][0]["id"]) for _, job in jobs
    }
    assert written == {k: v for k, v in manifest.items() if k != "path"}
    # The links were asked for once, by read_job, just before the files were fetched.
    assert all("download_links" not in job for _, job in jobs)
    links = {link["id"]: link for i in range(3) for link in rows[("read_job", i)][1]["download_links"]}
    assert set(links) == {job["outputs"][0]["id"] for _, job in jobs}
    for delivery in written["deliveries"]:
        link = links[delivery["file_id"]]
        assert delivery["url"] == shown(link["download_uri"])
        assert delivery["url"].endswith(".mp4?...")
        assert delivery["sha256"] == fetched_sha256(link["download_uri"])
        assert delivery["bytes"] > 0
        assert delivery["checked"].startswith("MP4: ftyp box")
        assert (Path(manifest["path"]).parent / delivery["file"]).stat().st_size == delivery["bytes"]
    for state, value in [rows[("write_manifest", -1)], *(rows[("fetch_and_check", i)] for i in range(3))]:
        assert state == "success"
        assert_no_query_string(value)
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
    # Where each file is comes from output_url: a URL shown without its query string for the formats
    # CAMB.AI answered at once (the emulator's default: audio), a plain "none" for the task-id form.
    formats = ["mp4", "mp3", "wav"]
    assert [(d["format"], d["task_id"]) for d in report["delivered"]] == [
        (output_format, value["task_id"]) for output_format, (_, value) in zip(formats, exports, strict=True)
    ]
    for delivered, (_, export) in zip(report["delivered"], exports, strict=True):
        if delivered["format"] == "mp4":
            assert export["output_url"] is None
            assert delivered["where"].startswith("no file URL: CAMB.AI answered task id ")
        else:
            assert export["task_id"] is None
            assert delivered["where"] == shown(export["output_url"])
            assert delivered["where"].endswith(f".{delivered['format']}?...")
    assert_no_query_string(report)
    assert len(report["missing"]) == 1
    assert "broadcast master (mxf) of run 18343" in report["missing"][0]
    # No retry of a payment-required export: one export per format plus one master.
    assert connections.stats()["created"]["camb"] == 4


def fetched_sha256(url: str) -> str:
    """The sha256 of the bytes at ``url``, fetched again."""
    import httpx

    answer = httpx.get(url, timeout=30)
    assert answer.status_code == 200
    return hashlib.sha256(answer.content).hexdigest()


def assert_no_query_string(value: Any) -> None:
    """No URL in ``value`` carries its query string (``?...`` marks one that was left out)."""
    from urllib.parse import urlsplit

    text = json.dumps(value)
    assert "X-Amz-" not in text
    for word in text.replace('"', " ").split():
        if "://" in word:
            assert urlsplit(word).query in ("", "..."), word


@needs_dag_test
@pytest.mark.timeout(300)
def test_example_camb_dubbing_pipeline(
    airflow_db: Path, connections: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DUBBING_EXAMPLE_FIRST_WAIT_S", "0.05")
    monkeypatch.setenv("DUBBING_EXAMPLE_DELIVERY_DIR", str(tmp_path))
    dag = load_dag("example_camb_dubbing_pipeline.py", "example_camb_dubbing_pipeline")
    dag_run = dag.test()
    assert dag_run.state == "success"
    rows = mapped_rows(dag_run)
    languages = ["es-ES", "fr-FR", "ja-JP"]
    formats = ["wav", "mp4"]

    # Every mapped dub succeeded, one dub per language.
    dubs = [rows[("dub", i)] for i in range(len(languages))]
    assert [(state, dub["status"]) for state, dub in dubs] == [("success", "SUCCESS")] * len(languages)
    assert ("dub", len(languages)) not in rows
    stats = connections.stats()
    assert stats["created"]["camb_dub"] == len(languages)
    targets = connections.call_in_loop(
        lambda: [task.target_languages for task in connections.state.camb_dubs.values()]
    )
    assert sorted(targets) == [[language] for language in languages]

    # Where the files are: each run's result and each export (the URL form and the task-id form).
    results = [rows[("read_result", i)] for i in range(len(languages))]
    assert [result["run_id"] for _, result in results] == [dub["run_id"] for _, dub in dubs]
    exports = [rows[("export", i)] for i in range(len(languages) * len(formats))]
    assert all(state == "success" and export["status"] == "SUCCESS" for state, export in exports)
    urls = {}
    for language, (_, result) in zip(languages, results, strict=True):
        (output,) = result["outputs"]
        urls[(language, "dubbed audio", "wav")] = output["audio_url"]
        urls[(language, "dubbed video", "mp4")] = output["video_url"]
    for index, (_, export) in enumerate(exports):
        language, output_format = languages[index // len(formats)], formats[index % len(formats)]
        urls[(language, "export", output_format)] = export["output_url"]
        # The emulator's default: audio formats answer a URL at once, video formats a task id.
        assert (export["output_url"] is None) == (output_format == "mp4")
        assert (export["task_id"] is None) == (output_format == "wav")

    state, manifest = rows[("write_manifest", -1)]
    assert state == "success"
    assert json.loads(Path(manifest["path"]).read_text()) == {
        k: v for k, v in manifest.items() if k != "path"
    }
    files = {(f["language"], f["source"], f["format"]): f for f in manifest["files"]}
    assert set(files) == set(urls)
    assert {(language, output_format) for language, _, output_format in files} == {
        (language, output_format) for language in languages for output_format in formats
    }
    checks = set()
    for key, row in files.items():
        url = urls[key]
        if url is None:
            assert row["url"] is None
            assert row["sha256"] is None
            assert "task id" in row["note"]
            continue
        assert row["url"] == shown(url)
        assert row["sha256"] == fetched_sha256(url)
        assert row["bytes"] > 0
        assert (tmp_path / dag.dag_id).is_dir()
        checks.add(row["checked"].split(":")[0])
    assert checks == {"WAV", "MP4"}
    # The task-id exports were waited on, and never posted twice.
    assert stats["created"]["camb"] == len(languages) * len(formats)
    for state, value in [
        rows[("write_manifest", -1)],
        *(rows[("fetch_and_check", i)] for i in range(len(files))),
    ]:
        assert state == "success"
        assert_no_query_string(value)


def shown(url: str) -> str | None:
    from airflow_provider_dubbing.client.urls import shown_url

    return shown_url(url)


def test_delivery_step_checks_the_media_and_names_the_file_without_its_signature(
    emulator: Any, tmp_path: Path
) -> None:
    """The examples' shared download-and-check step: real WAV and MP4 pass, a file that is not what
    its format says fails, and so does an expired URL, each naming the file without its query string."""
    from datetime import datetime, timedelta, timezone

    import dubbing_delivery

    def url(name: str) -> str:
        return str(emulator.call_in_loop(lambda: emulator.state.presign(emulator.url, "camb", name).url))

    wav, mp4 = url("a.wav"), url("b.mp4")
    for address, output_format, checked in ((wav, "wav", "WAV: 1 channel(s)"), (mp4, "mp4", "MP4: ftyp")):
        row = dubbing_delivery.deliver({"url": address, "format": output_format, "name": "f"}, tmp_path)
        assert row["checked"].startswith(checked)
        assert row["sha256"] == fetched_sha256(address)
        assert (tmp_path / f"f.{output_format}").stat().st_size == row["bytes"]
    # The emulator serves every video format as the MP4: a WAV check of it fails, naming the file.
    with pytest.raises(dubbing_delivery.MediaCheckFailed, match="not a readable WAV") as failed:
        dubbing_delivery.deliver({"url": mp4, "format": "wav", "name": "g"}, tmp_path)
    assert str(failed.value).startswith(shown(mp4))
    assert not (tmp_path / "g.wav").exists()
    (tmp_path / "h.mp4").write_bytes((tmp_path / "f.wav").read_bytes())
    with pytest.raises(dubbing_delivery.MediaCheckFailed, match="no ftyp box at offset 4"):
        dubbing_delivery.check_media(tmp_path / "h.mp4", "mp4", 1)
    # An expired presigned URL: S3's 403, said plainly.
    later = datetime.now(timezone.utc) + timedelta(days=8)
    emulator.set_clock(lambda: later)
    with pytest.raises(
        dubbing_delivery.MediaCheckFailed, match="HTTP 403: a presigned URL expires"
    ) as expired:
        dubbing_delivery.deliver({"url": wav, "format": "wav", "name": "e"}, tmp_path)
    assert "X-Amz-" not in str(expired.value)
    assert shown(wav) in str(expired.value)
    # No URL: nothing fetched, the row says why.
    row = dubbing_delivery.deliver({"url": None, "format": "mp4", "name": "n", "note": "why"}, tmp_path)
    assert (row["url"], row["sha256"], row["note"]) == (None, None, "why")
