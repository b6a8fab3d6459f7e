"""The update helper every service uses: set what differs, report what changed.

    changed = apply_changes(building, {"name": name, "city": city}, allowed=BUILDING_FIELDS)
    if changed:
        building.full_clean()
        building.save(update_fields=[*changed, "updated_at"])

A value of `UNCHANGED` (the default of an optional keyword argument) is left alone, so
None can still be given as a real value. Names outside `allowed` are refused before
anything is set, with the user-facing message the API shows.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from wijkregie.core.exceptions import ApplicationError


class _Unchanged:
    """Marks an update argument that was not given (None can be a real value)."""

    def __repr__(self) -> str:
        return "UNCHANGED"

    def __bool__(self) -> bool:
        return False


UNCHANGED: Any = _Unchanged()


def refuse_unknown_fields(changes: Iterable[str], allowed: Iterable[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )


def apply_changes(
    instance, changes: Mapping[str, Any], *, allowed: Iterable[str] | None = None
) -> list[str]:
    """Set each given value that differs from the instance's; return the names that changed,
    in the order given. Saves nothing: the service validates, saves and audits."""
    if allowed is not None:
        refuse_unknown_fields(changes, allowed)
    changed = []
    for name, value in changes.items():
        if value is UNCHANGED:
            continue
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed
