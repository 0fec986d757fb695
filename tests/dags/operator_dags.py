"""DAGs the operator tests run through ``dag.test()``: each operator waiting on the worker
and deferred, not waiting, mapped, and retried after it started work.

The tests script the emulator before each run; ``ON_RETRY`` lets a test change the
emulator's script between two tries of a task (the callback runs between them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from airflow_provider_dubbing.operators.blendvision import (
    BlendVisionCreateDubbingJobOperator,
    BlendVisionGetDubbingJobOperator,
)
from airflow_provider_dubbing.operators.camb import (
    CambExportAltFormatOperator,
    CambGetAltFormatStatusOperator,
)

try:
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[no-redef,attr-defined,unused-ignore]

BV_SOURCE = "vod-ops-001"
CAMB_RUN = 5150
LANGUAGES = ["ja", "fr", "de-DE"]
FORMATS = ["mp4", "mp3", "wav"]
FAST = {"poll_interval_s": 0.05, "max_poll_interval_s": 0.2}

# task id -> the exception each failed try ended with, in order
SEEN: dict[str, list[tuple[str, str]]] = {}
ON_RETRY: list[Callable[[], None]] = []


def _record(context: Any) -> None:
    error = context.get("exception")
    SEEN.setdefault(context["ti"].task_id, []).append((type(error).__name__, str(error)))


def _retrying(context: Any) -> None:
    _record(context)
    for action in ON_RETRY:
        action()


def _dag(dag_id: str) -> DAG:
    return DAG(
        dag_id,
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        default_args={
            "retries": 2,
            "retry_delay": timedelta(0),
            "on_failure_callback": _record,
            "on_retry_callback": _retrying,
        },
    )


for mode in ("worker", "deferred"):
    deferrable = mode == "deferred"

    with _dag(f"ops_wait_{mode}") as dag:
        job = BlendVisionCreateDubbingJobOperator(
            task_id="create_job",
            source_type="video",
            source_id=BV_SOURCE,
            source_lang_code="en",
            target_lang_code="ja",
            deferrable=deferrable,
            **FAST,
        )
        read_job = BlendVisionGetDubbingJobOperator(
            task_id="read_job", dubbing_job_id="{{ ti.xcom_pull('create_job')['id'] }}"
        )
        export = CambExportAltFormatOperator(
            task_id="export",
            run_id=CAMB_RUN,
            language="es-ES",
            output_format="mp4",
            deferrable=deferrable,
            **FAST,
        )
        read_export = CambGetAltFormatStatusOperator(
            task_id="read_export", alt_format_task_id="{{ ti.xcom_pull('export', key='alt_format_task_id') }}"
        )
        job >> read_job
        export >> read_export
    globals()[dag.dag_id] = dag

    with _dag(f"ops_mapped_{mode}") as dag:
        BlendVisionCreateDubbingJobOperator.partial(
            task_id="create_jobs",
            source_type="video",
            source_id=BV_SOURCE,
            source_lang_code="en",
            deferrable=deferrable,
            **FAST,
        ).expand(target_lang_code=LANGUAGES)
        CambExportAltFormatOperator.partial(
            task_id="exports", run_id=CAMB_RUN, language=4, deferrable=deferrable, **FAST
        ).expand(output_format=FORMATS)
    globals()[dag.dag_id] = dag

    # One task per DAG: a test changes the emulator between the two tries of that task.
    # Two failed checks in a row fail a try.
    with _dag(f"ops_retry_bv_{mode}") as dag:
        BlendVisionCreateDubbingJobOperator(
            task_id="create_job",
            source_type="video",
            source_id=BV_SOURCE,
            source_lang_code="en",
            target_lang_code="ja",
            deferrable=deferrable,
            max_consecutive_failures=2,
            **FAST,
        )
    globals()[dag.dag_id] = dag

    with _dag(f"ops_retry_camb_{mode}") as dag:
        CambExportAltFormatOperator(
            task_id="export",
            run_id=CAMB_RUN,
            language=4,
            output_format="mov",
            deferrable=deferrable,
            max_consecutive_failures=2,
            **FAST,
        )
    globals()[dag.dag_id] = dag

with _dag("ops_no_wait") as dag:
    BlendVisionCreateDubbingJobOperator(
        task_id="create_job",
        source_type="audio",
        source_id=BV_SOURCE,
        source_lang_code="en-US",
        target_lang_code="ko",
        interval_sec=("1.5", 30),
        wait_for_completion=False,
    )
    CambExportAltFormatOperator(
        task_id="export", run_id=CAMB_RUN, language=4, output_format="flac", wait_for_completion=False
    )
globals()[dag.dag_id] = dag

with _dag("ops_read_only") as dag:
    BlendVisionGetDubbingJobOperator(
        task_id="read_failed_job", dubbing_job_id="job-failed", fail_on_failure=False
    )
    BlendVisionGetDubbingJobOperator(task_id="fail_on_failed_job", dubbing_job_id="job-failed")
    CambGetAltFormatStatusOperator(task_id="read_pending_export", alt_format_task_id="t-pending")
    CambGetAltFormatStatusOperator(task_id="read_missing_export", alt_format_task_id="t-missing")
globals()[dag.dag_id] = dag
