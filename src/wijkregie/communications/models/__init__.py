"""Communications with residents, one module per area: newsletters (models/newsletters.py)
and letters (models/letters.py)."""

from wijkregie.communications.models.letters import (  # noqa: F401
    Letter,
    LetterBatch,
    LetterTemplate,
    LetterTemplateVersion,
)
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
