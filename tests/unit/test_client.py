"""The client layer through both send loops, on httpx.MockTransport with one plain handler.

Every test runs twice (``sender`` is parametrized sync/async), so the twins stay in step.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from airflow_provider_dubbing.blendvision import endpoints as bv
from airflow_provider_dubbing.camb import endpoints as camb
from airflow_provider_dubbing.client.call import ApiCall, build_request, encode_segment
from airflow_provider_dubbing.client.config import ClientConfig
from airflow_provider_dubbing.client.errors import (
    ApiConnectionError,
    ApiStatusError,
    ApiTimeoutError,
    AuthenticationError,
    BadRequestError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    ResponseValidationError,
    ServerError,
    UnprocessableEntityError,
)
from airflow_provider_dubbing.client.retry import RetryPolicy
from airflow_provider_dubbing.client.transport import ApiClient, AsyncApiClient

KEY = "camb-unit-key-5a5a5a5a"
Handler = Callable[[httpx.Request], httpx.Response]


def camb_config(base_url: str = "https://camb.test/apis", **retry: Any) -> ClientConfig:
    policy = RetryPolicy(**{"max_retries": 3, "jitter": 0.0, **retry})
    return ClientConfig(
        service=camb.SERVICE, base_url=base_url, auth_headers=camb.auth_headers(KEY), retry=policy
    )


class Sender:
    """Sends a call through the sync or the async client, recording the waits instead of sleeping."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.waits: list[float] = []

    def __call__(self, handler: Handler, call: ApiCall[Any], config: ClientConfig | None = None) -> Any:
        config = config or camb_config()
        transport = httpx.MockTransport(handler)
        if self.mode == "sync":
            with httpx.Client(transport=transport) as http:
                return ApiClient(config, http=http, sleep=self.waits.append).request(call)

        async def asleep(seconds: float) -> None:
            self.waits.append(seconds)

        async def run() -> Any:
            async with httpx.AsyncClient(transport=transport) as http:
                return await AsyncApiClient(config, http=http, sleep=asleep).arequest(call)

        return asyncio.run(run())


@pytest.fixture(params=["sync", "async"])
def send(request: pytest.FixtureRequest) -> Sender:
    return Sender(request.param)


def ok(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body)


def test_request_carries_credentials_query_and_encoded_id(send: Sender) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok({"status": "PENDING", "run_id": 7, "exception_reason": None, "message": None})

    result = send(handler, camb.get_alt_format_status("a?b c", run_id="7"))
    assert result.status == "PENDING"
    (request,) = seen
    assert request.method == "GET"
    assert request.url.raw_path == b"/apis/dub-alt-format/a%3Fb%20c?run_id=7"
    assert request.headers["x-api-key"] == KEY
    assert request.headers["accept"] == "application/json"


