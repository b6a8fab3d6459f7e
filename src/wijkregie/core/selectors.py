"""Reads of the audit trail: for privacy officers, and themselves audited (BRIEF 27).

A privacy officer (`core.view_auditentry`) sees the entries of the organisations in which
they hold that permission: those where the actor acted for one of them, and those about
their data (`data_owner_id`: the police reading the landlord's residents); the platform itself
(`system_viewer()`) sees all (docs/adr/0003-audit-trail-access-and-protection.md).
"""

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wijkregie.core.access import Viewer
from wijkregie.core.audit import AuditContext, DataOwner, audit_record
from wijkregie.core.exceptions import PermissionDenied
from wijkregie.core.models import AuditAction, AuditEntry

AUDIT_PERMISSION = "core.view_auditentry"
AUDIT_OBJECT_TYPE = "core.auditentry"
# What the audit page and the export show of each entry (recorded as the fields read).
AUDIT_FIELDS_SHOWN = (
    "action",
    "actor_label",
    "context_label",
    "context_type",
    "data_owner_label",
    "fields",
    "object_ids",
    "object_type",
    "occurred_at",
    "organisation_label",
    "origin",
)
AUDIT_PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    organisation_id: int | None = None
    object_type: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None
    context: str = ""

    def describe(self) -> str:
        """The filters as a short text, for the audit entry of this very search."""
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value not in ("", None):
                parts.append(f"{f.name}={value}")
        return "; ".join(parts)


def _audit_organisations(viewer: Viewer) -> frozenset[int] | None:
    """The organisations whose entries the viewer may read; None means all of them."""
    if viewer.is_superuser and viewer.user_id is None:  # the platform's own commands
        return None
    organisations = viewer.organisations_with(AUDIT_PERMISSION)
    if not organisations:
        raise PermissionDenied(_("You may not read the audit trail."))
    return organisations


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entry_list(*, viewer: Viewer, filters: AuditFilters | None = None) -> QuerySet:
    """The entries the viewer may read, newest first, narrowed by `filters`.

    Raises PermissionDenied for a viewer without `core.view_auditentry`.
    """
    organisations = _audit_organisations(viewer)
    filters = filters or AuditFilters()
    qs = AuditEntry.objects.order_by("-id")
    if organisations is not None:
        # Who acted for the officer's organisation, and who read or changed its data.
        qs = qs.filter(Q(organisation_id__in=organisations) | Q(data_owner_id__in=organisations))
    if filters.actor:
        qs = qs.filter(actor_label__iexact=filters.actor)
    if filters.organisation_id is not None:
        qs = qs.filter(
            Q(organisation_id=filters.organisation_id) | Q(data_owner_id=filters.organisation_id)
        )
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.date_from:
        qs = qs.filter(occurred_at__gte=_start_of_day(filters.date_from))
    if filters.date_to:
        qs = qs.filter(occurred_at__lt=_start_of_day(filters.date_to + timedelta(days=1)))
    if filters.context:
        qs = qs.filter(Q(context_label__icontains=filters.context) | Q(context_id=filters.context))
    return qs


@dataclass(frozen=True)
class AuditPage:
    """One page of entries, paged by sequence number (keyset): one query per page, however
    long the trail grows; no COUNT over millions of rows."""

    entries: list[AuditEntry]
    newer_than: int | None  # pass as `after` for the page of newer entries
    older_than: int | None  # pass as `before` for the page of older entries


def _record_read(viewer: Viewer, *, action: str, entries, filters: AuditFilters) -> None:
    organisations = viewer.organisations_with(AUDIT_PERMISSION)
    organisation_id = min(organisations) if organisations else None
    audit_record(
        viewer=viewer,
        action=action,
        object_type=AUDIT_OBJECT_TYPE,
        object_ids=[e.pk for e in entries],
        fields=AUDIT_FIELDS_SHOWN,
        organisation_id=organisation_id,
        # The trail is the privacy officer's organisation's own record.
        data_owner=DataOwner(organisation_id),
        context=AuditContext(
            type="core.auditsearch", label=(filters.describe() or "no filters")[:200]
        ),
    )


def audit_entry_page(
    *,
    viewer: Viewer,
    filters: AuditFilters | None = None,
    before: int | None = None,
    after: int | None = None,
    page_size: int = AUDIT_PAGE_SIZE,
) -> AuditPage:
    """A page of the audit trail, newest first, and one audit entry recording the read.

    `before`: entries older than that sequence number; `after`: entries newer than it
    (the page just above). Neither: the newest entries.
    """
    filters = filters or AuditFilters()
    qs = audit_entry_list(viewer=viewer, filters=filters)
    if after is not None:
        rows = list(qs.filter(id__gt=after).order_by("id")[: page_size + 1])
        has_newer = len(rows) > page_size
        entries = list(reversed(rows[:page_size]))
        has_older = True
    else:
        if before is not None:
            qs = qs.filter(id__lt=before)
        rows = list(qs[: page_size + 1])
        has_older = len(rows) > page_size
        entries = rows[:page_size]
        has_newer = before is not None
    _record_read(viewer, action=AuditAction.LIST, entries=entries, filters=filters)
    return AuditPage(
        entries=entries,
        newer_than=entries[0].pk if entries and has_newer else None,
        older_than=entries[-1].pk if entries and has_older else None,
    )


def audit_entry_export(*, viewer: Viewer, filters: AuditFilters | None = None) -> list:
    """The entries matching `filters` for download (at most WIJKREGIE_AUDIT_EXPORT_MAX_ROWS,
    newest first), recorded as one `export` entry listing them."""
    filters = filters or AuditFilters()
    entries = list(
        audit_entry_list(viewer=viewer, filters=filters)[: settings.WIJKREGIE_AUDIT_EXPORT_MAX_ROWS]
    )
    _record_read(viewer, action=AuditAction.EXPORT, entries=entries, filters=filters)
    return entries


def object_type_choices() -> list[tuple[str, str]]:
    """Every model of Wijkregie as `app_label.model_name` with its name (no query)."""
    choices = [
        (f"{m._meta.app_label}.{m._meta.model_name}", str(m._meta.verbose_name))
        for m in apps.get_models()
        if m.__module__.startswith("wijkregie.")
    ]
    return sorted(choices, key=lambda c: c[0])


def _model(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    model = _model(object_type)
    return str(model._meta.verbose_name) if model else object_type


ALL_FIELDS = gettext_lazy("all fields")


def field_label(model, name: str) -> str:
    """One recorded field name as people read it, in the active language: the model's own
    label for a name that is no field (`AUDIT_FIELD_LABELS`), the field's verbose name,
    the related model's name for a relation without one; the name itself otherwise."""
    if name == "*":
        return str(ALL_FIELDS)
    if model is None:
        return name
    extra = getattr(model, "AUDIT_FIELD_LABELS", {})
    if name in extra:
        return str(extra[name])
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    if field.auto_created and not field.concrete:  # a reverse relation ("occupancies")
        return str(field.related_model._meta.verbose_name_plural)
    label = str(field.verbose_name)
    if field.is_relation and label == field.name.replace("_", " "):  # no label of its own
        meta = field.related_model._meta
        return str(meta.verbose_name_plural if field.many_to_many else meta.verbose_name)
    return label


def field_labels(object_type: str, names) -> list[str]:
    """The fields' names as people read them ("family name" for `family_name`), in
    alphabetical order."""
    model = _model(object_type)
    return sorted((field_label(model, name) for name in names), key=str.lower)
