"""``make demo``: run the example DAGs end to end against the local emulator.

Starts the emulator on a free port of 127.0.0.1, makes a throwaway AIRFLOW_HOME with the
two connections pointing at it, runs ``airflow dags test`` for each example DAG (sensors
deferred, their triggers run in line), then prints what each task did and what the
emulator saw. No account and no network are needed. Pass ``--keep`` to
keep the Airflow home (its logs and SQLite DB) for a look afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DAG_IDS = ("example_dubbing_hooks", "example_dubbing_sensors")
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


def summarize(home: Path, dag_id: str) -> bool:
    db = sqlite3.connect(home / "airflow.db")
    (run_id, run_state) = db.execute(
        "SELECT run_id, state FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (dag_id,)
    ).fetchone()
    print(f"\nDAG {dag_id}, run {run_id}: {run_state.upper()}")
    tasks = db.execute(
        "SELECT task_id, state, try_number FROM task_instance"
        " WHERE dag_id = ? AND run_id = ? ORDER BY start_date",
        (dag_id, run_id),
    ).fetchall()
    values = dict(
        db.execute(
            "SELECT task_id, value FROM xcom WHERE dag_id = ? AND run_id = ? AND key = 'return_value'",
            (dag_id, run_id),
        ).fetchall()
    )
    for task_id, state, tries in tasks:
        produced = values.get(task_id)
        if isinstance(produced, bytes):
            produced = produced.decode()
        shown = json.dumps(json.loads(produced), sort_keys=True) if produced else "-"
        if len(shown) > 160:
            shown = shown[:157] + "..."
        print(f"  {task_id:<28} {state:<8} try {tries}  -> {shown}")
    report = values.get("report")
    if report:
        print("\nreport:", json.dumps(json.loads(report), indent=2))
    return bool(run_state == "success")


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
        failed = []
        for dag_id in DAG_IDS:
            print(f"running airflow dags test {dag_id} ...", flush=True)
            conf = json.dumps({"poll_interval_s": 0.2}) if dag_id == "example_dubbing_hooks" else "{}"
            log_name = f"dags-test-{dag_id}.log"
            code = airflow(home, env, "dags", "test", dag_id, "--conf", conf, log_name=log_name)
            if not (summarize(home, dag_id) and code == 0):
                failed.append(log_name)
        with urllib.request.urlopen(f"{url}/_emulator/stats", timeout=5) as answer:
            stats = json.load(answer)
        print(f"\nthe emulator answered {stats['requests']} API requests: {json.dumps(stats['by_route'])}")
        for log_name in failed:
            print(f"\na DAG run failed; the last lines of {home / log_name}:")
            print("\n".join((home / log_name).read_text().splitlines()[-40:]))
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
