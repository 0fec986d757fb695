"""The DAGs the OpenLineage tests run: each start and read operator once where the work
succeeds (``lineage_ok``) and once where it fails (``lineage_failed``).

The tests script the emulator before the run; every source URL is presigned-looking, so a
query string leaking into a facet would show.
"""

from __future__ import annotations

from datetime import datetime

from airflow_provider_dubbing.operators.blendvision import (
    BlendVisionCreateDubbingJobOperator,
    BlendVisionGetDubbingJobOperator,
)
from airflow_provider_dubbing.operators.camb import (
    CambDubOperator,
    CambExportAltFormatOperator,
    CambGetDubbingResultOperator,
)

try:
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[no-redef,attr-defined,unused-ignore]

SIGNED = "?X-Amz-Credential=AKIDEXAMPLE&X-Amz-Signature=source-signature"
VIDEO = "https://media.example/lineage/ok.mp4" + SIGNED
FAILING_VIDEO = "https://uploader:pw@media.example/lineage/broken.mp4" + SIGNED
SOURCE = "vod-lineage-ok"
FAILING_SOURCE = "vod-lineage-broken"
EXPORT_RUN = 7180
UNPAID_RUN = 7181
UNKNOWN_RUN = 999_999
FAILED_JOB = "job-lineage-failed"
FAST = {"poll_interval_s": 0.05, "max_poll_interval_s": 0.2, "deferrable": True}

with DAG("lineage_ok", schedule=None, start_date=datetime(2026, 1, 1), catchup=False) as lineage_ok:
    dub = CambDubOperator(
        task_id="dub", video_url=VIDEO, source_language="en-US", target_languages=["ja", "fr-FR"], **FAST
    )
    CambGetDubbingResultOperator(
        task_id="read_result", run_id="{{ ti.xcom_pull('dub')['run_id'] }}"
    ).set_upstream(dub)
    CambExportAltFormatOperator(
        task_id="export", run_id=EXPORT_RUN, language="es-ES", output_format="mp3", **FAST
    )
    job = BlendVisionCreateDubbingJobOperator(
        task_id="create_job",
        source_type="video",
        source_id=SOURCE,
        source_lang_code="en",
        target_lang_code="ko",
        **FAST,
    )
    BlendVisionGetDubbingJobOperator(
        task_id="read_job", dubbing_job_id="{{ ti.xcom_pull('create_job', key='dubbing_job_id') }}"
    ).set_upstream(job)

with DAG("lineage_failed", schedule=None, start_date=datetime(2026, 1, 1), catchup=False) as lineage_failed:
    CambDubOperator(
        task_id="dub", video_url=FAILING_VIDEO, source_language="en-US", target_languages="ja", **FAST
    )
    CambGetDubbingResultOperator(task_id="read_result", run_id=UNKNOWN_RUN)
    CambExportAltFormatOperator(
        task_id="export", run_id=UNPAID_RUN, language="es-ES", output_format="mov", **FAST
    )
    BlendVisionCreateDubbingJobOperator(
        task_id="create_job",
        source_type="audio",
        source_id=FAILING_SOURCE,
        source_lang_code="en",
        target_lang_code="ko",
        **FAST,
    )
    BlendVisionGetDubbingJobOperator(task_id="read_job", dubbing_job_id=FAILED_JOB)
