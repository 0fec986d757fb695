"""The checks BlendVision One makes on a new dubbing job.

Each problem is a field violation; the create route turns them into a 400 ``google.rpc.Status``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from airflow_provider_dubbing.blendvision.decimals import normalize_decimal_string

SOURCE_TYPES = ("DUBBING_SOURCE_TYPE_VIDEO", "DUBBING_SOURCE_TYPE_AUDIO")
# Fields a client may send but the service ignores (proto "output only").
_OUTPUT_ONLY = frozenset({"id", "status", "error_infos", "created_at"})
_JOB_FIELDS = (
    frozenset({"source_type", "source_id", "source_lang_code", "interval_sec", "outputs"}) | _OUTPUT_ONLY
)
_OUTPUT_FIELDS = frozenset({"id", "lang_code"})

# ISO 639-1, optionally followed by "-" and ISO 3166-1 alpha-2: "en", "en-US".
LANG_CODE = re.compile(r"[a-z]{2}(?:-[A-Z]{2})?")


@dataclass(frozen=True)
class FieldViolation:
    """One wrong field of a request, as ``google.rpc.BadRequest`` names it."""

    field: str
    description: str

    def as_json(self) -> dict[str, str]:
        """The violation as JSON."""
        return {"field": self.field, "description": self.description}


def normalize_decimal(value: str) -> str | None:
    """``value`` normalised by the reference rules, or ``None`` when it breaks the grammar.

    The package's own parser: one reading of the grammar for the client and its fake.
    """
    try:
        return normalize_decimal_string(value)
    except ValueError:
        return None


def check_new_job(body: Any) -> tuple[dict[str, Any], list[FieldViolation]]:
    """The fields to store for a create body, and every violation found in it."""
    if not isinstance(body, dict) or not isinstance(body.get("dubbing_job"), dict):
        return {}, [FieldViolation("dubbing_job", "required: a JSON object")]
    problems = [FieldViolation(key, "unknown field") for key in sorted(set(body) - {"dubbing_job"})]
    job = body["dubbing_job"]
    problems += [
        FieldViolation(f"dubbing_job.{key}", "unknown field") for key in sorted(set(job) - _JOB_FIELDS)
    ]

    source_type = job.get("source_type")
    if source_type not in SOURCE_TYPES:
        problems.append(
            FieldViolation("dubbing_job.source_type", f"must be one of {', '.join(SOURCE_TYPES)}")
        )
    source_id = job.get("source_id")
    if not isinstance(source_id, str) or not source_id.strip():
        problems.append(FieldViolation("dubbing_job.source_id", "required: a non-empty string"))
    problems += _lang_code("dubbing_job.source_lang_code", job.get("source_lang_code"))
    outputs, output_problems = _outputs(job.get("outputs"))
    problems += output_problems
    fields: dict[str, Any] = {
        "source_type": source_type,
        "source_id": source_id,
        "source_lang_code": job.get("source_lang_code"),
    }
    if job.get("interval_sec") is not None:
        interval, interval_problems = _interval(job["interval_sec"])
        problems += interval_problems
        fields["interval_sec"] = interval
    fields["outputs"] = outputs
    return fields, problems


def _lang_code(where: str, value: Any) -> list[FieldViolation]:
    if isinstance(value, str) and LANG_CODE.fullmatch(value):
        return []
    return [FieldViolation(where, "must be ISO 639-1, optionally with an ISO 3166-1 region (en, en-US)")]


def _outputs(value: Any) -> tuple[list[dict[str, Any]], list[FieldViolation]]:
    where = "dubbing_job.outputs"
    if not isinstance(value, list) or len(value) != 1:
        count = f"got {len(value)}" if isinstance(value, list) else "missing or not a list"
        return [], [FieldViolation(where, f"exactly 1 output is required ({count})")]
    output = value[0]
    if not isinstance(output, dict):
        return [], [FieldViolation(f"{where}[0]", "must be a JSON object")]
    problems = [
        FieldViolation(f"{where}[0].{key}", "unknown field") for key in sorted(set(output) - _OUTPUT_FIELDS)
    ]
    problems += _lang_code(f"{where}[0].lang_code", output.get("lang_code"))
    # The output's file id is output only: whatever the client sent is dropped.
    return [{"lang_code": output.get("lang_code")}], problems


def _interval(value: Any) -> tuple[dict[str, Any], list[FieldViolation]]:
    where = "dubbing_job.interval_sec"
    if not isinstance(value, dict):
        return {}, [FieldViolation(where, "must be a JSON object with start and/or end")]
    problems = [
        FieldViolation(f"{where}.{key}", "unknown field") for key in sorted(set(value) - {"start", "end"})
    ]
    interval: dict[str, Any] = {}
    for bound in ("start", "end"):
        if value.get(bound) is None:
            continue
        decimal = value[bound]
        raw = decimal.get("value") if isinstance(decimal, dict) else None
        normalized = normalize_decimal(raw) if isinstance(raw, str) else None
        if normalized is None:
            problems.append(
                FieldViolation(f"{where}.{bound}.value", f"not a google.type.Decimal string: {raw!r}")
            )
            continue
        interval[bound] = {"value": normalized}
    return interval, problems
