"""DAGs the CAMB.AI dubbing tests run through ``dag.test()``: dub a video and wait (on the
worker and deferred), read the run's result, sense a dub started elsewhere, export a run
whose file is ready at once, and retry a dub after its checks failed.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_dubbing.operators.camb import (
    CambDubOperator,
    CambExportAltFormatOperator,
    CambGetDubbingResultOperator,
)
from airflow_provider_dubbing.sensors.camb import CambDubbingSensor
from tests.dags.operator_dags import _dag  # one way to record failed tries, shared

VIDEO = "https://media.example/trailer.mp4"
LANGUAGES = ["es-ES", "fr-FR", "ja-JP"]
FAST = {"poll_interval_s": 0.05, "max_poll_interval_s": 0.2}
SENSE = {"poke_interval": 0.05, "max_wait": 0.2, "timeout": 60}


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
