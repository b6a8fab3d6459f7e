from wijkregie.communications import sending
from wijkregie.core.mail import mail_task


@mail_task()
def newsletter_deliver(*, newsletter_id: int) -> int:
    return sending.deliver_pending(newsletter_id=newsletter_id)
