"""google.type.Decimal: the reference grammar, its normalization rules, and the pydantic field."""

from __future__ import annotations

import decimal

import pytest
from pydantic import ValidationError

from airflow_provider_dubbing.blendvision.decimals import GoogleDecimal, normalize_decimal_string
from airflow_provider_dubbing.blendvision.models import DecimalValue

VALID = [
    # (written, normalized, value)
    ("2.5", "2.5", "2.5"),
    ("+2.5", "2.5", "2.5"),  # rule: drop an explicit +
    (".5", "0.5", "0.5"),  # rule: an empty integer part becomes 0
    ("+.5", "0.5", "0.5"),
    ("2.5E8", "2.5e8", "250000000"),  # rule: lower-case exponent
    ("1.25E2", "1.25e2", "125"),
    ("2.5e0", "2.5", "2.5"),  # rule: drop a zero exponent
    ("2.5E-0", "2.5", "2.5"),
    ("2.5e-1", "2.5e-1", "0.25"),
    ("1e+3", "1e3", "1000"),  # ours: the exponent's explicit + goes too
    ("5.", "5", "5"),  # grammar: Digits '.' with no fraction digits
    ("-0", "-0", "0"),
    ("007", "007", "7"),
    ("-12.50", "-12.50", "-12.5"),  # trailing zeros may carry precision: kept
    ("0", "0", "0"),
]

INVALID = [
    "",
    ".",
    "+",
    "-.",
    "e5",
    ".e5",
    "1e",
    "1e+",
    "1,5",  # ',' is never a decimal point
    "1,000.5",  # no thousands separators
    "1 000",
    " 1.5",
    "1.5 ",
    "1.2.3",
    "0x10",
    "NaN",
    "Infinity",
    "--1",
    "1_000",
    "١٢",  # non-ASCII digits are not in the grammar
]


@pytest.mark.parametrize(("written", "normalized", "value"), VALID)
def test_valid_strings_normalize_and_keep_their_value(written: str, normalized: str, value: str) -> None:
    assert normalize_decimal_string(written) == normalized
    parsed = GoogleDecimal(written)
    assert isinstance(parsed, decimal.Decimal)
    assert parsed == decimal.Decimal(value)
    assert str(parsed) == normalized


@pytest.mark.parametrize("written", INVALID)
def test_invalid_strings_are_refused(written: str) -> None:
    with pytest.raises(ValueError, match=r"decimal string|no digit"):
        normalize_decimal_string(written)


@pytest.mark.parametrize("written", INVALID)
def test_invalid_strings_are_validation_errors_in_the_model(written: str) -> None:
    with pytest.raises(ValidationError) as info:
        DecimalValue.model_validate({"value": written})
    assert info.value.errors()[0]["loc"] == ("value",)


def test_model_serializes_normalized_text_to_json_and_keeps_decimal_in_python() -> None:
    parsed = DecimalValue.model_validate({"value": "+1.25E2"})
    assert parsed.model_dump(mode="json") == {"value": "1.25e2"}
    assert parsed.model_dump_json() == '{"value":"1.25e2"}'
    assert isinstance(parsed.model_dump()["value"], decimal.Decimal)
    assert parsed.value + 1 == 126


@pytest.mark.parametrize(
    ("given", "text"),
    [
        (decimal.Decimal("1E+2"), "1e2"),
        (3, "3"),
        (2.5, "2.5"),
        (1e20, "1e20"),
        (decimal.Decimal("-0.50"), "-0.50"),
    ],
)
def test_numbers_from_python_become_normalized_text(given: object, text: str) -> None:
    assert str(DecimalValue.model_validate({"value": given}).value) == text


@pytest.mark.parametrize("given", [True, float("nan"), float("inf"), decimal.Decimal("NaN"), None, [1]])
def test_non_decimal_python_values_are_refused(given: object) -> None:
    with pytest.raises(ValidationError):
        DecimalValue.model_validate({"value": given})


def test_round_trip_through_pickle_keeps_the_text() -> None:
    import pickle

    again = pickle.loads(pickle.dumps(GoogleDecimal("2.5E8")))
    assert isinstance(again, GoogleDecimal)
    assert str(again) == "2.5e8"
