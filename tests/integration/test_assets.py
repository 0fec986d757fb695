"""A finished start or read operator emits one asset event per dubbed file to each alias in its
outlets (a dataset event on Airflow 2), with the file's facts as ``extra`` and nothing
presigned in them; a DAG scheduled on the alias is queued by them.

The events are read back from the metadata DB after a ``dag.test()`` run of
``tests/dags/asset_dags.py`` against the emulator.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from airflow_provider_dubbing._compat import AIRFLOW_V_3_0_PLUS
from airflow_provider_dubbing.outputs.uris import normalize_uri
from tests.conftest import BV_TOKEN, CAMB_KEY, needs_dag_test, task_rows

# Airflow 3 calls an asset what Airflow 2 calls a dataset, in its tables too.
WORD = "asset" if AIRFLOW_V_3_0_PLUS else "dataset"


def events(home: Path) -> list[tuple[str, dict[str, Any], str | None, str | None]]:
    """(asset URI, extra, source task id, alias name) of every asset event, oldest first."""
    with contextlib.closing(sqlite3.connect(home / "airflow.db")) as db:
        rows = db.execute(
            f"SELECT a.uri, e.extra, e.source_task_id, al.name FROM {WORD}_event e"
            f" JOIN {WORD} a ON a.id = e.{WORD}_id"
            f" LEFT JOIN {WORD}_alias_{WORD}_event link ON link.event_id = e.id"
            f" LEFT JOIN {WORD}_alias al ON al.id = link.alias_id"
            " ORDER BY e.id"
        ).fetchall()
    return [(uri, json.loads(extra or "{}"), task, alias) for uri, extra, task, alias in rows]


def queued_for(home: Path, dag_id: str) -> list[str]:
    """The URIs whose events queue a run of ``dag_id`` (what the scheduler turns into a run)."""
    with contextlib.closing(sqlite3.connect(home / "airflow.db")) as db:
        return [
            uri
            for (uri,) in db.execute(
                f"SELECT a.uri FROM {WORD}_dag_run_queue q JOIN {WORD} a ON a.id = q.{WORD}_id"
                " WHERE q.target_dag_id = ?",
                (dag_id,),
            )
        ]


@pytest.mark.parametrize(
    "uri",
    [
        "camb://runs/1/ja/video",
        "camb://runs/1/ja/audio",
        "camb://runs/1/es-ES/exports/mov",
        "blendvision://dubbing-jobs/job-1/ko",
    ],
)
def test_our_uris_pass_their_handler(uri: str) -> None:
    assert normalize_uri(urlsplit(uri)).geturl() == uri


@pytest.mark.parametrize(
    ("uri", "named"),
    [
        ("camb://dubs/1/ja/video", "starts camb://runs/"),
        ("camb://runs/1/ja/subtitles", "video|audio"),
        ("camb://runs/1/ja", "video|audio"),
        ("camb://runs/1/ja/imports/mov", "exports"),
        ("blendvision://dubbing-jobs/job-1", "/{job_id}/{lang_code}"),
        ("blendvision://jobs/job-1/ko", "starts blendvision://dubbing-jobs/"),
    ],
)
def test_a_malformed_uri_of_our_schemes_is_refused_naming_the_part(uri: str, named: str) -> None:
    with pytest.raises(ValueError, match=named.replace("|", r"\|").replace("{", r"\{").replace("}", r"\}")):
        normalize_uri(urlsplit(uri))


@needs_dag_test
@pytest.mark.airflow
@pytest.mark.timeout(300)
def test_each_finished_operator_emits_one_event_per_dubbed_file(airflow_db: Path, connections: Any) -> None:
    # Imported once the DB is migrated: Airflow 2 looks a schedule's dataset alias up in it.
    from tests.dags import asset_dags as dags

    if not AIRFLOW_V_3_0_PLUS:
        # Airflow 2 records an event through an alias only when the alias is in the DB, which the
        # DAG processor writes; its dag.test() does not (Airflow 3's syncs the DAGs folder).
        dags.producer.bulk_write_to_db([dags.producer, dags.consumer])  # type: ignore[attr-defined,unused-ignore]
    connections.script_camb_video(dags.VIDEO, pending_polls=1)
    connections.script_camb_run(dags.EXPORT_RUN, pending_polls=1)
    connections.script_blendvision_source(dags.SOURCE, processing_polls=1)
    dag_run = dags.producer.test()
    rows = task_rows(dag_run)
    assert {state for state, _, _ in rows.values()} == {"success"}, rows
    dub, job = rows["dub"][2], rows["create_job"][2]
    run_id = dub["run_id"]

    found = [e for e in events(airflow_db) if e[3] == dags.ALIAS.name]
    by_task: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for uri, extra, task, _ in found:
        by_task.setdefault(str(task), []).append((uri, extra))

    def extension(url: str) -> str:
        return urlsplit(url).path.rsplit(".", 1)[-1].lower()

    outputs = dub["result"]["outputs"]
    assert {output["language"] for output in outputs} == {"ja", "fr-FR"}
    expected = {
        (
            f"camb://runs/{run_id}/{output['language']}/{kind}",
            output["language"],
            extension(output[f"{kind}_url"]),
        )
        for output in outputs
        for kind in ("video", "audio")
    }
    assert {(uri, extra["language"], extra["format"]) for uri, extra in by_task["dub"]} == expected
    for _, extra in by_task["dub"]:
        assert extra["service"] == "CAMB.AI"
        assert extra["noun"] == "dub"
        assert extra["object_id"] == dub["task_id"]
        assert extra["run_id"] == str(run_id)
        assert extra["location"].startswith("http")
        assert "?" not in extra["location"]
    # The read operator names the same files: the same assets.
    assert {uri for uri, _ in by_task["read_result"]} == {uri for uri, _ in by_task["dub"]}

    [(export_uri, export)] = by_task["export"]
    assert export_uri == f"camb://runs/{dags.EXPORT_RUN}/es-ES/exports/mov"
    assert (export["service"], export["noun"], export["format"], export["language"]) == (
        "CAMB.AI",
        "export",
        "mov",
        "es-ES",
    )
    assert export["object_id"] == rows["export"][2]["task_id"]

    [(job_uri, job_extra)] = by_task["create_job"]
    assert job_uri == f"blendvision://dubbing-jobs/{job['id']}/ko"
    assert job_extra["file_id"] == job["outputs"][0]["id"]
    assert job_extra["location"] is not None
    assert "?" not in job_extra["location"]
    assert job_extra["format"] == job["download_links"][0]["download_filename"].rsplit(".", 1)[-1].lower()
    [(read_uri, read_extra)] = by_task["read_job"]
    assert read_uri == job_uri
    assert read_extra["location"] is None  # no download links asked for: no location
    assert "dub_no_wait" not in by_task  # nothing finished, nothing emitted

    # The plain asset gets Airflow's one event for the task, listing the files.
    if not dags.AIRFLOW_3_0:
        [(_, plain, _, _)] = [e for e in events(airflow_db) if e[0] == dags.PLAIN.uri]
        assert sorted((f["language"], f["format"]) for f in plain["files"]) == sorted(
            (language, fmt) for _, language, fmt in expected
        )

    # Nothing presigned, and no credential, in any event.
    text = json.dumps([e[1] for e in events(airflow_db)])
    for secret in ("Signature", "source-signature", "X-Amz", "Expires", CAMB_KEY, BV_TOKEN):
        assert secret not in text

    # The DAG scheduled on the alias is queued by the events (the scheduler makes the run; see
    # test_asset_scheduling.py for that, in a real scheduler).
    if not dags.AIRFLOW_3_0:
        assert set(queued_for(airflow_db, "asset_consumer")) >= {uri for uri, _, _, _ in found}
