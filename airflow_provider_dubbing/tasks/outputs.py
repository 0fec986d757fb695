"""A finished task's dubbed files as asset events (datasets on Airflow 2).

A task's ``outlets`` decide what is emitted, as for any operator:

- each :class:`AssetAlias` (``DatasetAlias`` on 2.10/2.11) in them gets one asset event
  per dubbed file, on that file's own asset (``camb://runs/...``,
  ``blendvision://dubbing-jobs/...``, see :mod:`..outputs.uris`), with the file's facts
  as ``extra``: service, ``noun`` and ``object_id`` (the work that made it), language,
  format, and ``location`` (its URL without the query string, or its name);
- each plain :class:`Asset` in them gets Airflow's one event for the task, and its
  ``extra`` lists the same facts under ``files``.

Nothing is emitted for a task that made no file (it failed, did not wait, or read work
still running): Airflow emits no event for a failed task, and an alias with no event added
emits none. (A plain asset of a task that succeeded without files still gets Airflow's
event, with no ``files``: Airflow 3 has no way to withhold it.)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider_dubbing._compat import AIRFLOW_V_3_0_PLUS, Asset, AssetAlias
from airflow_provider_dubbing.outputs.files import DubbedFile

log = logging.getLogger(__name__)


def emit_asset_events(task: Any, context: Any, files: Sequence[DubbedFile]) -> int:
    """Add ``files`` to the task's outlet aliases, and describe them on its plain outlets;
    returns how many per-file events were added."""
    outlets = getattr(task, "outlets", None) or []
    aliases = [outlet for outlet in outlets if isinstance(outlet, AssetAlias)]
    assets = [outlet for outlet in outlets if isinstance(outlet, Asset)]
    events = context.get("outlet_events") if isinstance(context, Mapping) else None
    if events is None or not files or not (aliases or assets):
        return 0
    added = 0
    for alias in [alias for alias in aliases if _alias_recorded(alias)]:
        for file in files:
            events[alias].add(Asset(file.uri), extra=file.extra())
            added += 1
    for asset in assets:
        events[asset].extra.update(files=[file.extra() for file in files])
    return added


def _alias_recorded(alias: Any) -> bool:
    """Whether Airflow can record events through ``alias``: always on Airflow 3. Airflow 2
    can only once its DAG processor has written the alias to the metadata DB; before that
    (``airflow dags test`` of a DAG never parsed by the scheduler) its task would fail at the
    end with SQLAlchemy's "Can't flush None value found in collection DatasetModel.aliases",
    so the events are left out, with a warning, and the task succeeds."""
    if AIRFLOW_V_3_0_PLUS:
        return True
    from airflow.models.dataset import DatasetAliasModel
    from airflow.utils.session import create_session

    with create_session() as session:
        known = session.query(DatasetAliasModel.id).filter(DatasetAliasModel.name == alias.name).first()
    if known is None:
        log.warning(
            "no dataset events through alias %r: Airflow 2 has not recorded the alias yet (its DAG "
            "processor writes it when it parses the DAG; airflow dags test does not)",
            alias.name,
        )
    return known is not None
