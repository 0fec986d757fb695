"""A string enum that keeps values it does not know instead of failing to parse them."""

from __future__ import annotations

from enum import Enum
from typing import Any


class OpenStrEnum(str, Enum):
    """String enum spelled as the API spells it, tolerant of values added later.

    ``Status("SUCCESS") is Status.SUCCESS`` and ``Status.SUCCESS == "SUCCESS"`` hold, while
    ``Status("SOMETHING_NEW")`` gives a pseudo-member named ``UNKNOWN`` whose value is the
    string the API sent, so a new remote status never crashes a parse and stays visible.
    """

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        pseudo = str.__new__(cls, value)
        pseudo._name_ = "UNKNOWN"
        pseudo._value_ = value
        return pseudo

    @property
    def is_known(self) -> bool:
        """Whether the value is one this package was written for."""
        return type(self).__members__.get(self._name_) is self
