"""Checking arguments before a request is built: ids, and request models.

Bad input fails here with an :class:`InvalidInputError` naming the argument, before
anything is sent, and so is never retried.
"""

from __future__ import annotations

from typing import Any, TypeVar

import pydantic

from airflow_provider_dubbing.client.errors import InvalidInputError

M = TypeVar("M", bound=pydantic.BaseModel)


def require_id(field_name: str, value: object, *, max_length: int = 256) -> str:
    """Check an id before it goes into a path: a non-blank string (an int is accepted).

    A ``/`` is refused rather than encoded: no id of either service holds one, so it is a
    path or URL pasted where the id belongs (``dub-alt-format/abc``), and the request it
    would make can only come back 404. Surrounding whitespace is refused for the same
    reason (a template that rendered a newline or a space).

    :raises InvalidInputError: naming ``field_name`` when the id is empty, blank, too
        long, not a string, padded with whitespace, or holds a ``/`` or control characters.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidInputError(field_name, f"must be a string id, got {type(value).__name__}")
    text = str(value)
    if not text.strip():
        raise InvalidInputError(field_name, "must not be empty or blank")
    if len(text) > max_length:
        raise InvalidInputError(field_name, f"is {len(text)} characters long, more than {max_length}")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise InvalidInputError(field_name, "must not contain control characters")
    if text != text.strip():
        raise InvalidInputError(field_name, f"must not start or end with whitespace (got {text!r})")
    if "/" in text:
        raise InvalidInputError(
            field_name, f"must be the id alone, not a path or URL: it contains '/' (got {text!r})"
        )
    return text


def validate_input(model: type[M], **arguments: Any) -> M:
    """Build ``model`` from the caller's arguments, or name the first argument at fault.

    :raises InvalidInputError: with the argument's name, pydantic's reason and the value given.
    """
    try:
        return model.model_validate(arguments)
    except pydantic.ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = [str(p) for p in first["loc"]]
        field = ".".join(loc) or model.__name__
        given = arguments.get(loc[0]) if loc else None
        reason = first["msg"].removeprefix("Value error, ")
        raise InvalidInputError(field, f"{reason} (got {given!r})") from None
