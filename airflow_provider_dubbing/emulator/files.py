"""The emulator's file host under ``/_files``: presigned URLs that look like S3's, and the route behind them.

A URL is ``{origin}/_files/{service}/{name}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=...
&X-Amz-Date=YYYYMMDDTHHMMSSZ&X-Amz-Expires=<s>&X-Amz-SignedHeaders=host&X-Amz-Signature=<hex>``.
The signature is an HMAC-SHA256, with a secret made once per process, over the path, the date
and the expiry: a URL the emulator did not issue, or one changed since, is refused. What is
served depends only on the name's extension (see ``media.py``). Like the admin API, the route
needs no credentials, is never faulted and is not counted in the API stats.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, unquote, urlencode
from xml.sax.saxutils import escape

from airflow_provider_dubbing.emulator.media import AUDIO_FORMATS, VIDEO_FORMATS, file_for
from airflow_provider_dubbing.emulator.settings import MAX_FILE_URL_TTL

PREFIX = "/_files"
ALGORITHM = "AWS4-HMAC-SHA256"
ACCESS_KEY_ID = "EMULATOREXAMPLEKEY"
REGION = "us-east-1"
MAX_EXPIRES = MAX_FILE_URL_TTL
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

_SECRET = secrets.token_bytes(32)
_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
)


@dataclass(frozen=True)
class PresignedUrl:
    """A URL the file route will serve until ``expires_at``."""

    url: str
    expires_at: datetime


@dataclass(frozen=True)
class FileAnswer:
    """What the file route answers: bytes, their content type and extra headers."""

    status: int
    body: bytes
    content_type: str
    headers: Mapping[str, str] = field(default_factory=dict)


def file_path(service: str, name: str) -> str:
    """The path of file ``name`` (any characters; encoded as one segment) under ``service``."""
    return f"{PREFIX}/{quote(service, safe='')}/{quote(name, safe='')}"


def presign(origin: str, path: str, now: datetime, ttl: int) -> PresignedUrl:
    """A presigned URL of ``path`` on ``origin`` (``http://host:port``), valid ``ttl`` s from ``now``."""
    issued = now.astimezone(timezone.utc).replace(microsecond=0)
    amz_date = issued.strftime(AMZ_DATE_FORMAT)
    query = {
        "X-Amz-Algorithm": ALGORITHM,
        "X-Amz-Credential": f"{ACCESS_KEY_ID}/{amz_date[:8]}/{REGION}/s3/aws4_request",
        "X-Amz-Date": amz_date,
        "X-Amz-Expires": str(ttl),
        "X-Amz-SignedHeaders": "host",
        "X-Amz-Signature": _signature(_canonical(path), amz_date, str(ttl)),
    }
    return PresignedUrl(f"{origin}{path}?{urlencode(query, safe='')}", issued + timedelta(seconds=ttl))


def serve(method: str, raw_path: str, query: Mapping[str, str], now: datetime) -> FileAnswer:
    """The answer to a request for a file: its bytes, or an S3-style XML error."""
    if method != "GET":
        return _error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
    if "X-Amz-Signature" not in query:
        return _error(403, "AccessDenied", "Access Denied")
    missing = [name for name in _PARAMS if not query.get(name)]
    if missing:
        return _query_error(f"Query-string authentication requires {', '.join(missing)}")
    if query["X-Amz-Algorithm"] != ALGORITHM:
        return _query_error(f'X-Amz-Algorithm only supports "{ALGORITHM}"')
    try:
        issued = datetime.strptime(query["X-Amz-Date"], AMZ_DATE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return _query_error("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
    expires = query["X-Amz-Expires"]
    if not expires.isdigit() or not 1 <= int(expires) <= MAX_EXPIRES:
        return _query_error(f"X-Amz-Expires must be a number of seconds from 1 to {MAX_EXPIRES}")
    path = _canonical(raw_path)
    expected = _signature(path, query["X-Amz-Date"], expires)
    if not hmac.compare_digest(expected, query["X-Amz-Signature"]):
        return _error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
        )
    if now >= issued + timedelta(seconds=int(expires)):
        return _error(403, "AccessDenied", "Request has expired")
    name = path.rpartition("/")[2]
    extension = unquote(name).rpartition(".")[2].lower()
    if "." not in unquote(name) or extension not in (*AUDIO_FORMATS, *VIDEO_FORMATS):
        return _error(404, "NoSuchKey", "The specified key does not exist.")
    body, content_type = file_for(extension)
    return FileAnswer(200, body, content_type)


def _canonical(raw_path: str) -> str:
    """The path with each segment decoded then encoded one way, so equivalent spellings sign alike."""
    segments = raw_path.partition("?")[0].split("/")
    return "/".join(quote(unquote(segment, errors="replace"), safe="") for segment in segments)


def _signature(path: str, amz_date: str, expires: str) -> str:
    message = f"{path}\n{amz_date}\n{expires}".encode()
    return hmac.new(_SECRET, message, hashlib.sha256).hexdigest()


def _query_error(message: str) -> FileAnswer:
    return _error(400, "AuthorizationQueryParametersError", message)


def _error(status: int, code: str, message: str) -> FileAnswer:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>"
    )
    return FileAnswer(status, body.encode(), "application/xml")
