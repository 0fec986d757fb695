"""A real scheduler and triggerer; the triggerer is killed mid-wait and started again. Every
deferred wait must resume in the new triggerer and end as its script says, in its first try,
and neither create operator may create its object twice.

``dag.test()`` runs triggers in line, so this starts Airflow's own components on 127.0.0.1 in
a throwaway home (``scripts/real_airflow.py``), each in its own process group: on Airflow 3 the
API server, scheduler, DAG processor and triggerer; on Airflow 2 the scheduler (which parses
the DAGs itself) and the triggerer. The session's emulator, in this process, counts every
poll and every create.

The first triggerer starts only once every task has deferred, so all the triggers start
polling together however slowly the executor (Airflow 2's runs one task at a time) brought
them there; the kill then comes a few polls into every wait.

Airflow hands a dead triggerer's triggers to another only once the dead one's heartbeat is
older than ``[triggerer] triggerer_health_check_threshold`` (30 s by default); the home sets it
to a few seconds, with a 1 s heartbeat, so the test is quick. The figures of the run (kill
time, polls before and after, restart to first poll, states) are printed and written to
``test-output/triggerer-restart/``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_dubbing.operators.started_work import KEY_PREFIX, STORE_KEY
from scripts.real_airflow import (
    ROOT,
    AirflowHome,
    AirflowInstall,
    RealAirflowError,
    connection_env,
    grep_secrets,
    processes_with_home,
    wait_until,
)
from tests.conftest import BV_ORG, BV_TOKEN, CAMB_KEY

pytestmark = [pytest.mark.airflow, pytest.mark.timeout(900)]

DAG_ID = "dubbing_triggerer_restart"
# One check a second, no backoff. A script advances one step per check, never with the clock,
# so a wait lasts PENDING_POLLS checks of a running triggerer however slow the machine is;
# the kill must come before any wait has used them up (asserted below).
POLL_INTERVAL_S = 1
PENDING_POLLS = 30
# An integer: Airflow 2.11 and 3.3 read it with getint.
HEALTH_CHECK_THRESHOLD_S = 5
STARTUP_TIMEOUT_S = 240.0
DEFER_TIMEOUT_S = 300.0
RESUME_TIMEOUT_S = 180.0
RUN_TIMEOUT_S = 300.0

CAMB_TASK = "restart-camb-task"
BV_JOB = "restart-bv-job"
BV_JOB_FAILING = "restart-bv-job-failing"
BV_SOURCE = "restart-bv-source"
CAMB_RUN = 4242
FAILURE_REASON = "VOICE_MODEL_UNAVAILABLE"
# Each triggerer writes a trigger's log beside the task's, named with the triggerer's job id.
TRIGGER_LOG = re.compile(r"\.trigger\.(\d+)\.log$")


@dataclass(frozen=True)
class Wait:
    """One deferred wait of the DAG and what it must come to.

    :param worker_checks: checks the task makes on the worker before it defers.
    :param steps: answers in its object's script; the wait ends on the last, so the object
        is polled exactly this many times when every answer was asked for once.
    :param object_id: the scripted object's id; None when the task creates the object.
    :param id_xcom_key: the XCom a create operator pushes the new object's id under.
    """

    task_id: str
    state: str
    worker_checks: int
    steps: int
    object_id: str | None = None
    id_xcom_key: str | None = None


# A CAMB.AI script: PENDING x n, then the outcome. A BlendVision one: CREATED, PROCESSING x n,
# then the outcome. A sensor checks once on the worker before it defers; a create operator
# does not (BlendVision's create answer says CREATED, CAMB.AI's holds no status).
WAITS = (
    Wait("camb_sensor", "success", 1, PENDING_POLLS + 1, object_id=CAMB_TASK),
    Wait("bv_sensor", "success", 1, PENDING_POLLS + 2, object_id=BV_JOB),
    Wait("bv_sensor_failing", "failed", 1, PENDING_POLLS + 2, object_id=BV_JOB_FAILING),
    Wait("bv_create", "success", 0, PENDING_POLLS + 2, id_xcom_key="dubbing_job_id"),
    Wait("camb_export", "success", 0, PENDING_POLLS + 1, id_xcom_key="alt_format_task_id"),
)
# Before the kill every task is deferred; a task in any other state has gone wrong.
NOT_YET_DEFERRED = {None, "none", "scheduled", "queued", "running", "deferred"}

DAG_SOURCE = '''
"""Written by tests/integration/test_triggerer_restart.py: five deferred waits on scripted objects."""
from datetime import datetime, timedelta

from airflow_provider_dubbing.operators.blendvision import BlendVisionCreateDubbingJobOperator
from airflow_provider_dubbing.operators.camb import CambExportAltFormatOperator
from airflow_provider_dubbing.sensors.blendvision import BlendVisionDubbingJobSensor
from airflow_provider_dubbing.sensors.camb import CambAltFormatSensor

try:
    from airflow.sdk import DAG
except ImportError:
    from airflow import DAG

WAIT = {{"deferrable": True, "exponential_backoff": False}}
SENSOR = {{**WAIT, "poke_interval": {interval}, "timeout": 600}}
OPERATOR = {{**WAIT, "poll_interval_s": {interval}, "wait_timeout_s": 600}}

with DAG(
    dag_id="{dag_id}",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,
    # A wait that broke and was retried would end in try 2 or 3; each must end in try 1.
    default_args={{"retries": 2, "retry_delay": timedelta(seconds=5)}},
):
    CambAltFormatSensor(task_id="camb_sensor", alt_format_task_id="{camb_task}", **SENSOR)
    BlendVisionDubbingJobSensor(task_id="bv_sensor", dubbing_job_id="{bv_job}", **SENSOR)
    BlendVisionDubbingJobSensor(task_id="bv_sensor_failing", dubbing_job_id="{bv_job_failing}", **SENSOR)
    BlendVisionCreateDubbingJobOperator(
        task_id="bv_create",
        source_type="video",
        source_id="{bv_source}",
        source_lang_code="en",
        target_lang_code="ja",
        **OPERATOR,
    )
    CambExportAltFormatOperator(
        task_id="camb_export", run_id={camb_run}, language="es-ES", output_format="mp4", **OPERATOR
    )
'''


@dataclass
class Run:
    """What was seen, in seconds of ``time.monotonic()``, and the counts at each point."""

    run_id: str = ""
    version: str = ""
    started: float = 0.0
    components_up: float = 0.0
    triggered: float = 0.0
    all_deferred: float = 0.0
    first_started: float = 0.0
    all_polled: float = 0.0
    killed: float = 0.0
    restarted: float = 0.0
    new_job_running: float = 0.0
    adopted: float = 0.0
    ended: float = 0.0
    run_state: str | None = None
    first_job: int = 0
    new_job: int = 0
    object_ids: dict[str, str] = field(default_factory=dict)
    polls_at_kill: dict[str, int] = field(default_factory=dict)
    first_poll_after: dict[str, float] = field(default_factory=dict)
    old_triggerer_left: dict[int, str] = field(default_factory=dict)
    tis: dict[str, tuple[str | None, int]] = field(default_factory=dict)
    xcoms: dict[tuple[str, str], Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    notes: int = 0
    logs: dict[str, str] = field(default_factory=dict)
    trigger_log_jobs: dict[str, set[int]] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)

    def polls(self, task_id: str) -> int:
        """The emulator's final poll count of a wait's object."""
        return int(self.stats["polls"].get(self.object_ids.get(task_id), 0))


def start_components(home: AirflowHome) -> None:
    """Start Airflow's components but the triggerer, and wait until each is up."""
    home.cli("db", "migrate", timeout_s=300)
    if home.install.major >= 3:
        home.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(home.api_port))
        home.start("dag-processor", "dag-processor")
    # No log server: its fixed port would clash with another Airflow on the machine, and the
    # logs are read from the home's files.
    home.start("scheduler", "scheduler", "--skip-serve-logs")
    up = "Airflow's components up"
    if home.install.major >= 3:
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


