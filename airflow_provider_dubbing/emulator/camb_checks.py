"""The checks CAMB.AI makes on a new dub (``POST dub``), as its reference page and camb-sdk type the body.

Each problem is a FastAPI/pydantic error ``{"loc": ["body", field, ...], "msg": ..., "type": ...}``;
the route answers 422 with the list. Fields the body does not know are ignored, as FastAPI does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

INTEGER = re.compile(r"-?[0-9]+")
LOCALE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")
TRANSCRIPTION_MODES = ("fast", "slow")

Problem = dict[str, Any]
_LANGUAGE_MSG = "must be a language id or a locale tag such as es-ES"


def invalid(loc: list[Any], msg: str, kind: str) -> Problem:
    """One FastAPI-style validation error."""
    return {"loc": loc, "msg": msg, "type": kind}


def check_language(loc: list[Any], value: Any, *, allow_auto: bool = False) -> list[Problem]:
    """A CAMB.AI language: a positive integer id or a locale tag (or ``auto`` for a source)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return [] if value > 0 else [invalid(loc, "a language id is a positive integer", "value_error")]
    if isinstance(value, str) and (LOCALE_TAG.fullmatch(value) or (allow_auto and value == "auto")):
        return []
    message = _LANGUAGE_MSG + (", or auto" if allow_auto else "")
    return [invalid(loc, message, "value_error")]


def check_new_dub(body: Any) -> tuple[dict[str, Any], list[Problem]]:
    """The fields to keep of a ``POST dub`` body (``video_url``, ``target_languages``), and every problem."""
    if not isinstance(body, dict):
        return {}, [invalid(["body"], "value is not a valid dict", "type_error.dict")]
    problems: list[Problem] = []

    video_url = body.get("video_url")
    if "video_url" not in body or video_url is None:
        problems.append(invalid(["body", "video_url"], "field required", "value_error.missing"))
    elif not isinstance(video_url, str):
        problems.append(invalid(["body", "video_url"], "str type expected", "type_error.str"))
    elif not video_url.strip():
        problems.append(
            invalid(
                ["body", "video_url"],
                "ensure this value has at least 1 characters",
                "value_error.any_str.min_length",
            )
        )

    if body.get("source_language") is None:
        problems.append(invalid(["body", "source_language"], "field required", "value_error.missing"))
    else:
        problems += check_language(["body", "source_language"], body["source_language"], allow_auto=True)

    targets, target_problems = _targets(body)
    problems += target_problems

    for name, check in _OPTIONAL.items():
        if body.get(name) is not None:
            problems += check(["body", name], body[name])
    return {"video_url": video_url, "target_languages": targets}, problems


def _targets(body: dict[str, Any]) -> tuple[list[int | str], list[Problem]]:
    """``target_languages`` and the older single ``target_language``, merged in that order."""
    problems: list[Problem] = []
    targets: list[int | str] = []
    many = body.get("target_languages")
    if many is not None:
        if not isinstance(many, list):
            problems.append(
                invalid(["body", "target_languages"], "value is not a valid list", "type_error.list")
            )
        else:
            for index, language in enumerate(many):
                found = check_language(["body", "target_languages", index], language)
                problems += found
                if not found and language not in targets:
                    targets.append(language)
    one = body.get("target_language")
    if one is not None:
        found = check_language(["body", "target_language"], one)
        problems += found
        if not found and one not in targets:
            targets.append(one)
    if not targets and not problems:
        problems.append(
            invalid(
                ["body", "target_languages"],
                "at least one target language is required (target_languages, or target_language)",
                "value_error.list.min_items",
            )
        )
    return targets, problems


def _string(loc: list[Any], value: Any) -> list[Problem]:
    return [] if isinstance(value, str) else [invalid(loc, "str type expected", "type_error.str")]


def _integer(loc: list[Any], value: Any) -> list[Problem]:
    if isinstance(value, int) and not isinstance(value, bool):
        return []
    return [invalid(loc, "value is not a valid integer", "type_error.integer")]


def _boolean(loc: list[Any], value: Any) -> list[Problem]:
    if isinstance(value, bool):
        return []
    return [invalid(loc, "value could not be parsed to a boolean", "type_error.bool")]


def _integers(loc: list[Any], value: Any) -> list[Problem]:
    if not isinstance(value, list):
        return [invalid(loc, "value is not a valid list", "type_error.list")]
    return [problem for index, item in enumerate(value) for problem in _integer([*loc, index], item)]


def _transcription_mode(loc: list[Any], value: Any) -> list[Problem]:
    if value in TRANSCRIPTION_MODES:
        return []
    permitted = ", ".join(repr(mode) for mode in TRANSCRIPTION_MODES)
    return [
        invalid(loc, f"value is not a valid enumeration member; permitted: {permitted}", "type_error.enum")
    ]


_OPTIONAL: dict[str, Callable[[list[Any], Any], list[Problem]]] = {
    "project_name": _string,
    "project_description": _string,
    "folder_id": _integer,
    "selected_audio_tracks": _integers,
    "add_output_as_an_audio_track": _boolean,
    "chosen_dictionaries": _integers,
    "ai_optimization": _boolean,
    "transcription_mode": _transcription_mode,
}
