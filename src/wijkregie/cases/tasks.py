"""Background tasks of cases (django-tasks): an interface that calls notifications.

Mail tasks (`core.mail.mail_task`) are enqueued by services inside their transaction and
written to the queue when it commits; their arguments are ids only.
"""

from wijkregie.cases import notifications
from wijkregie.core.mail import mail_task


@mail_task()
def action_reminder_notify(*, reminder_id: int) -> int:
    return notifications.action_reminder_send(reminder_id=reminder_id)


@mail_task()
def minutes_notify(*, mailing_id: int) -> int:
    return notifications.minutes_send(mailing_id=mailing_id)
