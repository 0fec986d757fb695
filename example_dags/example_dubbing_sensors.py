"""Wait on dubbing work with the deferrable sensors alone, on ids an upstream task pushed.

For work some other step starts (a custom task, another system, a webhook): here a task
starts a CAMB.AI export of a finished dubbing run and a BlendVision One dubbing job with
the hooks and returns their ids; the sensors take the ids through XCom, wait, and a last
task reports what came out. (To start and wait in one task, see the operators in
``example_camb_export_formats`` and ``example_blendvision_localisation``.) While the
services work, the sensors sit in the triggerer, checking at 5 s, 10 s, 20 s ... up to
2 minutes apart, as both services advise. A failed export or job fails its sensor at
once, without retries, with the service's reasons in the message.

CAMB.AI answers an export in one of two documented forms: a ``task_id`` to wait on, or an
``output_url`` at once (the file is ready: there is nothing to wait for). So a branch runs
the export's sensor only for a task id and skips it for a URL; the report says where the
file is either way: the URL without its query string (a presigned URL is a short-lived
credential), or that the task-id form gives none (CAMB.AI's status answer documents no
file location).

Connections: ``camb_default`` (type ``camb``, password = API key) and
``blendvision_default`` (type ``blendvision``, password = API token, extra ``org_id``).
``make demo`` points both at the bundled emulator.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from airflow_provider_dubbing.client.urls import shown_url
from airflow_provider_dubbing.sensors.blendvision import BlendVisionDubbingJobSensor
from airflow_provider_dubbing.sensors.camb import CambAltFormatSensor

try:  # Airflow 3
    from airflow.sdk import Param, dag, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task  # type: ignore[no-redef,unused-ignore]
    from airflow.models.param import Param  # type: ignore[no-redef,unused-ignore]

# The first wait between checks. The demo and the tests shorten it; in production keep
# the services' advice (5 s, doubling up to 2 minutes).
FIRST_WAIT_S = float(os.environ.get("DUBBING_EXAMPLE_FIRST_WAIT_S", "5"))
# Why an export has no URL: it answered a task id, and CAMB.AI's status answer documents none.
NO_EXPORT_URL = "no file URL: CAMB.AI answered a task id, and its status gives no file location"


@dag(
    dag_id="example_dubbing_sensors",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["example", "dubbing"],
    params={
        "camb_run_id": Param(18342, type="integer", description="a finished CAMB.AI dubbing run"),
        "camb_language": Param("es-ES", type=["string", "integer"]),
        "output_format": Param("mp4", type="string"),
        "bv_source_id": Param("vod-demo-001", type="string"),
        "target_lang_code": Param("ja", type="string"),
    },
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
)
def example_dubbing_sensors() -> None:
    # One XCom holding the whole answer (Airflow would split a dict return into one XCom per key).
    # A presigned output_url is for the next task, not for the log: the return value is not logged.
    @task(multiple_outputs=False, show_return_value_in_logs=False)
    def start_camb_export(params: dict[str, Any]) -> dict[str, Any]:
        """Start the export: ``{"task_id", "output_url"}``, exactly one of them set."""
        from airflow_provider_dubbing.camb.models import ExportReady
        from airflow_provider_dubbing.hooks.camb import CambHook

        answer = CambHook().export_alt_format(
            params["camb_run_id"], params["camb_language"], params["output_format"]
        )
        if isinstance(answer, ExportReady):  # the file is ready now: its presigned URL
            return {"task_id": None, "output_url": answer.output_url}
        return {"task_id": answer.task_id, "output_url": None}  # TaskStarted: a task to wait for

    @task.branch
    def camb_export_needs_waiting(started: dict[str, Any]) -> list[str]:
        """The sensor for a task id; nothing (the sensor is skipped) for a file that is ready."""
        return [] if started["output_url"] else ["wait_for_camb_export"]

    @task
    def start_blendvision_job(params: dict[str, Any]) -> str:
        from airflow_provider_dubbing.hooks.blendvision import BlendVisionHook

        job = BlendVisionHook().create_dubbing_job(
            source_type="video",
            source_id=params["bv_source_id"],
            source_lang_code="en",
            target_lang_code=params["target_lang_code"],
        )
        return job.id

    started = start_camb_export()
    wait_for_export = CambAltFormatSensor(
        task_id="wait_for_camb_export",
        # The started export's task id, from XCom when the sensor runs.
        alt_format_task_id="{{ ti.xcom_pull(task_ids='start_camb_export')['task_id'] }}",
        run_id="{{ params.camb_run_id }}",
        deferrable=True,
        poke_interval=FIRST_WAIT_S,
        timeout=timedelta(hours=6).total_seconds(),
    )
    wait_for_job = BlendVisionDubbingJobSensor(
        task_id="wait_for_blendvision_job",
        dubbing_job_id=start_blendvision_job(),
        deferrable=True,
        poke_interval=FIRST_WAIT_S,
        timeout=timedelta(hours=12).total_seconds(),
    )

    # The export's sensor may be skipped (the file was ready at once): the report still runs.
    @task(trigger_rule="none_failed")
    def report(started: dict[str, Any], job: dict[str, Any], ti: Any = None) -> dict[str, Any]:
        """What a delivery step needs: where the export is and which files were dubbed."""
        waited = ti.xcom_pull(task_ids="wait_for_camb_export")
        if started["output_url"]:
            export = {"task_id": None, "status": "SUCCESS", "where": shown_url(started["output_url"])}
        else:
            export = {"task_id": waited["task_id"], "status": waited["status"], "where": NO_EXPORT_URL}
        return {
            "camb_export": export,
            "blendvision_job": {
                "id": job["id"],
                "status": job["status"],
                "output_file_ids": [output["id"] for output in job["outputs"]],
                "created_at": job["created_at"],
            },
        }

    camb_export_needs_waiting(started) >> wait_for_export
    wait_for_export >> report(started, wait_for_job.output)


dubbing_sensors_dag = example_dubbing_sensors()
