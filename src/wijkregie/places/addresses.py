"""Dutch addresses as people and files write them: the one parser of postcodes and house
numbers. Every form, import and API that reads an address uses these functions; the
models store the canonical forms they return ("3521AB"; number, letter, addition).
"""

import re

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

_DIGITS = "[1-9][0-9]{3}"
_LETTERS = "[A-Z]{2}"
POSTCODE_CANONICAL = re.compile(_DIGITS + _LETTERS)
_POSTCODE_IN_TEXT = re.compile(rf"\b({_DIGITS})\s?({_LETTERS})\b", re.IGNORECASE)
_HOUSE_NUMBER = re.compile(r"\s*(\d{1,5})(?!\d)\s*(.*)", re.DOTALL)
_NUMBER_IN_TEXT = re.compile(r"\b(\d{1,5})(?:\s*([A-Za-z])\b)?(?:\s*-\s*([A-Za-z0-9]{1,4}))?")

# The models' check of the stored form (the regex of POSTCODE_CANONICAL, anchored).
postcode_validator = RegexValidator(
    rf"^{POSTCODE_CANONICAL.pattern}$", _("Enter a Dutch postcode such as 3521AB.")
)


def normalise_postcode(value) -> str:
    """White space out, capitals in: the stored form of a valid postcode. An invalid one
    stays as invalid, for `postcode_validator` to name (services save through it)."""
    return re.sub(r"\s+", "", str(value or "")).upper()


def parse_postcode(value) -> str:
    """ "3521 ab", " 3521AB " → "3521AB"; "" when the value is not a Dutch postcode."""
    text = normalise_postcode(value)
    return text if POSTCODE_CANONICAL.fullmatch(text) else ""


def split_addition(value: str) -> tuple[str, str]:
    """ "A", "2", "A-2" or "bis" → (house letter, addition) as the places app stores them."""
    value = (value or "").strip().replace(" ", "")
    if not value:
        return "", ""
    if len(value) == 1 and value.isalpha():
        return value.upper(), ""
    if value[0].isalpha() and len(value) > 1 and value[1] == "-":
        return value[0].upper(), value[2:].upper()
    return "", value.lstrip("-").upper()


def parse_house_number(value) -> tuple[int, str, str] | None:
    """ "12", "12A", "12 A-2", "12-bis" → (number, letter, addition); None when the value
    does not start with a house number."""
    match = _HOUSE_NUMBER.fullmatch(str(value or ""))
    if not match:
        return None
    letter, addition = split_addition(match.group(2))
    return int(match.group(1)), letter, addition


def find_address(text: str) -> tuple[str, int, str, str] | None:
    """The postcode and house number in one line of free text, such as
    "Horizonlaan 12A, 3521 HZ Rivierstad" → ("3521HZ", 12, "A", ""); None without both."""
    postcode = _POSTCODE_IN_TEXT.search(text or "")
    if not postcode:
        return None
    number = _NUMBER_IN_TEXT.search(_POSTCODE_IN_TEXT.sub(" ", text))
    if not number:
        return None
    return (
        (postcode.group(1) + postcode.group(2)).upper(),
        int(number.group(1)),
        (number.group(2) or "").upper(),
        (number.group(3) or "").upper(),
    )
