"""Pydantic models of BlendVision One's dubbing jobs (what we send and what comes back)
and of the download link of a library file (a job's output).

Answers are parsed leniently (unknown fields and enum values are kept, never fatal);
a new job is checked strictly, so a typo fails before any request.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from airflow_provider_dubbing.blendvision.decimals import GoogleDecimal
from airflow_provider_dubbing.client.enums import OpenStrEnum
from airflow_provider_dubbing.client.urls import shown_url


class DubbingSourceType(OpenStrEnum):
    """What a dubbing job reads from: a video or an audio file."""

    DUBBING_SOURCE_TYPE_VIDEO = "DUBBING_SOURCE_TYPE_VIDEO"
    DUBBING_SOURCE_TYPE_AUDIO = "DUBBING_SOURCE_TYPE_AUDIO"


class DubbingStatus(OpenStrEnum):
    """Status of a dubbing job, spelled as BlendVision spells it."""

    DUBBING_STATUS_CREATED = "DUBBING_STATUS_CREATED"
    DUBBING_STATUS_PROCESSING = "DUBBING_STATUS_PROCESSING"
    DUBBING_STATUS_SUCCEEDED = "DUBBING_STATUS_SUCCEEDED"
    DUBBING_STATUS_FAILED = "DUBBING_STATUS_FAILED"


class DecimalValue(BaseModel):
    """A ``google.type.Decimal``: ``{"value": "2.5"}``."""

    model_config = ConfigDict(extra="allow", frozen=True)

    value: GoogleDecimal

    @model_validator(mode="before")
    @classmethod
    def _accept_bare_value(cls, data: Any) -> Any:
        # Callers may write interval_sec={"start": "1.5"}; the API's shape is {"value": "1.5"}.
        return data if isinstance(data, (dict, BaseModel)) else {"value": data}


class Interval(BaseModel):
    """``interval_sec``: the part of the source to dub, in seconds."""

    model_config = ConfigDict(extra="allow", frozen=True)

    start: DecimalValue | None = None
    end: DecimalValue | None = None

    @model_validator(mode="before")
    @classmethod
    def _accept_pair(cls, data: Any) -> Any:
        if isinstance(data, (list, tuple)):
            if len(data) != 2:
                raise ValueError("an interval is a (start, end) pair")
            return {"start": data[0], "end": data[1]}
        return data


class DubbingOutput(BaseModel):
    """One output of a job: the target language and, once dubbed, the output file id."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str | None = None
    lang_code: str


class ErrorInfo(BaseModel):
    """``google.rpc.ErrorInfo``: why a job failed (``reason`` is UPPER_SNAKE_CASE)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    reason: str
    domain: str = ""
    metadata: dict[str, str] = Field(default_factory=dict)

    def describe(self) -> str:
        """``REASON (domain) key=value...`` for a message a person reads."""
        text = f"{self.reason} ({self.domain})" if self.domain else self.reason
        if self.metadata:
            text += " " + ", ".join(f"{k}={v}" for k, v in sorted(self.metadata.items()))
        return text


class DubbingJob(BaseModel):
    """A BlendVision One dubbing job, as ``GET /bv/cms/v1/dubbing-jobs/{id}`` returns it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    source_type: DubbingSourceType
    source_id: str
    source_lang_code: str
    interval_sec: Interval | None = None
    outputs: list[DubbingOutput] = Field(max_length=1)
    # proto3 JSON leaves out an enum at its zero value, so a missing status is the
    # unspecified one: an unknown status, never mistaken for a known state.
    status: DubbingStatus = DubbingStatus("DUBBING_STATUS_UNSPECIFIED")
    error_infos: list[ErrorInfo] = Field(default_factory=list)
    created_at: datetime | None = None


class DubbingJobEnvelope(BaseModel):
    """The answer's wrapper: ``{"dubbing_job": {...}}``."""

    model_config = ConfigDict(extra="allow", frozen=True)

    dubbing_job: DubbingJob


_LANG_CODE = re.compile(r"(?P<lang>[A-Za-z]{2})(?:[-_](?P<region>[A-Za-z]{2}))?")


