"""Both hooks against the emulator over real HTTP, through the sync and the async path."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace
from typing import Any

import httpx
import pytest

from airflow_provider_dubbing.blendvision.models import DubbingStatus
from airflow_provider_dubbing.camb.models import ExportReady, TaskStarted, TaskStatus
from airflow_provider_dubbing.client.retry import RetryPolicy
from airflow_provider_dubbing.client.streams import AsyncStreamTransport
from airflow_provider_dubbing.exceptions import (
    ApiConnectionError,
    ApiTimeoutError,
    AuthenticationError,
    BadRequestError,
    ConnectionConfigError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    ResponseValidationError,
    ServerError,
    UnprocessableEntityError,
)
from airflow_provider_dubbing.hooks.blendvision import BlendVisionHook
from airflow_provider_dubbing.hooks.camb import CambHook
from tests.conftest import BV_ORG, BV_TOKEN, CAMB_KEY, connection_uri_env, dead_port

NO_RETRY = RetryPolicy(max_retries=0)


# Retries happen for real here, so keep the waits tiny; Retry-After is tested in units.
def _count_lookups(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[str]:
    """The conn ids ``module.load_connection_fields`` is called with from now on (it still reads)."""
    calls: list[str] = []
    real = module.load_connection_fields

    def counting(conn_id: str) -> Any:
        calls.append(conn_id)
        return real(conn_id)

    monkeypatch.setattr(module, "load_connection_fields", counting)
    return calls


FAST_RETRY = RetryPolicy(max_retries=3, initial_delay_s=0.01, max_delay_s=0.02, max_retry_after_s=0.05)


@pytest.mark.parametrize("status", [s.value for s in TaskStatus])
def test_camb_every_status_after_pending_polls(connections: Any, via: Any, status: str) -> None:
    connections.script_camb_task(
        "t-1",
        [
            {"status": "PENDING"},
            {"status": "PENDING"},
            {
                "status": status,
                "run_id": 7,
                "exception_reason": "WHY" if status != "SUCCESS" else None,
                "message": {"note": status},
            },
        ],
    )
    hook = CambHook()
    seen = [via(hook, "get_alt_format_status", "t-1").status for _ in range(3)]
    assert seen == ["PENDING", "PENDING", status]
    final = via(hook, "get_alt_format_status", "t-1", run_id=7)
    assert final.status is TaskStatus(status)
    assert final.run_id == 7
    assert final.message == {"note": status}
    assert final.exception_reason == ("WHY" if status != "SUCCESS" else None)


def test_camb_bare_string_and_unknown_status(connections: Any, via: Any) -> None:
    connections.script_camb_task("t-2", [{"status": "PENDING", "bare": True}, {"status": "QUEUED_FOR_GPU"}])
    hook = CambHook()
    first = via(hook, "get_alt_format_status", "t-2")
    assert first.status is TaskStatus.PENDING
    assert first.run_id is None
    second = via(hook, "get_alt_format_status", "t-2")
    assert second.status == "QUEUED_FOR_GPU"
    assert not second.status.is_known


def test_camb_export_then_follow_to_success(connections: Any, via: Any) -> None:
    hook = CambHook()
    answer = via(hook, "export_alt_format", 18342, "es-ES", "mp4")
    assert isinstance(answer, TaskStarted)
    task_id = answer.task_id
    statuses = [via(hook, "get_alt_format_status", task_id).status for _ in range(4)]
    assert statuses[-1] == "SUCCESS"
    assert set(statuses[:-1]) <= {"PENDING", "SUCCESS"}
    assert connections.stats()["created"]["camb"] == 1


def test_camb_export_answered_with_a_url_needs_no_status_poll(connections: Any, via: Any) -> None:
    answer = via(CambHook(), "export_alt_format", 18342, "es-ES", "wav")
    assert isinstance(answer, ExportReady)
    assert answer.output_url.startswith(connections.url + "/_files/")
    assert httpx.get(answer.output_url, timeout=10).content[:4] == b"RIFF"
    stats = connections.stats()
    assert (stats["created"]["camb"], stats["polls"]) == (1, {})


def test_camb_unknown_output_format_is_refused_before_any_request(connections: Any, via: Any) -> None:
    with pytest.raises(InvalidInputError, match="output_format") as info:
        via(CambHook(), "export_alt_format", 1, 1, "avi")
    assert "mp4" in str(info.value)
    assert connections.stats()["requests"] == 0


@pytest.mark.parametrize("status", [s.value for s in DubbingStatus])
def test_blendvision_every_status(connections: Any, via: Any, status: str) -> None:
    error_infos = (
        [{"reason": "SOURCE_AUDIO_UNREADABLE", "domain": "cms.blendvision.com", "metadata": {"track": "2"}}]
        if status == "DUBBING_STATUS_FAILED"
        else []
    )
    connections.script_blendvision_job(
        "job 1", [{"status": "DUBBING_STATUS_PROCESSING"}, {"status": status, "error_infos": error_infos}]
    )
    hook = BlendVisionHook()
    assert via(hook, "get_dubbing_job", "job 1").status == "DUBBING_STATUS_PROCESSING"
    job = via(hook, "get_dubbing_job", "job 1")
    assert job.id == "job 1"
    assert job.status is DubbingStatus(status)
    assert [(e.reason, e.domain, e.metadata) for e in job.error_infos] == [
        (e["reason"], e["domain"], e["metadata"]) for e in error_infos
    ]


def test_blendvision_unknown_status(connections: Any, via: Any) -> None:
    connections.script_blendvision_job("j-u", [{"status": "DUBBING_STATUS_ARCHIVED"}])
    job = via(BlendVisionHook(), "get_dubbing_job", "j-u")
    assert job.status == "DUBBING_STATUS_ARCHIVED"
    assert not job.status.is_known


def test_blendvision_create_then_follow_to_success(connections: Any, via: Any) -> None:
    hook = BlendVisionHook()
    created = via(hook, "create_dubbing_job", "video", "vod-9", "EN-us", "ja", interval_sec=("+.5", "1.25E2"))
    assert created.status is DubbingStatus.DUBBING_STATUS_CREATED
    assert created.source_lang_code == "en-US"
    assert created.interval_sec is not None
    assert created.interval_sec.model_dump(mode="json") == {
        "start": {"value": "0.5"},
        "end": {"value": "1.25e2"},
    }
    job = created
    for _ in range(6):
        job = via(hook, "get_dubbing_job", created.id)
        if job.status == "DUBBING_STATUS_SUCCEEDED":
            break
    assert job.status == "DUBBING_STATUS_SUCCEEDED"
    assert job.outputs[0].lang_code == "ja"
    assert job.outputs[0].id


# Each error class from a real HTTP answer of the emulator.


def test_camb_wrong_key_is_authentication_error(connections: Any, via: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_CAMB_BAD", connection_uri_env("camb", connections.camb_base_url, "nope"))
    with pytest.raises(AuthenticationError) as info:
        via(CambHook("camb_bad"), "get_alt_format_status", "t")
    assert info.value.status_code == 401


def test_blendvision_wrong_token_and_wrong_org(connections: Any, via: Any, monkeypatch: Any) -> None:
    url = connections.blendvision_base_url
    monkeypatch.setenv(
        "AIRFLOW_CONN_BV_TOKEN", connection_uri_env("blendvision", url, "nope", {"org_id": BV_ORG})
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_BV_ORG", connection_uri_env("blendvision", url, BV_TOKEN, {"org_id": "other"})
    )
    with pytest.raises(AuthenticationError, match="UNAUTHENTICATED"):
        via(BlendVisionHook("bv_token"), "get_dubbing_job", "j")
    with pytest.raises(PermissionDeniedError, match="PERMISSION_DENIED"):
        via(BlendVisionHook("bv_org"), "get_dubbing_job", "j")


def test_not_found_from_both_services(connections: Any, via: Any) -> None:
    with pytest.raises(NotFoundError) as camb_info:
        via(CambHook(), "get_alt_format_status", "missing")
    with pytest.raises(NotFoundError, match="NOT_FOUND") as bv_info:
        via(BlendVisionHook(), "get_dubbing_job", "missing")
    assert camb_info.value.status_code == bv_info.value.status_code == 404


def send_raw(hook: Any, call: Any, via: Any) -> Any:
    """Send a call the public methods would refuse to build, to get the service's own refusal."""
    if via.mode == "sync":
        return hook._request(call)
    return asyncio.run(hook._arequest(call))


