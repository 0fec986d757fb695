"""Where a start operator's started-work note lives on each Airflow line, through ``dag.test()``
against the emulator: Airflow 3.3's task state store (no Variable written), an Airflow Variable on
the lines before it, and an old Variable note still honoured (and moved into the store) after an
upgrade to 3.3. Each test counts the emulator's creates: a retry must reattach, never pay twice.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_dubbing.operators.started_work import KEY_PREFIX, STORE_KEY
from tests.conftest import AIRFLOW_LINE, needs_dag_test, task_rows
from tests.dags import operator_dags as ops
from tests.dags import started_work_dags

pytestmark = [pytest.mark.airflow, needs_dag_test, pytest.mark.timeout(300)]

HAS_STORE = AIRFLOW_LINE >= (3, 3)
needs_store = pytest.mark.skipif(
    not HAS_STORE, reason="Airflow before 3.3 has no task state store; the note is a Variable there"
)
lacks_store = pytest.mark.skipif(
    HAS_STORE, reason="Airflow 3.3+ notes in the task state store (the store tests above)"
)

MODES = ["worker", "deferred"]
TASK = {"bv": "create_job", "camb": "export"}


def store_notes(dag_run: Any) -> dict[tuple[str, int], tuple[dict[str, Any], Any]]:
    """(task id, map index) -> (note, expires_at) of the started-work notes in the task state
    store of ``dag_run``'s task instances (none before Airflow 3.3)."""
    try:
        from airflow.models.task_state_store import TaskStateStoreModel
    except ImportError:  # Airflow before 3.3
        return {}
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = (
            session.query(TaskStateStoreModel)
            .filter_by(dag_id=dag_run.dag_id, run_id=dag_run.run_id, key=STORE_KEY)
            .all()
        )
        return {(row.task_id, row.map_index): (json.loads(row.value), row.expires_at) for row in rows}


def variable_notes(dag_run: Any) -> dict[tuple[str, int], dict[str, Any]]:
    """(task id, map index) -> the started-work note ``dag_run``'s tasks left in Airflow Variables
    (decrypted)."""
    from airflow.models.variable import Variable as VariableRow
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(VariableRow).filter(VariableRow.key.like(KEY_PREFIX + "%")).all()
        notes = [json.loads(row.val) for row in rows]
    return {(n["task_id"], n["map_index"]): n for n in notes if n["run_id"] == dag_run.run_id}


def started_notes(dag_run: Any) -> list[dict[str, Any]]:
    """Every started-work note of ``dag_run``'s tasks, wherever this Airflow line keeps it."""
    return [note for note, _ in store_notes(dag_run).values()] + list(variable_notes(dag_run).values())


def object_id(result: dict[str, Any]) -> str:
    """The id in a start operator's returned dict: a job's ``id`` or an export's ``task_id``."""
    return str(result.get("id") or result["task_id"])


def clear(dag_run: Any, task_id: str) -> tuple[str, str]:
    """Clear one task of ``dag_run`` as the UI and REST API do; returns its TI id before and after."""
    from airflow.models.taskinstance import TaskInstance, clear_task_instances
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        query = select(TaskInstance).where(
            TaskInstance.dag_id == dag_run.dag_id,
            TaskInstance.run_id == dag_run.run_id,
            TaskInstance.task_id == task_id,
        )
        [ti] = session.scalars(query).all()
        before = str(ti.id)
        clear_task_instances([ti], session)
    with create_session() as session:
        [ti] = session.scalars(query).all()
        assert ti.state is None
        return before, str(ti.id)


@pytest.fixture(autouse=True)
def _clean() -> Any:
    ops.SEEN.clear()
    ops.ON_RETRY.clear()
    yield
    ops.ON_RETRY.clear()


def run_retried(connections: Any, service: str, mode: str) -> tuple[Any, tuple[str, int, Any]]:
    """Run the retry DAG: the first try's checks all fail after its create, so a retry must reattach."""
    connections.script_blendvision_source(ops.BV_SOURCE, processing_polls=1)
    connections.script_camb_run(ops.CAMB_RUN, pending_polls=1)
    # The create is answered; then 2 checks of 4 attempts each (the client's 3 retries) get 503.
    connections.queue_faults(["none"] + ["503"] * 8)
    dag_run = getattr(ops, f"ops_retry_{service}_{mode}").test()
    task = task_rows(dag_run)[TASK[service]]
    assert task[:2] == ("success", 2)
    created = connections.stats()["created"]
    assert created == ({"camb": 0, "blendvision": 1} if service == "bv" else {"camb": 1, "blendvision": 0})
    return dag_run, task


