"""The secret audit: every example DAG, deferred and on the worker, with a failure and with faults on;
then everything that was written is searched for the API key and the token, and every log line, output,
trigger and file but the metadata DB for a presigned URL's signature (the URLs belong in task results,
which the next task reads, and nowhere else).

Searched: every file under the throwaway AIRFLOW_HOME (task logs, the metadata DB's bytes), every row
of every metadata table as text (XCom, rendered template fields, task instances, the log table),
the trigger rows decrypted, each trigger's serialized kwargs as the triggerer would store them,
every log line (task, trigger, client and the emulator's own request log), everything printed
to stdout and stderr, and the text of each task failure.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_dubbing.triggers.base import DubbingWaitTrigger
from tests.conftest import (
    BV_ORG,
    BV_TOKEN,
    CAMB_KEY,
    connection_uri_env,
    needs_dag_test,
    stored_trigger_kwargs,
)
from tests.integration.test_example_dags import load_dag, mapped_rows

pytestmark = pytest.mark.airflow

SECRETS = (CAMB_KEY, BV_TOKEN)
EXAMPLES = [
    ("example_camb_dubbing_pipeline.py", "example_camb_dubbing_pipeline"),
    ("example_dubbing_hooks.py", "example_dubbing_hooks"),
    ("example_dubbing_sensors.py", "example_dubbing_sensors"),
    ("example_blendvision_localisation.py", "example_blendvision_localisation"),
    ("example_camb_export_formats.py", "example_camb_export_formats"),
]
FAULT_KINDS = ["429", "500", "502_html", "503", "drop", "truncate", "slow"]
# What signs every presigned URL the emulator hands out (as S3's do).
SIGNATURE = "X-Amz-Signature="


@pytest.fixture
def serialized_triggers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ``serialize()`` output of every trigger a task deferred to, as Airflow stores it.

    Recorded at ``defer()``: Airflow 2's ``dag.test()`` runs a trigger inline and never stores it.
    """
    from airflow_provider_dubbing._compat import BaseOperator

    seen: list[str] = []
    original = BaseOperator.defer

    def recording(self: Any, *args: Any, **kwargs: Any) -> Any:
        trigger = kwargs.get("trigger", args[0] if args else None)
        if isinstance(trigger, DubbingWaitTrigger):
            seen.append(json.dumps(trigger.serialize(), default=str))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(BaseOperator, "defer", recording)
    return seen


def _not_deferred(dag: Any) -> None:
    # The examples ask for deferral in the DAG file; the worker-side run flips it on the parsed tasks.
    for task in dag.tasks:
        if getattr(task, "partial_kwargs", None) is not None and "deferrable" in task.partial_kwargs:
            task.partial_kwargs["deferrable"] = False
        elif getattr(task, "deferrable", None) is True:
            task.deferrable = False


def _database_text(home: Path) -> str:
    """Every row of every table of the metadata DB, as text."""
    parts = []
    with contextlib.closing(sqlite3.connect(home / "airflow.db")) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                parts.append(
                    " ".join(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in row)
                )
    return "\n".join(parts)


def _files_with(home: Path, secret: str) -> list[str]:
    # What Airflow and the package wrote, not the DAG sources the tests link into the DAGs
    # folder (a test DAG may hold a signed URL to check it never reaches a log or an event).
    needle = secret.encode()
    return [
        str(path)
        for path in home.rglob("*")
        if path.is_file() and not path.is_symlink() and needle in path.read_bytes()
    ]


