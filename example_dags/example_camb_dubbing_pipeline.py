"""Dub one video with CAMB.AI into several languages and end with checked files and a manifest.

The whole localisation pipeline, from a source video URL to files on disk:

1. ``dub``: one CAMB.AI dub per target language (a mapped task: adding a language is a
   change of parameter, not of code), each waiting in the triggerer without a worker slot.
2. ``read_result``: where each run's dubbed audio and video are (``GET dub-result/{run_id}``),
   mapped over the run ids the dubs returned.
3. ``export``: the extra formats the next steps need (``wav`` for the audio desk, ``mp4``
   for the web player), one export per run and format. CAMB.AI answers an export in one of
   two documented forms: ``output_url`` (the file is ready; the task returns that URL) or a
   ``task_id`` (the task waits for it; CAMB.AI's status answer documents no file location,
   so its ``output_url`` is None and the export is never posted again to get one).
4. ``fetch_and_check``: downloads every file that has a URL (httpx) into the run's delivery
   directory and checks it with the standard library: a WAV must open with ``wave`` and hold
   frames at a sane rate, an MP4 must have its ``ftyp`` box at offset 4, anything else must
   not be empty. A bad file fails its mapped task, naming the file.
5. ``write_manifest``: per language and format, the URL (without its query string: a
   presigned URL is a short-lived credential), size, sha256 and what was checked; a file
   without a URL says why.

A dub or an export that fails (``ERROR``) or times out on CAMB.AI's side (``TIMEOUT``) fails
its mapped task, and the retry starts a new one; a retry after anything else reattaches to
the work already started: no language is paid twice.

Connection: ``camb_default`` (type ``camb``, password = API key). ``make demo`` points it at
the bundled emulator, whose exports answer a URL for audio formats and a task id for video
formats, so a run shows both forms.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from typing import Any

from dubbing_delivery import deliver, delivery_dir

from airflow_provider_dubbing.client.urls import shown_url
from airflow_provider_dubbing.operators.camb import (
    CambDubOperator,
    CambExportAltFormatOperator,
    CambGetDubbingResultOperator,
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
# Why an export row has no URL: the export answered a task id, and the status answer has none.
NO_EXPORT_URL = "CAMB.AI answered a task id; its status gives no file URL"

# Each finished dub and export adds its dubbed files' assets to this alias, which
# example_dubbing_publish is scheduled on.
DUBBED_FILES = AssetAlias("dubbed-files")


def run_id_of(dub: dict[str, Any]) -> int:
    """The finished run of a dub's result, as the next mapped task takes it."""
    return int(dub["run_id"])


@dag(
    dag_id="example_camb_dubbing_pipeline",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["example", "dubbing", "camb"],
    params={
        "video_url": Param(
            "https://media.example.com/programmes/radio-workshop-ep1.mp4",
            type="string",
            description="the source video: a direct media link, a YouTube or a public Google Drive link",
        ),
        "source_language": Param(
            "en-US", type=["string", "integer"], description="a CAMB.AI id, tag or auto"
        ),
        "target_languages": Param(["es-ES", "fr-FR", "ja-JP"], type="array", description="one dub each"),
        "output_formats": Param(["wav", "mp4"], type="array", description="exported for every language"),
    },
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
)
def example_camb_dubbing_pipeline() -> None:
    @task
    def target_languages(params: dict[str, Any]) -> list[str]:
        return [str(language) for language in params["target_languages"]]

    languages = target_languages()

    dubs = CambDubOperator.partial(
        task_id="dub",
        video_url="{{ params.video_url }}",
        source_language="{{ params.source_language }}",
        project_name="{{ dag.dag_id }} {{ run_id }}",
        deferrable=True,
        poll_interval_s=FIRST_WAIT_S,
        wait_timeout_s=timedelta(hours=12),
        outlets=[DUBBED_FILES],
    ).expand(target_languages=languages)

    results = CambGetDubbingResultOperator.partial(task_id="read_result").expand(
        run_id=dubs.output.map(run_id_of)
    )

    @task
    def plan_exports(
        dubbed: list[dict[str, Any]], languages: list[str], params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """One export per run and format: the keyword arguments of each mapped export."""
        return [
            {"run_id": dub["run_id"], "language": language, "output_format": output_format}
            for dub, language in zip(dubbed, languages, strict=True)
            for output_format in params["output_formats"]
        ]

    plan = plan_exports(dubs.output, languages)

    exports = CambExportAltFormatOperator.partial(
        task_id="export",
        deferrable=True,
        poll_interval_s=FIRST_WAIT_S,
        wait_timeout_s=timedelta(hours=6),
        outlets=[DUBBED_FILES],
    ).expand_kwargs(plan)

    # The result holds presigned URLs: the next task needs them, a log line must not show them.
    @task(show_return_value_in_logs=False)
    def list_files(
        languages: list[str],
        dubbed: list[dict[str, Any]],
        plan: list[dict[str, Any]],
        exported: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        """Every file of the delivery, with its presigned URL (or why there is none), for the next
        task to fetch: each run's dubbed audio and video, then each export."""
        files = []
        for language, result in zip(languages, dubbed, strict=True):
            for output in result["outputs"]:
                lang = output["language"] or language  # None when CAMB.AI answered one object
                for kind, output_format, url in (
                    ("audio", "wav", output["audio_url"]),
                    ("video", "mp4", output["video_url"]),
                ):
                    files.append(
                        {
                            "language": lang,
                            "source": f"dubbed {kind}",
                            "format": output_format,
                            "run_id": result["run_id"],
                            "url": url,
                            "name": f"{lang}-dubbed-{kind}",
                            "note": None if url else f"CAMB.AI's result lists no {kind} file for this run",
                        }
                    )
        for export, done in zip(plan, exported, strict=True):
            files.append(
                {
                    "language": export["language"],
                    "source": "export",
                    "format": export["output_format"],
                    "run_id": export["run_id"],
                    "url": done["output_url"],
                    "name": f"{export['language']}-export",
                    "note": None if done["output_url"] else NO_EXPORT_URL,
                }
            )
        return files

    # One XCom holding the whole row (a dict return would otherwise be split into one XCom per key).
    @task(multiple_outputs=False)
    def fetch_and_check(file: dict[str, Any], dag: Any = None, run_id: str | None = None) -> dict[str, Any]:
        """Download one file and check it is the media its format says; its manifest row."""
        return deliver(file, delivery_dir(dag.dag_id, str(run_id)))

    checked = fetch_and_check.expand(file=list_files(languages, results.output, plan, exports.output))

    @task(multiple_outputs=False)
    def write_manifest(
        rows: list[dict[str, Any]], params: dict[str, Any], dag: Any = None, run_id: str | None = None
    ) -> dict[str, Any]:
        """The delivery manifest: per language and format, where the file came from, its size,
        sha256 and what was checked."""
        manifest = {
            "source_video": shown_url(params["video_url"]),
            "source_language": params["source_language"],
            "files": sorted(rows, key=lambda r: (r["language"], r["source"], r["format"])),
        }
        path = delivery_dir(dag.dag_id, str(run_id)) / "manifest.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(manifest, indent=2) + "\n")
        return {"path": str(path), **manifest}

    write_manifest(checked)


camb_dubbing_pipeline_dag = example_camb_dubbing_pipeline()
