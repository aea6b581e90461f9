"""National register numbers (`Organization.registration_id`): a format check per country.

* China (CN): the 18-character unified social credit code of GB 32100-2015. Its alphabet is the
  digits and the capitals except I, O, Z, S, V (31 characters); the 18th character is the check
  character: with weights 3^i mod 31 for positions 1-17 (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25,
  13, 8, 24, 10, 30, 28), check = (31 - sum(value x weight) mod 31) mod 31.
* Kazakhstan (KZ): the 12-digit business identification number (BIN): YYMM of registration, the
  kind of entity (4 resident legal entity, 5 non-resident legal entity, 6 joint business), its
  division (0 head office, 1 branch, 2 representative office, 3 peasant farm), a serial number
  and a check digit (the rule shared with the IIN): sum of digit x weight with weights 1..11,
  mod 11; if that is 10, weights 3..11, 1, 2 instead; a second 10 is never issued.

Other countries keep free text (up to 64 characters): no format is checked where none is known.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(pow(3, position, 31) for position in range(17))
USCC_PATTERN = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$")

BIN_WEIGHTS = (tuple(range(1, 12)), (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2))
BIN_PATTERN = re.compile(r"^\d{12}$")
BIN_ENTITY_KINDS = "456"
BIN_DIVISIONS = "0123"


def uscc_check_character(first17: str) -> str:
    total = sum(
        USCC_ALPHABET.index(character) * weight
        for character, weight in zip(first17, USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check_uscc(code: str) -> None:
    if len(code) != 18:
        raise ValidationError(
            f"A Chinese unified social credit code has 18 characters; {code} has {len(code)}.",
            code="invalid_registration_id",
        )
    if not USCC_PATTERN.match(code):
        wrong = sorted({character for character in code if character not in USCC_ALPHABET})
        raise ValidationError(
            f"{code} is not a unified social credit code: it may use digits and the capital "
            f"letters except I, O, Z, S and V; found {', '.join(wrong)}.",
            code="invalid_registration_id",
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            f"{code} is not a valid unified social credit code: its check character (the 18th) "
            f"should be {expected} (GB 32100-2015). Check the number for a typing error.",
            code="invalid_registration_id",
        )


def bin_check_digit(first11: str) -> int | None:
    """The check digit of a BIN/IIN, or None for a number that is never issued."""
    digits = [int(digit) for digit in first11]
    for weights in BIN_WEIGHTS:
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 10:
            return remainder
    return None


def check_bin(number: str) -> None:
    if not BIN_PATTERN.match(number):
        raise ValidationError(
            f"A Kazakh business identification number (BIN) is 12 digits; {number!r} is not.",
            code="invalid_registration_id",
        )
    month = int(number[2:4])
    if not 1 <= month <= 12 or number[4] not in BIN_ENTITY_KINDS:
        raise ValidationError(
            f"{number} is not a BIN: digits 3-4 are the month of registration (01-12) and digit "
            "5 the kind of legal entity (4, 5 or 6).",
            code="invalid_registration_id",
        )
    if number[5] not in BIN_DIVISIONS:
        raise ValidationError(
            f"{number} is not a BIN: digit 6 is the division (0 head office, 1 branch, "
            "2 representative office, 3 peasant farm).",
            code="invalid_registration_id",
        )
    expected = bin_check_digit(number[:11])
    if expected is None or int(number[11]) != expected:
        raise ValidationError(
            f"{number} is not a valid BIN: its check digit (the 12th) does not match. Check the "
            "number for a typing error.",
            code="invalid_registration_id",
        )


FORMATS = {"CN": check_uscc, "KZ": check_bin}


def normalize_registration_id(country: str, value: str) -> str:
    """Spaces and hyphens people type inside the number go; letters are upper case in CN."""
    value = (value or "").strip()
    if str(country).upper() in FORMATS:
        value = re.sub(r"[\s-]", "", value).upper()
    return value


def check_registration_format(country: str, value: str) -> None:
    """Raise ValidationError (on `registration_id`) when `value` breaks its country's format."""
    check = FORMATS.get(str(country).upper())
    if not value or check is None:
        return
    try:
        check(value)
    except ValidationError as error:
        raise ValidationError({"registration_id": error.messages}) from None
