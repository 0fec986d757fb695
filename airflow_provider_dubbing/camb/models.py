"""Pydantic models of CAMB.AI's alt-format export: what we send and what comes back.

Answers are parsed leniently (unknown fields and statuses are kept, never fatal);
arguments we send are checked strictly, so a typo fails before any request.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from airflow_provider_dubbing.client.enums import OpenStrEnum


class AltFormatStatus(OpenStrEnum):
    """Status of an alt-format export task, spelled as CAMB.AI spells it."""

    SUCCESS = "SUCCESS"
    PENDING = "PENDING"
    TIMEOUT = "TIMEOUT"
    ERROR = "ERROR"
    PAYMENT_REQUIRED = "PAYMENT_REQUIRED"


class OutputFormat(str, Enum):
    """The file formats an export can produce (audio, then video)."""

    FLAC = "flac"
    WAV = "wav"
    MP3 = "mp3"
    AAC = "aac"
    M4A = "m4a"
    MKV = "mkv"
    MP4 = "mp4"
    MOV = "mov"
    MXF = "mxf"

    def __str__(self) -> str:
        return str(self.value)


class AltFormatTaskStatus(BaseModel):
    """The answer of ``GET dub-alt-format/{task_id}``.

    The reference page calls the answer an ``enum<string>``; the service sends an object.
    Both parse: a bare string becomes the ``status`` with the other fields empty.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    status: AltFormatStatus
    run_id: int | None = None
    exception_reason: str | None = None
    message: Any = None

    @model_validator(mode="before")
    @classmethod
    def _accept_bare_status(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"status": data}
        return data


def _integer_run_id(value: Any) -> Any:
    # "42" from a Jinja template is fine; 4.2, True or "abc" are not run ids.
    if isinstance(value, (bool, float)) or (isinstance(value, str) and not value.strip().isdigit()):
        raise ValueError("must be an integer")
    return value


RunId = Annotated[int, BeforeValidator(_integer_run_id), Field(gt=0)]
"""The integer id of a finished CAMB.AI dubbing run (a digit string is accepted)."""


class AltFormatStatusQuery(BaseModel):
    """The optional query of ``GET dub-alt-format/{task_id}``, checked before sending."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: RunId | None = None


class ExportAltFormatRequest(BaseModel):
    """The arguments of ``POST dub-alt-format/{run_id}/{language}``, checked before sending.

    :param run_id: the integer id of a finished dubbing run.
    :param language: CAMB.AI's integer language id, or a locale tag such as ``es-ES``.
    :param output_format: one of :class:`OutputFormat`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: RunId
    language: int | str
    output_format: OutputFormat

    @field_validator("language", mode="before")
    @classmethod
    def _language_id_or_tag(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a language id or a locale tag")
        if isinstance(value, int):
            if value <= 0:
                raise ValueError("a language id is a positive integer")
            return value
        if isinstance(value, str):
            text = value.strip()
            if text.isdigit():
                return int(text)
            if not _is_locale_tag(text):
                raise ValueError("must be CAMB.AI's integer language id or a locale tag such as 'es-ES'")
            return text
        raise ValueError("must be a language id or a locale tag")

    @field_validator("output_format", mode="before")
    @classmethod
    def _format_name(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.strip().lower()
        return value


def _is_locale_tag(text: str) -> bool:
    parts = text.replace("_", "-").split("-")
    return (
        1 <= len(parts) <= 3
        and 2 <= len(parts[0]) <= 3
        and parts[0].isalpha()
        and all(p.isalnum() and 2 <= len(p) <= 8 for p in parts[1:])
    )


class ExportAltFormatResponse(BaseModel):
    """The answer of ``POST dub-alt-format/{run_id}/{language}``: the new task's id."""

    model_config = ConfigDict(extra="allow", frozen=True)

    task_id: str = Field(min_length=1)


class Language(BaseModel):
    """One entry of ``GET source-languages`` / ``target-languages``."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: int
    language: str
    short_name: str | None = None


class ValidationDetail(BaseModel):
    """One item of a 422 answer's ``detail`` list."""

    model_config = ConfigDict(extra="allow")

    loc: list[str | int] = Field(default_factory=list)
    msg: str = ""
    type: str | None = None


class ErrorBody(BaseModel):
    """CAMB.AI's error answer: ``detail`` is a sentence, or a list for validation errors."""

    model_config = ConfigDict(extra="allow")

    detail: str | list[ValidationDetail] | None = None

    def explain(self) -> str | None:
        """The service's explanation as one line."""
        if isinstance(self.detail, list):
            return "; ".join(
                f"{'.'.join(str(p) for p in item.loc)}: {item.msg}" if item.loc else item.msg
                for item in self.detail
            )
        return self.detail