def test_bad_request_and_unprocessable(connections: Any, via: Any) -> None:
    from airflow_provider_dubbing.blendvision import endpoints as bv
    from airflow_provider_dubbing.camb import endpoints as camb

    status_call = camb.get_alt_format_status("t")
    with pytest.raises(UnprocessableEntityError, match="run_id") as info:
        send_raw(CambHook(retry=NO_RETRY), replace(status_call, query={"run_id": "not-a-number"}), via)
    assert info.value.status_code == 422
    create_call = bv.create_dubbing_job("video", "s", "en", "ja")
    two_outputs = create_call.json_body["dubbing_job"] | {
        "outputs": [{"lang_code": "ja"}, {"lang_code": "ko"}]
    }
    with pytest.raises(BadRequestError, match="INVALID_ARGUMENT") as bv_info:
        send_raw(
            BlendVisionHook(retry=NO_RETRY), replace(create_call, json_body={"dubbing_job": two_outputs}), via
        )
    assert bv_info.value.status_code == 400


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("429", RateLimitError),
        ("500", ServerError),
        ("503", ServerError),
        ("502_html", ServerError),
        ("html200", ResponseDecodeError),
        ("truncate", ResponseDecodeError),
        ("drop", ApiConnectionError),
    ],
)
def test_each_fault_surfaces_as_its_class_without_retries(
    connections: Any, via: Any, kind: str, error: type
) -> None:
    connections.script_camb_task("t-f", [{"status": "SUCCESS"}])
    connections.queue_faults([kind])
    with pytest.raises(error):
        via(CambHook(retry=NO_RETRY), "get_alt_format_status", "t-f")
    # The faulted poll did not count: the script has not moved and the next poll succeeds.
    assert via(CambHook(retry=NO_RETRY), "get_alt_format_status", "t-f").status == "SUCCESS"


