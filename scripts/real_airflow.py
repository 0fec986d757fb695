"""Real Airflow components in a throwaway AIRFLOW_HOME on 127.0.0.1, for the checks ``dag.test()``
cannot make (it runs triggers in line): a clean environment, each component in its own process
group, the metadata DB read-only, bounded waits, and the grep for secrets.

Used by ``scripts/real_triggerer_check.py`` (``airflow standalone``) and by
``tests/integration/test_triggerer_restart.py`` (one process per component, so that the
triggerer alone can be killed). Standard library only: the script may run under any Python.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")


class RealAirflowError(RuntimeError):
    """A component would not start or died, a command failed, or a bounded wait ran out."""


@dataclass(frozen=True)
class AirflowInstall:
    """The virtualenv whose ``airflow`` runs the components, and its Airflow version."""

    bin_dir: Path
    version: str

    @classmethod
    def of_venv(cls, venv: Path) -> AirflowInstall:
        """The Airflow installed in ``venv`` (asked of its own interpreter)."""
        bin_dir = venv.resolve() / "bin"
        version = subprocess.run(
            [str(bin_dir / "python"), "-c", "import airflow; print(airflow.__version__)"],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout.strip()
        return cls(bin_dir=bin_dir, version=version)

    @classmethod
    def running(cls) -> AirflowInstall:
        """The Airflow of the interpreter running this code (a test's virtualenv)."""
        from importlib.metadata import version

        # Not resolved: a venv's python is a symlink to the base interpreter, whose
        # folder has no airflow.
        return cls(bin_dir=Path(sys.executable).parent, version=version("apache-airflow"))

    @property
    def major(self) -> int:
        """Airflow's major version: 2 and 3 start different components."""
        return int(self.version.split(".")[0])

    @property
    def python(self) -> str:
        """The virtualenv's interpreter."""
        return str(self.bin_dir / "python")


def free_port() -> int:
    """A loopback port free at the time of asking."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def connection_env(emulator_url: str, *, camb_key: str, bv_token: str, bv_org: str) -> dict[str, str]:
    """``camb_default`` and ``blendvision_default`` as ``AIRFLOW_CONN_*`` JSON values, at the emulator."""
    return {
        "AIRFLOW_CONN_CAMB_DEFAULT": json.dumps(
            {"conn_type": "camb", "host": f"{emulator_url}/apis", "password": camb_key}
        ),
        "AIRFLOW_CONN_BLENDVISION_DEFAULT": json.dumps(
            {
                "conn_type": "blendvision",
                "host": emulator_url,
                "password": bv_token,
                "extra": {"org_id": bv_org},
            }
        ),
    }


def clean_env(install: AirflowInstall) -> dict[str, str]:
    """This process's environment without any Airflow setting (a test session has its own
    home and connections), the virtualenv's ``bin`` first on PATH, and this checkout first on
    PYTHONPATH, so the components run this copy of the package whatever the venv holds."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env["PATH"] = f"{install.bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.pop("VIRTUAL_ENV", None)
    return env


def query(db_path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of a read-only query; none while the file or its schema does not exist yet, or is busy."""
    try:
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    except sqlite3.OperationalError:
        return []
    try:
        return db.execute(sql, params).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        db.close()


def grep_secrets(home: Path, secrets: Iterable[str]) -> list[str]:
    """``path: 'secret' xN`` for every file under ``home`` holding one of ``secrets``."""
    hits = []
    wanted = [s.encode() for s in secrets]
    for path in sorted(home.rglob("*")):
        if not path.is_file():
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for secret in wanted:
            count = data.count(secret)
            if count:
                hits.append(f"{path.relative_to(home)}: {secret.decode()!r} x{count}")
    return hits


def processes_with_home(home: Path) -> dict[int, str]:
    """pid -> command line of every process whose environment names ``home`` as AIRFLOW_HOME.

    Each check makes its own home, so this finds the processes it started and nothing else,
    including a child that left its parent's process group (Airflow 3 puts each task
    runner in a group of its own).
    """
    marker = f"AIRFLOW_HOME={home}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone, or not ours to read
            continue
        if marker in environ:
            found[int(entry.name)] = cmdline.strip()
    return found


def _group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs; a zombie does not count (an orphan's
    zombie lasts as long as whoever adopted it does not reap it)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (command) state ppid pgrp ...": the command may hold spaces and parentheses.
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


def _die_with_parent() -> None:
    """In a started child, before it runs: have the kernel SIGKILL it when its parent dies, so
    a check killed outright (a cancelled CI job) leaves no scheduler running. Linux only."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def wait_until(
    condition: Callable[[], T | None],
    timeout_s: float,
    what: str,
    *,
    check: Callable[[], None] | None = None,
    interval_s: float = 0.5,
) -> T:
    """Poll ``condition`` until it returns something truthy, and return that.

    :param check: called before each try; raises when waiting longer is pointless (a
        component died).
    :raises RealAirflowError: when ``timeout_s`` passes first.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        if check is not None:
            check()
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise RealAirflowError(f"{what}: not within {timeout_s:.0f} s")
        time.sleep(interval_s)


@dataclass
class AirflowHome:
    """A throwaway AIRFLOW_HOME, the environment its components run with, and those components.

    A context manager: leaving it stops every component it started (SIGTERM to each process
    group, SIGKILL to what is left), then kills any process still running with this home,
    so nothing outlives a failed or timed-out check.

    :param path: the home (an empty folder); ``dags/`` and the SQLite DB go in it.
    :param install: the Airflow that runs the components.
    :param env: the complete environment of every command (see :meth:`create`).
    :param api_port: the loopback port of the API server (3.x) or web server (2.x).
    :param db_reader: reads the metadata DB when it is not the home's SQLite file (a
        PostgreSQL DB, say): called as ``db_reader(sql, *params)`` with SQLite's ``?``
        placeholders, it returns rows as SQLite would (JSON columns as their text), or none
        while the DB or its schema is not there yet. None: the home's SQLite DB.
    """

    path: Path
    install: AirflowInstall
    env: dict[str, str]
    api_port: int
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    db_reader: Callable[..., list[tuple[Any, ...]]] | None = None

    @classmethod
    def create(
        cls, path: Path, install: AirflowInstall, extra_env: Mapping[str, str] | None = None
    ) -> AirflowHome:
        """A home at ``path`` on SQLite, with a Fernet key (so stored trigger kwargs and
        Variables are encrypted, as in production), no example DAGs, and its servers on a
        free loopback port; ``extra_env`` (connections, tuning) is laid over that."""
        path.mkdir(parents=True, exist_ok=True)
        (path / "dags").mkdir(exist_ok=True)
        port = free_port()
        make_key = "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
        fernet_key = subprocess.run(
            [install.python, "-c", make_key],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout.strip()
        env = {
            **clean_env(install),
            "AIRFLOW_HOME": str(path),
            "AIRFLOW__CORE__DAGS_FOLDER": str(path / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__FERNET_KEY": fernet_key,
            "AIRFLOW__METRICS__TIMER_UNIT_CONSISTENCY": "True",
            "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        }
        if install.major >= 3:
            env.update(
                {
                    "AIRFLOW__API__HOST": "127.0.0.1",
                    "AIRFLOW__API__PORT": str(port),
                    "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
                    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
                }
            )
        else:
            env.update(
                {
                    "AIRFLOW__WEBSERVER__WEB_SERVER_HOST": "127.0.0.1",
                    "AIRFLOW__WEBSERVER__WEB_SERVER_PORT": str(port),
                    "AIRFLOW__WEBSERVER__BASE_URL": f"http://127.0.0.1:{port}",
                }
            )
        env.update(extra_env or {})
        return cls(path=path, install=install, env=env, api_port=port)

    @property
    def db_path(self) -> Path:
        """The SQLite metadata DB."""
        return self.path / "airflow.db"

    def write_dag(self, name: str, source: str) -> Path:
        """Write a DAG file into the home's DAGs folder."""
        target = self.path / "dags" / name
        target.write_text(source)
        return target

    def cli(self, *args: str, timeout_s: float = 180.0) -> str:
        """Run ``airflow ARGS`` to its end (logged to ``cli.log``); its stdout, or raise if it failed."""
        result = subprocess.run(
            [str(self.install.bin_dir / "airflow"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        with (self.path / "cli.log").open("a") as log:
            log.write(f"$ airflow {' '.join(args)} -> {result.returncode}\n{result.stdout}{result.stderr}\n")
        if result.returncode:
            raise RealAirflowError(
                f"airflow {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )
        return result.stdout

    def start(
        self, name: str, *args: str, extra_env: Mapping[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start ``airflow ARGS`` (see :meth:`start_process`)."""
        return self.start_process(name, [str(self.install.bin_dir / "airflow"), *args], extra_env=extra_env)

    def start_process(
        self, name: str, argv: list[str], *, extra_env: Mapping[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start ``argv`` with the home's environment in a new session (its own process
        group, so it can be stopped whole), its output to ``NAME.log`` in the home.

        :param extra_env: laid over the home's environment for this process alone.
        """
        if name in self.processes:
            raise ValueError(f"a process named {name!r} was started already")
        with (self.path / f"{name}.log").open("wb") as log:
            proc = subprocess.Popen(
                argv,
                env={**self.env, **(extra_env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        self.processes[name] = proc
        return proc

    def check_alive(self) -> None:
        """Raise if a started component has exited (its log's tail in the message)."""
        for name, proc in self.processes.items():
            if proc.poll() is not None:
                raise RealAirflowError(f"{name} exited with {proc.returncode}:\n{self.log_tail(name)}")

    def log_tail(self, name: str, chars: int = 3000) -> str:
        """The end of a component's log."""
        path = self.path / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def kill(self, name: str, timeout_s: float = 30.0) -> None:
        """SIGKILL a component's whole process group, as a lost machine would, and wait until
        every process of it is gone; it is no longer watched by :meth:`check_alive`."""
        proc = self.processes.pop(name)
        _signal_group(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout_s)
        wait_until(lambda: not _group_alive(proc.pid), timeout_s, f"{name}'s process group to end")

    def stop_all(self, grace_s: float = 20.0) -> None:
        """SIGTERM every component's group, SIGKILL what is left after ``grace_s``, then kill
        any process still running with this home."""
        procs = list(self.processes.values())
        for proc in procs:
            _signal_group(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline and any(_group_alive(p.pid) for p in procs):
            for proc in procs:
                proc.poll()
            time.sleep(0.3)
        for proc in procs:
            _signal_group(proc.pid, signal.SIGKILL)
            # SIGKILL cannot be ignored; the bound only guards against a hung kernel.
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        self.processes.clear()
        for pid in processes_with_home(self.path):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def __enter__(self) -> AirflowHome:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop_all()

    # Reading the metadata DB.

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of a read-only query of the home's DB (none while it is not there yet)."""
        if self.db_reader is not None:
            return self.db_reader(sql, *params)
        return query(self.db_path, sql, *params)

    def is_dag_parsed(self, dag_id: str) -> bool:
        """Whether the DAG's serialized form is in the DB (what the scheduler runs)."""
        return bool(self.query("SELECT 1 FROM serialized_dag WHERE dag_id = ?", dag_id))

    def running_jobs(self, job_type: str) -> list[int]:
        """Ids of the ``job`` rows of ``job_type`` (e.g. ``TriggererJob``) still marked running."""
        rows = self.query("SELECT id FROM job WHERE job_type = ? AND state = 'running' ORDER BY id", job_type)
        return [row[0] for row in rows]

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, tuple[str | None, int]]:
        """task_id -> (state, try number) of a DAG run."""
        rows = self.query(
            "SELECT task_id, state, try_number FROM task_instance WHERE dag_id = ? AND run_id = ?",
            dag_id,
            run_id,
        )
        return {task_id: (state, tries) for task_id, state, tries in rows}

    def dag_run_state(self, dag_id: str, run_id: str) -> str | None:
        """The DAG run's state, or None before it exists."""
        rows = self.query("SELECT state FROM dag_run WHERE dag_id = ? AND run_id = ?", dag_id, run_id)
        return rows[0][0] if rows else None

    def xcoms(self, dag_id: str, run_id: str) -> dict[tuple[str, str], Any]:
        """(task_id, key) -> the JSON value of every XCom of a DAG run."""
        found = {}
        for task_id, key, value in self.query(
            "SELECT task_id, key, value FROM xcom WHERE dag_id = ? AND run_id = ?", dag_id, run_id
        ):
            text = value.decode() if isinstance(value, bytes) else value
            decoded = json.loads(text) if text else None
            # Some lines store a JSON string holding the JSON text of a dict.
            if isinstance(decoded, str) and decoded.startswith(("{", "[")):
                decoded = json.loads(decoded)
            found[(task_id, key)] = decoded
        return found

    def trigger_owners(self, dag_id: str, run_id: str) -> dict[str, int | None]:
        """task_id -> the id of the triggerer job running its trigger (None: unassigned)."""
        rows = self.query(
            "SELECT ti.task_id, t.triggerer_id FROM task_instance ti JOIN trigger t ON t.id = ti.trigger_id"
            " WHERE ti.dag_id = ? AND ti.run_id = ?",
            dag_id,
            run_id,
        )
        return dict(rows)

    def task_log(self, dag_id: str, run_id: str, task_id: str) -> tuple[str, list[Path]]:
        """Every log file of a task instance (its tries and its triggers' files) and their text."""
        folder = self.path / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
        files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
        return "\n".join(p.read_text(errors="replace") for p in files), files

    def api_is_healthy(self) -> bool:
        """Whether the API server (3.x) or web server (2.x) answers its health check."""
        path = "/api/v2/monitor/health" if self.install.major >= 3 else "/health"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.api_port}{path}", timeout=5) as answer:
                return bool(answer.status == 200)
        except (urllib.error.URLError, OSError):
            return False
