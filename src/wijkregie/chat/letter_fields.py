"""The chat's merge field of the letters: a personal join code in a personally addressed
letter (communications.merge_fields).

The code is issued when the letter is made, on behalf of the sending landlord (the letter
job has checked that its author may write to these residents), and replaces the
resident's earlier unused codes: the letter that was made last carries the code that
works. A resident who cannot join (removed from the chat, no current home) gets no code.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from wijkregie.communications import merge_fields
from wijkregie.core.access import system_viewer
from wijkregie.core.exceptions import ApplicationError

NAME = "chat_join_code"
EXAMPLE = "ABCD-EFGH-JKLM"


def _join_text(code: str, language: str) -> str:
    url = settings.SITE_URL.rstrip("/") + reverse("chat_resident:join")
    with override(language):
        return _("%(code)s (enter it at %(url)s)") % {"code": code, "url": url}


def join_code_text(letter: merge_fields.LetterContext) -> str:
    from wijkregie.chat.services import join_code_for_letter

    if letter.preview or letter.resident_id is None:
        return _join_text(EXAMPLE, letter.language)
    try:
        code = join_code_for_letter(
            actor=system_viewer(f"letters:{letter.organisation_name}"[:100], origin="task"),
            resident_id=letter.resident_id,
        )
    except (ValidationError, ApplicationError):
        return ""
    return _join_text(code, letter.language)


def register() -> None:
    if merge_fields.field_get(NAME) is None:
        merge_fields.register(
            NAME,
            label=gettext_lazy("Personal code to join the building chat"),
            provider=join_code_text,
            kind="text",
        )
