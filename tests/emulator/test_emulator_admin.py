"""The admin API under ``/_emulator``: every route, its bad bodies, and the counters it reports."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from airflow_provider_dubbing.emulator.server import EmulatorServer


def test_health_answers_ok(client: httpx.Client) -> None:
    response = client.get("/_emulator/health")

    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_admin_routes_need_no_credentials_and_are_not_counted(client: httpx.Client) -> None:
    assert client.put("/_emulator/camb/tasks/t", json={}).status_code == 200
    assert client.put("/_emulator/camb/runs/1", json={}).status_code == 200
    assert client.put("/_emulator/camb/dubs/d", json={}).status_code == 200
    assert client.put("/_emulator/camb/videos", json={"video_url": "v.mp4"}).status_code == 200
    assert client.put("/_emulator/camb/results/1", json={}).status_code == 200
    assert client.put("/_emulator/blendvision/jobs/j", json={}).status_code == 200
    assert client.put("/_emulator/blendvision/sources/s", json={}).status_code == 200
    assert client.put("/_emulator/faults", json={"rate": 0}).status_code == 200
    assert client.put("/_emulator/faults/next", json={"kinds": []}).status_code == 200
    assert client.get("/_emulator/faults").status_code == 200

    assert client.get("/_emulator/stats").json()["requests"] == 0


def test_an_empty_script_body_gives_the_default_script(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str], bv_headers: dict[str, str]
) -> None:
    task = client.put("/_emulator/camb/tasks/t", content=b"")
    job = client.put("/_emulator/blendvision/jobs/j", json={})

    assert task.json() == {"task_id": "t", "run_id": None, "steps": 3}
    assert job.json()["steps"] == 4
    statuses = [client.get("/apis/dub-alt-format/t", headers=camb_headers).json()["status"] for _ in range(3)]
    assert statuses == ["PENDING", "PENDING", "SUCCESS"]


def test_putting_a_task_again_replaces_it_and_restarts_its_script(
    client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    client.put("/_emulator/camb/tasks/t", json={"steps": [{"status": "A"}, {"status": "B"}]})
    client.get("/apis/dub-alt-format/t", headers=camb_headers)

    client.put("/_emulator/camb/tasks/t", json={"steps": [{"status": "C"}, {"status": "D"}]})

    assert client.get("/apis/dub-alt-format/t", headers=camb_headers).json()["status"] == "C"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_emulator/camb/tasks/t", {"steps": []}),
        ("/_emulator/camb/tasks/t", {"steps": "PENDING"}),
        ("/_emulator/camb/tasks/t", {"steps": [{"run_id": 1}]}),
        ("/_emulator/camb/tasks/t", {"steps": [{"status": "PENDING", "colour": "red"}]}),
        ("/_emulator/camb/tasks/t", {"steps": [{"status": "PENDING", "bare": "yes"}]}),
        ("/_emulator/camb/tasks/t", {"steps": [{"status": "PENDING"}], "pending_polls": 2}),
        ("/_emulator/camb/tasks/t", {"pending_polls": -1}),
        ("/_emulator/camb/tasks/t", {"pending_polls": True}),
        ("/_emulator/camb/tasks/t", {"outcome": ""}),
        ("/_emulator/camb/tasks/t", {"run_id": "7"}),
        ("/_emulator/camb/tasks/t", {"pendingPolls": 2}),
        ("/_emulator/camb/tasks/t", ["PENDING"]),
        ("/_emulator/camb/runs/abc", {}),
        ("/_emulator/blendvision/jobs/j", {"steps": [{"outputs": []}]}),
        ("/_emulator/blendvision/jobs/j", {"job": "vod-1"}),
        ("/_emulator/blendvision/jobs/j", {"processing_polls": "2"}),
        ("/_emulator/blendvision/jobs/j", {"error_infos": {"reason": "X"}}),
        ("/_emulator/blendvision/sources/s", {"job": {}}),
    ],
)
def test_a_bad_admin_body_answers_400_with_an_error(client: httpx.Client, path: str, body: Any) -> None:
    response = client.put(path, json=body)

    assert response.status_code == 400
    assert isinstance(response.json()["error"], str)


def test_a_body_that_is_not_json_answers_400(client: httpx.Client) -> None:
    response = client.put("/_emulator/camb/tasks/t", content=b"{nope")

    assert response.status_code == 400


def test_an_unknown_admin_route_answers_404_and_a_wrong_method_405(client: httpx.Client) -> None:
    assert client.get("/_emulator/nothing-here").status_code == 404
    assert client.get("/_emulator/reset").status_code == 405


def test_a_rejected_script_leaves_the_previous_one_in_place(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    client.put("/_emulator/camb/tasks/t", json={"steps": [{"status": "KEPT"}]})

    assert client.put("/_emulator/camb/tasks/t", json={"steps": []}).status_code == 400
    with pytest.raises(ValueError, match="steps"):
        server.script_camb_task("t", [])

    assert client.get("/apis/dub-alt-format/t", headers=camb_headers).json()["status"] == "KEPT"


def test_stats_count_api_requests_by_route_polls_creates_and_faults(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str], bv_headers: dict[str, str]
) -> None:
    task_id = client.post(
        "/apis/dub-alt-format/1/54", headers=camb_headers, json={"output_format": "mov"}
    ).json()["task_id"]
    for _ in range(3):
        client.get(f"/apis/dub-alt-format/{task_id}", headers=camb_headers)
    job = {
        "source_type": "DUBBING_SOURCE_TYPE_AUDIO",
        "source_id": "a",
        "source_lang_code": "en",
        "outputs": [{"lang_code": "de"}],
    }
    job_id = client.post("/bv/cms/v1/dubbing-jobs", headers=bv_headers, json={"dubbing_job": job}).json()[
        "dubbing_job"
    ]["id"]
    client.get(f"/bv/cms/v1/dubbing-jobs/{job_id}", headers=bv_headers)
    client.get("/apis/source-languages")  # 401: counted, not a poll
    client.get("/apis/dub-alt-format/unknown", headers=camb_headers)  # 404: counted, not a poll
    server.queue_faults(["500"])
    client.get(f"/apis/dub-alt-format/{task_id}", headers=camb_headers)  # faulted: counted, not a poll

    stats = client.get("/_emulator/stats").json()

    assert stats == server.stats()
    assert stats["requests"] == 9
    assert stats["by_route"] == {
        "POST /apis/dub-alt-format/{run_id}/{language}": 1,
        "GET /apis/dub-alt-format/{task_id}": 5,
        "POST /bv/cms/v1/dubbing-jobs": 1,
        "GET /bv/cms/v1/dubbing-jobs/{id}": 1,
        "GET /apis/source-languages": 1,
    }
    assert stats["polls"] == {task_id: 3, job_id: 1}
    assert stats["created"] == {"camb": 1, "blendvision": 1}
    assert stats["faults"] == {"500": 1}


def test_reset_forgets_tasks_jobs_scripts_faults_and_counts(
    client: httpx.Client, camb_headers: dict[str, str], bv_headers: dict[str, str]
) -> None:
    client.put("/_emulator/camb/tasks/t", json={})
    client.put("/_emulator/camb/runs/5", json={"outcome": "ERROR", "pending_polls": 0})
    client.put("/_emulator/blendvision/jobs/j", json={})
    client.put("/_emulator/faults", json={"rate": 0.5, "kinds": ["500"]})
    client.put("/_emulator/faults/next", json={"kinds": ["429"]})
    client.get("/apis/source-languages", headers=camb_headers)

    assert client.post("/_emulator/reset").json() == {"ok": True}

    assert client.get("/_emulator/stats").json() == {
        "requests": 0,
        "by_route": {},
        "faults": {},
        "polls": {},
        "created": {"camb": 0, "blendvision": 0},
    }
    assert client.get("/_emulator/faults").json()["faults"]["rate"] == 0.0
    assert client.get("/_emulator/faults").json()["faults"]["queued"] == []
    assert client.get("/apis/dub-alt-format/t", headers=camb_headers).status_code == 404
    assert client.get("/bv/cms/v1/dubbing-jobs/j", headers=bv_headers).status_code == 404
    task_id = client.post(
        "/apis/dub-alt-format/5/54", headers=camb_headers, json={"output_format": "mp4"}
    ).json()["task_id"]
    assert client.get(f"/apis/dub-alt-format/{task_id}", headers=camb_headers).json()["status"] == "PENDING"


def test_the_fault_plan_reads_back_as_set(client: httpx.Client) -> None:
    client.put(
        "/_emulator/faults",
        json={"rate": 0.25, "seed": 4, "kinds": ["slow", "drop"], "retry_after": 3, "slow_seconds": 0.5},
    )
    client.put("/_emulator/faults/next", json={"kinds": ["500", "429"]})

    assert client.get("/_emulator/faults").json() == {
        "faults": {
            "rate": 0.25,
            "seed": 4,
            "kinds": ["slow", "drop"],
            "retry_after": 3.0,
            "slow_seconds": 0.5,
            "methods": None,
            "queued": ["500", "429"],
        }
    }