def object_ids(home: AirflowHome, run_id: str) -> dict[str, str]:
    """task_id -> the id of the object it waits on, once every create operator has pushed its own."""
    xcoms = home.xcoms(DAG_ID, run_id)
    found = {}
    for wait in WAITS:
        object_id = wait.object_id or xcoms.get((wait.task_id, str(wait.id_xcom_key)))
        if object_id:
            found[wait.task_id] = str(object_id)
    return found


def check_not_ended(home: AirflowHome, run: Run) -> None:
    """Raise if a component died or a task left the way to deferral (before the kill, none may)."""
    home.check_alive()
    for task_id, (state, tries) in home.task_instances(DAG_ID, run.run_id).items():
        if state not in NOT_YET_DEFERRED:
            raise RealAirflowError(f"{task_id} became {state} (try {tries}) before the kill")


def wait_deferred(home: AirflowHome, run: Run) -> None:
    """Until every task is deferred and has pushed its object's id (no triggerer runs yet)."""

    def all_deferred() -> bool:
        tis = home.task_instances(DAG_ID, run.run_id)
        if any(tis.get(w.task_id, (None, 0))[0] != "deferred" for w in WAITS):
            return False
        run.object_ids = object_ids(home, run.run_id)
        return len(run.object_ids) == len(WAITS)

    wait_until(all_deferred, DEFER_TIMEOUT_S, "every task deferred", check=lambda: check_not_ended(home, run))