def test_transient_faults_are_retried_to_success(connections: Any, via: Any) -> None:
    connections.script_blendvision_job("j-r", [{"status": "DUBBING_STATUS_SUCCEEDED"}])
    connections.queue_faults(["429", "502_html", "drop"])
    job = via(BlendVisionHook(retry=FAST_RETRY), "get_dubbing_job", "j-r")
    assert job.status == "DUBBING_STATUS_SUCCEEDED"
    assert sum(connections.stats()["faults"].values()) == 3


def test_rate_limit_carries_the_retry_after_the_emulator_sent(connections: Any, via: Any) -> None:
    connections.set_faults(rate=1.0, seed=1, kinds=["429"], retry_after=7)
    with pytest.raises(RateLimitError) as info:
        via(CambHook(retry=NO_RETRY), "get_alt_format_status", "t")
    assert info.value.retry_after == 7.0


def test_slow_answer_is_a_timeout(connections: Any, via: Any) -> None:
    connections.script_camb_task("t-s", [{"status": "PENDING"}])
    connections.set_faults(rate=1.0, seed=1, kinds=["slow"], slow_seconds=1.0)
    with pytest.raises(ApiTimeoutError):
        via(CambHook(retry=NO_RETRY, timeout_s=0.2), "get_alt_format_status", "t-s")


def test_a_create_is_not_retried_after_a_server_error(connections: Any, via: Any) -> None:
    connections.queue_faults(["500"])
    with pytest.raises(ServerError):
        via(BlendVisionHook(retry=FAST_RETRY), "create_dubbing_job", "video", "s", "en", "ja")
    assert connections.stats()["created"]["blendvision"] == 0


# Connections


def test_missing_credentials_are_named(connections: Any, via: Any, monkeypatch: Any) -> None:
    url = connections.blendvision_base_url
    monkeypatch.setenv("AIRFLOW_CONN_BV_NOORG", connection_uri_env("blendvision", url, BV_TOKEN))
    monkeypatch.setenv("AIRFLOW_CONN_CAMB_NOKEY", connection_uri_env("camb", connections.camb_base_url, None))
    with pytest.raises(ConnectionConfigError, match=r"extra\.org_id") as bv_info:
        via(BlendVisionHook("bv_noorg"), "get_dubbing_job", "j")
    with pytest.raises(ConnectionConfigError, match="password") as camb_info:
        via(CambHook("camb_nokey"), "get_alt_format_status", "t")
    assert (bv_info.value.conn_id, camb_info.value.conn_id) == ("bv_noorg", "camb_nokey")
    assert connections.stats()["requests"] == 0


def test_org_id_in_the_legacy_prefixed_extra_is_read(connections: Any, via: Any, monkeypatch: Any) -> None:
    extra = {"extra__blendvision__org_id": BV_ORG}
    monkeypatch.setenv(
        "AIRFLOW_CONN_BV_OLD",
        connection_uri_env("blendvision", connections.blendvision_base_url, BV_TOKEN, extra),
    )
    connections.script_blendvision_job("j-o", [{"status": "DUBBING_STATUS_CREATED"}])
    assert via(BlendVisionHook("bv_old"), "get_dubbing_job", "j-o").status == "DUBBING_STATUS_CREATED"