@needs_dag_test
@pytest.mark.timeout(900)
@pytest.mark.parametrize("deferred", [True, False], ids=["deferred", "worker"])
def test_no_secret_is_written_anywhere(
    airflow_db: Path,
    connections: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    log_lines: Any,
    capfd: pytest.CaptureFixture[str],
    serialized_triggers: list[str],
    deferred: bool,
) -> None:
    # Quick answers and a short request timeout, so that "slow" answers time the client out.
    monkeypatch.setenv("DUBBING_EXAMPLE_FIRST_WAIT_S", "0.05")
    monkeypatch.setenv("DUBBING_EXAMPLE_DELIVERY_DIR", str(tmp_path))
    monkeypatch.setenv(
        "AIRFLOW_CONN_CAMB_DEFAULT",
        connection_uri_env("camb", connections.camb_base_url, CAMB_KEY, {"request_timeout_s": 0.5}),
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_BLENDVISION_DEFAULT",
        connection_uri_env(
            "blendvision",
            connections.blendvision_base_url,
            BV_TOKEN,
            {"org_id": BV_ORG, "request_timeout_s": 0.5},
        ),
    )
    # A failure: the broadcast master's run needs payment. Faults on status checks only, so
    # every create happens once and the runs end as scripted.
    connections.script_camb_run(
        18343, pending_polls=1, outcome="PAYMENT_REQUIRED", exception_reason="PLAN_LIMIT"
    )
    connections.set_faults(
        rate=0.3, seed=6, kinds=FAULT_KINDS, retry_after=0.05, slow_seconds=1.0, methods=["GET"]
    )

    states: dict[tuple[str, str, int], str] = {}
    for file_name, dag_id in EXAMPLES:
        dag = load_dag(file_name, dag_id)
        if not deferred:
            _not_deferred(dag)
        dag_run = dag.test()
        assert dag_run.state == "success", (dag_id, mapped_rows(dag_run))
        for (task_id, index), (state, _value) in mapped_rows(dag_run).items():
            states[(dag_id, task_id, index)] = state

    # The runs did what the audit needs: a failure, deferrals (or none), faults of every kind.
    failed = [key for key, state in states.items() if state == "failed"]
    assert failed == [("example_camb_export_formats", "export_broadcast_master", -1)]
    assert all(state == "success" for key, state in states.items() if key not in failed)
    stats = connections.stats()
    assert set(stats["faults"]) >= set(FAULT_KINDS) - {"slow"}, stats["faults"]
    assert stats["faults"].get("slow", 0) + stats["faults"].get("drop", 0) > 0
    assert bool(serialized_triggers) is deferred

    written = {
        "log lines (task, trigger, client, emulator)": "\n".join(log_lines()),
        "stdout and stderr": "".join(capfd.readouterr()),
        "metadata DB rows": _database_text(airflow_db),
        "trigger rows, decrypted": "\n".join(stored_trigger_kwargs()),
        "serialized trigger kwargs": "\n".join(serialized_triggers),
    }
    emulator_lines = [line for line in log_lines() if line.startswith(("camb ", "blendvision "))]
    assert len(emulator_lines) >= stats["requests"] // 2, "the emulator's request log was not captured"
    assert "export_broadcast_master" in written["metadata DB rows"]
    # The tables the issue names were written to, so searching them means something.
    with contextlib.closing(sqlite3.connect(airflow_db / "airflow.db")) as db:
        for table in ("xcom", "rendered_task_instance_fields"):
            (count,) = db.execute(f"SELECT COUNT(*) FROM {table} WHERE dag_id LIKE 'example_%'").fetchone()
            assert count > 0, f"no {table} rows to search"
    assert "PLAN_LIMIT" in written["log lines (task, trigger, client, emulator)"]
    for secret in SECRETS:
        hits = {where: text.count(secret) for where, text in written.items() if secret in text}
        assert hits == {}, f"secret found in {hits}"
        assert _files_with(airflow_db, secret) == []

    # Presigned URLs: whole in the results (XCom), shown without their query string everywhere else.
    assert SIGNATURE in written["metadata DB rows"], "no presigned URL reached a task result"
    assert "/_files/" in written["log lines (task, trigger, client, emulator)"], "no file was ever logged"
    shown = {where: text for where, text in written.items() if where != "metadata DB rows"}
    hits = {where: text.count(SIGNATURE) for where, text in shown.items() if SIGNATURE in text}
    assert hits == {}, f"a presigned URL's signature found in {hits}"
    # The metadata DB's own files (the DB, its WAL and journal) hold the XCom rows.
    assert [path for path in _files_with(airflow_db, SIGNATURE) if "airflow.db" not in Path(path).name] == []
