"""Background tasks of communications (enqueued by the services, on commit)."""

from wijkregie.communications.tasks.letters import letter_email_notify  # noqa: F401
from wijkregie.communications.tasks.newsletters import newsletter_deliver  # noqa: F401
