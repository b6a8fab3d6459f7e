"""Background tasks (django-tasks) of the chat: an interface that calls notifications.

Enqueued by services inside their transaction, with ids only (`core.mail.mail_task`)."""

from wijkregie.chat import notifications
from wijkregie.core.mail import mail_task


@mail_task(priority=10)
def chat_recovery_link_notify(*, link_id: int) -> int:
    return notifications.recovery_link_send(link_id=link_id)
