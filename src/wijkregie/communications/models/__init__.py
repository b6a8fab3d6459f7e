"""The communications app's models, one module per area."""

from wijkregie.communications.models.letters import (  # noqa: F401
    Letter,
    LetterBatch,
    LetterTemplate,
    LetterTemplateVersion,
)
