"""The dubbed files a finished task's result names: their URIs, formats and locations, and that
nothing presigned or credential-like survives into what an asset event carries."""

from __future__ import annotations

import json

import pytest

from airflow_provider_dubbing.blendvision.files import job_files
from airflow_provider_dubbing.camb.files import dub_files, export_files, run_files
from airflow_provider_dubbing.outputs.files import format_of, location_of
from airflow_provider_dubbing.outputs.uris import blendvision_uri, camb_uri

SIGNED = "https://cdn.example/out/dub-1.mp4?X-Amz-Signature=abc&X-Amz-Credential=AKIA123"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (SIGNED, "https://cdn.example/out/dub-1.mp4"),
        ("https://user:pw@cdn.example/a.wav?sig=1", "https://cdn.example/a.wav"),
        ("ja-dubbed.mp4", "ja-dubbed.mp4"),
        ("", None),
        (None, None),
        ("http://", None),
    ],
)
def test_a_location_never_keeps_a_query_string_or_userinfo(value: str | None, expected: str | None) -> None:
    assert location_of(value) == expected


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        (SIGNED, "video", "mp4"),
        ("https://cdn.example/file", "audio", "audio"),
        ("clip.WAV", None, "wav"),
        (None, "video", "video"),
    ],
)
def test_a_format_is_the_extension_else_the_kind(
    value: str | None, default: str | None, expected: str
) -> None:
    assert format_of(value, default) == expected


def test_uri_segments_are_quoted() -> None:
    assert camb_uri(12, "pt BR", "video") == "camb://runs/12/pt%20BR/video"
    assert camb_uri(12, None, "audio") == "camb://runs/12/-/audio"
    assert blendvision_uri("job/1", "ja") == "blendvision://dubbing-jobs/job%2F1/ja"


def test_a_dub_names_a_video_and_an_audio_file_per_language() -> None:
    value = {
        "status": "SUCCESS",
        "task_id": "t-1",
        "run_id": 5,
        "result": {
            "run_id": 5,
            "outputs": [
                {"language": None, "video_url": SIGNED, "audio_url": "https://cdn.example/a.wav?s=1"}
            ],
        },
    }
    files = dub_files(value, ["ja"])
    assert [(f.uri, f.format, f.language) for f in files] == [
        ("camb://runs/5/ja/video", "mp4", "ja"),
        ("camb://runs/5/ja/audio", "wav", "ja"),
    ]
    assert {f.object_id for f in files} == {"t-1"}
    # Into two languages, a language-less answer cannot say which: the URI says so.
    assert dub_files(value, ["ja", "fr"])[0].uri == "camb://runs/5/-/video"
    assert dub_files({**value, "status": "PENDING"}, ["ja"]) == []
    assert "Signature" not in json.dumps([f.extra() for f in files])


def test_a_run_read_names_its_files_without_a_work_id() -> None:
    files = run_files(
        {"run_id": 9, "outputs": [{"language": "es-ES", "video_url": SIGNED}]}, noun="run", object_id=9
    )
    assert [(f.uri, f.noun, f.object_id, f.run_id) for f in files] == [
        ("camb://runs/9/es-ES/video", "run", "9", "9")
    ]
    assert run_files(None, noun="run", object_id=9) == []


def test_an_export_names_its_one_file_and_its_url_only_when_answered() -> None:
    ready = {
        "status": "SUCCESS",
        "task_id": None,
        "run_id": 3,
        "output_url": "https://cdn.example/x.wav?sig=1",
    }
    [file] = export_files(ready, run_id=3, language="ko-KR", output_format="wav")
    assert (file.uri, file.location, file.format) == (
        "camb://runs/3/ko-KR/exports/wav",
        "https://cdn.example/x.wav",
        "wav",
    )
    waited = {"status": "SUCCESS", "task_id": "e-1", "run_id": 3, "output_url": None}
    [file] = export_files(waited, run_id=3, language="ko-KR", output_format="mp4")
    assert (file.object_id, file.location) == ("e-1", None)
    assert export_files({**waited, "status": "ERROR"}, run_id=3, language="ko-KR", output_format="mp4") == []


def test_a_job_names_a_file_per_output_with_its_link_when_asked_for() -> None:
    job = {
        "id": "j-1",
        "status": "DUBBING_STATUS_SUCCEEDED",
        "source_type": "DUBBING_SOURCE_TYPE_AUDIO",
        "outputs": [{"id": "f-1", "lang_code": "ja"}, {"lang_code": "fr"}],
    }
    [bare] = job_files(job)
    assert (bare.uri, bare.format, bare.location, bare.file_id) == (
        "blendvision://dubbing-jobs/j-1/ja",
        "audio",
        None,
        "f-1",
    )
    links = [
        {
            "id": "f-1",
            "download_uri": "https://cdn.example/f-1.m4a?token=secret",
            "download_filename": "f-1.m4a",
        }
    ]
    [linked] = job_files(job, links)
    assert (linked.format, linked.location) == ("m4a", "https://cdn.example/f-1.m4a")
    assert "secret" not in json.dumps(linked.extra())
    assert job_files({**job, "status": "DUBBING_STATUS_PROCESSING"}) == []
