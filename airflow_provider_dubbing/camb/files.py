"""The dubbed files a finished CAMB.AI task's result names (for its asset events and lineage)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider_dubbing.camb.endpoints import SERVICE
from airflow_provider_dubbing.camb.models import TaskStatus
from airflow_provider_dubbing.outputs.files import DubbedFile, format_of, location_of
from airflow_provider_dubbing.outputs.uris import camb_uri


def run_files(
    result: Mapping[str, Any] | None, *, noun: str, object_id: Any, language: Any = None
) -> list[DubbedFile]:
    """One file per video and per audio URL of a run's result (``{"run_id", "outputs"}``), in order.

    ``language`` names an output the answer gave no language (CAMB.AI's single-object form),
    when the caller knows it: a dub into one language.
    """
    if not isinstance(result, Mapping):
        return []
    run_id = result.get("run_id")
    files = []
    for output in result.get("outputs") or []:
        if not isinstance(output, Mapping):
            continue
        language = output.get("language") or language
        for kind in ("video", "audio"):
            url = output.get(f"{kind}_url")
            if not url:
                continue
            files.append(
                DubbedFile(
                    uri=camb_uri(run_id, language, kind),
                    service=SERVICE.name,
                    noun=noun,
                    object_id=None if object_id is None else str(object_id),
                    language=None if language is None else str(language),
                    format=format_of(url, kind),
                    location=location_of(url),
                    run_id=None if run_id is None else str(run_id),
                )
            )
    return files


def dub_files(value: Mapping[str, Any], target_languages: Any) -> list[DubbedFile]:
    """The files of a succeeded dub (``CambDubOperator``'s dict, its ``result`` filled in);
    a dub into one language names its outputs' language when the answer does not."""
    if value.get("status") != TaskStatus.SUCCESS.value:
        return []
    languages = target_languages if isinstance(target_languages, (list, tuple)) else [target_languages]
    only = languages[0] if len(languages) == 1 else None
    return run_files(value.get("result"), noun="dub", object_id=value.get("task_id"), language=only)


def export_files(
    value: Mapping[str, Any], *, run_id: Any, language: Any, output_format: str
) -> list[DubbedFile]:
    """The one file of a succeeded export (its status dict); the location only when the
    create call answered a URL (the status answer names no file)."""
    if value.get("status") != TaskStatus.SUCCESS.value:
        return []
    url = value.get("output_url")
    run = value.get("run_id") or run_id
    return [
        DubbedFile(
            uri=camb_uri(run, language, "exports", output_format),
            service=SERVICE.name,
            noun="export",
            object_id=value.get("task_id"),
            language=str(language),
            format=output_format,
            location=location_of(url),
            run_id=None if run is None else str(run),
        )
    ]
