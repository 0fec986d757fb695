"""Injected faults over real HTTP: each kind, the queue, the seeded draw, and what a fault leaves alone."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import httpx
import pytest

from airflow_provider_dubbing.emulator.server import EmulatorServer
from airflow_provider_dubbing.emulator.settings import EmulatorSettings

LANGUAGES = "/apis/source-languages"


def _poll(client: httpx.Client, task_id: str, headers: dict[str, str]) -> httpx.Response:
    return client.get(f"/apis/dub-alt-format/{task_id}", headers=headers)


@pytest.mark.parametrize(("kind", "status"), [("429", 429), ("500", 500), ("503", 503)])
def test_status_faults_answer_the_camb_error_shape(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str], kind: str, status: int
) -> None:
    server.queue_faults([kind])

    faulted = client.get(LANGUAGES, headers=camb_headers)
    after = client.get(LANGUAGES, headers=camb_headers)

    assert faulted.status_code == status
    assert isinstance(faulted.json()["detail"], str)
    assert after.status_code == 200


@pytest.mark.parametrize(("kind", "status", "code"), [("429", 429, 8), ("500", 500, 13), ("503", 503, 14)])
def test_status_faults_answer_the_blendvision_rpc_status_shape(
    server: EmulatorServer,
    client: httpx.Client,
    bv_headers: dict[str, str],
    kind: str,
    status: int,
    code: int,
) -> None:
    server.queue_faults([kind])

    faulted = client.get("/bv/account/v1/accounts", headers=bv_headers)

    assert faulted.status_code == status
    assert faulted.json()["code"] == code
    assert faulted.json()["details"] == []


@pytest.mark.parametrize(("retry_after", "header"), [(2, "2"), (0, "0"), (1.5, "1.5")])
def test_429_carries_retry_after(
    server: EmulatorServer,
    client: httpx.Client,
    camb_headers: dict[str, str],
    retry_after: float,
    header: str,
) -> None:
    server.queue_faults(["429"], retry_after=retry_after)

    response = client.get(LANGUAGES, headers=camb_headers)

    assert response.status_code == 429
    assert response.headers["retry-after"] == header


def test_429_uses_the_plans_retry_after_by_default(
    client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    client.put("/_emulator/faults", json={"rate": 0, "retry_after": 7})
    client.put("/_emulator/faults/next", json={"kinds": ["429"]})

    assert client.get(LANGUAGES, headers=camb_headers).headers["retry-after"] == "7"


def test_502_html_answers_an_html_page(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    server.queue_faults(["502_html"])

    response = client.get(LANGUAGES, headers=camb_headers)

    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "<html>" in response.text
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_html200_answers_200_with_an_html_page(
    server: EmulatorServer, client: httpx.Client, bv_headers: dict[str, str]
) -> None:
    server.queue_faults(["html200"])

    response = client.get("/bv/account/v1/accounts", headers=bv_headers)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_truncate_answers_200_with_a_prefix_of_the_real_body(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    server.script_camb_task("t", [{"status": "PENDING", "message": {"note": "x" * 40}}])
    server.queue_faults(["truncate"])

    truncated = _poll(client, "t", camb_headers)
    real = _poll(client, "t", camb_headers)

    assert truncated.status_code == 200
    assert truncated.headers["content-type"].startswith("application/json")
    assert 0 < len(truncated.content) < len(real.content)
    assert real.content.startswith(truncated.content)
    with pytest.raises(json.JSONDecodeError):
        truncated.json()


def test_drop_closes_the_connection_without_an_answer(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    server.queue_faults(["drop"])

    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.get(LANGUAGES, headers=camb_headers)
    assert client.get(LANGUAGES, headers=camb_headers).status_code == 200


@pytest.fixture
def own_server(settings: EmulatorSettings) -> Iterator[EmulatorServer]:
    """A server of its own, so a late "slow" answer cannot touch another test's state."""
    with EmulatorServer(port=0, settings=settings) as server:
        yield server


def test_slow_outlasts_a_shorter_client_timeout(
    own_server: EmulatorServer, camb_headers: dict[str, str]
) -> None:
    own_server.queue_faults(["slow"], slow_seconds=0.3)

    with httpx.Client(base_url=own_server.url, timeout=0.05) as client, pytest.raises(httpx.ReadTimeout):
        client.get(LANGUAGES, headers=camb_headers)


def test_slow_answers_the_real_answer_late_and_the_poll_counts(
    own_server: EmulatorServer, camb_headers: dict[str, str]
) -> None:
    own_server.script_camb_task("t", [{"status": "PENDING"}, {"status": "SUCCESS"}])
    own_server.set_faults(0.0, slow_seconds=0.2)
    own_server.queue_faults(["slow"])

    with httpx.Client(base_url=own_server.url, timeout=5.0) as client:
        slow = _poll(client, "t", camb_headers)
        following = _poll(client, "t", camb_headers)

    assert slow.status_code == 200
    assert slow.elapsed.total_seconds() >= 0.2
    assert slow.json()["status"] == "PENDING"
    assert following.json()["status"] == "SUCCESS"
    assert own_server.stats()["polls"]["t"] == 2