def wait_polled(home: AirflowHome, emulator: Any, run: Run) -> int:
    """Until the triggerer runs every trigger and the emulator has answered each at least once:
    the kill then lands in the middle of every wait. Returns the triggerer's job id."""
    jobs = wait_until(
        lambda: home.running_jobs("TriggererJob"),
        STARTUP_TIMEOUT_S,
        "the first triggerer's job",
        check=lambda: check_not_ended(home, run),
    )

    def all_polled() -> bool:
        owners = home.trigger_owners(DAG_ID, run.run_id)
        polls = emulator.stats()["polls"]
        return all(
            owners.get(w.task_id) == jobs[-1] and polls.get(run.object_ids[w.task_id], 0) > w.worker_checks
            for w in WAITS
        )

    wait_until(
        all_polled,
        DEFER_TIMEOUT_S,
        "every trigger running and polled",
        check=lambda: check_not_ended(home, run),
        interval_s=0.2,
    )
    return jobs[-1]


def wait_resumed(home: AirflowHome, emulator: Any, run: Run, old_job: int) -> None:
    """Until a new triggerer job runs, has taken over a trigger, and every object was polled again."""

    def resumed() -> bool:
        now = time.monotonic()
        new_jobs = [j for j in home.running_jobs("TriggererJob") if j > old_job]
        if not run.new_job_running and new_jobs:
            run.new_job_running, run.new_job = now, new_jobs[0]
        owners = home.trigger_owners(DAG_ID, run.run_id).values()
        if not run.adopted and any(owner is not None and owner > old_job for owner in owners):
            run.adopted = now
        polls = emulator.stats()["polls"]
        for task_id, object_id in run.object_ids.items():
            if task_id not in run.first_poll_after and polls.get(object_id, 0) > run.polls_at_kill[task_id]:
                run.first_poll_after[task_id] = now
        return bool(run.new_job_running and run.adopted and len(run.first_poll_after) == len(WAITS))

    wait_until(
        resumed,
        RESUME_TIMEOUT_S,
        "a new triggerer taking over the triggers and polling every object",
        check=home.check_alive,
        interval_s=0.2,
    )


def ended_state(home: AirflowHome, run_id: str) -> str | None:
    """The DAG run's state once it has ended, else None."""
    state = home.dag_run_state(DAG_ID, run_id)
    return state if state in ("success", "failed") else None


