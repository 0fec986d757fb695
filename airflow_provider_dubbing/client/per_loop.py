"""Values that belong to one event loop: forgotten when their loop closes, and after a fork.

Async clients, their connections and in-flight connection lookups all belong to the loop
that made them; the pool and the connection lookups both keep theirs here.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from typing import Generic, TypeVar

V = TypeVar("V")


class PerLoop(Generic[V]):
    """A dict of values per event loop, keyed by a string within each loop."""

    def __init__(self) -> None:
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, V]] = (
            weakref.WeakKeyDictionary()
        )
        if hasattr(os, "register_at_fork"):  # POSIX; Airflow 2's task runner forks
            # The parent's loops, sockets and tasks are not the child's to use.
            os.register_at_fork(after_in_child=self._loops.clear)

    def current(self) -> dict[str, V]:
        """The running loop's values (an empty dict on first use)."""
        # A value (a closer generator, a lookup task) often refers back to its loop, so the
        # weak key alone would keep every closed loop alive; forget them explicitly.
        for closed in [loop for loop in self._loops if loop.is_closed()]:
            del self._loops[closed]
        return self._loops.setdefault(asyncio.get_running_loop(), {})

    def pop_current(self) -> dict[str, V]:
        """Take the running loop's values out (an empty dict when it has none)."""
        return self._loops.pop(asyncio.get_running_loop(), {})

    def __len__(self) -> int:
        """How many loops hold values (closed ones until the next :meth:`current`)."""
        return len(self._loops)
