"""Background tasks of communications (enqueued by the services, on commit)."""

from wijkregie.communications.tasks.newsletters import newsletter_deliver  # noqa: F401
