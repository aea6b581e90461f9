"""Amounts as people type them in each language (projects.domain.numbers)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from projects.domain.numbers import parse_amount


@pytest.mark.parametrize(
    ("typed", "language", "amount"),
    [
        ("1,200,000.50", "en", "1200000.50"),
        ("1 200 000,50", "ru", "1200000.50"),
        ("1\u00a0200\u00a0000,50", "ru", "1200000.50"),
        ("1\u202f200\u202f000,50", "ru", "1200000.50"),
        ("1.200.000,50", "ru", "1200000.50"),
        ("1200000.5", "en", "1200000.5"),
        ("1200000.5", "ru", "1200000.5"),
        ("1200000,5", "zh", "1200000.5"),
        ("1,200", "en", "1200"),
        ("1,200", "zh", "1200"),
        ("1,200", "ru", "1.200"),
        ("1'200'000", "en", "1200000"),
        ("  42 ", "en", "42"),
        ("-5", "en", "-5"),
    ],
)
def test_amounts_as_typed(typed, language, amount):
    assert parse_amount(typed, language) == Decimal(amount)


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_empty_is_no_amount(typed):
    assert parse_amount(typed, "en") is None


@pytest.mark.parametrize("typed", ["abc", "12.34,5.6", "1,2.3,4", "1e5", "12 CNY", "--5", "."])
def test_not_an_amount(typed):
    with pytest.raises(ValidationError) as error:
        parse_amount(typed, "en")
    assert error.value.code == "invalid_amount"
