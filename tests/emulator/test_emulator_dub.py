"""The fake CAMB.AI dubbing over real HTTP: ``POST dub``, ``GET dub/{task_id}``, ``GET dub-result/{id}``."""

from __future__ import annotations

import io
import uuid
import wave
from typing import Any

import httpx
import pytest

from airflow_provider_dubbing.emulator.server import EmulatorServer

VIDEO = "https://media.example.com/talk.mp4"
GOOD: dict[str, Any] = {"video_url": VIDEO, "source_language": 1, "target_languages": [54]}


def _dub(client: httpx.Client, headers: dict[str, str], body: Any = None) -> httpx.Response:
    return client.post("/apis/dub", headers=headers, json=GOOD if body is None else body)


def _status(client: httpx.Client, task_id: str, headers: dict[str, str], **params: Any) -> httpx.Response:
    return client.get(f"/apis/dub/{task_id}", headers=headers, params=params)


def _result(client: httpx.Client, run_id: Any, headers: dict[str, str]) -> httpx.Response:
    return client.get(f"/apis/dub-result/{run_id}", headers=headers)


def _finish(client: httpx.Client, task_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """Poll ``task_id`` until it answers something other than PENDING (a handful of polls at most)."""
    for _ in range(10):
        answer: dict[str, Any] = _status(client, task_id, headers).json()
        if answer["status"] != "PENDING":
            return answer
    raise AssertionError(f"dub {task_id} still PENDING after 10 polls")


def _check_transcript(lines: Any, number: type) -> None:
    assert lines
    for line in lines:
        assert set(line) == {"start", "end", "text", "speaker"}
        assert type(line["start"]) is number
        assert type(line["end"]) is number
        assert line["start"] < line["end"]
        assert isinstance(line["text"], str)
        assert line["text"]
        assert isinstance(line["speaker"], str)


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/apis/dub"), ("GET", "/apis/dub/some-task"), ("GET", "/apis/dub-result/1001")],
)
def test_the_dub_routes_answer_401_for_a_wrong_key(client: httpx.Client, method: str, path: str) -> None:
    response = client.request(method, path, headers={"x-api-key": "wrong"}, json=GOOD)

    assert response.status_code == 401
    assert isinstance(response.json()["detail"], str)


def test_a_good_dub_answers_a_task_id_and_is_counted_apart_from_exports(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    response = _dub(client, camb_headers)

    assert response.status_code == 200
    assert set(response.json()) == {"task_id"}
    uuid.UUID(response.json()["task_id"])
    created = server.stats()["created"]
    assert created == {"camb": 0, "blendvision": 0, "camb_dub": 1}


@pytest.mark.parametrize(
    "body",
    [
        {"video_url": VIDEO, "source_language": "auto", "target_languages": ["fr-FR", 31]},
        {"video_url": VIDEO, "source_language": "en-US", "target_language": 54},
        {
            "video_url": "https://drive.google.com/file/d/abc/view",
            "source_language": 1,
            "target_languages": [54],
            "target_language": 76,
            "project_name": "Talk",
            "project_description": "A talk",
            "folder_id": 12,
            "selected_audio_tracks": [0, 1],
            "add_output_as_an_audio_track": True,
            "chosen_dictionaries": [3],
            "ai_optimization": False,
            "transcription_mode": "slow",
            "a_field_from_a_newer_sdk": "ignored",
        },
    ],
    ids=["auto-and-tags", "older-single-target", "every-optional-field"],
)
def test_every_documented_form_of_a_dub_is_accepted(
    client: httpx.Client, camb_headers: dict[str, str], body: dict[str, Any]
) -> None:
    assert _dub(client, camb_headers, body).status_code == 200


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"video_url": None}, ["body", "video_url"]),
        ({"video_url": ""}, ["body", "video_url"]),
        ({"video_url": 5}, ["body", "video_url"]),
        ({"source_language": None}, ["body", "source_language"]),
        ({"source_language": 0}, ["body", "source_language"]),
        ({"source_language": "not a tag!"}, ["body", "source_language"]),
        ({"target_languages": None}, ["body", "target_languages"]),
        ({"target_languages": []}, ["body", "target_languages"]),
        ({"target_languages": "fr-FR"}, ["body", "target_languages"]),
        ({"target_languages": [54, "auto"]}, ["body", "target_languages", 1]),
        ({"target_languages": [True]}, ["body", "target_languages", 0]),
        ({"target_language": -3}, ["body", "target_language"]),
        ({"project_name": 7}, ["body", "project_name"]),
        ({"project_description": ["x"]}, ["body", "project_description"]),
        ({"folder_id": "12"}, ["body", "folder_id"]),
        ({"folder_id": True}, ["body", "folder_id"]),
        ({"selected_audio_tracks": 1}, ["body", "selected_audio_tracks"]),
        ({"chosen_dictionaries": [1, "2"]}, ["body", "chosen_dictionaries", 1]),
        ({"add_output_as_an_audio_track": "yes"}, ["body", "add_output_as_an_audio_track"]),
        ({"ai_optimization": 1}, ["body", "ai_optimization"]),
        ({"transcription_mode": "medium"}, ["body", "transcription_mode"]),
    ],
)
def test_invalid_dubs_answer_422_with_the_field_in_loc(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str], changes: Any, loc: list[Any]
) -> None:
    body = {**GOOD, **changes}
    body = {key: value for key, value in body.items() if value is not None}

    response = _dub(client, camb_headers, body)

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [problem["loc"] for problem in detail] == [loc]
    assert all(isinstance(problem["msg"], str) and isinstance(problem["type"], str) for problem in detail)
    assert server.stats()["created"].get("camb_dub", 0) == 0


