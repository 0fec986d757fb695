"""Pydantic models of CAMB.AI's dubbing and alt-format export: what we send and what comes back.

Answers are parsed leniently (unknown fields and statuses are kept, never fatal);
arguments we send are checked strictly, so a typo fails before any request.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from airflow_provider_dubbing.client.enums import OpenStrEnum


class TaskStatus(OpenStrEnum):
    """Status of a CAMB.AI task (a dub or an alt-format export), spelled as CAMB.AI spells it."""

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


class TaskProgress(BaseModel):
    """The answer of ``GET dub/{task_id}`` and of ``GET dub-alt-format/{task_id}`` (one shape).

    The reference page calls the answer an ``enum<string>``; the service sends an object.
    Both parse: a bare string becomes the ``status`` with the other fields empty.
    ``message`` is an open object or string whose content no reference documents.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    status: TaskStatus
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


def _language_id_or_tag(value: Any) -> Any:
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


LanguageId = Annotated[int | str, BeforeValidator(_language_id_or_tag)]
"""CAMB.AI's integer language id (a digit string is accepted) or a locale tag such as ``es-ES``."""


class TaskStatusQuery(BaseModel):
    """The optional ``run_id`` query of a task's status call, checked before sending."""

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
    language: LanguageId
    output_format: OutputFormat

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


class ExportReady(BaseModel):
    """``POST dub-alt-format/...`` answered ``{"output_url": ...}``: the file is ready, nothing to poll.

    The URL is presigned and expires: hand it on to the next task, do not keep it.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    output_url: str = Field(min_length=1)
    task_id: str | None = None


class TaskStarted(BaseModel):
    """A task was started: ``{"task_id": ...}``, the answer of ``POST dub`` (follow it with
    ``GET dub/{task_id}``) and of an export that runs (``GET dub-alt-format/{task_id}``)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    task_id: str = Field(min_length=1)


AltFormatExport = ExportReady | TaskStarted
"""The two documented answers of an export's create call."""


def parse_export_answer(data: Any) -> AltFormatExport:
    """The create answer as :class:`ExportReady` (it holds ``output_url``) or :class:`TaskStarted`.

    The reference page shows ``{"output_url": ...}`` and says the caller gets "a download
    URL, or a task ID"; camb-sdk types it as a string map or ``{"task_id": ...}``. A URL
    wins when both come: the file is there, so there is nothing to wait for.
    """
    if isinstance(data, dict) and data.get("output_url") is not None:
        return ExportReady.model_validate(data)
    return TaskStarted.model_validate(data)


def _http_url(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        scheme = text.split("://", 1)[0].lower() if "://" in text else ""
        if scheme not in ("http", "https") or len(text) <= len(scheme) + 3:
            raise ValueError("must be an http(s) URL of the source video or audio")
        return text
    return value


def _source_language(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    return _language_id_or_tag(value)


class DubRequest(BaseModel):
    """The body of ``POST dub``, checked before sending.

    :param video_url: the source: a direct http(s) media link, a YouTube or a public
        Google Drive link.
    :param source_language: CAMB.AI's language id or a locale tag, or ``auto`` to detect it.
    :param target_languages: one or more language ids or locale tags (one value is accepted too).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    video_url: Annotated[str, BeforeValidator(_http_url), Field(min_length=1, max_length=4096)]
    source_language: Annotated[int | str, BeforeValidator(_source_language)]
    target_languages: list[LanguageId] = Field(min_length=1)
    project_name: str | None = None
    project_description: str | None = None
    folder_id: int | None = None
    selected_audio_tracks: list[int] | None = None
    add_output_as_an_audio_track: bool | None = None
    chosen_dictionaries: list[int] | None = None
    ai_optimization: bool | None = None
    transcription_mode: Literal["fast", "slow"] | None = None

    @field_validator("target_languages", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return [value]
        if isinstance(value, tuple):
            return list(value)
        return value

    def to_body(self) -> dict[str, Any]:
        """The JSON body: the fields given, the optional ones left out when unset."""
        return self.model_dump(mode="json", exclude_none=True)


class TranscriptLine(BaseModel):
    """One line of a dubbed run's transcript (times in seconds; the SDK types them as numbers)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    start: float | None = None
    end: float | None = None
    text: str = ""
    speaker: str | None = None


class DubbedOutput(BaseModel):
    """Where one language's dubbed files are.

    The reference page spells the fields ``output_video_url`` / ``output_audio_url``;
    camb-sdk spells them ``video_url`` / ``audio_url``. Both parse; the SDK's spelling is
    the one a task returns. ``language`` is the key of a per-language answer (None when the
    answer was one object).
    """

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    language: str | None = None
    video_url: str | None = Field(None, validation_alias=AliasChoices("video_url", "output_video_url"))
    audio_url: str | None = Field(None, validation_alias=AliasChoices("audio_url", "output_audio_url"))
    transcript: list[TranscriptLine] = Field(default_factory=list)


# Keys that only a single result object has; a per-language map has language keys instead.
_RESULT_KEYS = frozenset(
    {"run_id", "video_url", "audio_url", "output_video_url", "output_audio_url", "transcript"}
)


class DubbingResult(BaseModel):
    """The answer of ``GET dub-result/{run_id}``, in one shape whichever the service sent.

    The reference page shows one object (``run_id``, ``output_video_url``,
    ``output_audio_url``, ``transcript``); camb-sdk also allows a map from language to
    such an object. Either way :attr:`outputs` lists one :class:`DubbedOutput` per
    language (one, with ``language`` None, for the single form).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: int | None = None
    outputs: tuple[DubbedOutput, ...]

    @classmethod
    def from_answer(cls, data: Any, run_id: int | None = None) -> DubbingResult:
        """Parse either shape; ``run_id`` fills in a run id the answer does not carry."""
        per_language = isinstance(data, dict) and data and not (_RESULT_KEYS & data.keys())
        if per_language and all(isinstance(item, dict) for item in data.values()):
            outputs = [{**item, "language": str(key)} for key, item in data.items()]
            return cls.model_validate({"run_id": run_id, "outputs": outputs})
        if not isinstance(data, dict) or not (_RESULT_KEYS & data.keys()):
            # Neither shape: let validation fail, naming it.
            return cls.model_validate({"run_id": run_id, "outputs": data})
        answered_run_id = data.get("run_id", run_id)
        single = {key: value for key, value in data.items() if key != "run_id"}
        return cls.model_validate({"run_id": answered_run_id, "outputs": [single]})


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