@pytest.mark.parametrize(
    ("segment", "encoded"),
    [
        ("abc", "abc"),
        ("a/b", "a%2Fb"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("a?b#c", "a%3Fb%23c"),
        ("日本", "%E6%97%A5%E6%9C%AC"),
        ("100%", "100%25"),
        ("a b", "a%20b"),
    ],
)
def test_each_id_stays_one_path_segment(segment: str, encoded: str) -> None:
    assert encode_segment(segment) == encoded
    if "/" in segment:  # refused before encoding matters (below); encoding is the second guard
        return
    request = build_request(camb_config("https://h.test/prefix"), camb.get_alt_format_status(segment))
    assert request.url.raw_path == f"/prefix/dub-alt-format/{encoded}".encode()


@pytest.mark.parametrize(
    "bad", ["", "   ", "\t", "a\nb", "x" * 257, None, 3.5, True, "a/b", "dub-alt-format/t1", " t1", "t1 "]
)
def test_bad_ids_are_refused_before_any_request(send: Sender, bad: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request may be sent")

    with pytest.raises(InvalidInputError) as info:
        send(handler, camb.get_alt_format_status(bad))
    assert info.value.field == "task_id"


def test_blendvision_request_has_bearer_and_org_headers() -> None:
    config = ClientConfig(
        service=bv.SERVICE, base_url="https://bv.test", auth_headers=bv.auth_headers("tok", "org")
    )
    request = build_request(config, bv.get_dubbing_job("j 1"))
    assert request.url.raw_path == b"/bv/cms/v1/dubbing-jobs/j%201"
    assert request.headers["authorization"] == "Bearer tok"
    assert request.headers["x-bv-org-id"] == "org"


def test_create_sends_the_documented_body(send: Sender) -> None:
    seen: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return ok({"task_id": "t-1"})

    assert send(handler, camb.export_alt_format(42, "es-ES", "MP4")).task_id == "t-1"
    assert seen == [{"output_format": "mp4"}]


STATUS_TABLE = [
    (400, BadRequestError),
    (401, AuthenticationError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (409, ApiStatusError),
    (422, UnprocessableEntityError),
    (429, RateLimitError),
    (500, ServerError),
    (502, ServerError),
    (503, ServerError),
]


@pytest.mark.parametrize(("code", "cls"), STATUS_TABLE)
def test_status_code_maps_to_one_class_with_the_service_detail(send: Sender, code: int, cls: type) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(code, json={"detail": f"camb says {code}"})

    with pytest.raises(cls) as info:
        send(handler, camb.get_alt_format_status("t"), camb_config(max_retries=0))
    assert type(info.value) is cls
    assert info.value.status_code == code
    assert info.value.body == {"detail": f"camb says {code}"}
    assert f"camb says {code}" in str(info.value)
    assert str(info.value).startswith(f"CAMB.AI GET dub-alt-format/{{task_id}} answered {code}")


def test_blendvision_errors_carry_the_rpc_status_message(send: Sender) -> None:
    config = ClientConfig(
        service=bv.SERVICE,
        base_url="https://bv.test",
        auth_headers=bv.auth_headers("tok", "org"),
        retry=RetryPolicy(max_retries=0),
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"code": 7, "message": "org mismatch", "details": []})

    with pytest.raises(PermissionDeniedError, match="PERMISSION_DENIED: org mismatch"):
        send(handler, bv.get_dubbing_job("j"), config)


def test_validation_error_detail_list_reads_as_one_line(send: Sender) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            422, json={"detail": [{"loc": ["query", "run_id"], "msg": "not an int", "type": "x"}]}
        )

    with pytest.raises(UnprocessableEntityError, match=r"query\.run_id: not an int"):
        send(handler, camb.get_alt_format_status("t"))


def test_transient_answers_are_retried_with_backoff_then_succeed(send: Sender) -> None:
    answers = [
        httpx.Response(503),
        httpx.Response(502, text="<html>bad gateway</html>"),
        ok({"status": "SUCCESS"}),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    assert send(handler, camb.get_alt_format_status("t")).status == "SUCCESS"
    assert send.waits == [0.5, 1.0]


def test_retry_after_is_honoured(send: Sender) -> None:
    answers = [httpx.Response(429, headers={"Retry-After": "3"}), ok({"status": "PENDING"})]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    assert send(handler, camb.get_alt_format_status("t")).status == "PENDING"
    assert send.waits == [3.0]


def test_retries_stop_at_the_limit_with_the_last_error(send: Sender) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(500, json={"detail": "boom"})

    with pytest.raises(ServerError, match="boom"):
        send(handler, camb.get_alt_format_status("t"), camb_config(max_retries=2))
    assert len(calls) == 3
    assert send.waits == [0.5, 1.0]


@pytest.mark.parametrize("code", [400, 401, 403, 404, 422])
def test_other_4xx_are_never_retried(send: Sender, code: int) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(code)

    with pytest.raises(ApiStatusError):
        send(handler, camb.get_alt_format_status("t"))
    assert len(calls) == 1


@pytest.mark.parametrize("body", [b'{"status": "PEN', b"<html>proxy error</html>", b"\xff\xfe"])
def test_a_body_that_is_not_json_is_retried_then_reported(send: Sender, body: bytes) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(200, content=body)

    with pytest.raises(ResponseDecodeError, match="is not JSON"):
        send(handler, camb.get_alt_format_status("t"), camb_config(max_retries=1))
    assert len(calls) == 2


def test_a_wrong_shape_is_not_retried_and_names_the_field(send: Sender) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return ok({"dubbing_job": {"id": "j", "status": "DUBBING_STATUS_CREATED"}})

    config = ClientConfig(
        service=bv.SERVICE, base_url="https://bv.test", auth_headers=bv.auth_headers("t", "o")
    )
    with pytest.raises(ResponseValidationError) as info:
        send(handler, bv.get_dubbing_job("j"), config)
    assert not isinstance(info.value, ResponseDecodeError)
    assert "dubbing_job.source_id: Field required" in info.value.problems
    assert len(calls) == 1


def test_connection_errors_and_timeouts_map_to_the_tree(send: Sender) -> None:
    failures: list[Exception] = [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("dropped")]

    def handler(request: httpx.Request) -> httpx.Response:
        raise failures.pop(0)

    with pytest.raises(ApiTimeoutError):
        send(handler, camb.get_alt_format_status("t"), camb_config(max_retries=0))
    with pytest.raises(ApiConnectionError, match="RemoteProtocolError") as info:
        send(handler, camb.get_alt_format_status("t"), camb_config(max_retries=0))
    assert info.value.request_sent


def test_a_create_is_not_retried_once_the_request_may_have_arrived(send: Sender) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("refused")  # never left: safe to send again
        if len(calls) == 2:
            raise httpx.ReadTimeout("sent, then silence")  # may have started an export
        return ok({"task_id": "duplicate"})

    with pytest.raises(ApiTimeoutError):
        send(handler, camb.export_alt_format(1, 1, "mp3"))
    assert len(calls) == 2


@pytest.mark.parametrize("code", [429, 500, 503])
def test_a_create_answered_with_an_error_is_not_retried(send: Sender, code: int) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(code, headers={"Retry-After": "0"})

    with pytest.raises(ApiStatusError):
        send(handler, camb.export_alt_format(1, 1, "mp3"))
    assert len(calls) == 1


def test_no_credential_in_errors_or_logs(send: Sender, caplog: pytest.LogCaptureFixture) -> None:
    answers = [httpx.Response(503, json={"detail": "down"})] * 2 + [
        httpx.Response(401, json={"detail": "bad key"})
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthenticationError) as info:
        send(handler, camb.get_alt_format_status("t"))
    assert "retry 1 of 3" in caplog.text
    texts = [caplog.text, str(info.value), repr(info.value), repr(info.value.__dict__), repr(camb_config())]
    assert all(KEY not in text for text in texts)
