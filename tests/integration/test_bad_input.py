"""The bad-input cases of docs/reliability.md, row by row, against the emulator.

The rows live in tests/bad_input_cases.py (tests/unit/test_bad_input_docs.py keeps the page's tables
equal to them): each row's id picks a case below, and the test checks the row's claims (error type,
field named, requests that reached the emulator, what a task would fail with) through the sync and
the async path. A row without a case or a case without a row fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from airflow_provider_dubbing.client.retry import RetryPolicy
from airflow_provider_dubbing.exceptions import DubbingError, ResponseValidationError
from airflow_provider_dubbing.hooks.blendvision import BlendVisionHook
from airflow_provider_dubbing.hooks.camb import CambHook
from airflow_provider_dubbing.tasks.failures import failure_for_call
from airflow_provider_dubbing.waiting.verdict import Phase
from tests.bad_input_cases import ACCEPTED, BAD_INPUT, Accepted, BadInput
from tests.conftest import BV_ORG, BV_TOKEN, CAMB_KEY

FAST_RETRY = RetryPolicy(max_retries=3, initial_delay_s=0.01, max_delay_s=0.02, max_retry_after_s=0.05)
NEW_JOB = {"source_type": "video", "source_id": "src-1", "source_lang_code": "en", "target_lang_code": "ja"}
NEW_DUB = {"video_url": "https://media.example.com/talk.mp4", "source_language": 1, "target_languages": [54]}
TWO_MIB = "x" * (2 * 1024 * 1024)


@dataclass
class Env:
    """What a case needs: the emulator, the hook-call runner (sync or async) and env patching."""

    emulator: Any
    via: Any
    monkeypatch: pytest.MonkeyPatch

    def connection(self, conn_id: str, value: dict[str, Any]) -> None:
        self.monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(value))

    def camb(self, conn_id: str = "camb_default") -> CambHook:
        return CambHook(conn_id, retry=FAST_RETRY)

    def bv(self, conn_id: str = "blendvision_default") -> BlendVisionHook:
        return BlendVisionHook(conn_id, retry=FAST_RETRY)


def _status(task_id: Any, **kwargs: Any) -> Callable[[Env], Any]:
    return lambda env: env.via(env.camb(), "get_alt_format_status", task_id, **kwargs)


def _job(job_id: Any) -> Callable[[Env], Any]:
    return lambda env: env.via(env.bv(), "get_dubbing_job", job_id)


def _export(run_id: Any, language: Any, output_format: str) -> Callable[[Env], Any]:
    return lambda env: env.via(env.camb(), "export_alt_format", run_id, language, output_format)


def _create(**changes: Any) -> Callable[[Env], Any]:
    return lambda env: env.via(env.bv(), "create_dubbing_job", **{**NEW_JOB, **changes})


def _dub(**changes: Any) -> Callable[[Env], Any]:
    def case(env: Env) -> Any:
        arguments = {**NEW_DUB, **changes}
        return env.via(
            env.camb(),
            "dub",
            arguments.pop("video_url"),
            arguments.pop("source_language"),
            arguments.pop("target_languages"),
            **arguments,
        )

    return case


def _dub_status(task_id: Any) -> Callable[[Env], Any]:
    return lambda env: env.via(env.camb(), "get_dubbing_status", task_id)


def _dub_result(run_id: Any) -> Callable[[Env], Any]:
    return lambda env: env.via(env.camb(), "get_dubbing_result", run_id)


def _download_link(file_id: Any) -> Callable[[Env], Any]:
    return lambda env: env.via(env.bv(), "get_download_link", file_id)


def _links_operator_at_parse(env: Env) -> Any:
    from airflow_provider_dubbing.operators.blendvision import BlendVisionGetDownloadLinksOperator

    return BlendVisionGetDownloadLinksOperator(task_id="links", file_ids=[])


def _operator_at_parse(env: Env) -> Any:
    from airflow_provider_dubbing.operators.camb import CambExportAltFormatOperator

    return CambExportAltFormatOperator(task_id="export", run_id=7, language=1, output_format="avi")


def _camb_conn(value: dict[str, Any]) -> Callable[[Env], Any]:
    def case(env: Env) -> Any:
        env.connection("camb_case", {"conn_type": "camb", **value})
        return env.via(env.camb("camb_case"), "get_alt_format_status", "t1")

    return case


def _camb_host(host: Callable[[Any], str]) -> Callable[[Env], Any]:
    return lambda env: _camb_conn({"host": host(env.emulator), "password": CAMB_KEY})(env)


def _bv_conn(value: dict[str, Any]) -> Callable[[Env], Any]:
    def case(env: Env) -> Any:
        env.connection("bv_case", {"conn_type": "blendvision", **value})
        return env.via(env.bv("bv_case"), "get_dubbing_job", "j1")

    return case


def _answer(service: str, steps: list[dict[str, Any]], faults: Sequence[str] = ()) -> Callable[[Env], Any]:
    """A status check of an object scripted with ``steps``; the next requests get ``faults``."""

    def case(env: Env) -> Any:
        env.emulator.queue_faults(list(faults))
        if service == "camb":
            env.emulator.script_camb_task("t-answer", steps)
            return env.via(env.camb(), "get_alt_format_status", "t-answer")
        if service == "camb_dub":
            env.emulator.script_camb_dub("d-answer", steps)
            return env.via(env.camb(), "get_dubbing_status", "d-answer")
        env.emulator.script_blendvision_job("j-answer", steps)
        return env.via(env.bv(), "get_dubbing_job", "j-answer")

    return case


BAD_INPUT_CASES: dict[str, Callable[[Env], Any]] = {
    "B01": _status(""),
    "B02": _status("   "),
    "B03": _status("t" * 257),
    "B04": _status("dub-alt-format/t1"),
    "B05": _status(None),
    "B06": _job("jobs/j1"),
    "B07": _job("j1\n"),
    "B08": _job(" j1"),
    "B09": _status("t1", run_id="abc"),
    "B10": _export(4.2, 1, "mp4"),
    "B11": _export(0, 1, "mp4"),
    "B12": _export(7, 1, "avi"),
    "B13": _operator_at_parse,
    "B14": _export(7, "english", "mp4"),
    "B15": _create(source_lang_code="eng"),
    "B16": _create(target_lang_code="en-USA"),
    "B17": _create(interval_sec=("1,5", "4")),
    "B18": _create(interval_sec=("1.2.3", "4")),
    "B19": _create(interval_sec=("0.5", "1e")),
    "B20": _create(interval_sec=("10", "5")),
    "B21": _create(source_type="podcast"),
    "B22": lambda env: _camb_conn({"host": env.emulator.camb_base_url})(env),
    "B23": lambda env: _bv_conn({"host": env.emulator.blendvision_base_url, "extra": {"org_id": BV_ORG}})(
        env
    ),
    "B24": lambda env: _bv_conn({"host": env.emulator.blendvision_base_url, "password": BV_TOKEN})(env),
    "B25": lambda env: env.via(env.camb("no_such_connection"), "get_alt_format_status", "t1"),
    "B26": lambda env: _camb_conn(
        {"host": env.emulator.camb_base_url, "password": CAMB_KEY, "extra": "{not json"}
    )(env),
    "B27": _camb_host(lambda emulator: emulator.camb_base_url.removeprefix("http://")),
    "B28": _camb_host(lambda emulator: f"{emulator.camb_base_url}/dub-alt-format/t1"),
    "B29": lambda env: _bv_conn(
        {
            "host": f"{env.emulator.blendvision_base_url}/bv/cms/v1",
            "password": BV_TOKEN,
            "extra": {"org_id": BV_ORG},
        }
    )(env),
    "B30": _camb_host(lambda emulator: "http://camb.example.com/apis"),
    "B31": _camb_host(lambda emulator: "ftp://client.camb.ai"),
    "B32": lambda env: _bv_conn(
        {
            "host": env.emulator.blendvision_base_url,
            "password": BV_TOKEN,
            "extra": {"org_id": BV_ORG, "request_timeout_s": "soon"},
        }
    )(env),
    "B33": _answer("camb", [{"status": "PENDING"}], ["html200"] * 4),
    "B34": _answer("blendvision", [{"status": "DUBBING_STATUS_PROCESSING"}], ["truncate"] * 4),
    "B35": _answer("camb", [{"raw": {"state": "PENDING"}}]),
    "B36": _answer("blendvision", [{"raw": {"job": {}}}]),
    "B37": _answer("camb", [{"status": "PENDING", "run_id": "abc"}]),
    "B38": _answer(
        "blendvision",
        [{"status": "DUBBING_STATUS_SUCCEEDED", "outputs": [{"lang_code": "ja"}, {"lang_code": "ko"}]}],
    ),
    "B39": _answer("blendvision", [{"status": "DUBBING_STATUS_PROCESSING", "created_at": "yesterday"}]),
    "B40": _answer("camb", [{"status": "PENDING", "message": TWO_MIB}]),
    "B41": _answer("blendvision", [{"status": "DUBBING_STATUS_PROCESSING", "source_id": TWO_MIB}]),
    "B42": _dub(video_url=""),
    "B43": _dub(video_url="ftp://media.example.com/talk.mp4"),
    "B44": _dub(video_url="media.example.com/talk.mp4"),
    "B45": _dub(target_languages=[]),
    "B46": _dub(target_languages=[54, "spanish"]),
    "B47": _dub(source_language="english"),
    "B48": _dub(project_title="talk"),
    "B49": _dub_status("   "),
    "B50": _dub_status("dub/t1"),
    "B51": _dub_result("abc"),
    "B52": _download_link(""),
    "B53": _download_link("library/files/f1"),
    "B54": _links_operator_at_parse,
    "B55": _answer("camb_dub", [{"raw": {"state": "PENDING"}}]),
}


def _a01(env: Env) -> str:
    env.connection("camb_case", {"conn_type": "camb", "host": "client.camb.ai/apis", "password": "k"})
    return CambHook("camb_case").get_client_config().base_url


def _a02(env: Env) -> str:
    env.connection(
        "camb_case", {"conn_type": "camb", "host": "https://client.camb.ai/apis/", "password": "k"}
    )
    return CambHook("camb_case").get_client_config().base_url


def _a03(env: Env) -> str:
    env.emulator.script_camb_task("t-new", [{"status": "ARCHIVED"}])
    verdict = env.via(env.camb(), "check_export", "t-new")
    assert verdict.phase is Phase.UNKNOWN
    assert "'ARCHIVED'" in verdict.summary
    assert "still running" in verdict.summary
    return str(verdict.status)


def _a04(env: Env) -> str:
    env.emulator.script_blendvision_job(
        "j-new", [{"status": "DUBBING_STATUS_PROCESSING", "source_type": "DUBBING_SOURCE_TYPE_TEXT"}]
    )
    return str(env.via(env.bv(), "get_dubbing_job", "j-new").source_type.value)


def _a05(env: Env) -> str:
    # An mp4 export answers a task id (TaskStarted), whose task remembers its run.
    started = env.via(env.camb(), "export_alt_format", "42", 1, "mp4")
    return str(env.emulator.state.camb_tasks[started.task_id].run_id)


def _a06(env: Env) -> str:
    from airflow_provider_dubbing.blendvision.endpoints import download_link
    from airflow_provider_dubbing.client.call import build_url

    assert build_url("http://h", download_link("lib:f1")).endswith("/files/lib%3Af1:download")
    output = {"id": "lib:f1", "lang_code": "ja"}
    env.emulator.script_blendvision_job(
        "j-colon", [{"status": "DUBBING_STATUS_SUCCEEDED", "outputs": [output]}]
    )
    env.via(env.bv(), "get_dubbing_job", "j-colon")  # the job names its output file
    link = env.via(env.bv(), "get_download_link", "lib:f1")
    assert env.emulator.stats()["requests"] == 2
    return str(link.id)


ACCEPTED_CASES: dict[str, Callable[[Env], str]] = {
    "A01": _a01,
    "A02": _a02,
    "A03": _a03,
    "A04": _a04,
    "A05": _a05,
    "A06": _a06,
}


@pytest.fixture
def env(connections: Any, via: Any, monkeypatch: pytest.MonkeyPatch) -> Env:
    return Env(connections, via, monkeypatch)


def test_every_row_has_a_case_and_every_case_a_row() -> None:
    assert sorted(row.id for row in BAD_INPUT) == sorted(BAD_INPUT_CASES)
    assert sorted(row.id for row in ACCEPTED) == sorted(ACCEPTED_CASES)
    assert len(BAD_INPUT_CASES) >= 25


@pytest.mark.parametrize("row", BAD_INPUT, ids=lambda row: row.id)
def test_bad_input_gets_what_its_row_says(env: Env, row: BadInput) -> None:
    with pytest.raises(DubbingError) as info:
        BAD_INPUT_CASES[row.id](env)
    raised = info.value
    assert type(raised).__name__ == row.error, raised
    if row.field is not None:
        if isinstance(raised, ResponseValidationError):
            assert raised.problems[0].split(":")[0] == row.field, raised.problems
        else:
            assert raised.field == row.field, raised
        assert row.field in str(raised)
    assert env.emulator.stats()["requests"] == row.requests
    if row.task_fails_with is not None:
        assert type(failure_for_call(raised, conn_id="c", what="w")).__name__ == row.task_fails_with
    for secret in (CAMB_KEY, BV_TOKEN):
        assert secret not in str(raised)


@pytest.mark.parametrize("row", ACCEPTED, ids=lambda row: row.id)
def test_accepted_input_does_what_its_row_says(env: Env, row: Accepted) -> None:
    assert ACCEPTED_CASES[row.id](env) == row.result
    assert row.result in " ".join((row.input, row.where, row.what_happens))


def test_an_oversized_answer_is_never_read_whole(connections: Any) -> None:
    # The cap is a memory bound, not just a check after reading: the async stream transport stops
    # one chunk past it, and the connection it stopped on is not reused.
    import asyncio

    from airflow_provider_dubbing.client.call import MAX_RESPONSE_BYTES
    from airflow_provider_dubbing.client.pool import shared_async_client

    connections.script_camb_task("t-big", [{"status": "PENDING", "message": "x" * (8 * MAX_RESPONSE_BYTES)}])

    async def run() -> int:
        client = await shared_async_client(connections.camb_base_url)
        url = f"{connections.camb_base_url}/dub-alt-format/t-big"
        response = await client.get(url, headers={"x-api-key": CAMB_KEY})
        assert response.status_code == 200
        return len(response.content)

    read = asyncio.run(run())
    assert MAX_RESPONSE_BYTES < read < 2 * MAX_RESPONSE_BYTES
