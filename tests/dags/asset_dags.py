"""The DAGs the asset tests run: each start and read operator with an alias among its outlets
(one also with a plain asset), and a DAG scheduled on that alias.

The tests script the emulator before the run.
"""

from __future__ import annotations

from datetime import datetime

from airflow import __version__ as airflow_version

from airflow_provider_dubbing._compat import Asset, AssetAlias
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

ALIAS = AssetAlias("test-dubbed-files")
PLAIN = Asset("s3://media-bucket/dubbing-manifest.json")
# Airflow 3.0's dag.test() writes only its own DAG to the DB, so it fails a task whose plain asset
# outlet no DAG processor has activated (AirflowInactiveAssetInInletOrOutletException), and
# queues no other DAG; 3.1+ write the whole DAGs folder, and 2.x does not check outlets.
AIRFLOW_3_0 = airflow_version.startswith("3.0.")
SOURCE = "vod-assets-001"
VIDEO = "https://media.example/assets.mp4?X-Amz-Signature=source-signature"
EXPORT_RUN = 7170
FAST = {"poll_interval_s": 0.05, "max_poll_interval_s": 0.2, "deferrable": True}

with DAG("asset_producer", schedule=None, start_date=datetime(2026, 1, 1), catchup=False) as producer:
    dub = CambDubOperator(
        task_id="dub",
        video_url=VIDEO,
        source_language="en-US",
        target_languages=["ja", "fr-FR"],
        outlets=[ALIAS, PLAIN] if not AIRFLOW_3_0 else [ALIAS],
        **FAST,
    )
    CambGetDubbingResultOperator(
        task_id="read_result", run_id="{{ ti.xcom_pull('dub')['run_id'] }}", outlets=[ALIAS]
    ).set_upstream(dub)
    CambExportAltFormatOperator(
        task_id="export", run_id=EXPORT_RUN, language="es-ES", output_format="mov", outlets=[ALIAS], **FAST
    )
    job = BlendVisionCreateDubbingJobOperator(
        task_id="create_job",
        source_type="video",
        source_id=SOURCE,
        source_lang_code="en",
        target_lang_code="ko",
        outlets=[ALIAS],
        **FAST,
    )
    BlendVisionGetDubbingJobOperator(
        task_id="read_job",
        dubbing_job_id="{{ ti.xcom_pull('create_job', key='dubbing_job_id') }}",
        download_links=False,
        outlets=[ALIAS],
    ).set_upstream(job)
    # Started, not waited on: nothing finished, so no event on the alias.
    CambDubOperator(
        task_id="dub_no_wait",
        video_url="https://media.example/no-wait.mp4",
        source_language="en-US",
        target_languages="de-DE",
        wait_for_completion=False,
        outlets=[ALIAS],
    )

# Unpaused when first written to the DB, so the producer's events queue it.
with DAG(
    "asset_consumer",
    schedule=[ALIAS],
    start_date=datetime(2026, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,
) as consumer:
    CambGetDubbingResultOperator(task_id="never_runs_in_the_test", run_id=1)
