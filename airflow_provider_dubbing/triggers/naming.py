"""How a wait names its remote object, for triggers and the tasks that defer to them alike.

The names come from attributes the class lists (id first, connection id last), so a
message, a log line and a trigger's kwargs all say the same thing.
"""

from __future__ import annotations

from typing import Any, ClassVar


class NamesRemoteObject:
    """Names the object from the attributes in ``object_kwarg_names`` and the ``noun``."""

    noun: ClassVar[str] = "object"
    """How messages name the object: ``export``, ``dubbing job``."""
    object_kwarg_names: ClassVar[tuple[str, ...]] = ()
    """The attributes (and trigger kwargs) naming the object and its connection, id first."""

    def object_kwargs(self) -> dict[str, Any]:
        """The attributes naming the object and the connection, as the trigger takes them."""
        return {name: getattr(self, name) for name in self.object_kwarg_names}

    @property
    def object_id(self) -> str:
        """The id of the object."""
        return str(getattr(self, self.object_kwarg_names[0]))

    @property
    def what(self) -> str:
        """The object in words, e.g. ``export 'a1'``."""
        return f"{self.noun} {self.object_id!r}"

    @property
    def conn_id(self) -> str:
        """The Airflow connection used (read live: Airflow renders templates after ``__init__``)."""
        return str(getattr(self, self.object_kwarg_names[-1]))
