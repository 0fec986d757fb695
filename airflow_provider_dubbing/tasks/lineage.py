"""OpenLineage for the start and read operators: the source media in, the dubbed files out, and
a run facet with the work's id, status and, on failure, the service's reasons.

The OpenLineage provider (``apache-airflow-providers-openlineage``) calls
``get_openlineage_facets_on_start``, ``..._on_complete`` and ``..._on_failure`` on any
operator that has them. It is optional: every OpenLineage import here is inside a method, so
importing an operator never loads it, and without it nothing calls these methods.

What each operator names (:mod:`..outputs.lineage` holds the naming rules):

- inputs: ``video_url`` (CAMB.AI dub), the run's dubbed audio or video in the export's
  language (CAMB.AI export: the format says which), the library source (BlendVision One
  create, and read once the job's answer names it); none for a CAMB.AI run's result (its
  answer names no source);
- outputs: one dataset per dubbed file (:attr:`.DubbingTaskMixin.files_made`), named by its
  asset URI, as :func:`convert_asset_to_openlineage` names the same asset for Airflow;
- run facets: ``dubbing`` (:class:`.DubbingRunFacet`), and on failure ``errorMessage``.

Nothing presigned and no credential: URLs lose their query string and userinfo, messages
their URLs' query strings (:func:`.shown_text`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_provider_dubbing.camb.models import OutputFormat
from airflow_provider_dubbing.client.errors import RemoteOutcomeError
from airflow_provider_dubbing.client.urls import shown_text
from airflow_provider_dubbing.outputs.files import DubbedFile
from airflow_provider_dubbing.outputs.lineage import DatasetName, file_dataset, library_dataset

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage
    from openlineage.client.event_v2 import Dataset
    from openlineage.client.facet_v2 import RunFacet

AUDIO_FORMATS = frozenset(
    f.value
    for f in (OutputFormat.FLAC, OutputFormat.WAV, OutputFormat.MP3, OutputFormat.AAC, OutputFormat.M4A)
)
"""The export formats made from a run's dubbed audio (the others from its video)."""


class _ContextRef:
    """The task's context, kept for the failure's lineage (Airflow puts the exception in it).

    Neither copied nor pickled: a copy of the operator starts without it.
    """

    __slots__ = ("context",)

    def __init__(self, context: Any = None) -> None:
        self.context = context

    def __deepcopy__(self, memo: dict[int, Any]) -> _ContextRef:
        return _ContextRef()

    def __reduce__(self) -> tuple[Any, ...]:
        return (_ContextRef, ())


