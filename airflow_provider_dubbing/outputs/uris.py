"""The asset URI schemes of the dubbed files, and the check Airflow runs on each such URI.

A dubbed file is named by the work that made it, never by its presigned URL (which expires
and is a credential):

- ``camb://runs/{run_id}/{language}/{video|audio}``: a CAMB.AI run's dubbed video or audio;
- ``camb://runs/{run_id}/{language}/exports/{format}``: an alt-format export of that run;
- ``blendvision://dubbing-jobs/{job_id}/{lang_code}``: a BlendVision One job's dubbed file.

Each path segment is percent-quoted. :func:`normalize_uri` is registered for both schemes
in the provider info (``asset-uris`` on Airflow 3, ``dataset-uris`` on 2.x), so Airflow
refuses a malformed URI of these schemes when an asset is made, naming what is wrong.
"""

from __future__ import annotations

from urllib.parse import SplitResult, quote

CAMB_SCHEME = "camb"
BLENDVISION_SCHEME = "blendvision"
SCHEMES = (CAMB_SCHEME, BLENDVISION_SCHEME)

_UNKNOWN_LANGUAGE = "-"
"""The language segment of a file whose answer named no language (CAMB.AI's single-object form)."""


def _segment(value: object) -> str:
    text = str(value).strip() if value is not None else ""
    return quote(text or _UNKNOWN_LANGUAGE, safe="")


def camb_uri(run_id: object, language: object, *rest: str) -> str:
    """The URI of a CAMB.AI run's file: ``rest`` is ``("video",)``, ``("audio",)`` or
    ``("exports", format)``."""
    path = "/".join(_segment(part) for part in (run_id, language, *rest))
    return f"{CAMB_SCHEME}://runs/{path}"


def blendvision_uri(job_id: object, lang_code: object) -> str:
    """The URI of a BlendVision One job's dubbed file in ``lang_code``."""
    return f"{BLENDVISION_SCHEME}://dubbing-jobs/{_segment(job_id)}/{_segment(lang_code)}"


# scheme -> (netloc, allowed segment counts, what the path holds)
_SHAPES = {
    CAMB_SCHEME: (
        "runs",
        (3, 4),
        "/{run_id}/{language}/video|audio or /{run_id}/{language}/exports/{format}",
    ),
    BLENDVISION_SCHEME: ("dubbing-jobs", (2,), "/{job_id}/{lang_code}"),
}


def normalize_uri(parts: SplitResult) -> SplitResult:
    """Check a ``camb://`` or ``blendvision://`` URI (Airflow's asset URI handler).

    Returns it without a query or fragment; raises :class:`ValueError` naming what is
    wrong (the netloc, or the number of path segments).
    """
    netloc, counts, shape = _SHAPES[parts.scheme]
    uri = f"{parts.scheme}://{parts.netloc}{parts.path}"
    if parts.netloc != netloc:
        raise ValueError(f"{uri!r}: a {parts.scheme} asset URI starts {parts.scheme}://{netloc}/")
    segments = parts.path.strip("/").split("/") if parts.path.strip("/") else []
    if len(segments) not in counts or not all(segments):
        raise ValueError(f"{uri!r}: the path of a {parts.scheme} asset URI is {shape}")
    if len(segments) == 4 and segments[2] != "exports":
        raise ValueError(f"{uri!r}: the path of a {parts.scheme} asset URI is {shape}")
    if len(segments) == 3 and parts.scheme == CAMB_SCHEME and segments[2] not in ("video", "audio"):
        raise ValueError(f"{uri!r}: the path of a {parts.scheme} asset URI is {shape}")
    return parts._replace(query="", fragment="")
