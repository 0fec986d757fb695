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

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider_dubbing._compat import Asset, AssetAlias
from airflow_provider_dubbing.outputs.files import DubbedFile


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
    for alias in aliases:
        for file in files:
            events[alias].add(Asset(file.uri), extra=file.extra())
            added += 1
    for asset in assets:
        events[asset].extra.update(files=[file.extra() for file in files])
    return added
