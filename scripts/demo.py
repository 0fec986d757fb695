"""``make demo``: run the example DAGs end to end against the local emulator.

Starts the emulator on a free port of 127.0.0.1, makes a throwaway AIRFLOW_HOME with the two
connections pointing at it, runs ``airflow dags test`` for each example DAG (deferrable mode
on: the triggers run in line), then prints what each task did, why any task failed, each
delivery manifest as a table (one line per file) and what the emulator saw. The first DAG is
the whole pipeline: dub a video with CAMB.AI, export, download and check the files. The
CAMB.AI export example's broadcast master is meant to fail: the emulator is told that its run
needs payment. Last, Airflow's own API server and scheduler run ``example_dubbing_publish``,
which the pipelines' asset events (one per dubbed file, through the ``dubbed-files`` alias)
queued: a DAG scheduled on data, as in production. No account and no network are needed.
Presigned URLs are printed without their query strings. Pass ``--keep`` to keep the Airflow
home (its logs, SQLite DB and the delivered files) for a look afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from real_airflow import AirflowHome, AirflowInstall, RealAirflowError, free_port, wait_until

from airflow_provider_dubbing.client.urls import shown_text, shown_url

ROOT = Path(__file__).resolve().parents[1]
DAG_IDS = (
    "example_camb_dubbing_pipeline",
    "example_blendvision_localisation",
    "example_camb_export_formats",
    "example_dubbing_sensors",
    "example_dubbing_hooks",
)
# Scheduled on the asset alias the DAGs above add their dubbed files to: run by Airflow's own
# scheduler once they ran, not by `airflow dags test`.
PUBLISH_DAG_ID = "example_dubbing_publish"
SCHEDULING_TIMEOUT_S = 240.0
# The CAMB.AI example's broadcast master: the emulator answers PAYMENT_REQUIRED for its run.
UNPAID_RUN_ID = 18343
# How our task failures appear in a traceback: "airflow_provider_dubbing.tasks.failures.Kind: message".
FAILURE_LINE = re.compile(r"airflow_provider_dubbing\.[\w.]+\.(\w+): (.+)$")
# The emulator's documented default credentials; the demo never sees a real one.
CAMB_KEY = "emulator-camb-key"
BV_TOKEN = "emulator-bv-token"
BV_ORG = "emulator-org"


def start_emulator(home: Path) -> tuple[subprocess.Popen[str], str]:
    # Its request log goes to a file beside Airflow's, not into the summary.
    proc = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_dubbing.emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=(home / "emulator.log").open("w"),
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if "listening on " not in line:
        proc.kill()
        raise SystemExit(f"the emulator did not start: {line!r}")
    return proc, line.rsplit(" ", 1)[-1]


def airflow(home: Path, env: dict[str, str], *args: str, log_name: str) -> int:
    log = home / log_name
    with log.open("w") as out:
        result = subprocess.run(
            [sys.executable, "-m", "airflow", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=600,
        )
    return result.returncode


def failures_in(log: Path) -> list[str]:
    """Each distinct task failure of ours the run's log shows, as "Kind: message"."""
    seen: list[str] = []
    for line in log.read_text(errors="replace").splitlines():
        match = FAILURE_LINE.search(line)
        failure = shown_text(f"{match[1]}: {match[2]}") if match else None
        if failure and failure not in seen:
            seen.append(failure)
    return seen


def summarize(home: Path, dag_id: str, log: Path) -> bool:
    db = sqlite3.connect(home / "airflow.db")
    (run_id, run_state) = db.execute(
        "SELECT run_id, state FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (dag_id,)
    ).fetchone()
    print(f"\nDAG {dag_id}, run {run_id}: {run_state.upper()}")
    tasks = db.execute(
        "SELECT task_id, map_index, state, try_number FROM task_instance"
        " WHERE dag_id = ? AND run_id = ? ORDER BY start_date, map_index",
        (dag_id, run_id),
    ).fetchall()
    values = {
        (task_id, map_index): value.decode() if isinstance(value, bytes) else value
        for task_id, map_index, value in db.execute(
            "SELECT task_id, map_index, value FROM xcom"
            " WHERE dag_id = ? AND run_id = ? AND key = 'return_value'",
            (dag_id, run_id),
        ).fetchall()
    }
    for task_id, map_index, state, tries in tasks:
        produced = values.get((task_id, map_index))
        shown = brief(json.loads(produced)) if produced else "-"
        name = task_id if map_index < 0 else f"{task_id}[{map_index}]"
        print(f"  {name:<28} {state:<8} try {tries}  -> {shown}")
    for failure in failures_in(log):
        print(f"  why a task failed: {failure}")
    for (task_id, _), produced in values.items():
        if task_id in ("report", "write_manifest", "publish"):
            show(task_id, json.loads(produced))
    return bool(run_state == "success")


