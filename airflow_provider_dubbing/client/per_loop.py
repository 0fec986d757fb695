"""Values that belong to one event loop: forgotten when their loop closes, and after a fork.

Async clients, their connections and in-flight connection lookups all belong to the loop
that made them; the pool and the connection lookups both keep theirs here.
"""

from __future__ import annotations

import asyncio
import os
import threading
import weakref
from typing import Generic, TypeVar

V = TypeVar("V")


class PerLoop(Generic[V]):
    """A dict of values per event loop, keyed by a string within each loop."""

    def __init__(self) -> None:
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, V]] = (
            weakref.WeakKeyDictionary()
        )
        # Loops may run in several threads of one process (operators waiting on the worker
        # with asyncio.run); forgetting closed loops must not race another thread's lookup.
        self._lock = threading.Lock()
        if hasattr(os, "register_at_fork"):  # POSIX; Airflow 2's task runner forks
            # The parent's loops, sockets and tasks are not the child's to use, nor a lock
            # another of its threads held at the fork.
            os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._loops.clear()
        self._lock = threading.Lock()

    def current(self) -> dict[str, V]:
        """The running loop's values (an empty dict on first use)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            # A value (a closer generator, a lookup task) often refers back to its loop, so
            # the weak key alone would keep every closed loop alive; forget them explicitly.
            for closed in [known for known in self._loops if known.is_closed()]:
                del self._loops[closed]
            return self._loops.setdefault(loop, {})

    def pop_current(self) -> dict[str, V]:
        """Take the running loop's values out (an empty dict when it has none)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            return self._loops.pop(loop, {})

    def __len__(self) -> int:
        """How many loops hold values (closed ones until the next :meth:`current`)."""
        return len(self._loops)
