"""BlendVision One download links without Airflow or a network: the custom verb in the
URL, the answer model from its sample, both send loops on httpx.MockTransport, and the
pure rules (which outputs have a file to fetch, which ``file_ids`` are acceptable)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest

from airflow_provider_dubbing.blendvision import endpoints as bv
from airflow_provider_dubbing.blendvision.models import FileDownloadLink
from airflow_provider_dubbing.blendvision.outcomes import downloadable_files
from airflow_provider_dubbing.client.call import ApiCall, build_request, build_url
from airflow_provider_dubbing.client.config import ClientConfig
from airflow_provider_dubbing.client.errors import InvalidInputError, NotFoundError, ResponseValidationError
from airflow_provider_dubbing.client.retry import RetryPolicy
from tests.conftest import sample
from tests.unit.test_client import Sender

SIGNATURE = "X-Goog-Signature"


def bv_config(base_url: str = "https://bv.test", **retry: Any) -> ClientConfig:
    return ClientConfig(
        service=bv.SERVICE,
        base_url=base_url,
        auth_headers=bv.auth_headers("tok", "org"),
        retry=RetryPolicy(**{"max_retries": 2, "jitter": 0.0, **retry}),
    )


@pytest.fixture(params=["sync", "async"])
def send(request: pytest.FixtureRequest) -> Sender:
    return Sender(request.param)


def bare_call(*path: str, verb: str | None = "download") -> ApiCall[Any]:
    return ApiCall(service=bv.SERVICE, method="POST", path=path, parse=lambda d: d, label="x", verb=verb)


# --- the custom verb -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_id", "raw"),
    [
        ("f1", "f1:download"),
        # An id's own colon is encoded: it can never pose as (or replace) the verb.
        ("a:b", "a%3Ab:download"),
        ("x:download", "x%3Adownload:download"),
        # A slash is encoded as well: the id stays one segment (the endpoint also refuses it).
        ("a:b/c", "a%3Ab%2Fc:download"),
        ("..", "%2E%2E:download"),
        ("a?b#c", "a%3Fb%23c:download"),
    ],
)
def test_the_verb_is_literal_and_the_id_one_encoded_segment(file_id: str, raw: str) -> None:
    call = bare_call("bv", "cms", "v1", "library", "files", file_id)
    url = build_url("https://bv.test/prefix/", call)
    assert url == f"https://bv.test/prefix/bv/cms/v1/library/files/{raw}"
    request = build_request(bv_config("https://bv.test/prefix"), call)
    assert request.url.raw_path == f"/prefix/bv/cms/v1/library/files/{raw}".encode()
    # The server sees exactly one unencoded colon in the last segment: the verb's.
    last = request.url.raw_path.rsplit(b"/", 1)[1]
    assert last.count(b":") == 1
    assert last.endswith(b":download")


def test_no_verb_leaves_the_url_as_before() -> None:
    call = bare_call("bv", "cms", "v1", "dubbing-jobs", "j:1", verb=None)
    assert build_url("https://bv.test", call) == "https://bv.test/bv/cms/v1/dubbing-jobs/j%3A1"


@pytest.mark.parametrize("verb", ["", "down load", "a:b", "a/b", "x?y", "-x", "dówn"])
def test_a_verb_must_be_a_plain_word(verb: str) -> None:
    with pytest.raises(ValueError, match="custom verb"):
        bare_call("files", "f1", verb=verb)


def test_a_verb_needs_a_segment_to_follow() -> None:
    with pytest.raises(ValueError, match="custom verb"):
        bare_call()


def test_the_endpoint_posts_an_empty_object_with_the_credentials() -> None:
    call = bv.download_link("file:7x")
    assert (call.method, call.verb, call.json_body, call.idempotent) == ("POST", "download", {}, False)
    assert call.name == "BlendVision One POST /bv/cms/v1/library/files/{id}:download"
    request = build_request(bv_config(), call)
    assert request.method == "POST"
    assert request.url.raw_path == b"/bv/cms/v1/library/files/file%3A7x:download"
    assert json.loads(request.content) == {}
    assert request.headers["authorization"] == "Bearer tok"
    assert request.headers["x-bv-org-id"] == "org"


@pytest.mark.parametrize("bad", ["", "  ", "a/b", "library/files/f1", None, 1.5, True, "f1\n"])
def test_a_bad_file_id_is_refused_before_any_request(send: Sender, bad: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request may be sent")

    with pytest.raises(InvalidInputError) as info:
        send(handler, bv.download_link(bad), bv_config())
    assert info.value.field == "file_id"


# --- the answer ------------------------------------------------------------------------


def test_the_sample_parses_every_field() -> None:
    data = sample("blendvision_download_link.json")
    link = FileDownloadLink.model_validate(data)
    assert link.id == "file-7f6e5d4c"
    assert link.download_uri == data["download_uri"]
    assert link.download_filename == "dubbed_ja.mp4"
    assert link.expiration_time == dt.datetime(2024, 7, 29, 16, 51, 28, 71000, tzinfo=dt.timezone.utc)
    assert link.to_result("ja") == {
        "id": "file-7f6e5d4c",
        "lang_code": "ja",
        "download_uri": data["download_uri"],
        "download_filename": "dubbed_ja.mp4",
        "expiration_time": "2024-07-29T16:51:28.071000Z",
    }
    assert link.to_result()["lang_code"] is None
    json.dumps(link.to_result())  # JSON-safe for XCom


def test_the_uri_never_shows_in_repr_or_the_log_line() -> None:
    link = FileDownloadLink.model_validate(sample("blendvision_download_link.json"))
    assert SIGNATURE not in repr(link)
    assert SIGNATURE not in str(link)
    line = link.describe("ja")
    assert SIGNATURE not in line
    assert line == (
        "download link for file 'file-7f6e5d4c' (ja): "
        "https://storage.googleapis.com/bv-one-cms/org-91b3/file-7f6e5d4c/dubbed_ja.mp4?... "
        "expires 2024-07-29T16:51:28.071000+00:00"
    )


def test_the_answer_is_read_leniently() -> None:
    link = FileDownloadLink.model_validate(
        {
            "id": "f",
            "download_uri": "https://h/f.mp4",
            "size_bytes": "12",
            "expiration_time": "2026-01-02T03:04:05+09:00",
        }
    )
    assert link.model_extra == {"size_bytes": "12"}
    assert link.expiration_time is not None
    assert link.expiration_time.utcoffset() == dt.timedelta(hours=9)
    assert link.to_result()["expiration_time"] == "2026-01-02T03:04:05+09:00"
    bare = FileDownloadLink.model_validate({"id": "f", "download_uri": "https://h/f.mp4"})
    assert (bare.download_filename, bare.expiration_time) == ("", None)
    assert bare.describe().endswith("https://h/f.mp4 no expiration time given")


@pytest.mark.parametrize(
    "change",
    [
        {"download_uri": None},
        {"expiration_time": "2026-01-02T03:04:05"},  # RFC 3339 always carries an offset
        {"expiration_time": "tomorrow"},
    ],
)
def test_an_answer_that_does_not_fit_names_the_field_not_the_uri(
    send: Sender, change: dict[str, Any]
) -> None:
    body = {**sample("blendvision_download_link.json"), **change}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    with pytest.raises(ResponseValidationError) as info:
        send(handler, bv.download_link("file-7f6e5d4c"), bv_config())
    assert next(iter(change)) in str(info.value)
    assert SIGNATURE not in str(info.value)


# --- both send loops -------------------------------------------------------------------


def test_the_sample_comes_back_through_both_loops(send: Sender) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=sample("blendvision_download_link.json"))

    link = send(handler, bv.download_link("file-7f6e5d4c"), bv_config())
    assert isinstance(link, FileDownloadLink)
    assert link.download_filename == "dubbed_ja.mp4"
    (request,) = seen
    assert (request.method, request.url.raw_path) == (
        "POST",
        b"/bv/cms/v1/library/files/file-7f6e5d4c:download",
    )
    assert json.loads(request.content) == {}


def test_a_missing_file_is_not_found_with_the_rpc_message(send: Sender) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"code": 5, "message": "file not found", "details": []})

    with pytest.raises(NotFoundError, match="NOT_FOUND: file not found"):
        send(handler, bv.download_link("gone"), bv_config())


def test_a_5xx_is_not_retried_once_the_post_may_have_arrived(send: Sender) -> None:
    # The existing rule for any POST: retried only when it surely never reached the server.
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503, json={"code": 14, "message": "busy"})

    with pytest.raises(Exception, match="503"):
        send(handler, bv.download_link("f1"), bv_config())
    assert len(calls) == 1


# --- which outputs have a file, and which ids are acceptable -----------------------------


def job(status: str, outputs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": "j", "status": status, "outputs": outputs}


@pytest.mark.parametrize(
    ("result", "files"),
    [
        (job("DUBBING_STATUS_SUCCEEDED", [{"id": "f1", "lang_code": "ja"}]), [("f1", "ja")]),
        (
            job(
                "DUBBING_STATUS_SUCCEEDED",
                [{"id": "f1", "lang_code": "ja"}, {"lang_code": "fr"}, {"id": "f3"}],
            ),
            [("f1", "ja"), ("f3", None)],
        ),
        (job("DUBBING_STATUS_SUCCEEDED", []), []),
        ({"id": "j", "status": "DUBBING_STATUS_SUCCEEDED"}, []),
        (job("DUBBING_STATUS_FAILED", [{"id": "f1", "lang_code": "ja"}]), []),
        (job("DUBBING_STATUS_PROCESSING", [{"id": "f1", "lang_code": "ja"}]), []),
        (job("DUBBING_STATUS_CREATED", [{"lang_code": "ja"}]), []),
        (job("DUBBING_STATUS_UNSPECIFIED", [{"id": "f1", "lang_code": "ja"}]), []),
    ],
)
def test_only_a_succeeded_job_has_files_to_download(result: dict[str, Any], files: list[Any]) -> None:
    assert downloadable_files(result) == files


@pytest.mark.parametrize(
    ("given", "ids"),
    [("f1", ["f1"]), (["f1", "f2"], ["f1", "f2"]), (("f1",), ["f1"]), ("a:b", ["a:b"]), (7, ["7"])],
)
def test_file_ids_one_or_a_list(given: Any, ids: list[str]) -> None:
    assert bv.check_file_ids(given) == ids


@pytest.mark.parametrize(
    ("given", "field", "problem"),
    [
        ([], "file_ids", "must not be empty"),
        ("", "file_ids", "empty or blank"),
        ("   ", "file_ids", "empty or blank"),
        (["f1", " "], "file_ids[1]", "empty or blank"),
        (["f1", None], "file_ids[1]", "string id"),
        (None, "file_ids", "library file id or a list"),
        ({"id": "f1"}, "file_ids", "library file id or a list"),
        (b"f1", "file_ids", "library file id or a list"),
        ("['f1', 'f2']", "file_ids", "render_template_as_native_obj"),
        (["library/files/f1"], "file_ids[0]", "not a path"),
    ],
)
def test_bad_file_ids_name_the_field(given: Any, field: str, problem: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        bv.check_file_ids(given)
    assert info.value.field == field
    assert problem in str(info.value)
