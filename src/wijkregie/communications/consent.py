"""Consent for newsletters by e-mail, read from and written to the residents' consent
records (residents.ContactConsent): the one place this app asks who may be mailed."""

try:
    from wijkregie.residents.models import ConsentPurpose, ConsentSource
    from wijkregie.residents.selectors import residents_consenting
    from wijkregie.residents.services import contact_consent_withdraw
except ImportError:  # TEMPORARY until the consent records are merged
    from django.utils import timezone

    from wijkregie.residents.models import Resident, current_occupancies

    class ConsentPurpose:
        NEWSLETTER_EMAIL = "newsletter_email"

    class ConsentSource:
        UNSUBSCRIBE = "unsubscribe"

    def residents_consenting(*, purpose, building_ids=None):
        current = current_occupancies(timezone.localdate())
        if building_ids is not None:
            current = current.filter(unit__building_id__in=building_ids)
        return Resident.objects.filter(
            consent_newsletter_email=True, pk__in=current.values("resident_id")
        )

    def contact_consent_withdraw(*, actor, resident_id, purpose, source):
        Resident.objects.filter(pk=resident_id).update(consent_newsletter_email=False)


PURPOSE = ConsentPurpose.NEWSLETTER_EMAIL


def newsletter_recipients(*, building_ids):
    """The residents who consent now to newsletters by e-mail and have an address."""
    return residents_consenting(purpose=PURPOSE, building_ids=list(building_ids)).exclude(email="")


def still_consents(*, resident_id: int, building_ids) -> bool:
    return newsletter_recipients(building_ids=building_ids).filter(pk=resident_id).exists()


def withdraw_by_unsubscribe(*, resident_id: int) -> None:
    contact_consent_withdraw(
        actor=None, resident_id=resident_id, purpose=PURPOSE, source=ConsentSource.UNSUBSCRIBE
    )
