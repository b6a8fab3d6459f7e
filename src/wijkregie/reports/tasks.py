"""Background tasks (django-tasks): an interface that calls notifications, no logic.

Enqueued by services inside their transaction; arguments are ids, so a task reads the
committed state and never carries personal data in its stored arguments.
"""

from django_tasks import task

from wijkregie.reports import notifications


@task()
def report_status_notify_reporter(*, status_change_id: int) -> int:
    return notifications.reporter_status_change_send(status_change_id=status_change_id)


@task()
def report_message_notify_reporter(*, message_id: int) -> int:
    return notifications.reporter_message_send(message_id=message_id)


@task(priority=10)
def report_urgent_notify_intake(*, report_id: int) -> int:
    return notifications.intake_urgent_report_send(report_id=report_id)
