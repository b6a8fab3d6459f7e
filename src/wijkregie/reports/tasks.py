"""Background tasks (django-tasks): an interface that calls notifications, no logic.

Mail tasks (`core.mail.mail_task`): enqueued by services inside their transaction and
written to the queue when it commits; arguments are ids, so a task reads the committed
state and never carries personal data in its stored arguments.
"""

from wijkregie.core.mail import mail_task
from wijkregie.reports import notifications


@mail_task()
def report_status_notify_reporter(*, status_change_id: int) -> int:
    return notifications.reporter_status_change_send(status_change_id=status_change_id)


@mail_task()
def report_message_notify_reporter(*, message_id: int) -> int:
    return notifications.reporter_message_send(message_id=message_id)


@mail_task(priority=10)
def report_urgent_notify_intake(*, report_id: int) -> int:
    return notifications.intake_urgent_report_send(report_id=report_id)
