"""The OpenLineage run facet of a dubbing task: the work's service, id, status and, when it
failed, why.

This module imports the OpenLineage client at its top: only :mod:`.lineage`'s methods import
it, when the OpenLineage provider asks them for lineage, so a DAG without the provider never
loads it.
"""

from __future__ import annotations

from attrs import Factory, define
from openlineage.client.facet_v2 import RunFacet

FACET_KEY = "dubbing"
"""The run facet's key in an OpenLineage event's ``run.facets``."""


@define
class DubbingRunFacet(RunFacet):
    """What the dubbing task worked on, and how it ended.

    :param service: ``CAMB.AI`` or ``BlendVision One``.
    :param noun: the work: ``dub``, ``export``, ``dubbing job``, ``dubbing run``.
    :param objectId: the work's id (the dub's or export's task id, the run's or job's id);
        None when the task failed before the service named one.
    :param status: the service's last status, as it spells it (None when unknown, e.g. a
        run's result, which carries none).
    :param files: how many dubbed files the task names as outputs.
    :param error: on failure, the exception's class (``DubbingJobFailed``,
        ``DubbingRequestRefused``, ``DubbingWaitTimeout``...).
    :param reasons: on a remote failure, the service's reasons, one line each.
    :param httpStatus: on a refused request, the HTTP status the service answered.
    """

    service: str
    noun: str
    objectId: str | None = None
    status: str | None = None
    files: int = 0
    error: str | None = None
    reasons: list[str] = Factory(list)
    httpStatus: int | None = None
