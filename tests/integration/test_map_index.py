"""A mapped dubbing task shows what it makes (``ja``, ``es-ES mp4``, an id), not ``[0]``.

The labels are read back from the metadata DB (``task_instance.rendered_map_index``) after a
``dag.test()`` run against the emulator; the choice of template is also checked directly.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_dubbing._compat import AIRFLOW_V_3_0_PLUS
from airflow_provider_dubbing.operators.blendvision import (
    BlendVisionCreateDubbingJobOperator,
    BlendVisionGetDownloadLinksOperator,
)
from airflow_provider_dubbing.operators.camb import CambDubOperator, CambExportAltFormatOperator
from airflow_provider_dubbing.sensors.camb import CambDubbingSensor
from airflow_provider_dubbing.tasks.base import MAP_INDEX_TEMPLATE
from tests.conftest import needs_dag_test
from tests.dags import map_index_dags as dags


@dataclass
class FakeTI:
    map_index: int


def test_each_task_labels_itself_from_its_rendered_fields() -> None:
    dub = CambDubOperator(
        task_id="d", video_url="https://v.example/a.mp4", source_language=1, target_languages=["ja", 4]
    )
    assert dub.map_index_label == "ja 4"
    assert (
        CambDubOperator(task_id="d", video_url="x", source_language=1, target_languages="fr").map_index_label
        == "fr"
    )
    export = CambExportAltFormatOperator(task_id="e", run_id=1, language="es-ES", output_format="mp4")
    assert export.map_index_label == "es-ES mp4"
    job = BlendVisionCreateDubbingJobOperator(
        task_id="j", source_type="video", source_id="s", source_lang_code="en", target_lang_code="ko"
    )
    assert job.map_index_label == "ko"
    assert (
        BlendVisionGetDownloadLinksOperator(task_id="l", file_ids=["f-1", "f-2"]).map_index_label == "f-1 f-2"
    )
    assert CambDubbingSensor(task_id="s", dubbing_task_id="dub-9").map_index_label == "dub-9"
    # Airflow keeps 250 characters of a rendered map index.
    many = BlendVisionGetDownloadLinksOperator(task_id="l", file_ids=[f"file-{n:04d}" for n in range(100)])
    assert len(many.map_index_label) == 250


@pytest.mark.parametrize(
    ("map_index", "own", "expected"),
    [
        (0, None, MAP_INDEX_TEMPLATE),
        (0, "{{ task.run_id }}", "{{ task.run_id }}"),  # the DAG author's own template wins
        (-1, None, None),  # an unmapped task keeps no label
    ],
)
def test_the_default_template_fills_only_an_empty_one_of_a_mapped_task(
    map_index: int, own: str | None, expected: str | None
) -> None:
    if not AIRFLOW_V_3_0_PLUS and own is None:
        expected = None  # Airflow 2 would warn on every render: no default there
    export = CambExportAltFormatOperator(task_id="e", run_id=1, language="es-ES", output_format="mp4")
    context: dict[str, Any] = {"ti": FakeTI(map_index), "map_index_template": own}
    export.label_map_index(context)
    assert context["map_index_template"] == expected


def rows(home: Path, dag_run: Any) -> dict[tuple[str, int], tuple[str, str | None, Any]]:
    """(task id, map index) -> state, rendered map index and return value."""
    with contextlib.closing(sqlite3.connect(home / "airflow.db")) as db:
        values = {
            (task_id, map_index): json.loads(value.decode() if isinstance(value, bytes) else value)
            for task_id, map_index, value in db.execute(
                "SELECT task_id, map_index, value FROM xcom"
                " WHERE dag_id = ? AND run_id = ? AND key = 'return_value'",
                (dag_run.dag_id, dag_run.run_id),
            )
        }
        return {
            (task_id, map_index): (state, rendered, values.get((task_id, map_index)))
            for task_id, map_index, state, rendered in db.execute(
                "SELECT task_id, map_index, state, rendered_map_index FROM task_instance"
                " WHERE dag_id = ? AND run_id = ?",
                (dag_run.dag_id, dag_run.run_id),
            )
        }


@needs_dag_test
@pytest.mark.airflow
@pytest.mark.timeout(300)
# Airflow 2 renders any map_index_template with dict(context), which warns once per deprecated
# context key ('conf', 'execution_date', ...): Airflow's own warnings, a user's template too.
@pytest.mark.filterwarnings("ignore:Accessing '.*' from the template is deprecated")
def test_mapped_tasks_show_their_languages_formats_and_ids(airflow_db: Path, connections: Any) -> None:
    connections.script_blendvision_source(dags.SOURCE, processing_polls=1)
    connections.script_camb_run(dags.CAMB_RUN, pending_polls=1)
    connections.script_camb_video(dags.VIDEO, pending_polls=1)
    found = rows(airflow_db, dags.map_index_labels.test())
    assert {state for state, _, _ in found.values()} == {"success"}, found

    def labels(task_id: str) -> list[str | None]:
        return [rendered for (task, _), (_, rendered, _) in sorted(found.items()) if task == task_id]

    jobs = [found[("create_jobs", i)][2] for i in range(len(dags.LANGUAGES))]
    assert labels("own_template") == ["format wav"]  # a DAG author's own template, on every line
    assert labels("unmapped") == [None]
    if not AIRFLOW_V_3_0_PLUS:
        # Airflow 2 warns once per deprecated context key on each render: no default labels there.
        assert {rendered for (task, _), (_, rendered, _) in found.items() if task != "own_template"} == {None}
        return
    assert labels("create_jobs") == dags.LANGUAGES  # deferred: labelled when it resumed
    assert labels("sense_jobs") == [job["id"] for job in jobs]
    assert labels("links") == [job["outputs"][0]["id"] for job in jobs]
    assert labels("exports") == [f"es-ES {fmt}" for fmt in dags.FORMATS]
    assert labels("dubs") == ["ja", "fr-FR de-DE"]