def brief(value: object) -> str:
    """What a task returned, in a few words: a job, dub or export by status, id and output.

    A presigned URL is shown without its query string, here and everywhere the demo prints.
    """
    if isinstance(value, dict) and "status" in value and ("id" in value or "task_id" in value):
        if "outputs" in value:  # a BlendVision One dubbing job
            files = ", ".join(f"{o.get('lang_code')}: {o.get('id')}" for o in value["outputs"])
            links = value.get("download_links")
            fetched = "" if links is None else f"  {len(links)} download link(s)"
            return f"{value['status']}  job {value['id']}  outputs [{files}]{fetched}"
        if "result" in value:  # a CAMB.AI dub
            return f"{value['status']}  dub {value['task_id']}  run {value.get('run_id')}"
        if "output_url" in value:  # a CAMB.AI export, in either form
            what = f"export {value['task_id']}" if value["task_id"] else "export (ready at once)"
            where = shown_url(value["output_url"]) or "no file URL (a task id: its status gives none)"
            return f"{value['status']}  {what}  {where}"
        return f"{value['status']}  {value.get('task_id') or value.get('id')}"
    if isinstance(value, dict) and "run_id" in value and "outputs" in value:  # a CAMB.AI dub result
        files = "; ".join(
            f"video {shown_url(o.get('video_url'))}, audio {shown_url(o.get('audio_url'))}"
            for o in value["outputs"]
        )
        return f"run {value['run_id']}: {files}"
    if isinstance(value, dict) and "sha256" in value:  # a delivered file
        if value["sha256"] is None:
            return f"not fetched: {value.get('note')}"
        return f"{value['bytes']} bytes  sha256 {value['sha256'][:12]}  {value['checked']}"
    shown = shown_text(json.dumps(value, sort_keys=True))
    return shown if len(shown) <= 120 else shown[:117] + "..."


def show(name: str, value: dict[str, Any]) -> None:
    """A task's dict, a line per field (a line per item of a list field); a list of delivered
    files as a table, one line per file."""
    print(f"  {name}:")
    for key, field in value.items():
        if isinstance(field, list) and field and all(isinstance(i, dict) and "sha256" in i for i in field):
            print(f"    {key}:")
            for line in file_table(field):
                print(f"      {line}")
        elif isinstance(field, list) and field and all(isinstance(i, dict) and "asset" in i for i in field):
            print(f"    {key}:")
            for item in field:
                where = item.get("location") or "- (the service named no file location)"
                print(f"      {item['asset']:<68} {item.get('format') or '-':<6} {where}")
        elif isinstance(field, list) and field:
            print(f"    {key}:")
            for item in field:
                print(f"      - {shown_text(json.dumps(item, sort_keys=True))}")
        else:
            print(f"    {key}: {shown_text(json.dumps(field, sort_keys=True))}")


def file_table(files: list[dict[str, Any]]) -> list[str]:
    """One line per file: language, source, format, size, sha256 prefix, and the URL without its
    query string (or why there is none)."""
    rows = [("language", "what", "format", "bytes", "sha256", "URL (query string left out) / why none")]
    for f in files:
        where = shown_url(f.get("url")) or f"- {f.get('note') or 'no URL'}"
        rows.append(
            (
                str(f.get("language") or f.get("lang_code") or "-"),
                str(f.get("source") or (f"file {f['file_id']}" if f.get("file_id") else "-")),
                str(f.get("format") or "-"),
                "-" if f.get("bytes") is None else str(f["bytes"]),
                (f.get("sha256") or "-")[:12],
                where,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row[:5], widths, strict=True)) + "  " + row[5] for row in rows
    ]


