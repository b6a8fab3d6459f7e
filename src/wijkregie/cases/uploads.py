"""Documents on a case: checked by their content, not by their name or the browser.

A document is a PDF or a photo. What the bytes are decides: a PDF starts with its
`%PDF-` header and ends with an `%%EOF` marker; a photo must be one that
`reports.photos.sanitise_photo` decodes (and it is re-encoded from its pixels, without
metadata, like a resident's photo). A file whose name claims one type while its content
is another ("report.pdf" that is a JPEG, a program renamed to ".pdf") is refused.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from wijkregie.core.exceptions import ApplicationError
from wijkregie.reports.photos import PhotoRejected, sanitise_photo

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
PDF_EXTENSIONS = {"pdf"}
PHOTO_EXTENSIONS = {"jpg", "jpeg", "png", "webp"}
NAME_MAX_LENGTH = 200


class DocumentRejected(ApplicationError):
    """The upload is not a document we accept; `message` says why, in words."""


@dataclass(frozen=True)
class CheckedDocument:
    name: str
    content: bytes
    content_type: str


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].casefold() if "." in name else ""


def _is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]


def check_document(*, name: str, data: bytes) -> CheckedDocument:
    """A PDF or photo whose content is what its name says; `DocumentRejected` otherwise."""
    name = " ".join(str(name or "").replace("\x00", "").split())[-NAME_MAX_LENGTH:]
    if not data:
        raise DocumentRejected(_("The file is empty."))
    if len(data) > DOCUMENT_MAX_BYTES:
        raise DocumentRejected(
            _("The file is too large: at most %(mb)d MB.")
            % {"mb": DOCUMENT_MAX_BYTES // (1024 * 1024)}
        )
    extension = _extension(name)
    if extension not in PDF_EXTENSIONS | PHOTO_EXTENSIONS:
        raise DocumentRejected(
            _("Only PDF documents and photos (JPEG, PNG, WebP) can be added to a case.")
        )
    if extension in PDF_EXTENSIONS:
        if not _is_pdf(data):
            raise DocumentRejected(
                _("This file is called “%(name)s” but it is not a PDF document.") % {"name": name}
            )
        return CheckedDocument(name=name, content=data, content_type="application/pdf")
    if _is_pdf(data):
        raise DocumentRejected(
            _("This file is called “%(name)s” but it is a PDF document: rename it to .pdf.")
            % {"name": name}
        )
    try:
        photo = sanitise_photo(data, max_bytes=DOCUMENT_MAX_BYTES)
    except PhotoRejected as exc:
        raise DocumentRejected(
            _("This file is called “%(name)s” but it is not a photo we can use: %(why)s")
            % {"name": name, "why": exc.message}
        ) from exc
    stem = name.rsplit(".", 1)[0]
    return CheckedDocument(
        name=f"{stem}.{photo.extension}", content=photo.content, content_type=photo.content_type
    )
