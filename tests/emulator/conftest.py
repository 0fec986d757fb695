"""Fixtures for the emulator's tests: one server per module on 127.0.0.1 port 0, reset before each test.

The credentials are distinctive so a test can prove they never reach a log line.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from airflow_provider_dubbing.emulator.server import EmulatorServer
from airflow_provider_dubbing.emulator.settings import EmulatorSettings

CAMB_KEY = "camb-key-emulator-tests-5f2e9d"
BV_TOKEN = "bv-token-emulator-tests-9a1c4b"
BV_ORG = "org-emulator-tests-77e0"


@pytest.fixture(scope="module")
def settings() -> EmulatorSettings:
    return EmulatorSettings(
        camb_api_key=CAMB_KEY, bv_token=BV_TOKEN, bv_org_id=BV_ORG, pending_polls=2, processing_polls=2
    )


@pytest.fixture(scope="module")
def running_server(settings: EmulatorSettings) -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, settings=settings) as server:
        yield server


@pytest.fixture
def server(running_server: EmulatorServer) -> EmulatorServer:
    """The module's server, with no tasks, jobs, scripts, faults or counts."""
    running_server.reset()
    return running_server


@pytest.fixture(scope="module")
def shared_client(running_server: EmulatorServer) -> Iterator[httpx.Client]:
    # One client per module: building an httpx client (and its SSL context) per test costs more than the test.
    with httpx.Client(base_url=running_server.url, timeout=10.0) as http:
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
