"""The DAG the map-index tests run through ``dag.test()``: each mapped-friendly operator and
a sensor, mapped, with their default labels (one deferred, so the label is also set when a
task resumes), one with the DAG author's own ``map_index_template``, and one unmapped task.

The tests script the emulator before the run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow_provider_dubbing.operators.blendvision import (
    BlendVisionCreateDubbingJobOperator,
    BlendVisionGetDownloadLinksOperator,
)
from airflow_provider_dubbing.operators.camb import CambDubOperator, CambExportAltFormatOperator
from airflow_provider_dubbing.sensors.blendvision import BlendVisionDubbingJobSensor

try:
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[no-redef,attr-defined,unused-ignore]

SOURCE = "vod-labels-001"
CAMB_RUN = 6160
VIDEO = "https://media.example/labels.mp4"
LANGUAGES = ["ja", "fr"]
DUB_LANGUAGES: list[Any] = ["ja", ["fr-FR", "de-DE"]]
FORMATS = ["mp4", "mp3"]
FAST = {"poll_interval_s": 0.05, "max_poll_interval_s": 0.2}


def job_id(job: Any) -> str:
    return str(job["id"])


def output_file_id(job: Any) -> str:
    return str(job["outputs"][0]["id"])


with DAG(
    "map_index_labels", schedule=None, start_date=datetime(2026, 1, 1), catchup=False
) as map_index_labels:
    jobs = BlendVisionCreateDubbingJobOperator.partial(
        task_id="create_jobs",
        source_type="video",
        source_id=SOURCE,
        source_lang_code="en",
        download_links=False,
        deferrable=True,
        **FAST,
    ).expand(target_lang_code=LANGUAGES)
    BlendVisionDubbingJobSensor.partial(task_id="sense_jobs", poke_interval=0.05, max_wait=0.2).expand(
        dubbing_job_id=jobs.output.map(job_id)
    )
    BlendVisionGetDownloadLinksOperator.partial(task_id="links").expand(
        file_ids=jobs.output.map(output_file_id)
    )
    CambExportAltFormatOperator.partial(task_id="exports", run_id=CAMB_RUN, language="es-ES", **FAST).expand(
        output_format=FORMATS
    )
    CambExportAltFormatOperator.partial(
        task_id="own_template",
        run_id=CAMB_RUN,
        language="es-ES",
        map_index_template="format {{ task.output_format }}",
        **FAST,
    ).expand(output_format=["wav"])
    CambDubOperator.partial(task_id="dubs", video_url=VIDEO, source_language="en-US", **FAST).expand(
        target_languages=DUB_LANGUAGES
    )
    CambExportAltFormatOperator(
        task_id="unmapped", run_id=CAMB_RUN, language="es-ES", output_format="mov", **FAST
    )
