"""Localise one video with BlendVision One: dub it into several languages at once, then deliver.

The localisation step of a media pipeline. One dubbing job per target language (a mapped
task, so adding a language is a change of parameter, not of code), each waiting in the
triggerer without a worker slot; then each finished job is read back with fresh download
links (``POST .../library/files/{id}:download``: presigned, so asked for just before they
are used), each dubbed file is downloaded and checked (an MP4 must have its ``ftyp`` box;
the shared ``dubbing_delivery`` step), and a delivery manifest lists per language the file
id, its URL without the query string (a presigned URL is a short-lived credential), size
and sha256: the hand-off to whatever packages, QCs or publishes the dub next.

A job that fails (``DUBBING_STATUS_FAILED``) fails its mapped task with BlendVision's
reasons; its retry creates a new job. A retry after anything else (the service down for
a while, a lost worker) reattaches to the job already created: no language is paid twice.

Connection: ``blendvision_default`` (type ``blendvision``, password = API token, extra
``org_id``). ``make demo`` points it at the bundled emulator.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from typing import Any

from dubbing_delivery import deliver, delivery_dir, format_of, safe_name

from airflow_provider_dubbing.operators.blendvision import (
    BlendVisionCreateDubbingJobOperator,
    BlendVisionGetDubbingJobOperator,
)

try:  # Airflow 3
    from airflow.sdk import AssetAlias, Param, dag, task
except ImportError:  # Airflow 2
    from airflow.datasets import DatasetAlias as AssetAlias  # type: ignore[no-redef,attr-defined,unused-ignore]
    from airflow.decorators import dag, task  # type: ignore[no-redef,unused-ignore]
    from airflow.models.param import Param  # type: ignore[no-redef,unused-ignore]

# The first wait between checks. The demo and the tests shorten it; in production keep
# the service's advice (5 s, doubling up to 2 minutes).
FIRST_WAIT_S = float(os.environ.get("DUBBING_EXAMPLE_FIRST_WAIT_S", "5"))

# Each finished job read adds its dubbed files' assets to this alias, which
# example_dubbing_publish is scheduled on.
DUBBED_FILES = AssetAlias("dubbed-files")


def job_id(job: dict[str, Any]) -> str:
    """The id of a job dict, as the next mapped task takes it."""
    return str(job["id"])


@dag(
    dag_id="example_blendvision_localisation",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["example", "dubbing", "blendvision"],
    params={
        "source_id": Param("vod-demo-001", type="string", description="the video in the BlendVision library"),
        "source_lang_code": Param("en", type="string"),
        "target_lang_codes": Param(["ja", "fr", "de-DE"], type="array", description="one dubbing job each"),
    },
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
)
def example_blendvision_localisation() -> None:
    @task
    def target_languages(params: dict[str, Any]) -> list[str]:
        return list(params["target_lang_codes"])

    dubbed = BlendVisionCreateDubbingJobOperator.partial(
        task_id="dub",
        source_type="video",
        source_id="{{ params.source_id }}",
        source_lang_code="{{ params.source_lang_code }}",
        deferrable=True,
        poll_interval_s=FIRST_WAIT_S,
        wait_timeout_s=timedelta(hours=12),
        # The links are asked for by read_job, just before the files are fetched: they expire.
        download_links=False,
    ).expand(target_lang_code=target_languages())

    # read_job, not dub, adds the files to the alias: it has the download links, so each event
    # names its file's URL (without the query string).
    details = BlendVisionGetDubbingJobOperator.partial(
        task_id="read_job", download_links=True, outlets=[DUBBED_FILES]
    ).expand(dubbing_job_id=dubbed.output.map(job_id))

    # The result holds presigned URLs: the next task needs them, a log line must not show them.
    @task(show_return_value_in_logs=False)
    def list_files(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every dubbed file, with its presigned download URL, for the next task to fetch."""
        return [
            {
                "lang_code": link["lang_code"],
                "file_id": link["id"],
                "dubbing_job_id": job["id"],
                "format": format_of(link["download_filename"]),
                "url": link["download_uri"],
                "name": safe_name(link["download_filename"]).rpartition(".")[0] or link["id"],
            }
            for job in jobs
            for link in job["download_links"]
        ]

    # One XCom holding the whole row (a dict return would otherwise be split into one XCom per key).
    @task(multiple_outputs=False)
    def fetch_and_check(file: dict[str, Any], dag: Any = None, run_id: str | None = None) -> dict[str, Any]:
        """Download one dubbed file and check it is the media its name says; its manifest row."""
        return deliver(file, delivery_dir(dag.dag_id, str(run_id)))

    checked = fetch_and_check.expand(file=list_files(details.output))

    @task(multiple_outputs=False)
    def write_manifest(
        jobs: list[dict[str, Any]],
        files: list[dict[str, Any]],
        params: dict[str, Any],
        dag: Any = None,
        run_id: str | None = None,
    ) -> dict[str, Any]:
        """The delivery manifest: which dubbed file holds which language, where it came from
        (URL shown without its query string), its size, sha256 and what was checked."""
        fetched = {row["file_id"]: row for row in files}
        deliveries = []
        for job in jobs:
            for output in job["outputs"]:
                row = fetched.get(output["id"], {})
                deliveries.append(
                    {
                        "lang_code": output["lang_code"],
                        "file_id": output["id"],
                        "dubbing_job_id": job["id"],
                        "created_at": job["created_at"],
                        "format": row.get("format"),
                        "url": row.get("url"),
                        "bytes": row.get("bytes"),
                        "sha256": row.get("sha256"),
                        "checked": row.get("checked"),
                        "file": row.get("file"),
                    }
                )
        manifest = {
            "source_id": params["source_id"],
            "source_lang_code": params["source_lang_code"],
            "deliveries": sorted(deliveries, key=lambda d: d["lang_code"]),
        }
        path = delivery_dir(dag.dag_id, str(run_id)) / "manifest.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(manifest, indent=2) + "\n")
        return {"path": str(path), **manifest}

    write_manifest(details.output, checked)


blendvision_localisation_dag = example_blendvision_localisation()
