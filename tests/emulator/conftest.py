"""Fixtures for the emulator's tests: the session's emulator (tests/conftest.py), reset before each
test, and a client of it. The credentials are the suite's distinctive ones, so a test can prove they
never reach a log line.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from airflow_provider_dubbing.emulator.server import EmulatorServer
from airflow_provider_dubbing.emulator.settings import EmulatorSettings
from tests.conftest import BV_ORG, BV_TOKEN, CAMB_KEY


@pytest.fixture(scope="module")
def settings() -> EmulatorSettings:
    """The settings of the session's emulator, for tests that start a server of their own."""
    return EmulatorSettings(camb_api_key=CAMB_KEY, bv_token=BV_TOKEN, bv_org_id=BV_ORG)


@pytest.fixture
def server(emulator: EmulatorServer) -> EmulatorServer:
    """The session's server, with no tasks, jobs, scripts, faults or counts."""
    return emulator


@pytest.fixture(scope="module")
def shared_client(emulator_server: EmulatorServer) -> Iterator[httpx.Client]:
    # One client per module: building an httpx client (and its SSL context) per test costs more than the test.
    with httpx.Client(base_url=emulator_server.url, timeout=10.0) as http:
        yield http


@pytest.fixture
def client(server: EmulatorServer, shared_client: httpx.Client) -> httpx.Client:
    """A client of the freshly reset server."""
    return shared_client


@pytest.fixture
def camb_headers() -> dict[str, str]:
    return {"x-api-key": CAMB_KEY}


@pytest.fixture
def bv_headers() -> dict[str, str]:
    return {"authorization": f"Bearer {BV_TOKEN}", "x-bv-org-id": BV_ORG}
