"""``EmulatorServer``'s lifecycle, ``EmulatorSettings``, logging without secrets, concurrency, and the CLI."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import httpx
import pytest

from airflow_provider_dubbing.emulator.server import EmulatorServer
from airflow_provider_dubbing.emulator.settings import EmulatorSettings

ROOT = Path(__file__).resolve().parents[2]


def test_start_returns_once_listening_and_stop_closes_the_port(settings: EmulatorSettings) -> None:
    server = EmulatorServer(port=0, settings=settings).start()
    try:
        url = server.url
        assert server.port > 0
        assert url == f"http://127.0.0.1:{server.port}"
        assert server.camb_base_url == f"{url}/apis"
        assert server.blendvision_base_url == url
        assert httpx.get(f"{url}/_emulator/health").json() == {"ok": True}
    finally:
        server.stop()

    assert not server.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/_emulator/health")
    server.stop()  # a second stop is harmless


def test_the_context_manager_starts_and_stops(settings: EmulatorSettings) -> None:
    with EmulatorServer(settings=settings) as server:
        assert server.running
        assert httpx.get(f"{server.url}/_emulator/health").status_code == 200
    assert not server.running
    with pytest.raises(RuntimeError):
        _ = server.port


def test_a_busy_port_fails_start_with_an_error(emulator_server: EmulatorServer) -> None:
    with pytest.raises(RuntimeError, match="could not start"):
        EmulatorServer(port=emulator_server.port).start()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", ""])
def test_only_loopback_hosts_are_accepted(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        EmulatorServer(host=host)


def test_settings_default_read_from_the_environment_and_hide_credentials() -> None:
    assert EmulatorSettings().camb_api_key == "emulator-camb-key"
    assert EmulatorSettings().bv_token == "emulator-bv-token"
    assert EmulatorSettings().bv_org_id == "emulator-org"

    env = {
        "DUBBING_EMULATOR_CAMB_KEY": "k-1",
        "DUBBING_EMULATOR_BV_TOKEN": "t-2",
        "DUBBING_EMULATOR_BV_ORG": "o-3",
    }
    settings = EmulatorSettings.from_env(env, pending_polls=5)

    assert (settings.camb_api_key, settings.bv_token, settings.bv_org_id) == ("k-1", "t-2", "o-3")
    assert (settings.pending_polls, settings.processing_polls) == (5, 2)
    assert EmulatorSettings.from_env({}).camb_api_key == "emulator-camb-key"
    assert not any(secret in repr(settings) for secret in env.values())
    with pytest.raises(ValueError, match="pending_polls"):
        EmulatorSettings(pending_polls=-1)
    with pytest.raises(ValueError, match="bv_token"):
        EmulatorSettings(bv_token="")


def test_export_answer_and_file_url_ttl_are_checked_and_read_from_the_environment() -> None:
    assert (EmulatorSettings().export_answer, EmulatorSettings().file_url_ttl) == ("mix", 3600)

    env = {"DUBBING_EMULATOR_EXPORT_ANSWER": "task_id", "DUBBING_EMULATOR_FILE_URL_TTL": "90"}
    from_env = EmulatorSettings.from_env(env)
    overridden = EmulatorSettings.from_env(env, export_answer="output_url", file_url_ttl=30)

    assert (from_env.export_answer, from_env.file_url_ttl) == ("task_id", 90)
    assert (overridden.export_answer, overridden.file_url_ttl) == ("output_url", 30)
    with pytest.raises(ValueError, match="export_answer"):
        EmulatorSettings(export_answer="both")
    for ttl in (0, 604801, True):
        with pytest.raises(ValueError, match="file_url_ttl"):
            EmulatorSettings(file_url_ttl=ttl)
    with pytest.raises(ValueError, match="DUBBING_EMULATOR_FILE_URL_TTL"):
        EmulatorSettings.from_env({"DUBBING_EMULATOR_FILE_URL_TTL": "an hour"})


def test_default_script_lengths_follow_the_settings(camb_headers: dict[str, str]) -> None:
    settings = EmulatorSettings(camb_api_key=camb_headers["x-api-key"], pending_polls=0, processing_polls=0)
    with EmulatorServer(settings=settings) as server, httpx.Client(base_url=server.url) as client:
        task = client.post("/apis/dub-alt-format/1/1", headers=camb_headers, json={"output_format": "mp4"})
        status = client.get(f"/apis/dub-alt-format/{task.json()['task_id']}", headers=camb_headers)

    assert status.json()["status"] == "SUCCESS"


def test_one_info_line_per_api_request_and_no_credential_in_any_log(
    server: EmulatorServer,
    client: httpx.Client,
    camb_headers: dict[str, str],
    bv_headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    secrets = [camb_headers["x-api-key"], bv_headers["authorization"].split()[1], bv_headers["x-bv-org-id"]]
    caplog.set_level(logging.DEBUG)
    client.get("/apis/source-languages", headers=camb_headers)
    client.get("/apis/source-languages", headers={"x-api-key": secrets[0] + "-wrong"})
    client.get("/bv/account/v1/accounts", headers=bv_headers)
    server.queue_faults(["500"])
    client.get("/bv/cms/v1/dubbing-jobs/x", headers=bv_headers)
    client.put("/_emulator/camb/tasks/t", json={})

    lines = [
        record.getMessage() for record in caplog.records if record.name == "airflow_provider_dubbing.emulator"
    ]
    info = [
        r.getMessage()
        for r in caplog.records
        if r.name == "airflow_provider_dubbing.emulator" and r.levelno == logging.INFO
    ]

    assert info == [
        "camb GET /apis/source-languages -> 200",
        "camb GET /apis/source-languages -> 401",
        "blendvision GET /bv/account/v1/accounts -> 200",
        "blendvision GET /bv/cms/v1/dubbing-jobs/x -> 500 fault=500",
    ]
    assert len(lines) == 5  # the admin call is logged at DEBUG
    everything = caplog.text + "\n".join(lines)
    assert not [secret for secret in secrets if secret in everything]


def test_many_concurrent_polls_are_each_counted_once(
    server: EmulatorServer, camb_headers: dict[str, str]
) -> None:
    server.script_camb_task("busy", pending_polls=999, outcome="SUCCESS")

    async def poll_all() -> list[str]:
        # aiohttp's client: httpx's pool is slow with a hundred connections open at once.
        connector = aiohttp.TCPConnector(limit=100)
        async with aiohttp.ClientSession(
            base_url=server.url, connector=connector, headers=camb_headers
        ) as session:

            async def poll() -> str:
                async with session.get("/apis/dub-alt-format/busy") as response:
                    return str((await response.json())["status"])

            return await asyncio.gather(*(poll() for _ in range(1000)))

    statuses = asyncio.run(poll_all())

    assert statuses.count("PENDING") == 999
    assert statuses.count("SUCCESS") == 1
    assert server.stats()["polls"]["busy"] == 1000


def _start_cli(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-W", "error", "-m", "airflow_provider_dubbing.emulator", "--port", "0", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_cli_prints_its_url_serves_and_exits_0_on_sigterm() -> None:
    secrets = {
        "DUBBING_EMULATOR_CAMB_KEY": "cli-camb-key-31415",
        "DUBBING_EMULATOR_BV_TOKEN": "cli-bv-token-27182",
        "DUBBING_EMULATOR_BV_ORG": "cli-bv-org-16180",
    }
    env = {**os.environ, **secrets, "PYTHONPATH": str(ROOT)}
    process = _start_cli("--pending-polls", "0", env=env)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        prefix = "dubbing emulator listening on "
        assert line.startswith(prefix), line
        url = line[len(prefix) :]
        assert re.fullmatch(r"http://127\.0\.0\.1:[1-9][0-9]*", url), url

        assert httpx.get(f"{url}/_emulator/health").json() == {"ok": True}
        camb = {"x-api-key": secrets["DUBBING_EMULATOR_CAMB_KEY"]}
        task = httpx.post(f"{url}/apis/dub-alt-format/3/54", headers=camb, json={"output_format": "mp4"})
        assert (
            httpx.get(f"{url}/apis/dub-alt-format/{task.json()['task_id']}", headers=camb).json()["status"]
            == "SUCCESS"
        )
        bv = {
            "authorization": f"Bearer {secrets['DUBBING_EMULATOR_BV_TOKEN']}",
            "x-bv-org-id": secrets["DUBBING_EMULATOR_BV_ORG"],
        }
        assert httpx.get(f"{url}/bv/account/v1/accounts", headers=bv).status_code == 200

        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 0, stderr
    assert "camb POST /apis/dub-alt-format/3/54 -> 200" in stderr
    assert "blendvision GET /bv/account/v1/accounts -> 200" in stderr
    assert not [secret for secret in secrets.values() if secret in stdout + stderr]


def test_the_cli_exits_0_on_sigint_and_applies_fault_flags() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = _start_cli("--fault-rate", "1", "--fault-seed", "5", "--fault-kinds", "503", env=env)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().rpartition(" ")[2]

        assert httpx.get(f"{url}/apis/source-languages").status_code == 503
        faults = httpx.get(f"{url}/_emulator/faults").json()["faults"]
        assert (faults["rate"], faults["seed"], faults["kinds"]) == (1.0, 5, ["503"])

        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 0


def test_the_cli_rejects_bad_fault_kinds_with_exit_2() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = _start_cli("--fault-rate", "0.5", "--fault-kinds", "429,teapot", env=env)
    stdout, stderr = process.communicate(timeout=30)

    assert process.returncode == 2
    assert "teapot" in stderr
    assert "listening" not in stdout


def test_the_cli_takes_the_export_answer_from_the_environment_and_the_ttl_from_a_flag() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DUBBING_EMULATOR_EXPORT_ANSWER": "output_url"}
    env.pop("DUBBING_EMULATOR_CAMB_KEY", None)
    process = _start_cli("--file-url-ttl", "120", env=env)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().rpartition(" ")[2]

        created = httpx.post(
            f"{url}/apis/dub-alt-format/3/54",
            headers={"x-api-key": "emulator-camb-key"},
            json={"output_format": "mp4"},
        ).json()
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 0
    assert httpx.URL(created["output_url"]).params["X-Amz-Expires"] == "120"
