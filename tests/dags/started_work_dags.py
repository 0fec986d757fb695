"""DAGs for the started-work note's home (tests/integration/test_started_work_store.py): an
upgrade on a DAG run whose note an earlier version of the package wrote as a Variable.

``old_version`` plays that earlier version: it creates a BlendVision One job and notes it the
way the package did before the task state store (the Variable key and JSON shape spelled out
here, not taken from the package, so the format stays pinned). ``create_job`` must then
reattach to that job instead of creating a second one.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any

from airflow_provider_dubbing.hooks.blendvision import BlendVisionHook
from airflow_provider_dubbing.operators.blendvision import BlendVisionCreateDubbingJobOperator

try:
    from airflow.sdk import DAG, Variable, task
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[no-redef,attr-defined,unused-ignore]
    from airflow.decorators import task  # type: ignore[no-redef,attr-defined,unused-ignore]
    from airflow.models import Variable  # type: ignore[no-redef,attr-defined,unused-ignore]

BV_SOURCE = "vod-note-001"
FAST = {"poll_interval_s": 0.05, "max_poll_interval_s": 0.2}
OLD_KEY_PREFIX = "airflow_provider_dubbing.started."


def old_variable_key(identity: dict[str, Any]) -> str:
    """The Variable key the package used before the task state store."""
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
    return OLD_KEY_PREFIX + digest[:32]


for mode in ("worker", "deferred"):
    with DAG(
        f"started_old_note_{mode}",
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        default_args={"retries": 0},
    ) as dag:

        @task
        def old_version(ti: Any = None) -> str:
            job = BlendVisionHook().create_dubbing_job("video", BV_SOURCE, "en", "ja")
            identity = {"dag_id": ti.dag_id, "run_id": ti.run_id, "task_id": "create_job", "map_index": -1}
            note = {
                **identity,
                "service": "BlendVision One",
                "object_id": job.id,
                "recorded_at": datetime.now(timezone.utc).isoformat(),
            }
            Variable.set(old_variable_key(identity), json.dumps(note, sort_keys=True))
            return job.id

        old_version() >> BlendVisionCreateDubbingJobOperator(
            task_id="create_job",
            source_type="video",
            source_id=BV_SOURCE,
            source_lang_code="en",
            target_lang_code="ja",
            deferrable=mode == "deferred",
            **FAST,
        )
    globals()[dag.dag_id] = dag
