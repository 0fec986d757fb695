"""The bad-input cases of docs/reliability.md, as data: one row per case, with what the page shows.

``tests/integration/test_bad_input.py`` runs every row against the emulator and checks its claims;
``tests/unit/test_bad_input_docs.py`` checks that the page's two tables list exactly these rows, cell
for cell. So the page no longer drives the tests, and the two cannot drift: change a row in both places.
This module holds no code of the package, so the page check needs neither Airflow nor the emulator.
"""

# The tables are laid out as the page's are, one row per line; some rows are long.
# ruff: noqa: E501

from __future__ import annotations

from typing import NamedTuple

INVALID_INPUT = "InvalidInputError"
CONNECTION_CONFIG = "ConnectionConfigError"
REFUSED = "DubbingRequestRefused"
UNAVAILABLE = "DubbingServiceUnavailable"


class BadInput(NamedTuple):
    """A row of "Bad input and what it gets"; the texts are the page's Markdown."""

    id: str
    bad_input: str
    where: str
    # The class name of the DubbingError raised.
    error: str
    # The field the error names (an argument, a connection field, a place in the answer); None: none.
    field: str | None
    # Requests that reached the emulator: 0 means refused before anything was sent.
    requests: int
    # The class name of what a sensor or operator raises for it; None: the DAG file does not import.
    task_fails_with: str | None


class Accepted(NamedTuple):
    """A row of "Looks wrong, is accepted"; the texts are the page's Markdown."""

    id: str
    input: str
    where: str
    what_happens: str
    # What the case returns; the row's text must show it.
    result: str


