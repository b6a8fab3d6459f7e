"""The minutes of a meeting as a PDF (core/pdf.py, the house style): one rendering for
the download on the meeting page and the copy mailed to the participants."""

from django.utils.translation import gettext as _

from wijkregie.core.pdf import render_pdf


def minutes_pdf(page) -> bytes:
    """`page` is a `selectors.MeetingPage`."""
    return render_pdf(
        "cases/meeting_pdf.html",
        {"page": page, "case": page.case, "meeting": page.meeting},
        title=_("Minutes: %(title)s") % {"title": page.meeting.title},
        subject=page.case.title,
    )


def minutes_file_name(meeting) -> str:
    return f"minutes-{meeting.pk}.pdf"
