"""Shared test setup: a throwaway AIRFLOW_HOME made before Airflow is imported, its metadata
DB migrated only for the tests that ask (``airflow_db``), the emulator on 127.0.0.1 (port 0),
and a fixture that runs a check through both the sync and the async path of a hook."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Airflow reads its configuration when first imported, so the throwaway home must exist
# before any test module imports a hook. Test modules import this file again as
# ``tests.conftest``; the second import must not make a second home.
if "DUBBING_TEST_AIRFLOW_HOME" not in os.environ:
    os.environ["DUBBING_TEST_AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="dubbing-test-airflow-")
    # Connections come from the tests' own fixtures only. Done once: a test that imports
    # this module again mid-test must not wipe the connections its fixtures set.
    for name in [n for n in os.environ if n.startswith("AIRFLOW_CONN_")]:
        del os.environ[name]
    # Only Airflow's CLI writes airflow.cfg with generated keys, and this process reads its
    # configuration once, at its first import of Airflow: before ``airflow_db`` runs the CLI, if
    # ever. So the keys go in the environment, the same for this process and every Airflow process
    # it starts: the Fernet key (a DB value encrypted by one is read by another) and the JWT secret
    # (dag.test()'s in-process execution API signs each task's token with it).
    os.environ["AIRFLOW__CORE__FERNET_KEY"] = base64.urlsafe_b64encode(os.urandom(32)).decode()
    os.environ["AIRFLOW__API_AUTH__JWT_SECRET"] = base64.b64encode(os.urandom(16)).decode()
_HOME = Path(os.environ["DUBBING_TEST_AIRFLOW_HOME"])
_ROOT = Path(__file__).resolve().parents[1]


def _dags_folder() -> Path:
    # Airflow 3's dag.test() runs only DAGs it finds in the DAGs folder, so the folder
    # holds links to the example DAGs and to the DAG files the tests build on.
    folder = _HOME / "dags"
    folder.mkdir(exist_ok=True)
    for source in [*(_ROOT / "example_dags").glob("*.py"), *(_ROOT / "tests" / "dags").glob("*.py")]:
        link = folder / source.name
        if not link.exists():
            link.symlink_to(source)
    return folder


os.environ.update(
    {
        "AIRFLOW_HOME": str(_HOME),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(_dags_folder()),
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__METRICS__TIMER_UNIT_CONSISTENCY": "True",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
    }
)
# The OpenLineage provider is installed for the lineage tests, which call its extractors
# themselves (or enable it in a child process); its listener stays off, whatever the
# environment's OPENLINEAGE_URL or transport says, so no test emits events anywhere.
os.environ.setdefault("AIRFLOW__OPENLINEAGE__DISABLED", "True")


def _airflow_line() -> tuple[int, int]:
    from importlib.metadata import version

    from packaging.version import Version

    release = Version(version("apache-airflow")).release
    return release[0], release[1]


AIRFLOW_LINE = _airflow_line()
# dag.test() on Airflow 3.0 and 3.1 runs failure callbacks without context["exception"] (only the
# worker's main() sets it there); tests then prove the outcome by state and tries alone.
NO_EXCEPTION_IN_CALLBACKS = (3, 0) <= AIRFLOW_LINE < (3, 2)
needs_dag_test = pytest.mark.skipif(
    AIRFLOW_LINE == (3, 2),
    # Seen on every run with 3.2.2: dag.test() starts its in-process execution API without
    # waiting for it to be ready, so each task fails before reaching provider code.
    reason="Airflow 3.2's dag.test() fails tasks before they run ('State' object has no attribute "
    "'svcs_registry'); 3.3 does not",
)

SAMPLES = Path(__file__).parent / "samples"
CAMB_KEY = "camb-test-key-7d1f3a9b5c"
BV_TOKEN = "bv-test-token-4e8a2c6d0f"
BV_ORG = "org-test-91b3"


def copy_metadata_db(source_home: Path, target_home: Path) -> Path:
    """A consistent copy of ``source_home``'s SQLite DB in ``target_home``, made through SQLite.

    Never copy the file with ``shutil``: opening and closing it outside SQLite drops every POSIX
    lock this process holds on it, so the next Airflow process to close the DB believes it was
    the last, checkpoints and deletes the WAL and its index under this process's open
    connections, and every later read here fails with "disk I/O error".
    """
    import sqlite3

    target = target_home / "airflow.db"
    with (
        contextlib.closing(sqlite3.connect(source_home / "airflow.db")) as source,
        contextlib.closing(sqlite3.connect(target)) as copy,
    ):
        source.backup(copy)
    return target


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_HOME, ignore_errors=True)


def sample(name: str) -> Any:
    """A JSON sample written from the API reference pages."""
    return json.loads((SAMPLES / name).read_text())


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Any]:
    from airflow_provider_dubbing.emulator.server import EmulatorServer
    from airflow_provider_dubbing.emulator.settings import EmulatorSettings

    settings = EmulatorSettings(camb_api_key=CAMB_KEY, bv_token=BV_TOKEN, bv_org_id=BV_ORG)
    with EmulatorServer(port=0, settings=settings) as server:
        yield server


@pytest.fixture
def emulator(emulator_server: Any) -> Any:
    """The session's emulator, reset to a clean state for this test."""
    emulator_server.reset()
    return emulator_server