def test_test_connection_reports_instead_of_raising(connections: Any, monkeypatch: Any) -> None:
    ok, message = CambHook().test_connection()
    assert ok, message
    assert "CAMB.AI" in message
    ok, message = BlendVisionHook().test_connection()
    assert ok, message
    monkeypatch.setenv("AIRFLOW_CONN_CAMB_BAD", connection_uri_env("camb", connections.camb_base_url, "nope"))
    ok, message = CambHook("camb_bad", retry=NO_RETRY).test_connection()
    assert not ok
    assert "401" in message
    monkeypatch.setenv(
        "AIRFLOW_CONN_BV_FAR",
        connection_uri_env("blendvision", "http://bv.example.com", BV_TOKEN, {"org_id": "o"}),
    )
    ok, message = BlendVisionHook("bv_far").test_connection()
    assert not ok
    assert "unencrypted" in message


def test_no_secret_in_logs_or_errors(connections: Any, via: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    connections.script_camb_task("t-x", [{"status": "SUCCESS"}])
    connections.queue_faults(["503", "429"])
    errors: list[BaseException] = []
    assert via(CambHook(retry=FAST_RETRY), "get_alt_format_status", "t-x").status == "SUCCESS"
    for hook, method, arg in [
        (CambHook(retry=NO_RETRY), "get_alt_format_status", "missing"),
        (BlendVisionHook(retry=NO_RETRY), "get_dubbing_job", "missing"),
    ]:
        with pytest.raises(NotFoundError) as info:
            via(hook, method, arg)
        errors.append(info.value)
    texts = [caplog.text, *map(str, errors), *map(repr, errors), *(repr(e.__dict__) for e in errors)]
    texts += [repr(CambHook().get_client_config()), repr(BlendVisionHook().get_client_config())]
    assert "retry 1 of 3" in caplog.text
    for secret in (CAMB_KEY, BV_TOKEN):
        assert not [t for t in texts if secret in t]


def test_credentials_are_registered_with_the_secret_masker_off_the_event_loop(
    connections: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from airflow_provider_dubbing._compat import mask_secret
    from airflow_provider_dubbing.hooks import connection

    masked: list[tuple[str, bool]] = []

    def recording_mask_secret(secret: str) -> None:
        masked.append((secret, threading.current_thread() is threading.main_thread()))
        mask_secret(secret)

    monkeypatch.setattr(connection, "mask_secret", recording_mask_secret)
    CambHook().get_client_config()
    asyncio.run(BlendVisionHook().aget_client_config())
    # Sync: in the caller's thread. Async: in a worker thread, never on the event loop's
    # (Airflow 3's masker talks to the supervisor synchronously).
    assert masked == [(CAMB_KEY, True), (BV_TOKEN, False)]


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (
            {"dubbing_job": {"id": "j-w", "status": "DUBBING_STATUS_SUCCEEDED"}},
            "dubbing_job.outputs: Field required",
        ),
        ({"job": {}}, "dubbing_job: Field required"),
    ],
)
def test_a_wrong_shaped_answer_is_a_response_validation_error(
    connections: Any, via: Any, raw: Any, problem: str
) -> None:
    connections.script_blendvision_job("j-w", [{"raw": raw}])
    with pytest.raises(ResponseValidationError) as info:
        via(BlendVisionHook(retry=FAST_RETRY), "get_dubbing_job", "j-w")
    assert problem in info.value.problems
    assert connections.stats()["polls"]["j-w"] == 1  # a wrong shape is not retried


def test_an_answer_with_two_outputs_is_refused(connections: Any, via: Any) -> None:
    two = [{"id": "f1", "lang_code": "ja"}, {"id": "f2", "lang_code": "ko"}]
    connections.script_blendvision_job("j-2", [{"status": "DUBBING_STATUS_SUCCEEDED", "outputs": two}])
    with pytest.raises(ResponseValidationError, match="at most 1 item"):
        via(BlendVisionHook(), "get_dubbing_job", "j-2")


