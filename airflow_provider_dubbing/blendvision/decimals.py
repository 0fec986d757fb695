"""``google.type.Decimal``: parsed by the reference grammar, kept as ``decimal.Decimal``,
written back in normalized form.

The grammar (from the reference page)::

    DecimalString = [Sign] Significand [Exponent];
    Significand   = Digits ['.'] [Digits] | [Digits] '.' Digits;   (at least one digit)
    Exponent      = ('e' | 'E') [Sign] Digits;

Normalization follows the page's rules: drop an explicit ``+`` (``+2.5`` -> ``2.5``), write
an empty integer part as ``0`` (``.5`` -> ``0.5``), lower-case the exponent character
(``2.5E8`` -> ``2.5e8``) and drop a zero exponent (``2.5e0`` -> ``2.5``). Two further
normalizations, both value-preserving, are ours: a ``+`` in the exponent is dropped like
any explicit plus (``1e+3`` -> ``1e3``), and a trailing bare point goes (``5.`` -> ``5``).
``,``, thousands separators, spaces, ``NaN`` and ``Infinity`` are invalid.
"""

from __future__ import annotations

import decimal
import re
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

_GRAMMAR = re.compile(
    r"(?P<sign>[+-])?(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?(?:[eE](?P<esign>[+-])?(?P<exp>[0-9]+))?"
)


def normalize_decimal_string(text: str) -> str:
    """The normalized form of a decimal string, or ``ValueError`` naming what is wrong."""
    match = _GRAMMAR.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a decimal string (digits, one optional '.', optional exponent)")
    integer, fraction = match["int"], match["frac"] or ""
    if not integer and not fraction:
        raise ValueError(f"{text!r} has no digit in its significand")
    out = ("-" if match["sign"] == "-" else "") + (integer or "0")
    if fraction:
        out += "." + fraction
    exponent = match["exp"]
    if exponent is not None and int(exponent) != 0:
        out += "e" + ("-" if match["esign"] == "-" else "") + exponent
    return out


class GoogleDecimal(decimal.Decimal):
    """A ``decimal.Decimal`` that remembers its normalized ``google.type.Decimal`` text.

    It compares and computes like any Decimal (``GoogleDecimal("1.25E2") == 125``), while
    ``str()`` and JSON give the normalized string (``"1.25e2"``), which ``Decimal`` alone
    could not: it forgets how the exponent was written.
    """

    __slots__ = ("text",)
    text: str

    def __new__(cls, value: str | int | decimal.Decimal) -> GoogleDecimal:
        if isinstance(value, bool):
            raise ValueError("a decimal cannot be a boolean")
        if isinstance(value, decimal.Decimal):
            if not value.is_finite():
                raise ValueError(f"{value} is not a finite decimal")
            text = str(value)
        elif isinstance(value, int):
            text = str(value)
        elif isinstance(value, str):
            text = value
        else:
            raise ValueError(f"a decimal must be given as a string, not {type(value).__name__}")
        normalized = normalize_decimal_string(text)
        self = super().__new__(cls, normalized)
        self.text = normalized
        return self

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"GoogleDecimal({self.text!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.text,))

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda value: str(value), when_used="json"
            ),
        )

    @classmethod
    def _validate(cls, value: Any) -> GoogleDecimal:
        if isinstance(value, cls):
            return value
        if isinstance(value, float):
            # A float has no exact decimal text; its shortest repr is what the user wrote.
            value = repr(value)
        return cls(value)
