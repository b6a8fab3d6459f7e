"""Background tasks of letters: interfaces that call notifications, no logic."""

from wijkregie.communications import notifications
from wijkregie.core.mail import mail_task


@mail_task()
def letter_email_notify(*, letter_id: int) -> int:
    return notifications.letter_email_send(letter_id=letter_id)