def test_uri_form_connection_keeps_port_and_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # Airflow splits a URI into host, port and schema (the path); the base URL is rebuilt.
    monkeypatch.setenv("AIRFLOW_CONN_CAMB_URI", "camb://:the-key@camb.internal:8443/apis")
    config = CambHook("camb_uri").get_client_config()
    assert config.base_url == "https://camb.internal:8443/apis"
    assert config.auth_headers["x-api-key"].reveal() == "the-key"


def test_uri_form_and_a_whole_url_in_host_conflict(monkeypatch: pytest.MonkeyPatch) -> None:
    both = {"conn_type": "camb", "host": "https://camb.internal", "port": 8443, "password": "k"}
    monkeypatch.setenv("AIRFLOW_CONN_CAMB_BOTH", json.dumps(both))
    with pytest.raises(ConnectionConfigError, match="whole URL") as info:
        CambHook("camb_both").get_client_config()
    assert info.value.field == "host"


def test_async_calls_in_one_loop_share_one_pooled_connection(connections: Any) -> None:
    from airflow_provider_dubbing.client.pool import shared_async_client

    connections.script_camb_task("t-p", [{"status": "PENDING"}])

    async def run() -> int:
        hook = CambHook()
        for _ in range(5):
            assert (await hook.aget_alt_format_status("t-p")).status == "PENDING"
        client = await shared_async_client(connections.camb_base_url)
        transport = client._transport  # httpx keeps the one it was given here
        assert isinstance(transport, AsyncStreamTransport)
        return transport.connections_opened

    assert asyncio.run(run()) == 1


def test_many_concurrent_async_calls_open_no_more_than_the_pool_size(connections: Any) -> None:
    from airflow_provider_dubbing.client.pool import ASYNC_MAX_CONNECTIONS, shared_async_client

    connections.script_camb_task("t-p", [{"status": "PENDING"}])

    async def run() -> int:
        hooks = [CambHook() for _ in range(60)]
        answers = await asyncio.gather(*(hook.aget_alt_format_status("t-p") for hook in hooks))
        assert {answer.status for answer in answers} == {"PENDING"}
        transport = (await shared_async_client(connections.camb_base_url))._transport
        assert isinstance(transport, AsyncStreamTransport)
        return transport.connections_opened

    assert 1 <= asyncio.run(run()) <= ASYNC_MAX_CONNECTIONS
    assert connections.stats()["requests"] == 60


