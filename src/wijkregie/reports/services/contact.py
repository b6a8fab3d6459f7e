"""A resident's "get in touch" request, linked by intake to the resident it came from."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.core.access import Viewer
from wijkregie.core.exceptions import ApplicationError
from wijkregie.reports import events
from wijkregie.reports.selectors import CONTACT_SOURCE
from wijkregie.reports.services.triage import _report_for_intake
from wijkregie.residents.models import ContactChannel, ContactMoment
from wijkregie.residents.selectors import contact_moment_resident_id
from wijkregie.residents.services import contact_moment_record

SUMMARY_QUOTE_LENGTH = 500


def report_contact_link(*, actor: Viewer, report_id, resident_id) -> ContactMoment:
    """Record the request in the resident's contact history (channel: web form, at the
    moment it was sent, for the receiving organisation) and note it on the report's
    timeline. Only intake of the receiving organisation, only for a request to get in
    touch, only a resident the actor may see, and once: a request already linked (to
    this or another resident) is refused and nothing is written."""
    with transaction.atomic():
        report = _report_for_intake(actor, report_id)
        if not report.category.is_contact_request:
            raise ApplicationError(
                _("Only a request to get in touch can be added to a resident's contact history.")
            )
        if contact_moment_resident_id(source_type=CONTACT_SOURCE, source_id=report.pk):
            raise ApplicationError(
                _("This request is already in the contact history of a resident.")
            )
        text = report.description.strip()
        if len(text) > SUMMARY_QUOTE_LENGTH:
            text = text[: SUMMARY_QUOTE_LENGTH - 1] + "…"
        moment = contact_moment_record(
            actor=actor,
            resident_id=resident_id,
            channel=ContactChannel.WEB,
            summary=_("Asked to get in touch through the website (%(code)s): “%(text)s”")
            % {"code": report.tracking_code, "text": text},
            occurred_at=report.created_at,
            organisation_id=report.receiving_organisation_id,
            source=(CONTACT_SOURCE, report.pk),
        )
        events.contact_linked_event(
            report=report,
            actor=actor,
            organisation_id=report.receiving_organisation_id,
            at=timezone.now(),
            resident_id=moment.resident_id,
        )
    return moment
