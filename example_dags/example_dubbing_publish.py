"""Publish each dubbed file as soon as its dub lands: a DAG scheduled on the dubbing DAGs'
asset alias, not on a clock.

The dubs and exports of ``example_camb_dubbing_pipeline`` and the ``read_job`` of
``example_blendvision_localisation`` (which has the download links) list the alias
``dubbed-files`` among their ``outlets``. Each finished one adds one asset event per dubbed
file to it, on that file's own asset (``camb://runs/{run_id}/{language}/video``, ``.../exports/mp4``,
``blendvision://dubbing-jobs/{job_id}/{lang_code}``), with the file's facts as ``extra``:
service, the work that made it (``noun``, ``object_id``), language, format, and its URL
without the query string (``location``). Airflow queues this DAG on each such event, so a
publish (or QC, or subtitling) DAG needs no sensor and no knowledge of the producing DAG.

``publish`` reads the events that triggered the run (``triggering_asset_events`` on Airflow 3,
``triggering_dataset_events`` on 2.10/2.11, where assets are datasets) and writes the
catalog entry of each file, the place a real pipeline would call its CMS or CDN. No
presigned URL travels through the events: a publisher that needs the bytes asks the service
again (or reads the producing DAG's delivery), with the ids in ``extra``.

``make demo`` runs it in Airflow's own scheduler after the producing DAGs ran (``airflow dags
test`` does not schedule): it starts the API server and the scheduler, which turn the queued
events into this DAG's run.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from dubbing_delivery import delivery_dir

try:  # Airflow 3
    from airflow.sdk import AssetAlias, dag, task
except ImportError:  # Airflow 2.10/2.11: the same, named datasets
    from airflow.datasets import DatasetAlias as AssetAlias  # type: ignore[no-redef,attr-defined,unused-ignore]
    from airflow.decorators import dag, task  # type: ignore[no-redef,unused-ignore]

DUBBED_FILES = AssetAlias("dubbed-files")
"""The alias the dubbing DAGs add each dubbed file's asset to."""


def _uri_of(event: Any) -> str | None:
    # Airflow 3's event reference holds ``asset``, Airflow 2's event ``dataset``.
    target = getattr(event, "asset", None) or getattr(event, "dataset", None)
    return getattr(target, "uri", None)


@dag(
    dag_id="example_dubbing_publish",
    schedule=[DUBBED_FILES],
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["example", "dubbing", "assets"],
)
def example_dubbing_publish() -> None:
    @task(multiple_outputs=False)
    def publish(**context: Any) -> dict[str, Any]:
        """One catalog entry per dubbed file whose event triggered this run."""
        triggering = context.get("triggering_asset_events") or context.get("triggering_dataset_events") or {}
        entries = {}
        # Airflow lists an event under its asset and again under the alias it came through.
        for events in triggering.values():
            for event in events:
                key = (_uri_of(event), event.source_dag_id, event.source_run_id, event.timestamp)
                extra = dict(event.extra or {})
                entries[key] = {"asset": key[0], "from_dag": event.source_dag_id, **extra}
        if not entries:
            raise ValueError("no asset event triggered this run: it publishes only what a dubbing DAG made")
        catalog = {"files": sorted(entries.values(), key=lambda e: (str(e["asset"]), str(e.get("location"))))}
        path = delivery_dir(context["dag"].dag_id, str(context["run_id"])) / "catalog.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(catalog, indent=2) + "\n")
        return {"path": str(path), **catalog}

    publish()


dubbing_publish_dag = example_dubbing_publish()
