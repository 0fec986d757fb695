"""Reading an Airflow connection, from a task (sync) or from the triggerer (async).

The async path runs Airflow's sync lookup in a worker thread: that works on every line
we support, in the real triggerer and under ``dag.test()`` alike, where Airflow 3.3's
``aget_connection`` cannot see metastore connections and a sync lookup on the event
loop's own thread risks a deadlock (see AIRFLOW.md in the project notes).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_dubbing._compat import AirflowNotFoundException, BaseHook, mask_secret
from airflow_provider_dubbing.client.errors import ConnectionConfigError
from airflow_provider_dubbing.client.per_loop import PerLoop


@dataclass(frozen=True)
class ConnectionFields:
    """The parts of an Airflow connection our hooks read; ``repr`` hides the password."""

    conn_id: str
    conn_type: str | None
    host: str | None
    password: str | None = field(repr=False)
    extra: dict[str, Any] = field(default_factory=dict)

    def extra_value(self, name: str) -> Any:
        """An extra field by its bare name, or by the ``extra__<type>__<name>`` form old UIs wrote."""
        if name in self.extra and self.extra[name] not in (None, ""):
            return self.extra[name]
        return self.extra.get(f"extra__{self.conn_type}__{name}")


def load_connection_fields(conn_id: str) -> ConnectionFields:
    """Read ``conn_id`` through Airflow (secrets backends, env vars, metastore).

    The password is registered with Airflow's secret masker here, in the thread that
    reads the connection: on Airflow 3 masking talks to the supervisor synchronously,
    which must not happen on the triggerer's event loop.
    """
    try:
        conn = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        raise unreadable_env_connection(conn_id) or ConnectionConfigError(
            conn_id, "conn_id", "is not defined (no such Airflow connection, variable or secret)"
        ) from None
    if conn.password:
        mask_secret(conn.password)
    raw_extra = conn.extra
    try:
        extra = json.loads(raw_extra) if raw_extra else {}
    except ValueError:
        raise ConnectionConfigError(conn_id, "extra", "is not valid JSON") from None
    if not isinstance(extra, dict):
        raise ConnectionConfigError(conn_id, "extra", "must be a JSON object")
    return ConnectionFields(
        conn_id=conn_id,
        conn_type=conn.conn_type,
        host=base_url_text(conn_id, conn.host, conn.port, conn.schema),
        password=conn.password,
        extra=extra,
    )


def unreadable_env_connection(conn_id: str) -> ConnectionConfigError | None:
    """Why Airflow found no connection ``conn_id`` although ``AIRFLOW_CONN_<ID>`` is set, or None.

    Airflow 3.0 drops an environment connection it cannot parse (an ``extra`` that is not
    JSON, say) and reports it as missing; the other lines raise on it. Naming the variable,
    and the field when it can be told, points at the real mistake instead of "not defined".
    The value is never quoted: it holds the password.
    """
    name = f"AIRFLOW_CONN_{conn_id.upper()}"
    raw = os.environ.get(name)
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    extra = value.get("extra") if isinstance(value, dict) else None
    if isinstance(extra, str):
        try:
            json.loads(extra)
        except ValueError:
            return ConnectionConfigError(conn_id, "extra", f"is not valid JSON (in {name})")
    return ConnectionConfigError(conn_id, "conn_id", f"{name} is set, but Airflow could not read it")


def base_url_text(conn_id: str, host: str | None, port: int | None, schema: str | None) -> str | None:
    """The base URL as written in the connection: ``host``, or host, port and path apart.

    A connection given as a URI (``camb://:KEY@127.0.0.1:8765/apis``) arrives split into
    host, port and schema (Airflow's name for the path); put back together it is the
    same base URL a JSON connection writes whole in ``host``.
    """
    if not port and not schema:
        return host
    if not host or not host.strip():
        raise ConnectionConfigError(conn_id, "host", "is empty, but port or schema is set")
    if "://" in host:
        raise ConnectionConfigError(
            conn_id, "host", "holds a whole URL while port or schema is set too; give the URL in host alone"
        )
    text = host.strip().rstrip("/")
    if port:
        text += f":{port}"
    if schema and schema.strip("/"):
        text += "/" + schema.strip("/")
    return text


# How long the triggerer reuses a connection it read. Thousands of triggers of one
# connection would otherwise each queue a lookup on asgiref's one sync thread (5,000 took
# seconds, see BENCHMARKS.md); a minute bounds how long a rotated secret goes unseen.
ASYNC_LOOKUP_TTL_S = 60.0

_lookups: PerLoop[tuple[float, asyncio.Future[ConnectionFields]]] = PerLoop()


async def aload_connection_fields(conn_id: str) -> ConnectionFields:
    """:func:`load_connection_fields` for async code: the lookup runs in a worker thread.

    Within one event loop, concurrent and later lookups of ``conn_id`` share one lookup
    for :data:`ASYNC_LOOKUP_TTL_S` seconds; a failed lookup is not kept. The lookup is a
    task of its own, so a caller cancelled while waiting does not cancel it for the others.
    """
    from asgiref.sync import sync_to_async

    per_loop = _lookups.current()
    now = time.monotonic()
    entry = per_loop.get(conn_id)
    if entry is None or entry[0] <= now:
        lookup = asyncio.get_running_loop().create_task(sync_to_async(load_connection_fields)(conn_id))
        entry = per_loop[conn_id] = (now + ASYNC_LOOKUP_TTL_S, lookup)

        def forget_failure(task: asyncio.Future[ConnectionFields]) -> None:
            if (task.cancelled() or task.exception() is not None) and per_loop.get(conn_id) is entry:
                del per_loop[conn_id]

        lookup.add_done_callback(forget_failure)
    return await asyncio.shield(entry[1])