@pytest.mark.parametrize(("content", "loc"), [(b"{nope", ["body"]), (b"[1]", ["body"])])
def test_a_dub_body_that_is_not_a_json_object_answers_422(
    client: httpx.Client, camb_headers: dict[str, str], content: bytes, loc: list[str]
) -> None:
    response = client.post("/apis/dub", headers=camb_headers, content=content)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc


def test_every_problem_of_a_dub_is_reported_at_once(
    client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    response = _dub(client, camb_headers, {"transcription_mode": "slow", "folder_id": "x"})

    locs = [problem["loc"] for problem in response.json()["detail"]]
    assert locs == [
        ["body", "video_url"],
        ["body", "source_language"],
        ["body", "target_languages"],
        ["body", "folder_id"],
    ]


def test_a_default_dub_is_pending_then_succeeds_with_an_integer_run_id(
    client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    task_id = _dub(client, camb_headers).json()["task_id"]

    answers = [_status(client, task_id, camb_headers).json() for _ in range(4)]

    assert answers[0] == {"status": "PENDING", "run_id": None, "exception_reason": None, "message": None}
    assert answers[1] == answers[0]
    run_id = answers[2]["run_id"]
    assert isinstance(run_id, int)
    assert answers[2] == {"status": "SUCCESS", "run_id": run_id, "exception_reason": None, "message": None}
    assert answers[3] == answers[2]


def test_two_dubs_finish_as_two_runs(client: httpx.Client, camb_headers: dict[str, str]) -> None:
    first = _finish(client, _dub(client, camb_headers).json()["task_id"], camb_headers)
    second = _finish(client, _dub(client, camb_headers).json()["task_id"], camb_headers)

    assert first["run_id"] != second["run_id"]


def test_the_run_id_query_must_be_an_integer(client: httpx.Client, camb_headers: dict[str, str]) -> None:
    task_id = _dub(client, camb_headers).json()["task_id"]

    assert _status(client, task_id, camb_headers, run_id=5).status_code == 200
    bad = _status(client, task_id, camb_headers, run_id="five")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "run_id"]


def test_unknown_dubs_and_runs_answer_404_and_a_non_integer_run_422(
    client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    unknown_task = _status(client, "no-such-dub", camb_headers)
    unknown_run = _result(client, 424242, camb_headers)
    bad_run = _result(client, "abc", camb_headers)

    assert unknown_task.status_code == 404
    assert isinstance(unknown_task.json()["detail"], str)
    assert unknown_run.status_code == 404
    assert isinstance(unknown_run.json()["detail"], str)
    assert bad_run.status_code == 422
    assert bad_run.json()["detail"][0]["loc"] == ["path", "run_id"]


def test_a_run_has_no_result_until_its_dub_answers_success(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    server.script_camb_dub("d-1", run_id=777, pending_polls=1)

    assert _status(client, "d-1", camb_headers).json()["status"] == "PENDING"
    assert _result(client, 777, camb_headers).status_code == 404
    assert _status(client, "d-1", camb_headers).json()["run_id"] == 777
    assert _result(client, 777, camb_headers).status_code == 200


def test_a_failed_dub_registers_no_run(client: httpx.Client, camb_headers: dict[str, str]) -> None:
    client.put(
        "/_emulator/camb/dubs/d-2",
        json={"pending_polls": 0, "outcome": "ERROR", "exception_reason": "SOURCE_NOT_FOUND", "run_id": 778},
    )

    answer = _status(client, "d-2", camb_headers).json()

    assert answer == {
        "status": "ERROR",
        "run_id": 778,
        "exception_reason": "SOURCE_NOT_FOUND",
        "message": None,
    }
    assert _result(client, 778, camb_headers).status_code == 404


def test_one_target_answers_the_reference_flat_shape_with_downloadable_files(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    run_id = _finish(client, _dub(client, camb_headers).json()["task_id"], camb_headers)["run_id"]

    result = _result(client, run_id, camb_headers).json()

    assert set(result) == {"run_id", "output_video_url", "output_audio_url", "transcript"}
    assert result["run_id"] == run_id
    _check_transcript(result["transcript"], int)
    audio = client.get(result["output_audio_url"])
    video = client.get(result["output_video_url"])
    assert httpx.URL(result["output_audio_url"]).path.endswith(".wav")
    assert httpx.URL(result["output_video_url"]).path.endswith(".mp4")
    assert result["output_audio_url"].startswith(f"{server.url}/_files/")
    assert (audio.status_code, audio.headers["content-type"]) == (200, "audio/wav")
    with wave.open(io.BytesIO(audio.content)) as reader:
        assert reader.getnframes() > 0
    assert (video.status_code, video.headers["content-type"]) == (200, "video/mp4")
    assert video.content[4:8] == b"ftyp"


def test_several_targets_answer_the_sdk_map_keyed_by_the_language_as_given(
    client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    body = {"video_url": VIDEO, "source_language": 1, "target_languages": [54, "fr-FR"]}
    run_id = _finish(client, _dub(client, camb_headers, body).json()["task_id"], camb_headers)["run_id"]

    result = _result(client, run_id, camb_headers).json()

    assert set(result) == {"54", "fr-FR"}
    for language, one in result.items():
        assert set(one) == {"audio_url", "video_url", "transcript"}
        assert f"-{language}." in httpx.URL(one["audio_url"]).path
        assert client.get(one["audio_url"]).status_code == 200
        assert client.get(one["video_url"]).status_code == 200
        _check_transcript(one["transcript"], float)


def test_a_dub_script_forces_the_shape_and_spelling(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    server.script_camb_dub(
        "flat-sdk",
        run_id=801,
        pending_polls=0,
        target_languages=[54, 76],
        result_shape="flat",
        spelling="sdk",
    )
    put = client.put(
        "/_emulator/camb/dubs/map-ref",
        json={"run_id": 802, "pending_polls": 0, "result_shape": "per_language", "spelling": "reference"},
    )
    assert put.json() == {"task_id": "map-ref", "run_id": 802, "target_languages": [54], "steps": 1}
    _status(client, "flat-sdk", camb_headers)
    _status(client, "map-ref", camb_headers)

    flat_sdk = _result(client, 801, camb_headers).json()
    map_ref = _result(client, 802, camb_headers).json()

    assert set(flat_sdk) == {"audio_url", "video_url", "transcript"}
    assert "-54." in httpx.URL(flat_sdk["audio_url"]).path  # a flat answer describes the first target
    assert set(map_ref) == {"54"}
    assert set(map_ref["54"]) == {"run_id", "output_video_url", "output_audio_url", "transcript"}


def test_a_results_script_overrides_a_run_before_or_after_it_finishes(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    server.script_camb_dub("later", run_id=901, pending_polls=0)
    server.script_camb_dub("now", run_id=902, pending_polls=0)
    put = client.put("/_emulator/camb/results/901", json={"result_shape": "per_language"})
    assert put.json() == {"run_id": 901, "result_shape": "per_language"}
    _status(client, "later", camb_headers)
    _status(client, "now", camb_headers)
    assert set(_result(client, 902, camb_headers).json()) >= {"output_audio_url"}

    server.script_camb_result(902, spelling="sdk")

    assert set(_result(client, 901, camb_headers).json()) == {"54"}
    assert set(_result(client, 902, camb_headers).json()) == {"audio_url", "video_url", "transcript"}


def test_an_audio_source_has_no_video_in_the_sdk_spelling(
    client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    body = {
        "video_url": "https://media.example.com/talk.mp3",
        "source_language": 1,
        "target_languages": [54, 76],
    }
    run_id = _finish(client, _dub(client, camb_headers, body).json()["task_id"], camb_headers)["run_id"]

    result = _result(client, run_id, camb_headers).json()

    assert [one["video_url"] for one in result.values()] == [None, None]
    assert all(one["audio_url"] for one in result.values())


def test_a_video_script_applies_to_every_dub_created_later_from_that_video(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    put = client.put(
        "/_emulator/camb/videos",
        json={"video_url": VIDEO, "pending_polls": 0, "outcome": "PAYMENT_REQUIRED", "message": "top up"},
    )
    assert put.json() == {"video_url": VIDEO, "steps": 1}
    server.script_camb_video(
        "https://media.example.com/other.mov",
        [{"status": "PENDING", "bare": True}, {"status": "SUCCESS", "run_id": 950}],
        result_shape="per_language",
        spelling="sdk",
    )

    first = _dub(client, camb_headers).json()["task_id"]
    second = _dub(client, camb_headers).json()["task_id"]
    other_body = {**GOOD, "video_url": "https://media.example.com/other.mov"}
    other = _dub(client, camb_headers, other_body).json()["task_id"]
    plain = _dub(client, camb_headers, {**GOOD, "video_url": "https://media.example.com/x.mp4"}).json()

    for task_id in (first, second):
        answer = _status(client, task_id, camb_headers).json()
        assert (answer["status"], answer["message"]) == ("PAYMENT_REQUIRED", "top up")
        assert isinstance(answer["run_id"], int)
    assert _status(client, other, camb_headers).json() == "PENDING"
    assert _status(client, other, camb_headers).json()["run_id"] == 950
    assert set(_result(client, 950, camb_headers).json()) == {"54"}
    assert _status(client, plain["task_id"], camb_headers).json()["status"] == "PENDING"


def test_a_raw_dub_step_answers_verbatim(client: httpx.Client, camb_headers: dict[str, str]) -> None:
    client.put("/_emulator/camb/dubs/odd", json={"steps": [{"raw": {"state": "done"}}]})

    assert _status(client, "odd", camb_headers).json() == {"state": "done"}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_emulator/camb/dubs/d", {"result_shape": "round"}),
        ("/_emulator/camb/dubs/d", {"spelling": "british"}),
        ("/_emulator/camb/dubs/d", {"target_languages": []}),
        ("/_emulator/camb/dubs/d", {"target_languages": [True]}),
        ("/_emulator/camb/dubs/d", {"run_id": "7"}),
        ("/_emulator/camb/dubs/d", {"video_url": 3}),
        ("/_emulator/camb/dubs/d", {"colour": "red"}),
        ("/_emulator/camb/videos", {"pending_polls": 0}),
        ("/_emulator/camb/videos", {"video_url": VIDEO, "run_id": 3}),
        ("/_emulator/camb/results/5", {"steps": [{"status": "SUCCESS"}]}),
        ("/_emulator/camb/results/5", {"result_shape": "tall"}),
        ("/_emulator/camb/results/five", {}),
    ],
)
def test_bad_dub_admin_bodies_answer_400(
    server: EmulatorServer, client: httpx.Client, path: str, body: dict[str, Any]
) -> None:
    response = client.put(path, json=body)

    assert response.status_code == 400
    assert isinstance(response.json()["error"], str)
    assert server.state.camb_dubs == {}
    assert server.state.camb_video_scripts == {}


def test_in_process_dub_helpers_refuse_bad_scripts(server: EmulatorServer) -> None:
    with pytest.raises(ValueError, match="result_shape"):
        server.script_camb_dub("d", result_shape="round")
    with pytest.raises(ValueError, match="spelling"):
        server.script_camb_video(VIDEO, spelling="british")
    with pytest.raises(ValueError, match="steps"):
        server.script_camb_video(VIDEO, [])
    with pytest.raises(ValueError, match="result_shape"):
        server.script_camb_result(3, result_shape="tall")


def test_reset_forgets_dubs_runs_and_their_scripts(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    server.script_camb_dub("d", run_id=5, pending_polls=0)
    server.script_camb_video(VIDEO, pending_polls=0, outcome="ERROR")
    _status(client, "d", camb_headers)
    assert _result(client, 5, camb_headers).status_code == 200

    server.reset()

    assert _status(client, "d", camb_headers).status_code == 404
    assert _result(client, 5, camb_headers).status_code == 404
    task_id = _dub(client, camb_headers).json()["task_id"]
    assert _status(client, task_id, camb_headers).json()["status"] == "PENDING"
