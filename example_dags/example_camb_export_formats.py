"""Export one dubbed CAMB.AI run to every format the next steps need, and report what came out.

The hand-off after dubbing: the web player wants MP4, the podcast feed MP3 and the
archive WAV, so one export per format runs at once (a mapped task); a report then collects
the statuses and where each file is. CAMB.AI answers an export in one of two documented
forms: ``output_url`` (the file is ready: the task returns at once with that presigned URL)
or a ``task_id`` (the task waits in the triggerer without a worker slot; CAMB.AI's status
answer documents no file location, so such an export's ``output_url`` is None, and the
report says so rather than guess one). The report shows a URL without its query string: a
presigned URL is a short-lived credential. A broadcast master (MXF) of another run is
exported beside them: on an account whose plan does not cover it, CAMB.AI answers
``PAYMENT_REQUIRED``, and that task fails at once, without retries, saying the account must
pay; the report still runs and says which export is missing.

An export that fails (``ERROR``) or times out on CAMB.AI's side (``TIMEOUT``) fails its
task, and the retry starts a new export; a retry after anything else reattaches to the
export already started.

Connection: ``camb_default`` (type ``camb``, password = API key). ``make demo`` points it
at the bundled emulator and tells the emulator that ``broadcast_run_id``'s exports need
payment.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from airflow_provider_dubbing.client.urls import shown_url
from airflow_provider_dubbing.operators.camb import CambExportAltFormatOperator

try:  # Airflow 3
    from airflow.sdk import Param, dag, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task  # type: ignore[no-redef,unused-ignore]
    from airflow.models.param import Param  # type: ignore[no-redef,unused-ignore]

# The first wait between checks. The demo and the tests shorten it; in production keep
# the service's advice (5 s, doubling up to 2 minutes).
FIRST_WAIT_S = float(os.environ.get("DUBBING_EXAMPLE_FIRST_WAIT_S", "5"))


def where(export: dict[str, Any]) -> str:
    """Where an exported file is, for people: its URL without the query string, or why there is none."""
    if export.get("output_url"):
        return str(shown_url(export["output_url"]))
    return f"no file URL: CAMB.AI answered task id {export['task_id']}, and its status gives no file location"


@dag(
    dag_id="example_camb_export_formats",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["example", "dubbing", "camb"],
    params={
        "run_id": Param(18342, type="integer", description="a finished CAMB.AI dubbing run"),
        "language": Param("es-ES", type=["string", "integer"]),
        "output_formats": Param(["mp4", "mp3", "wav"], type="array"),
        "broadcast_run_id": Param(18343, type="integer", description="the run whose MXF master is wanted"),
    },
    default_args={"retries": 2, "retry_delay": timedelta(minutes=1)},
)
def example_camb_export_formats() -> None:
    @task
    def output_formats(params: dict[str, Any]) -> list[str]:
        return list(params["output_formats"])

    formats = output_formats()
    exports = CambExportAltFormatOperator.partial(
        task_id="export",
        run_id="{{ params.run_id }}",
        language="{{ params.language }}",
        deferrable=True,
        poll_interval_s=FIRST_WAIT_S,
        wait_timeout_s=timedelta(hours=6),
    ).expand(output_format=formats)

    broadcast_master = CambExportAltFormatOperator(
        task_id="export_broadcast_master",
        run_id="{{ params.broadcast_run_id }}",
        language="{{ params.language }}",
        output_format="mxf",
        deferrable=True,
        poll_interval_s=FIRST_WAIT_S,
        wait_timeout_s=timedelta(hours=6),
    )

    @task(trigger_rule="all_done")
    def report(formats: list[str], params: dict[str, Any], ti: Any = None) -> dict[str, Any]:
        """What was exported, and what is missing, whichever exports failed."""
        delivered, missing = [], []
        for index, output_format in enumerate(formats):
            export = ti.xcom_pull(task_ids="export", map_indexes=index)
            if export is None:
                missing.append(f"{output_format} of run {params['run_id']}: see task export[{index}]")
                continue
            delivered.append(
                {
                    "format": output_format,
                    "task_id": export["task_id"],
                    "status": export["status"],
                    "where": where(export),
                }
            )
        master = ti.xcom_pull(task_ids="export_broadcast_master")
        started = ti.xcom_pull(task_ids="export_broadcast_master", key="alt_format_task_id")
        if master is None:
            missing.append(
                f"broadcast master (mxf) of run {params['broadcast_run_id']}: export {started} did not "
                "finish; see task export_broadcast_master"
            )
        else:
            delivered.append(
                {
                    "format": "mxf",
                    "task_id": master["task_id"],
                    "status": master["status"],
                    "where": where(master),
                }
            )
        return {"run_id": params["run_id"], "delivered": delivered, "missing": missing}

    [exports, broadcast_master] >> report(formats)


camb_export_formats_dag = example_camb_export_formats()
