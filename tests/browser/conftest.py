"""Fixtures for the browser tests: the installed Airflow's real web server on 127.0.0.1 in a
throwaway home, and headless Chromium (Debian's ``chromium`` package) driven by Playwright.

``make browser-test`` installs both and runs these tests on each Airflow line; the plain
``make pytest`` deselects them (``-m "not browser"``). Without Chromium or Playwright they skip
on a developer's machine, and fail under CI (``CI=true``), so CI can never pass by skipping.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output" / "browser"
CHROMIUM = os.environ.get("DUBBING_CHROMIUM", "/usr/bin/chromium")
# Without these, Chromium's own background connections fail noisily on a machine with no internet.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_DEADLINE_S = 180.0


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}; CI must run the browser test (make browser-test installs it)")
    pytest.skip(f"{reason} (make browser-test installs it)")


@dataclass(frozen=True)
class AirflowUI:
    version: str
    major: int
    base_url: str
    home: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _airflow(*args: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "airflow", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]


@pytest.fixture(scope="session")
def browser_available() -> None:
    """Chromium and Playwright are here: checked before any server is started."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"no Chromium at {CHROMIUM}")
    if importlib.util.find_spec("playwright") is None:
        _unavailable("the playwright package is not installed in this environment")


@pytest.fixture(scope="session")
def airflow_ui(browser_available: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowUI]:
    """The installed Airflow's UI server on a free port of 127.0.0.1, anyone logged in as admin.

    3.x: ``airflow api-server`` with the Simple auth manager's ``all_admins`` switch.
    2.x: ``airflow webserver`` (Flask-AppBuilder) with the public role set to Admin.
    """
    version = importlib.metadata.version("apache-airflow")
    major = int(version.split(".")[0])
    home = tmp_path_factory.mktemp(f"airflow-{version}-ui-home")
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AIRFLOW__", "AIRFLOW_CONN_")) and k != "AIRFLOW_HOME"
    }
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            # gunicorn (2.x) keeps a control socket under $HOME; keep it out of the real one.
            "HOME": str(home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__METRICS__TIMER_UNIT_CONSISTENCY": "True",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
    )
    if major >= 3:
        env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] = "True"
        command = ["api-server", "--host", "127.0.0.1", "--port", str(port)]
        health = "/api/v2/monitor/health"
    else:
        (home / "webserver_config.py").write_text(
            "from flask_appbuilder.const import AUTH_DB\n"
            "AUTH_TYPE = AUTH_DB\n"
            "# Throwaway test server: every visitor is an admin, so no login page.\n"
            'AUTH_ROLE_PUBLIC = "Admin"\n'
        )
        command = ["webserver", "--hostname", "127.0.0.1", "--port", str(port), "--workers", "1"]
        health = "/health"
    _airflow("db", "migrate", env=env)

    log_path = home / "server.log"
    base_url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        # Its own session, so teardown can stop the server and its workers as one group.
        server = subprocess.Popen(
            [sys.executable, "-m", "airflow", *command],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"airflow {command[0]} exited {server.returncode}:\n{_tail(log_path)}")
            try:
                if httpx.get(base_url + health, timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"airflow {command[0]} not healthy in {STARTUP_DEADLINE_S} s:\n{_tail(log_path)}")
            time.sleep(0.5)
        yield AirflowUI(version=version, major=major, base_url=base_url, home=home)
    finally:
        _stop(server)


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-4000:]


def _stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server, which stops its own workers, then SIGKILL to whatever is left of
    the process group it started in."""
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def browser_context(airflow_ui: AirflowUI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium with a fresh profile, driven by Playwright.

    It depends on ``airflow_ui`` so that it closes first: a browser still holding keep-alive
    connections makes Airflow 2's gunicorn wait out its 30 s graceful timeout on shutdown.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 1100},
        )
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_context: Any) -> Iterator[Any]:
    page = browser_context.new_page()
    try:
        yield page
    finally:
        page.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
