"""Localise one video with BlendVision One: dub it into several languages at once, then deliver.

The localisation step of a media pipeline. One dubbing job per target language (a mapped
task, so adding a language is a change of parameter, not of code), each waiting in the
triggerer without a worker slot; then each finished job is read back (as a delivery step
would, just before it ships) and the dubbed file ids go into a delivery manifest, the
hand-off to whatever packages, QCs or publishes the audio next.

A job that fails (``DUBBING_STATUS_FAILED``) fails its mapped task with BlendVision's
reasons; its retry creates a new job. A retry after anything else (the service down for
a while, a lost worker) reattaches to the job already created: no language is paid twice.

Connection: ``blendvision_default`` (type ``blendvision``, password = API token, extra
``org_id``). ``make demo`` points it at the bundled emulator.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from airflow_provider_dubbing.operators.blendvision import (
    BlendVisionCreateDubbingJobOperator,
    BlendVisionGetDubbingJobOperator,
)

try:  # Airflow 3
    from airflow.sdk import Param, dag, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task  # type: ignore[no-redef,unused-ignore]
    from airflow.models.param import Param  # type: ignore[no-redef,unused-ignore]

# The first wait between checks. The demo and the tests shorten it; in production keep
# the service's advice (5 s, doubling up to 2 minutes).
FIRST_WAIT_S = float(os.environ.get("DUBBING_EXAMPLE_FIRST_WAIT_S", "5"))
# Where manifests are written; a shared volume or a bucket mount in a real deployment.
DELIVERY_DIR = os.environ.get(
    "DUBBING_EXAMPLE_DELIVERY_DIR", os.path.join(tempfile.gettempdir(), "deliveries")
)


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
    ).expand(target_lang_code=target_languages())

    details = BlendVisionGetDubbingJobOperator.partial(task_id="read_job").expand(
        dubbing_job_id=dubbed.output.map(job_id)
    )

    @task
    def write_manifest(jobs: list[dict[str, Any]], params: dict[str, Any], run_id: str) -> dict[str, Any]:
        """The delivery manifest: which dubbed file holds which language."""
        deliveries = [
            {
                "lang_code": output["lang_code"],
                "file_id": output["id"],
                "dubbing_job_id": job["id"],
                "created_at": job["created_at"],
            }
            for job in jobs
            for output in job["outputs"]
        ]
        manifest = {
            "source_id": params["source_id"],
            "source_lang_code": params["source_lang_code"],
            "deliveries": sorted(deliveries, key=lambda d: d["lang_code"]),
        }
        path = Path(DELIVERY_DIR) / re.sub(r"[^A-Za-z0-9_.-]", "_", run_id) / "manifest.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(manifest, indent=2) + "\n")
        return {"path": str(path), **manifest}

    write_manifest(details.output)


blendvision_localisation_dag = example_blendvision_localisation()
