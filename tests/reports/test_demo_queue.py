"""The demo's work queue: a reply waiting and an assigned report."""

import pytest

from wijkregie.demo.partners import build_partners
from wijkregie.demo.places import build_places
from wijkregie.demo.reports import build_reports
from wijkregie.partners.selectors import viewer_for
from wijkregie.reports import selectors
from wijkregie.reports.models import Report

pytestmark = pytest.mark.django_db


def test_the_demo_queue_has_a_reply_waiting_and_an_assigned_report(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    build_partners()
    build_places()
    build_reports()
    waiting = Report.objects.filter(reply_waiting=True, closed_at__isnull=True)
    assigned = Report.objects.filter(assigned_to__user__username="wijkbeheerder")
    assert waiting.count() == 1
    assert assigned.count() == 1
    intake = viewer_for(assigned.get().assigned_to.user)
    counts = selectors.report_queue_counts(viewer=intake)
    assert (counts.replies, counts.mine) == (1, 1)
    first = selectors.report_queue(viewer=intake, filters={"scope": "open", "order": "work"})
    assert first.object_list[0] == waiting.get()

    build_reports()  # again: nothing more
    assert waiting.count() == 1
    assert assigned.count() == 1
