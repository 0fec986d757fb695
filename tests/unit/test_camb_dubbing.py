"""CAMB.AI's dubbing calls and both forms of an export's answer, through both send loops.

The JSON samples in tests/samples are written from the public reference pages and camb-sdk
1.6.6 (both answer forms of an export, both spellings and both shapes of a run's result);
the emulator cannot prove the models right, the samples can.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from airflow_provider_dubbing.camb import endpoints as camb
from airflow_provider_dubbing.camb.models import DubbingResult, ExportReady, TaskProgress, TaskStarted
from airflow_provider_dubbing.camb.outcomes import (
    judge_dubbing,
    judge_dubbing_result,
    judge_export,
    judge_ready_export,
)
from airflow_provider_dubbing.client.errors import (
    InvalidInputError,
    RemoteJobFailedError,
    ResponseValidationError,
)
from airflow_provider_dubbing.client.urls import shown_text, shown_url
from airflow_provider_dubbing.tasks.failures import failure_for
from airflow_provider_dubbing.waiting.engine import final_event
from airflow_provider_dubbing.waiting.events import FailureKind
from airflow_provider_dubbing.waiting.verdict import Phase
from tests.conftest import sample
from tests.unit.test_client import Sender, ok


@pytest.fixture(params=["sync", "async"])
def send(request: pytest.FixtureRequest) -> Sender:
    return Sender(request.param)


def _answer(body: Any, seen: list[httpx.Request]) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok(body)

    return handler


@pytest.mark.parametrize(
    ("name", "form"),
    [("camb_export_ready.json", ExportReady), ("camb_export_started.json", TaskStarted)],
)
def test_an_export_answer_parses_in_either_documented_form(send: Sender, name: str, form: type) -> None:
    seen: list[httpx.Request] = []
    answer = send(_answer(sample(name), seen), camb.export_alt_format(18342, "es-ES", "mp4"))
    assert type(answer) is form
    assert seen[0].method == "POST"
    assert seen[0].url.path == "/apis/dub-alt-format/18342/es-ES"
    assert json.loads(seen[0].content) == {"output_format": "mp4"}
    if form is ExportReady:
        assert answer.output_url == sample(name)["output_url"]
        assert answer.task_id is None
    else:
        assert answer.task_id == sample(name)["task_id"]


def test_an_export_answer_with_both_fields_is_ready(send: Sender) -> None:
    both = {"output_url": "https://files.test/a.mp4?sig=1", "task_id": "t-9"}
    answer = send(_answer(both, []), camb.export_alt_format(1, 1, "mp4"))
    assert isinstance(answer, ExportReady)
    assert answer.task_id == "t-9"


@pytest.mark.parametrize("body", [{}, {"url": "https://x"}, {"task_id": ""}, ["output_url"]])
def test_an_export_answer_of_neither_form_is_a_validation_error(send: Sender, body: Any) -> None:
    with pytest.raises(ResponseValidationError) as caught:
        send(_answer(body, []), camb.export_alt_format(1, 1, "mp4"))
    assert "POST dub-alt-format" in str(caught.value)


def test_a_dub_posts_the_checked_body_and_answers_its_task_id(send: Sender) -> None:
    seen: list[httpx.Request] = []
    call = camb.dub(
        "https://media.test/source.mp4",
        "auto",
        ["es-ES", 76, "31"],
        project_name="trailer",
        ai_optimization=True,
        folder_id=None,  # an option given as None is left out
    )
    task = send(_answer(sample("camb_dub_created.json"), seen), call)
    assert task.task_id == sample("camb_dub_created.json")["task_id"]
    assert (seen[0].method, seen[0].url.path) == ("POST", "/apis/dub")
    assert json.loads(seen[0].content) == {
        "video_url": "https://media.test/source.mp4",
        "source_language": "auto",
        "target_languages": ["es-ES", 76, 31],
        "project_name": "trailer",
        "ai_optimization": True,
    }


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"video_url": ""}, "video_url"),
        ({"video_url": "   "}, "video_url"),
        ({"video_url": "ftp://media.test/a.mp4"}, "video_url"),
        ({"video_url": "media.test/a.mp4"}, "video_url"),
        ({"video_url": 42}, "video_url"),
        ({"target_languages": []}, "target_languages"),
        ({"target_languages": None}, "target_languages"),
        ({"target_languages": ["es-ES", "not a tag"]}, "target_languages.1"),
        ({"target_languages": [0]}, "target_languages.0"),
        ({"target_languages": [True]}, "target_languages.0"),
        ({"source_language": "English"}, "source_language"),
        ({"source_language": 1.5}, "source_language"),
        ({"transcription_mode": "medium"}, "transcription_mode"),
        ({"folder_id": "abc"}, "folder_id"),
        ({"voice": "x"}, "voice"),
    ],
)
def test_bad_dub_input_is_refused_naming_the_field(arguments: dict[str, Any], field: str) -> None:
    good: dict[str, Any] = {
        "video_url": "https://media.test/a.mp4",
        "source_language": 1,
        "target_languages": [54],
    }
    with pytest.raises(InvalidInputError) as caught:
        camb.dub(**{**good, **arguments})
    assert caught.value.field == field


@pytest.mark.parametrize("run_id", ["abc", 0, -3, 4.5, True, "", None])
def test_a_run_id_that_is_not_a_positive_integer_is_refused(run_id: Any) -> None:
    with pytest.raises(InvalidInputError) as caught:
        camb.get_dubbing_result(run_id)
    assert caught.value.field == "run_id"


def test_a_dub_status_answer_from_the_reference_parses_and_names_its_run(send: Sender) -> None:
    seen: list[httpx.Request] = []
    progress = send(_answer(sample("camb_dub_status.json"), seen), camb.get_dubbing_status("t-1", 123))
    assert seen[0].url.path == "/apis/dub/t-1"
    assert seen[0].url.params["run_id"] == "123"
    verdict = judge_dubbing("t-1", progress)
    assert verdict.phase is Phase.SUCCEEDED
    assert verdict.result["run_id"] == 123
    assert "run 123" in verdict.summary


def test_a_bare_status_string_is_a_dub_status_too(send: Sender) -> None:
    progress = send(_answer("PENDING", []), camb.get_dubbing_status("t-1"))
    assert judge_dubbing("t-1", progress).phase is Phase.WAITING


def test_both_shapes_and_spellings_of_a_result_give_one_shape(send: Sender) -> None:
    seen: list[httpx.Request] = []
    flat = send(_answer(sample("camb_dub_result.json"), seen), camb.get_dubbing_result("123"))
    per_language = send(
        _answer(sample("camb_dub_result_per_language.json"), []), camb.get_dubbing_result(123)
    )
    assert seen[0].url.path == "/apis/dub-result/123"
    reference = sample("camb_dub_result.json")
    assert flat.run_id == 123
    [only] = flat.outputs
    assert (only.language, only.video_url, only.audio_url) == (
        None,
        reference["output_video_url"],
        reference["output_audio_url"],
    )
    assert [line.text for line in only.transcript] == [line["text"] for line in reference["transcript"]]
    sdk = sample("camb_dub_result_per_language.json")
    assert per_language.run_id == 123  # the map carries none: the call's own run id
    assert [(o.language, o.audio_url, o.video_url) for o in per_language.outputs] == [
        (language, item["audio_url"], item["video_url"]) for language, item in sdk.items()
    ]
    # The SDK's own spelling of the flat form parses to the same fields.
    sdk_flat = DubbingResult.from_answer({"video_url": "v", "audio_url": "a", "transcript": []}, 7)
    assert (sdk_flat.run_id, sdk_flat.outputs[0].video_url, sdk_flat.outputs[0].audio_url) == (7, "v", "a")


@pytest.mark.parametrize("body", ["SUCCESS", [1, 2], {"es": "https://x"}, {"transcript": "none"}])
def test_a_result_of_another_shape_is_a_validation_error(send: Sender, body: Any) -> None:
    with pytest.raises(ResponseValidationError):
        send(_answer(body, []), camb.get_dubbing_result(1))


def test_a_result_verdict_returns_urls_whole_and_shows_them_without_signatures() -> None:
    result = DubbingResult.from_answer(sample("camb_dub_result_per_language.json"), 123)
    verdict = judge_dubbing_result(result)
    assert verdict.phase is Phase.SUCCEEDED
    assert verdict.result["outputs"][0]["audio_url"].endswith("?X-Amz-Signature=cc33")
    assert "Signature" not in verdict.summary
    assert (
        "es-ES: video https://camb-dubbing-results.s3.amazonaws.com/123/es-ES/video.mp4?..."
        in verdict.summary
    )


def test_a_ready_export_is_a_success_holding_its_url() -> None:
    answer = ExportReady.model_validate(sample("camb_export_ready.json"))
    verdict = judge_ready_export(answer, "18342", "es-ES", "mp4")
    assert verdict.phase is Phase.SUCCEEDED
    assert verdict.result == {
        "task_id": None,
        "status": "SUCCESS",
        "run_id": 18342,
        "exception_reason": None,
        "message": None,
        "output_url": answer.output_url,
    }
    assert "X-Amz" not in verdict.summary
    assert "dubbed.mp4?..." in verdict.summary


def test_a_polled_export_says_it_has_no_url_unless_the_answer_carries_one() -> None:
    polled = judge_export("t-1", TaskProgress.model_validate({"status": "SUCCESS", "message": {"a": 1}}))
    assert polled.result["output_url"] is None
    carried = judge_export(
        "t-1", TaskProgress.model_validate({"status": "SUCCESS", "output_url": "https://f.test/x?s=1"})
    )
    assert carried.result["output_url"] == "https://f.test/x?s=1"


def test_a_url_in_a_failure_message_is_shown_without_its_signature() -> None:
    progress = TaskProgress.model_validate(
        {
            "status": "ERROR",
            "exception_reason": "X",
            "message": "see https://f.test/log.txt?X-Amz-Signature=s3cr3t",
        }
    )
    verdict = judge_export("t-1", progress)
    assert verdict.failure is FailureKind.JOB_FAILED
    event = final_event(verdict, object_id="t-1", checks=1)
    raised = failure_for(event, service="CAMB.AI", timeout=Exception)
    assert isinstance(raised, RemoteJobFailedError)
    assert "s3cr3t" not in str(raised)
    assert "s3cr3t" not in verdict.summary + "".join(verdict.reasons)
    assert "https://f.test/log.txt?..." in str(raised)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://h.test/a/b.mp4?X-Amz-Signature=1&b=2", "https://h.test/a/b.mp4?..."),
        ("https://h.test/a/b.mp4", "https://h.test/a/b.mp4"),
        ("https://user:pw@h.test:8443/p#frag", "https://h.test:8443/p"),
        ("http://[::1]:80/x?y", "http://[::1]:80/x?..."),
        ("not a url", "<not a URL>"),
        (None, None),
    ],
)
def test_shown_url(url: str | None, shown: str | None) -> None:
    assert shown_url(url) == shown


def test_shown_text_replaces_every_url() -> None:
    text = 'files: "https://a.test/1?sig=x" and http://b.test/2?sig=y.'
    assert shown_text(text) == 'files: "https://a.test/1?..." and http://b.test/2?....'