@needs_store
@pytest.mark.parametrize("service", ["bv", "camb"])
@pytest.mark.parametrize("mode", MODES)
def test_on_3_3_a_retry_reattaches_through_the_task_state_store(
    airflow_db: Path, connections: Any, mode: str, service: str
) -> None:
    dag_run, (_, _, result) = run_retried(connections, service, mode)

    task_id = TASK[service]
    [(found, (note, expires_at))] = store_notes(dag_run).items()
    assert found == (task_id, -1)
    assert (note["object_id"], note["run_id"], note["map_index"]) == (object_id(result), dag_run.run_id, -1)
    assert expires_at is None  # NEVER_EXPIRE: the note goes with its DAG run, not before
    assert variable_notes(dag_run) == {}

    # A clear (UI, REST API, CLI) starts a new try with a new TI id, but keeps the store's rows,
    # which belong to the DAG run: the next try reads the same note and reattaches.
    before, after = clear(dag_run, task_id)
    assert before != after
    assert store_notes(dag_run) == {(task_id, -1): (note, None)}


@lacks_store
@pytest.mark.parametrize("service", ["bv", "camb"])
@pytest.mark.parametrize("mode", MODES)
def test_before_3_3_a_retry_reattaches_through_a_variable(
    airflow_db: Path, connections: Any, mode: str, service: str
) -> None:
    if AIRFLOW_LINE == (3, 0) and mode == "deferred":
        # As in test_operators.py: 3.0.6's dag.test() does not run a retried deferred try's trigger.
        pytest.skip("Airflow 3.0's dag.test() does not run the trigger of a retried deferred try")
    dag_run, (_, _, result) = run_retried(connections, service, mode)

    notes = variable_notes(dag_run)
    assert list(notes) == [(TASK[service], -1)]
    assert notes[(TASK[service], -1)]["object_id"] == object_id(result)
    assert store_notes(dag_run) == {}


@needs_store
@pytest.mark.parametrize("mode", MODES)
def test_on_3_3_an_old_variable_note_is_honoured_and_moved_into_the_store(
    airflow_db: Path, connections: Any, mode: str
) -> None:
    connections.script_blendvision_source(started_work_dags.BV_SOURCE, processing_polls=1)
    dag_run = getattr(started_work_dags, f"started_old_note_{mode}").test()
    found = task_rows(dag_run)

    assert found["old_version"][:2] == ("success", 1)
    noted_job = found["old_version"][2]
    state, tries, result = found["create_job"]
    assert (state, tries, result["id"], result["status"]) == (
        "success",
        1,
        noted_job,
        "DUBBING_STATUS_SUCCEEDED",
    )
    # The old version's create is the only one: create_job reattached to it.
    assert connections.stats()["created"] == {"camb": 0, "blendvision": 1}
    notes = store_notes(dag_run)
    assert notes[("create_job", -1)][0]["object_id"] == noted_job
    assert variable_notes(dag_run) == {}  # moved, not copied


@needs_store
def test_on_3_3_with_clear_on_success_the_note_is_kept_in_a_variable_too(
    airflow_db: Path, connections: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Airflow then wipes the store's note when the task succeeds; the Variable keeps the promise
    # that a later try (or a clear) of a succeeded task finds the work.
    monkeypatch.setenv("AIRFLOW__STATE_STORE__CLEAR_ON_SUCCESS", "True")
    connections.script_blendvision_source(ops.BV_SOURCE, processing_polls=1)
    dag_run = ops.ops_retry_bv_worker.test()
    state, tries, result = task_rows(dag_run)["create_job"]

    assert (state, tries) == ("success", 1)
    assert store_notes(dag_run) == {}
    assert variable_notes(dag_run)[("create_job", -1)]["object_id"] == result["id"]
