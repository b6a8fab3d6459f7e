"""Consent for newsletters by e-mail, read from and written to the residents' consent
records (residents.ContactConsent): the one place this app asks who may be mailed."""

from wijkregie.residents.models import ConsentPurpose, ConsentSource
from wijkregie.residents.selectors import residents_consenting
from wijkregie.residents.services import contact_consent_withdraw

PURPOSE = ConsentPurpose.NEWSLETTER_EMAIL


def newsletter_recipients(*, building_ids):
    """The residents who consent now to newsletters by e-mail and have an address."""
    return residents_consenting(purpose=PURPOSE, building_ids=list(building_ids)).exclude(email="")


def still_consents(*, resident_id: int, building_ids) -> bool:
    return newsletter_recipients(building_ids=building_ids).filter(pk=resident_id).exists()


def withdraw_by_unsubscribe(*, principal) -> None:
    """`principal`: the resident, proven by the signed unsubscribe link."""
    contact_consent_withdraw(
        actor=principal,
        resident_id=principal.subject_id,
        purpose=PURPOSE,
        source=ConsentSource.UNSUBSCRIBE,
    )
