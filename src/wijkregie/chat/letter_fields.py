"""The chat's merge field of the letters: a personal join code in a personally addressed
letter (communications.merge_fields).

The code is issued when the letter is made, as the letter's author (`LetterContext.viewer`:
with their `chat.issue_join_codes` in the landlord, and audited as them), and replaces the
resident's earlier unused codes: the letter that was made last carries the code that
works. Where no code can be issued (the author may not hand out codes for the building,
the resident was removed from the chat or has no current home, nobody to act as) the
field stays empty, as the other fields do where they have nothing to say.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from wijkregie.communications import merge_fields
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
    if letter.viewer is None:
        return ""
    try:
        code = join_code_for_letter(actor=letter.viewer, resident_id=letter.resident_id)
    except (ValidationError, ApplicationError):  # PermissionDenied is one
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