def read_results(home: AirflowHome, emulator: Any, run: Run) -> None:
    """Read the ended run's states, XComs, notes and logs, and the emulator's counts, into ``run``."""
    run.tis = home.task_instances(DAG_ID, run.run_id)
    run.xcoms = home.xcoms(DAG_ID, run.run_id)
    run.stats = emulator.stats()
    # On 3.3+ the notes are in the task state store; before, in Variables (query: [] without the table).
    run.notes = len(home.query("SELECT key FROM variable WHERE key LIKE ?", KEY_PREFIX + "%")) + len(
        home.query("SELECT key FROM task_state_store WHERE key = ?", STORE_KEY)
    )
    for wait in WAITS:
        text, files = home.task_log(DAG_ID, run.run_id, wait.task_id)
        run.logs[wait.task_id] = text
        run.trigger_log_jobs[wait.task_id] = {
            int(found.group(1)) for found in map(TRIGGER_LOG.search, (f.name for f in files)) if found
        }


def summary(run: Run) -> str:
    """The run's figures, a few lines for a person (and the README)."""

    def at(moment: float, since: float) -> str:
        return f"{moment - since:.1f} s" if moment else "never"

    lines = [
        f"Airflow {run.version}: triggerer killed mid-wait and restarted (run {run.run_id})",
        f"  components up {at(run.components_up, run.started)} after start; run triggered",
        f"  every task deferred {at(run.all_deferred, run.triggered)} after trigger; first triggerer "
        f"started then, every trigger polled {at(run.all_polled, run.first_started)} after its start",
        f"  triggerer SIGKILLed {at(run.killed, run.first_started)} after its start; new one started "
        f"{at(run.restarted, run.killed)} later",
        f"  new triggerer job running {at(run.new_job_running, run.restarted)} after restart; "
        f"first trigger taken over {at(run.adopted, run.restarted)} after restart "
        f"({at(run.adopted, run.killed)} after the kill; threshold {HEALTH_CHECK_THRESHOLD_S} s)",
        f"  DAG run {run.run_state} {at(run.ended, run.triggered)} after trigger",
        f"  {'task':<18} {'state':<8} try  polls: before kill / after / total / script"
        "  first poll after restart",
    ]
    for wait in WAITS:
        state, tries = run.tis.get(wait.task_id, (None, 0))
        before = run.polls_at_kill.get(wait.task_id, 0)
        total = run.polls(wait.task_id)
        first = run.first_poll_after.get(wait.task_id, 0.0)
        lines.append(
            f"  {wait.task_id:<18} {state or '-':<8} {tries:>3}  {before:>12} / {total - before:>5} / "
            f"{total:>5} / {wait.steps:>6}  {at(first, run.restarted)}"
        )
    lines.append(f"  created: {run.stats.get('created')}; started-work notes: {run.notes}")
    lines.append(
        f"  triggerer jobs {run.first_job} (killed) and {run.new_job}; trigger logs by job: "
        + ", ".join(f"{t} {sorted(jobs)}" for t, jobs in run.trigger_log_jobs.items())
    )
    lines.append(f"  old triggerer processes left after the kill: {len(run.old_triggerer_left)}")
    lines.append(f"  secrets under the home: {run.secrets or 'none'}")
    return "\n".join(lines)


