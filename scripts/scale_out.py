"""The scale-out proof: a real CeleryExecutor deployment on this machine, 200 deferred waits of
both services against the emulator with faults on, and one of two triggerers SIGKILLed mid-run.

What it starts, each in its own process group, all on 127.0.0.1, all stopped at the end
whatever happens (Ctrl-C too): Debian's ``redis-server`` (the Celery broker) and PostgreSQL
(the metadata DB and the Celery result backend), each on its own port and in its own folder;
the emulator in this process (so the creates of each task can be counted in its memory),
faulting 30% of status checks as ``make soak`` does; and Airflow's API server, scheduler, DAG
processor, two ``airflow celery worker`` processes and two triggerers in a throwaway
AIRFLOW_HOME (``scripts/real_airflow.py``).

Why PostgreSQL: Airflow 3.3.2 no longer refuses SQLite with the CeleryExecutor (2.x's
``validate_database_executor_compatibility`` is gone), but two triggerers share out triggers
with ``SELECT ... FOR UPDATE SKIP LOCKED``, which SQLite lacks, and Airflow supports SQLite for
development only. A scale-out proof runs on what a deployment runs on.

The waits: one DAG run of one DAG holding 200 tasks, not mapped, because a mapped sensor
always starts on a worker (Airflow reads ``start_from_trigger`` from the class), and the
sensors start both ways as ``make soak``'s do. Most are sensors on the soak's mix
(``soak/mix.py``: every kind, both starts; a wait refused at its first check starts in the
triggerer, so that it too defers), the rest create operators of both services; one pool per
connection, counting deferred tasks. The triggerers start only once every task has deferred,
so every trigger starts polling together; once both triggerers run triggers and every
trigger has been polled, the first triggerer is SIGKILLed. Every wait is
then judged as the soak judges it (``soak/expect.py``), from the task's state, XCom and log.

    python scripts/scale_out.py [--waits 200] [--creates 40] [--keep]

Prints its figures and writes them as JSON to ``test-output/scale-out/``. Exits 1 if a wait
ended otherwise than scripted or a create task created other than exactly once (or a key or
token was written under the home); 2 if a component died or a bounded wait ran out (a task
ending before any triggerer ran, an orphaned trigger never polling again, the run not ending).
Needs the packages of ``requirements/scale-out.txt`` (``make scale-out`` installs them) and
Debian's ``redis-server`` and ``postgresql``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import glob
import json
import logging
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.server import BV_ORG, BV_TOKEN, CAMB_KEY  # noqa: E402
from scripts.real_airflow import (  # noqa: E402
    AirflowHome,
    AirflowInstall,
    RealAirflowError,
    free_port,
    grep_secrets,
    processes_with_home,
    wait_until,
)
from soak.expect import RETURNED, Outcome, expected_outcome, returned  # noqa: E402
from soak.mix import API, BLENDVISION, CAMB, CAMB_DUB, TRIGGERER, Case, make_mix  # noqa: E402
from soak.run import SoakConfig, admin, connections, script_cases  # noqa: E402

DAG_ID = "dubbing_scale_out"
SPEC_FILE = "scale_out_waits.json"
OUT = ROOT / "test-output" / "scale-out"
# The triggerer heartbeats every second and is thought dead after this many seconds without one
# (Airflow's default is 30): then its triggers move to the other triggerer.
HEALTH_CHECK_THRESHOLD_S = 10
STARTUP_TIMEOUT_S = 300.0
DEFER_TIMEOUT_S = 1500.0
SPREAD_TIMEOUT_S = 300.0
RESUME_TIMEOUT_S = 300.0
RUN_TIMEOUT_S = 1500.0
# Every object answers at least this many more PENDING/PROCESSING answers than its soak script
# says, so every wait is still running when the triggerer is killed (a script advances one
# answer per check, never with the clock, so the kill cannot use the answers up).
EXTRA_PENDING = 12
EXPORT_RUN_IDS = 700_000
# After the kill, how long past the emulator's slow answer (which serves, and counts, a check
# the dead triggerer sent just before dying) the polls are read as the orphans' starting point;
# far shorter than the health-check threshold, before which no orphan can move.
KILL_SETTLE_MARGIN_S = 1.0
ENDED = ("success", "failed", "skipped", "upstream_failed", "removed")

SENSOR_CLASS = {
    CAMB: "CambAltFormatSensor",
    CAMB_DUB: "CambDubbingSensor",
    BLENDVISION: "BlendVisionDubbingJobSensor",
}
SENSOR_ID_ARG = {CAMB: "alt_format_task_id", CAMB_DUB: "dubbing_task_id", BLENDVISION: "dubbing_job_id"}
CONN_ARG = {CAMB: "camb_conn_id", BLENDVISION: "blendvision_conn_id"}
CREATE_CLASS = {CAMB: "CambExportAltFormatOperator", BLENDVISION: "BlendVisionCreateDubbingJobOperator"}
# The XCom a create operator pushes the new object's id under.
CREATE_ID_KEY = {CAMB: "alt_format_task_id", BLENDVISION: "dubbing_job_id"}

HOSTNAME_MODULE = '''"""Written by scripts/scale_out.py: names a component by its environment."""
import os


def hostname():
    return os.environ["SCALE_OUT_COMPONENT"]
'''

DAG_SOURCE = '''
"""Written by scripts/scale_out.py: one task per wait of {spec}, none mapped."""
import json
from datetime import datetime, timedelta
from pathlib import Path

from airflow.sdk import DAG

from airflow_provider_dubbing.operators.blendvision import BlendVisionCreateDubbingJobOperator
from airflow_provider_dubbing.operators.camb import CambExportAltFormatOperator
from airflow_provider_dubbing.sensors.blendvision import BlendVisionDubbingJobSensor
from airflow_provider_dubbing.sensors.camb import CambAltFormatSensor, CambDubbingSensor

CLASSES = {{
    cls.__name__: cls
    for cls in (
        BlendVisionCreateDubbingJobOperator,
        CambExportAltFormatOperator,
        BlendVisionDubbingJobSensor,
        CambAltFormatSensor,
        CambDubbingSensor,
    )
}}
TASKS = json.loads((Path(__file__).parent / "{spec}").read_text())

with DAG(
    dag_id="{dag_id}",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,
    max_active_tasks=1000,
    # A wait that broke and was retried would end in try 2 or 3; each must end in try 1.
    default_args={{"retries": 2, "retry_delay": timedelta(seconds=5)}},
):
    for task in TASKS:
        CLASSES[task["class"]](task_id=task["task_id"], pool=task["pool"], **task["kwargs"])
'''


@dataclass
class Wait:
    """One task of the DAG: what it waits on and how it must end.

    :param case: the soak case of a sensor; None for a create operator.
    :param service: ``camb``, ``camb_dub`` or ``blendvision``.
    :param key: the scripted object (a sensor's id), run (a CAMB.AI export) or source (a job).
    :param script: the emulator's admin body for that object, run or source.
    """

    task_id: str
    service: str
    conn_id: str
    key: str
    script: dict[str, Any] | None
    case: Case | None = None
    object_id: str | None = None
    state: str | None = None
    tries: int = 0
    expected: Outcome | None = None
    got: Outcome | None = None
    judged: str = ""
    polls_at_kill: int = 0
    owner_at_kill: int | None = None
    moved_after_s: float | None = None
    first_poll_after_s: float | None = None

    @property
    def is_create(self) -> bool:
        return self.case is None

    @property
    def answers_to_outcome(self) -> int:
        """How many answers the emulator gives before and including the final one (0: none)."""
        if self.case is not None:
            return self.case.answers_to_outcome
        assert self.script is not None
        if self.service == CAMB:
            return int(self.script["pending_polls"]) + 1
        return 1 + int(self.script["processing_polls"]) + 1


@dataclass
class Figures:
    """What was seen, in seconds of ``time.monotonic()``, and what was counted."""

    started: float = 0.0
    components_up: float = 0.0
    triggered: float = 0.0
    all_deferred: float = 0.0
    triggerers_started: float = 0.0
    spread: float = 0.0
    killed: float = 0.0
    all_resumed: float = 0.0
    ended: float = 0.0
    run_state: str | None = None
    jobs: dict[str, int] = field(default_factory=dict)
    owned_at_kill: dict[str, int] = field(default_factory=dict)
    answered_after_kill: int = 0
    settle_s: float = 0.0
    groups: dict[str, dict[str, float]] = field(default_factory=dict)
    pool_peaks: dict[str, dict[str, int]] = field(default_factory=dict)
    creates: dict[str, int] = field(default_factory=dict)
    emulator: dict[str, Any] = field(default_factory=dict)
    trigger_runs: dict[str, int] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)


# Services: PostgreSQL and Redis, in the home's process table so they stop with it.


def _as_service_user(argv: list[str]) -> list[str]:
    """``argv`` as run by the ``postgres`` account when this runs as root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return argv
    return [
        "setpriv",
        "--reuid=postgres",
        "--regid=postgres",
        "--init-groups",
        "--pdeathsig=KILL",
        "--",
        *argv,
    ]


def _pg_bin(name: str) -> str:
    """A PostgreSQL server program (Debian keeps them out of PATH, under the major version)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path is None:
        raise RealAirflowError(f"{name} not found: install Debian's postgresql")
    return on_path


def start_postgres(home: AirflowHome, folder: Path, port: int) -> None:
    """A fresh PostgreSQL cluster in ``folder`` on 127.0.0.1:``port``, trust auth, database ``airflow``.

    Durability is off (``fsync``, ``synchronous_commit``): the DB lives as long as the run.
    """
    data, sockets = folder / "data", folder / "sockets"
    for path in (folder, sockets):
        path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        shutil.chown(sockets, "postgres", "postgres")
    subprocess.run(
        _as_service_user(
            [_pg_bin("initdb"), "-D", str(data), "-U", "airflow", "--auth=trust", "-E", "UTF8", "--no-sync"]
        ),
        check=True,
        capture_output=True,
        timeout=120,
    )
    settings = {
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(sockets),
        "max_connections": "400",
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
    }
    argv = [_pg_bin("postgres"), "-D", str(data), "-p", str(port)]
    for name, value in settings.items():
        argv += ["-c", f"{name}={value}"]
    home.start_process("postgres", _as_service_user(argv))

    def ready() -> bool:
        probe = [_pg_bin("pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)]
        return subprocess.run(probe, timeout=10, check=False).returncode == 0

    wait_until(ready, 60, "PostgreSQL to accept connections", check=home.check_alive)
    subprocess.run(
        [
            "psql",
            "-q",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "airflow",
            "-d",
            "postgres",
            "-c",
            "CREATE DATABASE airflow",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )


def start_redis(home: AirflowHome, folder: Path, port: int) -> None:
    """Redis on 127.0.0.1:``port``, nothing saved to disk."""
    folder.mkdir(parents=True, exist_ok=True)
    redis = shutil.which("redis-server") or "/usr/bin/redis-server"
    argv = [redis, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder)]
    argv += ["--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes"]
    home.start_process("redis", argv)

    def ready() -> bool:
        probe = ["redis-cli", "-h", "127.0.0.1", "-p", str(port), "ping"]
        answer = subprocess.run(probe, timeout=10, check=False, capture_output=True, text=True)
        return answer.stdout.strip() == "PONG"

    wait_until(ready, 30, "Redis to answer", check=home.check_alive)


def stop_postgres_fast(home: AirflowHome) -> None:
    """Ask PostgreSQL for a fast shutdown (it ends every session and exits)."""
    proc = home.processes.get("postgres")
    if proc is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)


class PostgresReader:
    """Read-only queries of the metadata DB for :class:`AirflowHome`, rows as SQLite gives them."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.conn: Any = None
        self.lock = threading.Lock()

    def __call__(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        import psycopg2
        import psycopg2.extras

        with self.lock:
            try:
                if self.conn is None:
                    self.conn = psycopg2.connect(self.dsn, connect_timeout=10)
                    self.conn.autocommit = True
                    # JSON columns as their text, as SQLite stores them (AirflowHome.xcoms decodes it).
                    psycopg2.extras.register_default_json(self.conn, loads=lambda text: text)
                    psycopg2.extras.register_default_jsonb(self.conn, loads=lambda text: text)
                with self.conn.cursor() as cursor:
                    cursor.execute(sql.replace("%", "%%").replace("?", "%s"), params)
                    return list(cursor.fetchall())
            except psycopg2.Error:
                self.close()
                return []

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()
            self.conn = None


# CPU and memory of each component, read from /proc by process group.

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def group_usage() -> dict[int, tuple[float, int]]:
    """pgid -> (CPU seconds of its live processes and the children they reaped, RSS bytes)."""
    usage: dict[int, tuple[float, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat_file:
                stat = stat_file.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        pgid = int(fields[2])
        cpu = sum(int(v) for v in fields[11:15]) / _CLOCK_TICKS
        rss = int(fields[21]) * _PAGE
        old_cpu, old_rss = usage.get(pgid, (0.0, 0))
        usage[pgid] = (old_cpu + cpu, old_rss + rss)
    return usage


class Sampler(threading.Thread):
    """Every second: each component's CPU and RSS, and each pool's busiest moment."""

    def __init__(self, home: AirflowHome, figures: Figures) -> None:
        super().__init__(name="scale-out-sampler", daemon=True)
        self.home = home
        self.figures = figures
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(1.0):
            self.sample()

    def sample(self) -> None:
        # A component started or killed meanwhile.
        with contextlib.suppress(RuntimeError, OSError, ValueError):
            self._sample()

    def _sample(self) -> None:
        usage = group_usage()
        for name, proc in list(self.home.processes.items()):
            cpu, rss = usage.get(proc.pid, (0.0, 0))
            if not rss:
                continue  # gone: keep the last figures it had
            seen = self.figures.groups.setdefault(name, {"cpu_s": 0.0, "peak_rss_mb": 0.0, "rss_mb": 0.0})
            seen["cpu_s"] = max(seen["cpu_s"], cpu)
            seen["rss_mb"] = rss / 2**20
            seen["peak_rss_mb"] = max(seen["peak_rss_mb"], rss / 2**20)
        rows = self.home.query(
            "SELECT pool, state, count(*) FROM task_instance WHERE dag_id = ? GROUP BY pool, state", DAG_ID
        )
        busy: Counter[str] = Counter()
        deferred: Counter[str] = Counter()
        for pool, state, count in rows:
            if state in ("queued", "running", "deferred"):
                busy[pool] += count
            if state == "deferred":
                deferred[pool] += count
        for pool in busy:
            peak = self.figures.pool_peaks.setdefault(pool, {"occupied": 0, "deferred": 0})
            peak["occupied"] = max(peak["occupied"], busy[pool])
            peak["deferred"] = max(peak["deferred"], deferred[pool])


# The waits and their DAG.


def make_waits(waits: int, creates: int, seed: int, config: SoakConfig) -> list[Wait]:
    """``waits`` tasks: ``waits - creates`` sensors on the soak's mix, the rest create
    operators (half of each service, one in four scripted to fail)."""
    found = []
    for case in make_mix(waits - creates, seed, config.max_pending):
        script = case.script
        if script is not None:
            key = "pending_polls" if API[case.service] == CAMB else "processing_polls"
            script = {**script, key: int(script[key]) + EXTRA_PENDING}
        if script is None or not case.credentials_valid:
            # Ends at its first check: started in the triggerer, so that every wait defers.
            case = dataclasses.replace(case, start=TRIGGERER)
        case = dataclasses.replace(case, script=script)
        task_id = re.sub(r"[^a-zA-Z0-9_.-]", "_", case.object_id)
        found.append(Wait(task_id, case.service, case.conn_id, case.object_id, script, case=case))
    for index in range(creates):
        service = CAMB if index % 2 == 0 else BLENDVISION
        fails = index % 4 >= 2
        pending = EXTRA_PENDING + index % (config.max_pending + 1)
        if service == CAMB:
            key = str(EXPORT_RUN_IDS + index)
            script: dict[str, Any] = {"pending_polls": pending, "outcome": "ERROR" if fails else "SUCCESS"}
            if fails:
                script["exception_reason"] = f"Export {index} failed: no audio track"
        else:
            key = f"scale-{seed}-{index}-source"
            script = {"processing_polls": pending}
            script["outcome"] = "DUBBING_STATUS_FAILED" if fails else "DUBBING_STATUS_SUCCEEDED"
            if fails:
                script["error_infos"] = [
                    {"reason": f"SOURCE_{index}_UNREADABLE", "domain": "scale.blendvision.com"}
                ]
        found.append(Wait(f"create-{service}-{index}", service, f"{service}_default", key, script))
    return found


def task_spec(wait: Wait, config: SoakConfig) -> dict[str, Any]:
    """The DAG file's row for ``wait``: its class, pool and keyword arguments."""
    kwargs: dict[str, Any] = {"deferrable": True, "max_consecutive_failures": config.max_consecutive_failures}
    kwargs[CONN_ARG[API[wait.service]]] = wait.conn_id
    if wait.case is not None:
        kwargs[SENSOR_ID_ARG[wait.service]] = wait.key
        kwargs.update(
            start_from_trigger=wait.case.start == TRIGGERER,
            poke_interval=config.poke_interval_s,
            exponential_backoff=True,
            max_wait=config.max_wait_s,
            timeout=3600,
        )
        cls = SENSOR_CLASS[wait.service]
    else:
        if wait.service == CAMB:
            kwargs.update(run_id=int(wait.key), language="es-ES", output_format="mp4")
        else:
            kwargs.update(
                source_type="video", source_id=wait.key, source_lang_code="en", target_lang_code="ja"
            )
        # A failed job makes an operator that started it retry, and the retry starts new
        # work: no retries here, so each create task creates exactly once.
        kwargs.update(
            poll_interval_s=config.poke_interval_s,
            exponential_backoff=True,
            max_poll_interval_s=config.max_wait_s,
            wait_timeout_s=3600,
            retries=0,
        )
        cls = CREATE_CLASS[wait.service]
    return {"task_id": wait.task_id, "class": cls, "pool": wait.conn_id, "kwargs": kwargs}


def script_emulator(port: int, waits: list[Wait], config: SoakConfig, seed: int) -> None:
    """Script every object, run and source, then turn the faults on (status checks only)."""
    script_cases(port, [w.case for w in waits if w.case is not None])
    for wait in waits:
        if wait.is_create:
            route = f"camb/runs/{wait.key}" if wait.service == CAMB else f"blendvision/sources/{wait.key}"
            admin(port, "PUT", route, wait.script)
    faults = {
        "rate": config.fault_rate,
        "seed": seed,
        "kinds": list(config.fault_kinds),
        "retry_after": config.retry_after_s,
        "slow_seconds": config.slow_s,
        "methods": ["GET"],
    }
    admin(port, "PUT", "faults", faults)


# The run's phases.


def start_components(home: AirflowHome, workers: int, concurrency: int) -> None:
    """DB migrated, pools made, then the API server, DAG processor, scheduler and Celery
    workers, waited for until up (no triggerer yet)."""
    home.cli("db", "migrate", timeout_s=600)
    pools = {
        conn: {"slots": 256, "description": f"every task using {conn}", "include_deferred": True}
        for conn in ("camb_default", "blendvision_default", "soak_camb_bad_key", "soak_blendvision_bad_token")
    }
    (home.path / "pools.json").write_text(json.dumps(pools))
    home.cli("pools", "import", str(home.path / "pools.json"))
    home.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(home.api_port))
    home.start("dag-processor", "dag-processor")
    home.start("scheduler", "scheduler", "--skip-serve-logs")
    for index in range(1, workers + 1):
        home.start(
            f"worker-{index}",
            "celery",
            "worker",
            "--concurrency",
            str(concurrency),
            "--celery-hostname",
            f"worker{index}@%h",
            "--skip-serve-logs",
        )
    up = "Airflow's components up"
    wait_until(home.api_is_healthy, STARTUP_TIMEOUT_S, f"{up}: API server", check=home.check_alive)
    wait_until(
        lambda: home.is_dag_parsed(DAG_ID), STARTUP_TIMEOUT_S, f"{up}: DAG parsed", check=home.check_alive
    )
    wait_until(
        lambda: home.running_jobs("SchedulerJob"),
        STARTUP_TIMEOUT_S,
        f"{up}: scheduler",
        check=home.check_alive,
    )
    # The Celery workers need no waiting for: tasks wait in Redis until a worker takes them.


def states(home: AirflowHome, run_id: str) -> dict[str, tuple[str | None, int]]:
    return home.task_instances(DAG_ID, run_id)


def read_object_ids(home: AirflowHome, run_id: str, waits: list[Wait]) -> None:
    """Each create operator's new object id, from the XCom it pushed before deferring."""
    xcoms = home.xcoms(DAG_ID, run_id)
    for wait in waits:
        if wait.case is not None:
            wait.object_id = wait.key
        elif wait.object_id is None:
            found = xcoms.get((wait.task_id, CREATE_ID_KEY[wait.service]))
            wait.object_id = None if found is None else str(found)


def wait_all_deferred(home: AirflowHome, run_id: str, waits: list[Wait]) -> None:
    """Until every task is deferred (no triggerer runs yet, so none can have ended)."""
    progress = {"at": 0.0}

    def all_deferred() -> bool:
        tis = states(home, run_id)
        unexpected = {t: s for t, (s, _) in tis.items() if s in ENDED or s == "up_for_retry"}
        if unexpected:
            raise RealAirflowError(
                f"tasks ended before any triggerer ran: {dict(list(unexpected.items())[:10])}"
            )
        counts = Counter(s for s, _ in tis.values())
        if time.monotonic() - progress["at"] > 30:
            progress["at"] = time.monotonic()
            print(f"  deferring: {dict(counts)}", flush=True)
        if counts.get("deferred", 0) < len(waits):
            return False
        read_object_ids(home, run_id, waits)
        return all(w.object_id for w in waits)

    wait_until(all_deferred, DEFER_TIMEOUT_S, "every task deferred", check=home.check_alive, interval_s=2.0)


def start_triggerers(home: AirflowHome, figures: Figures, count: int) -> None:
    """Start the triggerers together; each job row's ``hostname`` names its process
    (``[core] hostname_callable``), so the job ids of each are known."""
    names = home.path / "component_names"
    names.mkdir(exist_ok=True)
    (names / "scale_out_names.py").write_text(HOSTNAME_MODULE)
    pythonpath = os.pathsep.join((str(names), home.env.get("PYTHONPATH", "")))
    for index in range(1, count + 1):
        name = f"triggerer-{index}"
        env = {
            "SCALE_OUT_COMPONENT": name,
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "scale_out_names.hostname",
            "PYTHONPATH": pythonpath,
        }
        home.start(name, "triggerer", "--skip-serve-logs", extra_env=env)

    def jobs() -> dict[str, int]:
        rows = home.query(
            "SELECT hostname, id FROM job WHERE job_type = 'TriggererJob' AND state = 'running'"
        )
        found = {str(hostname): int(job) for hostname, job in rows}
        return found if len(found) == count else {}

    figures.jobs = wait_until(jobs, STARTUP_TIMEOUT_S, "both triggerers' jobs", check=home.check_alive)


def owners(home: AirflowHome, run_id: str) -> dict[str, int | None]:
    return home.trigger_owners(DAG_ID, run_id)


def wait_spread(home: AirflowHome, emulator: Any, run_id: str, waits: list[Wait], figures: Figures) -> None:
    """Until every still-deferred task's trigger runs on a triggerer, both triggerers run some,
    and each of those objects has been polled since the triggerers started."""
    at_start = emulator.stats()["polls"]
    start_polls = {w.task_id: at_start.get(w.object_id, 0) for w in waits}

    def spread() -> bool:
        owned = owners(home, run_id)
        tis = states(home, run_id)
        polls = emulator.stats()["polls"]
        live = [w for w in waits if tis.get(w.task_id, (None, 0))[0] == "deferred"]
        if not live or any(owned.get(w.task_id) is None for w in live):
            return False
        jobs = Counter(owned[w.task_id] for w in live)
        if not all(jobs.get(job, 0) for job in figures.jobs.values()):
            return False
        return all(polls.get(w.object_id, 0) > start_polls[w.task_id] for w in live if w.script is not None)

    wait_until(
        spread, SPREAD_TIMEOUT_S, "triggers spread over both triggerers and polled", check=home.check_alive
    )


def kill_one(
    home: AirflowHome, emulator: Any, run_id: str, waits: list[Wait], figures: Figures, settle_s: float
) -> str:
    """SIGKILL the first triggerer; note who ran what and each object's polls once the kill
    has settled: a check the dead triggerer sent just before it died may still be answered
    (and counted) a moment later, and must not pass for the other triggerer's first."""
    victim = "triggerer-1"
    owned = owners(home, run_id)
    home.kill(victim)
    figures.killed = time.monotonic()
    at_kill = emulator.stats()["polls"]
    time.sleep(settle_s)
    figures.settle_s = settle_s
    polls = emulator.stats()["polls"]
    for wait in waits:
        wait.owner_at_kill = owned.get(wait.task_id)
        wait.polls_at_kill = polls.get(wait.object_id, 0)
        if wait.owner_at_kill == figures.jobs[victim] and wait.polls_at_kill > at_kill.get(wait.object_id, 0):
            figures.answered_after_kill += 1
    figures.owned_at_kill = {
        name: sum(1 for w in waits if w.owner_at_kill == job) for name, job in figures.jobs.items()
    }
    return victim


def wait_resumed(
    home: AirflowHome, emulator: Any, run_id: str, waits: list[Wait], figures: Figures, victim: str
) -> None:
    """Until every orphan (a trigger of the killed triggerer whose object still had answers to
    give) has moved to the other triggerer and polled its object again."""
    dead = figures.jobs[victim]
    orphans = [
        w
        for w in waits
        if w.owner_at_kill == dead and w.script is not None and w.polls_at_kill < w.answers_to_outcome
    ]

    def resumed() -> bool:
        now = time.monotonic()
        owned = owners(home, run_id)
        polls = emulator.stats()["polls"]
        tis = states(home, run_id)
        for wait in orphans:
            owner = owned.get(wait.task_id)
            moved = (owner is not None and owner != dead) or tis.get(wait.task_id, (None, 0))[0] != "deferred"
            if wait.moved_after_s is None and moved:
                wait.moved_after_s = now - figures.killed
            if wait.first_poll_after_s is None and polls.get(wait.object_id, 0) > wait.polls_at_kill:
                wait.first_poll_after_s = now - figures.killed
        return all(w.first_poll_after_s is not None for w in orphans)

    wait_until(
        resumed,
        RESUME_TIMEOUT_S,
        "every orphaned trigger polling again",
        check=home.check_alive,
        interval_s=0.2,
    )


def ended_state(home: AirflowHome, run_id: str) -> str | None:
    state = home.dag_run_state(DAG_ID, run_id)
    return state if state in ("success", "failed") else None


# Judging.

_EXC = re.compile(r'"exc_type":\s*"(\w+)",\s*"exc_value":\s*"((?:[^"\\]|\\.)*)"')


def failure_in_log(text: str) -> Outcome | None:
    """The exception a task's log says it failed with (the last one logged), as an outcome."""
    found = _EXC.findall(text)
    if not found:
        return None
    exc_type, exc_value = found[-1]
    return Outcome(exc_type, message=json.loads(f'"{exc_value}"'))


def expected_of(wait: Wait) -> Outcome:
    """How the task must end: a sensor as the soak says; a create operator by its script
    (a failed job makes it raise the plain, retryable ``RemoteJobFailedError``)."""
    if wait.case is not None:
        return expected_outcome(wait.case)
    assert wait.script is not None
    final = str(wait.script["outcome"])
    if final in ("SUCCESS", "DUBBING_STATUS_SUCCEEDED"):
        return Outcome(RETURNED, final, wait.object_id)
    reasons: tuple[str, ...] = ()
    if wait.service == CAMB:
        reasons = (str(wait.script["exception_reason"]),)
    else:
        reasons = tuple(p for info in wait.script["error_infos"] for p in (info["reason"], info["domain"]))
    return Outcome("RemoteJobFailedError", final, wait.object_id, reasons)


def judge(wait: Wait, polls: int) -> str:
    """``as_expected``, ``false_success``, ``false_failure`` or ``hang``, as the soak judges,
    from what Airflow kept: a returned value's XCom, a failure's exception in the task log
    (its type, and its message naming the status, the id and every reason). A wait whose
    object was never asked for its final answer did not end as scripted, whatever it did."""
    expected, got = wait.expected, wait.got
    assert expected is not None
    if got is None or wait.state not in ("success", "failed"):
        return "hang"
    if got.ended == RETURNED:
        ok = wait.state == "success" and (expected.ended, expected.status) == (got.ended, got.status)
        ok = ok and (expected.object_id is None or expected.object_id == got.object_id)
        ok = ok and (expected.run_id is None or expected.run_id == got.run_id)
    else:
        # A refusal's message names the HTTP status in brackets; a remote failure's names the
        # id (the status only on CAMB.AI's side): its type is what says how it ended.
        refused = expected.ended == "DubbingRequestRefused"
        named = [f"({expected.status})"] if refused else [expected.object_id]
        parts = [p for p in (*named, *expected.reasons) if p]
        ok = wait.state == "failed" and expected.ended == got.ended and all(p in got.message for p in parts)
    if (
        ok
        and wait.script is not None
        and wait.case is not None
        and wait.case.credentials_valid
        and polls < wait.answers_to_outcome
    ):
        ok = False
    if ok and wait.tries != 1:
        ok = False
    if ok:
        return "as_expected"
    return "false_success" if got.ended == RETURNED else "false_failure"


def read_results(home: AirflowHome, emulator: Any, run_id: str, waits: list[Wait], figures: Figures) -> None:
    """States, XComs, logs, creates per task and the emulator's counters, into the waits."""
    tis = states(home, run_id)
    xcoms = home.xcoms(DAG_ID, run_id)
    read_object_ids(home, run_id, waits)
    figures.emulator = emulator.stats()
    polls = figures.emulator["polls"]
    # Creates per create task, counted in the emulator's memory: each export remembers its
    # run, each job its source, and each create task has a run or source of its own.
    state = emulator.state
    runs = emulator.call_in_loop(lambda: Counter(str(t.run_id) for t in state.camb_tasks.values()))
    sources = emulator.call_in_loop(
        lambda: Counter(str(j.base.get("source_id")) for j in state.blendvision_jobs.values())
    )
    jobs_of = {job: name for name, job in figures.jobs.items()}
    runs_by_job: Counter[str] = Counter()
    for wait in waits:
        wait.state, wait.tries = tis.get(wait.task_id, (None, 0))
        if wait.is_create:
            figures.creates[wait.task_id] = (runs if wait.service == CAMB else sources).get(wait.key, 0)
        value = xcoms.get((wait.task_id, "return_value"))
        if wait.state == "success" and value is not None:
            wait.got = returned(value)
        elif wait.state == "failed":
            text, _files = home.task_log(DAG_ID, run_id, wait.task_id)
            wait.got = failure_in_log(text)
        wait.expected = expected_of(wait)
        wait.judged = judge(wait, polls.get(wait.object_id, 0))
        _text, files = home.task_log(DAG_ID, run_id, wait.task_id)
        for job in {
            int(m.group(1)) for m in (re.search(r"\.trigger\.(\d+)\.log$", f.name) for f in files) if m
        }:
            runs_by_job[jobs_of.get(job, f"job {job}")] += 1
    figures.trigger_runs = dict(runs_by_job)


def spread_of(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "n": len(values)}


def summary(
    args: argparse.Namespace, version: str, waits: list[Wait], figures: Figures, victim: str
) -> tuple[str, dict[str, Any]]:
    """The figures for a person, and the same as JSON."""

    def at(moment: float, since: float) -> str:
        return f"{moment - since:.1f} s" if moment and since else "never"

    judged = Counter(w.judged for w in waits)
    kinds = Counter((w.case.kind if w.case else f"create-{w.service}") for w in waits)
    orphans = [w for w in waits if w.first_poll_after_s is not None]
    moved = spread_of([w.moved_after_s for w in orphans if w.moved_after_s is not None])
    first = spread_of([w.first_poll_after_s for w in orphans if w.first_poll_after_s is not None])
    creates = Counter(figures.creates.values())
    extra = [
        w.task_id for w in waits if w.script is not None and w.case is not None and w.case.credentials_valid
    ]
    extra_polls = sum(
        max(0, figures.emulator["polls"].get(w.object_id, 0) - w.answers_to_outcome)
        for w in waits
        if w.task_id in extra
    )
    mismatches = [w for w in waits if w.judged != "as_expected"]
    wrong_creates = {t: n for t, n in figures.creates.items() if n != 1}
    lines = [
        f"Scale-out proof, Airflow {version}, CeleryExecutor + Redis + PostgreSQL,"
        f" {args.workers} Celery workers (concurrency {args.concurrency}), 2 triggerers,"
        f" faults on {args.fault_rate:.0%} of status checks",
        f"  waits: {len(waits)} ({len(waits) - args.creates} sensors on the soak's mix,"
        f" {args.creates} create operators), all deferred; kinds: {len(kinds)}",
        f"  components up {at(figures.components_up, figures.started)} after start; every task deferred"
        f" {at(figures.all_deferred, figures.triggered)} after the run was triggered",
        f"  triggerers started; spread over both and every object polled"
        f" {at(figures.spread, figures.triggerers_started)} later; at the kill: {figures.owned_at_kill}",
        f"  {victim} (job {figures.jobs.get(victim)}) SIGKILLed;"
        f" health-check threshold {HEALTH_CHECK_THRESHOLD_S} s, heartbeat 1 s",
        f"  orphaned triggers (mid-wait at the kill): {len(orphans)}; checks of the dead triggerer"
        f" answered in the {figures.settle_s:.0f} s after the kill: {figures.answered_after_kill}",
        f"    moved to the other triggerer after the kill (s): {_fmt(moved)}",
        f"    first answered check on the other triggerer after the kill (s): {_fmt(first)}",
        f"  DAG run {figures.run_state} {at(figures.ended, figures.triggered)} after trigger"
        f" (expected: failed, some waits are scripted to fail)",
        f"  waits judged: {dict(judged)}; mismatches: {len(mismatches)}",
        f"  creates per create task: {dict(sorted(creates.items()))} (task count by creates; must all be 1)",
        f"  polls beyond each script's answers (an answer asked twice): {extra_polls}",
        f"  emulator: {figures.emulator.get('requests')} requests, faults {figures.emulator.get('faults')}",
        f"  trigger runs by triggerer (a trigger log per task and triggerer): {figures.trigger_runs}",
        f"  pool peaks (occupied counts deferred): {figures.pool_peaks}",
        "  component          CPU s   peak RSS MB",
    ]
    for name, seen in sorted(figures.groups.items()):
        lines.append(f"  {name:<16} {seen['cpu_s']:>7.1f} {seen['peak_rss_mb']:>12.0f}")
    lines.append(f"  secrets under the home: {figures.secrets or 'none'}")
    for wait in mismatches[:20]:
        lines.append(
            f"  MISMATCH {wait.task_id}: {wait.judged}, state {wait.state} try {wait.tries},"
            f" expected {wait.expected.as_json() if wait.expected else None},"
            f" got {wait.got.as_json() if wait.got else None}"
        )
    for task_id, count in list(wrong_creates.items())[:20]:
        lines.append(f"  CREATES {task_id}: {count}")
    data = {
        "airflow": version,
        "args": vars(args),
        "health_check_threshold_s": HEALTH_CHECK_THRESHOLD_S,
        "phases_s": {
            "components_up": figures.components_up - figures.started,
            "all_deferred_after_trigger": figures.all_deferred - figures.triggered,
            "spread_after_triggerers_started": figures.spread - figures.triggerers_started,
            "kill_after_triggerers_started": figures.killed - figures.triggerers_started,
            "every_orphan_polled_after_kill": figures.all_resumed - figures.killed,
            "run_ended_after_trigger": figures.ended - figures.triggered if figures.ended else None,
        },
        "run_state": figures.run_state,
        "triggerer_jobs": figures.jobs,
        "owned_at_kill": figures.owned_at_kill,
        "orphans": len(orphans),
        "answered_after_kill": figures.answered_after_kill,
        "orphan_moved_s": moved,
        "orphan_first_poll_s": first,
        "judged": dict(judged),
        "mismatches": len(mismatches),
        "creates": figures.creates,
        "wrong_creates": wrong_creates,
        "extra_polls": extra_polls,
        "trigger_runs": figures.trigger_runs,
        "groups": figures.groups,
        "pool_peaks": figures.pool_peaks,
        "emulator": {k: v for k, v in figures.emulator.items() if k != "polls"},
        "secrets": figures.secrets,
        "waits": [
            {
                "task_id": w.task_id,
                "kind": w.case.kind if w.case else f"create-{w.service}",
                "start": w.case.start if w.case else "worker",
                "object_id": w.object_id,
                "state": w.state,
                "tries": w.tries,
                "judged": w.judged,
                "expected": w.expected.as_json() if w.expected else None,
                "got": w.got.as_json() if w.got else None,
                "polls": figures.emulator.get("polls", {}).get(w.object_id, 0),
                "answers_to_outcome": w.answers_to_outcome,
                "owner_at_kill": w.owner_at_kill,
                "polls_at_kill": w.polls_at_kill,
                "moved_after_s": w.moved_after_s,
                "first_poll_after_s": w.first_poll_after_s,
            }
            for w in waits
        ],
    }
    return "\n".join(lines), data


def _fmt(spread: dict[str, float] | None) -> str:
    if spread is None:
        return "none"
    low, middle, high = spread["min"], spread["median"], spread["max"]
    return f"min {low:.1f}, median {middle:.1f}, max {high:.1f} (n={spread['n']:.0f})"


def run(args: argparse.Namespace, scratch: Path) -> int:
    from airflow_provider_dubbing.emulator.server import EmulatorServer
    from airflow_provider_dubbing.emulator.settings import EmulatorSettings

    config = SoakConfig(waits=args.waits, seed=args.seed, fault_rate=args.fault_rate)
    install = AirflowInstall.running()
    figures = Figures(started=time.monotonic())
    waits = make_waits(args.waits, args.creates, args.seed, config)
    pg_port, redis_port = free_port(), free_port()
    dsn = f"postgresql://airflow@127.0.0.1:{pg_port}/airflow"
    settings = EmulatorSettings(camb_api_key=CAMB_KEY, bv_token=BV_TOKEN, bv_org_id=BV_ORG)
    # The emulator logs every request at INFO: thousands of lines here.
    logging.getLogger("airflow_provider_dubbing.emulator").setLevel(logging.WARNING)
    with EmulatorServer(port=0, settings=settings) as emulator:
        script_emulator(emulator.port, waits, config, args.seed)
        home = AirflowHome.create(
            scratch / "home",
            install,
            {
                **connections(emulator.port, config.request_timeout_s),
                "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://airflow@127.0.0.1:{pg_port}/airflow",
                "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
                "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://airflow@127.0.0.1:{pg_port}/airflow",
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(args.concurrency),
                "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": "21600",
                "AIRFLOW__CORE__PARALLELISM": "64",
                "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "1000",
                "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
                "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": str(HEALTH_CHECK_THRESHOLD_S),
                "AIRFLOW__TRIGGERER__MAX_TRIGGER_TO_SELECT_PER_LOOP": str(args.select_per_loop),
            },
        )
        reader = PostgresReader(dsn)
        home.db_reader = reader
        (home.path / "dags" / SPEC_FILE).write_text(json.dumps([task_spec(w, config) for w in waits]))
        home.write_dag(f"{DAG_ID}.py", DAG_SOURCE.format(dag_id=DAG_ID, spec=SPEC_FILE))
        print(f"Airflow {install.version}; AIRFLOW_HOME {home.path}; emulator {emulator.url}", flush=True)
        sampler = Sampler(home, figures)
        victim = "triggerer-1"
        try:
            with home:
                try:
                    start_redis(home, scratch / "redis", redis_port)
                    start_postgres(home, scratch / "postgres", pg_port)
                    sampler.start()
                    start_components(home, args.workers, args.concurrency)
                    figures.components_up = time.monotonic()
                    print(f"components up after {figures.components_up - figures.started:.0f} s", flush=True)
                    run_id = f"scale_out__{int(time.time())}"
                    home.cli("dags", "trigger", DAG_ID, "--run-id", run_id)
                    figures.triggered = time.monotonic()
                    wait_all_deferred(home, run_id, waits)
                    figures.all_deferred = time.monotonic()
                    print(
                        f"all {len(waits)} deferred after {figures.all_deferred - figures.triggered:.0f} s",
                        flush=True,
                    )
                    figures.triggerers_started = time.monotonic()
                    start_triggerers(home, figures, 2)
                    wait_spread(home, emulator, run_id, waits, figures)
                    figures.spread = time.monotonic()
                    victim = kill_one(
                        home, emulator, run_id, waits, figures, config.slow_s + KILL_SETTLE_MARGIN_S
                    )
                    print(f"killed {victim}; owned at the kill: {figures.owned_at_kill}", flush=True)
                    wait_resumed(home, emulator, run_id, waits, figures, victim)
                    figures.all_resumed = time.monotonic()
                    figures.run_state = wait_until(
                        lambda: ended_state(home, run_id),
                        RUN_TIMEOUT_S,
                        "the DAG run to end",
                        check=home.check_alive,
                        interval_s=2.0,
                    )
                    figures.ended = time.monotonic()
                    sampler.sample()
                    read_results(home, emulator, run_id, waits, figures)
                finally:
                    # A fast shutdown (SIGINT) ends PostgreSQL's sessions at once; a smart one
                    # (SIGTERM, what stopping the home sends) would wait for every client.
                    stop_postgres_fast(home)
        finally:
            sampler.stopping.set()
            reader.close()
    figures.secrets = grep_secrets(home.path, (CAMB_KEY, BV_TOKEN))
    report, data = summary(args, install.version, waits, figures, victim)
    data["wall_s"] = time.monotonic() - figures.started
    report += f"\n  wall time {data['wall_s']:.0f} s"
    print(report, flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"airflow-{install.version}.json").write_text(json.dumps(data, indent=1, default=str) + "\n")
    (OUT / f"airflow-{install.version}.txt").write_text(report + "\n")
    failed = (
        data["mismatches"] or data["wrong_creates"] or len(figures.creates) != args.creates or figures.secrets
    )
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--waits", type=int, default=200, help="deferred waits in all (default 200)")
    parser.add_argument("--creates", type=int, default=40, help="of which create operators (default 40)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--workers", type=int, default=2, help="Celery workers (default 2)")
    parser.add_argument("--concurrency", type=int, default=4, help="task slots per Celery worker (default 4)")
    parser.add_argument(
        "--select-per-loop",
        type=int,
        default=20,
        help="[triggerer] max_trigger_to_select_per_loop (Airflow's default 50; lower spreads the triggers)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch folder (AIRFLOW_HOME, logs, DB) to inspect"
    )
    args = parser.parse_args()
    if not 0 < args.creates < args.waits:
        parser.error("--creates must be between 0 and --waits")

    # SIGTERM (a cancelled job) unwinds like Ctrl-C: every `with` and `finally` stops what it started.
    def interrupted(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    scratch = Path(tempfile.mkdtemp(prefix="dubbing-scale-out-"))
    scratch.chmod(0o755)  # PostgreSQL runs as its own account when this runs as root
    try:
        return run(args, scratch)
    except RealAirflowError as exc:
        print(f"scale-out proof failed: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: everything started was stopped", file=sys.stderr)
        return 130
    finally:
        left = processes_with_home(scratch / "home")
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if args.keep:
            print(f"kept {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
