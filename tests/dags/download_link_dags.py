"""DAGs the download-link tests run through ``dag.test()``: a job's links when it waited
(on the worker and deferred) and when read back, the links operator over upstream ids
(templated, mapped and as one list), the option off, and a failed job.

The tests script the emulator before each run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow_provider_dubbing.operators.blendvision import (
    BlendVisionCreateDubbingJobOperator,
    BlendVisionGetDownloadLinksOperator,
    BlendVisionGetDubbingJobOperator,
)

try:
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[no-redef,attr-defined,unused-ignore]

SOURCE = "vod-links-001"
LANGUAGES = ["ja", "fr"]
FAST = {"poll_interval_s": 0.05, "max_poll_interval_s": 0.2}

# task id -> the exception each failed try ended with, in order
SEEN: dict[str, list[tuple[str, str]]] = {}


def _record(context: Any) -> None:
    error = context.get("exception")
    SEEN.setdefault(context["ti"].task_id, []).append((type(error).__name__, str(error)))


def _dag(dag_id: str, retries: int = 0) -> DAG:
    return DAG(
        dag_id,
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        default_args={"retries": retries, "on_failure_callback": _record},
    )


def output_file_id(job: Any) -> str:
    """The dubbed file's id in a job's returned dict."""
    return str(job["outputs"][0]["id"])


for mode in ("worker", "deferred"):
    with _dag(f"dl_wait_{mode}") as dag:
        job = BlendVisionCreateDubbingJobOperator(
            task_id="create_job",
            source_type="video",
            source_id=SOURCE,
            source_lang_code="en",
            target_lang_code="ja",
            deferrable=mode == "deferred",
            **FAST,
        )
        read_job = BlendVisionGetDubbingJobOperator(
            task_id="read_job", dubbing_job_id="{{ ti.xcom_pull('create_job')['id'] }}"
        )
        links = BlendVisionGetDownloadLinksOperator(
            task_id="links", file_ids="{{ ti.xcom_pull('create_job')['outputs'][0]['id'] }}"
        )
        job >> [read_job, links]
    globals()[dag.dag_id] = dag

with _dag("dl_mapped") as dag:
    jobs = BlendVisionCreateDubbingJobOperator.partial(
        task_id="create_jobs",
        source_type="video",
        source_id=SOURCE,
        source_lang_code="en",
        download_links=False,
        **FAST,
    ).expand(target_lang_code=LANGUAGES)
    file_ids = jobs.output.map(output_file_id)
    # One link task per upstream id, and one task for the whole list.
    BlendVisionGetDownloadLinksOperator.partial(task_id="link_each").expand(file_ids=file_ids)
    BlendVisionGetDownloadLinksOperator(task_id="link_all", file_ids=file_ids)
globals()[dag.dag_id] = dag

with _dag("dl_off") as dag:
    job = BlendVisionCreateDubbingJobOperator(
        task_id="create_job",
        source_type="video",
        source_id=SOURCE,
        source_lang_code="en",
        target_lang_code="ja",
        download_links=False,
        **FAST,
    )
    read_job = BlendVisionGetDubbingJobOperator(
        task_id="read_job", dubbing_job_id="{{ ti.xcom_pull('create_job')['id'] }}", download_links=False
    )
    job >> read_job
globals()[dag.dag_id] = dag

with _dag("dl_failed") as dag:
    BlendVisionCreateDubbingJobOperator(
        task_id="create_job",
        source_type="video",
        source_id=SOURCE,
        source_lang_code="en",
        target_lang_code="ja",
        **FAST,
    )
    BlendVisionGetDubbingJobOperator(
        task_id="read_failed_job", dubbing_job_id="job-failed", fail_on_failure=False
    )
globals()[dag.dag_id] = dag

# Retries allowed: both refusals must still fail at once.
with _dag("dl_bad_ids", retries=2) as dag:
    BlendVisionGetDownloadLinksOperator(task_id="blank", file_ids="{{ '  ' }}")
    BlendVisionGetDownloadLinksOperator(task_id="missing", file_ids=["file-does-not-exist"])
globals()[dag.dag_id] = dag
