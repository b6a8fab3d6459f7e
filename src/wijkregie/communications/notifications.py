"""E-mail of letters: a letter that goes by e-mail is sent with its PDF attached."""

from wijkregie.communications.models import Letter
from wijkregie.core.mail import mail_send


def letter_email_send(*, letter_id: int) -> int:
    """Send the committed letter to its resident's address (read now, never queued)."""
    letter = (
        Letter.objects.filter(pk=letter_id, sent_at__isnull=False)
        .select_related("resident", "batch__organisation")
        .first()
    )
    if letter is None or not letter.resident.email or not letter.pdf:
        return 0
    return mail_send(
        to=[letter.resident.email],
        template="communications/email/letter",
        context={
            "name": letter.resident.full_name,
            "title": letter.batch.title,
            "sender": letter.batch.organisation.name,
            "reference": letter.reference,
        },
        language=letter.language,
        log_object=f"communications.letter:{letter.pk}",
        attachments=[(f"{letter.reference}.pdf", bytes(letter.pdf), "application/pdf")],
    )
