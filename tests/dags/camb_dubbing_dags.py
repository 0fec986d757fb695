"""DAGs the CAMB.AI dubbing tests run through ``dag.test()``: dub a video and wait (on the
worker and deferred), read the run's result, sense a dub started elsewhere, export a run
whose file is ready at once, and retry a dub after its checks failed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow_provider_dubbing.operators.camb import (
    CambDubOperator,
    CambExportAltFormatOperator,
    CambGetDubbingResultOperator,
)
from airflow_provider_dubbing.sensors.camb import CambDubbingSensor

try:
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[no-redef,attr-defined,unused-ignore]

VIDEO = "https://media.example/trailer.mp4"
LANGUAGES = ["es-ES", "fr-FR", "ja-JP"]
FAST = {"poll_interval_s": 0.05, "max_poll_interval_s": 0.2}
SENSE = {"poke_interval": 0.05, "max_wait": 0.2, "timeout": 60}

# task id -> the exception each failed try ended with, in order
SEEN: dict[str, list[tuple[str, str]]] = {}


def _record(context: Any) -> None:
    error = context.get("exception")
    SEEN.setdefault(context["ti"].task_id, []).append((type(error).__name__, str(error)))


def _dag(dag_id: str, **default_args: Any) -> DAG:
    return DAG(
        dag_id,
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        default_args={
            "retries": 2,
            "retry_delay": timedelta(0),
            "on_failure_callback": _record,
            "on_retry_callback": _record,
            **default_args,
        },
    )


def _run_id(dub: dict[str, Any]) -> Any:
    return dub["run_id"]


class ExportThenLoseTheWorker(CambExportAltFormatOperator):
    """Fails its first try right after the export answered, as a worker lost at that moment would."""

    failed: list[str] = []

    def returned(self, result: dict[str, Any]) -> dict[str, Any]:
        if not self.failed:
            self.failed.append(self.task_id)
            raise RuntimeError("the worker was lost after the export answered")
        return super().returned(result)


for mode in ("worker", "deferred"):
    deferrable = mode == "deferred"

    with _dag(f"camb_dub_{mode}") as dag:
        dubs = CambDubOperator.partial(
            task_id="dub",
            video_url=VIDEO,
            source_language="en-US",
            project_name="{{ dag.dag_id }}",
            deferrable=deferrable,
            max_consecutive_failures=2,
            **FAST,
        ).expand(target_languages=LANGUAGES)
        CambGetDubbingResultOperator.partial(task_id="read_result").expand(run_id=dubs.output.map(_run_id))
    globals()[dag.dag_id] = dag

    with _dag(f"camb_sense_{mode}") as dag:
        CambDubbingSensor(
            task_id="sense",
            dubbing_task_id="dub-started-elsewhere",
            deferrable=deferrable,
            **SENSE,
        )
    globals()[dag.dag_id] = dag

    with _dag(f"camb_ready_export_{mode}") as dag:
        CambExportAltFormatOperator(
            task_id="export",
            run_id=77,
            language="es-ES",
            output_format="wav",
            deferrable=deferrable,
            **FAST,
        )
    globals()[dag.dag_id] = dag

    with _dag(f"camb_dub_retry_{mode}") as dag:
        CambDubOperator(
            task_id="dub",
            video_url=VIDEO,
            source_language="auto",
            target_languages=["es-ES"],
            deferrable=deferrable,
            max_consecutive_failures=2,
            **FAST,
        )
    globals()[dag.dag_id] = dag

with _dag("camb_ready_export_retried") as dag:
    ExportThenLoseTheWorker(task_id="export", run_id=78, language=54, output_format="mp3", **FAST)
globals()[dag.dag_id] = dag

with _dag("camb_dub_unpaid") as dag:
    CambDubOperator(
        task_id="dub", video_url=VIDEO + "?unpaid", source_language=1, target_languages=54, **FAST
    )
globals()[dag.dag_id] = dag

with _dag("camb_dub_bad_input") as dag:
    CambDubOperator(task_id="dub", video_url="{{ '' }}", source_language=1, target_languages=[54])
globals()[dag.dag_id] = dag
