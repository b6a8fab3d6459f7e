"""The registry of personal data: what each app keeps, how long, and how to export and
erase it (AVG art. 5(1)(e), 15 and 17). See docs/privacy.md.

Each app declares its categories in `AppConfig.ready()`:

    retention.register(retention.PersonalDataCategory(
        key="residents.resident", label=_("Resident's identity and contact details"),
        retention=_("2 years after moving out"), purge=purge_moved_out,
        export=export_resident, erase=erase_resident, legal_hold=current_tenancy,
    ))

and the app that knows the data subjects (residents) registers a `SubjectSource`. The
kernel never imports an app: `retention_purge` runs every category's purger (the hourly
maintenance calls `manage.py retention_purge`), and `core.privacy` builds the
data-subject export and erasure from the exporters and erasers.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.functional import Promise

from wijkregie.core.access import Viewer
from wijkregie.core.logging import log_event


@dataclass(frozen=True)
class DataSubject:
    """The person a request is about, as the apps holding data on them can find them.

    `organisation_id` is the controller (the landlord); `emails` and `phones` let other
    apps find what the person left there (a report's contact details).
    """

    type: str
    id: int
    label: str
    organisation_id: int
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()


@dataclass
class SubjectData:
    """What one category holds on a subject: records for the export (JSON-ready dicts)
    and the audit objects under which reads of them were recorded."""

    records: list[dict] = field(default_factory=list)
    audit_objects: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class PersonalDataCategory:
    """One kind of personal data an app keeps.

    - `purge(now) -> int`: erase or delete what is past its retention (scheduled);
      None when the data goes with another category.
    - `export(subject) -> SubjectData`: everything of this category on the subject.
    - `erase(subject, actor, reason) -> int`: erase it on request (art. 17).
    - `legal_hold(subject) -> str`: a non-empty reason forbids erasure on request
      (a retention duty, art. 17(3)); the category is then kept and the reason shown.
    """

    key: str
    label: str | Promise
    retention: str | Promise
    purge: Callable[[datetime], int] | None = None
    export: Callable[[DataSubject], SubjectData] | None = None
    erase: Callable[[DataSubject, Viewer, str], int] | None = None
    legal_hold: Callable[[DataSubject], str] | None = None
    order: int = 100


@dataclass(frozen=True)
class SubjectSource:
    """How the privacy tools find data subjects of one type.

    `search(organisation_ids, query) -> list[DataSubject]` and
    `get(organisation_ids, id) -> DataSubject | None` return only subjects whose
    controller is one of `organisation_ids` (need-to-know); they record no audit entry
    (the caller does).
    """

    type: str
    label: str | Promise
    search: Callable[[frozenset[int], str], list[DataSubject]]
    get: Callable[[frozenset[int], int], DataSubject | None]


def stamp(value: datetime | None) -> str | None:
    """A moment in an export: ISO 8601 in the site's time zone (with its offset)."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


_categories: dict[str, PersonalDataCategory] = {}
_sources: dict[str, SubjectSource] = {}


def register(category: PersonalDataCategory) -> None:
    """Declare a category (idempotent per key: `ready()` may run twice in tests)."""
    _categories[category.key] = category


def register_subject_source(source: SubjectSource) -> None:
    _sources[source.type] = source


def categories() -> list[PersonalDataCategory]:
    return sorted(_categories.values(), key=lambda c: (c.order, c.key))


def category(key: str) -> PersonalDataCategory:
    return _categories[key]


def subject_sources() -> list[SubjectSource]:
    return sorted(_sources.values(), key=lambda s: s.type)


def subject_source(type_: str) -> SubjectSource | None:
    return _sources.get(type_)


@dataclass
class PurgeResult:
    counts: dict[str, int]
    failed: dict[str, str]


def retention_purge(*, now: datetime | None = None) -> PurgeResult:
    """Run every category's purger. A failing purger is logged and the others still run;
    each purger commits its own batches, so a failure loses no finished work."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    failed: dict[str, str] = {}
    for item in categories():
        if item.purge is None:
            continue
        try:
            counts[item.key] = item.purge(now)
        except Exception as exc:  # reported, and the command exits non-zero
            failed[item.key] = type(exc).__name__
            log_event(
                "retention_purge",
                level=logging.ERROR,
                category=item.key,
                result="failed",
                error=f"{type(exc).__name__}: {exc}"[:500],
            )
            continue
        log_event("retention_purge", category=item.key, result="done", count=counts[item.key])
    return PurgeResult(counts=counts, failed=failed)


# --- The kernel's own category: uploaded import files ----------------------------------


def purge_import_files(now: datetime) -> int:
    """Empty the uploaded CSV (names, addresses, e-mail) and the per-row report of
    imports that finished WIJKREGIE_IMPORT_FILE_RETENTION_DAYS ago."""
    from datetime import timedelta

    from django.conf import settings

    from wijkregie.core.models import Job

    cutoff = now - timedelta(days=settings.WIJKREGIE_IMPORT_FILE_RETENTION_DAYS)
    return (
        Job.objects.filter(finished_at__lte=cutoff)
        .exclude(content=b"", errors=[])
        .update(content=b"", errors=[], updated_at=now)
    )


def _import_files_retention() -> str:
    from django.conf import settings
    from django.utils.translation import gettext as _

    return _("%(days)d days after the import finished") % {
        "days": settings.WIJKREGIE_IMPORT_FILE_RETENTION_DAYS
    }


def register_kernel_categories() -> None:
    from django.utils.functional import lazy
    from django.utils.translation import gettext_lazy

    register(
        PersonalDataCategory(
            key="core.import_files",
            label=gettext_lazy("Uploaded import files and their row reports"),
            retention=lazy(_import_files_retention, str)(),
            purge=purge_import_files,
            order=90,
        )
    )