def test_a_faulted_poll_does_not_advance_the_script(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str], bv_headers: dict[str, str]
) -> None:
    server.script_camb_task("t", [{"status": "PENDING"}, {"status": "SUCCESS"}])
    server.script_blendvision_job("j", [{"status": "ONE"}, {"status": "TWO"}])
    kinds = ["429", "500", "502_html", "503", "truncate", "html200"]

    server.queue_faults(kinds)
    assert [_poll(client, "t", camb_headers).status_code for _ in kinds] == [429, 500, 502, 503, 200, 200]
    server.queue_faults(["drop"])
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        _poll(client, "t", camb_headers)
    server.queue_faults(kinds)
    for _ in kinds:
        client.get("/bv/cms/v1/dubbing-jobs/j", headers=bv_headers)

    assert [_poll(client, "t", camb_headers).json()["status"] for _ in range(2)] == ["PENDING", "SUCCESS"]
    job_statuses = [client.get("/bv/cms/v1/dubbing-jobs/j", headers=bv_headers).json() for _ in range(2)]
    assert [job["dubbing_job"]["status"] for job in job_statuses] == ["ONE", "TWO"]
    stats = server.stats()
    assert stats["polls"] == {"t": 2, "j": 2}
    assert stats["faults"] == {kind: 2 for kind in kinds} | {"drop": 1}


def test_a_faulted_create_creates_nothing(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    server.queue_faults(["truncate", "500"])

    for _ in range(2):
        client.post("/apis/dub-alt-format/1/54", headers=camb_headers, json={"output_format": "mp4"})

    assert server.stats()["created"]["camb"] == 0
    client.post("/apis/dub-alt-format/1/54", headers=camb_headers, json={"output_format": "mp4"})
    assert server.stats()["created"]["camb"] == 1


def test_queued_faults_apply_in_order_then_stop(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    server.queue_faults(["429", "500", "503"])

    statuses = [client.get(LANGUAGES, headers=camb_headers).status_code for _ in range(5)]

    assert statuses == [429, 500, 503, 200, 200]


def test_queued_faults_come_before_the_random_draw(
    client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    client.put("/_emulator/faults", json={"rate": 1.0, "seed": 1, "kinds": ["503"]})
    client.put("/_emulator/faults/next", json={"kinds": ["429"]})

    statuses = [client.get(LANGUAGES, headers=camb_headers).status_code for _ in range(3)]

    assert statuses == [429, 503, 503]


def test_admin_routes_are_never_faulted(client: httpx.Client) -> None:
    client.put("/_emulator/faults", json={"rate": 1.0, "seed": 3, "kinds": ["500", "drop"]})

    assert client.get("/_emulator/health").status_code == 200
    assert client.get("/_emulator/stats").json()["faults"] == {}


def _statuses(client: httpx.Client, headers: dict[str, str], seed: int, count: int = 40) -> list[int]:
    client.post("/_emulator/reset")
    client.put("/_emulator/faults", json={"rate": 0.5, "seed": seed, "kinds": ["429", "500", "503"]})
    return [client.get(LANGUAGES, headers=headers).status_code for _ in range(count)]


def test_the_random_draw_is_determined_by_the_seed_and_request_order(
    client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    first = _statuses(client, camb_headers, seed=11)
    again = _statuses(client, camb_headers, seed=11)
    other = _statuses(client, camb_headers, seed=12)

    rng = random.Random(11)
    expected = [int(rng.choice(["429", "500", "503"])) if rng.random() < 0.5 else 200 for _ in range(40)]
    assert first == again == expected
    assert other != first
    assert {200, 429, 500, 503} <= set(first)


def test_a_rate_of_one_faults_every_api_request(client: httpx.Client, camb_headers: dict[str, str]) -> None:
    client.put("/_emulator/faults", json={"rate": 1, "kinds": [500]})

    assert {client.get(LANGUAGES, headers=camb_headers).status_code for _ in range(5)} == {500}


def test_faults_apply_before_credentials_are_checked(server: EmulatorServer, client: httpx.Client) -> None:
    server.queue_faults(["503"])

    assert client.get(LANGUAGES).status_code == 503
    assert client.get(LANGUAGES).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"rate": 1.5},
        {"rate": -0.1},
        {"rate": "half"},
        {"rate": 0.5, "kinds": []},
        {"kinds": ["418"]},
        {"kinds": "429"},
        {"seed": "abc"},
        {"retry_after": -1},
        {"rate": 0.5, "seed": 9, "kinds": ["500"], "retry_after": -1},
        {"slow_seconds": "long"},
        {"rate": 0.1, "colour": "red"},
    ],
)
def test_bad_fault_settings_answer_400_and_change_nothing(
    client: httpx.Client, body: dict[str, object]
) -> None:
    before = client.get("/_emulator/faults").json()

    response = client.put("/_emulator/faults", json=body)

    assert response.status_code == 400
    assert isinstance(response.json()["error"], str)
    assert client.get("/_emulator/faults").json() == before


@pytest.mark.parametrize("body", [{}, {"kinds": ["nope"]}, {"kinds": ["429"], "extra": 1}, ["429"]])
def test_a_bad_fault_queue_answers_400(client: httpx.Client, body: object) -> None:
    assert client.put("/_emulator/faults/next", json=body).status_code == 400
    assert client.get("/_emulator/faults").json()["faults"]["queued"] == []


def test_in_process_fault_helpers_reject_bad_settings(server: EmulatorServer) -> None:
    with pytest.raises(ValueError, match="rate"):
        server.set_faults(2.0)
    with pytest.raises(ValueError, match="unknown fault kind"):
        server.queue_faults(["teapot"])


def test_a_method_filter_faults_status_checks_but_never_a_create(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    server.set_faults(1.0, kinds=["503"], methods=["get"])
    created = client.post("/apis/dub-alt-format/5/54", headers=camb_headers, json={"output_format": "mp4"})
    assert created.status_code == 200
    status_path = f"/apis/dub-alt-format/{created.json()['task_id']}"
    assert client.get(status_path, headers=camb_headers).status_code == 503
    assert client.get("/_emulator/faults").json()["faults"]["methods"] == ["GET"]
    assert client.put("/_emulator/faults", json={"rate": 1.0, "methods": ["FETCH"]}).status_code == 400
