"""What one status check concluded, in a shape shared by both services.

Each API folder's ``outcomes`` module turns its status into a :class:`Verdict`; the wait
engine acts on the verdict and never reads a status itself.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_dubbing.waiting.events import FailureKind


class Phase(enum.Enum):
    """Where the remote work stands after one check."""

    WAITING = "waiting"
    """Still running: check again later."""
    SUCCEEDED = "succeeded"
    """Done; the verdict's ``result`` is what the task returns."""
    FAILED = "failed"
    """Ended badly and final for that id; the verdict's ``failure`` says how."""
    UNKNOWN = "unknown"
    """A status this package does not know: never success; keep waiting, bounded by the timeout."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """One check's conclusion.

    :param phase: what to do next.
    :param status: the status as the service spelled it.
    :param summary: the state in words a person understands, e.g. ``export 'a1' is still running``.
    :param result: the JSON-safe dict a task returns for this object (the API's own field names).
    :param failure: for :attr:`Phase.FAILED`, how the work ended badly.
    :param reasons: for :attr:`Phase.FAILED`, the service's reasons, one line each.
    """

    phase: Phase
    status: str
    summary: str
    result: dict[str, Any] = field(default_factory=dict)
    failure: FailureKind | None = None
    reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (self.phase is Phase.FAILED) != (self.failure is not None):
            raise ValueError("a failed verdict, and only a failed one, says how the work failed")

    @property
    def is_final(self) -> bool:
        """Whether waiting is over (succeeded or failed)."""
        return self.phase in (Phase.SUCCEEDED, Phase.FAILED)

    @property
    def is_worrying(self) -> bool:
        """Whether a person should notice: the work failed, or its status is unknown."""
        return self.phase in (Phase.FAILED, Phase.UNKNOWN)

    def announcement(self, next_wait_s: float | None) -> str:
        """The log line for a status change, with the wait that follows when there is one."""
        if next_wait_s is None:
            return self.summary
        return f"{self.summary}; next check in {next_wait_s:.0f} s"


def unknown_verdict(what: str, status: str, result: dict[str, Any]) -> Verdict:
    """The verdict on a status this package does not know: never success, keep waiting."""
    return Verdict(
        Phase.UNKNOWN,
        status,
        f"{what} reports status {status!r}, which this provider does not know; treating it as still running",
        result,
    )