def connection_uri_env(
    conn_type: str, host: str, password: str | None, extra: dict[str, Any] | None = None
) -> str:
    """An ``AIRFLOW_CONN_*`` value in Airflow's JSON form."""
    value: dict[str, Any] = {"conn_type": conn_type, "host": host}
    if password is not None:
        value["password"] = password
    if extra:
        value["extra"] = extra
    return json.dumps(value)


@pytest.fixture
def connections(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``camb_default`` and ``blendvision_default`` pointing at the emulator, by env var."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_CAMB_DEFAULT", connection_uri_env("camb", emulator.camb_base_url, CAMB_KEY)
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_BLENDVISION_DEFAULT",
        connection_uri_env("blendvision", emulator.blendvision_base_url, BV_TOKEN, {"org_id": BV_ORG}),
    )
    return emulator


@pytest.fixture(params=["sync", "async"])
def via(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """Run a hook method through the sync path or its ``a``-prefixed async twin.

    ``via(hook, "get_dubbing_job", "id")`` calls ``hook.get_dubbing_job("id")`` or
    ``asyncio.run(hook.aget_dubbing_job("id"))``, so one test proves both twins.
    """
    mode = request.param

    def call(target: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        if mode == "sync":
            return getattr(target, method)(*args, **kwargs)
        coroutine: Callable[..., Awaitable[Any]] = getattr(target, "a" + method)
        return asyncio.run(coroutine(*args, **kwargs))

    call.mode = mode  # type: ignore[attr-defined]
    return call


@pytest.fixture
def log_lines(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], list[str]]]:
    """Every log line written during the test, whether through logging or structlog.

    Airflow 3's task and trigger loggers are structlog loggers that caplog cannot see.
    """
    import contextlib
    import logging

    caplog.set_level(logging.DEBUG)
    try:
        from structlog.testing import capture_logs
    except ImportError:  # Airflow 2 logs through logging alone
        capture: Any = contextlib.nullcontext([])
    else:
        capture = capture_logs()
    with capture as captured:

        def lines() -> list[str]:
            structured = [
                str(e.get("event", "")) % tuple(e["positional_args"])
                if e.get("positional_args")
                else str(e.get("event", ""))
                for e in captured
            ]
            return [r.getMessage() for r in caplog.records] + structured

        yield lines


def task_rows(dag_run: Any) -> dict[str, tuple[str, int, Any]]:
    """Task id -> (state, try number, return value) of a finished DAG run, from the metadata DB."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(_HOME / "airflow.db")) as db:
        return _task_rows(db, dag_run)


def _task_rows(db: Any, dag_run: Any) -> dict[str, tuple[str, int, Any]]:
    rows = db.execute(
        "SELECT task_id, state, try_number FROM task_instance WHERE dag_id = ? AND run_id = ?",
        (dag_run.dag_id, dag_run.run_id),
    ).fetchall()
    values = {
        task_id: json.loads(value.decode() if isinstance(value, bytes) else value)
        for task_id, value in db.execute(
            "SELECT task_id, value FROM xcom WHERE dag_id = ? AND run_id = ? AND key = 'return_value'",
            (dag_run.dag_id, dag_run.run_id),
        ).fetchall()
    }
    return {task_id: (state, tries, values.get(task_id)) for task_id, state, tries in rows}


def stored_trigger_kwargs() -> list[str]:
    """The kwargs of every trigger row Airflow stored, decrypted (the column is Fernet-encrypted
    with the session's key, ``AIRFLOW__CORE__FERNET_KEY`` above), as JSON text."""
    from airflow.models.trigger import Trigger
    from airflow.utils.session import create_session

    with create_session() as session:
        return [json.dumps(row.kwargs, default=str) for row in session.query(Trigger).all()]


def dead_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_METADATA_DB = _HOME / "airflow.db"
_migrated = False
_db_seen = False


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """The throwaway AIRFLOW_HOME, its metadata DB (SQLite, ``airflow.db``) migrated.

    Migrated when a test first asks (a few seconds), so a session that never needs it never pays:
    every test in tests/integration asks (its conftest), tests marked ``airflow`` ask, and any
    test that runs ``dag.test()``, reads Variables or reads rows back must ask.
    """
    global _migrated
    # Migrate before any test opens the SQLite file in-process: a connection opened earlier keeps
    # seeing the empty database the migration replaced. pytest_runtest_teardown below fails a test
    # that opened it without asking.
    _migrated = True
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
        timeout=300,
    )
    return _HOME


@pytest.fixture(autouse=True)
def _metadata_db_when_marked(request: pytest.FixtureRequest) -> None:
    """A test marked ``airflow`` runs on the migrated metadata DB."""
    if request.node.get_closest_marker("airflow") is not None:
        request.getfixturevalue("airflow_db")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    # After the test's own teardown; once the DB file exists there is nothing more to watch.
    global _db_seen
    yield
    if not _db_seen and _METADATA_DB.exists():
        _db_seen = True
        if not _migrated:
            pytest.fail(
                f"{item.nodeid} opened the metadata DB before it was migrated: give it the "
                "airflow_db fixture (or the airflow marker), or a test after it may see an empty "
                "database",
                pytrace=False,
            )