def run_scheduled(home: Path, env: dict[str, str]) -> bool:
    """Start Airflow's API server and scheduler on the demo's home, and wait (bounded) until the
    publish DAG, which the earlier runs' asset events queued, has run; then stop them."""
    port = free_port()
    api = {
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
    }
    components = AirflowHome(path=home, install=AirflowInstall.running(), env={**env, **api}, api_port=port)
    with components:
        components.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(port))
        components.start("scheduler", "scheduler", "--skip-serve-logs")

        def ended() -> bool:
            rows = components.query("SELECT state FROM dag_run WHERE dag_id = ?", PUBLISH_DAG_ID)
            return bool(rows) and all(state in ("success", "failed") for (state,) in rows)

        try:
            wait_until(ended, SCHEDULING_TIMEOUT_S, f"{PUBLISH_DAG_ID} to run", check=components.check_alive)
        except RealAirflowError as exc:
            print(f"\n{PUBLISH_DAG_ID} did not run: {shown_text(str(exc))}")
            return False
    (runs,) = components.query("SELECT COUNT(*) FROM dag_run WHERE dag_id = ?", PUBLISH_DAG_ID)
    print(f"\nthe scheduler made {runs[0]} run(s) of {PUBLISH_DAG_ID} from the queued asset events")
    return summarize(home, PUBLISH_DAG_ID, home / "scheduler.log")


def script_emulator(url: str) -> None:
    """Tell the emulator that the CAMB.AI example's broadcast run must be paid for first."""
    body = {"pending_polls": 1, "outcome": "PAYMENT_REQUIRED", "exception_reason": "PLAN_DOES_NOT_COVER_MXF"}
    request = urllib.request.Request(
        f"{url}/_emulator/camb/runs/{UNPAID_RUN_ID}",
        data=json.dumps(body).encode(),
        method="PUT",
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5):
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway AIRFLOW_HOME")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="dubbing-demo-airflow-"))
    emulator, url = start_emulator(home)
    print(f"emulator: {url}\nAIRFLOW_HOME: {home}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_", "AIRFLOW__"))}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "example_dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__METRICS__TIMER_UNIT_CONSISTENCY": "True",
            "AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE": "True",
            # The emulator answers at once; real services want the default 5 s first wait.
            "DUBBING_EXAMPLE_FIRST_WAIT_S": "0.2",
            "DUBBING_EXAMPLE_DELIVERY_DIR": str(home / "deliveries"),
            "AIRFLOW_CONN_CAMB_DEFAULT": json.dumps(
                {"conn_type": "camb", "host": f"{url}/apis", "password": CAMB_KEY}
            ),
            "AIRFLOW_CONN_BLENDVISION_DEFAULT": json.dumps(
                {"conn_type": "blendvision", "host": url, "password": BV_TOKEN, "extra": {"org_id": BV_ORG}}
            ),
        }
    )
    try:
        print("migrating the metadata DB ...", flush=True)
        if airflow(home, env, "db", "migrate", log_name="db-migrate.log"):
            print((home / "db-migrate.log").read_text()[-3000:])
            return 1
        script_emulator(url)
        # Written to the DB and unpaused before the DAGs that feed it run, so their asset events
        # queue it (a paused DAG is not queued).
        for command in (("dags", "reserialize"), ("dags", "unpause", PUBLISH_DAG_ID)):
            log_name = f"{'-'.join(command[:2])}.log"
            if airflow(home, env, *command, log_name=log_name):
                print((home / log_name).read_text()[-3000:])
                return 1
        failed = []
        for dag_id in DAG_IDS:
            print(f"running airflow dags test {dag_id} ...", flush=True)
            conf = json.dumps({"poll_interval_s": 0.2}) if dag_id == "example_dubbing_hooks" else "{}"
            log_name = f"dags-test-{dag_id}.log"
            code = airflow(home, env, "dags", "test", dag_id, "--conf", conf, log_name=log_name)
            if not (summarize(home, dag_id, home / log_name) and code == 0):
                failed.append(log_name)
        print(f"\nstarting Airflow's API server and scheduler to run {PUBLISH_DAG_ID} ...", flush=True)
        if not run_scheduled(home, env):
            failed.append("scheduler.log")
        with urllib.request.urlopen(f"{url}/_emulator/stats", timeout=5) as answer:
            stats = json.load(answer)
        print(f"\nthe emulator answered {stats['requests']} API requests: {json.dumps(stats['by_route'])}")
        for log_name in failed:
            print(f"\na DAG run failed; the last lines of {home / log_name}:")
            print(shown_text("\n".join((home / log_name).read_text().splitlines()[-40:])))
        return 1 if failed else 0
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
        if args.keep:
            print(f"\nkept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
