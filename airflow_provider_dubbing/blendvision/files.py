"""The dubbed files a finished BlendVision One job names (for its asset events and lineage)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider_dubbing.blendvision.endpoints import SERVICE
from airflow_provider_dubbing.blendvision.models import DubbingStatus
from airflow_provider_dubbing.outputs.files import DubbedFile, format_of, location_of
from airflow_provider_dubbing.outputs.uris import blendvision_uri

_KIND = {"DUBBING_SOURCE_TYPE_VIDEO": "video", "DUBBING_SOURCE_TYPE_AUDIO": "audio"}


def job_files(job: Mapping[str, Any], links: list[Mapping[str, Any]] | None = None) -> list[DubbedFile]:
    """One file per output of a succeeded job's dict that names a file, in order.

    ``links`` (the task's ``download_links``) add each file's URL without its query string
    and its format from the file name; without them the location is None and the format
    the source's kind (``video`` or ``audio``).
    """
    if job.get("status") != DubbingStatus.DUBBING_STATUS_SUCCEEDED.value:
        return []
    by_id = {str(link.get("id")): link for link in links or [] if isinstance(link, Mapping)}
    kind = _KIND.get(str(job.get("source_type")))
    files = []
    for output in job.get("outputs") or []:
        if not isinstance(output, Mapping) or not output.get("id"):
            continue
        file_id = str(output["id"])
        lang_code = output.get("lang_code")
        link = by_id.get(file_id, {})
        files.append(
            DubbedFile(
                uri=blendvision_uri(job.get("id"), lang_code),
                service=SERVICE.name,
                noun="dubbing job",
                object_id=None if job.get("id") is None else str(job["id"]),
                language=lang_code,
                format=format_of(link.get("download_filename") or link.get("download_uri"), kind),
                location=location_of(link.get("download_uri")),
                file_id=file_id,
            )
        )
    return files
