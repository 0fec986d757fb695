"""How a presigned file URL is shown to people: without the query string that signs it.

A presigned URL (CAMB.AI's ``output_url``, BlendVision One's ``download_uri``) is a
short-lived credential for one file. It goes into a task's result, because the next task
needs it to fetch the file, but a log line, an exception or an event message shows only
:func:`shown_url` of it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit


def shown_url(url: str | None) -> str | None:
    """``url`` without its query string and fragment (the signature and credential live there).

    Userinfo (``user:password@``) is dropped too. A value that is not a URL is shown as
    ``<not a URL>`` rather than echoed, since it may be a credential of some other form.
    """
    if url is None:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<not a URL>"
    if not parts.scheme or not parts.netloc:
        return "<not a URL>"
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None else f"{host}:{port}"
    shown = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return shown + ("?..." if parts.query else "")


# A URL ends before white space or quotes, and never with the punctuation of the sentence around it.
_URL = re.compile(r"""https?://[^\s"'<>]*[^\s"'<>.,;:!?)\]]""", re.IGNORECASE)


def shown_text(text: str) -> str:
    """``text`` with every http(s) URL in it replaced by its :func:`shown_url`."""
    return _URL.sub(lambda match: shown_url(match.group(0)) or "", text)
