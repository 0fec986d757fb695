"""What a dubbing task's lineage names, as OpenLineage dataset names: its source media and
its dubbed files. Pure (no Airflow, no OpenLineage), so the naming rules are tested alone.

- A dubbed file is named by its asset URI (:mod:`.uris`), split as OpenLineage splits an
  object store's: the scheme and authority are the namespace, the path the name
  (``camb://runs/7/ja/video`` is ``camb://runs`` + ``7/ja/video``), so the namespace and
  name joined by ``/`` give the asset URI back.
- A source media URL is named the same way (``https://host:port`` + the path), without what
  may be a credential: no userinfo, no query string (a presigned URL's signature), no
  fragment. A YouTube ``watch`` link keeps its
  ``v`` (the public video id), without which every such link would be one dataset.
- A BlendVision One library source is ``blendvision://library`` + ``video/{id}`` or
  ``audio/{id}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

LIBRARY_NAMESPACE = "blendvision://library"
"""The namespace of a BlendVision One library source."""

_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"}


@dataclass(frozen=True)
class DatasetName:
    """An OpenLineage dataset's namespace and name."""

    namespace: str
    name: str


def file_dataset(uri: str) -> DatasetName:
    """The dataset of a dubbed file's asset URI (``camb://...``, ``blendvision://...``)."""
    parts = urlsplit(uri)
    return DatasetName(f"{parts.scheme}://{parts.netloc}", parts.path.lstrip("/"))


def media_dataset(url: object) -> DatasetName | None:
    """The dataset of a source media URL: ``scheme://host[:port]`` and the path (``/`` for
    none), without userinfo, query or fragment; None for a value that is not an http(s) URL."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host:
        return None
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    authority = host if port is None else f"{host}:{port}"
    name = parts.path.lstrip("/")
    if host in _YOUTUBE_HOSTS and name.rstrip("/") == "watch":
        video = parse_qs(parts.query).get("v", [""])[0]
        if video and video.replace("-", "").replace("_", "").isalnum():
            name = f"watch/{video}"
    return DatasetName(f"{scheme}://{authority}", name or "/")


def library_dataset(source_id: object, source_type: object) -> DatasetName | None:
    """The dataset of a BlendVision One library source (``video/{id}``, ``audio/{id}``);
    None without an id. The type may be ``DUBBING_SOURCE_TYPE_VIDEO`` or ``video``."""
    if source_id is None or not str(source_id).strip():
        return None
    kind = str(source_type or "").strip().lower().removeprefix("dubbing_source_type_") or "unknown"
    return DatasetName(LIBRARY_NAMESPACE, f"{quote(kind, safe='')}/{quote(str(source_id).strip(), safe='')}")
