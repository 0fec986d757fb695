"""Localise one video with both services through the hooks alone.

A media pipeline's localisation step: export a finished CAMB.AI dubbing run as MP4 and
have BlendVision One dub the same programme into Japanese, wait for both, then report
what came out. The waits here are plain polling loops inside a task, asking the hooks'
``check_export`` / ``check_dubbing_job`` (backed by the ``outcomes`` modules) what each status
means; ``example_dubbing_sensors`` waits with the deferrable sensors instead, which free the
worker slot while waiting.

CAMB.AI answers an export in one of two documented forms, and ``export_alt_format`` returns
which: ``ExportReady`` (its ``output_url`` is the file, presigned: nothing to wait for) or
``TaskStarted`` (a ``task_id`` to poll; the status answer documents no file location, so
the report says there is no URL rather than invent one). The report shows a URL without its
query string: a presigned URL is a short-lived credential.

Connections: ``camb_default`` (type ``camb``, password = API key) and
``blendvision_default`` (type ``blendvision``, password = API token, extra ``org_id``).
``make demo`` points both at the bundled emulator.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from airflow_provider_dubbing.client.urls import shown_url

try:  # Airflow 3
    from airflow.sdk import Param, dag, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task  # type: ignore[no-redef,unused-ignore]
    from airflow.models.param import Param  # type: ignore[no-redef,unused-ignore]


RETRY_A_WAIT: dict[str, Any] = {"retries": 2, "retry_delay": timedelta(seconds=2)}

# Why an export has no URL: it answered a task id, and CAMB.AI's status answer documents none.
NO_EXPORT_URL = "no file URL: CAMB.AI answered a task id, and its status gives no file location"


def _poll(check: Any, *, interval_s: float, max_checks: int) -> Any:
    """Call ``check()`` until it returns something other than None, or give up."""
    for _ in range(max_checks):
        result = check()
        if result is not None:
            return result
        time.sleep(interval_s)
    raise TimeoutError(f"still running after {max_checks} checks")


@dag(
    dag_id="example_dubbing_hooks",
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
        "poll_interval_s": Param(5.0, type="number", minimum=0),
    },
)
def example_dubbing_hooks() -> None:
    # One XCom holding the whole answer (Airflow would split a dict return into one XCom per key,
    # and Airflow 3.0 refuses to store a key whose value is None: 422 from its execution API).
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

    # A check that still fails after the client's own retries (an outage) fails the try; the
    # task's retries then ask again about the same id. (The sensors count failed checks instead.)
    @task(multiple_outputs=False, show_return_value_in_logs=False, **RETRY_A_WAIT)
    def wait_for_camb_export(started: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        from airflow_provider_dubbing.hooks.camb import CambHook
        from airflow_provider_dubbing.tasks.failures import failure_for_verdict

        if started["output_url"]:  # nothing to wait for
            return {"task_id": None, "status": "SUCCESS", "output_url": started["output_url"]}
        hook = CambHook()

        def check() -> dict[str, Any] | None:
            verdict = hook.check_export(started["task_id"], run_id=params["camb_run_id"])
            # What a sensor would raise for a failed export: DubbingJobFailed and friends.
            failure = failure_for_verdict(verdict, object_id=started["task_id"], service="CAMB.AI")
            if failure is not None:
                raise failure
            return verdict.result if verdict.is_final else None

        return _poll(check, interval_s=params["poll_interval_s"], max_checks=60)

    @task
    def start_blendvision_job(params: dict[str, Any]) -> str:
        from airflow_provider_dubbing.hooks.blendvision import BlendVisionHook

        job = BlendVisionHook().create_dubbing_job(
            source_type="DUBBING_SOURCE_TYPE_VIDEO",
            source_id=params["bv_source_id"],
            source_lang_code="en",
            target_lang_code=params["target_lang_code"],
            interval_sec=("0", "90.5"),
        )
        return job.id

    @task(multiple_outputs=False, **RETRY_A_WAIT)
    def wait_for_blendvision_job(job_id: str, params: dict[str, Any]) -> dict[str, Any]:
        from airflow_provider_dubbing.hooks.blendvision import BlendVisionHook
        from airflow_provider_dubbing.tasks.failures import failure_for_verdict

        hook = BlendVisionHook()

        def check() -> dict[str, Any] | None:
            verdict = hook.check_dubbing_job(job_id)
            failure = failure_for_verdict(verdict, object_id=job_id, service="BlendVision One")
            if failure is not None:
                raise failure
            return verdict.result if verdict.is_final else None

        return _poll(check, interval_s=params["poll_interval_s"], max_checks=60)

    @task
    def report(export: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
        return {
            "camb_export": {
                "task_id": export["task_id"],
                "status": export["status"],
                "where": shown_url(export["output_url"]) or NO_EXPORT_URL,
            },
            "blendvision_job": {
                "id": job["id"],
                "status": job["status"],
                "output_file_ids": [o["id"] for o in job["outputs"]],
            },
        }

    export = wait_for_camb_export(start_camb_export())
    job = wait_for_blendvision_job(start_blendvision_job())
    report(export, job)


dubbing_hooks_dag = example_dubbing_hooks()
