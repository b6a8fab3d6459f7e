"""Ids from URLs, forms and API input: the one parser every app uses.

An id is a positive integer that fits the database's bigint; anything else (text, "0",
"-1", a number too large for the column) is not an id. Services and selectors answer
`NotFound` for it, exactly as for an id that does not exist, so a probe learns nothing
and no database ever sees an out-of-range value.
"""

from django.utils.translation import gettext_lazy as _

from wijkregie.core.exceptions import NotFound

MAX_ID = 2**63 - 1


def parse_id(value) -> int | None:
    """The id `value` holds, or None when it holds none."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MAX_ID else None


def as_id(value, *, message=None) -> int:
    """The id `value` holds; `NotFound` (with `message`, default "Not found.") else."""
    number = parse_id(value)
    if number is None:
        raise NotFound(message or _("Not found."))
    return number
