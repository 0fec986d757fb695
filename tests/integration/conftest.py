"""Every integration test runs on the migrated metadata DB (``airflow_db``, tests/conftest.py): most
run ``dag.test()``, look connections up through Airflow or read rows back, and migrating once per
session costs less than finding the few that do not."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope="session")
def _migrated_metadata_db(airflow_db: Path) -> None:
    """Asks for ``airflow_db`` before the first integration test opens anything."""
