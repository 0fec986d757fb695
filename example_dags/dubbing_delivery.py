"""The last step of the example pipelines: fetch each dubbed file, check it is the media it claims to
be, and describe it for the delivery manifest.

Shared by ``example_camb_dubbing_pipeline`` and ``example_blendvision_localisation``: Airflow
puts the DAGs folder on ``sys.path``, so they import this module by name (parsing it as a DAG
file finds no DAG, which is not an error). Plain Python: httpx to download, the standard
library to check.

A file's URL is presigned, a short-lived credential: it is fetched here and never written
out. What a manifest row, a log line or an error shows is :func:`shown_url` of it (no query
string). The file is streamed to disk and hashed as it arrives, so a long programme never
sits in memory.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import wave
from pathlib import Path
from typing import Any

import httpx

from airflow_provider_dubbing.client.urls import shown_text, shown_url

# Where delivered files and manifests go; a shared volume or a bucket mount in a real deployment.
DELIVERY_DIR = os.environ.get(
    "DUBBING_EXAMPLE_DELIVERY_DIR", os.path.join(tempfile.gettempdir(), "deliveries")
)
# Frame rates a dubbed WAV can sanely have (telephone to studio).
WAV_FRAME_RATES = range(8_000, 192_001)
_CHUNK = 1 << 16

log = logging.getLogger(__name__)


class MediaCheckFailed(Exception):
    """A file could not be fetched, or is not the media its format says. The message names the
    file by its shown URL only."""


class _HideQueryStrings(logging.Filter):
    """httpx logs each request's full URL at INFO; a presigned one is shown without its signature."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = shown_text(record.getMessage()), None
        return True


logging.getLogger("httpx").addFilter(_HideQueryStrings())


def safe_name(text: str) -> str:
    """``text`` as one file or directory name: no separators, no dot-dot, nothing odd."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text).lstrip(".") or "_"


def delivery_dir(dag_id: str, run_id: str) -> Path:
    """The directory of one DAG run's delivery: files and manifest."""
    return (
        Path(os.environ.get("DUBBING_EXAMPLE_DELIVERY_DIR", DELIVERY_DIR))
        / safe_name(dag_id)
        / safe_name(run_id)
    )


def deliver(item: dict[str, Any], directory: Path) -> dict[str, Any]:
    """Fetch and check one file; the manifest row that describes it.

    :param item: ``url`` (presigned, or None when the service gave no file location),
        ``format`` (the file's extension: it decides the check), ``name`` (the file name to
        write, without extension), ``note`` (why there is no URL, when there is none), and any
        labels (language, source, ids), which the row keeps.
    :param directory: where the file is written.
    :return: the labels plus ``url`` (shown, no query string), ``bytes``, ``sha256``,
        ``checked`` (what was checked) and ``file`` (its name in ``directory``); for an item
        without a URL, ``url``, ``bytes``, ``sha256``, ``checked`` and ``file`` None and
        ``note`` saying why.
    :raises MediaCheckFailed: the download failed or the file is not what its format says.
    """
    labels = {k: v for k, v in item.items() if k not in ("url", "name", "note")}
    url = item.get("url")
    if not url:
        note = item.get("note") or "no URL was given for this file"
        return {
            **labels,
            "url": None,
            "bytes": None,
            "sha256": None,
            "checked": None,
            "file": None,
            "note": note,
        }
    output_format = str(item["format"]).lower()
    target = directory / f"{safe_name(item['name'])}.{safe_name(output_format)}"
    size, sha256 = _download(url, target)
    try:
        checked = check_media(target, output_format, size)
    except MediaCheckFailed as exc:
        target.unlink(missing_ok=True)
        raise MediaCheckFailed(f"{shown_url(url)}: {exc}") from None
    log.info("delivered %s: %d bytes, sha256 %s, %s", shown_url(url), size, sha256, checked)
    return {
        **labels,
        "url": shown_url(url),
        "bytes": size,
        "sha256": sha256,
        "checked": checked,
        "file": target.name,
    }


def check_media(path: Path, output_format: str, size: int) -> str:
    """Check a downloaded file by its format; what was checked, in words.

    WAV: the ``wave`` module reads it, with frames and a sane frame rate. MP4: an ``ftyp``
    box at offset 4 (an ISO BMFF file). Anything else: not empty.
    """
    if size <= 0:
        raise MediaCheckFailed(f"the {output_format} file is empty")
    if output_format == "wav":
        try:
            with wave.open(str(path), "rb") as reader:
                frames, rate, channels = reader.getnframes(), reader.getframerate(), reader.getnchannels()
        except (wave.Error, EOFError) as exc:
            raise MediaCheckFailed(f"not a readable WAV file ({exc})") from None
        if frames <= 0:
            raise MediaCheckFailed("a WAV file with no audio frames")
        if rate not in WAV_FRAME_RATES:
            raise MediaCheckFailed(f"a WAV file with an implausible frame rate of {rate} Hz")
        return f"WAV: {channels} channel(s), {rate} Hz, {frames} frames ({frames / rate:.2f} s)"
    if output_format == "mp4":
        with path.open("rb") as reader:
            head = reader.read(12)
        if len(head) < 12 or head[4:8] != b"ftyp":
            raise MediaCheckFailed(f"not an MP4 file: no ftyp box at offset 4 (starts {head[:12]!r})")
        return f"MP4: ftyp box, brand {head[8:12].decode('ascii', 'replace')}"
    return f"size only ({size} bytes; no content check for {output_format})"


def _download(url: str, target: Path, *, timeout_s: float = 120.0) -> tuple[int, str]:
    """Stream ``url`` into ``target`` (through a ``.part`` file); its size and sha256."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    digest, size = hashlib.sha256(), 0
    try:
        with httpx.stream("GET", url, timeout=timeout_s, follow_redirects=True) as answer:
            if answer.status_code != 200:
                hint = (
                    ": a presigned URL expires; run the task that produced it again for a fresh one"
                    if answer.status_code == 403
                    else ""
                )
                raise MediaCheckFailed(
                    f"downloading {shown_url(url)} failed: HTTP {answer.status_code}{hint}"
                )
            with partial.open("wb") as out:
                for chunk in answer.iter_bytes(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
    except httpx.HTTPError as exc:
        partial.unlink(missing_ok=True)
        # httpx's messages may quote the whole URL: show it without its signature.
        raise MediaCheckFailed(
            f"downloading {shown_url(url)} failed: {type(exc).__name__}: {shown_text(str(exc))}"
        ) from None
    except MediaCheckFailed:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return size, digest.hexdigest()


def format_of(file_name: str) -> str:
    """The extension of a file name, lower-cased (``""`` when it has none)."""
    stem, dot, extension = file_name.rpartition(".")
    return extension.lower() if dot and stem else ""
