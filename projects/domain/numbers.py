"""Amounts as people type them (issue 18): "1,200,000.50", "1 200 000,50", "1200000.5".

The form reads a budget with `parse_amount(text, language)`; the API keeps its contract (a JSON
number or a plain decimal string). The rule: spaces (also the no-break and thin spaces Russian
writing uses), apostrophes and underscores group digits; when both ',' and '.' appear, the last
one is the decimal mark; one kind of mark appearing more than once groups digits; a single mark
is the decimal mark, except a single ',' followed by exactly three digits in English or Chinese,
where it groups thousands ("1,200" is one thousand two hundred there, 1.2 in Russian).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

GROUPING = re.compile(r"[\s\u00a0\u202f\u2009'’_]")
DIGITS = re.compile(r"^\d+(\.\d+)?$")
# Languages whose decimal mark is the point: a lone ',' before three digits groups thousands.
POINT_DECIMAL = ("en", "zh")

NOT_AN_AMOUNT = _(
    "Enter an amount such as 1,200,000.50 or 1 200 000,50 (digits, with an optional decimal mark)."
)


def _canonical(text: str, language: str) -> str:
    """The amount with '.' as the only mark, or '' when it cannot be read."""
    compact = GROUPING.sub("", text)
    marks = [char for char in compact if char in ",."]
    if not marks:
        return compact
    if "," in marks and "." in marks:
        decimal = compact[max(compact.rfind(","), compact.rfind("."))]
        group = "." if decimal == "," else ","
        if decimal in compact[: compact.rfind(decimal)]:
            return ""  # two decimal marks
        return compact.replace(group, "").replace(decimal, ".")
    mark = marks[0]
    if len(marks) > 1:
        return compact.replace(mark, "")
    head, tail = compact.split(mark)
    if mark == "," and language in POINT_DECIMAL and len(tail) == 3:
        return head + tail
    return f"{head}.{tail}"


def parse_amount(text: str, language: str = "en") -> Decimal | None:
    """The amount in `text` as typed in `language` (ISO 639-1), None when empty.

    Raises ValidationError (in the reader's language) when it is not an amount; a negative
    amount is for the model's own rule (at least 0) to refuse.
    """
    text = (text or "").strip()
    if not text:
        return None
    sign = ""
    if text[0] in "-−":
        sign, text = "-", text[1:].strip()
    canonical = _canonical(text, language)
    if not DIGITS.match(canonical):
        raise ValidationError(NOT_AN_AMOUNT, code="invalid_amount")
    try:
        return Decimal(sign + canonical)
    except InvalidOperation:
        raise ValidationError(NOT_AN_AMOUNT, code="invalid_amount") from None