def test_every_wait_resumes_after_the_triggerer_is_killed(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.script_camb_task(CAMB_TASK, pending_polls=PENDING_POLLS)
    emulator.script_blendvision_job(BV_JOB, processing_polls=PENDING_POLLS)
    emulator.script_blendvision_job(
        BV_JOB_FAILING,
        processing_polls=PENDING_POLLS,
        outcome="DUBBING_STATUS_FAILED",
        error_infos=[{"reason": FAILURE_REASON, "domain": "dubbing.restart"}],
    )
    emulator.script_blendvision_source(BV_SOURCE, processing_polls=PENDING_POLLS)
    emulator.script_camb_run(CAMB_RUN, pending_polls=PENDING_POLLS)

    install = AirflowInstall.running()
    run = Run(version=install.version, started=time.monotonic())
    home = AirflowHome.create(
        tmp_path / "home",
        install,
        {
            **connection_env(emulator.url, camb_key=CAMB_KEY, bv_token=BV_TOKEN, bv_org=BV_ORG),
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
            "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": str(HEALTH_CHECK_THRESHOLD_S),
            "AIRFLOW__API__WORKERS": "1",
        },
    )
    home.write_dag(
        f"{DAG_ID}.py",
        DAG_SOURCE.format(
            dag_id=DAG_ID,
            interval=POLL_INTERVAL_S,
            camb_task=CAMB_TASK,
            bv_job=BV_JOB,
            bv_job_failing=BV_JOB_FAILING,
            bv_source=BV_SOURCE,
            camb_run=CAMB_RUN,
        ),
    )
    print(f"Airflow {install.version}, AIRFLOW_HOME {home.path}")
    with home:
        start_components(home)
        run.components_up = time.monotonic()
        run.run_id = f"restart__{int(time.time())}"
        home.cli("dags", "trigger", DAG_ID, "--run-id", run.run_id)
        run.triggered = time.monotonic()
        wait_deferred(home, run)
        run.all_deferred = time.monotonic()
        home.start("triggerer", "triggerer", "--skip-serve-logs")
        run.first_started = time.monotonic()
        run.first_job = wait_polled(home, emulator, run)
        run.all_polled = time.monotonic()

        home.kill("triggerer")
        run.killed = time.monotonic()
        polls = emulator.stats()["polls"]
        run.polls_at_kill = {task_id: polls.get(oid, 0) for task_id, oid in run.object_ids.items()}
        # Every process of the old triggerer is gone (its trigger runner too, on Airflow 3).
        run.old_triggerer_left = {
            pid: cmd for pid, cmd in processes_with_home(home.path).items() if "triggerer" in cmd
        }
        home.start("triggerer-2", "triggerer", "--skip-serve-logs")
        run.restarted = time.monotonic()
        wait_resumed(home, emulator, run, run.first_job)

        run.run_state = wait_until(
            lambda: ended_state(home, run.run_id), RUN_TIMEOUT_S, "the DAG run to end", check=home.check_alive
        )
        run.ended = time.monotonic()
        read_results(home, emulator, run)
    run.secrets = grep_secrets(home.path, (CAMB_KEY, BV_TOKEN))

    report = summary(run)
    with capsys.disabled():  # shown in every run, not only a failing one
        print(f"\n{report}")
    out = ROOT / "test-output" / "triggerer-restart"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"airflow-{install.version}.txt").write_text(report + "\n")

    assert run.old_triggerer_left == {}
    for wait in WAITS:
        before = run.polls_at_kill[wait.task_id]
        # The kill came mid-wait: the trigger had polled, and the final answer was still to come.
        assert wait.worker_checks < before < wait.steps, (wait.task_id, before)
        # The same trigger ran in both triggerers: each wrote its part of the trigger's log.
        assert run.trigger_log_jobs[wait.task_id] == {run.first_job, run.new_job}, wait.task_id
        # Resumed, not retried: the first try ended it, as its script says.
        assert run.tis[wait.task_id] == (wait.state, 1), (wait.task_id, run.tis[wait.task_id])
        # Every answer asked for once: a trigger running twice, or a retry, would poll more.
        assert run.polls(wait.task_id) == wait.steps, (wait.task_id, run.polls(wait.task_id))
    assert run.run_state == "failed"  # bv_sensor_failing failed, as scripted

    assert run.xcoms[("camb_sensor", "return_value")]["status"] == "SUCCESS"
    assert run.xcoms[("bv_sensor", "return_value")]["status"] == "DUBBING_STATUS_SUCCEEDED"
    assert ("bv_sensor_failing", "return_value") not in run.xcoms
    assert "DubbingJobFailed" in run.logs["bv_sensor_failing"]
    assert FAILURE_REASON in run.logs["bv_sensor_failing"]
    job = run.xcoms[("bv_create", "return_value")]
    assert (job["id"], job["status"]) == (run.object_ids["bv_create"], "DUBBING_STATUS_SUCCEEDED")
    export = run.xcoms[("camb_export", "return_value")]
    assert (export["task_id"], export["status"]) == (run.object_ids["camb_export"], "SUCCESS")

    # No job or export created twice, and each create operator kept its one note.
    assert run.stats["created"] == {"camb": 1, "blendvision": 1}
    assert run.notes == 2
    assert run.secrets == []