def normalize_lang_code(value: str) -> str:
    """``en``, ``en-US``: ISO 639-1, optionally ``-`` ISO 3166-1 alpha-2; case is fixed up."""
    match = _LANG_CODE.fullmatch(value.strip())
    if match is None:
        raise ValueError("must be ISO 639-1, optionally with an ISO 3166-1 region, e.g. 'en' or 'en-US'")
    region = match["region"]
    return match["lang"].lower() + (f"-{region.upper()}" if region else "")


class NewDubbingJob(BaseModel):
    """The arguments of a new dubbing job, checked before anything is sent.

    :param source_type: ``DUBBING_SOURCE_TYPE_VIDEO`` or ``..._AUDIO`` (``video``/``audio`` accepted).
    :param source_id: the id of the video or audio in the BlendVision library.
    :param source_lang_code: the spoken language of the source, e.g. ``en`` or ``en-US``.
    :param target_lang_code: the language to dub into.
    :param interval_sec: optional ``(start, end)`` in seconds, as decimal strings or numbers.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    source_type: DubbingSourceType
    source_id: str = Field(min_length=1, max_length=256)
    source_lang_code: str
    target_lang_code: str
    interval_sec: Interval | None = None

    @field_validator("source_type", mode="before")
    @classmethod
    def _known_source_type(cls, value: Any) -> Any:
        if isinstance(value, str):
            upper = value.strip().upper()
            value = upper if upper.startswith("DUBBING_SOURCE_TYPE_") else f"DUBBING_SOURCE_TYPE_{upper}"
            if not DubbingSourceType(value).is_known:
                allowed = ", ".join(DubbingSourceType.__members__)
                raise ValueError(f"must be one of {allowed}")
        return value

    @field_validator("source_id")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("source_lang_code", "target_lang_code")
    @classmethod
    def _lang_code(cls, value: str) -> str:
        return normalize_lang_code(value)

    @field_validator("interval_sec")
    @classmethod
    def _ordered(cls, value: Interval | None) -> Interval | None:
        if value is None:
            return None
        start = value.start.value if value.start else None
        end = value.end.value if value.end else None
        if (start is not None and start < 0) or (end is not None and end < 0):
            raise ValueError("start and end must not be negative")
        if start is not None and end is not None and not start < end:
            raise ValueError(f"start ({start}) must be before end ({end})")
        return value

    def to_body(self) -> dict[str, Any]:
        """The JSON body of ``POST /bv/cms/v1/dubbing-jobs``."""
        job: dict[str, Any] = {
            "source_type": self.source_type.value,
            "source_id": self.source_id,
            "source_lang_code": self.source_lang_code,
            "outputs": [{"lang_code": self.target_lang_code}],
        }
        if self.interval_sec is not None:
            job["interval_sec"] = self.interval_sec.model_dump(mode="json", exclude_none=True)
        return {"dubbing_job": job}


class FileDownloadLink(BaseModel):
    """A presigned link to a library file, as ``POST /bv/cms/v1/library/files/{id}:download`` answers it.

    ``download_uri`` is a short-lived credential for the file (until ``expiration_time``):
    it goes into a task's result, but messages show it only through :func:`.shown_url`,
    and the model's ``repr`` leaves it out.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    download_uri: str = Field(repr=False)
    download_filename: str = ""
    expiration_time: AwareDatetime | None = None

    def to_result(self, lang_code: str | None = None) -> dict[str, Any]:
        """The JSON-safe dict a task returns: ``id``, ``lang_code`` (the job output's
        language, None when not known), ``download_uri``, ``download_filename`` and
        ``expiration_time`` (ISO 8601, ``Z`` for UTC; None when the answer had none)."""
        dumped = self.model_dump(
            mode="json", include={"download_uri", "download_filename", "expiration_time"}
        )
        return {"id": self.id, "lang_code": lang_code, **dumped}

    def describe(self, lang_code: str | None = None) -> str:
        """One log line about the link, the URI without its signing query string."""
        language = f" ({lang_code})" if lang_code else ""
        expires = (
            f"expires {self.expiration_time.isoformat()}"
            if self.expiration_time
            else "no expiration time given"
        )
        return f"download link for file {self.id!r}{language}: {shown_url(self.download_uri)} {expires}"


class RpcStatus(BaseModel):
    """``google.rpc.Status``: the body of every BlendVision error answer."""

    model_config = ConfigDict(extra="allow")

    code: int = 0
    message: str = ""
    details: list[dict[str, Any]] = Field(default_factory=list)
