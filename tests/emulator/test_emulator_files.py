"""The emulator's file host: real WAV and MP4 bytes, presigned URLs and their checks, and BlendVision One's
``files/{id}:download`` custom verb that hands them out."""

from __future__ import annotations

import dataclasses
import io
import re
import struct
import wave
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from airflow_provider_dubbing.emulator.media import mp4_bytes, wav_bytes
from airflow_provider_dubbing.emulator.server import EmulatorServer
from airflow_provider_dubbing.emulator.settings import EmulatorSettings

FILES = "/bv/cms/v1/library/files"
JOBS = "/bv/cms/v1/dubbing-jobs"
T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
TTL = EmulatorSettings().file_url_ttl


def _boxes(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """The top-level ISO BMFF boxes of ``data``: (type, payload); fails on a size that overruns."""
    offset = 0
    while offset < len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        assert 8 <= size <= len(data) - offset, (kind, size)
        yield kind, data[offset + 8 : offset + size]
        offset += size


def _ready_url(client: httpx.Client, headers: dict[str, str], output_format: str = "wav") -> str:
    response = client.post(
        "/apis/dub-alt-format/42/54", headers=headers, json={"output_format": output_format}
    )
    url: str = response.json()["output_url"]
    return url


def _with_query(url: str, **changes: str) -> str:
    parsed = httpx.URL(url)
    return str(parsed.copy_with(params={**dict(parsed.params), **changes}))


def _xml_code(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "application/xml"
    match = re.search(r"<Error><Code>([^<]+)</Code><Message>([^<]*)</Message>", response.text)
    assert match, response.text
    return match.group(1)


def _succeeded_job(client: httpx.Client, headers: dict[str, str], **job: Any) -> dict[str, Any]:
    fields = {
        "source_type": "DUBBING_SOURCE_TYPE_VIDEO",
        "source_id": "vod-1",
        "source_lang_code": "en",
        "outputs": [{"lang_code": "ja"}],
        **job,
    }
    job_id = client.post(JOBS, headers=headers, json={"dubbing_job": fields}).json()["dubbing_job"]["id"]
    for _ in range(10):
        answer: dict[str, Any] = client.get(f"{JOBS}/{job_id}", headers=headers).json()["dubbing_job"]
        if answer["status"] == "DUBBING_STATUS_SUCCEEDED":
            return answer
    raise AssertionError(f"job {job_id} did not succeed in 10 polls")


def _download(client: httpx.Client, raw_id: str, headers: dict[str, str], **kwargs: Any) -> httpx.Response:
    return client.post(f"{FILES}/{raw_id}:download", headers=headers, **({"json": {}} | kwargs))


# The bytes.


def test_the_wav_is_16_bit_mono_pcm_a_fraction_of_a_second_long_and_not_silent() -> None:
    with wave.open(io.BytesIO(wav_bytes())) as reader:
        shape = (reader.getnchannels(), reader.getsampwidth(), reader.getframerate())
        frames = reader.getnframes()
        samples = struct.unpack(f"<{frames}h", reader.readframes(frames))

    assert shape == (1, 2, 16_000)
    assert 0 < frames < 16_000
    assert max(samples) > 1000
    assert min(samples) < -1000
    assert len(wav_bytes()) < 16_000


def test_the_mp4_is_an_ftyp_isom_then_a_moov_with_an_mvhd_then_an_mdat() -> None:
    data = mp4_bytes()

    boxes = list(_boxes(data))

    assert [kind for kind, _ in boxes] == [b"ftyp", b"moov", b"mdat"]
    ftyp = boxes[0][1]
    assert ftyp[:4] == b"isom"
    assert b"isom" in {ftyp[index : index + 4] for index in range(8, len(ftyp), 4)}
    (mvhd_kind, mvhd), *rest = list(_boxes(boxes[1][1]))
    assert (mvhd_kind, len(mvhd) + 8, rest) == (b"mvhd", 108, [])
    timescale, duration = struct.unpack(">II", mvhd[12:20])
    assert (timescale, duration) == (1000, 250)
    assert len(data) < 16_000


# The presigned URLs.


def test_a_file_url_looks_presigned_like_s3_and_serves_bytes_with_type_and_length(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    server.set_clock(lambda: T0)
    url = httpx.URL(_ready_url(client, camb_headers))

    assert url.path.startswith("/_files/")
    assert dict(url.params) == {
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": url.params["X-Amz-Credential"],
        "X-Amz-Date": "20250301T120000Z",
        "X-Amz-Expires": str(TTL),
        "X-Amz-SignedHeaders": "host",
        "X-Amz-Signature": url.params["X-Amz-Signature"],
    }
    assert re.fullmatch(r"[A-Z0-9]+/20250301/[a-z0-9-]+/s3/aws4_request", url.params["X-Amz-Credential"])
    assert re.fullmatch(r"[0-9a-f]{64}", url.params["X-Amz-Signature"])
    response = client.get(str(url))
    assert response.status_code == 200
    assert response.content == wav_bytes()
    assert response.headers["content-type"] == "audio/wav"
    assert response.headers["content-length"] == str(len(wav_bytes()))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda url: url[:-1] + ("0" if url[-1] != "0" else "1"),
        lambda url: url.replace(".wav?", ".mp4?"),
        lambda url: _with_query(url, **{"X-Amz-Expires": "604800"}),
        lambda url: _with_query(url, **{"X-Amz-Date": "20990101T000000Z"}),
    ],
    ids=["signature", "path", "expires", "date"],
)
def test_a_changed_url_answers_403_signature_does_not_match(
    client: httpx.Client, camb_headers: dict[str, str], tamper: Any
) -> None:
    url = _ready_url(client, camb_headers)
    changed = tamper(url)
    assert changed != url

    response = client.get(changed)

    assert response.status_code == 403
    assert _xml_code(response) == "SignatureDoesNotMatch"


def test_a_url_expires_after_the_ttl_by_the_injected_clock(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    server.set_clock(lambda: T0)
    url = _ready_url(client, camb_headers, "mp3")

    server.set_clock(lambda: T0 + timedelta(seconds=TTL - 1))
    assert client.get(url).status_code == 200
    server.set_clock(lambda: T0 + timedelta(seconds=TTL))
    expired = client.get(url)

    assert expired.status_code == 403
    assert _xml_code(expired) == "AccessDenied"
    assert "<Message>Request has expired</Message>" in expired.text


def test_the_ttl_is_a_setting(settings: EmulatorSettings, camb_headers: dict[str, str]) -> None:
    short = dataclasses.replace(settings, file_url_ttl=60)
    with EmulatorServer(settings=short) as server, httpx.Client(base_url=server.url) as client:
        server.set_clock(lambda: T0)
        url = _ready_url(client, camb_headers)
        server.set_clock(lambda: T0 + timedelta(seconds=60))
        expired = client.get(url)

    assert httpx.URL(url).params["X-Amz-Expires"] == "60"
    assert expired.status_code == 403


def test_a_url_without_a_signature_or_with_a_broken_query_is_refused(
    client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    url = httpx.URL(_ready_url(client, camb_headers))
    params = dict(url.params)

    unsigned = client.get(str(url.copy_with(query=None)))
    no_date = client.get(str(url.copy_with(params={k: v for k, v in params.items() if k != "X-Amz-Date"})))
    bad_expires = client.get(_with_query(str(url), **{"X-Amz-Expires": "soon"}))

    assert unsigned.status_code == 403
    assert _xml_code(unsigned) == "AccessDenied"
    assert (no_date.status_code, _xml_code(no_date)) == (400, "AuthorizationQueryParametersError")
    assert (bad_expires.status_code, _xml_code(bad_expires)) == (400, "AuthorizationQueryParametersError")


def test_only_get_reads_a_file(client: httpx.Client, camb_headers: dict[str, str]) -> None:
    response = client.put(_ready_url(client, camb_headers), content=b"x")

    assert response.status_code == 405
    assert _xml_code(response) == "MethodNotAllowed"


def test_the_file_route_needs_no_credentials_is_not_counted_and_is_never_faulted(
    server: EmulatorServer, client: httpx.Client, camb_headers: dict[str, str]
) -> None:
    url = _ready_url(client, camb_headers)
    before = server.stats()
    server.queue_faults(["500"])

    downloads = [client.get(url).status_code for _ in range(3)]

    assert downloads == [200, 200, 200]
    assert server.stats() == before
    # The queued fault is still there for the next API request.
    assert client.get("/apis/source-languages", headers=camb_headers).status_code == 500


# BlendVision One's download link.


@pytest.mark.parametrize(
    ("source_type", "extension", "content_type", "media"),
    [
        ("DUBBING_SOURCE_TYPE_VIDEO", "mp4", "video/mp4", mp4_bytes),
        ("DUBBING_SOURCE_TYPE_AUDIO", "wav", "audio/wav", wav_bytes),
    ],
)
def test_a_succeeded_jobs_output_has_a_download_link_to_real_media(
    server: EmulatorServer,
    client: httpx.Client,
    bv_headers: dict[str, str],
    source_type: str,
    extension: str,
    content_type: str,
    media: Callable[[], bytes],
) -> None:
    server.set_clock(lambda: T0)
    job = _succeeded_job(client, bv_headers, source_type=source_type)
    file_id = job["outputs"][0]["id"]

    response = _download(client, quote(file_id, safe=""), bv_headers)

    assert response.status_code == 200
    answer = response.json()
    assert answer == {
        "id": file_id,
        "download_uri": answer["download_uri"],
        "download_filename": f"{job['id']}-ja.{extension}",
        "expiration_time": (T0 + timedelta(seconds=TTL)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert answer["download_uri"].startswith(f"{server.url}/_files/")
    assert httpx.URL(answer["download_uri"]).params["X-Amz-Date"] == "20250301T120000Z"
    file = client.get(answer["download_uri"])
    assert file.status_code == 200
    assert file.headers["content-type"] == content_type
    assert file.content == media()
    server.set_clock(lambda: T0 + timedelta(seconds=TTL))
    assert client.get(answer["download_uri"]).status_code == 403


def test_an_id_holding_a_colon_is_encoded_and_the_verb_still_matches(
    server: EmulatorServer, client: httpx.Client, bv_headers: dict[str, str]
) -> None:
    server.script_blendvision_job(
        "j:1", job={"outputs": [{"lang_code": "ko", "id": "lib:file:1"}]}, processing_polls=0
    )
    client.get(f"{JOBS}/j%3A1", headers=bv_headers)
    assert client.get(f"{JOBS}/j%3A1", headers=bv_headers).json()["dubbing_job"]["status"] == (
        "DUBBING_STATUS_SUCCEEDED"
    )

    response = _download(client, "lib%3Afile%3A1", bv_headers)

    assert response.status_code == 200
    assert response.json()["id"] == "lib:file:1"
    assert response.json()["download_filename"] == "j:1-ko.mp4"
    assert client.get(response.json()["download_uri"]).status_code == 200


def test_an_encoded_colon_is_part_of_the_id_not_the_verb(
    client: httpx.Client, bv_headers: dict[str, str]
) -> None:
    file_id = _succeeded_job(client, bv_headers)["outputs"][0]["id"]

    response = client.post(f"{FILES}/{file_id}%3Adownload", headers=bv_headers, json={})

    assert response.status_code == 404
    assert response.json()["code"] == 5
    assert _download(client, file_id, bv_headers).status_code == 200


def test_a_file_of_no_succeeded_job_answers_404_not_found(
    client: httpx.Client, bv_headers: dict[str, str]
) -> None:
    job_id = client.post(
        JOBS,
        headers=bv_headers,
        json={
            "dubbing_job": {
                "source_type": "DUBBING_SOURCE_TYPE_VIDEO",
                "source_id": "vod-1",
                "source_lang_code": "en",
                "outputs": [{"lang_code": "ja"}],
            }
        },
    ).json()["dubbing_job"]["id"]
    client.get(f"{JOBS}/{job_id}", headers=bv_headers)  # CREATED, not yet SUCCEEDED

    for file_id in (f"file-{job_id}-ja", "no-such-file"):
        response = _download(client, file_id, bv_headers)
        assert response.status_code == 404
        body = response.json()
        assert body["code"] == 5
        assert isinstance(body["message"], str)
        assert body["details"] == []


def test_the_download_verb_needs_the_bearer_token_and_org_and_post(
    client: httpx.Client, bv_headers: dict[str, str]
) -> None:
    file_id = _succeeded_job(client, bv_headers)["outputs"][0]["id"]

    no_token = _download(client, file_id, {"x-bv-org-id": bv_headers["x-bv-org-id"]})
    wrong_org = _download(client, file_id, {**bv_headers, "x-bv-org-id": "other"})
    get = client.get(f"{FILES}/{file_id}:download", headers=bv_headers)
    not_json = _download(client, file_id, bv_headers, content=b"{no", json=None)

    assert (no_token.status_code, no_token.json()["code"]) == (401, 16)
    assert (wrong_org.status_code, wrong_org.json()["code"]) == (403, 7)
    assert get.status_code == 405
    assert get.headers["allow"] == "POST"
    assert (not_json.status_code, not_json.json()["code"]) == (400, 3)


def test_a_download_link_request_is_counted_as_an_api_call(
    server: EmulatorServer, client: httpx.Client, bv_headers: dict[str, str]
) -> None:
    file_id = _succeeded_job(client, bv_headers)["outputs"][0]["id"]
    server.reset()

    _download(client, file_id, bv_headers)

    assert server.stats()["by_route"] == {f"POST {FILES}/{{id}}:download": 1}