def test_hooks_of_one_connection_in_one_loop_share_one_lookup(
    connections: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_dubbing.hooks import connection

    looked_up = _count_lookups(monkeypatch, connection)
    connections.script_camb_task("t-p", [{"status": "PENDING"}])

    async def run() -> None:
        await asyncio.gather(*(CambHook().aget_alt_format_status("t-p") for _ in range(20)))
        await CambHook().aget_alt_format_status("t-p")

    asyncio.run(run())
    assert looked_up == ["camb_default"]
    asyncio.run(run())  # another loop (another triggerer run) reads it afresh
    assert looked_up == ["camb_default", "camb_default"]


def test_invalid_decimal_is_refused_before_any_request(connections: Any, via: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"interval_sec\.end\.value") as info:
        via(BlendVisionHook(), "create_dubbing_job", "video", "s", "en", "ja", interval_sec=("0", "1,5"))
    assert "'1,5' is not a decimal string" in str(info.value)
    assert connections.stats()["requests"] == 0


def test_invalid_decimal_in_an_answer_is_a_response_validation_error(connections: Any, via: Any) -> None:
    connections.script_blendvision_job(
        "j-d", [{"status": "DUBBING_STATUS_SUCCEEDED", "interval_sec": {"start": {"value": "1,000.5"}}}]
    )
    with pytest.raises(ResponseValidationError) as info:
        via(BlendVisionHook(), "get_dubbing_job", "j-d")
    assert any(p.startswith("dubbing_job.interval_sec.start.value:") for p in info.value.problems)


def test_blendvision_test_connection_names_401_and_403(
    connections: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = connections.blendvision_base_url
    monkeypatch.setenv(
        "AIRFLOW_CONN_BV_T", connection_uri_env("blendvision", url, "nope", {"org_id": BV_ORG})
    )
    monkeypatch.setenv("AIRFLOW_CONN_BV_O", connection_uri_env("blendvision", url, BV_TOKEN, {"org_id": "x"}))
    ok, message = BlendVisionHook("bv_t").test_connection()
    assert not ok
    assert message.startswith(
        "BlendVision One GET /bv/account/v1/accounts answered 401 Unauthorized: UNAUTHENTICATED"
    )
    ok, message = BlendVisionHook("bv_o").test_connection()
    assert not ok
    assert message.startswith(
        "BlendVision One GET /bv/account/v1/accounts answered 403 Forbidden: PERMISSION_DENIED"
    )


def test_test_connection_gives_up_after_one_quick_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    port = dead_port()
    monkeypatch.setenv(
        "AIRFLOW_CONN_CAMB_DOWN", connection_uri_env("camb", f"http://127.0.0.1:{port}/apis", "k")
    )
    ok, message = CambHook("camb_down").test_connection()
    assert not ok
    assert "ConnectError" in message


def test_no_secret_reachable_from_connection_errors(connections: Any, via: Any, monkeypatch: Any) -> None:
    import traceback

    port = dead_port()
    monkeypatch.setenv(
        "AIRFLOW_CONN_CAMB_DOWN", connection_uri_env("camb", f"http://127.0.0.1:{port}/apis", CAMB_KEY)
    )
    errors: list[BaseException] = []
    with pytest.raises(ApiConnectionError) as refused:
        via(CambHook("camb_down", retry=NO_RETRY), "get_alt_format_status", "t")
    errors.append(refused.value)
    connections.queue_faults(["drop"])
    with pytest.raises(ApiConnectionError) as dropped:
        via(CambHook(retry=NO_RETRY), "get_alt_format_status", "t")
    errors.append(dropped.value)
    for error in errors:
        assert error.__cause__ is None
        assert error.__context__ is None
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        assert CAMB_KEY not in text
        assert CAMB_KEY not in repr(vars(error))


def test_one_check_reads_and_judges_in_both_twins(connections: Any, via: Any) -> None:
    from airflow_provider_dubbing.waiting.verdict import Phase

    connections.script_camb_task("t-check", pending_polls=1, outcome="PAYMENT_REQUIRED")
    connections.script_blendvision_job("j-check", processing_polls=0)
    camb, bv = CambHook(), BlendVisionHook()
    assert [via(camb, "check_export", "t-check").phase for _ in range(2)] == [Phase.WAITING, Phase.FAILED]
    failed = via(camb, "check_export", "t-check")
    assert failed.failure == "payment_required"
    assert failed.phase is Phase.FAILED
    assert failed.result["task_id"] == "t-check"
    verdicts = [via(bv, "check_dubbing_job", "j-check") for _ in range(2)]
    assert [v.status for v in verdicts] == ["DUBBING_STATUS_CREATED", "DUBBING_STATUS_SUCCEEDED"]
    assert verdicts[1].phase is Phase.SUCCEEDED
    assert verdicts[1].result["id"] == "j-check"


def test_a_hook_reads_its_connection_once(connections: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow_provider_dubbing.hooks import base

    reads = _count_lookups(monkeypatch, base)
    connections.script_blendvision_job("j-once", processing_polls=0)
    hook = BlendVisionHook()
    hook.check_dubbing_job("j-once")
    assert hook.dubbing_job_console_url("j-once").endswith("/j-once")
    assert reads == ["blendvision_default"]


def test_the_connection_extra_request_timeout_s_bounds_each_request(
    connections: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = {"org_id": BV_ORG, "request_timeout_s": "0.4"}
    monkeypatch.setenv(
        "AIRFLOW_CONN_BV_QUICK",
        connection_uri_env("blendvision", connections.blendvision_base_url, BV_TOKEN, extra),
    )
    hook = BlendVisionHook("bv_quick", retry=RetryPolicy(max_retries=0))
    assert hook.get_client_config().timeout_s == 0.4
    connections.script_blendvision_job("j-slow", [{"status": "DUBBING_STATUS_PROCESSING"}])
    connections.queue_faults(["slow"], slow_seconds=2.0)
    with pytest.raises(ApiTimeoutError):
        hook.get_dubbing_job("j-slow")


@pytest.mark.parametrize("value", ["soon", 0, -1, 601, True, "nan"])
def test_a_bad_request_timeout_s_names_the_extra(monkeypatch: pytest.MonkeyPatch, value: Any) -> None:
    extra = {"org_id": "o", "request_timeout_s": value}
    monkeypatch.setenv("AIRFLOW_CONN_BV_BADTIMEOUT", connection_uri_env("blendvision", "", "t", extra))
    with pytest.raises(ConnectionConfigError) as info:
        BlendVisionHook("bv_badtimeout").get_client_config()
    assert info.value.field == "extra.request_timeout_s"
