"""The fake CAMB.AI API over real HTTP: credentials, languages, exports and their scripted status."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest

from airflow_provider_dubbing.emulator.server import EmulatorServer
from airflow_provider_dubbing.emulator.settings import EmulatorSettings


def _status(client: httpx.Client, task_id: str, headers: dict[str, str], **params: Any) -> httpx.Response:
    return client.get(f"/apis/dub-alt-format/{task_id}", headers=headers, params=params)


def _export(
    client: httpx.Client, headers: dict[str, str], run_id: Any = 42, language: Any = 54, **body: Any
) -> httpx.Response:
    return client.post(
        f"/apis/dub-alt-format/{run_id}/{language}", headers=headers, json=body or {"output_format": "mp4"}
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/apis/source-languages"),
        ("GET", "/apis/target-languages"),
        ("POST", "/apis/dub-alt-format/42/54"),
        ("GET", "/apis/dub-alt-format/some-task"),
    ],
)
@pytest.mark.parametrize("headers", [{}, {"x-api-key": "wrong"}, {"x-api-key": ""}])
def test_every_route_answers_401_for_a_missing_or_wrong_key(
    client: httpx.Client, method: str, path: str, headers: dict[str, str]
) -> None:
    response = client.request(method, path, headers=headers, json={"output_format": "mp4"})

    assert response.status_code == 401
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize("path", ["/apis/source-languages", "/apis/target-languages"])
def test_languages_are_a_list_of_id_language_short_name(
    client: httpx.Client, camb_headers: dict[str, str], path: str
) -> None:
    response = client.get(path, headers=camb_headers)

    assert response.status_code == 200
    languages = response.json()
    assert {(item["id"], item["short_name"]) for item in languages} >= {
        (1, "en-us"),
        (54, "es-es"),
        (88, "ja-jp"),
    }
    assert all(set(item) == {"id", "language", "short_name"} for item in languages)


def test_a_default_export_is_pending_for_pending_polls_then_succeeds_and_stays(
    client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    created = _export(client, camb_headers, run_id=42, language=54, output_format="mkv")
    assert created.status_code == 200
    task_id = created.json()["task_id"]

    answers = [_status(client, task_id, camb_headers).json() for _ in range(4)]

    assert [answer["status"] for answer in answers] == ["PENDING", "PENDING", "SUCCESS", "SUCCESS"]
    assert answers[0] == {"status": "PENDING", "run_id": None, "exception_reason": None, "message": None}
    # No documented field of the status answer holds the file's URL: the message stays null.
    assert answers[2] == {"status": "SUCCESS", "run_id": 42, "exception_reason": None, "message": None}


def test_each_export_gets_its_own_task_and_script(client: httpx.Client, camb_headers: dict[str, str]) -> None:
    first = _export(client, camb_headers).json()["task_id"]
    second = _export(client, camb_headers, language="es-ES").json()["task_id"]
    assert first != second

    _status(client, first, camb_headers)
    _status(client, first, camb_headers)

    assert _status(client, first, camb_headers).json()["status"] == "SUCCESS"
    assert _status(client, second, camb_headers).json()["status"] == "PENDING"


def test_the_run_id_query_is_accepted_when_an_integer(
    client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    task_id = _export(client, camb_headers).json()["task_id"]

    assert _status(client, task_id, camb_headers, run_id=42).status_code == 200
    bad = _status(client, task_id, camb_headers, run_id="forty-two")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "run_id"]


@pytest.mark.parametrize(
    ("run_id", "language", "body", "loc"),
    [
        (42, 54, {"output_format": "ogg"}, ["body", "output_format"]),
        (42, 54, {"output_format": "MP4"}, ["body", "output_format"]),
        (42, 54, {}, ["body", "output_format"]),
        ("abc", 54, {"output_format": "mp4"}, ["path", "run_id"]),
        ("4.2", 54, {"output_format": "mp4"}, ["path", "run_id"]),
        (42, "not a tag!", {"output_format": "mp4"}, ["path", "language"]),
        (42, 0, {"output_format": "mp4"}, ["path", "language"]),
    ],
)
def test_invalid_exports_answer_422_with_the_field_in_loc(
    client: httpx.Client, camb_headers: dict[str, str], run_id: Any, language: Any, body: Any, loc: list[str]
) -> None:
    response = client.post(f"/apis/dub-alt-format/{run_id}/{language}", headers=camb_headers, json=body)

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [problem["loc"] for problem in detail] == [loc]
    assert all(isinstance(problem["msg"], str) and isinstance(problem["type"], str) for problem in detail)


def test_an_export_body_that_is_not_json_answers_422(
    client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    response = client.post("/apis/dub-alt-format/42/54", headers=camb_headers, content=b"{not json")

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]


def test_every_output_format_is_accepted(client: httpx.Client, camb_headers: dict[str, str]) -> None:
    for output_format in ("flac", "wav", "mp3", "aac", "m4a", "mkv", "mp4", "mov", "mxf"):
        response = _export(client, camb_headers, output_format=output_format)
        assert response.status_code == 200, output_format


def test_an_unknown_task_answers_404_with_a_detail(
    client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    response = _status(client, "no-such-task", camb_headers)

    assert response.status_code == 404
    assert isinstance(response.json()["detail"], str)


def test_a_scripted_task_answers_its_steps_including_an_unknown_status(
    client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    steps = [
        {"status": "PENDING"},
        {"status": "QUEUED_FOR_REVIEW", "message": "new in v2"},
        {"status": "ERROR", "exception_reason": "PROCESSING_ERROR", "message": {"detail": "ffmpeg exited 1"}},
    ]
    put = client.put("/_emulator/camb/tasks/t-1", json={"steps": steps, "run_id": 7})
    assert put.status_code == 200

    answers = [_status(client, "t-1", camb_headers).json() for _ in range(4)]

    assert answers[0] == {"status": "PENDING", "run_id": 7, "exception_reason": None, "message": None}
    assert answers[1]["status"] == "QUEUED_FOR_REVIEW"
    assert answers[1]["message"] == "new in v2"
    assert answers[2] == {
        "status": "ERROR",
        "run_id": 7,
        "exception_reason": "PROCESSING_ERROR",
        "message": {"detail": "ffmpeg exited 1"},
    }
    assert answers[3] == answers[2]


def test_a_bare_step_answers_only_the_json_string(client: httpx.Client, camb_headers: dict[str, str]) -> None:
    client.put(
        "/_emulator/camb/tasks/bare",
        json={"steps": [{"status": "PENDING", "bare": True}, {"status": "SUCCESS"}]},
    )

    first = _status(client, "bare", camb_headers)
    second = _status(client, "bare", camb_headers)

    assert first.status_code == 200
    assert first.content == b'"PENDING"'
    assert first.json() == "PENDING"
    assert second.json()["status"] == "SUCCESS"


def test_a_raw_step_answers_any_json_verbatim(client: httpx.Client, camb_headers: dict[str, str]) -> None:
    client.put(
        "/_emulator/camb/tasks/odd", json={"steps": [{"raw": {"state": 3, "run": "x"}}, {"raw": [1, 2]}]}
    )

    assert _status(client, "odd", camb_headers).json() == {"state": 3, "run": "x"}
    assert _status(client, "odd", camb_headers).json() == [1, 2]


def test_the_shorthand_scripts_pending_polls_then_an_outcome(
    client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    body = {
        "pending_polls": 1,
        "outcome": "PAYMENT_REQUIRED",
        "exception_reason": "PAYMENT_REQUIRED",
        "message": "top up",
    }
    client.put("/_emulator/camb/tasks/pay", json=body)

    answers = [_status(client, "pay", camb_headers).json() for _ in range(2)]

    assert [answer["status"] for answer in answers] == ["PENDING", "PAYMENT_REQUIRED"]
    assert answers[1]["exception_reason"] == "PAYMENT_REQUIRED"
    assert answers[1]["message"] == "top up"


def test_a_run_script_applies_to_exports_created_later_from_that_run(
    client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    client.put("/_emulator/camb/runs/900", json={"pending_polls": 0, "outcome": "TIMEOUT"})

    scripted = _export(client, camb_headers, run_id=900).json()["task_id"]
    other = _export(client, camb_headers, run_id=901).json()["task_id"]

    assert _status(client, scripted, camb_headers).json()["status"] == "TIMEOUT"
    assert _status(client, scripted, camb_headers).json()["run_id"] == 900
    assert _status(client, other, camb_headers).json()["status"] == "PENDING"


def test_in_process_helpers_script_like_the_admin_api(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    server.script_camb_task("helper", pending_polls=0, outcome="SUCCESS", message=None, run_id=3)
    server.script_camb_run(5, [{"status": "ERROR", "exception_reason": "SOURCE_NOT_FOUND"}])

    assert _status(client, "helper", camb_headers).json() == {
        "status": "SUCCESS",
        "run_id": 3,
        "exception_reason": None,
        "message": None,
    }
    task_id = _export(client, camb_headers, run_id=5).json()["task_id"]
    assert _status(client, task_id, camb_headers).json()["exception_reason"] == "SOURCE_NOT_FOUND"


def test_unknown_paths_and_methods_answer_fastapi_style_errors(
    client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    missing = client.get("/apis/no-such-thing", headers=camb_headers)
    wrong_method = client.delete("/apis/source-languages", headers=camb_headers)

    assert missing.status_code == 404
    assert "detail" in missing.json()
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "GET"


AUDIO_FORMATS = ("flac", "wav", "mp3", "aac", "m4a")
VIDEO_FORMATS = ("mkv", "mp4", "mov", "mxf")


@pytest.mark.parametrize("output_format", AUDIO_FORMATS)
def test_by_default_an_audio_export_answers_a_ready_presigned_output_url(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str], output_format: str
) -> None:
    response = _export(client, camb_headers, run_id=42, language="es-ES", output_format=output_format)

    assert response.status_code == 200
    assert set(response.json()) == {"output_url"}
    url = httpx.URL(response.json()["output_url"])
    assert str(url).startswith(f"{server.url}/_files/camb/")
    assert url.path.endswith(f".{output_format}")
    assert url.params["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    download = client.get(str(url))
    assert download.status_code == 200
    assert download.headers["content-type"] == "audio/wav"
    assert download.content.startswith(b"RIFF")


@pytest.mark.parametrize("output_format", VIDEO_FORMATS)
def test_by_default_a_video_export_answers_a_task_to_poll(
    client: httpx.Client, camb_headers: dict[str, str], output_format: str
) -> None:
    response = _export(client, camb_headers, output_format=output_format)

    assert response.status_code == 200
    assert set(response.json()) == {"task_id"}
    assert _status(client, response.json()["task_id"], camb_headers).json()["status"] == "PENDING"


def test_a_ready_export_counts_as_a_create_and_leaves_no_task(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    _export(client, camb_headers, output_format="wav")
    _export(client, camb_headers, output_format="mp4")

    stats = server.stats()
    assert stats["created"]["camb"] == 2
    assert "camb_dub" not in stats["created"]
    assert len(server.state.camb_tasks) == 1


def test_the_output_url_points_at_the_host_the_client_reached(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    response = client.post(
        "/apis/dub-alt-format/42/54",
        headers={**camb_headers, "host": f"localhost:{server.port}"},
        json={"output_format": "flac"},
    )

    url = response.json()["output_url"]
    assert url.startswith(f"http://localhost:{server.port}/_files/")
    assert httpx.get(url).status_code == 200


def test_a_scripted_run_answers_a_task_id_even_for_an_audio_format(
    client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    put = client.put("/_emulator/camb/runs/7", json={"pending_polls": 0})
    assert put.json() == {"run_id": 7, "answer": "task_id", "steps": 1}

    created = _export(client, camb_headers, run_id=7, output_format="wav").json()

    assert set(created) == {"task_id"}
    assert _status(client, created["task_id"], camb_headers).json() == {
        "status": "SUCCESS",
        "run_id": 7,
        "exception_reason": None,
        "message": None,
    }


def test_a_run_script_can_force_either_answer(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    client.put("/_emulator/camb/runs/8", json={"answer": "output_url"})
    client.put("/_emulator/camb/runs/9", json={"answer": "task_id"})
    server.script_camb_run(10, answer="output_url")

    ready = _export(client, camb_headers, run_id=8, output_format="mp4").json()
    polled = _export(client, camb_headers, run_id=9, output_format="mp3").json()
    helper = _export(client, camb_headers, run_id=10, output_format="mxf").json()

    assert set(ready) == {"output_url"}
    assert client.get(ready["output_url"]).headers["content-type"] == "video/mp4"
    assert set(polled) == {"task_id"}
    assert set(helper) == {"output_url"}
    assert httpx.URL(helper["output_url"]).path.endswith(".mxf")


def test_a_run_script_with_an_unknown_answer_is_refused(server: EmulatorServer, client: httpx.Client) -> None:
    response = client.put("/_emulator/camb/runs/8", json={"answer": "presigned"})

    assert response.status_code == 400
    assert "answer" in response.json()["error"]
    with pytest.raises(ValueError, match="answer"):
        server.script_camb_run(8, answer="both")


@pytest.mark.parametrize(
    ("export_answer", "expected"),
    [("output_url", ["output_url", "output_url"]), ("task_id", ["task_id", "task_id"])],
)
def test_the_export_answer_setting_overrides_the_mix(
    settings: EmulatorSettings, camb_headers: dict[str, str], export_answer: str, expected: list[str]
) -> None:
    forced = dataclasses.replace(settings, export_answer=export_answer)
    with EmulatorServer(settings=forced) as server, httpx.Client(base_url=server.url) as client:
        server.script_camb_run(3, answer="task_id" if export_answer == "output_url" else "output_url")
        forms = [
            next(iter(_export(client, camb_headers, output_format=fmt).json())) for fmt in ("wav", "mp4")
        ]
        scripted = next(iter(_export(client, camb_headers, run_id=3, output_format="wav").json()))

    assert forms == expected
    assert scripted != export_answer  # a run's script still wins


def test_a_truncated_ready_export_is_not_counted(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    server.queue_faults(["truncate"])

    response = _export(client, camb_headers, output_format="wav")

    assert response.content.startswith(b'{"output_url": "http')
    assert server.stats()["created"]["camb"] == 0