# fmt: off
BAD_INPUT: tuple[BadInput, ...] = (
    BadInput("B01", 'empty export id `""`', "`CambHook.get_alt_format_status`", INVALID_INPUT, "task_id", 0, REFUSED),
    BadInput("B02", 'blank export id `"   "`', "`CambHook.get_alt_format_status`", INVALID_INPUT, "task_id", 0, REFUSED),
    BadInput("B03", "export id of 257 characters", "`CambHook.get_alt_format_status`", INVALID_INPUT, "task_id", 0, REFUSED),
    BadInput("B04", 'export id with a slash `"dub-alt-format/t1"`', "`CambHook.get_alt_format_status`", INVALID_INPUT, "task_id", 0, REFUSED),
    BadInput("B05", "export id that is `None` (a template that rendered nothing)", "`CambHook.get_alt_format_status`", INVALID_INPUT, "task_id", 0, REFUSED),
    BadInput("B06", 'job id with a slash `"jobs/j1"`', "`BlendVisionHook.get_dubbing_job`", INVALID_INPUT, "job_id", 0, REFUSED),
    BadInput("B07", r'job id with a trailing newline `"j1\n"`', "`BlendVisionHook.get_dubbing_job`", INVALID_INPUT, "job_id", 0, REFUSED),
    BadInput("B08", 'job id padded with a space `" j1"`', "`BlendVisionHook.get_dubbing_job`", INVALID_INPUT, "job_id", 0, REFUSED),
    BadInput("B09", 'non-integer `run_id="abc"` on a status check', "`CambHook.get_alt_format_status`", INVALID_INPUT, "run_id", 0, REFUSED),
    BadInput("B10", "non-integer `run_id=4.2`", "`CambHook.export_alt_format`", INVALID_INPUT, "run_id", 0, REFUSED),
    BadInput("B11", "`run_id=0`", "`CambHook.export_alt_format`", INVALID_INPUT, "run_id", 0, REFUSED),
    BadInput("B12", 'unknown `output_format="avi"`', "`CambHook.export_alt_format`", INVALID_INPUT, "output_format", 0, REFUSED),
    BadInput("B13", 'unknown `output_format="avi"`, a literal in the DAG file', "`CambExportAltFormatOperator(...)` (DAG parse)", INVALID_INPUT, "output_format", 0, None),
    BadInput("B14", 'malformed language `"english"`', "`CambHook.export_alt_format`", INVALID_INPUT, "language", 0, REFUSED),
    BadInput("B15", 'malformed source language `"eng"`', "`BlendVisionHook.create_dubbing_job`", INVALID_INPUT, "source_lang_code", 0, REFUSED),
    BadInput("B16", 'malformed target language `"en-USA"`', "`BlendVisionHook.create_dubbing_job`", INVALID_INPUT, "target_lang_code", 0, REFUSED),
    BadInput("B17", 'invalid decimal `"1,5"` (comma)', "`BlendVisionHook.create_dubbing_job(interval_sec=...)`", INVALID_INPUT, "interval_sec.start.value", 0, REFUSED),
    BadInput("B18", 'invalid decimal `"1.2.3"`', "`BlendVisionHook.create_dubbing_job(interval_sec=...)`", INVALID_INPUT, "interval_sec.start.value", 0, REFUSED),
    BadInput("B19", 'invalid decimal `"1e"` (exponent without digits)', "`BlendVisionHook.create_dubbing_job(interval_sec=...)`", INVALID_INPUT, "interval_sec.end.value", 0, REFUSED),
    BadInput("B20", 'interval that ends before it starts `("10", "5")`', "`BlendVisionHook.create_dubbing_job(interval_sec=...)`", INVALID_INPUT, "interval_sec", 0, REFUSED),
    BadInput("B21", 'unknown `source_type="podcast"`', "`BlendVisionHook.create_dubbing_job`", INVALID_INPUT, "source_type", 0, REFUSED),
    BadInput("B22", "connection without the API key", "CAMB.AI connection", CONNECTION_CONFIG, "password", 0, REFUSED),
    BadInput("B23", "connection without the API token", "BlendVision connection", CONNECTION_CONFIG, "password", 0, REFUSED),
    BadInput("B24", "connection without `org_id`", "BlendVision connection", CONNECTION_CONFIG, "extra.org_id", 0, REFUSED),
    BadInput("B25", "connection id that is not defined", "any hook", CONNECTION_CONFIG, "conn_id", 0, REFUSED),
    BadInput("B26", "connection extra that is not JSON", "CAMB.AI connection", CONNECTION_CONFIG, "extra", 0, REFUSED),
    BadInput("B27", "loopback host without a scheme `127.0.0.1:8765/apis`", "CAMB.AI connection", CONNECTION_CONFIG, "host", 0, REFUSED),
    BadInput("B28", "host with an endpoint's trailing path `https://client.camb.ai/apis/dub-alt-format/t1`", "CAMB.AI connection", CONNECTION_CONFIG, "host", 0, REFUSED),
    BadInput("B29", "host with a trailing API path `https://api.one.blendvision.com/bv/cms/v1`", "BlendVision connection", CONNECTION_CONFIG, "host", 0, REFUSED),
    BadInput("B30", "plain `http://` to a host that is not loopback", "CAMB.AI connection", CONNECTION_CONFIG, "host", 0, REFUSED),
    BadInput("B31", "host with another scheme `ftp://client.camb.ai`", "CAMB.AI connection", CONNECTION_CONFIG, "host", 0, REFUSED),
    BadInput("B32", '`request_timeout_s` that is not a number `"soon"`', "BlendVision connection extra", CONNECTION_CONFIG, "extra.request_timeout_s", 0, REFUSED),
    BadInput("B33", "200 answer that is not JSON (a sign-in page)", "`CambHook.get_alt_format_status`", "ResponseDecodeError", None, 4, UNAVAILABLE),
    BadInput("B34", "200 answer with truncated JSON, every time", "`BlendVisionHook.get_dubbing_job`", "ResponseDecodeError", None, 4, UNAVAILABLE),
    BadInput("B35", '200 answer of the wrong shape `{"state": "PENDING"}`', "`CambHook.get_alt_format_status`", "ResponseValidationError", "status", 1, REFUSED),
    BadInput("B36", '200 answer of the wrong shape `{"job": {}}`', "`BlendVisionHook.get_dubbing_job`", "ResponseValidationError", "dubbing_job", 1, REFUSED),
    BadInput("B37", "200 answer with a `run_id` that is not an integer", "`CambHook.get_alt_format_status`", "ResponseValidationError", "run_id", 1, REFUSED),
    BadInput("B38", "200 answer with more than one output", "`BlendVisionHook.get_dubbing_job`", "ResponseValidationError", "dubbing_job.outputs", 1, REFUSED),
    BadInput("B39", "200 answer with a `created_at` that is not a timestamp", "`BlendVisionHook.get_dubbing_job`", "ResponseValidationError", "dubbing_job.created_at", 1, REFUSED),
    BadInput("B40", "oversized 200 answer (2 MiB; the limit is 1 MiB)", "`CambHook.get_alt_format_status`", "ResponseTooLargeError", None, 1, REFUSED),
    BadInput("B41", "oversized 200 answer (2 MiB)", "`BlendVisionHook.get_dubbing_job`", "ResponseTooLargeError", None, 1, REFUSED),
    BadInput("B42", 'empty video URL `""`', "`CambHook.dub`", INVALID_INPUT, "video_url", 0, REFUSED),
    BadInput("B43", "video URL with another scheme `ftp://media.example.com/talk.mp4`", "`CambHook.dub`", INVALID_INPUT, "video_url", 0, REFUSED),
    BadInput("B44", "video URL without a scheme `media.example.com/talk.mp4`", "`CambHook.dub`", INVALID_INPUT, "video_url", 0, REFUSED),
    BadInput("B45", "no target language `[]`", "`CambHook.dub`", INVALID_INPUT, "target_languages", 0, REFUSED),
    BadInput("B46", 'a target language that is neither an id nor a locale tag `[54, "spanish"]`', "`CambHook.dub`", INVALID_INPUT, "target_languages.1", 0, REFUSED),
    BadInput("B47", 'malformed source language `"english"`', "`CambHook.dub`", INVALID_INPUT, "source_language", 0, REFUSED),
    BadInput("B48", 'unknown option `project_title="talk"` (the field is `project_name`)', "`CambHook.dub(**options)`", INVALID_INPUT, "project_title", 0, REFUSED),
    BadInput("B49", 'blank dub id `"   "`', "`CambHook.get_dubbing_status`", INVALID_INPUT, "task_id", 0, REFUSED),
    BadInput("B50", 'dub id with a slash `"dub/t1"`', "`CambHook.get_dubbing_status`", INVALID_INPUT, "task_id", 0, REFUSED),
    BadInput("B51", 'non-integer `run_id="abc"`', "`CambHook.get_dubbing_result`", INVALID_INPUT, "run_id", 0, REFUSED),
    BadInput("B52", 'empty file id `""`', "`BlendVisionHook.get_download_link`", INVALID_INPUT, "file_id", 0, REFUSED),
    BadInput("B53", 'file id with a slash `"library/files/f1"`', "`BlendVisionHook.get_download_link`", INVALID_INPUT, "file_id", 0, REFUSED),
    BadInput("B54", "no file id `file_ids=[]`, a literal in the DAG file", "`BlendVisionGetDownloadLinksOperator(...)` (DAG parse)", INVALID_INPUT, "file_ids", 0, None),
    BadInput("B55", '200 answer of the wrong shape `{"state": "PENDING"}`', "`CambHook.get_dubbing_status`", "ResponseValidationError", "status", 1, REFUSED),
)

