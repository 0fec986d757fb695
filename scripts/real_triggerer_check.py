"""Smoke check: the deferrable sensors in a REAL scheduler + triggerer (``airflow standalone``).

``dag.test()`` runs triggers in line, so it cannot show what the triggerer does. This script
starts the emulator on a free loopback port, makes a throwaway AIRFLOW_HOME with a small DAG,
runs ``airflow standalone`` from the given virtualenv, unpauses and triggers the DAG, waits
(bounded) for the run to end and prints, per task: state, try number, the XCom return value,
the states seen while polling (``deferred`` among them?), whether the worker ran ``execute()``,
the trigger's "next check" lines and the exception of a failure, read from the task logs. It
then greps every file under the home for the connection secrets, stops everything (process
groups) and removes the home (``--keep`` keeps it).

The DAG's four sensors and what the README promises for them:

- ``a_camb_success``: deferrable CAMB sensor, 3 PENDING then SUCCESS -> success, CAMB dict XCom.
- ``b_bv_failed``: deferrable BlendVision sensor, job ends DUBBING_STATUS_FAILED with error_infos
  -> failed after 1 try (retries=2 ignored), DubbingJobFailed naming the reasons.
- ``c_camb_start_from_trigger``: start_from_trigger=True on a literal id -> success, straight in
  the triggerer on 2.10/2.11, 3.0 and 3.3+ (no worker ``execute()`` before the trigger).
- ``d_camb_unknown_timeout``: a status the package does not know, timeout 20 s, retries=2
  -> failed after 1 try with AirflowSensorTimeout, on Airflow 2 and 3.
- ``e_bv_create``: the deferrable create operator on a source whose jobs succeed -> success, the
  final job dict; ``f_camb_export``: the deferrable export operator -> success. Each creates once,
  and each leaves its note (an Airflow Variable, written through the real worker's API on
  Airflow 3) naming the object it returned, even when Airflow retries a try that succeeded.

Usage: ``python scripts/real_triggerer_check.py --airflow-venv .venv/airflow-3.3.2``.
The worktree's package code is put first on PYTHONPATH, so the venv may hold another checkout.
Exits 0 when every task ended as expected and no secret was found, else 1.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path
from typing import Any

from real_airflow import (
    AirflowHome,
    AirflowInstall,
    RealAirflowError,
    connection_env,
    free_port,
    grep_secrets,
    wait_until,
)

DAG_ID = "dubbing_real_triggerer_check"
CAMB_KEY = "emulator-camb-key"
BV_TOKEN = "emulator-bv-token"
BV_ORG = "emulator-org"
IDS = {
    "a": "smoke-camb-a",
    "b": "smoke-bv-b",
    "c": "smoke-camb-c",
    "d": "smoke-camb-d",
    "e": "smoke-source-e",
    "f": "7770",
}
SCRIPTS = {
    f"camb/tasks/{IDS['a']}": {"pending_polls": 3, "outcome": "SUCCESS"},
    f"blendvision/jobs/{IDS['b']}": {
        "processing_polls": 1,
        "outcome": "DUBBING_STATUS_FAILED",
        "error_infos": [
            {"reason": "AUDIO_TRACK_MISSING", "domain": "dubbing.smoke", "metadata": {"track": "2"}},
            {"reason": "VOICE_MODEL_UNAVAILABLE", "domain": "dubbing.smoke"},
        ],
    },
    f"camb/tasks/{IDS['c']}": {"pending_polls": 1, "outcome": "SUCCESS"},
    # A status the package does not know, forever (the last step sticks).
    f"camb/tasks/{IDS['d']}": {"steps": [{"status": "PENDING"}, {"status": "RENDERING_LATER"}]},
    f"blendvision/sources/{IDS['e']}": {"processing_polls": 2},
    f"camb/runs/{IDS['f']}": {"pending_polls": 2},
}
# task_id -> (expected state, expected try_number, a text the failure must contain,
#             the emulator's poll count of the object, or None when it depends on timing)
EXPECTED: dict[str, tuple[str, int, str | None, int | None]] = {
    "a_camb_success": ("success", 1, None, 4),  # 3 PENDING + SUCCESS
    "b_bv_failed": ("failed", 1, "DubbingJobFailed", 3),  # CREATED, PROCESSING, FAILED
    "c_camb_start_from_trigger": ("success", 1, None, 2),  # PENDING + SUCCESS
    "d_camb_unknown_timeout": ("failed", 1, "AirflowSensorTimeout", None),
    "e_bv_create": ("success", 1, None, None),  # the job's id is known only once created
    "f_camb_export": ("success", 1, None, None),
}

DAG_FILE = '''
"""Written by scripts/real_triggerer_check.py; waits on scripted emulator objects."""
from datetime import datetime, timedelta

from airflow_provider_dubbing.operators.blendvision import BlendVisionCreateDubbingJobOperator
from airflow_provider_dubbing.operators.camb import CambExportAltFormatOperator
from airflow_provider_dubbing.sensors.blendvision import BlendVisionDubbingJobSensor
from airflow_provider_dubbing.sensors.camb import CambAltFormatSensor

try:
    from airflow.sdk import DAG
except ImportError:
    from airflow import DAG

with DAG(
    dag_id="{dag_id}",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    is_paused_upon_creation=True,
    default_args={{"retries": 2, "retry_delay": timedelta(seconds=5)}},
):
    CambAltFormatSensor(
        task_id="a_camb_success",
        alt_format_task_id="{a}",
        deferrable=True,
        poke_interval=1,
        exponential_backoff=False,
        timeout=300,
    )
    BlendVisionDubbingJobSensor(
        task_id="b_bv_failed",
        dubbing_job_id="{b}",
        deferrable=True,
        poke_interval=1,
        exponential_backoff=False,
        timeout=300,
    )
    CambAltFormatSensor(
        task_id="c_camb_start_from_trigger",
        alt_format_task_id="{c}",
        deferrable=True,
        start_from_trigger=True,
        poke_interval=1,
        exponential_backoff=False,
        timeout=300,
    )
    CambAltFormatSensor(
        task_id="d_camb_unknown_timeout",
        alt_format_task_id="{d}",
        deferrable=True,
        poke_interval=1,
        exponential_backoff=False,
        timeout=20,
        retries=2,
    )
    BlendVisionCreateDubbingJobOperator(
        task_id="e_bv_create",
        source_type="video",
        source_id="{e}",
        source_lang_code="en",
        target_lang_code="ja",
        deferrable=True,
        poll_interval_s=1,
        exponential_backoff=False,
    )
    CambExportAltFormatOperator(
        task_id="f_camb_export",
        run_id={f},
        language="es-ES",
        output_format="mp4",
        deferrable=True,
        poll_interval_s=1,
        exponential_backoff=False,
    )
'''


def http(method: str, url: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def log_events(text: str) -> list[str]:
    """The log as message lines: a JSON line (Airflow 3) becomes its event and error detail."""
    lines = []
    for raw in text.splitlines():
        raw = raw.strip()
        if raw.startswith("{"):
            try:
                entry = json.loads(raw)
            except ValueError:
                lines.append(raw)
                continue
            event = str(entry.get("event", ""))
            lines.append(f"[{entry.get('logger', '')}] {event}")
            for detail in entry.get("error_detail") or []:
                lines.append(f"{detail.get('exc_type')}: {detail.get('exc_value')}")
        elif raw:
            lines.append(raw)
    return lines


EXC_LINE = re.compile(
    r"^(?:[\w.]+\.)?(DubbingJobFailed|DubbingRemoteTimeout|DubbingPaymentRequired|DubbingRequestRefused|"
    r"DubbingServiceUnavailable|AirflowSensorTimeout|AirflowException|TaskDeferralTimeout|TaskDeferralError|"
    r"\w+Error|\w+Exception): (.*)$"
)
WORKER_EXECUTE = re.compile(r"Pausing task as DEFERRED|Task is deferring|deferring|TaskDeferred", re.I)


STATUS_TEXT = re.compile(r"(?:export|dubbing job) '[^']*' .*")


def summarize_task(home: AirflowHome, run_id: str, task_id: str) -> dict[str, Any]:
    text, files = home.task_log(DAG_ID, run_id, task_id)
    events = log_events(text)
    exceptions = []
    for line in events:
        plain = re.sub(r"^\[[^\]]*\]\s*", "", line)
        match = EXC_LINE.match(plain)
        if match and plain not in exceptions:
            exceptions.append(plain)
    # What the trigger itself logged: the triggerer's files beside the task's own log.
    trigger_lines = []
    for path in files:
        if ".trigger." not in path.name:
            continue
        for line in log_events(path.read_text(errors="replace")):
            found = STATUS_TEXT.search(line)
            if found and "TriggerEvent" not in line:
                trigger_lines.append(found.group(0))
    return {
        "log_files": [str(p.relative_to(home.path)) for p in files],
        "exceptions": exceptions,
        "worker_deferred_lines": [e for e in events if WORKER_EXECUTE.search(e)],
        "status_lines": [e for e in events if STATUS_TEXT.search(e) and "TriggerEvent" not in e],
        "trigger_lines": trigger_lines,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--airflow-venv", required=True, type=Path, help="a virtualenv with Airflow and this package"
    )
    parser.add_argument(
        "--deadline-s", type=float, default=360.0, help="how long the DAG run may take (default 360)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the throwaway AIRFLOW_HOME")
    args = parser.parse_args()

    install = AirflowInstall.of_venv(args.airflow_venv)
    path = Path(tempfile.mkdtemp(prefix=f"dubbing-real-triggerer-{install.version}-"))
    print(f"Airflow {install.version} from {install.bin_dir.parent}\nAIRFLOW_HOME: {path}", flush=True)
    url = f"http://127.0.0.1:{free_port()}"
    home = AirflowHome.create(
        path, install, connection_env(url, camb_key=CAMB_KEY, bv_token=BV_TOKEN, bv_org=BV_ORG)
    )

    ok = True
    try:
        with home:
            ok = check(home, url, args.deadline_s)
    except RealAirflowError as exc:
        print(f"\n{exc}")
        ok = False
    finally:
        hits = grep_secrets(path, (CAMB_KEY, BV_TOKEN))
        print(f"\nsecrets in files under AIRFLOW_HOME: {hits or 'none'}")
        if [h for h in hits if not h.startswith("emulator.log")]:
            ok = False
        if args.keep:
            print(f"kept {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)
    print(f"\nRESULT: {'OK' if ok else 'DEVIATIONS (see above)'}")
    return 0 if ok else 1


def check(home: AirflowHome, url: str, deadline_s: float) -> bool:
    """Run the DAG under ``airflow standalone``, print what each task did; whether all went as expected."""
    ok = True
    port = int(url.rsplit(":", 1)[1])
    home.start_process(
        "emulator", [home.install.python, "-m", "airflow_provider_dubbing.emulator", "--port", str(port)]
    )
    wait_until(lambda: emulator_is_up(url), 60, "the emulator to listen", check=home.check_alive)
    for object_path, body in SCRIPTS.items():
        http("PUT", f"{url}/_emulator/{object_path}", body)
    print(f"emulator: {url} (scripted {len(SCRIPTS)} objects)", flush=True)
    home.write_dag(f"{DAG_ID}.py", textwrap.dedent(DAG_FILE.format(dag_id=DAG_ID, **IDS)))

    started = time.monotonic()
    home.start("standalone", "standalone")
    wait_until(lambda: home.is_dag_parsed(DAG_ID), 240, "the DAG parsed", check=home.check_alive)
    # the triggerer must be up too, or the first deferral waits for it
    wait_until(lambda: home.running_jobs("TriggererJob"), 240, "a running triggerer", check=home.check_alive)
    startup_s = time.monotonic() - started
    print(f"standalone up, DAG parsed, triggerer running: {startup_s:.1f} s", flush=True)

    home.cli("dags", "unpause", DAG_ID)
    run_id = f"smoke__{int(time.time())}"
    triggered = time.monotonic()
    home.cli("dags", "trigger", DAG_ID, "--run-id", run_id)
    print(f"triggered run {run_id}", flush=True)

    seen: dict[str, list[str]] = {t: [] for t in EXPECTED}

    def run_ended() -> str | None:
        for task_id, (state, _) in home.task_instances(DAG_ID, run_id).items():
            history = seen.setdefault(task_id, [])
            if not history or history[-1] != (state or "none"):
                history.append(state or "none")
        state = home.dag_run_state(DAG_ID, run_id)
        return state if state in ("success", "failed") else None

    try:
        run_state = wait_until(run_ended, deadline_s, "the DAG run to end", check=home.check_alive)
    except RealAirflowError as exc:  # still print what each task did
        print(exc, flush=True)
        run_state, ok = None, False
    print(f"run {run_id} ended {run_state} after {time.monotonic() - triggered:.1f} s", flush=True)
    time.sleep(3)  # let the last log lines reach the files

    tis = {
        row[0]: row[1:]
        for row in home.query(
            "SELECT task_id, state, try_number, start_date, end_date FROM task_instance"
            " WHERE dag_id = ? AND run_id = ?",
            DAG_ID,
            run_id,
        )
    }
    xcoms = home.xcoms(DAG_ID, run_id)
    stats = http("GET", f"{url}/_emulator/stats")
    polls = stats.get("polls", {})
    for task_id, (want_state, want_try, want_text, want_polls) in EXPECTED.items():
        state, try_number, start, end = tis.get(task_id, (None, None, None, None))
        xcom = xcoms.get((task_id, "return_value"))
        info = summarize_task(home, run_id, task_id)
        object_id = IDS[task_id[0]]
        print(f"\n== {task_id}  ({object_id})")
        print(f"   state {state}, try_number {try_number}, start {start}, end {end}")
        print(f"   states seen while polling: {' -> '.join(seen.get(task_id, [])) or '-'}")
        print(f"   emulator polls of {object_id}: {polls.get(object_id, 0)}")
        print(f"   xcom return_value: {json.dumps(xcom, sort_keys=True) if xcom is not None else '-'}")
        print(f"   log files: {', '.join(info['log_files']) or '-'}")
        print(f"   worker deferral lines: {info['worker_deferred_lines'] or '-'}")
        for line in info["status_lines"]:
            print(f"   status line: {line}")
        for line in info["trigger_lines"]:
            print(f"   trigger log line: {line}")
        for line in info["exceptions"]:
            print(f"   exception: {line}")
        problems = []
        if state != want_state:
            problems.append(f"state {state}, expected {want_state}")
        if try_number != want_try:
            problems.append(f"try_number {try_number}, expected {want_try}")
        if want_text and not any(want_text in e for e in info["exceptions"]):
            problems.append(f"no {want_text} in the task log")
        if "deferred" not in seen.get(task_id, []) and not info["worker_deferred_lines"]:
            problems.append("never seen deferred")
        if want_polls is not None and polls.get(object_id, 0) != want_polls:
            problems.append(f"{polls.get(object_id, 0)} polls, expected {want_polls}")
        if not info["trigger_lines"]:
            problems.append("no line of the trigger in the task's logs")
        if len(set(info["trigger_lines"])) != len(info["trigger_lines"]):
            problems.append("the trigger logged a status line more than once")
        if task_id.startswith("c_") and info["worker_deferred_lines"]:
            problems.append("a worker ran execute() before the trigger (start_from_trigger not honoured)")
        print(f"   verdict: {'as expected' if not problems else 'DEVIATION: ' + '; '.join(problems)}")
        ok = ok and not problems
    print(f"\nemulator: {stats.get('requests')} API requests, by route {json.dumps(stats.get('by_route'))}")
    created = stats.get("created")
    notes = home.query("SELECT key FROM variable WHERE key LIKE 'airflow_provider_dubbing.started.%'")
    print(f"created by the operators: {created}; started-work notes: {len(notes)}")
    if created != {"camb": 1, "blendvision": 1} or len(notes) != 2:
        print("DEVIATION: each operator must create once and keep one note")
        ok = False
    return ok


def emulator_is_up(url: str) -> bool:
    """Whether the emulator answers its admin health check."""
    try:
        return bool(http("GET", f"{url}/_emulator/health").get("ok"))
    except OSError:  # not listening yet (URLError is an OSError)
        return False


if __name__ == "__main__":
    sys.exit(main())