class DubbingLineageMixin:
    """OpenLineage facets for a start or read operator; put it first among the operator's bases.

    It keeps what the facets need while the task runs: the context (``pre_execute``; Airflow
    puts a failure's exception in it) and the status and source of the returned dict
    (``finish_with``).
    """

    _lineage_ref: _ContextRef | None = None
    _lineage_status: str | None = None
    _lineage_id: str | None = None
    _lineage_source: DatasetName | None = None

    # -- what the task records while it runs ------------------------------------------------

    def pre_execute(self, context: Any) -> Any:
        """Keep ``context`` (for the failure's lineage), then Airflow's own ``pre_execute``."""
        self._lineage_ref = _ContextRef(context)
        self._lineage_status = self._lineage_id = self._lineage_source = None
        return super().pre_execute(context)  # type: ignore[misc]

    def finish_with(self, context: Any, result: dict[str, Any]) -> dict[str, Any]:
        """The task's return value (:meth:`.DubbingTaskMixin.finish_with`); its status, id and
        source kept for the lineage."""
        value: dict[str, Any] = super().finish_with(context, result)  # type: ignore[misc]
        if isinstance(value, Mapping):
            status = value.get("status")
            self._lineage_status = None if status is None else str(status)
            found = value.get("task_id") or value.get("id")
            self._lineage_id = None if found is None else str(found)
            if value.get("source_id") is not None:
                self._lineage_source = library_dataset(value.get("source_id"), value.get("source_type"))
        return value

    # -- what the operator names ---------------------------------------------------------------

    def source_datasets(self) -> list[DatasetName]:
        """The source media the task dubs. By default the source the answer it read named (a
        BlendVision One job's); none for a CAMB.AI read, whose answers name none. The start
        operators name theirs from their arguments."""
        return [] if self._lineage_source is None else [self._lineage_source]

    def output_datasets(self) -> list[DatasetName]:
        """The dubbed files the task's last run named, one dataset each."""
        files: tuple[DubbedFile, ...] = getattr(self, "files_made", ())
        return [file_dataset(file.uri) for file in files]

    def lineage_object_id(self) -> str | None:
        """The id of the work, None when the task failed before the service named one."""
        if self._lineage_id is not None:
            return self._lineage_id
        if hasattr(self, "started_id"):
            started = self.started_id
            return None if started is None else str(started)
        return str(self.object_id)  # type: ignore[attr-defined]

    # -- the OpenLineage provider's three methods ---------------------------------------------

    def get_openlineage_facets_on_start(self) -> OperatorLineage[Dataset, RunFacet]:
        """The source media, when the task starts (its outputs are not known yet)."""
        return self._operator_lineage(outputs=False, facet=None)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> OperatorLineage[Dataset, RunFacet]:
        """The source media, the dubbed files, and the run facet with the work's status."""
        return self._operator_lineage(outputs=True, facet=self._facet_fields(error=None))

    def get_openlineage_facets_on_failure(self, task_instance: Any) -> OperatorLineage[Dataset, RunFacet]:
        """The source media, the run facet with the failure and the service's reasons, and the
        error message (no dubbed file: a failed task made none)."""
        error = self._failure(task_instance)
        lineage = self._operator_lineage(outputs=False, facet=self._facet_fields(error=error))
        if error is not None:
            from openlineage.client.facet_v2 import error_message_run

            lineage.run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
                message=shown_text(str(error)), programmingLanguage="python"
            )
        return lineage

    # -- how -----------------------------------------------------------------------------------

    def _failure(self, task_instance: Any) -> BaseException | None:
        # Airflow puts the exception in the task's context before it calls the listeners (2.x's
        # handle_failure, 3.x's task runner; not 3.0/3.1's dag.test()): the dict the task ran with.
        context = getattr(self._lineage_ref, "context", None)
        error = context.get("exception") if isinstance(context, Mapping) else None
        return error if isinstance(error, BaseException) else None

    def _facet_fields(self, error: BaseException | None) -> dict[str, Any]:
        status = self._lineage_status
        fields: dict[str, Any] = {
            "service": str(getattr(self, "service_name", "")),
            "noun": str(getattr(self, "noun", "")),
            "objectId": self.lineage_object_id(),
        }
        if error is None:
            return {**fields, "status": status, "files": len(getattr(self, "files_made", ()))}
        reasons: list[str] = []
        if isinstance(error, RemoteOutcomeError):
            status = error.status or status
            fields["objectId"] = error.object_id or fields["objectId"]
            reasons = [shown_text(str(reason)) for reason in error.reasons]
        http_status = getattr(error, "http_status", None)
        return {
            **fields,
            "status": status,
            "error": type(error).__name__,
            "reasons": reasons,
            "httpStatus": http_status if isinstance(http_status, int) else None,
        }

    def _operator_lineage(
        self, *, outputs: bool, facet: dict[str, Any] | None
    ) -> OperatorLineage[Dataset, RunFacet]:
        from airflow.providers.openlineage.extractors import OperatorLineage

        from airflow_provider_dubbing.tasks.lineage_facets import FACET_KEY, DubbingRunFacet

        return OperatorLineage(
            inputs=[_dataset(name) for name in self.source_datasets()],
            outputs=[_dataset(name) for name in self.output_datasets()] if outputs else [],
            run_facets={} if facet is None else {FACET_KEY: DubbingRunFacet(**facet)},
        )


def _dataset(name: DatasetName) -> Dataset:
    from openlineage.client.event_v2 import Dataset

    return Dataset(namespace=name.namespace, name=name.name)


def convert_asset_to_openlineage(asset: Any, lineage_context: Any) -> Dataset:
    """The OpenLineage dataset of a ``camb://`` or ``blendvision://`` asset (registered as
    the schemes' ``to_openlineage_converter``): the same the operators name as outputs."""
    return _dataset(file_dataset(str(asset.uri)))