ACCEPTED: tuple[Accepted, ...] = (
    Accepted("A01", "named host without a scheme `client.camb.ai/apis`", "CAMB.AI connection", "https: `https://client.camb.ai/apis`", "https://client.camb.ai/apis"),
    Accepted("A02", "host with a trailing slash `https://client.camb.ai/apis/`", "CAMB.AI connection", "the slash is dropped: `https://client.camb.ai/apis`", "https://client.camb.ai/apis"),
    Accepted("A03", "a status the package does not know, `ARCHIVED`", "`CambHook.check_export`", "never success: a wait keeps waiting and warns, naming the status", "ARCHIVED"),
    Accepted("A04", "an unknown enum value in an answer, `source_type: DUBBING_SOURCE_TYPE_TEXT`", "`BlendVisionHook.get_dubbing_job`", "parsed and kept as it was spelled", "DUBBING_SOURCE_TYPE_TEXT"),
    Accepted("A05", 'a digit string `run_id="42"` (what a template renders)', "`CambHook.export_alt_format`", "the integer 42", "42"),
    Accepted("A06", "a file id holding a colon `lib:f1`", "`BlendVisionHook.get_download_link`", "sent encoded (`files/lib%3Af1:download`, before the `:download` verb), answered with the link of `lib:f1`", "lib:f1"),
)
# fmt: on
