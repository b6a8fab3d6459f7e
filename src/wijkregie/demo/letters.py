"""The letters of the story: "Wat we doen in uw flat" to every resident of De Horizon, sent
(drafted by the neighbourhood manager, reviewed by the liveability consultant, delivered by
post and recorded in each resident's contact history), and a letter to the top floors
about the lift works, drafted and waiting for a second person's review.

Idempotent: a template and a batch are looked up by name and title first. Everything goes
through the communications services as the personas themselves.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from wijkregie.communications.models import LetterBatch, LetterTemplate
from wijkregie.communications.services import letters as services
from wijkregie.core import jobs
from wijkregie.partners.models import Organisation
from wijkregie.partners.selectors import viewer_for
from wijkregie.places.models import Building

TEMPLATE_NAME = "Wat we doen in uw flat"
SENT_TITLE = "Wat we doen in uw flat"
REVIEW_TITLE = "Werkzaamheden aan de liften"
REVIEW_FLOORS = [8, 9]

VERSIONS = {
    "nl": {
        "subject": "Wat we doen in uw flat, {{ building }}",
        "body": (
            "Beste {{ resident_name }},\n\n"
            "De afgelopen maanden hebben bewoners ons verteld wat er beter moet in "
            "{{ building }}: de bergingen, de portieken en de lift. Samen met de gemeente, "
            "de politie en het welzijnswerk pakken we dat nu aan. De bergingen worden "
            "vaker gecontroleerd en schoongemaakt, de portieken krijgen betere verlichting "
            "en de lift in opgang B wordt vernieuwd.\n\n"
            "Wilt u iets kwijt, over wat dan ook? Bel of mail ons, spreek ons aan als we "
            "langskomen, of meld het via de QR-code hieronder. U mag dat ook anoniem doen.\n\n"
            "{{ report_qr }}\n\n"
            "Uw persoonlijke code is {{ letter_code }}. Noem die als u reageert op deze brief."
        ),
        "signature": "Met vriendelijke groet,\n\nMarieke Jansen\nWijkbeheerder, {{ sender }}",
    },
    "en": {
        "subject": "What we are doing in your building, {{ building }}",
        "body": (
            "Dear {{ resident_name }},\n\n"
            "Over the past months residents told us what must improve in {{ building }}: "
            "the storage rooms, the stairwells and the lift. Together with the municipality, "
            "the police and community work we are tackling this now.\n\n"
            "Is there anything you want to tell us, about anything at all? Call or e-mail "
            "us, talk to us when we visit, or report it with the QR code below. You may do "
            "so anonymously.\n\n"
            "{{ report_qr }}\n\n"
            "Your personal code is {{ letter_code }}. Please mention it when you reply."
        ),
        "signature": "Kind regards,\n\nMarieke Jansen\nNeighbourhood manager, {{ sender }}",
    },
    "ar": {
        "subject": "ما نقوم به في مبناكم، {{ building }}",
        "body": (
            "عزيزي/عزيزتي {{ resident_name }}،\n\n"
            "أخبرنا السكان في الأشهر الماضية بما يجب تحسينه في {{ building }}: المخازن "
            "والسلالم والمصعد. نعمل الآن على ذلك مع البلدية والشرطة والعمل الاجتماعي.\n\n"
            "هل تريد أن تخبرنا بشيء؟ اتصل بنا أو راسلنا، أو أبلغ عبر رمز QR أدناه.\n\n"
            "{{ report_qr }}\n\n"
            "رمزك الشخصي هو {{ letter_code }}."
        ),
        "signature": "مع أطيب التحيات،\n\nMarieke Jansen\n{{ sender }}",
    },
}
REVIEW_VERSIONS = {
    "nl": {
        "subject": "Werkzaamheden aan de liften van {{ building }}",
        "body": (
            "Beste {{ resident_name }},\n\n"
            "Van maandag 11 tot en met vrijdag 22 januari vernieuwen we de liften. U woont "
            "hoog in de flat: heeft u hulp nodig met boodschappen of een afspraak buiten de "
            "deur, laat het ons weten. We zoeken samen met u een oplossing.\n\n"
            "Uw persoonlijke code is {{ letter_code }}."
        ),
        "signature": "Met vriendelijke groet,\n\nMarieke Jansen\nWijkbeheerder, {{ sender }}",
    },
}


def _viewer(username: str):
    return viewer_for(get_user_model().objects.get(username=username))


def _template(actor, organisation, name, versions) -> LetterTemplate:
    existing = LetterTemplate.objects.filter(organisation=organisation, name=name).first()
    if existing is not None:
        return existing
    return services.letter_template_create(
        actor=actor, organisation_id=organisation.pk, name=name, versions=versions
    )


def _run_now(job_id) -> None:
    """The demo does not wait for a worker: a job still queued runs here (the worker
    then finds it claimed and skips it)."""
    if job_id is not None:
        jobs.job_run(job_id=job_id)


def build_letters() -> dict:
    """The two batches of the story; returns {"sent": batch, "awaiting_review": batch}."""
    horizon = Building.objects.get(name="De Horizon")
    corporation = Organisation.objects.get(slug="de-vaart")
    author = _viewer("wijkbeheerder")
    reviewer = _viewer("leefbaarheid")
    template = _template(author, corporation, TEMPLATE_NAME, VERSIONS)
    lift = _template(author, corporation, REVIEW_TITLE, REVIEW_VERSIONS)
    today = timezone.localdate()

    sent = LetterBatch.objects.filter(title=SENT_TITLE, building=horizon).first()
    if sent is None:
        sent = services.letter_batch_create(
            actor=author,
            organisation_id=corporation.pk,
            template_id=template.pk,
            title=SENT_TITLE,
            target="building",
            building_id=horizon.pk,
            letter_date=today - datetime.timedelta(days=14),
        )
    _run_now(sent.make_job_id)
    sent.refresh_from_db()
    if sent.status == "draft" and sent.bundle_made_at:
        services.letter_batch_review(actor=reviewer, batch_id=sent.pk)
    sent.refresh_from_db()
    if sent.status == "reviewed":
        services.letter_batch_send(actor=author, batch_id=sent.pk)
    sent.refresh_from_db()
    _run_now(sent.send_job_id)

    waiting = LetterBatch.objects.filter(title=REVIEW_TITLE, building=horizon).first()
    if waiting is None:
        waiting = services.letter_batch_create(
            actor=author,
            organisation_id=corporation.pk,
            template_id=lift.pk,
            title=REVIEW_TITLE,
            target="floors",
            building_id=horizon.pk,
            floors=REVIEW_FLOORS,
            letter_date=today,
        )
    _run_now(waiting.make_job_id)
    sent.refresh_from_db()
    waiting.refresh_from_db()
    return {"sent": sent, "awaiting_review": waiting}
