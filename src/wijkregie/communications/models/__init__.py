"""Communications with residents: newsletters (models/newsletters.py)."""

from wijkregie.communications.models.newsletters import (  # noqa: F401
    BODY_MAX_LENGTH,
    MANAGE_NEWSLETTERS,
    SUBJECT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    DeliveryChannel,
    DeliveryStatus,
    Newsletter,
    NewsletterDelivery,
    NewsletterImage,
    NewsletterStatus,
    NewsletterVersion,
)
