"""One dubbed file a finished task made, as its asset event and lineage describe it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_dubbing.client.urls import shown_url


@dataclass(frozen=True)
class DubbedFile:
    """A dubbed file: what made it, its language and format, and where it is.

    :param uri: its asset URI (:mod:`.uris`), stable for the work that made it.
    :param service: ``CAMB.AI`` or ``BlendVision One``.
    :param noun: what made it: ``dub``, ``export`` or ``dubbing job``.
    :param object_id: the id of that work (the dub's or export's task id, the job's id).
    :param language: the language it is dubbed into (None when the answer named none).
    :param format: ``mp4``, ``mp3``... (the file name's extension), else ``video`` or ``audio``.
    :param location: the file's URL without its query string, or its file name; None when
        the service did not say (a CAMB.AI export's status answer names no file).
    :param run_id: the CAMB.AI run it belongs to (None for BlendVision One).
    :param file_id: the BlendVision One library file's id (None for CAMB.AI).
    """

    uri: str
    service: str
    noun: str
    object_id: str | None
    language: str | None
    format: str | None
    location: str | None
    run_id: str | None = None
    file_id: str | None = None

    def extra(self) -> dict[str, Any]:
        """The asset event's ``extra``: JSON-safe, and never a presigned query string."""
        extra = {
            "service": self.service,
            "noun": self.noun,
            "object_id": self.object_id,
            "language": self.language,
            "format": self.format,
            "location": self.location,
        }
        if self.run_id is not None:
            extra["run_id"] = self.run_id
        if self.file_id is not None:
            extra["file_id"] = self.file_id
        return extra


def location_of(url_or_name: str | None) -> str | None:
    """A file's URL without its query string (the signature), or a plain file name as is."""
    if not url_or_name:
        return None
    if "://" in url_or_name:
        shown = shown_url(url_or_name)
        return None if shown == "<not a URL>" else (shown or "").removesuffix("?...")
    return url_or_name


def format_of(url_or_name: str | None, default: str | None) -> str | None:
    """The extension of the file a URL or name points at (``mp4``), else ``default``."""
    if url_or_name:
        path = urlsplit(url_or_name).path if "://" in url_or_name else url_or_name
        suffix = PurePosixPath(path).suffix.lstrip(".").lower()
        if suffix and suffix.isalnum():
            return suffix
    return default
