"""docs/reliability.md's two bad-input tables list exactly the rows of tests/bad_input_cases.py, cell
for cell, in the same order. The rows run in tests/integration/test_bad_input.py; this reads only the
page and the data, so it needs neither Airflow nor the emulator."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.bad_input_cases import ACCEPTED, BAD_INPUT, Accepted, BadInput

PAGE = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
BAD_INPUT_HEADER = ("#", "bad input", "where", "error", "field", "requests", "task fails with")
ACCEPTED_HEADER = ("#", "input", "where", "what happens")
NO_FIELD = "—"
DAG_DOES_NOT_IMPORT = "— (the DAG does not import)"


def _cells(line: str) -> tuple[str, ...]:
    return tuple(cell.strip() for cell in line.strip().strip("|").split("|"))


def _markdown(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


@functools.cache
def page_table(header: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The body rows of the page's one table with this header, each as its cells."""
    lines = PAGE.read_text().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("|") and _cells(line) == header]
    assert len(starts) == 1, f"{PAGE.name} has {len(starts)} tables headed {_markdown(header)}, not 1"
    assert set(_cells(lines[starts[0] + 1])) == {"---"}, "the header is not followed by |---|"
    rows = []
    for line in lines[starts[0] + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(_cells(line))
    return tuple(rows)


def bad_input_cells(row: BadInput) -> tuple[str, ...]:
    return (
        row.id,
        row.bad_input,
        row.where,
        f"`{row.error}`",
        NO_FIELD if row.field is None else f"`{row.field}`",
        str(row.requests),
        DAG_DOES_NOT_IMPORT if row.task_fails_with is None else f"`{row.task_fails_with}`",
    )


def accepted_cells(row: Accepted) -> tuple[str, ...]:
    return (row.id, row.input, row.where, row.what_happens)


TABLES: list[tuple[tuple[str, ...], Sequence[Any], Callable[[Any], tuple[str, ...]]]] = [
    (BAD_INPUT_HEADER, BAD_INPUT, bad_input_cells),
    (ACCEPTED_HEADER, ACCEPTED, accepted_cells),
]
ROWS = [(header, row, cells) for header, rows, cells in TABLES for row in rows]


@pytest.mark.parametrize(("header", "rows", "cells"), TABLES, ids=["bad input", "accepted"])
def test_the_page_lists_the_same_rows_in_the_same_order(
    header: tuple[str, ...], rows: Sequence[Any], cells: Callable[[Any], tuple[str, ...]]
) -> None:
    ids = [row.id for row in rows]
    assert len(set(ids)) == len(ids), "a row id is used twice in tests/bad_input_cases.py"
    assert [found[0] for found in page_table(header)] == ids, (
        f"{PAGE.name}'s table lists other rows than tests/bad_input_cases.py; it should read:\n"
        + "\n".join(_markdown(cells(row)) for row in rows)
    )


@pytest.mark.parametrize(("header", "row", "cells"), ROWS, ids=[row.id for _, row, _ in ROWS])
def test_each_row_of_the_page_reads_as_its_case(
    header: tuple[str, ...], row: Any, cells: Callable[[Any], tuple[str, ...]]
) -> None:
    on_page = {found[0]: found for found in page_table(header)}
    assert row.id in on_page, f"{PAGE.name} has no row {row.id}; add:\n{_markdown(cells(row))}"
    assert on_page[row.id] == cells(row), (
        f"{PAGE.name}'s row {row.id} differs from tests/bad_input_cases.py:\n"
        f"page: {_markdown(on_page[row.id])}\ncode: {_markdown(cells(row))}"
    )
